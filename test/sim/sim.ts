// Starting and steering the serial UPS simulators (q1-ups.mjs, apc-smart-ups.mjs) from tests.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { isRoot, onPath } from '../support/peers.js';

export type SimKind = 'q1' | 'apc';

const SCRIPTS: Record<SimKind, string> = {
  q1: fileURLToPath(new URL('./q1-ups.mjs', import.meta.url)),
  apc: fileURLToPath(new URL('./apc-smart-ups.mjs', import.meta.url)),
};

/** socat makes the pty pair; as root the driver's end is given to this user (NUT drivers open it as nut). */
export function hasSocat(): boolean {
  return onPath('socat');
}

export interface Sim {
  device: string;
  control: string;
  child: ChildProcess;
  /** One control request (sim-core.mjs's protocol). */
  request(req: Record<string, unknown>): Promise<Record<string, unknown>>;
  set(state: Record<string, unknown>): Promise<void>;
  get(): Promise<Record<string, unknown>>;
  /** Every byte the driver sent since the last clear(), latin1. */
  rx(): Promise<string>;
  clear(): Promise<void>;
  silent(on: boolean): Promise<void>;
  garble(on: boolean): Promise<void>;
  send(data: string): Promise<void>;
  unplug(): Promise<void>;
  replug(): Promise<void>;
  /** SIGTERM: the simulator takes its pty pair with it. */
  stop(): Promise<void>;
  output(): string;
}

/** `user`: who gets the driver's end of the pty (default: nut when root); null leaves it root's. */
export async function startSim(kind: SimKind, device: string, opts: { state?: Record<string, unknown>; user?: string | null } = {}): Promise<Sim> {
  const args = [SCRIPTS[kind], '--device', device];
  const user = opts.user === null ? undefined : opts.user ?? (isRoot() ? 'nut' : undefined);
  if (user !== undefined) args.push('--user', user);
  if (opts.state) args.push('--state', JSON.stringify(opts.state));
  // stdin stays open while this process lives: the simulator exits when it closes (sim-core.mjs)
  args.push('--die-with-parent');
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
  const ready = await new Promise<{ control: string }>((resolve, reject) => {
    let buf = '';
    const t = setTimeout(() => reject(new Error(`simulator ${kind} did not start: ${out}`)), 15_000);
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(t);
      resolve(JSON.parse(buf.slice(0, nl)) as { control: string });
    });
    child.once('exit', (code) => { clearTimeout(t); reject(new Error(`simulator ${kind} exited (${code}): ${out}`)); });
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const request = (req: Record<string, unknown>): Promise<Record<string, unknown>> => new Promise((resolve, reject) => {
    const s = net.createConnection(ready.control);
    let buf = '';
    const t = setTimeout(() => { s.destroy(); reject(new Error(`simulator control: no reply to ${JSON.stringify(req)}`)); }, 10_000);
    s.on('connect', () => s.write(`${JSON.stringify(req)}\n`));
    s.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(t);
      s.destroy();
      const reply = JSON.parse(buf.slice(0, nl)) as Record<string, unknown>;
      if (reply['ok'] !== true) reject(new Error(`simulator control: ${String(reply['error'])}`));
      else resolve(reply);
    });
    s.on('error', (e) => { clearTimeout(t); reject(e); });
  });
  return {
    device,
    control: ready.control,
    child,
    request,
    set: async (state) => { await request({ cmd: 'set', state }); },
    get: async () => (await request({ cmd: 'get' }))['state'] as Record<string, unknown>,
    rx: async () => (await request({ cmd: 'rx' }))['rx'] as string,
    clear: async () => { await request({ cmd: 'clear' }); },
    silent: async (on) => { await request({ cmd: 'silent', on }); },
    garble: async (on) => { await request({ cmd: 'garble', on }); },
    send: async (data) => { await request({ cmd: 'send', data }); },
    unplug: async () => { await request({ cmd: 'unplug' }); },
    replug: async () => { await request({ cmd: 'replug' }); },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
    output: () => out,
  };
}
