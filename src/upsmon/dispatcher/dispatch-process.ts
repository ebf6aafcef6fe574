// upsmon's dispatcher process (DESIGN.md): outside the jail, no network socket, user nut plus
// the shutdown group. Started by the supervisor as `hardnut upsmon --role dispatch` with
//   fd 0  the supervisor's control messages (protocol/control): start, reload, fsd, flag-written, stop
//   fd 3  the framed pipe's read end: frames from the jailed network child, nothing else
//   fd 4  bytes to the supervisor: 'F' (user FSD noted), 'S' (shutdown: write POWERDOWNFLAG), and
//         rule frames of rules with an fsd or instcmd action (protocol/control/inbox.ts, issue 16)
//   fd 5  the write end of the one-way pipe to the notifier: the notifications to deliver, as
//         frames of the same format (type and UPS name, never a message). The notifier, not the
//         dispatcher, runs NOTIFYCMD and wall (issue 20 item 6): the dispatcher runs nothing but
//         the shutdown, so its filter can forbid every inet socket without breaking mail scripts.
// While still root it loads what the shutdown needs (the intent key, or /run/initctl), then drops
// to nut (+ nutshutdown) and enters its seccomp role. Every frame goes through the Dispatcher
// (dispatcher.ts): a malformed, unknown or out-of-order frame ends this process with
// EXIT_CHILD_FAULT, and the supervisor kills the network child and restarts both — nothing of
// the bad frame reaches a command. When the network child closes the pipe the dispatcher exits
// too, after a shutdown it started has been handed over (NUT's parent does the same).

import { writeSync } from 'node:fs';
import net from 'node:net';
import type { Logger } from '../../runtime/log.js';
import type { UpsmonConf } from '../../core/config/upsmon-conf.js';
import { keepInheritedFdsFromChildren } from '../../sandbox/fds.js';
import { confine } from '../../sandbox/confine.js';
import { installFatalHandlers } from '../../sandbox/fatal.js';
import { InitctlChannel } from '../../sandbox/initctl.js';
import { loadIntentKey } from '../../sandbox/shutdown-intent.js';
import { childLogger, firstControl, leaveTerminalSignalsToSupervisor } from '../shared/child-io.js';
import { CTRL_FSD_NOTED, CTRL_SHUTDOWN, type ControlMessage, type DispatchStart } from '../../protocol/control/index.js';
import { Dispatcher, type Notification } from './dispatcher.js';
import { EXIT_CHILD_FAULT } from '../shared/exit-codes.js';
import { encodeFrame } from '../../protocol/notify-frame/index.js';
import { performShutdown, type ShutdownMethod } from '../shared/shutdown.js';
import type { ShutdownPlan } from '../../protocol/control/index.js';
import { armForDispatcher } from '../../killpower/arm.js';
import type { KillpowerArm } from '../../killpower/files.js';
import { loadUpsmonRules } from '../../runtime/rules-file.js';
import { hasUpsActions, ruleTargetProblems } from '../shared/rule-targets.js';

/** How long the dispatcher waits for the supervisor to write POWERDOWNFLAG before shutting down anyway. */
export const FLAG_WAIT_MS = 5_000;
export const FRAME_FD = 3;
export const SUPERVISOR_FD = 4;
export const NOTIFIER_FD = 5;

