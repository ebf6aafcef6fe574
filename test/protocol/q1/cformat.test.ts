import { describe, it, expect } from 'vitest';
import { cFormat, cStrtod, cStrtol, formatFixed, strspn } from '../../../src/protocol/q1/cformat.js';

describe('C number formatting used by the Q1 tables', () => {
  it('prints %.Nf like glibc, ties to even (values checked with a correctly rounding printf)', () => {
    const cases: Array<[number, number, string]> = [
      [2.5, 0, '2'], [3.5, 0, '4'], [0.5, 0, '0'], [1.5, 0, '2'], [62.5, 0, '62'],
      [0.125, 2, '0.12'], [0.375, 2, '0.38'], [27.2, 2, '27.20'], [230.45, 1, '230.4'],
      [49.95, 1, '50.0'], [1e-7, 2, '0.00'], [-0, 0, '-0'], [49.999999999999964, 0, '50'], [14, 0, '14'],
    ];
    for (const [x, d, want] of cases) expect(formatFixed(x, d), `${x} %.${d}f`).toBe(want);
  });

  it('reads numbers like strtod/strtol: leading blanks, stops at the first non-number character', () => {
    expect(cStrtod('  230.4 x')).toBe(230.4);
    expect(cStrtod('1.2.3')).toBe(1.2);
    expect(cStrtod(' ')).toBe(0);
    expect(cStrtod('.5')).toBe(0.5);
    expect(cStrtol('0130:')).toBe(130);
    expect(cStrtol('12.9')).toBe(12);
    expect(cStrtol('-7')).toBe(-7);
    expect(cStrtol('5A', 16)).toBe(0x5a);
    expect(cStrtol('zz')).toBe(0);
  });

  it('formats the table formats NUT uses', () => {
    expect(cFormat('%.1f', 230.4)).toBe('230.4');
    expect(cFormat('%.0f', cStrtod('014'))).toBe('14');
    expect(cFormat('T%02d\r', 4)).toBe('T04\r');
    expect(cFormat('%04ld', 3)).toBe('0003');
    expect(cFormat('%s', 'x')).toBe('x');
    expect(strspn('12 .3a', '0123456789 .')).toBe(5);
  });
});
