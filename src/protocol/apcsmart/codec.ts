// APC Smart protocol replies and requests (spec §10.2), pure: unit conversion, the status byte,
// alert characters, the `a` command set, the ^Z capability string, packed values, and the
// bytes of the commands that take arguments. NUT 2.8.0's apcsmart decides the same things
// the same way.

import { cStrtol } from '../q1/cformat.js';
import { APC_CMDSET_FMT, APC_PACK_MAX, APC_STRLEN, APC_NEXTVAL, APC_CMD_GRACEDOWN, MINCMDTIME_S, MAXCMDTIME_S, type ApcFormat } from './tables.js';

/** NUT's APC_LBUF: reply buffer, 511 characters and a NUL. */
export const APC_LBUF = 512;

const REASONS: ReadonlyMap<string, string> = new Map([
  ['R', 'unacceptable utility voltage rate of change'],
  ['H', 'high utility voltage'],
  ['L', 'low utility voltage'],
  ['T', 'line voltage notch or spike'],
  ['O', 'no transfers yet since turnon'],
  ['S', 'simulated power failure or UPS test'],
]);

/** convert_data: APC units to NUT's (minutes and hours to seconds, transfer reason to text). */
export function convertData(format: ApcFormat, raw: string): string {
  const value = raw.length >= APC_LBUF ? raw.slice(0, APC_LBUF - 1) : raw;
  switch (format) {
    case 'hours': return String(3600 * cStrtol(value));
    case 'minutes': return String(60 * cStrtol(value));
    case 'reason': return REASONS.get(value[0] ?? '') ?? value;
    default: return value;
  }
}

// ---- status ----
export const APC_STAT_CAL = 0x01;
export const APC_STAT_TRIM = 0x02;
export const APC_STAT_BOOST = 0x04;
export const APC_STAT_OL = 0x08;
export const APC_STAT_OB = 0x10;
export const APC_STAT_OVER = 0x20;
export const APC_STAT_LB = 0x40;
export const APC_STAT_RB = 0x80;

/** ups_status_set: tokens in NUT's order; no bit at all means the UPS is off. */
export function statusTokens(status: number): string[] {
  const out: string[] = [];
  const pairs: Array<[number, string]> = [
    [APC_STAT_CAL, 'CAL'], [APC_STAT_TRIM, 'TRIM'], [APC_STAT_BOOST, 'BOOST'], [APC_STAT_OL, 'OL'],
    [APC_STAT_OB, 'OB'], [APC_STAT_OVER, 'OVER'], [APC_STAT_LB, 'LB'], [APC_STAT_RB, 'RB'],
  ];
  for (const [bit, token] of pairs) if (status & bit) out.push(token);
  if (status === 0) out.push('OFF');
  return out;
}

/** The reply to Q: two hex digits (strtol base 16, low byte). */
export function parseStatus(reply: string): number {
  return cStrtol(reply, 16) & 0xff;
}

/** Characters that announce an event on their own, outside any reply. */
export const ALERT_CHARS = '$!%+#?=';
/** Dropped by alert-aware reads. */
export const IGN_AACHARS = '\r|&';
/** Dropped by plain reads: the alert characters too. */
export const IGN_CHARS = IGN_AACHARS + ALERT_CHARS;
/** Dropped while reading the ^Z capability string ('#' belongs to it). */
export const IGN_CCCHARS = '\r|&$!%+?=';
/** Nothing is dropped from the `a` reply. */
export const IGN_CSCHARS = '';

/** alert_handler: the new status word after an alert character. */
export function applyAlert(status: number, ch: string): number {
  switch (ch) {
    case '!': return (status & ~APC_STAT_OL) | APC_STAT_OB;
    case '$': return (status & ~APC_STAT_OB) | APC_STAT_OL;
    case '%': return status | APC_STAT_LB;
    case '+': return status & ~APC_STAT_LB;
    case '#': return status | APC_STAT_RB;
    case '?': return status | APC_STAT_OVER;
    case '=': return status & ~APC_STAT_OVER;
    default: return status;
  }
}

// ---- the `a` command set ----

