// upsmon's network child (DESIGN.md): the only upsmon process that reads network data. Started
// by the supervisor as `hardnut upsmon --role net` with
//   fd 0  the supervisor's control messages (protocol/control): start, reload, fsd, stop
//   fd 3  the framed pipe's write end: `[STX][type][len]<name>[ETX]` to the dispatcher
// Started as root it first resolves every MONITOR host (there is no DNS in the jail: it connects
// by address afterwards), loads the TLS trust anchors and every native library, then chroots
// into an empty root-owned directory, drops to RUN_AS_USER (default nobody) with no groups, sets
// rlimits (few descriptors, no processes, no core dumps), no_new_privs and seccomp role
// 'upsmon-net' — and only then talks to upsd. Without root: the same, minus chroot, user change
// and (unless HARDNUT_SECCOMP says otherwise) seccomp.
//
// It runs the monitor (shell.ts). Notifications and the shutdown request become frames; if the
// dispatcher is gone (the pipe closed or a write failed) it says NOPARENT in its log, as NUT's
// child does — it cannot frame it to a dead dispatcher — and keeps monitoring.

import net from 'node:net';
import type { Logger } from '../../runtime/log.js';
import { preloadTls } from '../../client/client.js';
import type { ServerAddress } from '../../client/ups-spec.js';
import type { UpsmonConf } from '../../core/config/upsmon-conf.js';
import { encodeFrame } from '../../protocol/notify-frame/index.js';
import { isRoot } from '../../sandbox/drop-privileges.js';
import { highestOpenFd } from '../../sandbox/rlimits.js';
import { confine } from '../../sandbox/confine.js';
import { installFatalHandlers } from '../../sandbox/fatal.js';
import { childLogger, firstControl, leaveTerminalSignalsToSupervisor, logAt } from '../shared/child-io.js';
import type { ControlMessage, NetStart } from '../../protocol/control/index.js';
import { EXIT_RESOLVE_RETRY } from '../shared/exit-codes.js';
import { frameOf } from './frames.js';
import { MonitorShell } from './shell.js';
import { RuleRunner } from './rule-runner.js';
import { loadUpsmonRules } from '../../runtime/rules-file.js';
import { ruleTargetProblems } from '../shared/rule-targets.js';
import { clientOptions, loadCa, resolveAll } from '../shared/upsd-addresses.js';
import { prepareForJail } from '../shared/jail-prep.js';
import { localSocketMessage } from '../../local-driver/messages.js';

/** The monitor's phases in which it takes a reload (monitor.ts onReload); in the others it ignores it. */
const RELOADABLE_PHASES: ReadonlySet<string> = new Set(['new', 'polling', 'sleeping', 'suspended']);

/** After a failed name resolution, the child restarts itself this much later to try again. */
export const RESOLVE_RETRY_MS = 60_000;
/** Descriptors the jailed child may open beyond those it has: its connections, and slack for libuv. */
export const NOFILE_HEADROOM = 16;
export const FRAME_FD = 3;
/** LOCALMONITOR: Node's IPC channel from the supervisor, carrying driver sockets (supervisor.ts LOCAL_IPC_FD). */
export const LOCAL_IPC_FD = 4;

/**
 * The role this child confines itself to: with only LOCALMONITOR lines it needs no Internet
 * socket at all, so it runs as 'upsmon-local' (AF_UNIX only); with any MONITOR, 'upsmon-net'.
 */
export function netChildRole(conf: UpsmonConf): 'upsmon-local' | 'upsmon-net' {
  return conf.monitors.every((m) => m.local === true) ? 'upsmon-local' : 'upsmon-net';
}

