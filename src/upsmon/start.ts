// `hardnut upsmon` as a user starts it (main.ts hands over here unless it is a child): NUT's
// flags, the control commands, and the supervisor.
//
//   -c fsd|stop|reload   signal the running upsmon (pid file, or -P <pid>)
//   -K                   exit 0 iff POWERDOWNFLAG is set, exists and holds NUT's magic
//   -D / -F / -B         debug (and foreground) / foreground / background
//   -f <file>            upsmon.conf to read (default NUT_CONFPATH/upsmon.conf)
//   -u <user>            the network child's user (default RUN_AS_USER, else nobody)
//   -p                   no split: one process (warned)
//   -4 / -6              IPv4 / IPv6 only
// Without root the same processes run without chroot and user change (and seccomp only with
// HARDNUT_SECCOMP=enforce), with a warning that the host is not protected.

import { alive, holdPid, parsePidOption, readPid, readRegularFile, trustedPid, UnsafeFileError, type HeldProcess } from '../runtime/pidfile.js';
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { loadConfig } from '../runtime/config-read.js';
import { daemonView, seenBy, signalFailure } from '../runtime/control-check.js';
import { notifyReady, respawnInBackground, takeDaemonChildFlag } from '../runtime/daemon.js';
import { getopt } from '../runtime/getopt.js';
import { Logger } from '../runtime/log.js';
import { formatDiagnostic } from '../core/config/diagnostics.js';
import { parseUpsmonConf, type UpsmonConf } from '../core/config/upsmon-conf.js';
import { ConfigError, UsageError } from '../core/errors.js';
import { altPidPath, confPath } from '../core/paths.js';
import { frameNameProblem } from '../protocol/notify-frame/index.js';
import { checkJail } from '../sandbox/confine.js';
import { isRoot, lookupUser } from '../sandbox/drop-privileges.js';
import { seccompMode } from '../sandbox/seccomp.js';
import { POWERDOWNFLAG_MAGIC } from './shared/shutdown.js';
import { signedFlagStatus } from '../killpower/main.js';
import { describeDecision, selectShutdownPlan, shutdownProbe, type ShutdownPlan } from './supervisor/shutdown-method.js';
import { DEFAULT_DISPATCH_USER, SHUTDOWN_GROUP, shutdownAccessProblem, shutdownGroupFor } from './supervisor/shutdown-access.js';
import { runSupervisor } from './supervisor/supervisor.js';
import { loadUpsmonRules, rulesPath } from '../runtime/rules-file.js';
import { localTargets } from './supervisor/local-targets.js';
import { ruleTargetProblems } from './shared/rule-targets.js';
import type { DriverSocketTarget } from '../local-driver/driver-socket.js';

interface LoadedUpsmonConf { conf: UpsmonConf; warnings: string[]; local: Map<string, DriverSocketTarget> }

declare const HARDNUT_VERSION: string;
const VERSION = typeof HARDNUT_VERSION === 'string' ? HARDNUT_VERSION : '0.0.0-dev';

export const OPTSTRING = '+DFBhc:P:f:pu:VK46';
export const PID_FILE_NAME = 'upsmon.pid';
/** The jailed network child's user when neither -u nor RUN_AS_USER says (hardnut: not nut). */
export const DEFAULT_NET_USER = 'nobody';
/** The dispatcher's user and its extra group, if the group exists (shutdown-access.ts). */
export { DEFAULT_DISPATCH_USER, SHUTDOWN_GROUP };
/** Where the network child is jailed unless HARDNUT_UPSMON_JAIL says otherwise (tests, the demo); the role table's default. */
export const DEFAULT_JAIL = '/run/hardnut/upsmon/empty';
export const NOT_ROOT_WARNING = 'upsmon: not started as root: the monitor is not jailed; this host is not protected';

interface Options {
  command?: 'fsd' | 'stop' | 'reload';
  pid?: number;
  debug: number;
  foreground?: boolean;
  configFile?: string;
  checkFlag: boolean;
  single: boolean;
  user?: string;
  family: 4 | 6 | null;
}

