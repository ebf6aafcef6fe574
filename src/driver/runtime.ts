// Runs one driver the way NUT's drivers/main.c does: NUT's flags, the UPS's ups.conf section,
// driver.* variables, the state socket, the privilege drop, the pid file, backgrounding and the
// poll loop. Config errors stop the driver before anything is started (exit 1, file:line).

import { readFileSync, unlinkSync } from 'node:fs';
import { writePidFile } from '../runtime/pidfile.js';
import { notifyReady, respawnInBackground, takeDaemonChildFlag } from '../runtime/daemon.js';
import { join } from 'node:path';
import { getopt } from '../runtime/getopt.js';
import { Logger } from '../runtime/log.js';
import { loadUpsConf } from '../runtime/config-read.js';
import { stateDirMessage } from '../runtime/state-dir.js';
import { altPidPath, confPath, statePath, type Env } from '../core/paths.js';
import { ConfigError, DriverError, UsageError } from '../core/errors.js';
import { DriverState } from './dstate.js';
import { StateServer, STAT_UNKNOWN } from './state-server.js';
import { lookupGroup } from '../sandbox/drop-privileges.js';
import { confine } from '../sandbox/confine.js';
import { fatal, installFatalHandlers } from '../sandbox/fatal.js';
import type { DriverDefinition, DriverInstance } from './driver.js';
import type { UpsConf } from '../core/config/ups-conf.js';

export const DRIVER_OPTSTRING = 'a:s:kFBDd:hx:Lqr:u:g:Vi:';
export const DEFAULT_POLLINTERVAL = 2;
/** NUT's compiled-in RUN_AS_USER / RUN_AS_GROUP on Debian. */
export const DEFAULT_USER = 'nut';
export const DEFAULT_GROUP = 'nut';

declare const HARDNUT_VERSION: string;
export const VERSION = typeof HARDNUT_VERSION === 'string' ? HARDNUT_VERSION : '0.0.0-dev';

/** ups.conf keys the driver core consumes itself (NUT's main_arg), never passed to the driver. */
const CORE_KEYS = new Set(['port', 'user', 'group', 'sddelay', 'synchronous', 'sdorder', 'desc', 'debug_min', 'driver', 'pollinterval', 'maxstartdelay', 'nolock', 'ignorelb', 'allow_killpower']);

export interface DriverSettings {
  upsName: string;
  port: string;
  pollInterval: number;
  user: string;
  group: string;
  userCustomized: boolean;
  chroot?: string;
  synchronous: 'yes' | 'no' | 'auto';
  debugLevel: number;
  background: boolean;
  killPower: boolean;
  /** driver.parameter.* / driver.flag.* and default.* / override.* values, applied in order. */
  published: Array<{ kind: 'param' | 'flag' | 'default' | 'override'; name: string; value: string }>;
  vars: Map<string, string | null>;
  statePath: string;
  pidPath: string;
  confPath: string;
}

