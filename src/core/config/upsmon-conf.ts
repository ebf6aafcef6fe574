// upsmon.conf reader (spec §4.4, notification types §5.8). Pure: bytes in, typed value and
// diagnostics out. Directive keywords are case-sensitive (strcmp in NUT) except DEBUG_MIN.
// No password (MONITOR, CERTIDENT) ever appears in a diagnostic.

import {
  DiagnosticList, tokenizeConfig, parseInteger, parseCount, directiveLabel, closest,
} from './diagnostics.js';
import type { ConfigResult } from './diagnostics.js';
import { commandLine } from './command-line.js';

/** The notification types of §5.8, in NUT's table order. Compared case-insensitively. */
export const NOTIFY_TYPES = [
  'ONLINE', 'ONBATT', 'LOWBATT', 'FSD', 'COMMOK', 'COMMBAD', 'SHUTDOWN', 'SHUTDOWN_HOSTSYNC',
  'REPLBATT', 'NOCOMM', 'NOPARENT', 'CAL', 'NOTCAL', 'OFF', 'NOTOFF', 'BYPASS', 'NOTBYPASS',
  'ECO', 'NOTECO', 'ALARM', 'NOTALARM', 'OVER', 'NOTOVER', 'TRIM', 'NOTTRIM', 'BOOST', 'NOTBOOST',
  'OTHER', 'NOTOTHER', 'SUSPEND_TIMEJUMP_UNEXPECTED', 'SUSPEND_STARTING', 'SUSPEND_FINISHED',
] as const;
export type NotifyType = (typeof NOTIFY_TYPES)[number];

/** NOTIFYFLAG words; case-sensitive (§1.6). */
export const NOTIFY_FLAGS = ['SYSLOG', 'WALL', 'EXEC', 'IGNORE'] as const;
export type NotifyFlag = (typeof NOTIFY_FLAGS)[number];

/** Every type starts with SYSLOG+WALL (§4.4). */
export const DEFAULT_NOTIFY_FLAGS: readonly NotifyFlag[] = ['SYSLOG', 'WALL'];

/** The notify type for a name in any case, or undefined. */
export function notifyTypeOf(name: string): NotifyType | undefined {
  const up = name.toUpperCase();
  return NOTIFY_TYPES.find((t) => t === up);
}

/** How many `%s` a NOTIFYMSG template may hold: ALARM and OTHER carry a second string (§5.8). */
export function maxPlaceholders(type: NotifyType): number {
  return type === 'ALARM' || type === 'OTHER' ? 2 : 1;
}

/**
 * Checks a NOTIFYMSG template the way NUT 2.8.x's snprintf_dynamic does since #2450: only `%s`
 * (up to maxPlaceholders) and the literal `%%`. Returns a problem description, or undefined.
 */
export function checkNotifyTemplate(type: NotifyType, template: string): string | undefined {
  let count = 0;
  for (let i = 0; i < template.length; i++) {
    if (template[i] !== '%') continue;
    const next = template[i + 1];
    if (next === '%') { i++; continue; }
    if (next === 's') { count++; i++; continue; }
    const conv = next === undefined ? 'a lone % at the end' : `%${next}`;
    return `the message contains ${conv}: only %s (the UPS name) and %% are allowed`;
  }
  const max = maxPlaceholders(type);
  if (count > max) {
    return `the message has ${String(count)} %s but ${type} supplies ${max === 1 ? 'only one (the UPS name)' : 'two (the UPS name, then the details)'}`;
  }
  return undefined;
}

export interface MonitorEntry {
  /** As written: `ups@host[:port]`; it is the UPSNAME of notifications. */
  system: string;
  upsName: string;
  host: string;
  port: number;
  /** 0 = monitor only. */
  powerValue: number;
  /** An upsd.users user on the upsd host, not an OS account. */
  user: string;
  password: string;
  role: 'primary' | 'secondary';
  line: number;
  /**
   * LOCALMONITOR (hardnut addition, NUT's TODO): read straight from the driver socket, no upsd.
   * Then host is '', port 0, user and password '' and role primary: this host is the one the UPS
   * feeds, and there is no upsd for a secondary to log into.
   */
  local?: boolean;
}

