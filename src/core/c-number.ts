// C's number parsing, the one copy: wherever NUT reads a number from a file, a driver, a server or
// a device with strtol/atoi/strtod/str_to_long, hardnut reads it here, so "12abc", " -3", "0x1F"
// and an overflow mean the same thing everywhere they mean it in NUT (glibc, LP64, C locale).
// Pure: no I/O.

/** LONG_MAX / LONG_MIN on a 64-bit Linux. */
export const LONG_MAX = (1n << 63n) - 1n;
export const LONG_MIN = -(1n << 63n);
/** INT_MAX / INT_MIN. */
export const INT_MAX = 0x7fffffff;
export const INT_MIN = -0x80000000;

/** C isspace() in the C locale: space, \t \n \v \f \r. */
export function isCSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** What strtol(text, &end, base) found. */
export interface LongScan {
  /** The value, saturated at LONG_MIN/LONG_MAX as glibc does (then errno is ERANGE). */
  value: bigint;
  /** Where parsing stopped (0 when no digit was read, as C sets end = text). */
  end: number;
  /** At least one digit was read. */
  digits: boolean;
  /** The value saturated (ERANGE). */
  range: boolean;
}

/**
 * glibc strtol(text, &end, base): leading white space, an optional sign, then digits of the base.
 * Base 0 reads "0x…" as hex and "0…" as octal; base 16 accepts an optional "0x". No digit: value 0
 * and end 0.
 */
export function scanLong(text: string, base: 0 | 10 | 16 = 10): LongScan {
  let i = 0;
  while (i < text.length && isCSpace(text.charCodeAt(i))) i++;
  let neg = false;
  const sign = text.charCodeAt(i);
  if (sign === 0x2b || sign === 0x2d) { neg = sign === 0x2d; i++; }
  let radix: number = base === 0 ? 10 : base;
  const hexPrefix = text[i] === '0' && (text[i + 1] === 'x' || text[i + 1] === 'X') && /[0-9a-fA-F]/.test(text[i + 2] ?? '');
  if ((base === 0 || base === 16) && hexPrefix) { radix = 16; i += 2; } else if (base === 0 && text[i] === '0') radix = 8;
  const start = i;
  let v = 0n;
  const big = BigInt(radix);
  for (; i < text.length; i++) {
    const d = digitValue(text.charCodeAt(i));
    if (d >= radix) break;
    v = v * big + BigInt(d);
  }
  if (i === start) return { value: 0n, end: 0, digits: false, range: false };
  if (neg) v = -v;
  if (v > LONG_MAX) return { value: LONG_MAX, end: i, digits: true, range: true };
  if (v < LONG_MIN) return { value: LONG_MIN, end: i, digits: true, range: true };
  return { value: v, end: i, digits: true, range: false };
}

/** 0–35 for 0-9, a-z, A-Z; 99 for anything else (never a digit in any base). */
function digitValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x7a) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x5a) return c - 0x41 + 10;
  return 99;
}

/** strtol(text, NULL, base) as a JS number (beyond ±2^53 it loses precision; no UPS value gets there). */
export function strtol(text: string, base: 0 | 10 | 16 = 10): number {
  return Number(scanLong(text, base).value);
}

/** atoi(text) as glibc computes it, (int) strtol(text, NULL, 10): the saturated long cut to 32 bits. */
export function atoi(text: string): number {
  return Number(BigInt.asIntN(32, scanLong(text, 10).value));
}

/**
 * NUT's str_to_long / str_to_int (common/str.c): surrounding white space trimmed, then the whole
 * rest must be a number of the base within [min, max]; otherwise undefined (NUT returns failure).
 */
export function strToLong(text: string, base: 0 | 10 | 16 = 10, min: bigint = LONG_MIN, max: bigint = LONG_MAX): number | undefined {
  let a = 0;
  let b = text.length;
  while (a < b && isCSpace(text.charCodeAt(a))) a++;
  while (b > a && isCSpace(text.charCodeAt(b - 1))) b--;
  const s = text.slice(a, b);
  const r = scanLong(s, base);
  if (!r.digits || r.end !== s.length || r.range || r.value < min || r.value > max) return undefined;
  return Number(r.value);
}

/** NUT's str_to_int(text, &i, 10). */
export function strToInt(text: string): number | undefined {
  return strToLong(text, 10, BigInt(INT_MIN), BigInt(INT_MAX));
}

/**
 * glibc strtod for decimal input: leading white space, a sign, digits, one point, an exponent; else
 * 0. Unlike glibc it reads no hex float, "inf" or "nan": no UPS value NUT parses is one, and a
 * device that sends "nan" should not publish NaN.
 */
export function strtod(text: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?)((?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/.exec(text);
  if (!m) return 0;
  const v = Number.parseFloat(m[2] as string);
  return m[1] === '-' ? -v : v;
}

/** atof(text) is strtod(text, NULL). */
export const atof = strtod;

/**
 * hardnut's strict reading of a config number (a difference from NUT's atoi, which reads "15s" as
 * 15 silently): a decimal integer, optionally signed, nothing else; at most 15 digits so it is
 * exact. The config readers report anything else with its file:line.
 */
export function parseInteger(word: string): number | undefined {
  if (!/^[+-]?\d{1,15}$/.test(word)) return undefined;
  return Number.parseInt(word, 10);
}

/** A non-negative decimal integer, strictly (see parseInteger). */
export function parseCount(word: string): number | undefined {
  if (!/^\+?\d{1,15}$/.test(word)) return undefined;
  return Number.parseInt(word, 10);
}
