// upsmon's supervisor: the process `hardnut upsmon` started as (root on a real install). It is
// small on purpose and never reads the framed pipe or anything from the network. It
//   - writes the pid file, so `upsmon -c fsd|stop|reload` signal it (SIGUSR1, SIGTERM, SIGHUP);
//   - starts the pair: the dispatcher (dispatch-process.ts) and the jailed network child
//     (net-child.ts), joined by the framed pipe — a socketpair whose dispatcher end is the
//     dispatcher's fd 3; the supervisor hands the other end to the network child as its fd 3 and
//     closes its own copy without reading from it;
//   - starts the notifier (notifier/notify-process.ts) first, as NOTIFYUSER: it runs NOTIFYCMD and
//     wall for frames the dispatcher writes on its fd 5, the other end of the notifier's fd 3
//     (issue 20 item 6). If it ends, all three are restarted, as for the pair; never in a shutdown;
//   - passes both the configuration it read (protocol/control), and later reload, fsd and stop;
//   - forwards `-c fsd` to the dispatcher first and to the network child only once the
//     dispatcher has noted it (so the shutdown that follows is not taken for an out-of-order one);
//   - writes POWERDOWNFLAG when the dispatcher accepted a shutdown request (as NUT's root parent);
//   - performs a rule's fsd / instcmd (issue 16): the dispatcher, which has no network, passes on
//     the rule frame (a rule's name, nothing else) on its fd 4; the supervisor reads those bytes
//     with a strict decoder (protocol/control/inbox.ts), admits the name only against its own copy
//     of upsrules.conf (read at start, in order: fire, clear, fire…), takes the actions and the
//     MONITOR line from its own copies, and starts a one-shot confined child (`--role
//     rule-action`, action/rule-action-process.ts) that logs in to upsd and sends them. It parses
//     nothing from the network: upsd's replies are the child's, under its filter;
//   - when either process of the pair ends — a bad frame (the dispatcher exits with
//     EXIT_CHILD_FAULT and the network child is killed), a crash — restarts both, with a capped
//     exponential backoff; after a shutdown it exits instead, like NUT's parent.

import { spawn, type ChildProcess } from 'node:child_process';
import type net from 'node:net';
import type { Logger } from '../../runtime/log.js';
import { removePidFile, writePidFile } from '../../runtime/pidfile.js';
import { keepInheritedFdsFromChildren } from '../../sandbox/fds.js';
import type { UpsmonConf } from '../../core/config/upsmon-conf.js';
import {
  encodeControl, withoutSecrets,
  type ControlMessage, type LogSettings,
} from '../../protocol/control/index.js';
import { EXIT_CHILD_FAULT, EXIT_RESOLVE_RETRY } from '../shared/exit-codes.js';
import { writePowerDownFlag, SHUTDOWN_HANDOVER_TIMEOUT_MS } from '../shared/shutdown.js';
import { shutdownSettingsKey, type ShutdownPlan } from './shutdown-method.js';
import type { DriverSocketTarget } from '../../local-driver/driver-socket.js';
import { serveDriverSockets } from '../../local-driver/serve.js';
import { hasLocalMonitors } from './local-targets.js';
import { guardIpcChannel, ipcMessageBudget } from '../../local-driver/ipc-guard.js';
import { SupervisorInbox } from '../../protocol/control/index.js';
import type { RuleFrameType } from '../../protocol/notify-frame/index.js';
import type { RuleSet } from '../../protocol/rules/index.js';
import { RuleGate } from '../shared/rule-gate.js';
import { ruleTargetProblems, upsActionPlan } from '../shared/rule-targets.js';
import { RuleActionQueue, type RuleActionJob } from './rule-action-queue.js';

/**
 * LOCALMONITOR (issue 14): the network child's fd 4 is Node's IPC channel, a socketpair over
 * which the supervisor passes each driver-socket connection it made (SCM_RIGHTS). The child asks
 * with `{t:'local-connect', ups}` (one request per UPS in flight; anything else is ignored) and
 * gets `{t:'local-socket', ups}` with the descriptor, or with `error`. What the child sends is
 * bounded (ipc-guard.ts) before Node parses it.
 */
