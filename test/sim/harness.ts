// A hardnut serial driver (built executable) against a simulator, in a temp dir: the pieces the
// driver tests, the interop tests and the seccomp test share.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTestDir, startHardnutDriver, talk, waitFor, waitForSocket, type Proc, type TestDir } from '../support/stack.js';
import { startSim, type Sim, type SimKind } from './sim.js';

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

const DRIVER: Record<SimKind, string> = { q1: 'nutdrv_qx', apc: 'apcsmart' };

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

export async function startSerialRig(kind: SimKind, opts: { section?: string; simState?: Record<string, unknown>; extra?: string[]; simUser?: string | null } = {}): Promise<SerialRig> {
  const dir = makeTestDir({});
  const device = join(dir.root, 'ups');
  const sim = await startSim(kind, device, { ...(opts.simState ? { state: opts.simState } : {}), ...(opts.simUser !== undefined ? { user: opts.simUser } : {}) });
  const driverName = DRIVER[kind];
  const section = opts.section ?? '';
  const { writeFiles } = await import('../support/stack.js');
  writeFiles(dir, { 'ups.conf': `[u]\n\tdriver = ${driverName}\n\tport = ${device}\n${section}` });
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

/** Polls until the driver publishes `status`; resolves with the milliseconds it took. */
export async function timeUntilStatus(rig: SerialRig, status: string, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  await waitFor(`ups.status ${status}`, async () => (await rig.status()) === status, timeoutMs, 50);
  return Date.now() - t0;
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
  const { runHardnut, userArgs, writeFiles } = await import('../support/stack.js');
  const dir = makeTestDir({});
  const device = join(dir.root, 'ups');
  const sim = await startSim(kind, device);
  const driverName = DRIVER[kind];
  writeFiles(dir, { 'ups.conf': `[u]\n\tdriver = ${driverName}\n\tport = ${device}\n${section}` });
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
