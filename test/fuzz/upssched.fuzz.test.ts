// Fuzz target: the upssched daemon's request decoder (src/protocol/upssched). Whatever the bytes
// and however they are split, only typed errors come out, limits hold, a valid request after
// garbage still decodes, and what the client encodes decodes back to itself.
import { describe, expect } from 'vitest';
import fc from 'fast-check';
import { concat, ensure, fuzz as fuzzTarget, latin1, splitAt, bytes } from './harness.js';
import { HardnutError } from '../../src/core/errors.js';
import {
  RequestDecoder, encodeRequest, REQUEST_VERBS, MAX_REQUEST_ARGS, MAX_REQUEST_ARG_LEN, MAX_REQUEST_LINE_BYTES,
  type Decoded, type UpsschedRequest,
} from '../../src/protocol/upssched/index.js';

const fuzz = <T>(name: string, arb: fc.Arbitrary<T>, predicate: (v: T) => void): void => fuzzTarget('upssched', name, arb, predicate);

/** The tokenizer keeps printable ASCII (§1.1), so round-trip words are drawn from it. */
const word = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const request: fc.Arbitrary<UpsschedRequest> = fc.record({
  verb: fc.constantFrom(...REQUEST_VERBS), arg1: word, arg2: word, notifyType: word, upsName: word, notifyMsg: word,
});
const cuts = fc.array(fc.nat({ max: 20_000 }), { maxLength: 12 });
const garbage = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }).map(latin1),
  fc.array(fc.constantFrom(...'"\\# \nSTARTCANCEL-\t\r'.split('')), { maxLength: 200 }).map((a) => bytes(a.join(''))),
  fc.nat({ max: 3 * MAX_REQUEST_LINE_BYTES }).map((n) => new Uint8Array(n).fill(0x61)),
);

function decodeAll(d: RequestDecoder, chunks: Uint8Array[]): Decoded[] {
  const out: Decoded[] = [];
  for (const c of chunks) {
    try {
      out.push(...d.push(c));
    } catch (e) {
      ensure(e instanceof HardnutError, () => `untyped error escaped: ${String(e)}`);
      throw e;
    }
    ensure(d.bufferedLineBytes <= MAX_REQUEST_LINE_BYTES, () => `buffered ${String(d.bufferedLineBytes)} bytes`);
  }
  for (const x of out) {
    if (x.kind === 'error') ensure(x.error instanceof HardnutError && x.error.code.startsWith('ERR_UPSSCHED_'), () => 'error not typed');
    const args = x.kind === 'unknown' ? x.unknown.args : x.kind === 'request' ? [x.request.verb, x.request.arg1, x.request.arg2] : [];
    ensure(args.length <= MAX_REQUEST_ARGS && args.every((a) => a.length <= MAX_REQUEST_ARG_LEN), () => 'word limits exceeded');
  }
  return out;
}

describe('upssched request decoder', () => {
  fuzz('encode → decode round-trips, whatever the read boundaries', fc.tuple(fc.array(request, { maxLength: 10 }), cuts), ([reqs, cs]) => {
    const data = concat(...reqs.map((r) => bytes(encodeRequest(r))));
    const out = decodeAll(new RequestDecoder(), splitAt(data, cs));
    expect(out).toEqual(reqs.map((r) => ({ kind: 'request', request: r })));
  });

  fuzz('arbitrary bytes: only typed errors, limits hold', fc.tuple(garbage, cuts), ([data, cs]) => {
    decodeAll(new RequestDecoder(), splitAt(data, cs));
  });

  fuzz('a valid request after garbage and a newline still decodes', fc.tuple(garbage, request, cuts), ([junk, req, cs]) => {
    // A quote left open by the garbage spans lines (§1.2): `"` LF closes whatever is open (a quote,
    // an escape, a word) within 3 rounds, after which the decoder is at a line start.
    const d = new RequestDecoder();
    decodeAll(d, splitAt(junk, cs));
    for (let i = 0; i < 3 && !d.idle; i++) decodeAll(d, [bytes('"\n')]);
    ensure(d.idle, () => 'still mid-line after 3 closers');
    const out = decodeAll(d, splitAt(bytes(encodeRequest(req)), cs));
    expect(out[out.length - 1]).toEqual({ kind: 'request', request: req });
  });

  fuzz('mutated valid requests never throw and never over-buffer',
    fc.tuple(request, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), cuts),
    ([req, edits, cs]) => {
      const data = bytes(encodeRequest(req)).slice();
      for (const [at, b] of edits) data[at % data.length] = b;
      decodeAll(new RequestDecoder(), splitAt(data, cs));
    });
});
