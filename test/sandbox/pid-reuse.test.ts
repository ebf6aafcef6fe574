// Issue 19 item 4, the race left after last session's checks: root's stop commands read a pid,
// check the process it names (owner, executable), then signal. If the checked process exits and
// a root process takes its pid in between, a pid-based kill(2) hits the newcomer. The stop
// commands now hold the process by a pidfd from before the checks to the signal, so the
// newcomer is never hit. The window is opened for real: the command is held by strace at the
// entry of the signalling call, the checked process is killed, a root `sleep` is made to take
// its pid (ns_last_pid), and the command goes on. Root only; skipped elsewhere with the reason.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { accessSync, constants, lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HeldProcess } from '../../src/runtime/pidfile.js';
import { LibcError } from '../../src/sandbox/libc.js';
import { isRoot, onPath, requirePeer, type SkipContext } from '../support/peers.js';
import { HARDNUT, freePort, makeTestDir, startHardnutDriver, startProcess, waitFor, type Proc, type TestDir } from '../support/stack.js';
import { SIMPLE_USERS, upsConf } from '../upsd/support/upsd-stack.js';
import { makeUpsmonDir, startHardnutUpsmon } from '../interop/upsmon-stack.js';
import { rootProcessWithPid, startHeldAt, STRACE_WHY } from './support/syscall-window.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

const NS_LAST_PID = '/proc/sys/kernel/ns_last_pid';
function canChoosePids(): boolean {
  try { accessSync(NS_LAST_PID, constants.W_OK); return true; } catch { return false; }
}
function needRoot(ctx: SkipContext, strace = true): void {
  requirePeer(ctx, isRoot(), 'root (the stop commands are root\'s; a pid is chosen through ns_last_pid)');
  requirePeer(ctx, canChoosePids(), `a writable ${NS_LAST_PID} (root in the initial pid namespace)`);
  if (strace) requirePeer(ctx, onPath('strace'), STRACE_WHY);
}

async function exitOf(p: Proc): Promise<number | null> {
  return waitFor('the command to exit', () => (p.child.exitCode !== null ? { code: p.child.exitCode } : undefined), 30_000).then((v) => v.code);
}

async function pidFileNaming(p: Proc, file: string): Promise<number> {
  const pid = p.child.pid as number;
  await waitFor(`${file} naming ${String(pid)}`, () => {
    if (p.child.exitCode !== null) throw new Error(`exited ${String(p.child.exitCode)}:\n${p.output()}`);
    try { return lstatSync(file).isFile() && readFileSync(file, 'latin1').trim() === String(pid); } catch { return false; }
  }, 30_000);
  return pid;
}

/** The pids of the children of `pid` (upsmon's supervisor: its network child and dispatcher). */
function childrenOf(pid: number): number[] {
  try { return readFileSync(`/proc/${String(pid)}/task/${String(pid)}/children`, 'latin1').trim().split(/\s+/).filter(Boolean).map(Number); } catch { return []; }
}

/** Kills the checked process (its children first) and waits until it is reaped, so its pid is free. */
async function killAndReap(p: Proc): Promise<void> {
  for (const c of childrenOf(p.child.pid as number)) { try { process.kill(c, 'SIGKILL'); } catch { /* gone */ } }
  p.child.kill('SIGKILL');
  await waitFor('the checked process to be reaped', () => p.child.exitCode !== null || p.child.signalCode !== null, 20_000);
}

