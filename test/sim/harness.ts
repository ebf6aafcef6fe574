// A hardnut serial driver (built executable) against a simulator, in a temp dir: the pieces the
// driver tests, the interop tests and the seccomp test share.
import { expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasExecutable, isRoot, requirePeer } from '../support/peers.js';
import {
  HARDNUT, makeTestDir, runHardnut, startHardnutDriver, talk, userArgs, waitFor, waitForSocket, writeFiles, type Proc, type TestDir,
} from '../support/stack.js';
import { hasSocat, startSim, type Sim, type SimKind } from './sim.js';

export interface SerialRig {
  dir: TestDir;
  sim: Sim;
  driver: Proc;
  socket: string;
  /** DUMPALL as a name → value map, plus whether the data is stale. */
  dump(): Promise<{ vars: Map<string, string>; stale: boolean; cmds: string[] }>;
  status(): Promise<string | undefined>;
  /** Sends a line to the driver socket and waits for a reply matching `until`. */
  ask(line: string, until: RegExp, timeoutMs?: number): Promise<string>;
  cleanup(): Promise<void>;
}

/** The driver each simulator stands in front of. */
export const DRIVER: Record<SimKind, string> = { q1: 'nutdrv_qx', apc: 'apcsmart' };

/** Simulator state patches and the ups.status each leads to: on battery, low battery, back on line. */
export const POWER_STEPS: Record<SimKind, ReadonlyArray<readonly [Record<string, unknown>, string]>> = {
  q1: [[{ utilityFail: true }, 'OB'], [{ batteryLow: true }, 'OB LB'], [{ utilityFail: false, batteryLow: false }, 'OL']],
  apc: [[{ power: 'OB' }, 'OB'], [{ lowBattery: true }, 'OB LB'], [{ power: 'OL', lowBattery: false }, 'OL']],
};

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** ups.conf with UPS `u` on the simulator's device; `section`: more tab-indented lines. */
export function upsConf(kind: SimKind, device: string, section = '', driver = DRIVER[kind]): string {
  return `[u]\n\tdriver = ${driver}\n\tport = ${device}\n${section}`;
}

/** What every simulator test needs: socat for the pty pair, and a build to run. */
export function requireSimPeers(ctx: { skip(note?: string): void }): void {
  requirePeer(ctx, hasSocat(), 'socat (apt-get install socat)');
  requirePeer(ctx, hasExecutable(HARDNUT), 'a build (npm run build)');
}

/** Values of SETINFO lines (the driver escapes " and \). */
export function parseDump(text: string): { vars: Map<string, string>; stale: boolean; cmds: string[] } {
  const vars = new Map<string, string>();
  const cmds: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^SETINFO (\S+) "((?:[^"\\]|\\.)*)"$/.exec(line);
    if (m) vars.set(m[1] as string, (m[2] as string).replace(/\\(.)/g, '$1'));
    const c = /^ADDCMD (\S+)$/.exec(line);
    if (c) cmds.push(c[1] as string);
  }
  return { vars, stale: /^DATASTALE$/m.test(text), cmds };
}

/** `driver`: another driver in front of the simulator (scripted-ups with a device script). */
export interface RigOptions { section?: string; simState?: Record<string, unknown>; extra?: string[]; simUser?: string | null; driver?: string }

export async function startSerialRig(kind: SimKind, opts: RigOptions = {}): Promise<SerialRig> {
  const dir = makeTestDir({});
  const device = join(dir.root, 'ups');
  const sim = await startSim(kind, device, { ...(opts.simState ? { state: opts.simState } : {}), ...(opts.simUser !== undefined ? { user: opts.simUser } : {}) });
  const driverName = opts.driver ?? DRIVER[kind];
  writeFiles(dir, { 'ups.conf': upsConf(kind, device, opts.section, driverName) });
  const driver = startHardnutDriver(dir, driverName, 'u', opts.extra ?? []);
  const socket = join(dir.state, `${driverName}-u`);
  try {
    await waitForSocket(socket, 30_000);
  } catch (err) {
    await driver.stop();
    await sim.stop();
    dir.cleanup();
    throw new Error(`${(err as Error).message}\ndriver output: ${driver.output()}\nsim: ${sim.output()}`);
  }
  const ask = (line: string, until: RegExp, timeoutMs = 10_000): Promise<string> => talk(socket, `${line}\n`, until, timeoutMs);
  const dump = async (): Promise<{ vars: Map<string, string>; stale: boolean; cmds: string[] }> => parseDump(await ask('DUMPALL', /DUMPDONE\n/));
  return {
    dir, sim, driver, socket, ask, dump,
    status: async () => (await dump()).vars.get('ups.status'),
    cleanup: async () => {
      await driver.stop();
      await sim.stop();
      dir.cleanup();
    },
  };
}

/**
 * A test file's rigs for one driver: `base` comes before each rig's own ups.conf lines, start()
 * waits until the driver publishes OL, cleanup() (in afterEach) stops every rig started.
 */
export function serialRigs(kind: SimKind, base: string, readyMs = 20_000): { start(opts?: RigOptions): Promise<SerialRig>; cleanup(): Promise<void> } {
  const started: SerialRig[] = [];
  return {
    start: async (opts = {}) => {
      const r = await startSerialRig(kind, { ...opts, section: `${base}${opts.section ?? ''}` });
      started.push(r);
      await waitFor('OL', async () => (await r.status()) === 'OL', readyMs, 100);
      return r;
    },
    cleanup: async () => { for (const r of started.splice(0)) await r.cleanup(); },
  };
}

