// Death tests for the driver-snmp role (issue 5), inside the real sandbox — dropped to nut, the
// role's filter loaded — with the fixture child seccomp.test.ts uses; then hardnut's snmp-ups
// itself under its filter, polling an agent, taking commands and garbage, without a kill.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { requirePeer, requireRoot } from '../support/peers.js';
import { resolvePolicy } from '../../src/sandbox/seccomp.js';

const ROLE = 'driver-snmp';
let child = '';
let scratch = '';
beforeAll(async () => {
  const cache = new URL('../../node_modules/.cache/', import.meta.url).pathname;
  mkdirSync(cache, { recursive: true });
  child = join(mkdtempSync(join(cache, 'hn-seccomp-snmp-')), 'child.mjs');
  scratch = mkdtempSync(join(tmpdir(), 'hn-scratch-'));
  chmodSync(scratch, 0o777);
  await build({
    entryPoints: [new URL('./fixtures/seccomp-child.ts', import.meta.url).pathname],
    outfile: child, bundle: true, platform: 'node', format: 'esm', target: 'node20', external: ['koffi'], logLevel: 'warning',
  });
});
afterAll(() => { for (const d of [scratch, child && dirname(child)]) if (d) rmSync(d, { recursive: true, force: true }); });

const attempt = (what: string): { signal: NodeJS.Signals | null; out: string } => {
  const r = spawnSync(process.execPath, [child, ROLE, what, scratch], { encoding: 'utf8', timeout: 20_000, cwd: '/' });
  return { signal: r.signal, out: `${r.stdout}${r.stderr}`.trim() };
};

describe(`death tests, role ${ROLE}`, () => {
  it('the policy allows AF_UNIX sockets only (syslog), so no new Internet socket after start-up', () => {
    const rules = resolvePolicy(ROLE);
    expect(rules.get('socket')?.equals).toEqual([1]);
    for (const n of ['execve', 'fork', 'vfork', 'ptrace', 'mount', 'setuid', 'chmod', 'bind', 'listen']) expect(rules.has(n), n).toBe(false);
    expect(rules.get('kill')?.equals, 'kill only of itself').toEqual(['self']);
  });

  it('the sandbox itself leaves the process working (control)', (ctx) => {
    requireRoot(ctx);
    expect(attempt('none')).toEqual({ signal: null, out: 'ALIVE' });
  });

  // an AF_INET socket is what this role has none of (its UDP socket exists before the filter)
  for (const what of ['execve', 'shell', 'inet', 'ptrace', 'mount', 'setuid', 'chmod', 'kill']) {
    it(`${what}: kills the process (SIGSYS)`, (ctx) => {
      requireRoot(ctx);
      const r = attempt(what);
      expect(r.out).not.toMatch(/ALLOWED/);
      expect(r.signal).toBe('SIGSYS');
    });
  }

  it('open of /etc/shadow fails with EACCES (no longer root)', (ctx) => {
    requireRoot(ctx);
    expect(attempt('shadow')).toEqual({ signal: null, out: 'ERROR EACCES' });
  });
});

describe('snmp-ups under its filter', () => {
  it('runs with Seccomp 2, NoNewPrivs 1, no capabilities, and survives polls, commands, garbage and a silent agent', async (ctx) => {
    requireRoot(ctx);
    const { makeTestDir, startHardnutDriver, talk, waitFor, waitForSocket, writeFiles, HARDNUT } = await import('../support/stack.js');
    const { hasExecutable } = await import('../support/peers.js');
    requirePeer(ctx, hasExecutable(HARDNUT), 'a build (npm run build)');
    const { startSnmpAgent } = await import('../sim/snmp-agent.js');
    // the directory first: makeTestDir skips (throws) without the nut user, which must not leave
    // an agent running
    const d = makeTestDir();
    const agent = await startSnmpAgent({ sysoid: 'ietf' }).catch((err: unknown) => { d.cleanup(); throw err; });
    writeFiles(d, { 'ups.conf': `[s]\n\tdriver = snmp-ups\n\tport = ${agent.host}\n\tpollfreq = 1\n\tsnmp_retries = 0\n` });
    const proc = startHardnutDriver(d, 'snmp-ups', 's', ['-i', '1']);
    const sock = join(d.state, 'snmp-ups-s');
    try {
      await waitForSocket(sock, 20_000);
      const status = await waitFor('seccomp in force', () => {
        const st = readFileSync(`/proc/${proc.child.pid}/status`, 'latin1');
        return /^Seccomp:\s+2$/m.test(st) ? st : undefined;
      });
      expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
      expect(status).toMatch(/^CapEff:\s+0+$/m);
      await talk(sock, 'DUMPALL\nINSTCMD load.off TRACKING a\nSET ups.timer.shutdown "30" TRACKING b\n', /TRACKING b/);
      await agent.set({ power: 'OB' });
      await waitFor('OB', async () => /SETINFO ups.status "OB"/.test(await talk(sock, 'DUMPALL\n', /DUMPDONE/)), 10_000, 200);
      // garbage, then silence, each for three of the driver's requests (counted by the agent, not slept)
      await agent.garbage(true);
      await agent.more('garbageSent', 3);
      await agent.garbage(false);
      await agent.request({ cmd: 'silent', on: true });
      await agent.more('received', 3); // each unanswered: the driver's snmp_timeout runs out under the filter
      await agent.request({ cmd: 'silent', on: false });
      await waitFor('fresh again', async () => /DATAOK/.test(await talk(sock, 'DUMPALL\n', /DUMPDONE/)), 10_000, 200);
      expect(proc.child.exitCode).toBeNull();
      expect(proc.child.signalCode).toBeNull();
      expect(await proc.stop()).toBe(0);
    } finally {
      await proc.stop();
      await agent.stop();
      d.cleanup();
    }
  }, 45_000);
});