/**
 * How a root upsmon shuts the host down (hardnut only; NUT runs SHUTDOWNCMD as a root shell line,
 * README "differences"). src/upsmon/supervisor/shutdown-method.ts decides from these.
 */
export const SHUTDOWN_METHODS = ['helper', 'socket', 'initctl', 'command'] as const;
export type ShutdownMethodName = (typeof SHUTDOWN_METHODS)[number];
/** The hardnut-only directives that place the shutdown, each naming a path except SHUTDOWNMETHOD. */
export const SHUTDOWN_PATH_DIRECTIVES = { SHUTDOWNHELPER: 'helper', SHUTDOWNSOCKET: 'socket', INTENTKEY: 'intentKey', INITCTL: 'initctl' } as const;
const SHUTDOWN_PATH_EXAMPLES: Record<keyof typeof SHUTDOWN_PATH_DIRECTIVES, string> = {
  SHUTDOWNHELPER: '/usr/lib/hardnut/upsshutdown', SHUTDOWNSOCKET: '/run/hardnut/shutdown.sock', INTENTKEY: '/etc/hardnut/upsshutdown.key', INITCTL: '/run/initctl',
};
type ShutdownPathKey = (typeof SHUTDOWN_PATH_DIRECTIVES)[keyof typeof SHUTDOWN_PATH_DIRECTIVES];
/** A value and the line of upsmon.conf it was read from (messages about it name file:line). */
export interface Placed<T> { value: T; line: number }
export type ShutdownSettings = { method?: Placed<ShutdownMethodName>; cmdLine?: number } & Partial<Record<ShutdownPathKey, Placed<string>>>;

export interface CertHost { host: string; certName: string; verify: boolean; forceSsl: boolean; line: number }

export interface UpsmonConf {
  monitors: MonitorEntry[];
  minSupplies: number;
  /** SHUTDOWNCMD tokens; NUT runs them as one shell line (see shutdownCmdLine). */
  shutdownCmd?: string[];
  /** The shell line NUT builds: first token as is, further tokens single-quoted. */
  shutdownCmdLine?: string;
  /** SHUTDOWNMETHOD, SHUTDOWNHELPER, SHUTDOWNSOCKET, INTENTKEY, INITCTL (hardnut only) and SHUTDOWNCMD's line. */
  shutdown?: ShutdownSettings;
  /** 0 = exit right after SHUTDOWNCMD (yes), -1 = never exit (no), N = linger N seconds. */
  shutdownExit: number;
  /**
   * Each NOTIFYCMD line as argv; the message is appended. NUT's one-word form is read by
   * commandLine (an argv, /usr/bin/env's, or /bin/sh with the message as "$1"). NUT keeps only
   * the last NOTIFYCMD; hardnut runs each.
   */
  notifyCmds: string[][];
  notifyMessages: Partial<Record<NotifyType, string>>;
  notifyFlags: Record<NotifyType, NotifyFlag[]>;
  pollFreq: number;
  pollFreqAlert: number;
  deadTime: number;
  hostSync: number;
  finalDelay: number;
  rbWarnTime: number;
  noCommWarnTime: number;
  offDuration: number;
  overDuration: number;
  oblbDuration: number;
  alarmCritical: boolean;
  pollFailLogThrottleMax: number;
  powerDownFlag?: string;
  runAsUser?: string;
  /**
   * NOTIFYUSER: the account NOTIFYCMD runs as, in the notifier process (hardnut only: NUT runs
   * NOTIFYCMD as RUN_AS_USER, in the process that monitors). Default: the dispatcher's user.
   */
  notifyUser?: string;
  certPath?: string;
  certFile?: string;
  certIdent?: { name: string; password: string };
  certHosts: CertHost[];
  certVerify: boolean;
  forceSsl: boolean;
  debugMin?: number;
}

export const UPSMON_CONF_DEFAULTS = {
  minSupplies: 1,
  shutdownExit: 0,
  pollFreq: 5,
  pollFreqAlert: 5,
  deadTime: 15,
  hostSync: 15,
  finalDelay: 5,
  rbWarnTime: 43200,
  noCommWarnTime: 300,
  offDuration: 30,
  overDuration: -1,
  oblbDuration: 0,
  alarmCritical: true,
  pollFailLogThrottleMax: -1,
  certVerify: false,
  forceSsl: false,
} as const;

