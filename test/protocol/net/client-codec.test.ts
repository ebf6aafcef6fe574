import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  MAX_REPLY_LINE, ReplyDecoder, buildRequest, encodeArg, expectGet, expectLine, expectList, expectOk, parseTracking,
  parseType, strtol, tokenizeReply, trackingId, type ReplyConsumer, type Step,
} from '../../../src/protocol/net/client-codec.js';
import { NutError, NutProtocolError, NutRequestError } from '../../../src/protocol/net/client-errors.js';
import { splitLine } from '../../../src/core/tokenizer.js';
import { HardnutError } from '../../../src/core/errors.js';

const enc = new TextEncoder();
const line = (s: string) => tokenizeReply(enc.encode(s));

/** Feeds reply lines to a consumer; returns the final step. */
function feed<T>(c: ReplyConsumer<T>, ...lines: string[]): Step<T> {
  let step: Step<T> = { done: false };
  for (const l of lines) {
    step = c.push(line(l));
    if (step.done) return step;
  }
  return step;
}

describe('request encoding as upscli build_cmd (§2.8)', () => {
  it.each([
    ['ups.status', 'ups.status'],
    ['two words', '"two words"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['c:\\path', 'c:\\\\path'],
    ['a#b', 'a\\#b'],
    ['', '""'],
    ['k=v', '"k=v"'],
    ['"', '\\"'],
  ])('%j is sent as %s', (arg, wire) => {
    expect(encodeArg(arg)).toBe(wire);
  });

  it('the server tokenizer gets back exactly the arguments that were encoded', () => {
    const args = ['ups1', 'two  spaces', 'quo"te', 'back\\slash', 'hash#', '', 'a=b', ' lead', 'trail '];
    const wire = buildRequest('SET', ['VAR', ...args]);
    expect(wire.endsWith('\n')).toBe(true);
    expect(splitLine(wire)).toEqual(['SET', 'VAR', ...args]);
  });

  it('property: any printable-ASCII argument list round-trips through the server tokenizer', () => {
    fc.assert(fc.property(fc.array(fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 }), { maxLength: 8 }), (args) => {
      expect(splitLine(buildRequest('GET', args))).toEqual(['GET', ...args]);
    }), { numRuns: 300 });
  });

  it('refuses what could not arrive intact: newlines (a second command), controls, non-ASCII', () => {
    expect(() => buildRequest('PASSWORD', ['x\nFSD ups1'])).toThrow(NutRequestError);
    expect(() => encodeArg('tab\there')).toThrow(NutRequestError);
    expect(() => encodeArg('Café')).toThrow(NutRequestError);
    expect(() => buildRequest('GET VAR', [])).toThrow(NutRequestError);
    expect(buildRequest('LOGOUT')).toBe('LOGOUT\n');
  });
});

describe('reply lines', () => {
  it('splits on LF across chunks and tokenizes each line like upsd encodes values', () => {
    const d = new ReplyDecoder();
    expect(d.push(enc.encode('VAR ups1 x.y "a \\"q\\" \\\\ b'))).toEqual([]);
    const got = d.push(enc.encode('"\nOK\n'));
    expect(got.map((l) => l.words)).toEqual([['VAR', 'ups1', 'x.y', 'a "q" \\ b'], ['OK']]);
    expect(got[0]?.raw).toBe('VAR ups1 x.y "a \\"q\\" \\\\ b"');
  });

  it('a line longer than the limit is a typed protocol error, with or without its LF', () => {
    expect(() => new ReplyDecoder().push(new Uint8Array(MAX_REPLY_LINE + 2).fill(0x41))).toThrow(NutProtocolError);
    const long = new Uint8Array(MAX_REPLY_LINE + 2).fill(0x41);
    long[long.length - 1] = 0x0a;
    expect(() => new ReplyDecoder().push(long)).toThrow(NutProtocolError);
  });

  it('an unescaped # inside quotes is a parse error on that line only', () => {
    const l = line('VAR ups1 v "a#b"');
    expect(l.parseError).toMatch(/Unbalanced/);
    const step = feed(expectGet(['VAR', 'ups1', 'v']), 'VAR ups1 v "a#b"');
    expect(step.done && 'error' in step && step.error.code).toBe('ERR_PARSE');
    expect(step.done && 'error' in step && step.error.message).toBe('Parse error: Unbalanced word due to unescaped # in quotes');
  });

  it('property: arbitrary bytes never crash the decoder; anything thrown is a NutProtocolError', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 20 }), (chunks) => {
      const d = new ReplyDecoder();
      for (const c of chunks) {
        try {
          for (const l of d.push(c)) {
            for (const consumer of [expectGet(['VAR', 'u', 'v']), expectList(['VAR', 'u']), expectOk(), expectLine()]) {
              const s = consumer.push(l);
              if (s.done && 'error' in s) expect(s.error).toBeInstanceOf(HardnutError);
            }
          }
        } catch (e) {
          expect(e).toBeInstanceOf(NutProtocolError);
          return;
        }
      }
    }), { numRuns: 500 });
  });
});

