// What both of upsmon's child processes do alike: read the supervisor's control messages from
// stdin, log at the monitor's levels, and keep terminal signals for the supervisor to handle.

import { Logger } from '../../runtime/log.js';
import { LineSplitter, decodeControl, type ControlMessage, type ControlPeer, type LogSettings } from '../../protocol/control/index.js';
import type { LogLevel } from './types.js';

/** Calls `onMessage` for each control message on stdin, `onEnd` when the supervisor is gone. */
export function readControl(peer: ControlPeer, onMessage: (m: ControlMessage) => void, onEnd: () => void, log: Logger): void {
  const split = new LineSplitter();
  process.stdin.on('data', (chunk: Buffer) => {
    const { lines, overflow } = split.push(chunk);
    if (overflow) log.error('upsmon: control message too long: ignored');
    for (const line of lines) {
      if (line === '') continue;
      const r = decodeControl(line, peer);
      if (r.ok) onMessage(r.message);
      else log.error(`upsmon: control message refused (${r.reason}): ignored`);
    }
  });
  process.stdin.on('end', onEnd);
  process.stdin.on('error', onEnd);
}

/** The first control message (`start`), then every later one through `onMessage`. */
export function firstControl(peer: ControlPeer, log: Logger, onMessage: (m: ControlMessage) => void, onEnd: () => void): Promise<ControlMessage> {
  return new Promise((resolve, reject) => {
    let started = false;
    readControl(peer, (m) => {
      if (!started) {
        started = true;
        resolve(m);
        return;
      }
      onMessage(m);
    }, () => {
      if (!started) reject(new Error('the supervisor closed the control channel before starting this process'));
      else onEnd();
    }, log);
  });
}

export function childLogger(settings: LogSettings): Logger {
  const log = new Logger('upsmon');
  log.debugLevel = settings.debug;
  if (settings.syslog) {
    try { log.useSyslog(); } catch { /* no syslog: keep stderr */ }
  }
  return log;
}

/** The monitor's syslog levels onto the logger's (alert and crit are errors there). */
export function logAt(log: Logger, level: LogLevel, message: string): void {
  switch (level) {
    case 'alert': case 'crit': case 'err': log.error(message); break;
    case 'warning': log.warn(message); break;
    case 'notice': log.notice(message); break;
    case 'info': log.info(message); break;
    case 'debug': log.debug(1, message); break;
  }
}

/**
 * Ctrl-C and a hang-up reach the whole process group: the supervisor decides what they mean
 * (stop, reload) and tells the children over the control channel, so they ignore them here.
 */
export function leaveTerminalSignalsToSupervisor(): void {
  for (const sig of ['SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const) process.on(sig, () => undefined);
}