export const LOCAL_IPC_FD = 4;

/** First restart delay; doubles after each quick failure, up to RESTART_MAX_MS. */
export const RESTART_INITIAL_MS = 1_000;
export const RESTART_MAX_MS = 60_000;
/** A pair that ran this long was healthy: the next restart starts from the initial delay again. */
export const STABLE_MS = 60_000;
/** `-c stop`: how long the network child may take to finish its cycle and log out. */
export const STOP_GRACE_MS = 15_000;
/** A process of the pair asked to end is killed after this long. */
export const KILL_GRACE_MS = 2_000;
/** How long the notifier may finish the notification commands still running once its pipe closed (its NOTIFY_DRAIN_MS, plus a margin). */
export const NOTIFIER_DRAIN_MS = 12_000;
/** How long the dispatcher may take to note a user FSD. */
export const FSD_ACK_MS = 5_000;

export interface SupervisorOptions {
  conf: UpsmonConf;
  /** LOCALMONITOR driver sockets by UPS (local-targets.ts). */
  local: ReadonlyMap<string, DriverSocketTarget>;
  /** Reads upsmon.conf again (SIGHUP); throws ConfigError. */
  reloadConf(): { conf: UpsmonConf; warnings: string[]; local: ReadonlyMap<string, DriverSocketTarget> };
  plan: ShutdownPlan;
  log: Logger;
  env: NodeJS.ProcessEnv;
  /** RUN_AS_USER (or -u) for the network child. */
  runAsUser: string;
  dispatchUser: string;
  /** NOTIFYUSER, else the dispatcher's user: who NOTIFYCMD runs as, in the notifier. */
  notifyUser: string;
  dispatchGroup: string | null;
  jail: string | null;
  seccomp: 'enforce' | 'log' | 'off';
  logSettings: LogSettings;
  family: 4 | 6 | null;
  /** Children inherit stdout/stderr in the foreground; in the background they log to syslog. */
  foreground: boolean;
  /** POWERDOWNFLAG, unless unset or disabled at start-up (a file without NUT's magic). */
  powerDownFlag: string | undefined;
  pidFile: string | undefined;
  /** Environment variables removed from the children's environment. */
  stripEnv: string[];
  /** upsrules.conf as read at start (issue 16): the only source of what a rule's fsd / instcmd does. */
  ruleSet?: RuleSet;
}

interface Pair {
  dispatcher: ChildProcess;
  net: ChildProcess;
  dispatcherDone: boolean;
  notifier: ChildProcess;
  notifierDone: boolean;
  netDone: boolean;
  netCode: number | null;
  fault: boolean;
  shutdown: boolean;
  startedAt: number;
  fsdTimer: NodeJS.Timeout | undefined;
  killTimer: NodeJS.Timeout | undefined;
  /** The dispatcher's fd 4, decoded; and the order of its rule frames, against our own rule file. */
  inbox: SupervisorInbox;
  rules: RuleGate;
}

interface RuleJob extends RuleActionJob { message: ControlMessage }