describe('replies checked as upscli does (§2.7)', () => {
  it('GET: the answer must echo the query, case-insensitively', () => {
    const ok = feed(expectGet(['VAR', 'ups1', 'ups.status']), 'VAR UPS1 ups.STATUS "OL"');
    expect(ok).toEqual({ done: true, value: ['VAR', 'UPS1', 'ups.STATUS', 'OL'] });
    const wrong = feed(expectGet(['VAR', 'ups1', 'ups.status']), 'VAR ups2 ups.status "OL"');
    expect(wrong.done && 'error' in wrong && wrong.error.code).toBe('ERR_PROTOCOL');
    expect(wrong.done && 'error' in wrong && wrong.error.message).toBe('Protocol error');
    expect(wrong.done && 'error' in wrong && wrong.fatal).toBe(true);
  });

  it.each([
    ['ERR DRIVER-NOT-CONNECTED', 'DRIVER-NOT-CONNECTED', 'Driver not connected'],
    ['ERR VAR-NOT-SUPPORTED', 'VAR-NOT-SUPPORTED', 'Variable not supported by UPS'],
    ['ERR DATA-STALE', 'DATA-STALE', 'Data stale'],
    ['ERR UNKNOWN-UPS', 'UNKNOWN-UPS', 'Unknown UPS'],
    ['ERR ACCESS-DENIED "SSL init failed"', 'ACCESS-DENIED', 'Access denied'],
    ['ERR INVALID-ARGUMENT', 'INVALID-ARGUMENT', 'Unknown error'],
    ['ERR', 'UNKNOWN', 'Unknown error'],
  ])('%s is a NutError %s reading "%s", and not fatal', (reply, code, text) => {
    const s = feed(expectGet(['VAR', 'u', 'v']), reply);
    expect(s.done && 'error' in s).toBe(true);
    if (s.done && 'error' in s) {
      expect(s.error).toBeInstanceOf(NutError);
      expect((s.error as NutError).word).toBe(code);
      expect(s.error.code).toBe('ERR_NUT_REPLY');
      expect(s.error.message).toBe(text);
      expect((s.error as NutError).reply).toBe(reply);
      expect(s.fatal).toBe(false);
    }
  });

  it('LIST: BEGIN LIST echo, items echoing the query, END LIST', () => {
    const c = expectList(['VAR', 'ups1']);
    expect(c.push(line('BEGIN LIST VAR ups1'))).toEqual({ done: false });
    expect(c.push(line('VAR ups1 a.b "1"'))).toEqual({ done: false });
    expect(c.push(line('VAR ups1 c.d "two words"'))).toEqual({ done: false });
    expect(c.push(line('END LIST VAR ups1'))).toEqual({ done: true, value: [['VAR', 'ups1', 'a.b', '1'], ['VAR', 'ups1', 'c.d', 'two words']] });
  });

  it('LIST: ERR instead of BEGIN is an ordinary error; a broken frame is fatal', () => {
    const err = feed(expectList(['VAR', 'nope']), 'ERR UNKNOWN-UPS');
    expect(err.done && 'error' in err && [(err.error as NutError).word, err.fatal]).toEqual(['UNKNOWN-UPS', false]);
    for (const bad of [['VAR ups1 a "b"'], ['BEGIN LIST VAR other'], ['BEGIN LIST VAR ups1', 'RW ups1 a "b"'], ['BEGIN LIST VAR ups1', 'ERR DATA-STALE']]) {
      const s = feed(expectList(['VAR', 'ups1']), ...bad);
      expect(s.done && 'error' in s && s.fatal, bad.join(' / ')).toBe(true);
    }
    // upscli ends the list on "END LIST" only (case-sensitive), "end list" is an item that fails the echo check
    const lower = feed(expectList(['VAR', 'ups1']), 'BEGIN LIST VAR ups1', 'end list VAR ups1');
    expect(lower.done && 'error' in lower && lower.error.code).toBe('ERR_PROTOCOL');
  });

  it('OK replies: OK, OK TRACKING <id>; anything else is a protocol error', () => {
    expect(feed(expectOk(), 'OK')).toMatchObject({ done: true, value: { raw: 'OK' } });
    const tracked = feed(expectOk(), 'OK TRACKING 0B7C3E3A-1F2A-4C5D-9E8F-0123456789AB');
    expect(tracked.done && 'value' in tracked && trackingId(tracked.value)).toBe('0B7C3E3A-1F2A-4C5D-9E8F-0123456789AB');
    const odd = feed(expectOk(), 'WHAT');
    expect(odd.done && 'error' in odd && odd.error.code).toBe('ERR_PROTOCOL');
  });
});

describe('typed views', () => {
  it('TYPE words', () => {
    expect(parseType(['TYPE', 'u', 'input.transfer.low', 'RW', 'ENUM', 'NUMBER'])).toMatchObject({ rw: true, enum: true, range: false, kind: 'NUMBER' });
    expect(parseType(['TYPE', 'u', 'ups.id', 'RW', 'STRING:8'])).toMatchObject({ rw: true, kind: 'STRING', maxLength: 8 });
    expect(parseType(['TYPE', 'u', 'x', 'RANGE', 'NUMBER'])).toMatchObject({ range: true, kind: 'NUMBER' });
  });

  it('tracking answers', () => {
    expect(parseTracking(line('PENDING'))).toEqual({ state: 'PENDING', reply: 'PENDING' });
    expect(parseTracking(line('SUCCESS'))).toEqual({ state: 'SUCCESS', reply: 'SUCCESS' });
    expect(parseTracking(line('ERR INVALID-ARGUMENT'))).toEqual({ state: 'ERROR', reply: 'ERR INVALID-ARGUMENT', code: 'INVALID-ARGUMENT' });
  });

  it('strtol like C', () => {
    expect([strtol('42'), strtol(' -7x'), strtol('x'), strtol('+3'), strtol('')]).toEqual([42, -7, 0, 3, 0]);
  });
});
