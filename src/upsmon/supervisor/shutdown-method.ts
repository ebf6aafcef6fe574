// How upsmon will shut this host down, decided at start-up (before any process is split off, so
// a host that cannot be shut down refuses to start instead of finding out during an outage).
//
// hardnut difference (deliberate): NUT runs SHUTDOWNCMD as a shell line with system() in its
// root parent. hardnut never runs a shell line as root. Its dispatcher (user nut) hands the
// power-off to the one piece allowed to do it:
//   1. socket  — hardnut-shutdown.socket exists (systemd): a signed intent is written to it;
//   2. helper  — the setuid helper is installed (sysvinit and others): it gets the signed intent;
//                SHUTDOWNCMD "<path>/upsshutdown poweroff" chooses the helper at that path first;
//   3. command — upsmon was not started as root (demo, tests, a laptop): SHUTDOWNCMD is run as an
//                argv (no shell) by the dispatcher, as the user upsmon runs as;
//   otherwise (root, neither installed) upsmon refuses to start, naming the choices.
// upsmon.conf chooses (hardnut-only directives, README "differences"):
//   SHUTDOWNCMD "<path>/upsshutdown poweroff"   that helper, with a signed intent (the hardened form);
//   SHUTDOWNMETHOD helper|socket|initctl|command   forces one; `initctl` (the dispatcher keeps
//                  /run/initctl open from start-up and writes runlevel 0) is only chosen this way,
//                  and `command` as root runs SHUTDOWNCMD as the dispatcher's user, not as root;
//   SHUTDOWNHELPER, SHUTDOWNSOCKET, INTENTKEY, INITCTL <path>   where each is.
// The environment (HARDNUT_SHUTDOWN_METHOD, _HELPER, _SOCKET, HARDNUT_INTENT_KEY, HARDNUT_INITCTL)
// still overrides the file, with a warning naming the override: a unit or init script that set
// them keeps working, and says it should move them into upsmon.conf.
// One decision, with its reason, for upsmon's start and for `hardnut config check`.

import { accessSync, constants, statSync } from 'node:fs';
import { ConfigError, HardnutError } from '../../core/errors.js';
import { SHUTDOWN_METHODS, type Placed, type ShutdownMethodName, type UpsmonConf } from '../../core/config/upsmon-conf.js';

export const DEFAULT_SHUTDOWN_SOCKET = '/run/hardnut/shutdown.sock';
export const DEFAULT_SHUTDOWN_HELPER = '/usr/local/lib/hardnut/upsshutdown';
export const DEFAULT_INTENT_KEY = '/etc/hardnut/upsshutdown.key';

/** Serializable: the supervisor decides, the dispatcher carries it out. */
/** Defined with the control codec that carries it to the dispatcher. */
export type { ShutdownPlan } from '../../protocol/control/index.js';
import type { ShutdownPlan } from '../../protocol/control/index.js';

export class ShutdownMethodError extends HardnutError {
  constructor(message: string, code: 'ERR_SHUTDOWN_METHOD' | 'ERR_SHUTDOWN_NOT_INSTALLED' = 'ERR_SHUTDOWN_METHOD') {
    super(code, message);
  }
}

/** What selection needs to know about the file system (injected: the choice itself is pure). */
export interface PathProbe {
  isSocket(path: string): boolean;
  isExecutable(path: string): boolean;
}

/** Where a setting came from: a line of upsmon.conf (line > 0), the environment or a default (line 0). */
export interface Origin { line: number; label: string }

/** The file system as upsmon sees it at start (root: every permission check passes). */
export const shutdownProbe: PathProbe = {
  isSocket: (p) => { try { return statSync(p).isSocket(); } catch { return false; } },
  isExecutable: (p) => {
    try { accessSync(p, constants.X_OK); return statSync(p).isFile(); } catch { return false; }
  },
};

export interface SelectedPlan {
  plan: ShutdownPlan;
  /** Why this method, for the log and `config check`: "SHUTDOWNCMD names hardnut's helper, upsmon.conf:12". */
  reason: string;
  warnings: string[];
  /** Where the plan's path (helper, socket) and key came from: a problem with one names that place. */
  origins: { path?: Origin; key?: Origin };
}