/** Applies argv, ups.conf and -x the way NUT's main() does. Pure apart from reading ups.conf. */
export function resolveSettings(def: DriverDefinition, argv: readonly string[], env: Env, readUpsConf: (dir: string) => UpsConf): DriverSettings | 'help' | 'version' | 'list' {
  const { options, operands } = getopt(argv, DRIVER_OPTSTRING);
  if (operands.length > 0) throw new UsageError('too many non-option arguments. Try -h for help.');
  const s: Omit<DriverSettings, 'upsName' | 'port' | 'statePath' | 'pidPath'> & { upsName?: string; port?: string; configStatePath?: string } = {
    pollInterval: DEFAULT_POLLINTERVAL, user: DEFAULT_USER, group: DEFAULT_GROUP, userCustomized: false,
    synchronous: 'auto', debugLevel: 0, background: true, killPower: false, published: [], vars: new Map(),
    confPath: confPath(env),
  };
  let foreground: boolean | undefined;
  let userFromCli = false;
  let groupFromCli = false;
  const known = new Map(def.vars.map((v) => [v.name.toLowerCase(), v]));

  const storeVar = (key: string, value: string | null): void => {
    const lower = key.toLowerCase();
    if (lower.startsWith('override.') && value !== null) { s.published.push({ kind: 'override', name: key.slice(9), value }); return; }
    if (lower.startsWith('default.') && value !== null) { s.published.push({ kind: 'default', name: key.slice(8), value }); return; }
    const v = known.get(lower);
    if (!v) throw new UsageError(`'${key}' is not a valid ${value === null ? 'flag' : 'variable name'} for driver ${def.name} (see: hardnut ${def.name} -h)`);
    s.vars.set(lower, value);
    if (v.kind === 'sensitive') return; // never published (SNMP communities, passwords)
    s.published.push(value === null ? { kind: 'flag', name: key, value: 'enabled' } : { kind: 'param', name: key, value });
  };

  const coreArg = (key: string, value: string | null, where: string): boolean => {
    switch (key) {
      case 'nolock': case 'ignorelb': case 'allow_killpower':
        if (value !== null && key !== 'allow_killpower') return false;
        s.published.push({ kind: 'flag', name: key, value: 'enabled' });
        return true;
      case 'port':
        if (value === null) return false;
        s.port = value;
        s.published.push({ kind: 'param', name: 'port', value });
        return true;
      case 'user':
        if (value !== null && !userFromCli) { s.user = value; s.userCustomized = true; }
        return value !== null;
      case 'group':
        if (value !== null && !groupFromCli) { s.group = value; s.userCustomized = true; }
        return value !== null;
      case 'synchronous':
        if (value === null) return false;
        s.synchronous = value === 'yes' ? 'yes' : value === 'auto' ? 'auto' : 'no';
        return true;
      case 'pollinterval': {
        if (value === null) return false;
        const n = Number.parseInt(value, 10);
        if (!(n > 0)) throw new UsageError(`${where}: invalid pollinterval: ${value}`);
        s.pollInterval = n;
        return true;
      }
      case 'debug_min': {
        const n = value === null ? Number.NaN : Number.parseInt(value, 10);
        if (n >= 0) s.debugLevel = Math.max(s.debugLevel, n);
        return true;
      }
      case 'sddelay': case 'sdorder': case 'desc': case 'maxstartdelay':
        return true;
      default:
        return false;
    }
  };

  for (const opt of options) {
    switch (opt.flag) {
      case 'h': return 'help';
      case 'V': return 'version';
      case 'L': return 'list';
      case 'a': {
        const name = opt.value as string;
        const conf = readUpsConf(s.confPath);
        applyGlobals(conf, s, userFromCli, groupFromCli);
        const section = conf.sections.find((x) => x.name === name);
        if (!section) throw new UsageError(`Section ${name} not found in ups.conf`);
        s.upsName = name;
        for (const e of section.entries) {
          if (e.key === 'driver') {
            if (e.value !== def.name) throw new UsageError(`UPS [${name}] is for driver ${e.value ?? '?'}, but I'm ${def.name}!`);
            continue;
          }
          if (coreArg(e.key, e.value, `UPS [${name}]`)) continue;
          if (CORE_KEYS.has(e.key)) continue;
          try {
            storeVar(e.key, e.value);
          } catch (err) {
            // a ups.conf mistake: file:line and exit 1 like every config error (-x stays a usage error)
            if (err instanceof UsageError) throw new ConfigError(join(s.confPath, 'ups.conf'), e.line, err.message, 'ERR_CONFIG_DRIVER_VAR');
            throw err;
          }
        }
        break;
      }
      case 's': s.upsName = opt.value as string; break;
      case 'F': foreground = true; break;
      case 'B': foreground = false; break;
      case 'D': s.debugLevel++; break;
      case 'd': case 'q': break;
      case 'i': {
        const n = Number.parseInt(opt.value as string, 10);
        if (!(n > 0)) throw new UsageError(`command-line: invalid pollinterval: ${opt.value}`);
        s.pollInterval = n;
        break;
      }
      case 'k': s.killPower = true; break;
      case 'r': s.chroot = opt.value as string; break;
      case 'u': s.user = opt.value as string; userFromCli = true; s.userCustomized = true; break;
      case 'g': s.group = opt.value as string; groupFromCli = true; s.userCustomized = true; break;
      case 'x': {
        const text = opt.value as string;
        const eq = text.indexOf('=');
        const key = eq < 0 ? text : text.slice(0, eq);
        const value = eq < 0 ? null : text.slice(eq + 1);
        if (!coreArg(key, value, 'command-line')) storeVar(key, value);
        break;
      }
      default: break;
    }
  }
  // -D keeps a driver in the foreground unless -B asked otherwise (NUT 2.8.0).
  s.background = foreground === undefined ? s.debugLevel === 0 : !foreground;
  if (s.upsName === undefined) throw new UsageError("specifying '-a id' or '-s id' is mandatory. Try -h for help.");
  if (s.port === undefined) throw new UsageError("you must specify a port name in ups.conf or in '-x port=...' argument.");
  const state = statePath(env, s.configStatePath);
  return { ...s, upsName: s.upsName, port: s.port, statePath: state, pidPath: altPidPath(env, s.configStatePath) };
}

