import { describe, it, expect } from 'vitest';
import { SpecError, formatAddress, splitAddr, splitName } from '../../src/client/ups-spec.js';

describe('UPS specs as upscli_splitname/splitaddr (§2.8)', () => {
  it.each([
    ['ups1', { upsName: 'ups1', host: 'localhost', port: 3493 }],
    ['ups1@server', { upsName: 'ups1', host: 'server', port: 3493 }],
    ['ups1@server:1234', { upsName: 'ups1', host: 'server', port: 1234 }],
    ['ups1@[::1]:1234', { upsName: 'ups1', host: '::1', port: 1234 }],
    ['ups1@[::1]', { upsName: 'ups1', host: '::1', port: 3493 }],
    ['ups1@127.0.0.1:12abc', { upsName: 'ups1', host: '127.0.0.1', port: 12 }],
    ['ups1@/run/nut/upsd.sock', { upsName: 'ups1', path: '/run/nut/upsd.sock' }],
  ])('%s', (spec, want) => {
    expect(splitName(spec)).toEqual(want);
  });

  it.each([
    [undefined, undefined],
    ['', "upscli_splitname: can't parse empty string"],
    ['ups1@', "upscli_splitaddr: can't parse empty string"],
    ['ups1:3493', 'upscli_splitname: port specified, but not a hostname'],
    ['@server', 'upscli_splitname: got empty upsname string'],
    ['ups1@server:0', "upscli_splitaddr: no port specified after ':' separator"],
    ['ups1@server:65536', "upscli_splitaddr: no port specified after ':' separator"],
    ['ups1@server:', "upscli_splitaddr: no port specified after ':' separator"],
    ['ups1@server:abc', "upscli_splitaddr: no port specified after ':' separator"],
    ['ups1@[::1', 'upscli_splitaddr: missing closing bracket in [domain literal]'],
  ])('%j is refused (%s)', (spec, detail) => {
    let err: unknown;
    try { splitName(spec); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).detail).toBe(detail);
  });

  it('server addresses for upsc -l', () => {
    expect(splitAddr('localhost')).toEqual({ host: 'localhost', port: 3493 });
    expect(splitAddr('[fe80::1]:99')).toEqual({ host: 'fe80::1', port: 99 });
    expect(formatAddress({ host: '::1', port: 5 })).toBe('[::1]:5');
    expect(formatAddress({ path: '/x' })).toBe('/x');
  });
});
