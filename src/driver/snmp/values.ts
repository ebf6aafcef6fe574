// Turning what an SNMP agent answers into NUT values, and NUT values into what snmp-ups SETs,
// exactly as NUT 2.8.0's snmp-ups does (nut_snmp_get_int / decode_str / su_ups_get / su_setOID).
// Pure: an answer is a varbind { type, value } as net-snmp decodes it; anything else, from any
// agent, is a decoding failure, never an exception.
import { SU_INFOSIZE, type Lookup } from './mib.js';
import { isCSpace, scanLong, strToLong as cStrToLong } from '../../core/c-number.js';

/** ASN.1 / SMI tags (the numbers net-snmp's ObjectType uses). */
export const ASN = {
  Integer: 0x02, OctetString: 0x04, Null: 0x05, OID: 0x06,
  IpAddress: 0x40, Counter: 0x41, Gauge: 0x42, TimeTicks: 0x43, Opaque: 0x44, Counter64: 0x46,
  NoSuchObject: 0x80, NoSuchInstance: 0x81, EndOfMibView: 0x82,
} as const;

export interface Varbind { readonly type: number; readonly value: unknown }

/** A decoded answer: a value, another OID to read (an OBJECT IDENTIFIER answer), or nothing usable. */
export type Decoded<T> = { kind: 'value'; value: T } | { kind: 'oid'; oid: string; leaf: string } | { kind: 'fail'; reason: string };

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
const FLT_EPSILON = 2 ** -23;
/** The most characters a string read from the agent keeps (NUT's SU_INFOSIZE minus the NUL). */
export const MAX_STRING = SU_INFOSIZE - 1;

const fail = (reason: string): { kind: 'fail'; reason: string } => ({ kind: 'fail', reason });

/** C's strtol(text, &end, base 0|10) with saturation at LONG_MIN/LONG_MAX (core/c-number.ts). */
export function cStrtol(text: string, base: 0 | 10): { value: bigint; end: number; range: boolean } {
  const { value, end, range } = scanLong(text, base);
  return { value, end, range };
}

/** NUT's str_to_long(s, &n, 10) (core/c-number.ts). */
export function strToLong(text: string): number | undefined {
  return cStrToLong(text, 10);
}

function integerOf(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}

function bytesOf(v: unknown): Uint8Array | undefined {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return Buffer.from(v, 'latin1');
  return undefined;
}

/** An OBJECT IDENTIFIER value as net-snmp prints it numerically (leading dot), or undefined. */
function oidOf(v: unknown): { oid: string; leaf: string } | undefined {
  if (typeof v !== 'string' || !/^\.?\d+(\.\d+)*$/.test(v)) return undefined;
  const oid = v.startsWith('.') ? v : `.${v}`;
  return { oid, leaf: oid.slice(oid.lastIndexOf('.') + 1) };
}

/** nut_snmp_get_int: the integer NUT reads from an answer. */
export function decodeInt(vb: Varbind): Decoded<number> {
  switch (vb.type) {
    case ASN.OctetString: case ASN.Opaque: {
      const bytes = bytesOf(vb.value);
      if (!bytes) return fail('malformed string');
      // strtol stops at the first NUL, as a C string does
      const nul = bytes.indexOf(0);
      const text = Buffer.from(nul < 0 ? bytes : bytes.subarray(0, nul)).toString('latin1');
      return { kind: 'value', value: Number(cStrtol(text, 0).value) };
    }
    case ASN.Integer: case ASN.Counter: case ASN.Gauge: {
      const n = integerOf(vb.value);
      return n === undefined ? fail('malformed integer') : { kind: 'value', value: n };
    }
    case ASN.TimeTicks: {
      const n = integerOf(vb.value);
      return n === undefined ? fail('malformed timeticks') : { kind: 'value', value: Math.trunc(n / 100) };
    }
    case ASN.OID: {
      const o = oidOf(vb.value);
      return o ? { kind: 'oid', ...o } : fail('malformed OID');
    }
    default:
      return fail(`unhandled ASN 0x${vb.type.toString(16)}`);
  }
}

/** The leaf of an OID value read as NUT's fallback does (strtol base 0). */
export function leafInt(leaf: string): number {
  return Number(cStrtol(leaf, 0).value);
}

