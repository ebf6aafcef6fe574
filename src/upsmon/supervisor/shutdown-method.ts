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
// HARDNUT_SHUTDOWN_METHOD=socket|helper|initctl|command forces one; `initctl` (the dispatcher
// keeps /run/initctl open from start-up and writes runlevel 0) is only chosen that way, and
// `command` as root runs SHUTDOWNCMD as the dispatcher's user, not as root.
// Paths: HARDNUT_SHUTDOWN_SOCKET, HARDNUT_SHUTDOWN_HELPER, HARDNUT_INTENT_KEY, HARDNUT_INITCTL.

import { HardnutError } from '../../core/errors.js';
import type { UpsmonConf } from '../../core/config/upsmon-conf.js';

export const DEFAULT_SHUTDOWN_SOCKET = '/run/hardnut/shutdown.sock';
export const DEFAULT_SHUTDOWN_HELPER = '/usr/local/lib/hardnut/upsshutdown';
export const DEFAULT_INTENT_KEY = '/etc/hardnut/upsshutdown.key';

/** Serializable: the supervisor decides, the dispatcher carries it out. */
/** Defined with the control codec that carries it to the dispatcher. */
export type { ShutdownPlan } from '../../protocol/control/index.js';
import type { ShutdownPlan } from '../../protocol/control/index.js';

export class ShutdownMethodError extends HardnutError {
  constructor(message: string) {
    super('ERR_SHUTDOWN_METHOD', message);
  }
}

/** What selection needs to know about the file system (injected: the choice itself is pure). */
export interface PathProbe {
  isSocket(path: string): boolean;
  isExecutable(path: string): boolean;
}

export interface SelectedPlan {
  plan: ShutdownPlan;
  warnings: string[];
}

const METHODS = ['socket', 'helper', 'initctl', 'command'] as const;

export function selectShutdownPlan(conf: Pick<UpsmonConf, 'shutdownCmd'>, env: Readonly<Record<string, string | undefined>>, root: boolean, probe: PathProbe): SelectedPlan {
  const socketPath = env['HARDNUT_SHUTDOWN_SOCKET'] || DEFAULT_SHUTDOWN_SOCKET;
  const helperPath = env['HARDNUT_SHUTDOWN_HELPER'] || DEFAULT_SHUTDOWN_HELPER;
  const keyPath = env['HARDNUT_INTENT_KEY'] || DEFAULT_INTENT_KEY;
  const warnings: string[] = [];
  const forced = env['HARDNUT_SHUTDOWN_METHOD'];
  const ignoredCmd = (how: string): void => {
    if (conf.shutdownCmd !== undefined) warnings.push(`SHUTDOWNCMD is not used: the shutdown goes ${how} (hardnut does not run a shell line as root)`);
  };
  const command = (): ShutdownPlan => {
    if (conf.shutdownCmd === undefined || conf.shutdownCmd.length === 0) {
      warnings.push('Warning: no shutdown command defined!');
      return { kind: 'none' };
    }
    return { kind: 'command', argv: [...conf.shutdownCmd] };
  };

  if (forced !== undefined && forced !== '') {
    if (!(METHODS as readonly string[]).includes(forced)) {
      throw new ShutdownMethodError(`HARDNUT_SHUTDOWN_METHOD=${forced}: use one of ${METHODS.join(', ')}`);
    }
    switch (forced) {
      case 'socket':
        ignoredCmd(`to ${socketPath}`);
        return { plan: { kind: 'socket', path: socketPath, keyPath }, warnings };
      case 'helper':
        ignoredCmd(`through ${helperPath}`);
        return { plan: { kind: 'helper', path: helperPath, keyPath }, warnings };
      case 'initctl':
        ignoredCmd('through init (runlevel 0)');
        return { plan: { kind: 'initctl', path: env['HARDNUT_INITCTL'] || null }, warnings };
      default:
        if (root) warnings.push('HARDNUT_SHUTDOWN_METHOD=command: SHUTDOWNCMD runs as the dispatcher\'s user, not as root; it must be able to shut the host down from there');
        return { plan: command(), warnings };
    }
  }

  // Without root nothing privileged exists to hand over to: SHUTDOWNCMD as an argv (demo, tests).
  if (!root) return { plan: command(), warnings };
  // SHUTDOWNCMD "<path>/upsshutdown poweroff" (the hardened deployment's documented form): that
  // helper, with a signed intent, wherever it is installed; the environment above overrides it
  const named = namedHelper(conf.shutdownCmd);
  if (named !== undefined) {
    if (!probe.isExecutable(named)) throw new ShutdownMethodError(`SHUTDOWNCMD names the shutdown helper ${named}, which is not there or not executable`);
    return { plan: { kind: 'helper', path: named, keyPath }, warnings };
  }
  if (probe.isSocket(socketPath)) {
    ignoredCmd(`to ${socketPath}`);
    return { plan: { kind: 'socket', path: socketPath, keyPath }, warnings };
  }
  if (probe.isExecutable(helperPath)) {
    ignoredCmd(`through ${helperPath}`);
    return { plan: { kind: 'helper', path: helperPath, keyPath }, warnings };
  }
  throw new ShutdownMethodError([
    'no way to shut this host down: hardnut does not run SHUTDOWNCMD as root.',
    `Install the shutdown helper (make -C helpers install) and enable hardnut-shutdown.socket (${socketPath}) or keep ${helperPath};`,
    'or set HARDNUT_SHUTDOWN_METHOD=initctl (sysvinit: upsmon asks init for runlevel 0);',
    'or set HARDNUT_SHUTDOWN_METHOD=command to run SHUTDOWNCMD as the dispatcher\'s user (nut), without root.',
  ].join(' '));
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

/** One line for the log: how a shutdown will be carried out. */
export function describePlan(plan: ShutdownPlan): string {
  switch (plan.kind) {
    case 'socket': return `shutdown: signed intent to ${plan.path}`;
    case 'helper': return `shutdown: signed intent to the setuid helper ${plan.path}`;
    case 'initctl': return `shutdown: runlevel 0 through ${plan.path ?? '/run/initctl'}`;
    case 'command': return `shutdown: SHUTDOWNCMD ${plan.argv.join(' ')} (run as an argv, no shell)`;
    case 'none': return 'shutdown: none (no SHUTDOWNCMD)';
  }
}

/** Who hands the shutdown over: the dispatcher's uid and every gid it will hold. */
export interface DispatchIdentity { uid: number; gids: readonly number[] }
/** Owner, group and mode (with the setuid bit) of the helper or socket. */
export interface PathOwnership { uid: number; gid: number; mode: number }

const EXECUTE = 0o1;
const WRITE = 0o2;
const SETUID = 0o4000;

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
  return undefined;
}
