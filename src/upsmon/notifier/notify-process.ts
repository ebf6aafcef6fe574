// upsmon's notifier process (issue 20 item 6): NOTIFYCMD, wall and the notification's syslog line
// run here, not in the dispatcher, so a notify script may reach the network (mail through a
// remote SMTP server, a webhook) while the dispatcher keeps none. Started by the root supervisor
// as `hardnut upsmon --role notify`, before the dispatcher and the jailed child, with
//   fd 0  the supervisor's control messages (protocol/control, peer 'notify'): start, reload, stop
//   fd 3  the read end of a one-way pipe from the dispatcher: notification frames, nothing else
// It confines itself at once (role 'notifier': NOTIFYUSER, no_new_privs, a denylist filter that
// allows inet sockets and exec) and only then reads a frame. A frame it does not accept
// (notify-frames.ts) ends it with EXIT_CHILD_FAULT before anything of that read runs; the
// supervisor then restarts all three processes. It ends when the dispatcher closes the pipe.

import net from 'node:net';
import { confine } from '../../sandbox/confine.js';
import { installFatalHandlers } from '../../sandbox/fatal.js';
import { keepInheritedFdsFromChildren } from '../../sandbox/fds.js';
import type { ControlMessage, NotifyStart } from '../../protocol/control/index.js';
import { childLogger, firstControl, leaveTerminalSignalsToSupervisor } from '../shared/child-io.js';
import { EXIT_CHILD_FAULT } from '../shared/exit-codes.js';
import { notificationOf, ruleNotification } from '../shared/notify-messages.js';
import { loadUpsmonRules } from '../../runtime/rules-file.js';
import { ruleTargetProblems } from '../shared/rule-targets.js';
import type { Rule } from '../../protocol/rules/index.js';
import { Notifier } from './notifier.js';
import { NotifyFrameReader } from './notify-frames.js';

export const FROM_DISPATCHER_FD = 3;
/**
 * At the end (after a shutdown, or stop) the notifier waits this long for the notification
 * commands still running, the SHUTDOWN mail among them: once upsmon has exited a service manager
 * kills what is left of it.
 */
export const NOTIFY_DRAIN_MS = 10_000;

export async function runNotifyProcess(): Promise<number> {
  leaveTerminalSignalsToSupervisor();
  // fd 3 must not reach a NOTIFYCMD: it could read (steal) the next notifications
  keepInheritedFdsFromChildren(FROM_DISPATCHER_FD);
  const early = childLogger({ syslog: false, debug: 0 });
  const pending: ControlMessage[] = [];
  let handle: ((m: ControlMessage) => void) | undefined;
  let start: ControlMessage;
  try {
    start = await firstControl('notify', early, (m) => (handle ? handle(m) : pending.push(m)), () => undefined);
  } catch (err) {
    early.error(`upsmon notifier: ${(err as Error).message}`);
    return 1;
  }
  if (start.t !== 'start' || 'plan' in start || 'jail' in start) {
    early.error('upsmon notifier: the first control message is not a notifier start');
    return 1;
  }
  const s: NotifyStart = start;
  const log = childLogger(s.log);
  installFatalHandlers('upsmon notifier', log);
  // its own copy of upsrules.conf (issue 16), read before the drop like the dispatcher's: a rule
  // frame names a rule, and what it says is taken from here
  const rules = loadUpsmonRules(process.env, (m) => log.error(`upsmon notifier: ${m}`), (rs) => ruleTargetProblems(rs, s.conf));
  if (rules.failed) return 1;
  const ruleByName = new Map<string, Rule>((rules.ruleSet?.rules ?? []).map((r) => [r.name, r]));
  await confine({ role: 'notifier', log, env: { HARDNUT_SECCOMP: s.seccomp }, user: s.user });

  let conf = s.conf;
  // HARDNUT_WALL_PATH: another wall(1) (the demo and tests use /bin/true: no broadcast to every terminal)
  const opts = { notifyCmds: conf.notifyCmds, log, ...(process.env['HARDNUT_WALL_PATH'] ? { wallPath: process.env['HARDNUT_WALL_PATH'] } : {}) };
  const notifier = new Notifier(opts);
  const reader = new NotifyFrameReader(conf.monitors.map((m) => m.system), ruleByName.keys());
  handle = (m: ControlMessage): void => {
    if (m.t !== 'reload') return; // stop: we end when the dispatcher closes the pipe
    conf = m.conf;
    opts.notifyCmds = conf.notifyCmds;
    reader.addMonitors(conf.monitors.map((x) => x.system));
  };
  for (const m of pending.splice(0)) handle(m);

  return await new Promise<number>((resolve) => {
    let done = false;
    const fault = (reason: string): void => {
      if (done) return;
      done = true;
      frames.pause();
      log.error(`upsmon notifier: bad frame from the dispatcher (${reason}): nothing of it runs; exiting`);
      resolve(EXIT_CHILD_FAULT);
    };
    const frames = new net.Socket({ fd: FROM_DISPATCHER_FD, readable: true, writable: false });
    frames.on('data', (chunk: Buffer) => {
      if (done) return;
      const r = reader.push(chunk);
      if (!r.ok) { fault(r.reason); return; }
      for (const q of r.requests) {
        if ('rule' in q) {
          const rule = ruleByName.get(q.rule);
          if (rule === undefined) continue; // the reader admits only the names of this map
          const event = q.type === 'RULE_FIRE' ? 'fire' : 'clear';
          for (const a of event === 'fire' ? rule.onFire : rule.onClear) if (a.kind === 'notify') notifier.announce(ruleNotification(rule, event, a.message));
        } else notifier.announce(notificationOf(conf, q.type, q.ups));
      }
    });
    frames.on('error', () => undefined);
    frames.on('close', () => {
      if (done) return;
      const problem = reader.end();
      if (problem !== undefined) { fault(problem); return; }
      done = true;
      log.debug(1, 'upsmon notifier: the dispatcher closed the pipe');
      const bound = setTimeout(() => resolve(0), NOTIFY_DRAIN_MS);
      void notifier.idle().then(() => { clearTimeout(bound); resolve(0); });
    });
  });
}