/** An error at the place that chose a setting: file:line for upsmon.conf, else naming the variable or default. */
export function originError(file: string, origin: Origin, message: string, missing = false): HardnutError {
  const code = missing ? 'ERR_SHUTDOWN_NOT_INSTALLED' : 'ERR_SHUTDOWN_METHOD';
  return origin.line > 0 ? new ConfigError(file, origin.line, message, code) : new ShutdownMethodError(`${message} (${origin.label})`, code);
}

/** The environment's overrides: each takes precedence over its upsmon.conf directive. */
const OVERRIDES = {
  method: ['HARDNUT_SHUTDOWN_METHOD', 'SHUTDOWNMETHOD'],
  helper: ['HARDNUT_SHUTDOWN_HELPER', 'SHUTDOWNHELPER'],
  socket: ['HARDNUT_SHUTDOWN_SOCKET', 'SHUTDOWNSOCKET'],
  intentKey: ['HARDNUT_INTENT_KEY', 'INTENTKEY'],
  initctl: ['HARDNUT_INITCTL', 'INITCTL'],
} as const;

/**
 * How upsmon will shut this host down, and why. `file` is upsmon.conf's path (messages name
 * file:line). Throws ConfigError at the line that chose something unusable, ShutdownMethodError
 * when nothing in the file did.
 */
