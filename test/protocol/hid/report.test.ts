// Field extraction and insertion at bit level, and NUT's logical → physical conversion.
import { describe, it, expect } from 'vitest';
import {
  getLogical, setLogical, toPhysical, toLogical, unitExponent, power10, newReport, HidError, type HidField,
} from '../../../src/protocol/hid/index.js';

function field(over: Partial<HidField>): HidField {
  return {
    path: [], type: 'Feature', reportId: 1, offset: 0, size: 8, attribute: 2, logicalMin: 0, logicalMax: 255, physicalMin: 0,
    physicalMax: 0, havePhysicalMin: false, havePhysicalMax: false, unit: 0, unitExponent: 0, ...over,
  };
}

describe('report fields', () => {
  it('reads fields at any bit offset and size, little-endian, after the report ID byte', () => {
    const buf = Uint8Array.from([0x16, 0x0e, 0x00]);
    expect([0, 1, 2, 3].map((o) => getLogical(buf, field({ offset: o, size: 1, logicalMax: 1 })))).toEqual([0, 1, 1, 1]);
    expect(getLogical(Uint8Array.from([0x0f, 0x22, 0x0e]), field({ size: 16, logicalMax: 65535 }))).toBe(3618);
    expect(getLogical(Uint8Array.from([0x0c, 0x64, 0x00, 0x00, 0x14, 0x0a]), field({ offset: 24, size: 16, logicalMax: 65534 }))).toBe(2580);
    // 4 bits straddling a byte boundary
    expect(getLogical(Uint8Array.from([1, 0xf0, 0x0a]), field({ offset: 6, size: 4, logicalMax: 15 }))).toBe(0b1011);
  });

  it('signed when LogMin < 0 (two\'s complement in the field\'s size)', () => {
    expect(getLogical(Uint8Array.from([0x15, 0xff, 0xff]), field({ size: 16, logicalMin: -1, logicalMax: 32767 }))).toBe(-1);
    expect(getLogical(Uint8Array.from([1, 0x80]), field({ logicalMin: -128, logicalMax: 127 }))).toBe(-128);
  });

  it('drops garbage above the range and clamps into LogMin..LogMax (NUT, APC Back-UPS BF500)', () => {
    // 32-bit field, LogMax 0xffff, device sends 0x80080a00: NUT keeps 0x0a00
    expect(getLogical(Uint8Array.from([1, 0x00, 0x0a, 0x08, 0x80]), field({ size: 32, logicalMax: 0xffff }))).toBe(0x0a00);
    expect(getLogical(Uint8Array.from([1, 0x7f]), field({ logicalMax: 100 }))).toBe(100);
    expect(getLogical(Uint8Array.from([1, 0x00]), field({ logicalMin: 1, logicalMax: 3 }))).toBe(1);
  });

  it('bits past the end of a short report read as 0', () => {
    expect(getLogical(Uint8Array.from([1]), field({ size: 16, logicalMax: 65535 }))).toBe(0);
  });

  it('writes fields in place, two\'s complement, leaving the other bits alone', () => {
    const buf = Uint8Array.from([0x16, 0xff, 0x00]);
    setLogical(buf, field({ offset: 1, size: 1, logicalMax: 1 }), 0);
    expect([...buf]).toEqual([0x16, 0xfd, 0x00]);
    const b2 = newReport(0x15, 2);
    setLogical(b2, field({ size: 16, logicalMin: -1, logicalMax: 32767 }), -1);
    expect([...b2]).toEqual([0x15, 0xff, 0xff]);
    setLogical(b2, field({ offset: 4, size: 8 }), 0x5a);
    expect([...b2]).toEqual([0x15, 0xaf, 0xf5]);
    expect(() => setLogical(b2, field({ offset: 12, size: 8 }), 1)).toThrow(HidError);
  });

  it('physical values: no physical extents means physical = logical', () => {
    expect(toPhysical(field({}), 42)).toBe(42);
  });

  it('physical values: scaled between the extents and clamped', () => {
    const f = field({ logicalMin: 0, logicalMax: 255, physicalMin: 0, physicalMax: 510, havePhysicalMin: true, havePhysicalMax: true });
    expect(toPhysical(f, 100)).toBe(200);
    expect(toLogical(f, 200)).toBe(100);
    expect(toLogical(f, 9999)).toBe(255);
    // both extents 0, or inverted: ignored
    expect(toPhysical(field({ havePhysicalMin: true, havePhysicalMax: true }), 7)).toBe(7);
  });

  it('unit exponents: volts carry 10^7 in SI, so exponent 5 is 10^-2 (NUT\'s table)', () => {
    const volts = field({ size: 16, logicalMax: 65534, unit: 0x00f0d121, unitExponent: 5 });
    expect(unitExponent(volts)).toBe(-2);
    // the same double NUT computes (1358 × 0.1 × 0.1), which it prints as 13.58
    expect(toPhysical(volts, 0x054e)).toBe(1358 * (0.1 * 0.1));
    // the unit stays global: a later 8-bit field with the same state reads 3 as 0.03 (APC Back-UPS 500)
    expect(toPhysical(field({ unit: 0x00f0d121, unitExponent: 5 }), 3)).toBe(3 * (0.1 * 0.1));
    expect(unitExponent(field({ unit: 0x1001, unitExponent: 0 }))).toBe(0);
    expect(unitExponent(field({ unit: 0x12345, unitExponent: -3 }))).toBe(-3);
    // 13.5 / (0.1 × 0.1) is 1349.99…, truncated like NUT's (long) cast
    expect(toLogical(volts, 13.5)).toBe(1349);
  });

  it('powers of ten are multiplied out like NUT\'s, so the doubles are the same', () => {
    expect(power10(-2)).toBe(0.1 * 0.1);
    expect(power10(3)).toBe(1000);
    expect(power10(0)).toBe(1);
  });
});
