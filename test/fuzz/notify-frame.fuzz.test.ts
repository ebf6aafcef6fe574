// Fuzz target: the framed pipe's decoder (src/protocol/notify-frame). Whatever the bytes and
// however they are split, the decoder never throws, holds at most one name, and accepts a stream
// only if it is exactly the encoding of the frames it returns.
import { describe, expect } from 'vitest';
import fc from 'fast-check';
import { concat, fuzz as fuzzTarget, latin1, splitAt } from './harness.js';
import {
  FRAME_TYPES, FrameDecoder, MAX_FRAME_NAME_BYTES, STX, ETX, encodeFrame, type Frame,
} from '../../src/protocol/notify-frame/index.js';

const fuzz = <T>(name: string, arb: fc.Arbitrary<T>, predicate: (v: T) => void): void => fuzzTarget('notify-frame', name, arb, predicate);

const nameChar = fc.constantFrom(...'abcxyzABZ0189._@:-[]'.split(''));
const upsTypes = FRAME_TYPES.filter((t) => t.scope === 'ups').map((t) => t.type);
const hostTypes = FRAME_TYPES.filter((t) => t.scope === 'host').map((t) => t.type);
const frame: fc.Arbitrary<Pick<Frame, 'type' | 'name'>> = fc.oneof(
  fc.record({ type: fc.constantFrom(...upsTypes), name: fc.string({ unit: nameChar, minLength: 1, maxLength: MAX_FRAME_NAME_BYTES }) }),
  fc.record({ type: fc.constantFrom(...hostTypes), name: fc.constant('') }),
);
const cuts = fc.array(fc.nat({ max: 10_000 }), { maxLength: 12 });

/** Decodes chunks; checks the invariants on the way. */
function decodeAll(chunks: Uint8Array[]): { frames: Frame[]; failed: boolean } {
  const d = new FrameDecoder();
  const frames: Frame[] = [];
  let failed = false;
  for (const c of chunks) {
    const r = d.push(c);
    frames.push(...r.frames);
    expect(d.bufferedBytes).toBeLessThanOrEqual(MAX_FRAME_NAME_BYTES);
    if (r.error !== undefined) failed = true;
  }
  if (d.end() !== undefined) failed = true;
  return { frames, failed };
}

function encodeAll(frames: ReadonlyArray<Pick<Frame, 'type' | 'name'>>): Uint8Array {
  return concat(...frames.map((x) => encodeFrame(x.type, x.name)));
}

describe('notify-frame decoder', () => {
  fuzz('valid frames round-trip whatever the read boundaries', fc.tuple(fc.array(frame, { maxLength: 20 }), cuts), ([frames, cs]) => {
    const r = decodeAll(splitAt(encodeAll(frames), cs));
    expect(r.failed).toBe(false);
    expect(r.frames.map(({ type, name }) => ({ type, name }))).toEqual(frames);
  });

  fuzz('arbitrary bytes: accepted only if they are exactly the encoding of the decoded frames',
    fc.tuple(fc.string({ unit: 'binary', maxLength: 300 }).map(latin1), cuts), ([data, cs]) => {
      const r = decodeAll(splitAt(data, cs));
      if (!r.failed) expect(encodeAll(r.frames)).toEqual(data);
      // decoded frames are always canonical: they re-encode to a prefix of the input
      const again = encodeAll(r.frames);
      expect(data.subarray(0, again.length)).toEqual(again);
    });

  fuzz('mutated valid streams: any change is rejected or yields other valid frames, never a silent mix',
    fc.tuple(fc.array(frame, { minLength: 1, maxLength: 8 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), cuts),
    ([frames, edits, cs]) => {
      const data = encodeAll(frames).slice();
      for (const [at, b] of edits) data[at % data.length] = b;
      const r = decodeAll(splitAt(data, cs));
      if (!r.failed) expect(encodeAll(r.frames)).toEqual(data);
    });

  fuzz('byte soup biased to the grammar never throws and never over-buffers',
    fc.tuple(fc.array(fc.oneof(fc.constantFrom(STX, ETX, 0, 64, 65, 0x41, 0x46, 0x60, 0x61), fc.integer({ min: 0, max: 255 })), { maxLength: 400 }), cuts),
    ([bytes, cs]) => {
      decodeAll(splitAt(Uint8Array.from(bytes), cs));
    });
});
