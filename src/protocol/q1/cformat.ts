// C library behaviour the serial drivers' value formats depend on: strtod/strtol on the text a
// UPS sent, printf("%.Nf") on the result, strspn. NUT formats every Q1 value this way (§10.1), so
// a value hardnut publishes must be what glibc would have printed for the same reply.

import { strtod, strtol } from '../../core/c-number.js';


/** glibc strtod for decimal input (core/c-number.ts). */
export const cStrtod = strtod;

/** glibc strtol(text, NULL, base) (core/c-number.ts), capped at 2^53: past it a double cannot tell. */
export function cStrtol(text: string, base: 10 | 16 = 10): number {
  const v = strtol(text, base);
  return Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, v));
}

/** strspn(text, accept): the length of the leading run of characters from `accept`. */
export function strspn(text: string, accept: string): number {
  let i = 0;
  while (i < text.length && accept.includes(text[i] as string)) i++;
  return i;
}

/** strcspn(text, reject). */
export function strcspn(text: string, reject: string): number {
  let i = 0;
  while (i < text.length && !reject.includes(text[i] as string)) i++;
  return i;
}

/** Digits after the point toFixed can show: enough to see any exact tie of a UPS value. */
const EXACT_DIGITS = 100;

/**
 * printf("%.<digits>f", x) as glibc prints it. JavaScript's toFixed rounds an exact tie away
 * from zero, glibc to even (2.5 → "2"); everything else both round the exact binary value.
 */
export function formatFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  if (Math.abs(x) >= 1e21) return BigInt(Math.trunc(x)).toString() + (digits > 0 ? `.${'0'.repeat(digits)}` : '');
  const exact = Math.abs(x).toFixed(EXACT_DIGITS);
  const point = exact.indexOf('.');
  const tail = exact.slice(point + 1 + digits);
  let out: string;
  if (/^50*$/.test(tail)) {
    // an exact tie: keep the even neighbour
    const truncated = exact.slice(0, point + 1 + digits).replace(/\.$/, '');
    const lastDigit = Number((truncated.replace('.', '').slice(-1)) || '0');
    out = lastDigit % 2 === 0 ? truncated : addUlp(truncated);
  } else {
    out = Math.abs(x).toFixed(digits);
  }
  const negative = x < 0 || Object.is(x, -0);
  return negative ? `-${out}` : out;
}

/** Adds one unit in the last printed place to a non-negative decimal string. */
function addUlp(s: string): string {
  const chars = s.split('');
  for (let i = chars.length - 1; i >= 0; i--) {
    const c = chars[i] as string;
    if (c === '.') continue;
    if (c === '9') { chars[i] = '0'; continue; }
    chars[i] = String(Number(c) + 1);
    return chars.join('');
  }
  return `1${chars.join('')}`;
}

/** snprintf with one conversion of the kinds NUT's tables use: %s, %.Nf, %d, %02d, %04ld… */
export function cFormat(fmt: string, arg: string | number): string {
  return fmt.replace(/%(0?)(\d*)(?:\.(\d+))?(l?)([sfd])|%%/g, (all, zero: string | undefined, width: string | undefined, prec: string | undefined, _l: string, conv: string | undefined) => {
    if (all === '%%') return '%';
    let s: string;
    if (conv === 's') s = String(arg);
    else if (conv === 'f') s = formatFixed(typeof arg === 'number' ? arg : cStrtod(arg), prec === undefined ? 6 : Number(prec));
    else s = String(Math.trunc(typeof arg === 'number' ? arg : cStrtol(arg)));
    const w = width ? Number(width) : 0;
    if (s.length >= w) return s;
    if (zero && conv !== 's') {
      const neg = s.startsWith('-');
      const body = neg ? s.slice(1) : s;
      return (neg ? '-' : '') + '0'.repeat(w - s.length) + body;
    }
    return ' '.repeat(w - s.length) + s;
  });
}
