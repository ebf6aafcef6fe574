// The conversions NUT 2.8.0's snmp-ups applies to what an agent answers (su_ups_get, decode_str,
// nut_snmp_get_int), checked value by value.
import { describe, it, expect } from 'vitest';
import { ASN, cFixed2, cStrtol, decodeInt, decodeStr, formatNumber, hexString, statusTokens, strToLong } from '../../../src/driver/snmp/index.js';
import { IETF_OUTPUT_SOURCE, IETF_BATTERY_STATUS } from '../../../src/driver/snmp/ietf-mib.js';
import { APCC_POWER_STATUS } from '../../../src/driver/snmp/apc-mib.js';

describe('numbers: value × multiplier, "%i" when whole, "%.2f" of the float otherwise', () => {
  it('renders as NUT does', () => {
    expect(formatNumber(272, 0.1)).toBe('27.20');
    expect(formatNumber(42, 60)).toBe('2520'); // minutes → seconds
    expect(formatNumber(500, 0.1)).toBe('50');
    expect(formatNumber(12, 0.1)).toBe('1.20');
    expect(formatNumber(-1, 1)).toBe('-1');
    expect(formatNumber(2 ** 31, 1)).toBe('2147483648.00'); // out of int range: NUT's (int) cast fails, %.2f follows
    expect(formatNumber(10000001, 0.1)).toBe('1000000.12'); // float rounding, then glibc's round-half-even
  });
  it('%.2f ties go to even like glibc', () => {
    expect(cFixed2(0.125)).toBe('0.12');
    expect(cFixed2(0.375)).toBe('0.38');
    expect(cFixed2(-2.625)).toBe('-2.62');
  });
});

describe('decoding answers', () => {
  it('integers, timeticks (÷100), numeric strings (strtol base 0), OIDs (followed), anything else fails', () => {
    expect(decodeInt({ type: ASN.Integer, value: 5 })).toEqual({ kind: 'value', value: 5 });
    expect(decodeInt({ type: ASN.TimeTicks, value: 2099 })).toEqual({ kind: 'value', value: 20 });
    expect(decodeInt({ type: ASN.OctetString, value: Buffer.from('0x1F') })).toEqual({ kind: 'value', value: 31 });
    expect(decodeInt({ type: ASN.OctetString, value: Buffer.from('010') })).toEqual({ kind: 'value', value: 8 });
    expect(decodeInt({ type: ASN.OID, value: '1.3.6.1.2.1.33.1.7.7.4' })).toEqual({ kind: 'oid', oid: '.1.3.6.1.2.1.33.1.7.7.4', leaf: '4' });
    expect(decodeInt({ type: ASN.Counter64, value: Buffer.alloc(8) }).kind).toBe('fail');
    expect(decodeInt({ type: ASN.NoSuchObject, value: null }).kind).toBe('fail');
    expect(decodeInt({ type: ASN.Integer, value: 'x' }).kind).toBe('fail');
  });
  it('strings: printable kept (127 characters at most), binary shown in hex, integers through the enum', () => {
    expect(decodeStr({ type: ASN.OctetString, value: Buffer.from('Smart-UPS 1500') }, undefined)).toEqual({ kind: 'value', value: 'Smart-UPS 1500' });
    const long = decodeStr({ type: ASN.OctetString, value: Buffer.alloc(300, 0x41) }, undefined);
    expect(long.kind === 'value' && long.value.length).toBe(127);
    expect(decodeStr({ type: ASN.OctetString, value: Buffer.from([0, 0xff, 0x10]) }, undefined)).toEqual({ kind: 'value', value: '00 FF 10 ' });
    expect(hexString(Buffer.alloc(100)).length).toBeLessThanOrEqual(127);
    expect(decodeStr({ type: ASN.Integer, value: 2 }, IETF_BATTERY_STATUS)).toEqual({ kind: 'value', value: '' });
    expect(decodeStr({ type: ASN.Integer, value: 9 }, IETF_BATTERY_STATUS).kind).toBe('fail');
    expect(decodeStr({ type: ASN.Gauge, value: 7 }, undefined)).toEqual({ kind: 'value', value: '7' });
  });
  it('status enums become ups.status tokens', () => {
    expect(statusTokens(IETF_OUTPUT_SOURCE, 4)).toEqual(['OL', 'BYPASS']);
    expect(statusTokens(IETF_OUTPUT_SOURCE, 5)).toEqual(['OB']);
    expect(statusTokens(IETF_OUTPUT_SOURCE, 7)).toEqual(['OL', 'TRIM']);
    expect(statusTokens(IETF_OUTPUT_SOURCE, 1)).toEqual([]);
    expect(statusTokens(APCC_POWER_STATUS, 9)).toEqual(['BYPASS']);
    expect(statusTokens(APCC_POWER_STATUS, 6)).toEqual(['OFF']);
    expect(statusTokens(APCC_POWER_STATUS, 99)).toEqual([]);
  });
  it("strtol and NUT's strict str_to_long", () => {
    expect(cStrtol('  -12abc', 10)).toEqual({ value: -12n, end: 5, range: false });
    expect(cStrtol('99999999999999999999', 10).range).toBe(true);
    expect(strToLong(' 30 ')).toBe(30);
    expect(strToLong('30s')).toBeUndefined();
    expect(strToLong('')).toBeUndefined();
  });
});