const COMMANDS = ['fsd', 'stop', 'reload'] as const;

function parseArgs(argv: readonly string[]): Options | 'help' | 'version' {
  const { options, operands } = getopt(argv, OPTSTRING);
  if (operands.length > 0) throw new UsageError(`unexpected argument '${operands[0] as string}' (upsmon -h lists the options)`);
  const o: Options = { debug: 0, checkFlag: false, single: false, family: null };
  for (const opt of options) {
    const v = opt.value ?? '';
    switch (opt.flag) {
      case 'h': return 'help';
      case 'V': return 'version';
      case 'c': {
        // NUT accepts any prefix of the command's name
        const c = v === '' ? undefined : COMMANDS.find((x) => x.startsWith(v));
        if (c === undefined) throw new UsageError(`unknown command for -c: '${v}' (fsd, stop or reload)`);
        o.command = c;
        break;
      }
      case 'P': o.pid = parsePidOption(v); break;
      case 'D': o.debug++; break;
      case 'F': o.foreground = true; break;
      case 'B': o.foreground = false; break;
      case 'f': o.configFile = v; break;
      case 'K': o.checkFlag = true; break;
      case 'p': o.single = true; break;
      case 'u': o.user = v; break;
      case '4': o.family = 4; break;
      case '6': o.family = 6; break;
      default: break;
    }
  }
  return o;
}

function helpText(): string {
  return [
    `Network UPS Tools upsmon (hardnut ${VERSION}): monitors UPS servers and may initiate shutdown if necessary.`,
    '',
    'usage: hardnut upsmon [OPTIONS]',
    '',
    '  -c <cmd>    send command to running process',
    '              commands:',
    '               - fsd: shutdown all primary-mode UPSes (use with caution)',
    '               - reload: reread configuration',
    '               - stop: stop monitoring and exit',
    '  -P <pid>    send the signal above to specified PID (bypassing PID file)',
    '  -D          raise debugging level (and stay foreground by default)',
    '  -F          stay foregrounded even if no debugging is enabled',
    '  -B          stay backgrounded even if debugging is bumped',
    '  -f <file>   read this upsmon.conf',
    '  -h          display this help',
    '  -K          checks POWERDOWNFLAG, sets exit code to 0 if set',
    '  -p          always run privileged (disable the privilege split; not recommended)',
    '  -u <user>   run the network child as user <user> (default RUN_AS_USER, else nobody)',
    '  -4          IPv4 only',
    '  -6          IPv6 only',
    '',
    'Shutdown: hardnut does not run SHUTDOWNCMD as root; upsmon.conf chooses how (SHUTDOWNCMD naming',
    'hardnut\'s upsshutdown helper, or SHUTDOWNMETHOD: see README); `hardnut config check` says which.',
    '',
  ].join('\n');
}


const SIGNAL_OF = { fsd: 'SIGUSR1', stop: 'SIGTERM', reload: 'SIGHUP' } as const;
/**
 * How long `-c stop` waits for upsmon to exit: its supervisor stops both children first (each
 * with a grace period of its own) and removes the pid file.
 */
export const STOP_WAIT_MS = 15_000;
const STOP_POLL_MS = 100;

/** The held process has exited (a zombie has: only its parent has still to reap it). */
function gone(held: HeldProcess): boolean {
  if (!held.alive()) return true;
  try { return /^\d+ \(.*\) Z /s.test(readFileSync(`/proc/${String(held.pid)}/stat`, 'latin1')); } catch { return true; }
}

