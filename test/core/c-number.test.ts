// core/c-number.ts against glibc itself: a small C program computes strtol/atoi/strtod/str_to_long
// for the same inputs, so the oracle is the C library NUT is built on, not this code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { atoi, scanLong, strToInt, strToLong, strtod, strtol } from '../../src/core/c-number.js';
import { onPath, requirePeer } from '../support/peers.js';

// Reads one input per line (hex, so any byte can be fed), prints what glibc says for each.
const ORACLE_C = String.raw`
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static int unhex(const char *h, char *out) {
  size_t n = strlen(h) / 2;
  for (size_t i = 0; i < n; i++) { unsigned v; sscanf(h + 2 * i, "%2x", &v); out[i] = (char)v; }
  out[n] = 0; return (int)n;
}
int main(void) {
  static char line[8192], s[4096];
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\n")] = 0;
    unhex(line, s);
    char *end;
    errno = 0; long l10 = strtol(s, &end, 10); long e10 = end - s; int r10 = errno == ERANGE;
    long l16 = strtol(s, NULL, 16);
    long l0 = strtol(s, &end, 0); long e0 = end - s;
    int a = atoi(s);
    double d = strtod(s, NULL);
    /* NUT's str_to_long: trim, whole rest a number, no ERANGE */
    char *p = s; while (*p == ' ' || (*p >= 9 && *p <= 13)) p++;
    char t[4096]; strcpy(t, p); size_t n = strlen(t);
    while (n > 0 && (t[n-1] == ' ' || (t[n-1] >= 9 && t[n-1] <= 13))) t[--n] = 0;
    errno = 0; long sl = strtol(t, &end, 10);
    int slok = n > 0 && *end == 0 && end != t && errno != ERANGE;
    printf("%ld %ld %d %ld %ld %ld %d %.17g %d %ld\n", l10, e10, r10, l16, l0, e0, a, d, slok, slok ? sl : 0L);
  }
  return 0;
}`;

let dir = '';
let oracle = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hn-cnum-'));
  if (!onPath('gcc')) return;
  writeFileSync(join(dir, 'oracle.c'), ORACLE_C);
  oracle = join(dir, 'oracle');
  execFileSync('gcc', ['-O1', '-o', oracle, join(dir, 'oracle.c')]);
});
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

interface Glibc { l10: bigint; e10: number; r10: boolean; l16: bigint; l0: bigint; e0: number; a: number; d: number; strToLong: number | undefined }

/** printf's %g spells infinities inf/-inf. */
function cDouble(text: string): number {
  return text === 'inf' ? Infinity : text === '-inf' ? -Infinity : Number(text);
}

function glibc(inputs: string[]): Glibc[] {
  const out = execFileSync(oracle, { input: inputs.map((s) => Buffer.from(s, 'latin1').toString('hex')).join('\n') + '\n', maxBuffer: 1 << 26 }).toString();
  return out.trim().split('\n').map((line) => {
    const f = line.split(' ');
    return {
      l10: BigInt(f[0] as string), e10: Number(f[1]), r10: f[2] === '1', l16: BigInt(f[3] as string), l0: BigInt(f[4] as string),
      e0: Number(f[5]), a: Number(f[6]), d: cDouble(f[7] as string), strToLong: f[8] === '1' ? Number(f[9]) : undefined,
    };
  });
}

const CASES = [
  '', '0', '12abc', 'abc', '  -3', '\t+42x', '-', '+', ' ', '0x1F', '0X', '0x', '010', '-0x10', '9223372036854775807',
  '9223372036854775808', '-9223372036854775809', '99999999999999999999', '4294967296', '2147483648', '-2147483649',
  '1e5', '.5', '-.5e-3', '3.', 'inf', 'nan', '1.5x', ' 7 ', '\v\f\r\n12', '0b101', '1_000', '\xb2\xb3', '0x1g', '077', '08',
];

describe('C number parsing (core/c-number.ts) is glibc\'s', () => {
  it('agrees with glibc on the inputs NUT has met and their edges', (ctx) => {
    requirePeer(ctx, onPath('gcc'), 'gcc (the glibc oracle)');
    const want = glibc(CASES);
    CASES.forEach((s, i) => {
      const g = want[i] as Glibc;
      const label = JSON.stringify(s);
      const r10 = scanLong(s, 10);
      expect([label, r10.value, r10.end, r10.range]).toEqual([label, g.l10, g.e10, g.r10]);
      expect([label, strtol(s)]).toEqual([label, Number(g.l10)]);
      expect([label, scanLong(s, 16).value]).toEqual([label, g.l16]);
      const r0 = scanLong(s, 0);
      expect([label, r0.value, r0.end]).toEqual([label, g.l0, g.e0]);
      expect([label, atoi(s)]).toEqual([label, g.a]);
      if (!/0[xX]|inf|nan/i.test(s)) expect([label, strtod(s)]).toEqual([label, g.d]); // decimal only: see strtod
      expect([label, strToLong(s)]).toEqual([label, g.strToLong]);
    });
  });

  it('agrees with glibc on random strings of digits, signs, blanks and letters', (ctx) => {
    requirePeer(ctx, onPath('gcc'), 'gcc (the glibc oracle)');
    const alphabet = fc.constantFrom(...' \t\n+-.0123456789xXeEaAfFgz'.split(''));
    const inputs = fc.sample(fc.string({ unit: alphabet, maxLength: 40 }), { numRuns: 3000, seed: 20261205 });
    const want = glibc(inputs);
    inputs.forEach((s, i) => {
      const g = want[i] as Glibc;
      const label = JSON.stringify(s);
      expect([label, scanLong(s, 10).value, scanLong(s, 0).value, scanLong(s, 16).value, atoi(s), strToLong(s)])
        .toEqual([label, g.l10, g.l0, g.l16, g.a, g.strToLong]);
      // strtod: glibc also reads hex floats, "inf" and "nan"; hardnut's readers never need them
      if (!/0[xX]|inf|nan/i.test(s)) expect([label, strtod(s)]).toEqual([label, g.d]);
    });
  });

  it('str_to_int refuses what does not fit an int', () => {
    expect(strToInt(' 2147483647 ')).toBe(2147483647);
    expect(strToInt('2147483648')).toBeUndefined();
    expect(strToInt('-2147483648')).toBe(-2147483648);
    expect(strToInt('12abc')).toBeUndefined();
    expect(strToInt('')).toBeUndefined();
  });
});
