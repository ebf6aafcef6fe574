// The value lookup tables every usbhid-ups subdriver shares (usbhid-ups.c): status bit names,
// test results, beeper states, yes/no, and NUT's conversions (HID dates, hex, USB string IDs,
// tenths, Kelvin). Status lookups collect bits ("online" / "!online"); ups_status_set interprets
// them later (status.ts).
import { cFormat } from '../../protocol/q1/cformat.js';
import { pairs, type InfoLookup } from './subdriver.js';

/** A status bit set by 1 and cleared by 0 (online_info, charging_info…). */
const flag = (name: string): InfoLookup => pairs([1, name], [0, `!${name}`]);

export const ONLINE = flag('online');
export const DISCHARGING = flag('dischrg');
export const CHARGING = flag('chrg');
export const LOWBATT = flag('lowbatt');
export const OVERLOAD = flag('overload');
export const REPLACEBATT = flag('replacebatt');
export const TRIM = flag('trim');
export const BOOST = flag('boost');
export const BYPASS_AUTO = flag('bypassauto');
export const BYPASS_MANUAL = flag('bypassman');
/** Reversed: 0 means off, so a device without the usage is on. */
export const OFF = pairs([0, 'off'], [1, '!off']);
export const CALIBRATION = flag('cal');
/** Reversed: 0 means no battery, so a device without the usage has one. */
export const NOBATTERY = pairs([1, '!nobattery'], [0, 'nobattery']);
export const FANFAIL = flag('fanfail');
export const SHUTDOWNIMM = flag('shutdownimm');
export const OVERHEAT = flag('overheat');
export const AWAITINGPOWER = flag('awaitingpower');
export const COMMFAULT = flag('commfault');
export const TIMELIMITEXPIRED = flag('timelimitexp');
export const BATTVOLTLO = flag('battvoltlo');
export const BATTVOLTHI = flag('battvolthi');
export const CHARGERFAIL = flag('chargerfail');
export const FULLYCHARGED = flag('fullycharged');
export const DEPLETED = flag('depleted');
export const VRANGE = pairs([0, '!vrange'], [1, 'vrange']);
export const FRANGE = pairs([0, '!frange'], [1, 'frange']);

export const TEST_READ = pairs([1, 'Done and passed'], [2, 'Done and warning'], [3, 'Done and error'], [4, 'Aborted'], [5, 'In progress'], [6, 'No test initiated'], [7, 'Test scheduled']);
export const BEEPER = pairs([1, 'disabled'], [2, 'enabled'], [3, 'muted']);
export const YES_NO = pairs([0, 'no'], [1, 'yes']);
export const ON_OFF = pairs([0, 'off'], [1, 'on']);

/** C's `(long)value`: truncation toward zero. */
export const long = (x: number): number => Math.trunc(x);

/** HID date (days since 1980 packed as 7/4/5 bits) ⇄ "YYYY/MM/DD"; 0 is "not set". */
export const DATE: InfoLookup = {
  entries: [],
  fun: (value) => {
    const x = long(value);
    if (x === 0) return 'not set';
    return `${cFormat('%04ld', 1980 + (x >> 9))}/${cFormat('%02ld', (x >> 5) & 0x0f)}/${cFormat('%02ld', x & 0x1f)}`;
  },
  nuf: (text) => {
    const m = /^\s*([+-]?\d+)\/([+-]?\d+)\/([+-]?\d+)/.exec(text);
    if (!m) return 0;
    const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (year - 1980 > 127 || month > 12 || day > 31) return 0;
    return ((year - 1980) << 9) + (month << 5) + day;
  },
};

/** Eight hex digits. */
export const HEX: InfoLookup = { entries: [], fun: (value) => (long(value) >>> 0).toString(16).padStart(8, '0') };

/** The value is a USB string descriptor index: the string it names. */
export const STRING_ID: InfoLookup = { entries: [], fun: (value, ctx) => ctx.indexString(long(value)) };

/** Tenths. */
export const DIVIDE_BY_10: InfoLookup = { entries: [], fun: (value) => cFormat('%0.1f', value * 0.1) };

/** Kelvin to °C; a value already in °C (some HP firmwares) is shown as is. */
export const KELVIN_CELSIUS: InfoLookup = {
  entries: [],
  fun: (value) => cFormat('%.1f', value >= 273 && value <= 373 ? value - 273.15 : value),
};