/** `upsmon -c fsd|stop|reload [-P pid]`. */
async function signalRunning(o: Options, pidFile: string, log: Logger, env: NodeJS.ProcessEnv): Promise<number> {
  // hardnut difference: root signals only a pid its writer could have signalled (pidfile.ts)
  // the process checked is the one signalled: held by a pidfd until then (pidfile.ts: HeldProcess)
  const v = o.pid !== undefined ? holdPid(o.pid) : trustedPid(pidFile, 'upsmon');
  if ('missing' in v) log.error(`Can't open PID file ${pidFile} (is upsmon running?)`);
  if ('refused' in v) log.error(`Not signalling upsmon: ${v.refused}`);
  if ('gone' in v) log.error(`upsmon -c ${o.command ?? ''}: upsmon is not running: no process ${String(v.gone)} (from ${o.pid !== undefined ? '-P' : pidFile})`);
  if (!('pid' in v)) return 1;
  const { pid, held } = v;
  try {
    const problem = o.command === 'stop' ? undefined : commandProblem(o, pid, env);
    if (problem !== undefined) {
      log.error(`upsmon -c ${o.command ?? ''}: ${problem}`);
      return 1;
    }
    held.signal(SIGNAL_OF[o.command as keyof typeof SIGNAL_OF]);
    if (o.command !== 'stop') return 0;
    // hardnut difference: NUT returns once the signal is sent; waiting (as upsdrvctl stop does)
    // makes `stop; start` reliable, and a upsmon that did not go is reported, not assumed gone.
    // The pidfd still held means a process that took the pid meanwhile is not waited for.
    for (const end = Date.now() + STOP_WAIT_MS; !gone(held);) {
      if (Date.now() >= end) {
        log.error(`upsmon -c stop: upsmon (pid ${String(pid)}) did not exit within ${String(STOP_WAIT_MS / 1000)} s of SIGTERM; it is still running`);
        return 1;
      }
      await new Promise((r) => setTimeout(r, STOP_POLL_MS));
    }
    return 0;
  } catch (err) {
    log.error(`upsmon -c ${o.command ?? ''}: ${signalFailure('upsmon', pid, o.pid !== undefined ? '-P' : pidFile, err)}`);
    return 1;
  } finally {
    held.close();
  }
}

/**
 * What the running upsmon would make of `-c reload|fsd` (control-check.ts): its upsmon.conf
 * (its own -f, read from /proc, else this one's) through the loader its reload uses — the
 * supervisor reloads as root, so root's view is its view. hardnut difference: NUT signals and
 * exits 0 even when the reload fails or FSD has no primary UPS to act on.
 */
function commandProblem(o: Options, pid: number, env: NodeJS.ProcessEnv): string | undefined {
  const view = daemonView(pid);
  if (!view) return undefined; // no such process: kill() says so
  let file = o.configFile ?? join(confPath(env), 'upsmon.conf');
  const at = view.argv.findIndex((a) => a === 'upsmon' || a.endsWith('/upsmon'));
  try {
    const theirs = at >= 0 ? parseArgs(view.argv.slice(at + 1)) : undefined;
    if (typeof theirs === 'object' && theirs.configFile !== undefined) file = theirs.configFile;
  } catch { /* not a command line we can read: use ours */ }
  let conf: UpsmonConf;
  try {
    conf = loadUpsmonConf(seenBy(view, file), env).conf;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return o.command === 'reload' ? `not reloading; upsmon (pid ${String(pid)}) keeps the configuration it has:\n${err.message}` : err.message;
  }
  if (o.command === 'fsd' && !conf.monitors.some((m) => m.role === 'primary')) {
    return `no MONITOR in ${file} is primary: a forced shutdown would do nothing (fsd acts on the UPSes this host manages)`;
  }
  return undefined;
}

/**
 * NUT's pdflag_status: 0 not there, 1 ours, -1 there but not ours. hardnut difference: a symlink,
 * FIFO or anything but a regular file is "not ours" (NUT would block on a FIFO, as root).
 */
function pdflagStatus(path: string): 0 | 1 | -1 {
  let text: string;
  try { text = readRegularFile(path, POWERDOWNFLAG_MAGIC.length).text; } catch (err) {
    return err instanceof UnsafeFileError ? -1 : 0;
  }
  return text.startsWith(POWERDOWNFLAG_MAGIC) ? 1 : -1;
}