export async function runNetChild(): Promise<number> {
  leaveTerminalSignalsToSupervisor();
  const early = childLogger({ syslog: false, debug: 0 });
  const pending: ControlMessage[] = [];
  let handle: ((m: ControlMessage) => void) | undefined;
  let start: ControlMessage;
  try {
    start = await firstControl('net', early, (m) => (handle ? handle(m) : pending.push(m)), () => log.debug(1, 'upsmon: the supervisor is gone; monitoring goes on'));
  } catch (err) {
    early.error(`upsmon: ${(err as Error).message}`);
    return 1;
  }
  if (start.t !== 'start' || !('jail' in start)) {
    early.error('upsmon: the first control message is not a network-child start');
    return 1;
  }
  const s: NetStart = start;
  // syslog is opened (and connected) here, before the jail hides /dev/log
  const log = childLogger(s.log);
  installFatalHandlers('upsmon', log);
  const family = s.family;
  let conf = s.conf;

  // upsrules.conf is read here, before the jail hides it (issue 16); unusable: no monitoring
  const rules = loadUpsmonRules(process.env, (m) => log.error(`upsmon: ${m}`), (rs) => ruleTargetProblems(rs, conf));
  if (rules.failed) return 1;

  const addresses = await resolveAll(conf, family, log);
  let tlsCa: string[] | undefined;
  let jailed: boolean;
  try {
    tlsCa = loadCa(conf);
    jailed = await enterSandbox(s, conf, log);
  } catch (err) {
    log.error(`upsmon: ${(err as Error).message}`);
    return 1;
  }

  return await new Promise<number>((resolve) => {
    let parentGone = false;
    let exiting = false;
    const frames = new net.Socket({ fd: FRAME_FD, readable: true, writable: true });
    const gone = (): void => {
      if (!parentGone && !exiting) log.error('upsmon: the dispatcher is gone (its end of the pipe closed)');
      parentGone = true;
    };
    frames.on('end', gone);
    frames.on('close', gone);
    frames.on('error', gone);
    frames.resume();

    const send = (bytes: Uint8Array, what: string): void => {
      if (parentGone) {
        log.error(`upsmon: cannot tell the dispatcher (${what}): it is gone`);
        return;
      }
      frames.write(bytes);
    };
    const exit = (code: number): void => {
      if (exiting) return;
      exiting = true;
      const t = setTimeout(() => resolve(code), 1000);
      frames.end(() => { clearTimeout(t); resolve(code); });
    };

    const shell: MonitorShell = new MonitorShell({
      conf,
      addresses,
      clientOptions: (host) => clientOptions(conf, host, tlsCa),
      parentAlive: () => !parentGone,
      ...(rules.ruleSet ? { rules: new RuleRunner(rules.ruleSet, conf.monitors.map((m) => m.system)) } : {}),
      requestLocal: (system) => {
        if (process.send === undefined || !process.connected) { shell.attachLocal(system, undefined, 'no channel to the supervisor (restart upsmon after adding LOCALMONITOR)'); return; }
        process.send({ t: 'local-connect', ups: system });
      },
      output: {
        notify: (e) => {
          if (parentGone) { logAt(log, e.type === 'NOPARENT' ? 'alert' : 'notice', e.message); return; }
          let bytes: Uint8Array | undefined;
          try { bytes = frameOf(e); } catch (err) { log.error(`upsmon: cannot frame ${e.type}: ${(err as Error).message}`); return; }
          if (bytes) send(bytes, e.type);
        },
        shutdown: () => send(encodeFrame('EXEC_SHUTDOWN'), 'shutdown'),
        rule: (type, name) => send(encodeFrame(type, name), `${type} ${name}`),
        wall: () => undefined, // the dispatcher walls NUT's shutdown message when SHUTDOWN arrives
        log: (level, message) => logAt(log, level, message),
        exit,
      },
    });

    process.on('message', (m: unknown, sock: unknown) => {
      const msg = localSocketMessage(m);
      if (msg === undefined) return;
      shell.attachLocal(msg.ups, sock instanceof net.Socket ? sock : undefined, msg.error ?? (sock === undefined ? 'no descriptor' : undefined));
    });
    process.channel?.unref();

    handle = (m: ControlMessage): void => {
      switch (m.t) {
        case 'fsd': shell.handle({ type: 'user-fsd' }); break;
        case 'stop': shell.handle({ type: 'stop' }); break;
        case 'reload': {
          const next = m.conf;
          // A forced shutdown in progress ignores a reload (the monitor says so): no restart may
          // cut it short and start it again (issue 14: a reload that switches the source).
          if (!RELOADABLE_PHASES.has(shell.phase)) { shell.handle({ type: 'reload', conf: next }); break; }
          // the confinement chosen at start (role, IPC channel) must still fit
          if (netChildRole(next) !== netChildRole(conf) || (next.monitors.some((x) => x.local === true) && process.send === undefined)) {
            log.info('upsmon: the reloaded configuration changes between MONITOR and LOCALMONITOR: restarting the network child');
            exit(EXIT_RESOLVE_RETRY);
            break;
          }
          // addresses known without DNS: IP literals, and hosts some MONITOR already resolved
          for (const x of next.monitors) {
            if (addresses.has(x.system) || x.local === true) continue;
            const ips = knownAddresses(x.host, conf, addresses);
            if (ips) addresses.set(x.system, ips.map((host) => ({ host, port: x.port })));
          }
          const missing = next.monitors.filter((x) => !addresses.has(x.system) && x.local !== true);
          if (missing.length === 0) { conf = next; shell.handle({ type: 'reload', conf: next }); break; }
          // no DNS in the jail (no resolver files, and seccomp forbids opening any)
          if (jailed) {
            log.info('upsmon: the reloaded configuration has new MONITOR hosts: restarting the network child to resolve them');
            exit(EXIT_RESOLVE_RETRY);
            break;
          }
          void resolveAll(next, family, log).then((more) => {
            for (const [k, v] of more) addresses.set(k, v);
            conf = next;
            shell.handle({ type: 'reload', conf: next });
          });
          break;
        }
        default: break;
      }
    };
    for (const m of pending.splice(0)) handle(m);

    if ([...addresses.values()].some((a) => a.length === 0)) {
      setTimeout(() => {
        if (shell.phase !== 'polling' && shell.phase !== 'sleeping') return;
        log.info('upsmon: retrying the MONITOR hosts that did not resolve: restarting the network child');
        exit(EXIT_RESOLVE_RETRY);
      }, RESOLVE_RETRY_MS);
    }
    process.on('SIGTERM', () => shell.handle({ type: 'stop' }));
    shell.start();
  });
}

