// The supervisor's channels to upsmon's children (not the framed pipe, which goes from the network
// child to the dispatcher and which the supervisor never touches). Pure codecs.
//
// supervisor → child, on the child's stdin: one JSON message per line. The first is `start` (the
// configuration the supervisor read as root, so both children see the same MONITOR list and no
// password ever travels on a command line); then `reload`, `fsd`, `stop`, and for the dispatcher
// `flag-written`. The direction is from the more trusted process to the less trusted one; the
// supervisor reads nothing from the network child at all. Each message is still decoded field by
// field (schema.ts) and not cast: a child acts only on a value whose every field has its type and
// bound, and anything else is refused whole.
//
// dispatcher → supervisor, on the dispatcher's fd 4: single bytes from a fixed set, 'F' (a user FSD
// was noted: forward it to the network child now) and 'S' (a valid shutdown request arrived: write
// POWERDOWNFLAG), and rule frames (inbox.ts, issue 16). Any other byte is ignored and logged.
//
// supervisor → rule-action child (issue 16): one `start` naming the rule, its event, the UPS
// actions the supervisor's own copy of upsrules.conf gives it, and the one MONITOR to log in with.

import { MAX_ARG_LEN, MAX_ARGS } from '../../core/tokenizer.js';
import { NOTIFY_FLAGS, NOTIFY_TYPES, SHUTDOWN_METHODS, type UpsmonConf } from '../../core/config/upsmon-conf.js';
import { MAX_ACTIONS_PER_RULE, MAX_NAME_CHARS } from '../rules/limits.js';
import { arr, bool, int, nullable, obj, oneOf, recordOf, SchemaError, str, type Check } from './schema.js';

/** How the supervisor hands the shutdown to the dispatcher (chosen in upsmon/supervisor/shutdown-method.ts). */
export type ShutdownPlan =
  | { kind: 'socket'; path: string; keyPath: string }
  | { kind: 'helper'; path: string; keyPath: string }
  | { kind: 'initctl'; path: string | null }
  | { kind: 'command'; argv: string[] }
  /** Not root and no SHUTDOWNCMD: a shutdown can only be logged (NUT warns the same way). */
  | { kind: 'none' };

/** How the children log: stderr (foreground) or syslog (background), and the -D level. */
export interface LogSettings {
  syslog: boolean;
  debug: number;
}

export type SeccompSetting = 'enforce' | 'log' | 'off';

export interface NetStart {
  t: 'start';
  conf: UpsmonConf;
  log: LogSettings;
  /** RUN_AS_USER (or -u); applied only when started as root. */
  user: string;
  /** The empty root-owned directory to chroot into; only when started as root. */
  jail: string | null;
  seccomp: SeccompSetting;
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
  seccomp: SeccompSetting;
}

/** The notifier (issue 20 item 6): runs NOTIFYCMD, wall and syslog for the frames the dispatcher forwards. */
export interface NotifyStart {
  t: 'start';
  /** The configuration with every password blanked: messages, flags, NOTIFYCMDs, MONITOR names. */
  conf: UpsmonConf;
  log: LogSettings;
  /** NOTIFYUSER (else the dispatcher's user), dropped to when started as root. */
  user: string;
  seccomp: SeccompSetting;
}

/** A UPS action of upsrules.conf (protocol/rules Action), as the supervisor hands it to the rule-action child. */
export type RuleUpsAction = { kind: 'fsd' } | { kind: 'instcmd'; command: string };

/** The short-lived rule-action child (upsmon/action/): log in to upsd, send FSD / INSTCMD, exit. */
export interface RuleActionStart extends NetStart {
  // conf: upsmon.conf with one MONITOR, the rule's UPS (its password kept): the child knows no other
  rule: string;
  event: 'fire' | 'clear';
  actions: RuleUpsAction[];
}

