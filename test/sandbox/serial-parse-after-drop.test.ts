// Open as root, parse as nobody, for the serial drivers (issue #12 item 3): nutdrv_qx and
// apcsmart started as root may open and configure the port (open, flock, termios, DTR/RTS
// ioctls) but read or write no byte on it while root. The real driver runs under strace against
// the pty simulator; strace -y names the pty behind each fd. In a normal start every read/write
// on the port comes after the drop to nut in every thread (the start-up reads run as nut in
// confine()'s asUser step, like snmp-ups' and usbhid-ups'); under -k after the seccomp filter
// too (the shutdown runs once confine() returned).
import { describe, it, expect, afterEach } from 'vitest';
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { HARDNUT, makeTestDir, startProcess, talk, userArgs, waitFor, waitForSocket, writeFiles, type Proc, type TestDir } from '../support/stack.js';
import { onPath, requirePeer, requireRoot } from '../support/peers.js';
import { DRIVER, parseDump, requireSimPeers, upsConf } from '../sim/harness.js';
import { startSim, type Sim, type SimKind } from '../sim/sim.js';
import { STRACE_WHY } from './support/syscall-window.js';

/** Every call that moves bytes through an fd (libuv's pool may use any of them). */
const IO_CALLS = ['read', 'readv', 'pread64', 'preadv', 'preadv2', 'write', 'writev', 'pwrite64', 'pwritev', 'pwritev2'];
/** What marks the drop: confine() loads the filter last (after setresuid, rlimits, no_new_privs). */
const TRACED = [...IO_CALLS, 'setresuid', 'setuid', 'seccomp'];

let cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

interface Trace { lines: string[]; pts: string }

/** Section lines each driver needs to come up against its simulator. */
const SECTION: Record<SimKind, string> = { q1: '\tprotocol = megatec\n', apc: '' };

async function rig(kind: SimKind): Promise<{ dir: TestDir; sim: Sim; pts: string; traceFile: string; start(extra: string[]): Proc }> {
  const dir = makeTestDir({});
  cleanups.push(() => dir.cleanup());
  const device = join(dir.root, 'ups');
  const sim = await startSim(kind, device);
  cleanups.push(() => sim.stop());
  writeFiles(dir, { 'ups.conf': upsConf(kind, device, SECTION[kind]) });
  const traceFile = join(dir.root, 'trace');
  return {
    dir, sim, pts: realpathSync(device), traceFile,
    start: (extra) => {
      const p = startProcess('strace', ['-f', '-qq', '-y', '-o', traceFile, '-e', `trace=${TRACED.join(',')}`,
        process.execPath, HARDNUT, DRIVER[kind], '-a', 'u', '-F', ...userArgs(), ...extra], dir.env);
      // a SIGKILLed strace detaches and leaves its tracee running: end the driver first
      cleanups.push(async () => {
        const pid = traceePid(p);
        if (pid !== undefined) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
        await p.stop('SIGKILL');
      });
      return p;
    },
  };
}