const DIRECTIVES = [
  'MONITOR', 'LOCALMONITOR', 'MINSUPPLIES', 'SHUTDOWNCMD', 'SHUTDOWNEXIT', 'NOTIFYCMD', 'NOTIFYMSG', 'NOTIFYFLAG',
  'POLLFREQ', 'POLLFREQALERT', 'DEADTIME', 'HOSTSYNC', 'FINALDELAY', 'RBWARNTIME', 'NOCOMMWARNTIME',
  'OFFDURATION', 'OVERDURATION', 'OBLBDURATION', 'ALARMCRITICAL', 'POLLFAIL_LOG_THROTTLE_MAX',
  'POWERDOWNFLAG', 'RUN_AS_USER', 'CERTPATH', 'CERTFILE', 'CERTIDENT', 'CERTHOST', 'CERTVERIFY',
  'FORCESSL', 'DEBUG_MIN', 'NOTIFYUSER', 'SHUTDOWNMETHOD', ...Object.keys(SHUTDOWN_PATH_DIRECTIVES),
];

export const MONITOR_FORM = 'MONITOR <ups>@<host>[:<port>] <power value> <username> <password> primary|secondary';
export const LOCALMONITOR_FORM = 'LOCALMONITOR <ups> <power value>';
/** A LOCALMONITOR's UPS is a ups.conf section name: read before '@' would mean a host. */
export const LOCAL_UPS_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const MONITOR_USER_NOTE = 'the username and password are a [user] section of upsd.users on the upsd host, not an operating-system account';

/**
 * NUT's upscli_splitname: `ups`, `ups@host`, `ups@host:port`, `ups@[v6addr]:port`. A bare `ups`
 * means localhost:3493.
 */
export function splitSystemName(system: string): { upsName: string; host: string; port: number } | { error: string } {
  const at = system.indexOf('@');
  if (at === 0 || system === '') return { error: 'the UPS name before "@" is empty' };
  if (at < 0) {
    if (system.includes(':')) return { error: 'a port is given but no host' };
    return { upsName: system, host: 'localhost', port: 3493 };
  }
  const upsName = system.slice(0, at);
  const addr = system.slice(at + 1);
  if (addr === '') return { error: 'the host after "@" is empty' };
  let host: string;
  let rest: string;
  if (addr.startsWith('[')) {
    const close = addr.indexOf(']');
    if (close < 0) return { error: 'the [address] has no closing bracket' };
    host = addr.slice(1, close);
    rest = addr.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) return { error: 'unexpected characters after the [address]' };
  } else {
    const colon = addr.indexOf(':');
    host = colon < 0 ? addr : addr.slice(0, colon);
    rest = colon < 0 ? '' : addr.slice(colon);
    if (rest.slice(1).includes(':')) return { error: 'an IPv6 address must be written in brackets, e.g. ups@[::1]:3493' };
  }
  if (host === '') return { error: 'the host is empty' };
  if (rest === '') return { upsName, host, port: 3493 };
  const port = parseCount(rest.slice(1));
  if (port === undefined || port < 1 || port > 65535) return { error: 'the port after ":" must be a number from 1 to 65535' };
  return { upsName, host, port };
}

