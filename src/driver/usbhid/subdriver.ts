// The shape of a usbhid-ups subdriver (NUT's subdriver_t and hid_info_t) as data: a claim on USB
// IDs, vendor usage names, and the table mapping NUT variables, status bits, alarms and
// commands to HID paths. Entries are tried in table order; the first path the device has wins
// for a variable (NUT's hid_ups_walk), every BOOL and ups.alarm entry is used.
import type { HidDeviceInfo } from './transport.js';
import type { ReportDescriptor, UsageTable } from '../../protocol/hid/index.js';

/** NUT's ST_FLAG_RW / ST_FLAG_STRING. */
export const ST_RW = 1;
export const ST_STRING = 2;

/** NUT's HU_FLAG_* and HU_TYPE_CMD. */
export const HU_STATIC = 2;
export const HU_SEMI_STATIC = 4;
export const HU_ABSENT = 8;
export const HU_QUICK_POLL = 16;
export const HU_CMD = 64;
export const HU_ENUM = 128;

/** NUT's DEFAULT_ONDELAY / DEFAULT_OFFDELAY (usbhid-ups.h), seconds. */
export const DEFAULT_ONDELAY = '30';
export const DEFAULT_OFFDELAY = '20';

/** What a conversion may look at: the published variables, the status bits, USB strings. */
export interface LookupContext {
  getInfo(name: string): string | undefined;
  delInfo(name: string): void;
  statusBits(): number;
  indexString(index: number): Promise<string>;
  debug(level: number, message: string): void;
}

/**
 * NUT's info_lkp_t table: value pairs, or a conversion function (fun: HID → NUT, null to
 * publish nothing; nuf: NUT → HID). With a function, `entries` still lists enum values.
 */
export interface InfoLookup {
  entries: ReadonlyArray<readonly [number, string]>;
  fun?: (value: number, ctx: LookupContext) => string | null | Promise<string | null>;
  nuf?: (value: string, ctx: LookupContext) => number;
}

/** One row of a hid2nut table (hid_info_t). */
export interface HidInfo {
  /** NUT variable, command name, "BOOL" (a status bit) or "ups.alarm". */
  name: string;
  /** ST_RW | ST_STRING. */
  flags: number;
  /** String length for ST_STRING variables. */
  len: number;
  path: string;
  /** printf format for the value, or the default value (HU_ABSENT) / command value (HU_CMD). */
  dfl: string | null;
  hu: number;
  lookup?: InfoLookup;
}

/** What a claim may switch on (NUT's per-device handlers in the USB ID tables). */
export interface ClaimTweaks {
  maxReportSize?: boolean;
  disableInterrupt?: boolean;
}

export interface SubdriverInstance {
  /** Published as driver.version.data. */
  name: string;
  usages: readonly UsageTable[];
  table: readonly HidInfo[];
  formatModel(dev: HidDeviceInfo, ctx: ModelContext): Promise<string | undefined> | string | undefined;
  formatMfr(dev: HidDeviceInfo): string | undefined;
  formatSerial(dev: HidDeviceInfo): string | undefined;
  /** fix_report_desc: repairs known firmware bugs in the parsed descriptor; true when it did. */
  fixReportDescriptor(dev: HidDeviceInfo, desc: ReportDescriptor): boolean;
}

/** What format_model may read (MGE asks the UPS for iModel) and publish (APC's firmware). */
export interface ModelContext {
  itemString(path: string): Promise<string>;
  itemValue(path: string): Promise<number | undefined>;
  setInfo(name: string, value: string): void;
}

export interface Subdriver {
  name: string;
  /** NUT's claim(): SUPPORTED → true; POSSIBLY_SUPPORTED → only with `productid` given. */
  claim(dev: HidDeviceInfo, opts: { productIdGiven: boolean; explore: boolean }): { claimed: boolean; tweaks: ClaimTweaks; possibly?: string };
  /** A fresh instance: subdrivers keep per-device state (model type, battery scale…). */
  create(): SubdriverInstance;
}

// ---- table row helpers: one line per NUT row ----

/** A read-only variable printed with a format ("%.0f", "%.1f"…) or a lookup ("%s"). */
export const v = (name: string, path: string, dfl: string, hu = 0, lookup?: InfoLookup): HidInfo => ({ name, flags: 0, len: 0, path, dfl, hu, ...(lookup ? { lookup } : {}) });
/** A variable with NUT flags (RW/STRING) and length. */
export const f = (name: string, flags: number, len: number, path: string, dfl: string, hu: number, lookup?: InfoLookup): HidInfo => ({ name, flags, len, path, dfl, hu, ...(lookup ? { lookup } : {}) });
/** A server-side variable (HU_FLAG_ABSENT): published with its default when the path exists. */
export const absent = (name: string, len: number, path: string, dfl: string): HidInfo => ({ name, flags: ST_RW | ST_STRING, len, path, dfl, hu: HU_ABSENT });
/** A status bit source. */
export const bool = (path: string, lookup: InfoLookup, hu = 0): HidInfo => ({ name: 'BOOL', flags: 0, len: 0, path, dfl: null, hu, lookup });
/** An alarm source. */
export const alarm = (path: string, lookup: InfoLookup): HidInfo => ({ name: 'ups.alarm', flags: 0, len: 0, path, dfl: null, hu: 0, lookup });
/** An instant command writing `value` to the path. */
export const cmd = (name: string, path: string, value: string): HidInfo => ({ name, flags: 0, len: 0, path, dfl: value, hu: HU_CMD });

/** test.battery.start.quick / .deep / test.battery.stop: 1, 2, 3 written to a Test usage. */
export const testCmds = (path: string): HidInfo[] => [
  cmd('test.battery.start.quick', path, '1'), cmd('test.battery.start.deep', path, '2'), cmd('test.battery.stop', path, '3'),
];

/** load.off.delay, load.on.delay, shutdown.stop (-1) and shutdown.reboot (10) on delay usages. */
export const delayCmds = (shutdown: string, startup: string, reboot: string): HidInfo[] => [
  cmd('load.off.delay', shutdown, DEFAULT_OFFDELAY), cmd('load.on.delay', startup, DEFAULT_ONDELAY),
  cmd('shutdown.stop', shutdown, '-1'), cmd('shutdown.reboot', reboot, '10'),
];

/** beeper.enable (2), beeper.disable (1), beeper.mute (3) on an AudibleAlarmControl usage. */
export const beeperCmds = (path: string): HidInfo[] => [
  cmd('beeper.enable', path, '2'), cmd('beeper.disable', path, '1'), cmd('beeper.mute', path, '3'),
];

/** A value-pair lookup table. */
export const pairs = (...entries: Array<readonly [number, string]>): InfoLookup => ({ entries });

/** NUT's is_usb_device_supported against a (vendor, product) list. */
export function usbSupport(dev: HidDeviceInfo, table: ReadonlyArray<readonly [number, number]>): 'supported' | 'possibly' | 'no' {
  let r: 'possibly' | 'no' = 'no';
  for (const [vid, pid] of table) {
    if (vid !== dev.vendorId) continue;
    r = 'possibly';
    if (pid === dev.productId) return 'supported';
  }
  return r;
}