/** The command characters of an `a` reply (protocol.alerts.commands[.x]), or null if it is not one. */
export function commandSetChars(reply: string): string | null {
  if (!APC_CMDSET_FMT.test(reply)) return null;
  const parts = reply.split('.');
  return parts[2] ?? null;
}

// ---- the ^Z capability string ----

export interface CapabilityEntry {
  /** The variable's query character. */
  cmd: string;
  /** Locale character ('4' = all, else must equal the last character of the firmware). */
  loc: string;
  /** Raw values, each `entlen` characters. */
  values: string[];
}

export type CapsResult = { ok: true; entries: CapabilityEntry[] } | { ok: false; reason: string; entries: CapabilityEntry[] };

/**
 * apc_getcaps' parse: `#` (Matrix-UPS: `##` before every entry), then per entry the command,
 * the locale, the number of values and their length as '0'+n, and the values. A truncated
 * string yields the values that are there (NUT reads its zeroed buffer past the end); where NUT
 * exits (a count below '0', a Matrix string ending early), hardnut stops parsing and keeps the
 * entries before it: a garbled reply must not take the driver down.
 */
export function parseCapabilities(raw: string): CapsResult {
  const nul = raw.indexOf('\0');
  const text = nul < 0 ? raw : raw.slice(0, nul);
  const entries: CapabilityEntry[] = [];
  if (text[0] !== '#') return { ok: false, reason: `unknown capability start char [${text[0] ?? ''}]`, entries };
  const matrix = text[1] === '#';
  let p = matrix ? 0 : 1;
  // C's char is signed: bytes from 0x80 count as negative
  const digit = (i: number): number => {
    const c = i < text.length ? text.charCodeAt(i) : 0;
    return (c >= 128 ? c - 256 : c) - 48;
  };
  while (p < text.length) {
    if (matrix) p += 2;
    if (p >= text.length) return { ok: false, reason: 'capability string has overflowed', entries };
    const cmd = text[p] as string;
    const loc = text[p + 1] ?? '\0';
    const a = digit(p + 2);
    const b = digit(p + 3);
    if (a < 0 || b < 0) return { ok: false, reason: `nument (${a}) or entlen (${b}) out of range`, entries };
    const start = p + 4;
    const values: string[] = [];
    for (let i = 0; i < a; i++) values.push(text.slice(start + i * b, start + (i + 1) * b));
    entries.push({ cmd, loc, values });
    p = start + a * b;
  }
  return { ok: true, entries };
}

// ---- packed values ----

/** apc_dstate_setinfo for APC_PACK: up to APC_PACK_MAX comma-separated fields; '' becomes N/A. */
export function splitPacked(raw: string): { fields: string[]; truncated: boolean } {
  const parts = raw.split(',');
  const fields = parts.slice(0, APC_PACK_MAX);
  return { fields, truncated: parts.length > APC_PACK_MAX };
}

/** ambient.0.temperature → ambient.<n>.temperature (n from 1). */
export function packedName(name: string, index: number): string {
  return name.replace('.0.', `.${index + 1}.`);
}

// ---- commands with arguments ----

/** `@nnn` (hard hibernate): the additional wake-up delay, padded to 3 digits (or 2 if given as 2). */
export function graceDown(awd: string | undefined): string {
  const digits = awd ?? '000';
  const padto = digits.length === 2 ? 2 : 3;
  return APC_CMD_GRACEDOWN + digits.padStart(padto, '0');
}

/** `-` then the new value padded to 8 characters with CRs (ups.id, battery.date). */
export function stringSet(value: string): string | null {
  if (value.length > APC_STRLEN) return null;
  return APC_NEXTVAL + value + '\r'.repeat(APC_STRLEN - value.length);
}

/**
 * instcmd_chktime: a nasty command runs only when asked again 3–15 s after the previous nasty
 * request (any nasty command; whole seconds, as time() counts them). Returns whether to run it.
 */
export function confirmWindow(lastS: number, nowS: number): boolean {
  const elapsed = nowS - lastS;
  return elapsed >= MINCMDTIME_S && elapsed <= MAXCMDTIME_S;
}
