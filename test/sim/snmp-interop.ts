// One SNMP agent, one ups.conf, Debian's upsd in front; Debian's snmp-ups or hardnut's behind it,
// one after the other. What the SNMP interop tests compare (the serial ones: interop.ts).
import { join } from 'node:path';
import { hasExecutable, refNut } from '../support/peers.js';
import { HARDNUT, freePort, makeTestDir, run, waitFor, writeFiles, type Proc, type TestDir } from '../support/stack.js';
import { UPSCMD, UPSRW, sideSwitch, upscMap, upsdFiles } from './interop.js';
import { startSnmpAgent, type AgentOptions, type SnmpAgent, type SnmpSet } from './snmp-agent.js';

export const DEBIAN_SNMP_UPS = '/lib/nut/snmp-ups';

export function hasSnmpPeers(): boolean {
  return hasExecutable(DEBIAN_SNMP_UPS) && hasExecutable(refNut.upsd) && hasExecutable(refNut.upsc) && hasExecutable(UPSCMD) && hasExecutable(UPSRW) && hasExecutable(HARDNUT);
}

export interface SnmpStack {
  agent: SnmpAgent;
  dir: TestDir;
  ups: string;
  start(side: 'debian' | 'hardnut'): Promise<void>;
  stop(): Promise<void>;
  upsc(): Promise<Map<string, string>>;
  status(): Promise<string>;
  upsrw(): Promise<string>;
  cmdList(): Promise<string>;
  upscmd(cmd: string, param?: string): Promise<{ code: number; out: string }>;
  set(name: string, value: string): Promise<{ code: number; out: string }>;
  /** Runs `fn` and returns what the agent received as SETs meanwhile. */
  setsOf(fn: () => Promise<{ code: number; out: string }>): Promise<{ code: number; out: string; sets: SnmpSet[] }>;
  driverProc(): Proc | undefined;
  cleanup(): Promise<void>;
}

/** `section`: ups.conf lines after driver and port (tab-indented). */
export async function startSnmpStack(section: string, agentOpts: AgentOptions = {}): Promise<SnmpStack> {
  // the directory first: makeTestDir skips (throws) without the nut user, which must not leave
  // an agent running
  const dir = makeTestDir({});
  let agent: SnmpAgent;
  try { agent = await startSnmpAgent(agentOpts); } catch (err) { dir.cleanup(); throw err; }
  const port = await freePort();
  writeFiles(dir, {
    'ups.conf': `[u]\n\tdriver = snmp-ups\n\tport = ${agent.host}\n${section}`,
    ...upsdFiles(port),
  });
  const target = `u@127.0.0.1:${port}`;
  const env = dir.env;
  const admin = ['-u', 'admin', '-p', 'adminpass', '-w', '-t', '20'];
  const clean = (r: { code: number; stdout: string; stderr: string }): { code: number; out: string } => ({ code: r.code, out: `${r.stdout}${r.stderr}`.replace(/Init SSL[^\n]*\n?/, '').trim() });
  const stack: SnmpStack = {
    agent, dir, ups: target,
    ...sideSwitch(DEBIAN_SNMP_UPS, 'snmp-ups', join(dir.state, 'snmp-ups-u'), target, env),
    upsc: async () => upscMap((await run(refNut.upsc, [target], env)).stdout),
    status: async () => {
      // stdout only: Debian's upsc adds "Init SSL without certificate database" on stderr
      const r = await run(refNut.upsc, [target, 'ups.status'], env);
      return r.code === 0 ? r.stdout.trim() : r.stderr.replace(/Init SSL[^\n]*\n?/, '').trim();
    },
    upsrw: async () => (await run(UPSRW, [target], env)).stdout,
    cmdList: async () => (await run(UPSCMD, ['-l', target], env)).stdout,
    upscmd: async (cmd, param) => clean(await run(UPSCMD, [...admin, target, cmd, ...(param !== undefined ? [param] : [])], env, 30_000)),
    set: async (name, value) => clean(await run(UPSRW, [...admin, '-s', `${name}=${value}`, target], env, 30_000)),
    setsOf: async (fn) => {
      await agent.clear();
      const r = await fn();
      // the SET reached the agent before upsd answered the tracked command; a little slack anyway
      await new Promise((res) => setTimeout(res, 150));
      return { ...r, sets: await agent.sets() };
    },
    cleanup: async () => {
      await stack.stop();
      await agent.stop();
      dir.cleanup();
    },
  };
  return stack;
}

export interface SidePlan {
  /** Agent state patches and the ups.status tokens each must lead to. */
  steps: Array<[Record<string, unknown>, string[]]>;
  commands: Array<[string, string | undefined]>;
  sets: Array<[string, string]>;
}

export interface SideResult {
  raw: Map<string, string>;
  rw: string;
  cmds: string;
  statuses: string[];
  statusMs: number[];
  wire: Array<{ what: string; code: number; out: string; sets: SnmpSet[] }>;
}

const sameTokens = (status: string, want: string[]): boolean => {
  const got = status.split(' ').filter(Boolean).sort();
  return got.length === want.length && [...want].sort().every((t, i) => got[i] === t);
};

/** One side's run: start, read everything, walk the status steps, send every command and SET, stop. */
export async function runSide(stack: SnmpStack, which: 'debian' | 'hardnut', plan: SidePlan, initial: Record<string, unknown>): Promise<SideResult> {
  await stack.agent.request({ cmd: 'forget' });
  await stack.agent.set(initial);
  await stack.start(which);
  const raw = await stack.upsc();
  const rw = await stack.upsrw();
  const cmds = await stack.cmdList();
  const statuses: string[] = [];
  const statusMs: number[] = [];
  for (const [patch, want] of plan.steps) {
    await stack.agent.set(patch);
    const t0 = Date.now();
    statuses.push(await waitFor(`${which}: ${want.join(' ')}`, async () => { const s = await stack.status(); return sameTokens(s, want) ? s : undefined; }, 15_000, 50));
    statusMs.push(Date.now() - t0);
  }
  const wire: SideResult['wire'] = [];
  for (const [name, value] of plan.sets) wire.push({ what: `SET ${name}=${value}`, ...(await stack.setsOf(() => stack.set(name, value))) });
  for (const [cmd, param] of plan.commands) wire.push({ what: `${cmd}${param !== undefined ? ` ${param}` : ''}`, ...(await stack.setsOf(() => stack.upscmd(cmd, param))) });
  await stack.stop();
  return { raw, rw, cmds, statuses, statusMs, wire };
}
