// Reading and writing one field of a report, bit by bit, and NUT's logical ⇄ physical
// conversion (libhid.c, hidparser.c GetValue/SetValue), pure. A report buffer always starts with
// its report ID byte, as hidapi and NUT hand it over; field offsets count from the byte after it.
import { HidError } from './errors.js';
import { MAX_FIELD_BITS, MAX_REPORT_BYTES, type HidField } from './descriptor.js';

/** The value bits of a field, unsigned (at most MAX_FIELD_BITS). Bits past the buffer read as 0. */
function rawBits(buf: Uint8Array, offset: number, size: number): bigint {
  let v = 0n;
  for (let w = 0; w < size; w++) {
    const bit = offset + 8 + w;
    const byte = buf[bit >> 3];
    if (byte !== undefined && (byte & (1 << (bit & 7))) !== 0) v |= 1n << BigInt(w);
  }
  return v;
}

/** 1 + position of the highest set bit (NUT's hibit). */
function hibit(x: bigint): number {
  let n = 0;
  while (x > 0n) { x >>= 1n; n++; }
  return n;
}

/**
 * NUT's GetValue: the field's logical value. High bits beyond what LogMin..LogMax needs are
 * dropped (APC Back-UPS BF500 sends garbage there), the rest is sign-extended when LogMin < 0,
 * and the result is clamped into LogMin..LogMax.
 */
export function getLogical(buf: Uint8Array, field: HidField): number {
  if (field.size > MAX_FIELD_BITS) throw new HidError('ERR_HID_FIELD_SIZE', `field of ${field.size} bits`);
  let value = rawBits(buf, field.offset, field.size);
  const lmin = BigInt(field.logicalMin);
  const lmax = BigInt(field.logicalMax);
  const magMax = lmax >= 0n ? lmax : -(lmax + 1n);
  const magMin = lmin >= 0n ? lmin : -(lmin + 1n);
  const signbit = 1n << BigInt(hibit(magMax > magMin ? magMax : magMin));
  const mask = (signbit - 1n) | (lmin < 0n ? signbit : 0n);
  value &= mask;
  if (lmin < 0n && (value & signbit) !== 0n) value -= signbit << 1n;
  if (value < lmin) value = lmin;
  else if (value > lmax) value = lmax;
  return Number(value);
}

/** NUT's SetValue: writes the low `size` bits of `value` (two's complement) into the buffer. */
export function setLogical(buf: Uint8Array, field: HidField, value: number): void {
  if (field.size > MAX_FIELD_BITS) throw new HidError('ERR_HID_FIELD_SIZE', `field of ${field.size} bits`);
  const end = field.offset + 8 + field.size;
  if (end > buf.length * 8) throw new HidError('ERR_HID_REPORT_TOO_BIG', `field ends at bit ${end}, report has ${buf.length * 8}`);
  const v = BigInt.asUintN(MAX_FIELD_BITS, BigInt(Math.trunc(value)));
  for (let w = 0; w < field.size; w++) {
    const bit = field.offset + 8 + w;
    const byteIndex = bit >> 3;
    const mask = 1 << (bit & 7);
    const cur = buf[byteIndex] as number;
    buf[byteIndex] = ((v >> BigInt(w)) & 1n) !== 0n ? cur | mask : cur & ~mask;
  }
}

/** A report buffer of `length` bytes after the ID, with the ID in front (NUT's report buffer). */
export function newReport(reportId: number, length: number): Uint8Array {
  if (length > MAX_REPORT_BYTES) throw new HidError('ERR_HID_REPORT_TOO_BIG', `report of ${length} bytes`);
  const b = new Uint8Array(length + 1);
  b[0] = reportId;
  return b;
}

/** HID units NUT knows, with the exponent their SI definition carries (libhid.c HIDUnits). */
const UNIT_EXPONENTS: ReadonlyArray<readonly [number, number]> = [
  [0x00000000, 0], // none
  [0x00f0d121, 7], // volt
  [0x00100001, 0], // ampere
  [0x0000d121, 7], // volt-ampere, watt
  [0x00001001, 0], // second
  [0x00010001, 0], // kelvin
  [0x0000f001, 0], // hertz
  [0x00101001, 0], // ampere-second
];

/** NUT's get_unit_expo: the field's unit exponent, less its unit's own (volts are 10^7 in SI units). */
export function unitExponent(field: HidField): number {
  for (const [unit, expo] of UNIT_EXPONENTS) if (unit === field.unit) return field.unitExponent - expo;
  return field.unitExponent;
}

/** NUT's exponent(a, b), multiplied out in the same order so the doubles are the same. */
export function power10(b: number): number {
  if (b > 0) return 10 * power10(b - 1);
  if (b < 0) return (1 / 10) * power10(b + 1);
  return 1;
}

function hasPhysical(f: HidField): boolean {
  return f.havePhysicalMax && f.havePhysicalMin && !(f.physicalMax === 0 && f.physicalMin === 0)
    && f.physicalMax > f.physicalMin && f.logicalMax > f.logicalMin;
}

/** NUT's logical_to_physical, then the unit exponent: the value NUT prints as "Value: %g". */
export function toPhysical(field: HidField, logical: number): number {
  let physical = logical;
  if (hasPhysical(field)) {
    const factor = (field.physicalMax - field.physicalMin) / (field.logicalMax - field.logicalMin);
    physical = (logical - field.logicalMin) * factor + field.physicalMin;
    if (physical > field.physicalMax) physical = field.physicalMax;
    else if (physical < field.physicalMin) physical = field.physicalMin;
  }
  return physical * power10(unitExponent(field));
}

/** NUT's unit exponent division, then physical_to_logical (C truncation toward zero). */
export function toLogical(field: HidField, physical: number): number {
  const value = physical / power10(unitExponent(field));
  if (!hasPhysical(field)) return Math.trunc(value);
  const factor = (field.logicalMax - field.logicalMin) / (field.physicalMax - field.physicalMin);
  const logical = Math.trunc((value - field.physicalMin) * factor) + field.logicalMin;
  if (logical > field.logicalMax) return field.logicalMax;
  if (logical < field.logicalMin) return field.logicalMin;
  return logical;
}
