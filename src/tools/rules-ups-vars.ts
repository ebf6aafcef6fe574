// `hardnut rules check`'s look at the UPSes themselves (issue 16): the variable names each UPS of
// the upsmon.conf beside the rule file publishes, so that a rule reading a name no UPS has is
// flagged. Read-only and unprivileged: a LOCALMONITOR UPS is asked with DUMPALL on its driver
// socket (never SET or INSTCMD), a MONITOR UPS with LIST VAR on upsd without logging in (no
// password is sent or read). As root the files are read first and the process then goes through
// the confinement pipeline (role rules-check: nut or nobody, no terminal, no_new_privs, seccomp)
// before it connects to anything: root talks to no device or network peer here. Anything that cannot be reached is checked against NUT's names only.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { NutClient } from '../client/client.js';
import { parseUpsmonConf, type UpsmonConf } from '../core/config/upsmon-conf.js';
import { readConfigFile } from '../runtime/config-files.js';
import type { Logger } from '../runtime/log.js';
import { confine } from '../sandbox/confine.js';
import { lookupUser } from '../sandbox/drop-privileges.js';
import { connectDriverSocket, type DriverSocketTarget } from '../local-driver/driver-socket.js';
import { LocalDriverState } from '../upsmon/monitor/local-state.js';
import { DEFAULT_DRIVER_USER } from '../local-driver/targets.js';
import { localTargets } from '../upsmon/supervisor/local-targets.js';

/** How long one UPS may take to connect and give its list (driver dump or LIST VAR). */
export const CHECK_UPS_TIMEOUT_MS = 3_000;
/** The unprivileged account the check runs as when started as root, in order of preference. */
export const CHECK_USERS = [DEFAULT_DRIVER_USER, 'nobody'] as const;

/** The upsmon.conf beside a rule file, parsed; undefined when absent or unreadable (it holds passwords: often root-only). */
export function upsmonBeside(ruleFile: string): { conf: UpsmonConf; path: string } | undefined {
  const path = join(dirname(ruleFile), 'upsmon.conf');
  if (!existsSync(path)) return undefined;
  try {
    return { conf: parseUpsmonConf(readConfigFile(path).bytes, path).value, path };
  } catch {
    return undefined;
  }
}

export interface UpsVariables {
  /** Every UPS the rules run on (MONITOR and LOCALMONITOR system names). */
  all: string[];
  /** Each reachable UPS's variable names. */
  published: Map<string, Set<string>>;
  /** Why a UPS could not be asked (for the user: the check fell back to NUT's names). */
  notes: string[];
}

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what}: no answer within ${String(CHECK_UPS_TIMEOUT_MS)} ms`)), CHECK_UPS_TIMEOUT_MS);
    p.then((v) => { clearTimeout(t); resolve(v); }, (e: unknown) => { clearTimeout(t); reject(e instanceof Error ? e : new Error(String(e))); });
  });
}

/** DUMPALL on the driver socket through upsmon's own driver model, until DUMPDONE. */
async function driverNames(system: string, target: DriverSocketTarget): Promise<Set<string>> {
  const sock = await connectDriverSocket(target);
  try {
    const state = new LocalDriverState(system, Date.now());
    await withTimeout(new Promise<void>((resolve, reject) => {
      sock.on('data', (b: Buffer) => {
        const r = state.receive(b, Date.now());
        if (r.overflow) reject(new Error('the driver sent an over-long line'));
        else if (state.dumpDone) resolve();
      });
      sock.once('close', () => reject(new Error('the driver closed the connection')));
      sock.write(state.connectedAt(Date.now()));
      sock.resume();
    }), 'the driver socket');
    return new Set(state.entry.state.vars().map((v) => v.name));
  } finally {
    sock.destroy();
  }
}

async function upsdNames(host: string, port: number, upsName: string): Promise<Set<string>> {
  const client = await withTimeout(NutClient.connect({ host, port }, { timeoutMs: CHECK_UPS_TIMEOUT_MS, connectTimeoutMs: CHECK_UPS_TIMEOUT_MS }), `upsd at ${host}:${String(port)}`);
  try {
    return new Set((await client.listVar(upsName)).keys());
  } finally {
    await client.close().catch(() => undefined);
  }
}

/**
 * Root gives up its ids for good through the one pipeline (role rules-check); a step that fails
 * ends the process (confine is fatal), so nothing is asked unconfined. Not root: nothing to do.
 */
async function dropRoot(env: NodeJS.ProcessEnv, log: Logger): Promise<void> {
  if (process.geteuid?.() !== 0) return;
  const user = CHECK_USERS.find((u) => { const a = lookupUser(u); return a !== undefined && a.uid !== 0; }) ?? 'nobody';
  await confine({ role: 'rules-check', log, env, user });
}

/**
 * What the UPSes of the upsmon.conf beside `ruleFile` publish. `connect` false: only the list of
 * UPSes, nothing is asked. Started as root, the process is no longer root when this returns.
 */
export async function upsVariables(ruleFile: string, connect: boolean, env: NodeJS.ProcessEnv, log: Logger): Promise<UpsVariables> {
  const out: UpsVariables = { all: [], published: new Map(), notes: [] };
  const beside = upsmonBeside(ruleFile);
  if (beside === undefined) return out;
  out.all = beside.conf.monitors.map((m) => m.system);
  if (!connect) return out;
  let targets = new Map<string, DriverSocketTarget>();
  try {
    // ups.conf beside upsmon.conf names each LOCALMONITOR's driver, hence its socket
    targets = localTargets(beside.conf, beside.path, { ...env, NUT_CONFPATH: dirname(beside.path) });
  } catch (err) {
    out.notes.push(`the LOCALMONITOR UPSes' driver sockets are unknown: ${(err as Error).message}`);
  }
  await dropRoot(env, log);
  await Promise.all(beside.conf.monitors.map(async (m) => {
    try {
      const target = targets.get(m.system);
      if (m.local === true && target === undefined) return;
      const names = m.local === true ? await driverNames(m.system, target as DriverSocketTarget) : await upsdNames(m.host, m.port, m.upsName);
      out.published.set(m.system, names);
    } catch (err) {
      out.notes.push(`UPS ${m.system}: its variables could not be read (${(err as Error).message}): checked against NUT's names only`);
    }
  }));
  return out;
}