export function runSupervisor(o: SupervisorOptions): Promise<number> {
  const { log } = o;
  let conf = o.conf;
  let local = o.local;
  let pair: Pair | undefined;
  let stopping = false;
  let delay = RESTART_INITIAL_MS;
  let restartTimer: NodeJS.Timeout | undefined;
  let fsdPending = false;
  let finished = false;
  const childEnv: NodeJS.ProcessEnv = { ...o.env };
  for (const k of o.stripEnv) delete childEnv[k];
  const base = [...process.execArgv, process.argv[1] as string, 'upsmon'];
  const out = o.foreground ? 'inherit' : 'ignore';

  // Descriptors inherited from whoever started us must not reach the children (least of all the jail).
  try { keepInheritedFdsFromChildren(3); } catch (err) { log.warn(`upsmon: cannot mark inherited descriptors close-on-exec: ${(err as Error).message}`); }
  if (o.pidFile !== undefined) {
    try { writePidFile(o.pidFile); } catch (err) {
      log.warn(`Could not write the pid file ${o.pidFile}: ${(err as Error).message}`);
    }
  }

  return new Promise<number>((resolve) => {
    const send = (child: ChildProcess, m: ControlMessage): void => {
      if (child.stdin && !child.stdin.destroyed) child.stdin.write(encodeControl(m));
    };
    const netStart = (): ControlMessage => ({ t: 'start', conf, log: o.logSettings, user: o.runAsUser, jail: o.jail, seccomp: o.seccomp, family: o.family });
    const dispatchStart = (): ControlMessage => ({ t: 'start', conf: withoutSecrets(conf), log: o.logSettings, plan: o.plan, user: o.dispatchUser, group: o.dispatchGroup, seccomp: o.seccomp });

    const notifyStart = (): ControlMessage => ({ t: 'start', conf: withoutSecrets(conf), log: o.logSettings, user: o.notifyUser, seccomp: o.seccomp });

    const startPair = (): void => {
      restartTimer = undefined;
      if (finished) return;
      // The notifier's fd 3 is one end of a socketpair; the dispatcher gets the other as its fd 5.
      const notifier = spawn(process.execPath, [...base, '--role', 'notify'], { stdio: ['pipe', out, out, 'pipe'], env: childEnv });
      const notifyEnd = notifier.stdio[3] as net.Socket;
      const dispatcher = spawn(process.execPath, [...base, '--role', 'dispatch'], { stdio: ['pipe', out, out, 'pipe', 'pipe', notifyEnd], env: childEnv });
      notifyEnd.destroy();
      // The dispatcher's fd 3 is one end of a socketpair; the other end, which we hold, becomes
      // the network child's fd 3 and is closed here at once: the supervisor reads no frame.
      const frameEnd = dispatcher.stdio[3] as net.Socket;
      // One malloc arena in the jailed child: when a thread arena's heap shrinks, glibc reads
      // /proc/sys/vm/overcommit_memory once (arena.c, check_may_shrink_heap), an openat its seccomp
      // role kills (seen in the 120 s soak). The main arena (brk) never makes that read.
      const ipc = hasLocalMonitors(conf);
      const netChild = spawn(process.execPath, [...base, '--role', 'net'], { stdio: ipc ? ['pipe', out, out, frameEnd, 'ipc'] : ['pipe', out, out, frameEnd], env: { ...childEnv, MALLOC_ARENA_MAX: '1' } });
      frameEnd.destroy();
      const p: Pair = {
        dispatcher, net: netChild, dispatcherDone: false, notifier, notifierDone: false, netDone: false, netCode: null, fault: false, shutdown: false,
        startedAt: Date.now(), fsdTimer: undefined, killTimer: undefined,
        inbox: new SupervisorInbox(), rules: new RuleGate(o.ruleSet, 'the supervisor'),
      };
      pair = p;
      if (ipc) {
        try {
          guardIpcChannel(netChild, () => ipcMessageBudget(local.size), (why) => {
            p.fault = true;
            log.error(`upsmon: the network child sent ${why}: killing it; both processes will be restarted`);
            kill(netChild, 'SIGKILL');
          });
        } catch (err) {
          // fail closed: root does not read an unbounded channel from the jail
          log.error(`upsmon: ${(err as Error).message}: exiting`);
          kill(netChild, 'SIGKILL');
          kill(dispatcher, 'SIGKILL');
          kill(notifier, 'SIGKILL');
          finish(1);
          return;
        }
        serveDriverSockets(netChild, () => local, (ups, why) => log.error(`upsmon: LOCALMONITOR ${ups}: not connecting: ${why}`));
      }
      for (const c of [notifier, dispatcher, netChild]) {
        c.stdin?.on('error', () => undefined);
        c.on('error', (err) => log.error(`upsmon: cannot start a child process: ${err.message}`));
      }
      (dispatcher.stdio[4] as net.Socket | null)?.on('data', (bytes: Buffer) => onDispatcherBytes(p, bytes));
      (dispatcher.stdio[4] as net.Socket | null)?.on('error', () => undefined);
      dispatcher.on('exit', (code, signal) => onDispatcherExit(p, code, signal));
      netChild.on('exit', (code, signal) => onNetExit(p, code, signal));
      notifier.on('exit', (code, signal) => onNotifierExit(p, code, signal));
      send(notifier, notifyStart());
      send(dispatcher, dispatchStart());
      send(netChild, netStart());
      log.debug(1, `upsmon: dispatcher pid ${String(dispatcher.pid)}, network child pid ${String(netChild.pid)}`);
      if (fsdPending) { fsdPending = false; requestFsd(); }
    };

    const onDispatcherBytes = (p: Pair, bytes: Uint8Array): void => {
      const r = p.inbox.push(bytes);
      for (const q of r.requests) {
        if (q.kind === 'fsd-noted') {
          if (p.fsdTimer) { clearTimeout(p.fsdTimer); p.fsdTimer = undefined; }
          send(p.net, { t: 'fsd' });
        } else if (q.kind === 'shutdown') {
          p.shutdown = true;
          if (o.powerDownFlag !== undefined) {
            try { writePowerDownFlag(o.powerDownFlag); } catch (err) {
              log.error(`upsmon: cannot write POWERDOWNFLAG ${o.powerDownFlag}: ${(err as Error).message}`);
            }
          }
          send(p.dispatcher, { t: 'flag-written' });
        } else if (q.kind === 'rule') {
          onRuleFrame(p, q.type, q.rule);
        } else {
          log.error(`upsmon: unexpected byte 0x${q.byte.toString(16)} from the dispatcher: ignored`);
        }
      }
      if (r.error !== undefined && !p.fault) {
        // the dispatcher is not what it was started as: nothing more of it is read
        p.fault = true;
        log.error(`upsmon: the dispatcher sent ${r.error}: nothing of it runs; both processes will be restarted`);
        if (!p.shutdown) kill(p.dispatcher, 'SIGKILL');
      }
    };

    /**
     * A rule frame from the dispatcher (issue 16): admitted only for a rule of our own copy of
     * upsrules.conf, in order, with an fsd or instcmd action; what runs is what our copy and
     * upsmon.conf say. A refusal is logged and nothing is sent (the dispatcher checked the same
     * name against its own copy: a refusal here means the copies differ, or the dispatcher lies).
     */
    const onRuleFrame = (p: Pair, type: RuleFrameType, name: string): void => {
      const g = p.rules.check(type, name);
      if (!g.ok) { log.error(`upsmon: the dispatcher passed on ${type} ${name}: refused (${g.reason}): nothing is sent to upsd`); return; }
      const plan = upsActionPlan(g.rule, g.event, conf);
      if (!plan.ok) { log.error(`upsmon: the dispatcher passed on ${type} ${name}: refused (${plan.reason}): nothing is sent to upsd`); return; }
      if (plan.actions.length === 0) return; // e.g. fsd on fire, nothing for upsd on clear
      const what = `rule ${name} ${g.event === 'fire' ? 'fired' : 'cleared'}: ${plan.actions.map((a) => (a.kind === 'fsd' ? 'FSD' : `INSTCMD ${a.command}`)).join(', ')} on ${plan.entry.system}`;
      // the child knows one MONITOR, the rule's, with its password; no other secret of upsmon.conf
      const message: ControlMessage = {
        t: 'start', conf: { ...withoutSecrets(conf), monitors: [plan.entry] }, log: o.logSettings, user: o.runAsUser, jail: o.jail,
        seccomp: o.seccomp, family: o.family, rule: name, event: g.event, actions: plan.actions,
      };
      ruleActions.push({ message, what });
    };

    /** A rule-action child for one job of ruleActions (rule-action-queue.ts: one at a time, in order). */
    const startRuleAction = (job: RuleJob, done: (failure?: string) => void): { kill(): void } => {
      const c = spawn(process.execPath, [...base, '--role', 'rule-action'], { stdio: ['pipe', out, out], env: childEnv });
      c.stdin?.on('error', () => undefined);
      c.on('error', (err) => {
        log.error(`upsmon: cannot start the rule-action child: ${err.message}`);
        if (c.pid === undefined) done('the rule-action child did not start'); // no 'exit' follows a failed spawn
      });
      c.on('exit', (code, signal) => done(code === 0 ? undefined : `rule-action child ${signal ?? `exit ${String(code)}`}; its log says why`));
      send(c, job.message);
      return { kill: () => kill(c, 'SIGKILL') };
    };
    const ruleActions = new RuleActionQueue<RuleJob>(startRuleAction, log);

    const kill = (c: ChildProcess, signal: NodeJS.Signals): void => {
      if (c.exitCode !== null || c.signalCode !== null) return;
      try {
        process.kill(c.pid as number, signal);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ESRCH') return;
        // Root without CAP_KILL (a service manager's capability bounding set) cannot signal a
        // process that changed its uid. Then the service manager must end the pair: exit with an
        // error, it kills the whole unit and restarts it.
        log.error(`upsmon: cannot signal process ${String(c.pid)} (${(err as NodeJS.ErrnoException).code ?? String(err)}): exiting so that the service manager restarts upsmon`);
        finish(1);
      }
    };

    const onDispatcherExit = (p: Pair, code: number | null, signal: NodeJS.Signals | null): void => {
      p.dispatcherDone = true;
      if (code === EXIT_CHILD_FAULT) {
        p.fault = true;
        log.error('upsmon: the network child sent a bad frame: killing it; both processes will be restarted');
        kill(p.net, 'SIGKILL');
      } else if (!p.netDone) {
        if (!stopping) log.error(`upsmon: the dispatcher ended (${signal ?? `exit ${String(code)}`}): restarting both processes`);
        kill(p.net, 'SIGTERM');
        p.killTimer ??= setTimeout(() => kill(p.net, 'SIGKILL'), KILL_GRACE_MS);
      }
      if (p.netDone) pairOver(p);
    };

    const onNetExit = (p: Pair, code: number | null, signal: NodeJS.Signals | null): void => {
      p.netDone = true;
      p.netCode = code;
      if (!p.dispatcherDone) {
        if (!stopping && !p.shutdown && !p.fault && code !== EXIT_RESOLVE_RETRY) log.error(`upsmon: the network child ended (${signal ?? `exit ${String(code)}`})`);
        // The dispatcher ends by itself once the pipe closes (after handing over a shutdown).
        if (p.killTimer) clearTimeout(p.killTimer);
        p.killTimer = setTimeout(() => kill(p.dispatcher, 'SIGKILL'), SHUTDOWN_HANDOVER_TIMEOUT_MS + KILL_GRACE_MS);
      }
      if (p.dispatcherDone) pairOver(p);
    };

    const onNotifierExit = (p: Pair, code: number | null, signal: NodeJS.Signals | null): void => {
      p.notifierDone = true;
      if (p.dispatcherDone && p.netDone) { pairEnded(p); return; }
      // A shutdown under way is never disturbed: only its notifications are lost.
      if (stopping || p.shutdown) return;
      log.error(`upsmon: the notifier ended (${signal ?? `exit ${String(code)}`}): restarting all three processes`);
      // the dispatcher ends by itself once the network child is gone (its pipe closes)
      kill(p.net, 'SIGTERM');
      p.killTimer ??= setTimeout(() => { kill(p.net, 'SIGKILL'); kill(p.dispatcher, 'SIGKILL'); }, KILL_GRACE_MS);
    };

    /** The dispatcher and the network child are gone: the notifier follows (its pipe closed). */
    const pairOver = (p: Pair): void => {
      if (p.notifierDone) { pairEnded(p); return; }
      if (p.killTimer) clearTimeout(p.killTimer);
      p.killTimer = setTimeout(() => kill(p.notifier, 'SIGKILL'), NOTIFIER_DRAIN_MS);
    };

    const pairEnded = (p: Pair): void => {
      if (p.killTimer) clearTimeout(p.killTimer);
      if (p.fsdTimer) clearTimeout(p.fsdTimer);
      p.net.stdin?.destroy();
      p.dispatcher.stdin?.destroy();
      p.notifier.stdin?.destroy();
      pair = undefined;
      if (finished) return;
      if (stopping) { finish(0); return; }
      if (p.shutdown) {
        log.info('upsmon: exiting after initiating shutdown');
        finish(0);
        return;
      }
      if (Date.now() - p.startedAt >= STABLE_MS) delay = RESTART_INITIAL_MS;
      const wait = p.netCode === EXIT_RESOLVE_RETRY && !p.fault ? RESTART_INITIAL_MS : delay;
      if (wait === delay) delay = Math.min(delay * 2, RESTART_MAX_MS);
      log.info(`upsmon: restarting the dispatcher and the network child in ${String(wait / 1000)} s`);
      restartTimer = setTimeout(startPair, wait);
    };

    const finish = (code: number): void => {
      if (finished) return;
      finished = true;
      ruleActions.close();
      for (const sig of SIGNALS) process.removeAllListeners(sig);
      if (restartTimer) clearTimeout(restartTimer);
      if (o.pidFile !== undefined) removePidFile(o.pidFile);
      resolve(code);
    };

    const requestFsd = (): void => {
      const p = pair;
      if (!p || p.dispatcherDone || p.netDone) { fsdPending = true; return; }
      send(p.dispatcher, { t: 'fsd' });
      p.fsdTimer = setTimeout(() => { p.fsdTimer = undefined; log.error('upsmon: the dispatcher did not acknowledge the FSD request'); }, FSD_ACK_MS);
    };

    const stop = (sig: string): void => {
      if (stopping) return;
      stopping = true;
      log.info(`Signal ${sig}: exiting`);
      const p = pair;
      if (!p) { finish(0); return; }
      send(p.net, { t: 'stop' });
      p.killTimer = setTimeout(() => { kill(p.net, 'SIGKILL'); kill(p.dispatcher, 'SIGKILL'); kill(p.notifier, 'SIGKILL'); }, STOP_GRACE_MS);
    };

    const reload = (): void => {
      let next: ReturnType<SupervisorOptions["reloadConf"]>;
      try {
        next = o.reloadConf();
      } catch (err) {
        log.error(`Reload failed, the running configuration is kept: ${(err as Error).message}`);
        return;
      }
      for (const w of next.warnings) log.warn(w);
      // the rule file is kept as read at start; a reload that takes away what a rule acts on is
      // refused at each rule event (upsActionPlan), and by the children when they next start
      if (o.ruleSet) for (const e of ruleTargetProblems(o.ruleSet, next.conf)) log.error(`upsmon: after this reload, ${e.message}: that action will be refused`);
      if (next.conf.runAsUser !== conf.runAsUser) log.warn('Warning: RUN_AS_USER redefined: restart upsmon for this change to work');
      if (next.conf.notifyUser !== conf.notifyUser) log.warn('Warning: NOTIFYUSER redefined: restart upsmon for this change to work');
      if (shutdownSettingsKey(next.conf) !== shutdownSettingsKey(conf)) {
        log.warn('Warning: SHUTDOWNMETHOD, SHUTDOWNHELPER, SHUTDOWNSOCKET, INTENTKEY or INITCTL redefined: restart upsmon for this change to work');
      }
      conf = next.conf;
      local = next.local;
      const p = pair;
      if (!p) return;
      send(p.dispatcher, { t: 'reload', conf: withoutSecrets(conf) });
      send(p.notifier, { t: 'reload', conf: withoutSecrets(conf) });
      send(p.net, { t: 'reload', conf });
    };

    process.on('SIGUSR1', () => { log.info('Signal: FSD requested'); requestFsd(); });
    process.on('SIGHUP', reload);
    for (const sig of ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const) process.on(sig, () => stop(sig));
    process.on('SIGUSR2', () => undefined); // no meaning in upsmon: not the default (exit)
    startPair();
  });
}

const SIGNALS = ['SIGUSR1', 'SIGUSR2', 'SIGHUP', 'SIGTERM', 'SIGINT', 'SIGQUIT'] as const;