function applyGlobals(conf: UpsConf, s: { pollInterval: number; user: string; group: string; userCustomized: boolean; chroot?: string; synchronous: 'yes' | 'no' | 'auto'; debugLevel: number; configStatePath?: string }, userFromCli: boolean, groupFromCli: boolean): void {
  const g = conf.global;
  s.pollInterval = g.pollinterval;
  if (g.chroot !== undefined) s.chroot = g.chroot;
  if (g.user !== undefined && !userFromCli) { s.user = g.user; s.userCustomized = true; }
  if (g.group !== undefined && !groupFromCli) { s.group = g.group; s.userCustomized = true; }
  if (g.synchronous !== undefined) s.synchronous = g.synchronous === 'yes' ? 'yes' : g.synchronous === 'auto' ? 'auto' : 'no';
  if (g.debugMin !== undefined) s.debugLevel = Math.max(s.debugLevel, g.debugMin);
  if (g.statepath !== undefined) s.configStatePath = g.statepath;
}

export function socketPath(settings: Pick<DriverSettings, 'statePath' | 'upsName'>, driverName: string): string {
  return join(settings.statePath, `${driverName}-${settings.upsName}`);
}

export function pidFilePath(settings: Pick<DriverSettings, 'pidPath' | 'upsName'>, driverName: string): string {
  return join(settings.pidPath, `${driverName}-${settings.upsName}.pid`);
}

