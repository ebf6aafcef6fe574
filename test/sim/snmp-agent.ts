// Starting and steering the SNMP UPS agent (snmp-ups-agent.mjs) from tests: a free loopback UDP
// port, the control socket, the SETs it recorded, and kill / restart on the same port.
import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from '../support/stack.js';

const SCRIPT = fileURLToPath(new URL('./snmp-ups-agent.mjs', import.meta.url));

export interface SnmpSet { oid: string; type: number; value: unknown }
/** The v3 user the agent knows (and the drivers are configured with in the tests). */
export const V3_USER = { name: 'nutv3', level: 'authPriv', authProtocol: 'sha', authKey: 'auth-pass-123', privProtocol: 'aes', privKey: 'priv-pass-456' } as const;

export interface AgentOptions { sysoid?: 'ietf' | 'apc'; state?: Record<string, unknown>; port?: number }

export interface SnmpAgent {
  port: number;
  host: string;
  request(req: Record<string, unknown>): Promise<Record<string, unknown>>;
  set(state: Record<string, unknown>): Promise<void>;
  sets(): Promise<SnmpSet[]>;
  clear(): Promise<void>;
  garbage(on: boolean): Promise<void>;
  counts(): Promise<Record<string, number>>;
  /** Waits until counter `what` (see counts()) has grown by `n` from now: that many more of the driver's requests seen. */
  more(what: string, n: number, timeoutMs?: number): Promise<void>;
  /** SIGKILL: the agent is gone without a word. */
  kill(): Promise<void>;
  /** A new agent process on the same port (same options and the state it had). */
  restart(): Promise<void>;
  stop(): Promise<void>;
  output(): string;
}

export async function startSnmpAgent(opts: AgentOptions = {}): Promise<SnmpAgent> {
  const port = opts.port ?? await freePort();
  const control = join(tmpdir(), `hn-snmp-${process.pid}-${port}.ctl`);
  let child: ChildProcess;
  let out = '';
  let state = opts.state ?? {};
  const launch = async (): Promise<void> => {
    const args = [SCRIPT, '--port', String(port), '--control', control, '--sysoid', opts.sysoid ?? 'ietf', '--user', JSON.stringify(V3_USER), '--state', JSON.stringify(state), '--die-with-parent'];
    // stdin stays open while this process lives: the agent exits when it closes (sim-core.mjs)
    child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`SNMP agent did not start: ${out}`)), 15_000);
      child.stdout?.once('data', () => { clearTimeout(t); resolve(); });
      child.once('exit', (code) => { clearTimeout(t); reject(new Error(`SNMP agent exited (${code}): ${out}`)); });
    });
  };
  await launch();
  const { default: net } = await import('node:net');
  const request = (req: Record<string, unknown>): Promise<Record<string, unknown>> => new Promise((resolve, reject) => {
    const s = net.createConnection(control);
    let buf = '';
    const t = setTimeout(() => { s.destroy(); reject(new Error(`agent control: no reply to ${JSON.stringify(req)}`)); }, 10_000);
    s.on('connect', () => s.write(`${JSON.stringify(req)}\n`));
    s.on('data', (d: Buffer) => {
      buf += d.toString();
      if (!buf.includes('\n')) return;
      clearTimeout(t);
      s.destroy();
      const reply = JSON.parse(buf.slice(0, buf.indexOf('\n'))) as Record<string, unknown>;
      if (reply['ok'] !== true) reject(new Error(`agent control: ${String(reply['error'])}`)); else resolve(reply);
    });
    s.on('error', (e) => { clearTimeout(t); reject(e); });
  });
  const exited = (): Promise<void> => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(); else child.once('exit', () => resolve());
  });
  const agent: SnmpAgent = {
    port,
    host: `127.0.0.1:${port}`,
    request,
    set: async (s) => { state = (await request({ cmd: 'set', state: s }))['state'] as Record<string, unknown>; },
    sets: async () => (await request({ cmd: 'sets' }))['sets'] as SnmpSet[],
    clear: async () => { await request({ cmd: 'clear' }); },
    garbage: async (on) => { await request({ cmd: 'garbage', on }); },
    counts: async () => (await request({ cmd: 'requests' }))['counts'] as Record<string, number>,
    more: async (what, n, timeoutMs = 20_000) => {
      const count = async (): Promise<number> => ((await request({ cmd: 'requests' }))['counts'] as Record<string, number>)[what] ?? 0;
      const from = await count();
      await waitFor(`${String(n)} more ${what}`, async () => (await count()) >= from + n || undefined, timeoutMs, 100);
    },
    kill: async () => { child.kill('SIGKILL'); await exited(); },
    restart: async () => { await launch(); },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited();
      clearTimeout(t);
    },
    output: () => out,
  };
  return agent;
}
