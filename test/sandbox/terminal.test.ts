// Issue 19 item 1 against the real daemons: started as root in the foreground (-D) from a
// terminal, as an administrator would, a confined process must not be able to type into that
// terminal (TIOCSTI: the text runs as root in the shell once the daemon exits). Two walls stand
// in the way: the pipeline leaves the controlling terminal before the drop (confine.ts), and the
// seccomp filters refuse TIOCSTI (test/sandbox/seccomp-neighbours.test.ts). Here the first wall
// is tried alone: seccomp off (HARDNUT_SECCOMP=off), and the daemon "compromised" the way the
// issue's attacker did it — code of the attacker's running inside the real process once it has
// dropped root (a --require module, standing in for a parser exploit) — types `id` into its fd 0,
// the terminal. The control runs the same code in a process that drops to nut without hardnut's
// pipeline: the text arrives. Root, the nut user and script(1); skipped elsewhere with the reason.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { lookupUser } from '../../src/sandbox/drop-privileges.js';
import { isRoot, onPath, requirePeer, type SkipContext } from '../support/peers.js';
import { HARDNUT, freePort, makeTestDir, waitFor, type TestDir } from '../support/stack.js';
import { SIMPLE_USERS, upsConf } from '../upsd/support/upsd-stack.js';
import { hardnutEnv, makeUpsmonDir, upsmonConf } from '../interop/upsmon-stack.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

const TYPED = 'id #hardnut-typed';
const KOFFI = createRequire(import.meta.url).resolve('koffi');

/**
 * The attacker's code: once the process runs as a user other than root, it pushes TYPED into the
 * terminal (the first of fds 0-2 that is one: upsmon's children have pipes on fd 0) with TIOCSTI,
 * one byte at a time, and reports what the kernel said on that terminal.
 */
function attackModule(dir: TestDir): string {
  const file = join(dir.root, 'tiocsti.cjs');
  writeFileSync(file, `
    const koffi = require(${JSON.stringify(KOFFI)});
    const libc = koffi.load('libc.so.6');
    const ioctl = libc.func('ioctl', 'int', ['int', 'unsigned long', 'void *']);
    const timer = setInterval(() => {
      if (process.getuid() === 0) return;
      clearInterval(timer);
      const fd = [0, 1, 2].find((f) => require('tty').isatty(f));
      if (fd === undefined) return;
      let rc = 0;
      for (const b of Buffer.from(${JSON.stringify(`${TYPED}\n`)})) { rc = ioctl(fd, 0x5412, Buffer.from([b])); if (rc !== 0) break; }
      require('fs').writeSync(fd, 'TIOCSTI ' + (rc === 0 ? 'ALLOWED' : 'ERROR errno ' + koffi.errno()) + ' as uid ' + process.getuid() + '\\n');
    }, 5);
    timer.unref();
  `, { mode: 0o644 });
  return file;
}

interface OnTerminal { child: ChildProcess; output(): string }

/** Runs `argv` under script(1): a new pty is its controlling terminal and its stdin/out/err. */
function onTerminal(argv: string[], env: NodeJS.ProcessEnv): OnTerminal {
  const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qfec', quoted, '/dev/null'], { env: { ...env, SHELL: '/bin/sh' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (b: Buffer) => { out += b.toString('latin1'); });
  child.stderr?.on('data', (b: Buffer) => { out += b.toString('latin1'); });
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  cleanups.push(async () => {
    // script's child runs in a session of its own: end the whole tree, leaves first
    for (const pid of descendants(child.pid as number).reverse()) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    child.kill('SIGKILL');
    await gone;
  });
  return { child, output: () => out };
}

function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'latin1');
      parent.set(Number(e), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch { /* gone */ }
  }
  const out: number[] = [];
  const walk = (p: number): void => { for (const [c, pp] of parent) if (pp === p) { out.push(c); walk(c); } };
  walk(root);
  return out;
}