function helpText(def: DriverDefinition): string {
  const lines = [
    `Network UPS Tools - ${def.description} (hardnut ${VERSION})`,
    '',
    `usage: hardnut ${def.name} -a <id> [OPTIONS]`,
    '  -a <id>        - autoconfig using ups.conf section <id>',
    '  -s <id>        - configure directly from cmd line arguments',
    '  -D             - raise debugging level (and stay in the foreground)',
    '  -F             - stay in the foreground',
    '  -B             - stay in the background even with -D',
    '  -i <secs>      - poll interval',
    '  -k             - force shutdown (kill UPS power)',
    '  -r <dir>       - chroot to <dir>',
    '  -u <user>      - switch to <user> (if started as root)',
    '  -g <group>     - set the socket group (if started as root)',
    '  -x <var>=<val> - set driver variable <var> to <val>',
    '  -L             - list the driver variables',
    '  -V             - print version, then exit',
    '',
    'Driver variables:',
    ...def.vars.map((v) => `  ${v.name}${v.kind === 'flag' ? '' : '=<value>'} - ${v.description}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** Entry point of `hardnut <driver> …`. Resolves to the exit code; a running driver never resolves. */
export async function runDriver(def: DriverDefinition, argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const log = new Logger(`${def.name}`);
  let settings: DriverSettings;
  try {
    const r = resolveSettings(def, argv, env, loadUpsConf);
    if (r === 'help') { process.stdout.write(helpText(def)); return 0; }
    if (r === 'version') { process.stdout.write(`Network UPS Tools - ${def.description} (hardnut ${VERSION})\n`); return 0; }
    if (r === 'list') { for (const v of def.vars) process.stdout.write(`${v.kind === 'flag' ? 'FLAG' : 'VALUE'}\t${v.name}\t${v.description}\n`); return 0; }
    settings = r;
  } catch (err) {
    log.error(`Error: ${(err as Error).message}`);
    return err instanceof UsageError ? 2 : 1;
  }
  log.debugLevel = settings.debugLevel;
  if (settings.debugLevel > 0) log.info(`Debug level is ${String(settings.debugLevel)}, backgrounding mode requested as ${settings.background ? 'on' : 'off'}`);

  const daemonChild = takeDaemonChildFlag(env);
  if (settings.background && !settings.killPower && !daemonChild) return respawnInBackground(env);
  try {
    return await serve(def, settings, log, env, daemonChild);
  } catch (err) {
    log.error(`Error: ${(err as Error).message}`);
    return 1;
  }
}

async function serve(def: DriverDefinition, s: DriverSettings, log: Logger, env: NodeJS.ProcessEnv, daemonChild: boolean): Promise<number> {
  const state = new DriverState();
  const vars: ReadonlyMap<string, string | null> = s.vars;
  // ups.conf values are published first: default.* may be overwritten by the driver, override.* not.
  for (const p of s.published) {
    if (p.kind === 'param') state.setInfo(`driver.parameter.${p.name}`, p.value);
    else if (p.kind === 'flag') state.setInfo(`driver.flag.${p.name}`, p.value);
    else if (p.kind === 'default') state.setInfo(p.name, p.value);
  }
  const applyOverrides = (): void => {
    for (const p of s.published) if (p.kind === 'override') { state.setInfo(p.name, p.value); state.setImmutable(p.name); }
  };
  applyOverrides();

  const instance: DriverInstance = def.create({ upsName: s.upsName, port: s.port, confPath: s.confPath, state, log, vars });
  state.setInfo('device.type', 'ups');
  // A driver that stops half-way must not keep a socket that answers with frozen data.
  installFatalHandlers(def.name, log);
  if (s.killPower) return killPower(def, instance, s, log, env);
  // Open as root, parse as nobody: a driver with openDevice reads its device only after the drop.
  const split = instance.openDevice !== undefined;
  if (split) await instance.openDevice?.();
  else await instance.initUps();

  const pidFile = pidFilePath(s, def.name);
  let server: StateServer | undefined;
  // One pipeline (src/sandbox/confine.ts); any failure in it ends the driver at once.
  const confined = await confine({
    role: instance.seccompRole ?? def.seccompRole, log, env, user: s.user,
    ...(s.chroot !== undefined ? { jail: s.chroot } : {}),
    asUser: async () => {
      if (split) await instance.initUps();
      try {
        process.chdir(s.statePath);
      } catch (err) {
        throw new DriverError(stateDirMessage(s.statePath, `Can't chdir to ${s.statePath}`, err) ?? `Can't chdir to ${s.statePath}: ${(err as Error).message}`, 'ERR_STATE_DIR');
      }
      await replaceDuplicate(pidFile, log);
      state.setInfo('driver.version', VERSION);
      state.setInfo('driver.version.internal', def.version);
      state.setInfo('driver.name', def.name);
      await instance.initInfo();
      await instance.updateInfo();
      applyOverrides();
      if (state.getInfo('driver.flag.ignorelb') !== undefined) {
        const has = (a: string, b: string): boolean => state.getInfo(a) !== undefined && state.getInfo(b) !== undefined;
        if (!has('battery.charge', 'battery.charge.low') && !has('battery.runtime', 'battery.runtime.low')) {
          throw new DriverError("The 'ignorelb' flag is set, but there is no way to determine the battery state of charge", 'ERR_IGNORELB');
        }
      }
      server = new StateServer(socketPath(s, def.name), state, {
        instcmd: (cmd, param) => instance.instcmd?.(cmd, param) ?? STAT_UNKNOWN,
        setvar: (name, value) => instance.setvar?.(name, value) ?? STAT_UNKNOWN,
      }, log);
      try {
        await server.listen();
      } catch (err) {
        const why = stateDirMessage(s.statePath, `Can't create the driver socket ${server.path}`, err);
        throw why !== undefined ? new DriverError(why, 'ERR_STATE_DIR') : err;
      }
      if (s.userCustomized) fixSocketGroup(server, s.group, log);
      state.setInfo('driver.parameter.pollinterval', String(s.pollInterval));
      state.setInfo('driver.parameter.synchronous', s.synchronous);
      for (const [from, to] of [['ups.mfr', 'device.mfr'], ['ups.model', 'device.model'], ['ups.serial', 'device.serial']] as const) {
        const v = state.getInfo(from);
        if (v !== undefined) state.setInfo(to, v);
      }
      writePidFile(pidFile); // never through a link or into a FIFO planted in the shared state directory
    },
  });
  if (confined.account?.uid === 0) log.warn('Warning: running as root (-u root); drivers should run as an unprivileged user');
  if (daemonChild) becomeDaemon(log);
  const listening = server;
  if (!listening) return fatal(log, `${def.name}: internal error: confined without a socket`);

  let timer: NodeJS.Timeout | undefined;
  let stopping = false;
  const poll = async (): Promise<void> => {
    const started = Date.now();
    log.debug(1, 'upsdrv_updateinfo...');
    try {
      await instance.updateInfo();
    } catch (err) {
      log.error(`update failed: ${(err as Error).message}`);
      state.dataStale();
    }
    if (!stopping) timer = setTimeout(pollNow, Math.max(0, s.pollInterval * 1000 - (Date.now() - started)));
  };
  // A poll loop that stops must end the driver: its socket would serve frozen data as fresh
  // (issue #12). Anything poll() itself did not catch is fatal, not a silent end of polling.
  const pollNow = (): void => {
    poll().catch((err: unknown) => fatal(log, `${def.name}: poll loop stopped: ${(err as Error).message}; exiting`));
  };
  timer = setTimeout(pollNow, s.pollInterval * 1000);

  return await new Promise<number>((resolve) => {
    const stop = (sig: string): void => {
      if (stopping) return;
      stopping = true;
      if (timer) clearTimeout(timer);
      log.info(`Signal ${sig}: exiting`);
      void (async () => {
        await listening.close();
        try { await instance.cleanup?.(); } catch { /* exiting anyway */ }
        try { unlinkSync(pidFile); } catch { /* not ours any more */ }
        resolve(0);
      })();
    };
    for (const sig of ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const) process.on(sig, () => stop(sig));
  });
}

