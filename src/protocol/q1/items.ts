// The Megatec/Q1 family as data (spec §10.1): which command yields which NUT variable, from which
// columns of the reply, formatted how; the instant commands and the two server-side delays.
// The facts (columns, formats, ranges, defaults, subdriver names) are NUT 2.8.0's nutdrv_qx
// `megatec` and `q1` subdrivers'; the table layout is hardnut's.

/** Read once, at start-up. */
export const QX_STATIC = 1 << 1;
/** Not in the device: the driver keeps the value (ups.delay.*). */
export const QX_ABSENT = 1 << 3;
/** Also read by the quick poll between full updates (the status bits). */
export const QX_QUICK_POLL = 1 << 4;
export const QX_CMD = 1 << 5;
export const QX_SETVAR = 1 << 6;
/** Trim leading/trailing '#' and spaces from the value. */
export const QX_TRIM = 1 << 7;
export const QX_RANGE = 1 << 9;

export type QxPreprocess = 'status-bits' | 'command' | 'setvar';

export interface QxItem {
  /** NUT variable or instant command name. */
  readonly name: string;
  readonly rw?: boolean;
  /** Settable range(s) as [min, max] pairs. */
  readonly ranges?: ReadonlyArray<readonly [number, number]>;
  /** The command sent (with `\r`), or a printf template for preprocessed commands. */
  readonly command: string | null;
  /** Minimum reply length in bytes (0: any). */
  readonly answerLen: number;
  /** Required first character of the reply ('' = any). */
  readonly leading: string;
  readonly from: number;
  /** Last column of the value (inclusive); 0 = to the end of the line. */
  readonly to: number;
  /** printf format of the value (`%.1f`, `%s`), or the default of a QX_ABSENT variable. */
  readonly dfl: string | null;
  readonly flags: number;
  readonly preprocess?: QxPreprocess;
}

/** NUT's DEFAULT_ONDELAY / DEFAULT_OFFDELAY (seconds) and DEFAULT_POLLFREQ. */
export const DEFAULT_ONDELAY = '180';
export const DEFAULT_OFFDELAY = '30';
export const DEFAULT_POLLFREQ = 30;
/** NUT's MAXTRIES: claim attempts per subdriver, failed polls before the data is stale. */
export const MAXTRIES = 3;
/** What a Megatec unit answers to a command it accepted, when it answers at all. */
export const QX_ACCEPTED = 'ACK';

const Q1 = 'Q1\r';
const q1Field = (name: string, from: number, to: number, dfl: string): QxItem => ({ name, command: Q1, answerLen: 47, leading: '(', from, to, dfl, flags: 0 });
const q1Bit = (name: string, col: number, flags: number, dfl: string | null = null): QxItem => ({ name, command: Q1, answerLen: 47, leading: '(', from: col, to: col, dfl, flags, preprocess: 'status-bits' });
const cmd = (name: string, command: string, preprocess?: QxPreprocess): QxItem => ({
  name, command, answerLen: 0, leading: '', from: 0, to: 0, dfl: null, flags: QX_CMD, ...(preprocess ? { preprocess } : {}),
});

/** `(MMM.M NNN.N PPP.P QQQ RR.R S.SS TT.T b7b6b5b4b3b2b1b0\r` — columns counted from the '('. */
const STATUS_ITEMS: readonly QxItem[] = [
  q1Field('input.voltage', 1, 5, '%.1f'),
  q1Field('input.voltage.fault', 7, 11, '%.1f'),
  q1Field('output.voltage', 13, 17, '%.1f'),
  q1Field('ups.load', 19, 21, '%.0f'),
  q1Field('input.frequency', 23, 26, '%.1f'),
  q1Field('battery.voltage', 28, 31, '%.2f'),
  q1Field('ups.temperature', 33, 36, '%.1f'),
  q1Bit('ups.status', 38, QX_QUICK_POLL), // utility fail
  q1Bit('ups.status', 39, QX_QUICK_POLL), // battery low
  q1Bit('ups.status', 40, QX_QUICK_POLL), // bypass/boost/buck active
  q1Bit('ups.alarm', 41, 0), // UPS failed
  q1Bit('ups.type', 42, QX_STATIC, '%s'),
  q1Bit('ups.status', 43, QX_QUICK_POLL), // test in progress
  q1Bit('ups.status', 44, QX_QUICK_POLL), // shutdown active
  q1Bit('ups.beeper.status', 45, 0, '%s'),
];

