// `upsmon -p` (§5.1 step 5): no split. One process talks to upsd, runs the monitor, delivers
// notifications and runs the shutdown. The frames still pass through the Dispatcher, in
// process, so the rules are the same as in the split; only the walls between them are gone.
// hardnut keeps it for NUT compatibility and warns: nothing here is jailed.

import type { Logger } from '../runtime/log.js';
import { removePidFile, writePidFile } from '../runtime/pidfile.js';
import type { UpsmonConf } from '../core/config/upsmon-conf.js';
import { keepInheritedFdsFromChildren } from '../sandbox/fds.js';
import { logAt } from './shared/child-io.js';
import { shutdownMethodOf } from './dispatcher/dispatch-process.js';
import { Dispatcher } from './dispatcher/dispatcher.js';
import { frameOf } from './monitor/frames.js';
import { clientOptions, loadCa, resolveAll } from './shared/upsd-addresses.js';
import { Notifier } from './notifier/notifier.js';
import { MonitorShell } from './monitor/shell.js';
import { performShutdown, writePowerDownFlag } from './shared/shutdown.js';
import type { ShutdownPlan } from './supervisor/shutdown-method.js';
import { encodeFrame } from '../protocol/notify-frame/index.js';
import { connectDriverSocket, type DriverSocketTarget } from '../local-driver/driver-socket.js';

export interface SingleOptions {
  conf: UpsmonConf;
  /** LOCALMONITOR driver sockets by UPS: connected here, as root, the way the supervisor does. */
  local: ReadonlyMap<string, DriverSocketTarget>;
  reloadConf(): { conf: UpsmonConf; warnings: string[]; local: ReadonlyMap<string, DriverSocketTarget> };
  plan: ShutdownPlan;
  log: Logger;
  family: 4 | 6 | null;
  powerDownFlag: string | undefined;
  pidFile: string | undefined;
}

export async function runSingleProcess(o: SingleOptions): Promise<number> {
  const { log } = o;
  let conf = o.conf;
  let local = o.local;
  const method = shutdownMethodOf(o.plan);
  try { keepInheritedFdsFromChildren(3); } catch { /* best effort: NOTIFYCMD may then inherit them */ }
  const addresses = await resolveAll(conf, o.family, log);
  const ca = loadCa(conf);
  if (o.pidFile !== undefined) {
    try { writePidFile(o.pidFile); } catch (err) { log.warn(`Could not write the pid file ${o.pidFile}: ${(err as Error).message}`); }
  }
  // HARDNUT_WALL_PATH: another wall(1) (the demo and tests use /bin/true: no broadcast to every terminal)
  const notifierOpts = { notifyCmds: conf.notifyCmds, log, ...(process.env['HARDNUT_WALL_PATH'] ? { wallPath: process.env['HARDNUT_WALL_PATH'] } : {}) };
  const notifier = new Notifier(notifierOpts);
  let shutdown: Promise<void> | undefined;
  const dispatcher = new Dispatcher(conf, {
    notify: (n) => notifier.announce(n),
    shutdown: () => {
      shutdown = (async () => {
        if (o.powerDownFlag !== undefined) {
          try { writePowerDownFlag(o.powerDownFlag); } catch (err) { log.error(`upsmon: cannot write POWERDOWNFLAG ${o.powerDownFlag}: ${(err as Error).message}`); }
        }
        if (method === undefined) { log.error('upsmon: shutdown requested, but no shutdown command is defined'); return; }
        try { await performShutdown(method); } catch (err) { log.error(`upsmon: shutdown failed: ${(err as Error).message}`); }
      })();
    },
  });
  const pass = (bytes: Uint8Array): void => {
    const r = dispatcher.receive(bytes);
    if (!r.ok) log.error(`upsmon: internal error: ${r.reason}`);
  };

  return await new Promise<number>((resolve) => {
    const shell = new MonitorShell({
      conf,
      addresses,
      clientOptions: (host) => clientOptions(conf, host, ca),
      requestLocal: (system) => {
        const target = local.get(system);
        if (target === undefined) { shell.attachLocal(system, undefined, 'no such LOCALMONITOR'); return; }
        connectDriverSocket(target).then((sock) => shell.attachLocal(system, sock), (err: unknown) => shell.attachLocal(system, undefined, (err as Error).message));
      },
      output: {
        notify: (e) => { const b = frameOf(e); if (b) pass(b); },
        shutdown: () => pass(encodeFrame('EXEC_SHUTDOWN')),
        wall: () => undefined, // walled with the SHUTDOWN notification, as in the split
        log: (level, message) => logAt(log, level, message),
        exit: (code) => {
          void (shutdown ?? Promise.resolve()).then(() => {
            for (const sig of ['SIGUSR1', 'SIGHUP', 'SIGTERM', 'SIGINT', 'SIGQUIT'] as const) process.removeAllListeners(sig);
            if (o.pidFile !== undefined) removePidFile(o.pidFile);
            resolve(code);
          });
        },
      },
    });
    process.on('SIGUSR1', () => { dispatcher.noteUserFsd(); shell.handle({ type: 'user-fsd' }); });
    process.on('SIGHUP', () => {
      let next;
      try { next = o.reloadConf(); } catch (err) { log.error(`Reload failed, the running configuration is kept: ${(err as Error).message}`); return; }
      for (const w of next.warnings) log.warn(w);
      const missing = next.conf.monitors.filter((m) => !addresses.has(m.system));
      void resolveAll({ ...next.conf, monitors: missing }, o.family, log).then((more) => {
        for (const [k, v] of more) addresses.set(k, v);
        conf = next.conf;
        local = next.local;
        dispatcher.reload(conf);
        notifierOpts.notifyCmds = conf.notifyCmds;
        shell.handle({ type: 'reload', conf });
      });
    });
    for (const sig of ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const) process.on(sig, () => shell.handle({ type: 'stop' }));
    shell.start();
  });
}