/** tty_nr (0: no controlling terminal) and what fds 0-2 are, for each non-root process under `root`. */
function confinedTerminals(root: number): Array<{ uid: number; ttyNr: number; stdio: string[] }> {
  const out: Array<{ uid: number; ttyNr: number; stdio: string[] }> = [];
  for (const pid of descendants(root)) {
    try {
      const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${String(pid)}/status`, 'latin1'))?.[1]);
      if (uid === 0) continue;
      const stat = readFileSync(`/proc/${String(pid)}/stat`, 'latin1');
      out.push({ uid, ttyNr: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[4]), stdio: [0, 1, 2].map((fd) => readlinkSync(`/proc/${String(pid)}/fd/${String(fd)}`)) });
    } catch { /* gone */ }
  }
  return out;
}

function needAll(ctx: SkipContext): { uid: number; gid: number } {
  requirePeer(ctx, isRoot(), 'root (the attack is on daemons started by root from a terminal)');
  const nut = lookupUser('nut');
  requirePeer(ctx, nut !== undefined, 'the nut user (apt-get install nut-server)');
  requirePeer(ctx, onPath('script'), 'script(1) (util-linux / bsdutils)');
  return nut as { uid: number; gid: number };
}

/** The daemon's reports, once `count` confined processes have tried. */
async function reports(t: OnTerminal, count: number): Promise<string[]> {
  return waitFor(`${String(count)} TIOCSTI attempt(s)`, () => {
    if (t.child.exitCode !== null) throw new Error(`exited ${String(t.child.exitCode)}:\n${t.output()}`);
    const lines = t.output().split(/\r?\n/).filter((l) => l.startsWith('TIOCSTI '));
    return lines.length >= count ? lines : undefined;
  }, 60_000);
}

async function expectNothingTyped(t: OnTerminal, count: number, uids: number[]): Promise<void> {
  const lines = await reports(t, count);
  for (const l of lines) expect(l).toMatch(/^TIOCSTI ERROR errno 1 as uid \d+$/); // EPERM: not its terminal any more
  expect(lines.map((l) => Number(/uid (\d+)/.exec(l)?.[1])).sort()).toEqual([...uids].sort());
  expect(t.output()).not.toContain(TYPED);
  const procs = confinedTerminals(t.child.pid as number);
  // the attackers still hold the terminal open … (a notification the dispatcher runs meanwhile
  // has /dev/null for stdio and does not count)
  expect(procs.filter((p) => p.stdio.some((f) => /^\/dev\/pts\/\d+$/.test(f))).length).toBeGreaterThanOrEqual(count);
  for (const p of procs) expect(p.ttyNr).toBe(0); // … but it is nobody's controlling terminal any more
}

describe('a daemon started from root\'s terminal cannot type into it (seccomp off: the terminal wall alone)', () => {
  it('control: the same code in a process that drops to nut on its own types `id` into the terminal', async (ctx) => {
    const nut = needAll(ctx);
    const dir = makeTestDir({});
    cleanups.push(() => dir.cleanup());
    const t = onTerminal([process.execPath, '--require', attackModule(dir), '-e', `process.setgid(${String(nut.gid)});process.setuid(${String(nut.uid)});setInterval(()=>{},1000)`], dir.env);
    expect(await reports(t, 1)).toEqual([`TIOCSTI ALLOWED as uid ${String(nut.uid)}`]);
    await waitFor('the typed text echoed by the terminal', () => t.output().includes(TYPED), 20_000);
  }, 60_000);

  it('dummy-ups -D: the driver, dropped to nut, gets EPERM and the terminal receives nothing', async (ctx) => {
    const nut = needAll(ctx);
    const dir = makeTestDir({ 'ups.conf': '[ups1]\n\tdriver = dummy-ups\n\tport = ups1.dev\n', 'ups1.dev': 'ups.status: OL\n' });
    cleanups.push(() => dir.cleanup());
    const t = onTerminal([process.execPath, '--require', attackModule(dir), HARDNUT, 'dummy-ups', '-a', 'ups1', '-D', '-u', 'nut'], { ...dir.env, HARDNUT_SECCOMP: 'off' });
    await expectNothingTyped(t, 1, [nut.uid]);
  }, 60_000);

  it('upsd -D: upsd, dropped to nut, gets EPERM and the terminal receives nothing', async (ctx) => {
    const nut = needAll(ctx);
    const dir = makeTestDir({ 'ups.conf': upsConf(['ups1']), 'upsd.conf': `LISTEN 127.0.0.1 ${String(await freePort())}\n`, 'upsd.users': SIMPLE_USERS });
    cleanups.push(() => dir.cleanup());
    const t = onTerminal([process.execPath, '--require', attackModule(dir), HARDNUT, 'upsd', '-D', '-u', 'nut'], { ...dir.env, HARDNUT_SECCOMP: 'off' });
    await expectNothingTyped(t, 1, [nut.uid]);
  }, 60_000);

  it('upsmon -D: its network child (nobody, chrooted), its dispatcher and its notifier (nut) get EPERM and the terminal receives nothing', async (ctx) => {
    const nut = needAll(ctx);
    const nobody = lookupUser('nobody');
    requirePeer(ctx, nobody !== undefined, 'the nobody user');
    const d = makeUpsmonDir({});
    cleanups.push(() => d.cleanup());
    const conf = join(d.etc, 'upsmon-tty.conf');
    writeFileSync(conf, upsmonConf(d, 'tty', { system: 'u@127.0.0.1:9', role: 'secondary', login: ['x', 'y'] }, 'hardnut'), { mode: 0o600 });
    const t = onTerminal([process.execPath, '--require', attackModule(d), HARDNUT, 'upsmon', '-D', '-f', conf], { ...hardnutEnv(d, 'tty'), HARDNUT_SECCOMP: 'off' });
    await expectNothingTyped(t, 3, [nut.uid, nut.uid, (nobody as { uid: number }).uid]);
  }, 60_000);
});