/** `#VVV.V CCC BBB.B FF.F\r`. */
const RATING_ITEMS: readonly QxItem[] = [
  { name: 'input.voltage.nominal', command: 'F\r', answerLen: 22, leading: '#', from: 1, to: 5, dfl: '%.0f', flags: QX_STATIC },
  { name: 'input.current.nominal', command: 'F\r', answerLen: 22, leading: '#', from: 7, to: 9, dfl: '%.1f', flags: QX_STATIC },
  { name: 'battery.voltage.nominal', command: 'F\r', answerLen: 22, leading: '#', from: 11, to: 15, dfl: '%.1f', flags: QX_STATIC },
  { name: 'input.frequency.nominal', command: 'F\r', answerLen: 22, leading: '#', from: 17, to: 20, dfl: '%.0f', flags: QX_STATIC },
];

/** `#<company 15> <model 10> <version 10>\r`. */
const VENDOR_ITEMS: readonly QxItem[] = [
  { name: 'device.mfr', command: 'I\r', answerLen: 39, leading: '#', from: 1, to: 15, dfl: '%s', flags: QX_STATIC | QX_TRIM },
  { name: 'device.model', command: 'I\r', answerLen: 39, leading: '#', from: 17, to: 26, dfl: '%s', flags: QX_STATIC | QX_TRIM },
  { name: 'ups.firmware', command: 'I\r', answerLen: 39, leading: '#', from: 28, to: 37, dfl: '%s', flags: QX_STATIC | QX_TRIM },
];

const COMMAND_ITEMS: readonly QxItem[] = [
  cmd('beeper.toggle', 'Q\r'),
  cmd('load.off', 'S00R0000\r'),
  cmd('load.on', 'C\r'),
  cmd('shutdown.return', 'S%s\r', 'command'),
  cmd('shutdown.stayoff', 'S%sR0000\r', 'command'),
  cmd('shutdown.stop', 'C\r'),
  cmd('test.battery.start', 'T%02d\r', 'command'),
  cmd('test.battery.start.deep', 'TL\r'),
  cmd('test.battery.start.quick', 'T\r'),
  cmd('test.battery.stop', 'CT\r'),
];

const DELAY_ITEMS: readonly QxItem[] = [
  { name: 'ups.delay.start', rw: true, ranges: [[0, 599940]], command: null, answerLen: 0, leading: '', from: 0, to: 0, dfl: DEFAULT_ONDELAY, flags: QX_ABSENT | QX_SETVAR | QX_RANGE, preprocess: 'setvar' },
  { name: 'ups.delay.shutdown', rw: true, ranges: [[12, 600]], command: null, answerLen: 0, leading: '', from: 0, to: 0, dfl: DEFAULT_OFFDELAY, flags: QX_ABSENT | QX_SETVAR | QX_RANGE, preprocess: 'setvar' },
];

export interface QxSubdriver {
  /** As ups.conf `protocol =` names it (NUT compares the part before the space). */
  readonly protocol: string;
  /** Published as driver.version.data. */
  readonly name: string;
  readonly items: readonly QxItem[];
  /** megatec claims with Q1 and I (unless `novendor`); q1 with Q1 alone. */
  readonly claimNeedsVendor: boolean;
}

export const MEGATEC: QxSubdriver = {
  protocol: 'megatec',
  name: 'Megatec 0.06',
  items: [...STATUS_ITEMS, ...RATING_ITEMS, ...VENDOR_ITEMS, ...COMMAND_ITEMS, ...DELAY_ITEMS],
  claimNeedsVendor: true,
};

/** NUT's fallback: the Q1 status alone, for units that do not answer F or I. */
export const Q1_FALLBACK: QxSubdriver = {
  protocol: 'q1',
  name: 'Q1 0.07',
  items: [...STATUS_ITEMS, ...COMMAND_ITEMS, ...DELAY_ITEMS],
  claimNeedsVendor: false,
};

/** In NUT's autodetection order (NUT tries other families before these; hardnut has only these). */
export const SUBDRIVERS: readonly QxSubdriver[] = [MEGATEC, Q1_FALLBACK];

/** Every protocol name NUT 2.8.0's nutdrv_qx knows, so a config naming another family gets a clear error. */
export const NUT_QX_PROTOCOLS: readonly string[] = [
  'voltronic', 'voltronic-qs', 'voltronic-qs-hex', 'mustek', 'megatec/old', 'bestups', 'mecer',
  'megatec', 'zinto', 'masterguard', 'hunnox', 'ablerex', 'q1',
];

export function findItem(items: readonly QxItem[], name: string, withFlags = 0, skip?: ReadonlySet<QxItem>): QxItem | undefined {
  const lower = name.toLowerCase();
  return items.find((i) => i.name.toLowerCase() === lower && (i.flags & withFlags) === withFlags && !skip?.has(i));
}