/** The driver strace started (its only child), while it runs. */
function traceePid(strace: Proc): number | undefined {
  const pid = String(strace.child.pid);
  try {
    const child = Number.parseInt(readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1'), 10);
    return child > 0 ? child : undefined;
  } catch { return undefined; }
}

function readTrace(file: string, pts: string): Trace {
  return { lines: readFileSync(file, 'latin1').split('\n'), pts };
}

/** Where the first line matching `re` stands in the trace, -1 when none does. */
const first = (t: Trace, re: RegExp): number => t.lines.findIndex((l) => re.test(l));
const last = (t: Trace, re: RegExp): number => t.lines.reduce((at, l, i) => (re.test(l) ? i : at), -1);

/**
 * `after`: 'drop' — every thread has become the driver's user (glibc's process.setuid runs
 * setuid in each thread: the last of them); 'filter' — the seccomp filter is loaded too.
 */
function expectNoDeviceBytesBefore(after: 'drop' | 'filter', t: Trace, what: string): void {
  const esc = t.pts.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const io = new RegExp(`^\\d+\\s+(?:${IO_CALLS.join('|')})\\(\\d+<${esc}>`);
  const drop = last(t, /^\d+\s+set(?:res)?uid\([1-9]/);
  const filter = first(t, /^\d+\s+seccomp\(SECCOMP_SET_MODE_FILTER/);
  const firstIo = first(t, io);
  const mark = after === 'drop' ? drop : filter;
  const context = `${what}: first I/O on ${t.pts} at trace line ${String(firstIo)}, last setuid at ${String(drop)}, filter at ${String(filter)}\n`
    + t.lines.slice(Math.max(0, Math.min(firstIo, mark) - 3), Math.max(firstIo, mark) + 3).join('\n');
  // the driver did talk to the UPS, it did drop (all threads), and it loaded its filter after
  expect(firstIo, context).toBeGreaterThanOrEqual(0);
  expect(drop, context).toBeGreaterThanOrEqual(0);
  expect(filter, context).toBeGreaterThan(drop);
  // the claim: not one byte read from or written to the UPS before that point
  expect(firstIo, context).toBeGreaterThan(mark);
}

/** strace's exit code (the driver's), -1 when a signal ended it. */
function exitOf(p: Proc, what: string): Promise<number> {
  return waitFor(what, () => p.child.exitCode ?? (p.child.signalCode !== null ? -1 : undefined), 60_000);
}

function peers(ctx: { skip(note?: string): void }): void {
  requireRoot(ctx);
  requireSimPeers(ctx);
  requirePeer(ctx, onPath('strace'), STRACE_WHY);
}

describe.each(['q1', 'apc'] as const)('%s: the serial driver moves no byte on the port before its confinement', (kind) => {
  it(`${DRIVER[kind]} started as root: no byte is read or written on the port before every thread is nut`, async (ctx) => {
    peers(ctx);
    const r = await rig(kind);
    const driver = r.start([]);
    const socket = join(r.dir.state, `${DRIVER[kind]}-u`);
    await waitForSocket(socket, 60_000).catch((err: unknown) => { throw new Error(`${(err as Error).message}\n${driver.output()}`); });
    // users see the same start: the UPS's status is served (an answer also means confine()
    // returned, so the SIGTERM below finds the driver's handler)
    const dump = parseDump(await talk(socket, 'DUMPALL\n', /DUMPDONE\n/, 20_000));
    expect(dump.vars.get('ups.status'), driver.output()).toBe('OL');
    // the driver is strace's child: end it, not strace, so the trace is complete
    const pid = traceePid(driver);
    if (pid === undefined) throw new Error(`no driver under strace: ${driver.output()}`);
    process.kill(pid, 'SIGTERM');
    const code = await exitOf(driver, 'the driver to exit');
    expect(code, driver.output()).toBe(0);
    expectNoDeviceBytesBefore('drop', readTrace(r.traceFile, r.pts), `${DRIVER[kind]} start`);
  }, 90_000);

  it(`${DRIVER[kind]} -k as root: the shutdown's status read and commands all come after the drop and the seccomp filter`, async (ctx) => {
    peers(ctx);
    const r = await rig(kind);
    const driver = r.start(['-k']);
    const code = await exitOf(driver, 'the -k run to end');
    expect(code, driver.output()).toBe(0);
    // the UPS was told to shut down (what the simulator's -k tests check in detail)
    const state = await r.sim.get();
    expect(kind === 'q1' ? state['shutdownActive'] : state['lastAction'], `${driver.output()}\nrx: ${await r.sim.rx()}`).toBeTruthy();
    expectNoDeviceBytesBefore('filter', readTrace(r.traceFile, r.pts), `${DRIVER[kind]} -k`);
  }, 90_000);
});
