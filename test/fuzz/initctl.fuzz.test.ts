// Fuzz target: sysvinit's control request encoder (src/protocol/initctl), what the shutdown path
// writes to init's FIFO. Judged by an oracle from initreq.h and telinit(8), spelt out here: the
// levels telinit accepts, sleeptime a non-negative 32-bit int, 384 bytes, magic 0x03091969,
// cmd 1 (INIT_CMD_RUNLVL), the rest zero — never by the encoder's own constants.
import { describe, expect } from 'vitest';
import fc from 'fast-check';
import { fuzz as fuzzTarget } from './harness.js';
import { encodeInitRequest } from '../../src/protocol/initctl/index.js';

const fuzz = <T>(name: string, arb: fc.Arbitrary<T>, predicate: (v: T) => void): void => fuzzTarget('initctl', name, arb, predicate);

const SPEC_LEVELS = '0123456789SsQqAaBbCcUu';
const SPEC_BYTES = 384;
const SPEC_MAGIC = 0x03091969;

const level = fc.oneof(
  fc.constantFrom(...SPEC_LEVELS.split('')),
  fc.string({ maxLength: 2 }),
  fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)),
);
const sleeptime = fc.oneof(
  fc.constantFrom(undefined, 0, 5, -1, 0x7fffffff, 0x80000000, 1.5, Number.NaN),
  fc.integer({ min: -10, max: 1_000_000 }),
  fc.double(),
);

describe('initctl request encoder against initreq.h', () => {
  fuzz('encodes exactly the levels and sleeptimes telinit accepts, as the 384-byte struct', fc.tuple(level, sleeptime, fc.boolean()), ([lv, st, le]) => {
    const ok = lv.length === 1 && SPEC_LEVELS.includes(lv) && (st === undefined || (Number.isInteger(st) && st >= 0 && st <= 2 ** 31 - 1));
    let bytes: Uint8Array | undefined;
    try { bytes = encodeInitRequest(lv, { ...(st !== undefined ? { sleeptime: st } : {}), littleEndian: le }); } catch { bytes = undefined; }
    expect(bytes !== undefined, `level ${JSON.stringify(lv)} sleeptime ${String(st)}`).toBe(ok);
    if (bytes === undefined) return;
    expect(bytes.length).toBe(SPEC_BYTES);
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect([v.getInt32(0, le), v.getInt32(4, le), v.getInt32(8, le), v.getInt32(12, le)]).toEqual([SPEC_MAGIC, 1, lv.charCodeAt(0), st === undefined ? 5 : st + 0]); // + 0: -0 is sent as 0
    expect(bytes.subarray(16).every((b) => b === 0)).toBe(true);
  });
});
