// The bytes of the Q1-family instant commands that take parameters, and the rounding of the two
// server-side delays (§10.1), as NUT 2.8.0 computes them (nutdrv_qx blazer-common).
//
//   Sn        shut down in n minutes (.2–.9 = tenths of a minute, 01–10), back on with mains
//   SnRmmmm   shut down in n, restart mmmm minutes later (R0000: stay off)
//   Tnn       battery test for nn minutes

import { cFormat, cStrtol, strspn } from './cformat.js';

export type Encoded = { ok: true; command: string } | { ok: false; reason: string };

/** C's long division truncates toward zero. */
const div = (a: number, b: number): number => Math.trunc(a / b);

/** The n of Sn: tenths of a minute below 60 s (`.5` = 30 s), whole minutes from 60 s. */
function offPart(offdelay: number): string {
  return offdelay < 60 ? `.${div(offdelay, 6)}` : cFormat('%02ld', div(offdelay, 60));
}

/** shutdown.return: `S<n>` or, with a start delay of a minute or more, `S<n>R<mmmm>`. */
export function shutdownReturn(upsDelayShutdown: string | undefined, upsDelayStart: string | undefined): Encoded {
  const offdelay = cStrtol(upsDelayShutdown ?? '');
  const ondelay = div(cStrtol(upsDelayStart ?? ''), 60);
  if (offdelay < 0) return { ok: false, reason: `offdelay '${offdelay}' should not be negative` };
  const tail = ondelay <= 0 ? '' : `R${cFormat('%04ld', ondelay)}`;
  return { ok: true, command: `S${offPart(offdelay)}${tail}\r` };
}

/** shutdown.stayoff: `S<n>R0000`. */
export function shutdownStayoff(upsDelayShutdown: string | undefined): Encoded {
  const offdelay = cStrtol(upsDelayShutdown ?? '');
  if (offdelay < 0) return { ok: false, reason: `offdelay '${offdelay}' should not be negative` };
  return { ok: true, command: `S${offPart(offdelay)}R0000\r` };
}

export const BATTERY_TEST_MIN_S = 60;
export const BATTERY_TEST_MAX_S = 5940;
/** test.battery.start without a parameter: ten minutes. */
export const BATTERY_TEST_DEFAULT_S = 600;

/** test.battery.start [seconds]: `T<minutes, 2 digits>`, 60–5940 s. */
export function batteryTest(seconds: string | undefined): Encoded {
  const delay = seconds !== undefined && seconds !== '' ? cStrtol(seconds) : BATTERY_TEST_DEFAULT_S;
  if (delay < BATTERY_TEST_MIN_S || delay > BATTERY_TEST_MAX_S) {
    return { ok: false, reason: `battery test time '${delay}' out of range [${BATTERY_TEST_MIN_S}..${BATTERY_TEST_MAX_S}] seconds` };
  }
  return { ok: true, command: cFormat('T%02d\r', div(delay, 60)) };
}

export type Rounded = { ok: true; value: string } | { ok: false; reason: string };

/**
 * ups.delay.start is kept in whole minutes, ups.delay.shutdown in steps the Sn command can say:
 * 6 s below a minute, whole minutes above.
 */
export function roundDelay(name: string, value: string): Rounded {
  if (value === '') return { ok: false, reason: `value not given for ${name}` };
  let n = cStrtol(value);
  if (name.toLowerCase() === 'ups.delay.start') {
    if (n < 0) return { ok: false, reason: `ondelay '${n}' should not be negative` };
    n -= n % 60;
  } else if (name.toLowerCase() === 'ups.delay.shutdown') {
    if (n < 0) return { ok: false, reason: `offdelay '${n}' should not be negative` };
    n -= n < 60 ? n % 6 : n % 60;
  } else {
    return { ok: false, reason: `${name} is not a delay` };
  }
  return { ok: true, value: String(n) };
}

/** The setvar range check NUT applies: digits, spaces and points only, then strtol within a range. */
export function inRanges(value: string, ranges: ReadonlyArray<readonly [number, number]>): boolean {
  if (strspn(value, '0123456789 .') !== value.length) return false;
  const n = cStrtol(value);
  return ranges.some(([min, max]) => min <= n && n <= max);
}