export function selectShutdownPlan(conf: Pick<UpsmonConf, 'shutdownCmd' | 'shutdown'>, env: Readonly<Record<string, string | undefined>>, root: boolean, probe: PathProbe, file = 'upsmon.conf'): SelectedPlan {
  const placed = conf.shutdown ?? {};
  const warnings: string[] = [];
  const at = (line: number): string => `${file}:${String(line)}`;
  const fail = (origin: Origin, message: string, missing = false): HardnutError => originError(file, origin, message, missing);
  /** The environment's value (warned), else the directive's, else the fallback. */
  const setting = <T extends string>(which: keyof typeof OVERRIDES, fromFile: Placed<T> | undefined, fallback: { value: T; origin: Origin } | undefined): { value: T; origin: Origin } | undefined => {
    const [name, directive] = OVERRIDES[which];
    const e = env[name];
    if (e !== undefined && e !== '') {
      warnings.push(`${name}=${e} in the environment overrides ${fromFile !== undefined ? `${directive} ${fromFile.value} (${at(fromFile.line)})` : `upsmon.conf (no ${directive} there)`}; put ${directive} in ${file} instead`);
      return { value: e as T, origin: { line: 0, label: `${name} in the environment` } };
    }
    if (fromFile !== undefined) return { value: fromFile.value, origin: { line: fromFile.line, label: `${directive}, ${at(fromFile.line)}` } };
    return fallback;
  };
  const cmdOrigin: Origin = { line: placed.cmdLine ?? 0, label: placed.cmdLine !== undefined ? `SHUTDOWNCMD, ${at(placed.cmdLine)}` : 'no SHUTDOWNCMD' };
  let named: string | undefined;
  try { named = namedHelper(conf.shutdownCmd); } catch (err) { throw fail(cmdOrigin, (err as Error).message); }
  if (named !== undefined && placed.helper !== undefined && placed.helper.value !== named) {
    throw fail({ line: placed.helper.line, label: '' }, `SHUTDOWNHELPER ${placed.helper.value} is not the helper SHUTDOWNCMD names (${named}, ${at(cmdOrigin.line)}): keep one`);
  }
  const socket = setting('socket', placed.socket, { value: DEFAULT_SHUTDOWN_SOCKET, origin: { line: 0, label: 'the default' } }) as { value: string; origin: Origin };
  const helper = setting('helper', placed.helper, named !== undefined
    ? { value: named, origin: cmdOrigin }
    : { value: DEFAULT_SHUTDOWN_HELPER, origin: { line: 0, label: 'the default' } }) as { value: string; origin: Origin };
  const key = setting('intentKey', placed.intentKey, { value: DEFAULT_INTENT_KEY, origin: { line: 0, label: 'the default' } }) as { value: string; origin: Origin };
  const ignoredCmd = (how: string): void => {
    if (conf.shutdownCmd !== undefined) warnings.push(`SHUTDOWNCMD is not used: the shutdown goes ${how} (hardnut does not run a shell line as root)`);
  };
  const viaSocket = (reason: string): SelectedPlan => {
    ignoredCmd(`to ${socket.value}`);
    return { plan: { kind: 'socket', path: socket.value, keyPath: key.value }, reason, warnings, origins: { path: socket.origin, key: key.origin } };
  };
  const viaHelper = (reason: string): SelectedPlan => {
    if (helper.value !== named) ignoredCmd(`through ${helper.value}`);
    return { plan: { kind: 'helper', path: helper.value, keyPath: key.value }, reason, warnings, origins: { path: helper.origin, key: key.origin } };
  };
  const command = (reason: string): SelectedPlan => {
    if (conf.shutdownCmd === undefined || conf.shutdownCmd.length === 0) {
      warnings.push('Warning: no shutdown command defined!');
      return { plan: { kind: 'none' }, reason, warnings, origins: {} };
    }
    return { plan: { kind: 'command', argv: [...conf.shutdownCmd] }, reason, warnings, origins: {} };
  };

  const forced = setting<string>('method', placed.method, undefined);
  if (forced !== undefined) {
    if (!(SHUTDOWN_METHODS as readonly string[]).includes(forced.value)) {
      throw fail(forced.origin, `${OVERRIDES.method[0]}=${forced.value}: use one of ${SHUTDOWN_METHODS.join(', ')}`);
    }
    const why = forced.origin.line > 0 ? `SHUTDOWNMETHOD ${forced.value}, ${at(forced.origin.line)}` : `HARDNUT_SHUTDOWN_METHOD=${forced.value} in the environment`;
    switch (forced.value as ShutdownMethodName) {
      case 'socket': return viaSocket(why);
      case 'helper': return viaHelper(why);
      case 'initctl': {
        ignoredCmd('through init (runlevel 0)');
        const path = setting('initctl', placed.initctl, undefined);
        return { plan: { kind: 'initctl', path: path?.value ?? null }, reason: why, warnings, origins: path !== undefined ? { path: path.origin } : {} };
      }
      case 'command':
        if (root) warnings.push(`${why}: SHUTDOWNCMD runs as the dispatcher's user, not as root; it must be able to shut the host down from there`);
        return command(why);
    }
  }

  // Without root nothing privileged exists to hand over to: SHUTDOWNCMD as an argv (demo, tests).
  if (!root) return command('upsmon is not started as root: SHUTDOWNCMD runs as an argv, as its user');
  // SHUTDOWNCMD "<path>/upsshutdown poweroff" (the hardened deployment's documented form): that
  // helper, with a signed intent, wherever it is installed, ahead of a socket
  if (named !== undefined) {
    if (!probe.isExecutable(helper.value)) throw fail(helper.origin, `${helper.origin === cmdOrigin ? 'SHUTDOWNCMD names' : 'upsmon would use'} the shutdown helper ${helper.value}, which is not there or not executable`, true);
    return viaHelper(helper.origin === cmdOrigin ? `SHUTDOWNCMD names hardnut's helper, ${at(cmdOrigin.line)}` : `${helper.origin.label}; SHUTDOWNCMD names a helper`);
  }
  if (probe.isSocket(socket.value)) return viaSocket(`no SHUTDOWNMETHOD; hardnut-shutdown.socket's socket is there, path from ${socket.origin.label}`);
  if (probe.isExecutable(helper.value)) return viaHelper(`no SHUTDOWNMETHOD, no socket at ${socket.value}; the helper is installed, path from ${helper.origin.label}`);
  throw new ShutdownMethodError([
    'no way to shut this host down: hardnut does not run SHUTDOWNCMD as root.',
    `Install the shutdown helper (make -C helpers install) and enable hardnut-shutdown.socket (${socket.value}), or in ${file} write SHUTDOWNCMD "<helper path> poweroff" (e.g. ${DEFAULT_SHUTDOWN_HELPER});`,
    'or write SHUTDOWNMETHOD initctl (sysvinit: upsmon asks init for runlevel 0);',
    'or write SHUTDOWNMETHOD command to run SHUTDOWNCMD as the dispatcher\'s user (nut), without root.',
  ].join(' '));
}

/** One line for `config check` and the log: the method, where it goes, and why. */
export function describeDecision(s: SelectedPlan): string {
  switch (s.plan.kind) {
    case 'socket': return `shutdown: socket ${s.plan.path} (${s.reason})`;
    case 'helper': return `shutdown: helper ${s.plan.path} (${s.reason})`;
    case 'initctl': return `shutdown: initctl ${s.plan.path ?? '/run/initctl or /dev/initctl'} (${s.reason})`;
    case 'command': return `shutdown: command ${s.plan.argv.join(' ')} (${s.reason})`;
    case 'none': return `shutdown: none, no SHUTDOWNCMD (${s.reason})`;
  }
}