/** Resolve (done by the caller), then the one pipeline: jail, drop, limit, filter. True if jailed. */
async function enterSandbox(s: NetStart, conf: UpsmonConf, log: Logger): Promise<boolean> {
  const role = netChildRole(conf);
  // STARTTLS happens inside the jail, where no module can be loaded: node:tls comes in now
  if (role === 'upsmon-net') await preloadTls();
  // Nothing whoever started upsmon left open comes into the jail (0–2 stdio, 3 the pipe, 4 the
  // supervisor's IPC channel with LOCALMONITOR).
  if (isRoot()) await prepareForJail(process.send !== undefined ? LOCAL_IPC_FD : FRAME_FD, log);
  const nofile = highestOpenFd() + 1 + NOFILE_HEADROOM + 2 * conf.monitors.length;
  const c = await confine({
    role, log, env: { HARDNUT_SECCOMP: s.seccomp }, user: s.user,
    ...(s.jail !== null ? { jail: s.jail } : {}),
    computed: { RLIMIT_NOFILE: nofile },
  });
  return c.jail !== undefined;
}

/** A host's addresses without asking DNS: an IP literal, or what a MONITOR on that host resolved to. */
function knownAddresses(host: string, conf: UpsmonConf, addresses: ReadonlyMap<string, ServerAddress[]>): string[] | undefined {
  if (net.isIP(host) !== 0) return [host];
  for (const m of conf.monitors) {
    const known = m.host === host ? addresses.get(m.system) : undefined;
    if (known !== undefined && known.length > 0) return known.flatMap((a) => ('host' in a ? [a.host] : []));
  }
  return undefined;
}
