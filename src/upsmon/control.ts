// The supervisor's channels to upsmon's two children (not the framed pipe, which goes from the
// network child to the dispatcher and which the supervisor never touches). Pure codecs.
//
// supervisor → child, on the child's stdin: one JSON message per line. The first is `start`
// (the configuration the supervisor read as root, so both children see the same MONITOR list
// and no password ever travels on a command line); then `reload`, `fsd`, `stop`, and for the
// dispatcher `flag-written`. The direction is from the more trusted process to the less trusted
// one; the supervisor reads nothing from the network child at all.
//
// dispatcher → supervisor, on the dispatcher's fd 4: single bytes from a fixed set, 'F' (a user
// FSD was noted: forward it to the network child now) and 'S' (a valid shutdown request arrived:
// write POWERDOWNFLAG). Any other byte is ignored and logged.

import type { UpsmonConf } from '../core/config/upsmon-conf.js';
import type { ShutdownPlan } from './shutdown-method.js';

/** How the children log: stderr (foreground) or syslog (background), and the -D level. */
export interface LogSettings {
  syslog: boolean;
  debug: number;
}

export interface NetStart {
  t: 'start';
  conf: UpsmonConf;
  log: LogSettings;
  /** RUN_AS_USER (or -u); applied only when started as root. */
  user: string;
  /** The empty root-owned directory to chroot into; only when started as root. */
  jail: string | null;
  seccomp: 'enforce' | 'log' | 'off';
  /** -4 / -6: resolve MONITOR hosts to this address family only. */
  family: 4 | 6 | null;
}

export interface DispatchStart {
  t: 'start';
  /** The configuration with every password blanked: the dispatcher never needs them. */
  conf: UpsmonConf;
  log: LogSettings;
  plan: ShutdownPlan;
  /** The account the dispatcher drops to (and its extra group), when started as root. */
  user: string;
  group: string | null;
  seccomp: 'enforce' | 'log' | 'off';
}

export type ControlMessage =
  | NetStart
  | DispatchStart
  | { t: 'reload'; conf: UpsmonConf }
  | { t: 'fsd' }
  | { t: 'stop' }
  | { t: 'flag-written' }
  /** Test knob only (see supervisor.ts, HARDNUT_UPSMON_TEST_INJECT): the network child writes a bad frame. */
  | { t: 'test-inject'; kind: InjectKind };

export const INJECT_KINDS = ['garbage', 'unknown-name', 'out-of-order'] as const;
export type InjectKind = (typeof INJECT_KINDS)[number];

/** Bytes the dispatcher sends the supervisor. */
export const CTRL_FSD_NOTED = 0x46; // 'F'
export const CTRL_SHUTDOWN = 0x53; // 'S'

/** A control line longer than this is refused (a configuration is a few KiB). */
export const MAX_CONTROL_LINE = 1 << 20;

export function encodeControl(m: ControlMessage): string {
  return `${JSON.stringify(m)}\n`;
}

const TYPES = new Set(['start', 'reload', 'fsd', 'stop', 'flag-written', 'test-inject']);

/** Parses one line; undefined if it is not a control message. */
export function parseControl(line: string): ControlMessage | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null || !('t' in v)) return undefined;
  const t = (v as { t: unknown }).t;
  return typeof t === 'string' && TYPES.has(t) ? (v as ControlMessage) : undefined;
}

/** Splits a byte stream into lines; refuses a line over MAX_CONTROL_LINE. */
export class LineSplitter {
  private buf = '';

  push(chunk: Buffer | string): { lines: string[]; overflow: boolean } {
    this.buf += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    const lines: string[] = [];
    let i: number;
    while ((i = this.buf.indexOf('\n')) >= 0) {
      lines.push(this.buf.slice(0, i));
      this.buf = this.buf.slice(i + 1);
    }
    const overflow = this.buf.length > MAX_CONTROL_LINE;
    if (overflow) this.buf = '';
    return { lines, overflow };
  }
}

/** The configuration as the dispatcher gets it: no MONITOR password, no CERTIDENT password. */
export function withoutSecrets(conf: UpsmonConf): UpsmonConf {
  const c: UpsmonConf = { ...conf, monitors: conf.monitors.map((m) => ({ ...m, password: '' })) };
  if (c.certIdent) c.certIdent = { ...c.certIdent, password: '' };
  return c;
}