/**
 * What the shutdown was decided from, without line numbers: the plan is fixed at start (the
 * dispatcher opens and checks it as root), so a reload that changes this changes nothing until a restart.
 */
export function shutdownSettingsKey(conf: Pick<UpsmonConf, 'shutdown'>): string {
  // SHUTDOWNCMD itself: the dispatcher says so (NUT's own warning)
  const s = conf.shutdown ?? {};
  return JSON.stringify([s.method?.value, s.helper?.value, s.socket?.value, s.intentKey?.value, s.initctl?.value]);
}

/** The helper's absolute path when SHUTDOWNCMD runs hardnut's helper (`upsshutdown poweroff`). */
export function namedHelper(shutdownCmd: readonly string[] | undefined): string | undefined {
  if (shutdownCmd === undefined || shutdownCmd.length === 0) return undefined;
  // NUT's form is one quoted word; hardnut's config reader also keeps several words
  const words = shutdownCmd.length === 1 ? (shutdownCmd[0] as string).trim().split(/\s+/) : [...shutdownCmd];
  const [path, action, ...rest] = words;
  if (path === undefined || !path.startsWith('/') || !path.endsWith('/upsshutdown')) return undefined;
  if ((action !== undefined && action !== 'poweroff') || rest.length > 0) {
    throw new ShutdownMethodError(`SHUTDOWNCMD ${words.join(' ')}: the shutdown helper takes one action, poweroff (what it does is set in its own upsshutdown.conf)`);
  }
  return path;
}

/** Who hands the shutdown over: the dispatcher's uid and every gid it will hold. */
export interface DispatchIdentity { uid: number; gids: readonly number[] }
/** Owner, group and mode (with the setuid bit) of the helper or socket. */
export interface PathOwnership { uid: number; gid: number; mode: number }

const EXECUTE = 0o1;
const WRITE = 0o2;
const SETUID = 0o4000;
const GROUP_OTHER_WRITE = 0o022;

/**
 * Why the dispatcher could not hand a shutdown to the plan's helper or socket, or undefined if it
 * can. The plan is chosen as root, who passes every permission check; the hand-over is made by the
 * dispatcher after it dropped to nut (+ nutshutdown). Without this check a helper that nut may not
 * execute (wrong group, mode 0700) or that is not setuid root, or a socket nut may not connect to,
 * was found out only in an outage, when the shutdown failed. `info` undefined: the path is gone.
 */
export function planAccessProblem(plan: ShutdownPlan, info: PathOwnership | undefined, who: DispatchIdentity): string | undefined {
  if (plan.kind !== 'helper' && plan.kind !== 'socket') return undefined;
  if (info === undefined) return `${plan.path} does not exist`;
  // the kernel's order: the owner's bits for the owner, else the group's for a member, else the others'
  const shift = info.uid === who.uid ? 6 : who.gids.includes(info.gid) ? 3 : 0;
  const need = plan.kind === 'helper' ? EXECUTE : WRITE;
  const describe = `${plan.path} (uid ${String(info.uid)}, gid ${String(info.gid)}, mode ${(info.mode & 0o7777).toString(8)})`;
  if (((info.mode >> shift) & need) === 0) {
    const fix = plan.kind === 'helper' ? 'groupadd --system nutshutdown; make -C helpers install GROUP=nutshutdown' : 'hardnut-shutdown.socket: SocketGroup=nutshutdown, SocketMode=0660';
    return `${describe} cannot be ${plan.kind === 'helper' ? 'executed' : 'connected to'} by upsmon's dispatcher (uid ${String(who.uid)}, gids ${who.gids.join(',')}): ` +
      `its group must be nutshutdown (${fix})`;
  }
  if (plan.kind === 'helper' && (info.uid !== 0 || (info.mode & SETUID) === 0)) {
    return `${describe} is not setuid root: install it with make -C helpers install GROUP=nutshutdown (root:nutshutdown, mode 4750)`;
  }
  // another user who can rewrite the helper runs their code as root; one who owns the socket can
  // swap in a listener of their own (systemd creates it root's)
  if (plan.kind === 'helper' && (info.mode & GROUP_OTHER_WRITE) !== 0) return `${describe} is writable by group or others: chmod 4750`;
  if (plan.kind === 'socket' && info.uid !== 0) return `${describe} is not owned by root: hardnut-shutdown.socket has SocketUser=root`;
  return undefined;
}
