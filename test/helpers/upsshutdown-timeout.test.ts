// Issue 19 item 10: upsshutdown's run-time bound (RUN_TIMEOUT_S, SIGALRM) must hold whatever
// signal state its caller leaves it: an ignored or blocked SIGALRM survives execve, so a caller
// that keeps stdin open could otherwise hold a root process forever. The helper is exec'd by a
// launcher that ignores and blocks SIGALRM (python3: Node cannot set a signal mask), is given a
// valid config and never an end of stdin, and must end by SIGALRM on its own. The test build's
// bound is 3 s (the same code, RUN_TIMEOUT_S compiled in shorter), so the test stays quick.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../src/sandbox/shutdown-intent.js';
import { canBuildHelpers, isRoot, requireHelperBuild, requirePeer } from '../support/peers.js';
import { buildHelper, writeRootFile, type HelperBuild } from './support.js';

const TIMEOUT_S = 3;
/** Well above TIMEOUT_S: the bound must end it, on a loaded 2-core machine too. */
const WAIT_LIMIT_MS = 30_000;

/** Ignores and blocks SIGALRM, then execs argv: what a hostile caller of a setuid binary can do. */
const LAUNCHER = [
  'import os, signal, sys',
  'signal.signal(signal.SIGALRM, signal.SIG_IGN)',
  'signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})',
  'os.execv(sys.argv[1], sys.argv[1:])',
].join('\n');
const SIGALRM_BIT = 1n << 13n; // signal 14

let h: HelperBuild;
const started: ChildProcess[] = [];

beforeAll(() => {
  if (!isRoot() || !canBuildHelpers()) return;
  h = buildHelper('hn-ush-alarm-', [`CFLAGS=-DRUN_TIMEOUT_S=${String(TIMEOUT_S)}`]);
  const lines = [`pubkey ${Buffer.from(generateKeyPair().publicKey).toString('hex')}`, 'method command', `nonces ${join(h.state, 'nonces')}`, `argv /usr/bin/touch ${join(h.root, 'marker')}`];
  writeRootFile(h.conf, `${lines.join('\n')}\n`);
});
afterAll(() => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  h?.cleanup();
});

function statusMask(text: string, field: string): bigint {
  const m = new RegExp(`^${field}:\\s*([0-9a-f]+)$`, 'm').exec(text);
  if (m === null) throw new Error(`no ${field} in ${text}`);
  return BigInt(`0x${m[1] as string}`);
}

describe('upsshutdown ends after its run-time bound whatever its caller did to SIGALRM', () => {
  it('the launcher really hands an ignored and blocked SIGALRM across execve', (ctx) => {
    requirePeer(ctx, isRoot(), 'root (CI runs as root)');
    const status = execFileSync('python3', ['-c', LAUNCHER, '/bin/cat', '/proc/self/status'], { encoding: 'utf8' });
    expect(statusMask(status, 'SigIgn') & SIGALRM_BIT).toBe(SIGALRM_BIT);
    expect(statusMask(status, 'SigBlk') & SIGALRM_BIT).toBe(SIGALRM_BIT);
  });

  it('waiting on stdin, SIGALRM ignored and blocked by its caller: killed by SIGALRM after the bound', async (ctx) => {
    requireHelperBuild(ctx);
    const t0 = Date.now();
    // stdin is a pipe this test never closes: the helper waits for an intent that never comes
    const c = spawn('python3', ['-c', LAUNCHER, h.bin, 'poweroff'], { stdio: ['pipe', 'ignore', 'pipe'], env: {} });
    started.push(c);
    let stderr = '';
    c.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => c.on('exit', (code, signal) => resolve({ code, signal })));
    const guard = new Promise<'still running'>((resolve) => { const t = setTimeout(() => resolve('still running'), WAIT_LIMIT_MS); t.unref(); });
    const r = await Promise.race([ended, guard]);
    expect(r, stderr).toEqual({ code: null, signal: 'SIGALRM' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(TIMEOUT_S * 1000 - 100);
  }, WAIT_LIMIT_MS + 10_000);
});
