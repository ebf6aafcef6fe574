// The exporter's LOCAL lines (issue 18), in two processes, as upsmon's LOCALMONITOR (issue 14):
//   - runLocalParent: `hardnut exporter` started with LOCAL lines stays root, small: it finds each
//     driver socket in ups.conf, starts the exporter proper as its child (`--role jailed`) with
//     Node's IPC channel on fd 3, and when the child asks connects to a driver socket and passes
//     the descriptor in (local-driver/serve.ts). It reads nothing from a driver and parses
//     nothing but the child's bounded requests (local-driver/ipc-guard.ts). It ends with the child.
//   - LocalDrivers: in the jailed child (nobody, empty chroot, seccomp), one upsmon LocalLink per
//     UPS (DUMPALL, PINGs, upsd's staleness model, reconnect with backoff when a driver restarts).
// The jail has no path to the sockets: every one arrives by SCM_RIGHTS (hence recvmsg in
// policy/seccomp/exporter.json).

import { spawn } from 'node:child_process';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { ConfigError } from '../core/errors.js';
import type { DriverSocketTarget } from '../local-driver/driver-socket.js';
import { guardIpcChannel, ipcMessageBudget } from '../local-driver/ipc-guard.js';
import { localSocketMessage, type LocalConnectRequest } from '../local-driver/messages.js';
import { serveDriverSockets } from '../local-driver/serve.js';
import { driverSocketLookup } from '../local-driver/targets.js';
import type { Logger } from '../runtime/log.js';
import { keepInheritedFdsFromChildren } from '../sandbox/fds.js';
import { LocalLink } from '../upsmon/monitor/local-link.js';
import { logAt } from '../upsmon/shared/child-io.js';
import type { LocalConf } from './config.js';
import type { LocalUps } from './poller.js';

/** The hidden argv that starts the jailed exporter under the root parent: `exporter --role jailed …`. */
export const JAILED_ROLE_ARGS = ['--role', 'jailed'] as const;

export function isJailedChild(argv: readonly string[]): boolean {
  return argv[0] === JAILED_ROLE_ARGS[0] && argv[1] === JAILED_ROLE_ARGS[1];
}

/**
 * Root's side: resolves every LOCAL line's socket (a file:line error for a UPS ups.conf lacks),
 * runs the exporter as its child and serves it driver sockets; returns the child's exit code.
 */
export async function runLocalParent(argv: readonly string[], locals: readonly LocalConf[], file: string, env: NodeJS.ProcessEnv, log: Logger): Promise<number> {
  const targets = new Map<string, DriverSocketTarget>();
  try {
    const lookup = driverSocketLookup(env);
    for (const l of locals) {
      const t = lookup(l.ups);
      if (typeof t === 'string') throw new ConfigError(file, l.line, `LOCAL ${l.ups}: ${t}`);
      targets.set(l.ups, { path: t.path, owners: t.owners });
    }
  } catch (e) { log.error(`exporter: ${(e as Error).message}`); return 1; }
  // descriptors inherited from whoever started us must not reach the jail
  try { keepInheritedFdsFromChildren(); } catch (e) { log.warn(`exporter: cannot mark inherited descriptors close-on-exec: ${(e as Error).message}`); }
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1] as string, 'exporter', ...JAILED_ROLE_ARGS, ...argv], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...env, MALLOC_ARENA_MAX: '1' }, // arena.ts: set before the child starts, no re-exec
  });
  return await new Promise<number>((resolve) => {
    const forward = (sig: NodeJS.Signals) => (): void => { child.kill(sig); };
    const onTerm = forward('SIGTERM');
    const onInt = forward('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
    let violated = false;
    child.on('exit', (code, signal) => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      if (signal !== null && !violated) log.error(`exporter: the jailed exporter ended on ${signal}`);
      resolve(violated ? 1 : code ?? (signal === 'SIGTERM' || signal === 'SIGINT' ? 0 : 1));
    });
    child.on('error', (e) => { log.error(`exporter: cannot start the jailed exporter: ${e.message}`); resolve(1); });
    try {
      guardIpcChannel(child, () => ipcMessageBudget(targets.size), (why) => {
        violated = true;
        log.error(`exporter: the jailed exporter sent ${why}: killing it`);
        // Root without CAP_KILL (the unit's bounding set) cannot signal nobody: then the channel
        // is closed, the child exits when it sees that, and this parent exits now.
        if (!child.kill('SIGKILL')) { if (child.connected) child.disconnect(); resolve(1); }
      });
    } catch (e) {
      // fail closed: root does not read an unbounded channel from the jail
      log.error(`exporter: ${(e as Error).message}: exiting`);
      violated = true;
      child.kill('SIGKILL');
      return;
    }
    serveDriverSockets(child, () => targets, (ups, why) => log.error(`exporter: LOCAL ${ups}: not connecting: ${why}`));
  });
}

/**
 * The jailed side, as root before the jail: each LOCAL UPS's `desc` in ups.conf (LIST UPS's
 * description under upsd). The parent has checked the file; a failure here only loses the text.
 */
export function localDescriptions(locals: readonly LocalConf[], env: NodeJS.ProcessEnv): Map<string, string> {
  const out = new Map<string, string>();
  try {
    const lookup = driverSocketLookup(env);
    for (const l of locals) { const t = lookup(l.ups); if (typeof t !== 'string' && t.desc !== undefined) out.set(l.ups, t.desc); }
  } catch { /* the parent reported it */ }
  return out;
}

/** The jailed side: one LocalLink per LOCAL UPS, its sockets asked of the root parent. */
export class LocalDrivers {
  readonly upses: LocalUps[];
  private readonly links = new Map<string, LocalLink>();
  private readonly onMessage: (m: unknown, handle: unknown) => void;

  /** Call after confine(): driver data is parsed only in the jail. `gone` is told when root is. */
  constructor(locals: readonly LocalConf[], descriptions: ReadonlyMap<string, string>, send: (m: LocalConnectRequest) => void, log: Logger, gone: () => void) {
    for (const l of locals) {
      const link = new LocalLink({
        system: l.ups,
        request: () => { if (process.connected) send({ t: 'local-connect', ups: l.ups } satisfies LocalConnectRequest); },
        changed: () => undefined, // read at each poll (poller.ts readLocal)
        log: (level, message) => logAt(log, level, `exporter: ${message}`),
      });
      link.state.entry.desc = descriptions.get(l.ups);
      this.links.set(l.ups, link);
    }
    this.upses = [...this.links].map(([name, link]) => ({ name, entry: link.state.entry }));
    this.onMessage = (m, handle) => {
      const msg = localSocketMessage(m);
      const link = msg === undefined ? undefined : this.links.get(msg.ups);
      const sock = handle instanceof net.Socket ? handle : undefined;
      if (msg === undefined || link === undefined) { sock?.destroy(); return; }
      link.attach(sock as Duplex | undefined, msg.error ?? (sock === undefined ? 'no descriptor' : undefined));
    };
    process.on('message', this.onMessage);
    process.once('disconnect', () => { log.error('exporter: the root parent is gone: LOCAL UPSes can no longer be reconnected; exiting'); gone(); });
    process.channel?.unref();
  }

  close(): void {
    process.off('message', this.onMessage);
    for (const l of this.links.values()) l.close();
  }
}