/** `upsmon -K` (§5.2). */
function checkFlag(conf: UpsmonConf, log: Logger): number {
  // hardnut: the signed flag on /run (issue 15) first; without one, NUT's POWERDOWNFLAG
  const signed = signedFlagStatus(process.env);
  if (signed !== 'absent') { if (signed.set) log.info('Power down flag is set'); else log.error(`Power down flag is not valid: ${signed.reason}`); return signed.set ? 0 : 1; }
  if (conf.powerDownFlag === undefined) {
    log.error('Power down flag is not set');
    return 1;
  }
  const st = pdflagStatus(conf.powerDownFlag);
  if (st === -1) { log.error(`POWERDOWNFLAG (${conf.powerDownFlag}) does not contain the upsmon magic string, or is not a regular file`); return 1; }
  if (st === 0) { log.error('Power down flag is not set'); return 1; }
  log.info('Power down flag is set');
  return 0;
}

/** NUT's clear_pdflag: a flag of ours from the last shutdown goes; a foreign file disables the flag. */
function clearStaleFlag(conf: UpsmonConf, log: Logger): string | undefined {
  const path = conf.powerDownFlag;
  if (path === undefined) return undefined;
  const st = pdflagStatus(path);
  if (st === -1) {
    log.error(`POWERDOWNFLAG (${path}) does not contain the upsmon magic string, or is not a regular file - disabling!`);
    return undefined;
  }
  if (st === 1) { try { unlinkSync(path); } catch (err) { log.warn(`cannot remove ${path}: ${(err as Error).message}`); } }
  return path;
}

/**
 * upsmon.conf, read and checked (at start and on reload), with each LOCALMONITOR's driver socket
 * found through ups.conf; throws ConfigError (file:line).
 */
function loadUpsmonConf(file: string, env: NodeJS.ProcessEnv): LoadedUpsmonConf {
  const r = loadConfig(dirname(file), basename(file), parseUpsmonConf);
  // hardnut difference: a MONITOR name travels in the frames between the two halves, so it must
  // be one a frame can carry (64 characters of A–Z a–z 0–9 . _ @ : - [ ]).
  for (const m of r.value.monitors) {
    const problem = frameNameProblem(m.system);
    if (problem !== undefined) throw new ConfigError(file, m.line, `MONITOR ${m.system.slice(0, 80)}: ${problem}`);
  }
  return { conf: r.value, warnings: r.warnings.map((w) => formatDiagnostic(w)), local: localTargets(r.value, file, env) };
}