export type ControlMessage =
  | NetStart
  | DispatchStart
  | NotifyStart
  | RuleActionStart
  | { t: 'reload'; conf: UpsmonConf }
  | { t: 'fsd' }
  | { t: 'stop' }
  | { t: 'flag-written' };

/** Bytes the dispatcher sends the supervisor. */
export const CTRL_FSD_NOTED = 0x46; // 'F'
export const CTRL_SHUTDOWN = 0x53; // 'S'

/** A control line longer than this is refused (a configuration is a few KiB). */
export const MAX_CONTROL_LINE = 1 << 20;
/** MONITOR lines one upsmon takes (NUT has no limit; thousands would not fit a line anyway). */
export const MAX_MONITORS = 1024;
/** A path, user or group name on the channel: PATH_MAX. */
export const MAX_PATH = 4096;
/** The highest -D level anything distinguishes. */
export const MAX_DEBUG = 99;
/** Seconds and counts in upsmon.conf: what parseInteger reads exactly (15 digits). */
const ANY_INT = int(-999_999_999_999_999, 999_999_999_999_999);
const COUNT = int(0, 999_999_999_999_999);

/** A token from upsmon.conf: at most the tokenizer's word length. */
const word = str(MAX_ARG_LEN);
const argv = arr(word, MAX_ARGS);
const path = str(MAX_PATH);
/** An account name as useradd allows it (and the dispatcher looks it up in /etc/passwd). */
const account = str(256, /^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/);

const monitor = obj({
  system: str(2 * MAX_ARG_LEN), upsName: word, host: word, port: int(0, 65535), powerValue: COUNT,
  user: word, password: word, role: oneOf('primary', 'secondary'), line: COUNT,
}, { local: bool });

const certHost = obj({ host: word, certName: word, verify: bool, forceSsl: bool, line: COUNT });

const placedPath = obj({ value: path, line: COUNT });
/** upsmon.conf's shutdown directives (the supervisor decides from them; children carry them along). */
const shutdownSettings = obj({}, {
  method: obj({ value: oneOf(...SHUTDOWN_METHODS), line: COUNT }), cmdLine: COUNT,
  helper: placedPath, socket: placedPath, intentKey: placedPath, initctl: placedPath,
});

const upsmonConf: Check<UpsmonConf> = obj({
  monitors: arr(monitor, MAX_MONITORS),
  minSupplies: COUNT,
  shutdownExit: ANY_INT,
  notifyCmds: arr(argv, MAX_MONITORS),
  notifyMessages: recordOf(NOTIFY_TYPES, word, false),
  notifyFlags: recordOf(NOTIFY_TYPES, arr(oneOf(...NOTIFY_FLAGS), NOTIFY_FLAGS.length), true),
  pollFreq: ANY_INT, pollFreqAlert: ANY_INT, deadTime: ANY_INT, hostSync: ANY_INT, finalDelay: ANY_INT,
  rbWarnTime: ANY_INT, noCommWarnTime: ANY_INT, offDuration: ANY_INT, overDuration: ANY_INT, oblbDuration: ANY_INT,
  alarmCritical: bool,
  pollFailLogThrottleMax: ANY_INT,
  certHosts: arr(certHost, MAX_MONITORS),
  certVerify: bool,
  forceSsl: bool,
}, {
  shutdownCmd: argv,
  shutdownCmdLine: str(MAX_ARGS * (MAX_ARG_LEN + 3)),
  powerDownFlag: word,
  runAsUser: word,
  notifyUser: word,
  certPath: word,
  certFile: word,
  certIdent: obj({ name: word, password: word }),
  debugMin: COUNT,
  shutdown: shutdownSettings,
}) as Check<UpsmonConf>;

const logSettings: Check<LogSettings> = obj({ syslog: bool, debug: int(0, MAX_DEBUG) });
const seccomp = oneOf('enforce', 'log', 'off');