function printable(bytes: Uint8Array): boolean {
  for (const c of bytes) if (!((c >= 0x20 && c < 0x7f) || isCSpace(c))) return false;
  return true;
}

/**
 * net-snmp's hex rendering of a binary string ("%02X " per byte), cut to what fits NUT's buffer.
 * hardnut renders it on one line where net-snmp may break it every 16 bytes.
 */
export function hexString(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) {
    const next = `${b.toString(16).toUpperCase().padStart(2, '0')} `;
    if (s.length + next.length > MAX_STRING) break;
    s += next;
  }
  return s;
}

export function findText(table: Lookup | undefined, value: number): string | undefined {
  return table?.find((e) => e.value === value)?.text;
}

/** decode_str: the text NUT reads from an answer for a string variable. */
export function decodeStr(vb: Varbind, table: Lookup | undefined): Decoded<string> {
  switch (vb.type) {
    case ASN.OctetString: case ASN.Opaque: {
      const bytes = bytesOf(vb.value);
      if (!bytes) return fail('malformed string');
      if (!printable(bytes)) return { kind: 'value', value: hexString(bytes) };
      return { kind: 'value', value: Buffer.from(bytes.subarray(0, MAX_STRING)).toString('latin1') };
    }
    case ASN.Integer: case ASN.Counter: case ASN.Gauge: {
      const n = integerOf(vb.value);
      if (n === undefined) return fail('malformed integer');
      if (!table) return { kind: 'value', value: String(n) };
      const text = findText(table, n);
      return text === undefined ? fail(`no text for value ${n}`) : { kind: 'value', value: text.slice(0, MAX_STRING) };
    }
    case ASN.TimeTicks: {
      const n = integerOf(vb.value);
      return n === undefined ? fail('malformed timeticks') : { kind: 'value', value: String(Math.trunc(n / 100)) };
    }
    case ASN.OID: {
      const o = oidOf(vb.value);
      return o ? { kind: 'oid', ...o } : fail('malformed OID');
    }
    default:
      return fail(`unhandled ASN 0x${vb.type.toString(16)}`);
  }
}

/** C's (int) conversion of a double on x86-64: out of range (or NaN) gives INT_MIN. */
function cInt(d: number): number {
  const t = Math.trunc(d);
  return Number.isNaN(t) || t < INT_MIN || t > INT_MAX ? INT_MIN : t;
}

/** printf("%.2f", x) for a float x: glibc rounds an exact tie to even, JavaScript's toFixed away from zero. */
export function cFixed2(x: number): string {
  const a = Math.abs(x);
  if (Number.isInteger(a * 8) && (a * 100) % 1 === 0.5) {
    const lo = Math.floor(a * 100);
    const n = lo % 2 === 0 ? lo : lo + 1;
    const body = (n / 100).toFixed(2);
    return x < 0 ? `-${body}` : body;
  }
  return x.toFixed(2);
}

/** su_ups_get's numeric rendering: value × multiplier, "%i" when it is whole (in float terms), else "%.2f" of the float. */
export function formatNumber(value: number, multiplier: number): string {
  const d = value * multiplier;
  const i = cInt(d);
  const f = Math.fround(d);
  if (Math.abs(Math.fround(Math.fround(i) - f)) <= FLT_EPSILON) return String(i);
  return cFixed2(f);
}

/** "%.1f" of a float, for ambient.temperature. */
export function formatTemperature(celsius: number): string {
  const f = Math.fround(celsius);
  const a = Math.abs(f);
  if (Number.isInteger(a * 2) && (a * 10) % 1 === 0.5) {
    const lo = Math.floor(a * 10);
    const n = lo % 2 === 0 ? lo : lo + 1;
    return `${f < 0 ? '-' : ''}${(n / 10).toFixed(1)}`;
  }
  return f.toFixed(1);
}

/** ups.status tokens of one status entry's value ("OL BYPASS" is two tokens), empty when none. */
export function statusTokens(table: Lookup | undefined, value: number): string[] {
  const text = findText(table, value);
  return text === undefined || text === '' ? [] : text.split(' ').filter((t) => t !== '');
}