export async function runDispatchProcess(): Promise<number> {
  leaveTerminalSignalsToSupervisor();
  // fd 3 (frames) and fd 4 (to the supervisor) must not reach a NOTIFYCMD: it could read the
  // child's frames or ask the supervisor for POWERDOWNFLAG. Node leaves them inheritable.
  keepInheritedFdsFromChildren(FRAME_FD);
  const toNotifier = new net.Socket({ fd: NOTIFIER_FD, readable: false, writable: true });
  // the notifier gone (restarted with us by the supervisor): notifications are lost, never the shutdown
  toNotifier.on('error', () => undefined);
  const early = childLogger({ syslog: false, debug: 0 });
  const pending: ControlMessage[] = [];
  let handle: ((m: ControlMessage) => void) | undefined;
  let start: ControlMessage;
  try {
    start = await firstControl('dispatch', early, (m) => (handle ? handle(m) : pending.push(m)), () => undefined);
  } catch (err) {
    early.error(`upsmon dispatcher: ${(err as Error).message}`);
    return 1;
  }
  if (start.t !== 'start' || !('plan' in start)) {
    early.error('upsmon dispatcher: the first control message is not a dispatcher start');
    return 1;
  }
  const s: DispatchStart = start;
  const log = childLogger(s.log);
  installFatalHandlers('upsmon dispatcher', log);

  // The dispatcher's own copy of upsrules.conf (issue 16), read before the drop: a rule frame
  // from the child is admitted only for a rule named here, and does what this copy says.
  const rules = loadUpsmonRules(process.env, (m) => log.error(`upsmon dispatcher: ${m}`), (rs) => ruleTargetProblems(rs, s.conf));
  if (rules.failed) return 1;

  let method: ShutdownMethod | undefined;
  let killpower: KillpowerArm | undefined;
  try {
    ({ method, killpower } = await prepare(s, log));
  } catch (err) {
    log.error(`upsmon dispatcher: ${(err as Error).message}`);
    return 1;
  }

  return await new Promise<number>((resolve) => {
    let conf: UpsmonConf = s.conf;
    let shutdown: Promise<void> | undefined;
    let flagWritten: (() => void) | undefined;
    let done = false;
    const finish = (code: number): void => {
      if (done) return;
      done = true;
      resolve(code);
    };
    const toSupervisor = (bytes: number | Uint8Array): void => {
      try { writeSync(SUPERVISOR_FD, typeof bytes === 'number' ? Buffer.from([bytes]) : bytes); } catch { /* supervisor gone: nothing to tell */ }
    };

    const dispatcher = new Dispatcher(conf, {
      notify: (n: Notification) => {
        // SHUTDOWN always goes: the notifier walls NUT's doshutdown message before it, whatever NOTIFYFLAG says
        if (n.type === 'RULE') return; // never from the Dispatcher's frames: rule notices go as rule frames (below)
        const { syslog, wall, exec } = n.deliver;
        if (n.type === 'SHUTDOWN' || syslog || wall || exec) toNotifier.write(encodeFrame(n.type, n.ups));
      },
      shutdown: () => {
        shutdown = (async () => {
          // the signed killpower flag on /run, for the late-shutdown hook (issue 15)
          try { killpower?.write(); } catch (err) { log.error(`upsmon: cannot write the killpower flag: ${(err as Error).message}`); }
          // The supervisor (root, like NUT's parent) writes POWERDOWNFLAG; wait for it, but not forever.
          await new Promise<void>((r) => {
            const t = setTimeout(() => { log.error('upsmon dispatcher: POWERDOWNFLAG not confirmed by the supervisor; shutting down anyway'); r(); }, FLAG_WAIT_MS);
            flagWritten = () => { clearTimeout(t); r(); };
            toSupervisor(CTRL_SHUTDOWN);
          });
          if (method === undefined) {
            log.error('upsmon: shutdown requested, but no shutdown command is defined');
            return;
          }
          log.notice('upsmon: executing the shutdown');
          try {
            await performShutdown(method);
          } catch (err) {
            log.error(`upsmon: shutdown failed: ${(err as Error).message}`);
          }
        })();
      },
      rule: (r, event, actions) => {
        // Each action where it can run, and only the rule's name crosses: notify in the notifier,
        // fsd and instcmd (issue 16) by the supervisor, which starts the rule-action child (this
        // process has no network). Both look the rule up in their own copy of upsrules.conf. A rule
        // with a UPS action sends both its events, so the supervisor can check their order.
        // `shutdown` was acted on by the Dispatcher (noteUserFsd); timers are the monitor's.
        const frame = encodeFrame(event === 'fire' ? 'RULE_FIRE' : 'RULE_CLEAR', r.name);
        if (actions.some((a) => a.kind === 'notify')) toNotifier.write(frame);
        if (hasUpsActions(r)) toSupervisor(frame);
      },
    }, rules.ruleSet);

    handle = (m: ControlMessage): void => {
      switch (m.t) {
        case 'fsd':
          dispatcher.noteUserFsd();
          toSupervisor(CTRL_FSD_NOTED);
          break;
        case 'flag-written':
          flagWritten?.();
          break;
        case 'reload':
          if (JSON.stringify(m.conf.shutdownCmd) !== JSON.stringify(conf.shutdownCmd)) log.warn('Warning: SHUTDOWNCMD redefined in split-process mode! You must restart upsmon for this change to work');
          if (m.conf.powerDownFlag !== conf.powerDownFlag) log.warn('Warning: POWERDOWNFLAG redefined in split-process mode! You must restart upsmon for this change to work');
          conf = m.conf;
          dispatcher.reload(conf);
          break;
        default:
          break; // stop: we end when the network child closes the pipe
      }
    };
    for (const m of pending.splice(0)) handle(m);

    const fault = (reason: string): void => {
      frames.pause();
      log.error(`upsmon dispatcher: bad frame from the network child (${reason}): it will be killed and restarted`);
      finish(EXIT_CHILD_FAULT);
    };
    const frames = new net.Socket({ fd: FRAME_FD, readable: true, writable: false });
    frames.on('data', (chunk: Buffer) => {
      if (done) return;
      const r = dispatcher.receive(chunk);
      if (!r.ok) fault(r.reason);
    });
    frames.on('error', () => undefined);
    frames.on('close', () => {
      if (done) return;
      const r = dispatcher.end();
      if (!r.ok) { fault(r.reason); return; }
      log.debug(1, 'upsmon dispatcher: the network child closed the pipe');
      void (shutdown ?? Promise.resolve()).then(() => finish(0));
    });
  });
}

/** What the shutdown needs, loaded now (while root): the intent key, or init's FIFO. */
export function shutdownMethodOf(plan: ShutdownPlan): ShutdownMethod | undefined {
  switch (plan.kind) {
    case 'socket': return { kind: 'socket', path: plan.path, secretKey: loadIntentKey(plan.keyPath) };
    case 'helper': return { kind: 'helper', path: plan.path, secretKey: loadIntentKey(plan.keyPath) };
    case 'initctl': return { kind: 'initctl', channel: InitctlChannel.open(plan.path ?? undefined) };
    case 'command': return { kind: 'command', argv: plan.argv };
    case 'none': return undefined;
  }
}

/** Root-only preparation (the key, init's FIFO), then the one pipeline: drop and seccomp role. */
async function prepare(s: DispatchStart, log: Logger): Promise<{ method: ShutdownMethod | undefined; killpower: KillpowerArm | undefined }> {
  const plan: ShutdownPlan = s.plan;
  const method = shutdownMethodOf(plan);
  const killpower = armForDispatcher(s.conf, process.env, log);
  // The supervisor names the shutdown group only when it exists (main.ts); the pipeline ends
  // the dispatcher if it has gone since, rather than one that cannot hand the shutdown over.
  await confine({
    role: 'dispatcher', log, env: { HARDNUT_SECCOMP: s.seccomp }, user: s.user,
    ...(s.group !== null ? { extraGroups: [s.group] } : {}),
    setuidHelper: plan.kind === 'helper',
  });
  return { method, killpower };
}