const plan: Check<ShutdownPlan> = (v, p) => {
  const kind = typeof v === 'object' && v !== null ? (v as { kind?: unknown }).kind : undefined;
  switch (kind) {
    case 'socket':
    case 'helper': return obj({ kind: oneOf(kind), path, keyPath: path })(v, p);
    case 'initctl': return obj({ kind: oneOf('initctl'), path: nullable(path) })(v, p);
    case 'command': return obj({ kind: oneOf('command'), argv })(v, p);
    case 'none': return obj({ kind: oneOf('none') })(v, p);
    default: throw new SchemaError(`${p}.kind`, 'not a shutdown plan');
  }
};

const netStartFields = {
  t: oneOf('start'), conf: upsmonConf, log: logSettings, user: account, jail: nullable(path), seccomp, family: oneOf(4, 6, null),
};
const netStart: Check<NetStart> = obj(netStartFields);
const dispatchStart: Check<DispatchStart> = obj({
  t: oneOf('start'), conf: upsmonConf, log: logSettings, plan, user: account, group: nullable(account), seccomp,
});

const notifyStart: Check<NotifyStart> = obj({
  t: oneOf('start'), conf: upsmonConf, log: logSettings, user: account, seccomp,
});

/** A rule name or an instant command, as the rule parser bounds them. */
const ruleWord = str(MAX_NAME_CHARS, /^[A-Za-z0-9._@:[\]+-]+$/);

const ruleUpsAction: Check<RuleUpsAction> = (v, p) => {
  const kind = typeof v === 'object' && v !== null ? (v as { kind?: unknown }).kind : undefined;
  if (kind === 'fsd') return obj({ kind: oneOf('fsd') })(v, p);
  if (kind === 'instcmd') return obj({ kind: oneOf('instcmd'), command: ruleWord })(v, p);
  throw new SchemaError(`${p}.kind`, 'not a rule action');
};

const ruleActionStart: Check<RuleActionStart> = obj({
  ...netStartFields,
  rule: ruleWord, event: oneOf('fire', 'clear'), actions: arr(ruleUpsAction, MAX_ACTIONS_PER_RULE),
});

/** Which start message a child expects: they differ in fields, so each child names its own. */
export type ControlPeer = 'net' | 'dispatch' | 'notify' | 'rule-action';

const BY_TYPE: Record<string, (peer: ControlPeer) => Check<ControlMessage>> = {
  'start': (peer) => (peer === 'net' ? netStart : peer === 'notify' ? notifyStart : peer === 'rule-action' ? ruleActionStart : dispatchStart),
  'reload': () => obj({ t: oneOf('reload'), conf: upsmonConf }),
  'fsd': () => obj({ t: oneOf('fsd') }),
  'stop': () => obj({ t: oneOf('stop') }),
  'flag-written': () => obj({ t: oneOf('flag-written') }),
};

export type DecodedControl = { ok: true; message: ControlMessage } | { ok: false; reason: string };

export function encodeControl(m: ControlMessage): string {
  return `${JSON.stringify(m)}\n`;
}

/** Decodes one line for a child of kind `peer`: every field checked, or the reason it is refused. */
export function decodeControl(line: string, peer: ControlPeer): DecodedControl {
  if (line.length > MAX_CONTROL_LINE) return { ok: false, reason: `line longer than ${MAX_CONTROL_LINE}` };
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const t = typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as { t?: unknown }).t : undefined;
  const check = typeof t === 'string' && Object.hasOwn(BY_TYPE, t) ? BY_TYPE[t] : undefined;
  if (!check) return { ok: false, reason: 'not a control message' };
  try {
    return { ok: true, message: check(peer)(v, 'message') };
  } catch (err) {
    if (err instanceof SchemaError) return { ok: false, reason: err.message };
    throw err;
  }
}

/** Decodes one line; undefined if it is not a valid control message for this peer. */
export function parseControl(line: string, peer: ControlPeer): ControlMessage | undefined {
  const r = decodeControl(line, peer);
  return r.ok ? r.message : undefined;
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