/** Set by the late-shutdown hook's -n: the shutdown commands are printed, not sent. */
export const KILLPOWER_DRY_RUN_ENV = 'HARDNUT_KILLPOWER_DRY_RUN';

/**
 * -k (issue 15). hardnut difference: NUT's driver drops to its user (nut) before
 * upsdrv_shutdown; ours drops to nobody (uid 65534 when the late root has no passwd entry for
 * it), because the late-shutdown step (systemd-shutdown, the initramfs) may have no nut user at
 * all. The device is opened as in a normal start (openDevice, else initUps, while still root);
 * then role <driver role>-killpower drops, loads no_new_privs and the driver's own seccomp filter,
 * and the shutdown (its status read, the power race) runs under it. No socket, no pid file.
 */
async function killPower(def: DriverDefinition, instance: DriverInstance, s: DriverSettings, log: Logger, env: NodeJS.ProcessEnv): Promise<number> {
  const dryRun = env[KILLPOWER_DRY_RUN_ENV] === '1';
  if (!instance.shutdown) throw new DriverError('shutdown not supported', 'ERR_NO_SHUTDOWN');
  if (dryRun && instance.shutdownDryRun !== true) throw new DriverError(`${def.name} has no dry-run mode for -k: nothing was sent`, 'ERR_NO_SHUTDOWN');
  const split = instance.openDevice !== undefined;
  if (split) await instance.openDevice?.();
  else await instance.initUps();
  await confine({
    role: `${instance.seccompRole ?? def.seccompRole}-killpower`, log, env,
    ...(s.chroot !== undefined ? { jail: s.chroot } : {}),
  });
  if (split) await instance.initUps();
  await instance.shutdown(dryRun ? { dryRun: (bytes) => process.stdout.write(`${s.upsName}: would send ${JSON.stringify(bytes)}\n`) } : {});
  return 0;
}

/** NUT: a pid file that names a live driver means a duplicate instance — terminate it first. */
async function replaceDuplicate(pidFile: string, log: Logger): Promise<void> {
  for (let i = 0; i < 3; i++) {
    let pid: number;
    try { pid = Number.parseInt(readFileSync(pidFile, 'latin1'), 10); } catch { return; }
    if (!(pid > 1) || pid === process.pid) return;
    try { process.kill(pid, 'SIGTERM'); } catch { return; }
    log.warn(`Duplicate driver instance detected (PID file ${pidFile} exists)! Terminating other driver!`);
    for (let t = 0; t < 50; t++) {
      await new Promise((r) => setTimeout(r, 100));
      try { process.kill(pid, 0); } catch { return; }
    }
  }
}

function fixSocketGroup(server: StateServer, group: string, log: Logger): void {
  const gid = lookupGroup(group);
  if (gid === undefined) { log.warn(`WARNING: could not resolve group name '${group}'`); return; }
  try { server.setGroup(gid); } catch (err) {
    log.warn(`WARNING: could not give group ${group} access to ${server.path}: ${(err as Error).message}`);
  }
}

/** Tells the waiting parent we are up, then logs to syslog: the terminal is the parent's. */
function becomeDaemon(log: Logger): void {
  notifyReady();
  try { log.useSyslog(); } catch { /* no syslog: keep stderr */ }
}