/** Polls until the driver publishes `status`; resolves with the milliseconds it took. */
export async function timeUntilStatus(rig: SerialRig, status: string, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  await waitFor(`ups.status ${status}`, async () => (await rig.status()) === status, timeoutMs, 50);
  return Date.now() - t0;
}

/** As root a driver drops to nut and loads its seccomp filter: waits for it (nothing to check otherwise). */
export async function expectFilterWhenRoot(r: SerialRig): Promise<void> {
  if (!isRoot()) return;
  await waitFor('seccomp', () => seccompState(r.driver.child.pid as number).seccomp === '2', 10_000);
  expect(seccompState(r.driver.child.pid as number)).toEqual({ seccomp: '2', noNewPrivs: '1' });
}

/** The seccomp line of a process's status (2 = filter in force). */
export function seccompState(pid: number): { seccomp: string; noNewPrivs: string } {
  const st = readFileSync(`/proc/${pid}/status`, 'latin1');
  return { seccomp: /^Seccomp:\s+(\d+)$/m.exec(st)?.[1] ?? '?', noNewPrivs: /^NoNewPrivs:\s+(\d+)$/m.exec(st)?.[1] ?? '?' };
}

export interface BackgroundRig {
  dir: TestDir;
  sim: Sim;
  pid: number;
  socket: string;
  alive(): boolean;
  status(): Promise<string | undefined>;
  cleanup(): Promise<void>;
}

/** The driver as upsdrvctl starts it: backgrounded (syslog, no terminal), as root dropping to nut. */
export async function startBackgroundDriver(kind: SimKind, section = ''): Promise<BackgroundRig> {
  const dir = makeTestDir({});
  const device = join(dir.root, 'ups');
  const sim = await startSim(kind, device);
  const driverName = DRIVER[kind];
  writeFiles(dir, { 'ups.conf': upsConf(kind, device, section) });
  const r = await runHardnut([driverName, '-a', 'u', ...userArgs()], dir.env, 60_000);
  if (r.code !== 0) {
    await sim.stop();
    dir.cleanup();
    throw new Error(`background driver failed (${r.code}): ${r.stderr}`);
  }
  const pid = Number.parseInt(readFileSync(join(dir.state, `${driverName}-u.pid`), 'latin1'), 10);
  const socket = join(dir.state, `${driverName}-u`);
  const alive = (): boolean => { try { process.kill(pid, 0); return true; } catch { return false; } };
  return {
    dir, sim, pid, socket, alive,
    status: async () => parseDump(await talk(socket, 'DUMPALL\n', /DUMPDONE\n/, 10_000)).vars.get('ups.status'),
    cleanup: async () => {
      if (alive()) {
        process.kill(pid, 'SIGTERM');
        await waitFor('driver exit', () => !alive(), 10_000).catch(() => process.kill(pid, 'SIGKILL'));
      }
      await sim.stop();
      dir.cleanup();
    },
  };
}

/**
 * The test body both serial drivers share: started as upsdrvctl does (as root, backgrounded),
 * with its filter in force, it follows the power steps, then the port unplugged for 3 s, and
 * is still alive and filtered afterwards.
 */
export function backgroundedUnderFilter(kind: SimKind, section: string): (ctx: { skip(note?: string): void }) => Promise<void> {
  return async (ctx) => {
    requireSimPeers(ctx);
    requirePeer(ctx, isRoot(), 'root (the filter is enforced when a driver starts as root)');
    const b = await startBackgroundDriver(kind, section);
    try {
      await waitFor('filter', () => seccompState(b.pid).seccomp === '2', 10_000);
      await waitFor('OL', async () => (await b.status()) === 'OL', 20_000, 200);
      for (const [patch, want] of POWER_STEPS[kind]) {
        await b.sim.set(patch);
        await waitFor(want, async () => (await b.status()) === want, 10_000, 100);
      }
      await b.sim.unplug();
      await sleep(3000);
      await b.sim.replug();
      await waitFor('OL again', async () => (await b.status()) === 'OL', 30_000, 300);
      expect(b.alive()).toBe(true);
      expect(seccompState(b.pid).seccomp).toBe('2');
    } finally {
      await b.cleanup();
    }
  };
}

export interface OneShot {
  sim: Sim;
  /** (Re)writes ups.conf: UPS `u` on the simulator, with `section`. */
  conf(section?: string): void;
  /** Runs the driver for `u` with `args` (and -u nut when root) to its exit. */
  driver(args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
}

/** A simulator and a test dir for driver runs that end by themselves (-k, a refused start); both gone afterwards. */
export async function withOneShot<T>(kind: SimKind, state: Record<string, unknown> | undefined, fn: (o: OneShot) => Promise<T>): Promise<T> {
  const dir = makeTestDir({});
  const sim = await startSim(kind, join(dir.root, 'ups'), state ? { state } : {});
  try {
    return await fn({
      sim,
      conf: (section = '') => writeFiles(dir, { 'ups.conf': upsConf(kind, sim.device, section) }),
      driver: (args) => runHardnut([DRIVER[kind], '-a', 'u', ...args, ...userArgs()], dir.env),
    });
  } finally {
    await sim.stop();
    dir.cleanup();
  }
}
