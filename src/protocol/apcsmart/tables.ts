// APC Smart protocol (spec §10.2) as data: which single-character query gives which NUT
// variable and in what unit, which characters are instant commands, and the command lists of
// old firmware that cannot say what it supports. Facts from NUT 2.8.0's apcsmart tables.

// ---- variable flags ----
/** Polled every cycle (otherwise hourly). */
export const APC_POLL = 0x100;
/** One NUT name over several APC characters, or the other way round: first match wins. */
export const APC_MULTI = 0x1000;
/** Comma-separated subfields published as name.1, name.2… (ambient.0.* → ambient.1.*…). */
export const APC_PACK = 0x2000;
/** An 8-character string the UPS lets us write (ups.id, battery.date). */
export const APC_STRING = 0x800;
/** Subfields of a packed variable. */
export const APC_PACK_MAX = 4;

export type ApcFormat = 'leave' | 'percent' | 'volt' | 'amp' | 'celsius' | 'hex' | 'dec' | 'seconds' | 'minutes' | 'hours' | 'reason';

export interface ApcVar {
  readonly name: string;
  readonly cmd: string;
  readonly flags: number;
  readonly format: ApcFormat;
  /** A MULTI variable is this one only if the raw reply matches (POSIX ERE, as NUT's regex). */
  readonly regex?: RegExp;
}

const v = (name: string, cmd: string, flags: number, format: ApcFormat, regex?: RegExp): ApcVar => ({ name, cmd, flags, format, ...(regex ? { regex } : {}) });

/** In NUT's order, which is also the order of preference among MULTI entries. */
export const APC_VARS: readonly ApcVar[] = [
  v('ups.temperature', 'C', APC_POLL, 'celsius'),
  v('ups.load', 'P', APC_POLL, 'percent'),
  v('ups.test.interval', 'E', 0, 'hours'),
  v('ups.test.result', 'X', APC_POLL, 'leave'),
  v('ups.delay.start', 'r', 0, 'seconds'),
  v('ups.delay.shutdown', 'p', 0, 'seconds'),
  v('ups.id', 'c', APC_STRING, 'leave'),
  v('ups.contacts', 'i', APC_POLL, 'hex'),
  v('ups.display.language', '\x0c', 0, 'leave'),
  v('input.voltage', 'L', APC_POLL, 'volt'),
  v('input.frequency', 'F', APC_POLL, 'dec'),
  v('input.sensitivity', 's', 0, 'leave'),
  v('input.quality', '9', APC_POLL, 'hex'),
  v('input.transfer.low', 'l', 0, 'volt'),
  v('input.transfer.high', 'u', 0, 'volt'),
  v('input.transfer.reason', 'G', APC_POLL, 'reason'),
  v('input.voltage.maximum', 'M', APC_POLL, 'volt'),
  v('input.voltage.minimum', 'N', APC_POLL, 'volt'),
  v('output.current', '/', APC_POLL, 'amp'),
  v('output.voltage', 'O', APC_POLL, 'volt'),
  v('output.voltage.nominal', 'o', 0, 'volt'),
  v('ambient.humidity', 'h', APC_POLL, 'percent'),
  v('ambient.0.humidity', 'H', APC_POLL | APC_PACK, 'percent'),
  v('ambient.0.humidity.high', '{', APC_POLL | APC_PACK, 'percent'),
  v('ambient.0.humidity.low', '}', APC_POLL | APC_PACK, 'percent'),
  v('ambient.temperature', 't', APC_POLL, 'celsius'),
  v('ambient.0.temperature', 'T', APC_MULTI | APC_POLL | APC_PACK, 'celsius', /^[0-9]{2}\.[0-9]{2}$/),
  v('ambient.0.temperature.high', '[', APC_POLL | APC_PACK, 'celsius'),
  v('ambient.0.temperature.low', ']', APC_POLL | APC_PACK, 'celsius'),
  v('battery.date', 'x', APC_STRING, 'leave'),
  v('battery.charge', 'f', APC_POLL, 'percent'),
  v('battery.charge.restart', 'e', 0, 'percent'),
  v('battery.voltage', 'B', APC_POLL, 'volt'),
  v('battery.voltage.nominal', 'g', 0, 'leave'),
  v('battery.runtime', 'j', APC_POLL, 'minutes'),
  v('battery.runtime.low', 'q', 0, 'minutes'),
  v('battery.packs', '>', 0, 'dec'),
  v('battery.packs.bad', '<', 0, 'dec'),
  v('battery.alarm.threshold', 'k', 0, 'leave'),
  v('device.uptime', 'T', APC_MULTI | APC_POLL, 'hours', /^[0-9]{3}\.[0-9]{1}$/),
  v('ups.serial', 'n', 0, 'leave'),
  v('ups.mfr.date', 'm', 0, 'leave'),
  v('ups.model', '\x01', 0, 'leave'),
  v('ups.firmware.aux', 'v', 0, 'leave'),
  v('ups.firmware', 'b', APC_MULTI, 'leave', /^[A-Za-z0-9]+\.[A-Za-z0-9]+\.[A-Za-z0-9]+$/),
  v('ups.firmware', 'V', APC_MULTI, 'leave'),
];

// ---- instant commands ----
/** Must be issued twice within the confirmation window (§10.2). */
export const APC_NASTY = 0x2;
/** The character goes out twice, 1.3 s apart. */
export const APC_REPEAT = 0x4;

