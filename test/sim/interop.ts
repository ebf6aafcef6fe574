// One simulator, one ups.conf, Debian's upsd in front; either Debian's serial driver or
// hardnut's behind it, one after the other. What the serial interop tests compare.
import { join } from 'node:path';
import { hasExecutable, refNut, requirePeer } from '../support/peers.js';
import {
  HARDNUT, freePort, makeTestDir, run, startProcess, userArgs, waitFor, waitForSocket, writeFiles, type Proc, type TestDir,
} from '../support/stack.js';
import { DRIVER, POWER_STEPS, requireSimPeers, sleep, upsConf } from './harness.js';
import { startSim, type Sim, type SimKind } from './sim.js';

export const DEBIAN_DRIVER: Record<SimKind, string> = { q1: '/lib/nut/nutdrv_qx', apc: '/lib/nut/apcsmart' };
export const UPSCMD = '/bin/upscmd';
export const UPSRW = '/bin/upsrw';

/** Variables that differ by design: the version of the software (and Debian's libusb build string). */
export const VERSION_VARS = ['driver.version', 'driver.version.usb'];

export function hasSerialPeers(kind: SimKind): boolean {
  return hasExecutable(DEBIAN_DRIVER[kind]) && hasExecutable(refNut.upsd) && hasExecutable(refNut.upsc) && hasExecutable(UPSCMD) && hasExecutable(UPSRW);
}

/** Debian's driver and tools, socat and a build. */
export function requireSerialInteropPeers(ctx: { skip(note?: string): void }, kind: SimKind): void {
  requirePeer(ctx, hasSerialPeers(kind), `Debian's NUT (nut-server, nut-client: ${DEBIAN_DRIVER[kind]}, upsd, upsc, upscmd, upsrw)`);
  requireSimPeers(ctx);
}

/** upsd.conf on 127.0.0.1:`port` and upsd.users with an admin who may SET and run every command. */
export function upsdFiles(port: number): Record<string, string> {
  return {
    'upsd.conf': `LISTEN 127.0.0.1 ${port}\nMAXAGE 15\n`,
    'upsd.users': '[admin]\n\tpassword = adminpass\n\tactions = SET\n\tinstcmds = ALL\n',
  };
}

export interface InteropStack {
  kind: SimKind;
  dir: TestDir;
  sim: Sim;
  port: number;
  ups: string;
  /** Starts one side's driver and a fresh upsd, and waits for its data. */
  start(side: 'debian' | 'hardnut'): Promise<void>;
  /** Stops the driver and upsd of the current side. */
  stop(): Promise<void>;
  upsc(): Promise<Map<string, string>>;
  upscRaw(args?: string[]): Promise<string>;
  upsrw(): Promise<string>;
  cmdList(): Promise<string>;
  upscmd(cmd: string, param?: string): Promise<{ code: number; out: string }>;
  set(name: string, value: string): Promise<{ code: number; out: string }>;
  driverOutput(): string;
  cleanup(): Promise<void>;
}

export function upscMap(stdout: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const i = line.indexOf(': ');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 2));
  }
  return m;
}

export async function startInteropStack(kind: SimKind, section: string, simState?: Record<string, unknown>): Promise<InteropStack> {
  const port = await freePort();
  const dir = makeTestDir({});
  const device = join(dir.root, 'ups');
  writeFiles(dir, { 'ups.conf': upsConf(kind, device, section), ...upsdFiles(port) });
  const sim = await startSim(kind, device, simState ? { state: simState } : {});
  const target = `u@127.0.0.1:${port}`;
  const env = dir.env;
  const sides = sideSwitch(DEBIAN_DRIVER[kind], DRIVER[kind], join(dir.state, `${DRIVER[kind]}-u`), target, env);
  const stack: InteropStack = {
    kind, dir, sim, port, ups: target,
    start: sides.start,
    stop: sides.stop,
    driverOutput: () => sides.driverProc()?.output() ?? '',
    upsc: async () => upscMap((await run(refNut.upsc, [target], env)).stdout),
    upscRaw: async (args = []) => (await run(refNut.upsc, [target, ...args], env)).stdout,
    upsrw: async () => (await run(UPSRW, [target], env)).stdout,
    cmdList: async () => (await run(UPSCMD, ['-l', target], env)).stdout,
    upscmd: async (cmd, param) => {
      const r = await run(UPSCMD, ['-u', 'admin', '-p', 'adminpass', '-w', '-t', '20', target, cmd, ...(param !== undefined ? [param] : [])], env, 30_000);
      return { code: r.code, out: `${r.stdout}${r.stderr}` };
    },
    set: async (name, value) => {
      const r = await run(UPSRW, ['-u', 'admin', '-p', 'adminpass', '-w', '-t', '20', '-s', `${name}=${value}`, target], env, 30_000);
      return { code: r.code, out: `${r.stdout}${r.stderr}` };
    },
    cleanup: async () => {
      await stack.stop();
      await sim.stop();
      dir.cleanup();
    },
  };
  return stack;
}