/** NUT's shutdowncmd_concat: the first token unquoted (it may be a whole command line). */
export function shutdownCmdLine(tokens: readonly string[]): string {
  const [first, ...rest] = tokens;
  return [first ?? '', ...rest.map((t) => `'${t.replace(/'/g, `'\\''`)}'`)].join(' ');
}

type IntKey = 'pollFreq' | 'pollFreqAlert' | 'deadTime' | 'hostSync' | 'finalDelay' | 'rbWarnTime'
  | 'noCommWarnTime' | 'offDuration' | 'overDuration' | 'oblbDuration' | 'pollFailLogThrottleMax' | 'minSupplies';

/** Integer directives: field, smallest value NUT honours, example. */
const INT_DIRECTIVES: Record<string, { field: IntKey; min: number; example: string }> = {
  POLLFREQ: { field: 'pollFreq', min: 0, example: '5' },
  POLLFREQALERT: { field: 'pollFreqAlert', min: 0, example: '5' },
  DEADTIME: { field: 'deadTime', min: 0, example: '15' },
  HOSTSYNC: { field: 'hostSync', min: 0, example: '15' },
  FINALDELAY: { field: 'finalDelay', min: 0, example: '5' },
  RBWARNTIME: { field: 'rbWarnTime', min: 0, example: '43200' },
  NOCOMMWARNTIME: { field: 'noCommWarnTime', min: 0, example: '300' },
  OFFDURATION: { field: 'offDuration', min: Number.MIN_SAFE_INTEGER, example: '30' },
  OVERDURATION: { field: 'overDuration', min: Number.MIN_SAFE_INTEGER, example: '-1' },
  OBLBDURATION: { field: 'oblbDuration', min: Number.MIN_SAFE_INTEGER, example: '0' },
  POLLFAIL_LOG_THROTTLE_MAX: { field: 'pollFailLogThrottleMax', min: -1, example: '100' },
  MINSUPPLIES: { field: 'minSupplies', min: 0, example: '1' },
};

export function parseUpsmonConf(input: Uint8Array | string, file: string): ConfigResult<UpsmonConf> {
  const diags = new DiagnosticList(file);
  const lines = tokenizeConfig(input, diags);
  const notifyFlags = {} as Record<NotifyType, NotifyFlag[]>;
  for (const t of NOTIFY_TYPES) notifyFlags[t] = [...DEFAULT_NOTIFY_FLAGS];
  const conf: UpsmonConf = {
    ...UPSMON_CONF_DEFAULTS,
    monitors: [],
    notifyCmds: [],
    notifyMessages: {},
    notifyFlags,
    certHosts: [],
    shutdown: {},
  };
  const shutdown = conf.shutdown as ShutdownSettings;

  // Words that are passwords somewhere in this file are never echoed, whatever line they are on.
  const secrets = new Set<string>();
  for (const { args } of lines) {
    if (args[0] === 'MONITOR' && args.length === 5 && args[3] !== undefined) secrets.add(args[3]);
    if (args[0] === 'MONITOR' && args[4] !== undefined) secrets.add(args[4]);
    if (args[0] === 'CERTIDENT' && args[2] !== undefined) secrets.add(args[2]);
  }

  let minSuppliesLine = 0;
  let firstExecFlagLine = 0;
  let certVerifyLine = 0;
  let firstNotifyCmdLine = 0;
  const seenSystems = new Map<string, number>();

  for (const { args, line } of lines) {
    const key = args[0] as string;
    const n = args.length;
    const arg1 = args[1];

    if (key === 'MONITOR') {
      monitor(args, line);
      continue;
    }
    if (key === 'LOCALMONITOR') {
      localMonitor(args, line);
      continue;
    }
    if (key.toUpperCase() === 'DEBUG_MIN') {
      const v = arg1 === undefined ? undefined : parseCount(arg1);
      if (v === undefined) diags.warning(line, 'DEBUG_MIN is not a whole number (0 or more); NUT ignores it', 'write DEBUG_MIN 1');
      else conf.debugMin = v;
      continue;
    }
    const intSpec = INT_DIRECTIVES[key];
    if (intSpec) {
      if (arg1 === undefined) { needsValue(line, key, intSpec.example); continue; }
      const v = parseInteger(arg1);
      if (v === undefined || v < intSpec.min) {
        diags.error(line, `${key} must be ${intSpec.min === 0 ? 'a whole number (0 or more)' : intSpec.min === -1 ? 'a whole number, or -1' : 'a whole number'}`,
          `write ${key} ${intSpec.example}`);
        continue;
      }
      if (key === 'MINSUPPLIES') minSuppliesLine = line;
      if ((key === 'POLLFREQ' || key === 'POLLFREQALERT') && v === 0) {
        diags.warning(line, `${key} 0 makes upsmon poll without pause`, `write ${key} ${intSpec.example}`);
      }
      // OBLBDURATION below 1 means "no delay" in NUT.
      conf[intSpec.field] = key === 'OBLBDURATION' && v < 1 ? 0 : v;
      extra(line, key, n, 2);
      continue;
    }

    switch (key) {
      case 'SHUTDOWNCMD':
        if (arg1 === undefined || arg1 === '') { needsValue(line, key, '"/sbin/shutdown -h +0"'); break; }
        conf.shutdownCmd = args.slice(1);
        conf.shutdownCmdLine = shutdownCmdLine(conf.shutdownCmd);
        shutdown.cmdLine = line;
        bareEquals(line, key, args);
        break;
      case 'SHUTDOWNMETHOD': {
        const m = SHUTDOWN_METHODS.find((x) => x === arg1);
        if (m === undefined) {
          diags.error(line, `SHUTDOWNMETHOD ${arg1 === undefined ? 'needs a value' : `${/^[A-Za-z]{1,16}$/.test(arg1) ? `'${arg1}'` : 'value'} is not a shutdown method`}: upsmon refuses to start`,
            `write one of SHUTDOWNMETHOD ${SHUTDOWN_METHODS.join('|')} (README: the shutdown)`);
          break;
        }
        shutdown.method = { value: m, line };
        extra(line, key, n, 2);
        break;
      }
      case 'SHUTDOWNHELPER':
      case 'SHUTDOWNSOCKET':
      case 'INTENTKEY':
      case 'INITCTL':
        // root opens or runs what these name: only an absolute path, never one found through $PATH or the cwd
        if (arg1 === undefined || !arg1.startsWith('/')) {
          diags.error(line, `${key} needs an absolute path: upsmon refuses to start`, `write ${key} ${SHUTDOWN_PATH_EXAMPLES[key]}`);
          break;
        }
        shutdown[SHUTDOWN_PATH_DIRECTIVES[key]] = { value: arg1, line };
        extra(line, key, n, 2);
        break;
      case 'NOTIFYCMD':
        if (arg1 === undefined || arg1 === '') { needsValue(line, key, '/usr/sbin/upssched'); break; }
        if (n > 2 && arg1.includes(' ')) {
          diags.warning(line, 'the NOTIFYCMD program name contains a space; with arguments as further words it is run directly, not through a shell',
            'give the program and each argument as separate words: NOTIFYCMD /path/prog "arg 1" arg2');
        }
        if (firstNotifyCmdLine > 0) {
          diags.warning(line, `a second NOTIFYCMD (first at line ${String(firstNotifyCmdLine)}): NUT uses only the last one; hardnut runs each of them`,
            'keep one NOTIFYCMD if this file is shared with NUT');
        } else {
          firstNotifyCmdLine = line;
        }
        if (n === 2) {
          // NUT's form, one word: a shell line (src/core/config/command-line.ts says how it runs)
          const c = commandLine(arg1);
          if (c.ok) conf.notifyCmds.push(c.argv);
          else diags.error(line, `NOTIFYCMD: ${c.message}`, c.hint);
          break;
        }
        conf.notifyCmds.push(args.slice(1));
        bareEquals(line, key, args);
        break;
      case 'SHUTDOWNEXIT': {
        if (arg1 === undefined) { needsValue(line, key, 'yes'); break; }
        const w = arg1.toLowerCase();
        if (w === 'yes' || w === 'on' || w === 'true') conf.shutdownExit = 0;
        else if (w === 'no' || w === 'off' || w === 'false') conf.shutdownExit = -1;
        else {
          const v = parseInteger(arg1);
          if (v === undefined) {
            diags.warning(line, 'SHUTDOWNEXIT is not yes, no or a number of seconds; NUT uses yes', 'write SHUTDOWNEXIT yes');
            conf.shutdownExit = 0;
          } else {
            conf.shutdownExit = v;
          }
        }
        extra(line, key, n, 2);
        break;
      }
      case 'POWERDOWNFLAG':
      case 'RUN_AS_USER':
      case 'NOTIFYUSER':
      case 'CERTPATH':
      case 'CERTFILE':
        if (arg1 === undefined || arg1 === '') { needsValue(line, key, key === 'RUN_AS_USER' || key === 'NOTIFYUSER' ? 'nut' : '/path'); break; }
        if (key === 'POWERDOWNFLAG') conf.powerDownFlag = arg1;
        else if (key === 'RUN_AS_USER') conf.runAsUser = arg1;
        else if (key === 'NOTIFYUSER') conf.notifyUser = arg1;
        else if (key === 'CERTPATH') conf.certPath = arg1;
        else conf.certFile = arg1;
        extra(line, key, n, 2);
        break;
      case 'ALARMCRITICAL':
      case 'CERTVERIFY':
      case 'FORCESSL': {
        if (arg1 === undefined) { needsValue(line, key, '1'); break; }
        const v = parseInteger(arg1);
        if (v === undefined) {
          diags.error(line, `${key} must be 0 or 1 (NUT reads other words as 0)`, `write ${key} ${key === 'ALARMCRITICAL' ? '1' : '0'}`);
          break;
        }
        if (key === 'ALARMCRITICAL') conf.alarmCritical = v !== 0;
        else if (key === 'CERTVERIFY') { conf.certVerify = v !== 0; certVerifyLine = v !== 0 ? line : 0; }
        else conf.forceSsl = v !== 0;
        extra(line, key, n, 2);
        break;
      }
      case 'NOTIFYMSG': {
        if (n < 3) { needsValue(line, key, 'ONBATT "UPS %s on battery"'); break; }
        const type = notifyTypeOf(arg1 as string);
        if (!type) { unknownType(line, key, arg1 as string); break; }
        const template = args[2] as string;
        const problem = checkNotifyTemplate(type, template);
        if (problem) {
          diags.error(line, `NOTIFYMSG ${type}: ${problem}`,
            'write %% for a literal percent sign; the message goes through a printf-style formatter');
          break;
        }
        if (n > 3) diags.warning(line, `NOTIFYMSG ${type}: only the first word of the message is used`, 'put the whole message in double quotes');
        conf.notifyMessages[type] = template;
        break;
      }
      case 'NOTIFYFLAG': {
        if (n < 3) { needsValue(line, key, 'ONBATT SYSLOG+WALL+EXEC'); break; }
        const type = notifyTypeOf(arg1 as string);
        if (!type) { unknownType(line, key, arg1 as string); break; }
        const flags: NotifyFlag[] = [];
        const bad: string[] = [];
        for (const part of (args[2] as string).split('+')) {
          const f = NOTIFY_FLAGS.find((x) => x === part);
          if (f) { if (!flags.includes(f)) flags.push(f); } else bad.push(part);
        }
        if (bad.length > 0) {
          const shown = bad.map((b) => (b === '' ? '(empty)' : /^[A-Za-z_]{1,16}$/.test(b) ? b : '?')).join(', ');
          diags.error(line, `NOTIFYFLAG ${type}: invalid flag ${shown}; NUT drops it`,
            `flags are ${NOTIFY_FLAGS.join(', ')} (upper case), joined with + and no spaces, e.g. SYSLOG+WALL+EXEC`);
        }
        if (n > 3) {
          diags.warning(line, `NOTIFYFLAG ${type}: words after the flags are ignored`, 'join flags with + and no spaces: SYSLOG+WALL');
        }
        if (flags.includes('EXEC') && firstExecFlagLine === 0) firstExecFlagLine = line;
        // NUT zeroes the type's flags, then sets each valid one.
        conf.notifyFlags[type] = flags;
        break;
      }
      case 'CERTIDENT':
        if (n < 3) {
          diags.warning(line, 'CERTIDENT needs a certificate name and a password; NUT ignores the line',
            'write CERTIDENT "<certificate name>" "<database password>"');
          break;
        }
        conf.certIdent = { name: arg1 as string, password: args[2] as string };
        break;
      case 'CERTHOST': {
        if (n < 5) {
          diags.warning(line, 'CERTHOST needs a host, a certificate name and two 0/1 flags; NUT ignores the line',
            'write CERTHOST <host> "<certificate name>" <certverify 0|1> <forcessl 0|1>');
          break;
        }
        const verify = parseInteger(args[3] as string);
        const force = parseInteger(args[4] as string);
        if (verify === undefined || force === undefined) {
          diags.error(line, 'CERTHOST: the last two words must be 0 or 1', 'write CERTHOST <host> "<certificate name>" 1 1');
          break;
        }
        conf.certHosts.push({ host: arg1 as string, certName: args[2] as string, verify: verify !== 0, forceSsl: force !== 0, line });
        break;
      }
      default: {
        const name = directiveLabel(key, DIRECTIVES, secrets);
        const label = name ? ` ${name}` : '';
        const guess = name ? closest(name, DIRECTIVES) : undefined;
        diags.warning(line, `invalid directive${label}; NUT ignores it`,
          guess ? `did you mean ${guess}? (directive names are case-sensitive)` : 'see the upsmon.conf sample for the directives');
      }
    }
  }

  // Whole-file checks, as upsmon does after loading (§4.4, §5).
  const total = conf.monitors.reduce((sum, m) => sum + m.powerValue, 0);
  if (total < conf.minSupplies) {
    if (conf.monitors.length === 0) {
      diags.error(minSuppliesLine, `no MONITOR line (nor LOCALMONITOR): total power value 0 is less than MINSUPPLIES ${String(conf.minSupplies)}; upsmon refuses to start`,
        `add ${MONITOR_FORM}`);
    } else {
      diags.error(minSuppliesLine, `total power value ${String(total)} of the MONITOR lines is less than MINSUPPLIES ${String(conf.minSupplies)}; upsmon refuses to start`,
        'raise the power values of the MONITOR lines that feed this system, or lower MINSUPPLIES');
    }
  }
  if (conf.shutdownCmd === undefined && conf.minSupplies > 0 && (shutdown.method === undefined || shutdown.method.value === 'command')) {
    diags.warning(0, 'no SHUTDOWNCMD: upsmon cannot shut this system down', 'add SHUTDOWNCMD "/sbin/shutdown -h +0"');
  }
  if (conf.powerDownFlag === undefined) {
    diags.warning(0, 'no POWERDOWNFLAG: a primary cannot tell the shutdown scripts to cut UPS power at the end',
      'hardnut cuts UPS power with its signed flag on /run instead (hardnut killpower keygen; README "Late shutdown"); for NUT\'s own scripts, add POWERDOWNFLAG on a path that does not survive a reboot, e.g. /run/killpower');
  }
  if (firstExecFlagLine > 0 && conf.notifyCmds.length === 0) {
    diags.warning(firstExecFlagLine, 'EXEC is set but there is no NOTIFYCMD, so nothing is run', 'add NOTIFYCMD /usr/sbin/upssched (or your script)');
  }
  if (certVerifyLine > 0 && conf.certPath === undefined) {
    diags.error(certVerifyLine, 'CERTVERIFY 1 without CERTPATH: no server certificate can be verified, so no connection succeeds',
      'add CERTPATH <directory or bundle of trusted CA certificates>, or set CERTVERIFY 0');
  }
  const fastest = Math.max(conf.pollFreq, conf.pollFreqAlert);
  if (conf.deadTime < fastest) {
    diags.warning(0, `DEADTIME ${String(conf.deadTime)} is shorter than the poll interval ${String(fastest)}: UPSes will look dead between polls`,
      'make DEADTIME about 3 times the larger of POLLFREQ and POLLFREQALERT');
  }
  return { value: conf, diagnostics: diags.sorted() };

  function monitor(args: string[], line: number): void {
    const n = args.length;
    if (n === 5) {
      // NUT 2.8: "Unable to use old-style MONITOR line without a username" — fatal.
      diags.error(line, 'old-style MONITOR line without a username (5 words): upsmon refuses to start',
        `write ${MONITOR_FORM}; ${MONITOR_USER_NOTE}`);
      return;
    }
    if (n < 6) {
      diags.error(line, `MONITOR needs 6 words, found ${String(n)}; NUT ignores this line`, `write ${MONITOR_FORM}; ${MONITOR_USER_NOTE}`);
      return;
    }
    const [, system, pvWord, user, password, roleWord] = args as [string, string, string, string, string, string];
    if (n > 6) diags.warning(line, 'extra words after the MONITOR role are ignored', `write ${MONITOR_FORM}`);
    const split = splitSystemName(system);
    if ('error' in split) {
      diags.error(line, `MONITOR: cannot read the UPS "${printable(system)}": ${split.error}`, 'write it as ups@host or ups@host:port');
      return;
    }
    const pv = parseCount(pvWord);
    if (pv === undefined) {
      diags.error(line, `MONITOR ${printable(system)}: the power value must be a whole number (0 = monitor only); NUT ignores this UPS`,
        `write ${MONITOR_FORM}, e.g. MONITOR ${printable(system)} 1 …`);
      return;
    }
    const r = roleWord.toLowerCase();
    const role = r === 'primary' || r === 'master' ? 'primary' : r === 'secondary' || r === 'slave' ? 'secondary' : undefined;
    if (!role) {
      diags.error(line, `MONITOR ${printable(system)}: the last word must be primary or secondary (NUT silently treats anything else as secondary)`,
        'write primary on the system the UPS is connected to (it runs upsd), secondary elsewhere');
      return;
    }
    if (user === '') {
      diags.error(line, `MONITOR ${printable(system)}: the username is empty`, MONITOR_USER_NOTE);
      return;
    }
    if (password === '') {
      diags.warning(line, `MONITOR ${printable(system)}: the password is empty`, 'use the password of the user in upsd.users');
    }
    const prior = seenSystems.get(system);
    if (prior !== undefined) {
      diags.warning(line, `duplicate MONITOR ${printable(system)} (first at line ${String(prior)}); NUT ignores this one`, 'remove one of them');
      return;
    }
    seenSystems.set(system, line);
    conf.monitors.push({ system, upsName: split.upsName, host: split.host, port: split.port, powerValue: pv, user, password, role, line });
  }

  function localMonitor(args: string[], line: number): void {
    const n = args.length;
    if (n < 3) {
      diags.error(line, `LOCALMONITOR needs 3 words, found ${String(n)}`, `write ${LOCALMONITOR_FORM} (the UPS is a section of ups.conf)`);
      return;
    }
    const [, ups, pvWord] = args as [string, string, string];
    if (n > 3) diags.warning(line, 'extra words after the LOCALMONITOR power value are ignored (no user, password or role: there is no upsd)', `write ${LOCALMONITOR_FORM}`);
    if (!LOCAL_UPS_NAME.test(ups)) {
      diags.error(line, `LOCALMONITOR: "${printable(ups)}" is not a ups.conf section name`, `write ${LOCALMONITOR_FORM}; for a UPS behind upsd use ${MONITOR_FORM}`);
      return;
    }
    const pv = parseCount(pvWord);
    if (pv === undefined) {
      diags.error(line, `LOCALMONITOR ${ups}: the power value must be a whole number (0 = monitor only)`, `write ${LOCALMONITOR_FORM}, e.g. LOCALMONITOR ${ups} 1`);
      return;
    }
    const prior = seenSystems.get(ups);
    if (prior !== undefined) {
      diags.warning(line, `duplicate UPS ${ups} (first at line ${String(prior)}); this line is ignored`, 'remove one of them');
      return;
    }
    seenSystems.set(ups, line);
    conf.monitors.push({ system: ups, upsName: ups, host: '', port: 0, powerValue: pv, user: '', password: '', role: 'primary', line, local: true });
  }

  function needsValue(line: number, key: string, example: string): void {
    diags.warning(line, `invalid directive: ${key} needs a value; NUT ignores it`, `write ${key} ${example}`);
  }

  function unknownType(line: number, key: string, word: string): void {
    const guess = closest(word, NOTIFY_TYPES);
    diags.warning(line, `${key}: ${/^[A-Za-z_]{1,32}$/.test(word) ? `'${word}'` : 'the first word'} is not a notify type; NUT ignores the line`,
      guess ? `did you mean ${guess}?` : `types are ${NOTIFY_TYPES.join(' ')}`);
  }

  /**
   * An unquoted `=` is a word of its own in NUT's config syntax (§1.2), so `NOTIFYCMD /usr/bin/env
   * A=b prog` runs env with the arguments A, =, b: not what anyone meant.
   */
  function bareEquals(line: number, key: string, words: readonly string[]): void {
    if (!words.slice(1).includes('=')) return;
    diags.warning(line, `${key}: an unquoted = splits its word in three (A=b is read as A, =, b)`,
      `quote any argument with = in it: ${key} /usr/bin/env "A=b" /path/prog`);
  }

  function extra(line: number, key: string, n: number, used: number): void {
    if (n > used) diags.warning(line, `extra words after ${key} are ignored`, 'quote values that contain spaces');
  }
}

function printable(s: string): string {
  return s.length > 64 ? `${s.slice(0, 61)}...` : s;
}