export const APC_CMD_OFF = 'Z';
export const APC_CMD_ON = '\x0e';
export const APC_CMD_FPTEST = 'A';
export const APC_CMD_SIMPWF = 'U';
export const APC_CMD_BTESTTOGGLE = 'W';
export const APC_CMD_GRACEDOWN = '@';
export const APC_CMD_SOFTDOWN = 'S';
export const APC_CMD_SHUTDOWN = 'K';
export const APC_CMD_CALTOGGLE = 'D';
export const APC_CMD_BYPTOGGLE = '^';

export interface ApcCommand {
  readonly name: string;
  /** The parameter must match this; without one, the command takes no parameter. */
  readonly ext?: RegExp;
  readonly cmd: string;
  readonly flags: number;
}

export const APC_COMMANDS: readonly ApcCommand[] = [
  { name: 'shutdown.return', ext: /^[Aa][Tt]:[0-9]{1,3}$/, cmd: APC_CMD_GRACEDOWN, flags: APC_NASTY },
  { name: 'shutdown.return', ext: /^([Cc][Ss]|)$/, cmd: APC_CMD_SOFTDOWN, flags: APC_NASTY },
  { name: 'shutdown.stayoff', cmd: APC_CMD_SHUTDOWN, flags: APC_NASTY | APC_REPEAT },
  { name: 'load.off', cmd: APC_CMD_OFF, flags: APC_NASTY | APC_REPEAT },
  { name: 'load.on', cmd: APC_CMD_ON, flags: APC_REPEAT },
  { name: 'calibrate.start', cmd: APC_CMD_CALTOGGLE, flags: 0 },
  { name: 'calibrate.stop', cmd: APC_CMD_CALTOGGLE, flags: 0 },
  { name: 'test.panel.start', cmd: APC_CMD_FPTEST, flags: 0 },
  { name: 'test.failure.start', cmd: APC_CMD_SIMPWF, flags: 0 },
  { name: 'test.battery.start', cmd: APC_CMD_BTESTTOGGLE, flags: 0 },
  { name: 'test.battery.stop', cmd: APC_CMD_BTESTTOGGLE, flags: 0 },
  { name: 'bypass.start', cmd: APC_CMD_BYPTOGGLE, flags: 0 },
  { name: 'bypass.stop', cmd: APC_CMD_BYPTOGGLE, flags: 0 },
];

/** Supported-command lists of firmware that predates the `a` query (by its V/b answer). */
export const APC_COMPAT: ReadonlyMap<string, string> = new Map([
  ['0XI', '@789ABCDEFGKLMNOPQRSTUVWXYZcefgjklmnopqrsuwxz/<>\\^\x0c\x16'],
  ['0XM', '@789ABCDEFGKLMNOPQRSTUVWXYZcefgjklmnopqrsuwxz/<>\\^\x0c\x16'],
  ['0ZI', '@79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz/<>'],
  ['5UI', '@79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz/<>'],
  ['5ZM', '@79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz/<>'],
  ['6QD', '@79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz'],
  ['6QI', '@79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz'],
  ['6TD', '@79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz'],
  ['6TI', '@79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz'],
  ['7QD', '@79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz'],
  ['7QI', '@79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz'],
  ['7TD', '@79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz'],
  ['7TI', '@79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz'],
  ['6JI', '@789ABCFGKLMNOPQSTUVWXYZfg'],
  ['7II', '@79ABCEFGKLMNOPQRSUVWXYZcfg'],
  ['9II', '@79ABCEFGKLMNOPQRSUVWXYZcfg'],
  ['9GI', '@79ABCEFGKLMNOPQRSUVWXYZcfg'],
  ['8II', '@79ABCEFGKLMNOPQRSUVWXYZcfg'],
  ['8GI', '@79ABCEFGKLMNOPQRSUVWXYZfg'],
  ['8QD', '@79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz'],
  ['8QI', '@79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz'],
  ['8TD', '@79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz'],
  ['8TI', '@79ABCDEFGKLMNOPQRSUVWXYZcefgjklmnopqrsuxz'],
  ['5.4.D', '@\x01ABPQRSUYbdfgjmnx9'],
  // units that report a voltage above 255 V through 'b' (two hex digits): a fake key
  ['set\x01', '@789ABCFGKLMNOPQRSUVWXYZ'],
]);

/** Characters of the `a` list hardnut (like NUT) does not expose, and does not warn about. */
export const APC_UNR_CMDS = '\x1a\x7f~\')-+8QRYayz';

// ---- special characters ----
export const APC_STATUS = 'Q';
export const APC_GOSMART = 'Y';
export const APC_GODUMB = 'R';
export const APC_CMDSET = 'a';
export const APC_CAPS = '\x1a';
export const APC_NEXTVAL = '-';
export const APC_FW_OLD = 'V';
export const APC_FW_NEW = 'b';
export const APC_ESC = '\x1b';
/** Writable strings are exactly this long (padded with CRs). */
export const APC_STRLEN = 8;

/** `a` reply: protocol.alerts.commands[.more]. */
export const APC_CMDSET_FMT = /^[0-9]\.[^.]*\.[^.]+(\.[^.]+)?$/;
/** Option formats, checked at start-up like NUT. */
export const APC_AWDFMT = /^[0-9]{1,3}$/;
export const APC_SDFMT = /^[0-5]$/;
export const APC_ADVFMT = /^([0-4]{1,5}|[Nn][Oo])$/;
export const APC_CSHDFMT = /^([0-9]\.?|[0-9]?\.[0-9])$/;

/** Confirmation window of nasty commands: the second request must come 3–15 s after the first. */
export const MINCMDTIME_S = 3;
export const MAXCMDTIME_S = 15;