/** The driver-and-upsd half of a stack, switchable between Debian's driver and hardnut's. */
export interface SideSwitch {
  /** One side's driver for UPS `u`, then Debian's upsd; resolves once data comes through it. */
  start(side: 'debian' | 'hardnut'): Promise<void>;
  stop(): Promise<void>;
  /** The running driver (undefined before start and after stop). */
  driverProc(): Proc | undefined;
}

/**
 * `debianProgram` is Debian's driver binary; hardnut's runs as `hardnut <driverName>`. Each start
 * waits for the driver's `socket`, then for data through upsd at `target`.
 */
export function sideSwitch(debianProgram: string, driverName: string, socket: string, target: string, env: NodeJS.ProcessEnv): SideSwitch {
  let driver: Proc | undefined;
  let upsd: Proc | undefined;
  const sw: SideSwitch = {
    start: async (side) => {
      driver = side === 'debian'
        ? startProcess(debianProgram, ['-a', 'u', '-F', ...userArgs()], env)
        : startProcess(process.execPath, [HARDNUT, driverName, '-a', 'u', '-F', ...userArgs()], env);
      try {
        await waitForSocket(socket, 40_000);
      } catch (err) {
        throw new Error(`${side} driver did not start: ${(err as Error).message}\n${driver.output()}`);
      }
      upsd = startProcess(refNut.upsd, ['-F', ...userArgs()], env);
      await waitFor(`${side}: data through upsd`, async () => {
        const r = await run(refNut.upsc, [target, 'ups.status'], env);
        return r.code === 0 && r.stdout.trim() !== '' && r.stdout.trim() !== 'WAIT';
      }, 40_000, 200);
    },
    stop: async () => {
      await driver?.stop();
      await upsd?.stop();
      driver = undefined;
      upsd = undefined;
    },
    driverProc: () => driver,
  };
  return sw;
}

/** upsc output with the by-design differences removed. */
export function comparable(m: Map<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of m) if (!VERSION_VARS.includes(k)) out[k] = v;
  return out;
}

/** What one side showed before the commands: upsc (raw and comparable), upsrw, upscmd -l, status times. */
export interface SideSeen {
  raw: Map<string, string>;
  vars: Record<string, string>;
  rw: string;
  cmds: string;
  /** Milliseconds until each of POWER_STEPS showed in upsc. */
  statusMs: number[];
}

export interface WireRecord { what: string; code: number; out: string; bytes: string }

/**
 * Starts `which` side on the simulator set to `initial`, reads upsc (after `fullData` is
 * published, for drivers that read some variables only in a later poll), upsrw and upscmd -l,
 * then walks the power steps.
 */
export async function observeSide(stack: InteropStack, which: 'debian' | 'hardnut', initial: Record<string, unknown>, fullData?: string): Promise<SideSeen> {
  await stack.sim.set(initial);
  await stack.start(which);
  if (fullData !== undefined) await waitFor(`${which}: full data`, async () => (await stack.upsc()).has(fullData), 20_000, 200);
  const raw = await stack.upsc();
  const vars = comparable(raw);
  const rw = await stack.upsrw();
  const cmds = await stack.cmdList();
  const statusMs: number[] = [];
  for (const [patch, want] of POWER_STEPS[stack.kind]) {
    await stack.sim.set(patch);
    const t0 = Date.now();
    await waitFor(`${which}: ${want}`, async () => (await stack.upscRaw(['ups.status'])).trim() === want, 15_000, 50);
    statusMs.push(Date.now() - t0);
  }
  return { raw, vars, rw, cmds, statusMs };
}

/**
 * Records what a tool run sent to the UPS: the simulator's buffer is cleared, the run made, and
 * after `settleMs` (the last bytes may still be in the pty pair) its bytes, less the regular
 * polls (`withoutPolls`), are kept with the tool's exit code and output (less Debian's SSL note).
 */
export function wireRecorder(stack: InteropStack, settleMs: number, withoutPolls: (rx: string) => string): { wire: WireRecord[]; record(what: string, fn: () => Promise<{ code: number; out: string }>): Promise<void> } {
  const wire: WireRecord[] = [];
  return {
    wire,
    record: async (what, fn) => {
      await stack.sim.clear();
      const { code, out } = await fn();
      await sleep(settleMs);
      wire.push({ what, code, out: out.replace(/Init SSL[^\n]*\n?/, '').trim(), bytes: withoutPolls(await stack.sim.rx()) });
    },
  };
}