/** Everything upsmon does but be a child: options, control commands, -K, -p, the supervisor. */
export async function startUpsmon(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const log = new Logger('upsmon');
  let o: Options;
  try {
    const r = parseArgs(argv);
    if (r === 'help') { process.stdout.write(helpText()); return 0; }
    if (r === 'version') { process.stdout.write(`Network UPS Tools upsmon (hardnut ${VERSION})\n`); return 0; }
    o = r;
  } catch (err) {
    log.error(`upsmon: ${(err as Error).message}`);
    return err instanceof UsageError ? 2 : 1;
  }
  log.debugLevel = o.debug;
  const isDaemonChild = takeDaemonChildFlag(env);
  if (!isDaemonChild && !o.checkFlag && o.command === undefined) process.stdout.write(`Network UPS Tools upsmon (hardnut ${VERSION})\n`);
  const pidFile = join(altPidPath(env), PID_FILE_NAME);
  if (o.command !== undefined) return signalRunning(o, pidFile, log, env);

  if (!o.checkFlag && !isDaemonChild) {
    const old = o.pid ?? readPid(pidFile);
    if (old !== undefined && old !== process.pid && alive(old)) {
      log.error('Fatal error: A previous upsmon instance is already running!');
      log.error("Either stop the previous instance first, or use the 'reload' command.");
      return 1;
    }
  }

  const file = o.configFile ?? join(confPath(env), 'upsmon.conf');
  let conf: UpsmonConf;
  let local: LoadedUpsmonConf['local'];
  try {
    const r = loadUpsmonConf(file, env);
    conf = r.conf;
    local = r.local;
    if (!isDaemonChild) for (const w of r.warnings) log.warn(w);
  } catch (err) {
    log.error(err instanceof ConfigError ? err.message : `upsmon: ${(err as Error).message}`);
    return 1;
  }
  if (conf.debugMin !== undefined && conf.debugMin > log.debugLevel) log.debugLevel = conf.debugMin;
  if (o.checkFlag) return checkFlag(conf, log);
  // upsrules.conf (issue 16): checked here too, so an unusable one stops upsmon at start rather
  // than failing its children over and over; -p does not evaluate rules (yet), and says so
  // The supervisor keeps this copy: it admits a rule's fsd / instcmd only as this copy says (issue 16)
  const rules = o.single ? {} : loadUpsmonRules(env, (m) => log.error(`upsmon: ${m}`), (rs) => ruleTargetProblems(rs, conf));
  if (rules.failed) return 1;
  if (o.single && existsSync(rulesPath(env))) log.warn(`upsmon -p: ${rulesPath(env)} is not evaluated in single-process mode`);

  const root = isRoot();
  const dispatchUser = env['HARDNUT_UPSMON_DISPATCH_USER'] || DEFAULT_DISPATCH_USER;
  let plan: ShutdownPlan;
  let shutdownProblem: () => Error | undefined;
  let decision: string;
  try {
    const sel = selectShutdownPlan(conf, env, root, shutdownProbe, file);
    plan = sel.plan;
    if (!isDaemonChild) for (const w of sel.warnings) log.warn(w);
    decision = describeDecision(sel);
    shutdownProblem = () => shutdownAccessProblem(sel, file, dispatchUser);
  } catch (err) {
    log.error(`upsmon: ${(err as Error).message}`);
    return 1;
  }
  const runAsUser = o.user ?? conf.runAsUser ?? DEFAULT_NET_USER;
  const jail = root ? env['HARDNUT_UPSMON_JAIL'] || DEFAULT_JAIL : null;
  const notifyUser = conf.notifyUser ?? dispatchUser;
  if (root && !o.single) {
    for (const u of [runAsUser, dispatchUser, notifyUser]) {
      if (!lookupUser(u)) { log.error(`upsmon: user ${u} not found`); return 1; }
    }
    const problem = shutdownProblem();
    if (problem !== undefined) { log.error(`upsmon: ${problem.message}`); return 1; }
    // A jail root must not use does not heal by restarting the network child: refuse to start
    // rather than restart it forever without monitoring (issue 12).
    try { checkJail(jail ?? DEFAULT_JAIL, true); } catch (err) { log.error(`upsmon: ${(err as Error).message}`); return 1; }
  }
  if (!isDaemonChild) {
    if (o.single) log.warn('upsmon -p: running as one process without the privilege split: the process that reads the network also runs NOTIFYCMD and the shutdown');
    if (!root) log.warn(NOT_ROOT_WARNING);
  }

  const foreground = o.foreground ?? o.debug > 0;
  if (!foreground && !isDaemonChild) return respawnInBackground(env);
  if (isDaemonChild) {
    notifyReady();
    try { log.useSyslog(); } catch { /* no syslog: keep stderr */ }
  }
  const powerDownFlag = clearStaleFlag(conf, log);
  log.debug(1, decision);
  const reloadConf = (): LoadedUpsmonConf => loadUpsmonConf(file, env);

  if (o.single) {
    // `-p` joins both halves in this process: only then is their code loaded here
    const { runSingleProcess } = await import('./single-process.js');
    return runSingleProcess({ conf, local, reloadConf, plan, log, family: o.family, powerDownFlag, pidFile });
  }
  const code = await runSupervisor({
    conf,
    local,
    reloadConf,
    plan,
    log,
    env,
    runAsUser,
    dispatchUser,
    notifyUser,
    dispatchGroup: root && shutdownGroupFor(plan) !== undefined ? SHUTDOWN_GROUP : null,
    jail,
    seccomp: seccompMode(env, root),
    logSettings: { syslog: isDaemonChild, debug: log.debugLevel },
    family: o.family,
    foreground: !isDaemonChild,
    powerDownFlag,
    pidFile,
    stripEnv: [],
    ...(rules.ruleSet ? { ruleSet: rules.ruleSet } : {}),
  });
  return code;
}