describe('a held process (pidfd): a reused pid is never signalled', () => {
  it('the held process exits and a root process takes its pid: the signal fails with ESRCH and the newcomer lives; kill(pid) would have reached it', async (ctx) => {
    needRoot(ctx, false);
    const first = spawn('sleep', ['1000'], { stdio: 'ignore' });
    const firstGone = new Promise<void>((resolve) => first.once('exit', () => resolve()));
    cleanups.push(() => { first.kill('SIGKILL'); });
    const pid = first.pid as number;
    const held = HeldProcess.open(pid);
    if (held === undefined) throw new Error('could not hold a live process');
    cleanups.push(() => held.close());
    expect(held.alive()).toBe(true);
    first.kill('SIGKILL');
    await firstGone;
    const newcomer = await rootProcessWithPid(pid, cleanups);
    expect(() => { process.kill(pid, 0); }).not.toThrow(); // a pid-based signal reaches the newcomer
    expect(held.alive()).toBe(false);
    let err: unknown;
    try { held.signal('SIGTERM'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(LibcError);
    expect((err as LibcError).errno).toBe(3);
    expect(newcomer.alive()).toBe(true);
    expect(await newcomer.endedBy()).toBe('SIGKILL');
  }, 60_000);
});

/**
 * The race against the real stop command: `stop` runs held at pidfd_send_signal; `checked` (the
 * daemon it checked) is killed and its pid given to a root `sleep`; then the command goes on.
 */
async function raceStop(ctx: SkipContext, checked: Proc, pidFile: string, stop: string[], env: NodeJS.ProcessEnv): Promise<{ pid: number; code: number | null; output: string }> {
  needRoot(ctx);
  const pid = await pidFileNaming(checked, pidFile);
  const held = await startHeldAt('pidfd_send_signal', process.execPath, [HARDNUT, ...stop], env, cleanups);
  await killAndReap(checked);
  const newcomer = await rootProcessWithPid(pid, cleanups);
  // still held at the call: what it checked is gone, a root process has its pid
  expect(readFileSync(`/proc/${String(held.pid)}/stat`, 'latin1')).toMatch(/\) t /);
  await held.release();
  const code = await exitOf(held.proc);
  expect(newcomer.alive()).toBe(true);
  expect(await newcomer.endedBy()).toBe('SIGKILL');
  return { pid, code, output: held.proc.output() };
}

describe('root\'s stop commands signal the process they checked, never one that took its pid', () => {
  it('upsdrvctl stop: the driver it checked dies in the window and a root process takes its pid: it reports the driver gone; the root process lives', async (ctx) => {
    needRoot(ctx);
    const dir: TestDir = makeTestDir({ 'ups.conf': '[ups1]\n\tdriver = dummy-ups\n\tport = ups1.dev\n', 'ups1.dev': 'ups.status: OL\n' });
    cleanups.push(() => dir.cleanup());
    const drv = startHardnutDriver(dir, 'dummy-ups', 'ups1');
    cleanups.push(() => drv.stop('SIGKILL'));
    const pidFile = join(dir.state, 'dummy-ups-ups1.pid');
    const r = await raceStop(ctx, drv, pidFile, ['upsdrvctl', 'stop', 'ups1'], dir.env);
    expect(r.code).toBe(1);
    expect(r.output).toContain(`Can't stop the driver of [ups1]: dummy-ups is not running: no process ${String(r.pid)} (from ${pidFile})`);
  }, 120_000);

  it('upsd -c stop: upsd dies in the window and a root process takes its pid: it reports upsd gone; the root process lives', async (ctx) => {
    needRoot(ctx);
    const dir = makeTestDir({ 'ups.conf': upsConf(['ups1']), 'upsd.conf': `LISTEN 127.0.0.1 ${String(await freePort())}\n`, 'upsd.users': SIMPLE_USERS });
    cleanups.push(() => dir.cleanup());
    const upsd = startProcess(process.execPath, [HARDNUT, 'upsd', '-F', '-u', 'nut'], dir.env);
    cleanups.push(() => upsd.stop('SIGKILL'));
    const pidFile = join(dir.state, 'upsd.pid');
    const r = await raceStop(ctx, upsd, pidFile, ['upsd', '-c', 'stop'], dir.env);
    expect(r.code).toBe(1);
    expect(r.output).toContain(`upsd -c stop: upsd is not running: no process ${String(r.pid)} (from ${pidFile})`);
  }, 120_000);

  it('upsmon -c stop: the root supervisor it checked dies in the window and a root process takes its pid: it reports upsmon gone; the root process lives', async (ctx) => {
    needRoot(ctx);
    const d = makeUpsmonDir({});
    cleanups.push(() => d.cleanup());
    const env = { NUT_ALTPIDPATH: d.state };
    const upsmon = startHardnutUpsmon(d, 'race', { system: 'u@127.0.0.1:9', role: 'secondary', login: ['x', 'y'] }, [], env);
    cleanups.push(() => upsmon.stop('SIGKILL'));
    const pidFile = join(d.state, 'upsmon.pid');
    const r = await raceStop(ctx, upsmon, pidFile, ['upsmon', '-c', 'stop'], { ...d.env, ...env });
    expect(r.code).toBe(1);
    expect(r.output).toContain(`upsmon -c stop: upsmon is not running: no process ${String(r.pid)} (from ${pidFile})`);
  }, 120_000);
});
