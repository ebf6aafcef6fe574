import { describe, it, expect } from 'vitest';
import { StateTree } from '../../../src/core/state-tree.js';
import {
  MAX_SOCK_LINE_BYTES, SockDecoder, dumpAll, encodeDriverMessage, parseClientMessage, parseDriverMessage,
  type DriverMessage, type SockDecodeResult,
} from '../../../src/protocol/sock/index.js';

const enc = new TextEncoder();

function collect<M>(dec: SockDecoder<M>, chunks: Uint8Array[]): SockDecodeResult<M> {
  const all: SockDecodeResult<M> = { messages: [], malformed: [], errors: [], overflow: false };
  for (const ch of chunks) {
    const r = dec.push(ch);
    all.messages.push(...r.messages);
    all.malformed.push(...r.malformed);
    all.errors.push(...r.errors);
    all.overflow ||= r.overflow;
  }
  return all;
}

/** Deterministic PRNG so a failing split can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomSplit(bytes: Uint8Array, rand: () => number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let i = 0;
  while (i < bytes.length) {
    const len = 1 + Math.floor(rand() * 40);
    out.push(bytes.subarray(i, i + len));
    i += len;
  }
  return out;
}

function sampleStream(): Uint8Array {
  const t = new StateTree();
  t.setInfo('ups.status', 'OL CHRG');
  t.setInfo('ups.id', 'quote " hash # back \\ eq = end');
  t.addEnum('ups.id', 'x y');
  t.addRange('ups.id', 1, 9);
  t.setAux('ups.id', 32);
  t.setFlags('ups.id', ['RW', 'STRING']);
  t.addCmd('load.off');
  const text = `${dumpAll(t, false)}PONG\n\n# comment\nBOGUS line\nSETINFO short\r\nTRACKING ID 3\n"unbalanced # here"\nOK Goodbye\n`;
  return enc.encode(text);
}

describe('SockDecoder', () => {
  it('decodes a driver stream: messages, malformed, parse errors; unknown and empty lines ignored', () => {
    const r = new SockDecoder(parseDriverMessage).push(sampleStream());
    expect(r.messages.map((m) => m.type)).toEqual([
      'SETINFO', 'ADDENUM', 'ADDRANGE', 'SETAUX', 'SETFLAGS', 'SETINFO', 'ADDCMD', 'DATAOK', 'DUMPDONE',
      'PONG', 'TRACKING', 'GOODBYE',
    ]);
    expect(r.messages[0]).toEqual({ type: 'SETINFO', name: 'ups.id', value: 'quote " hash # back \\ eq = end' });
    expect(r.malformed).toEqual([{ type: 'MALFORMED', verb: 'SETINFO', reason: expect.any(String) }]);
    expect(r.errors).toHaveLength(1);
    expect(r.overflow).toBe(false);
  });

  it('byte by byte and random splits give the same result as one chunk', () => {
    const bytes = sampleStream();
    const whole = collect(new SockDecoder(parseDriverMessage), [bytes]);
    const single = collect(new SockDecoder(parseDriverMessage), [...bytes].map((b) => Uint8Array.of(b)));
    expect(single).toEqual(whole);
    const rand = rng(42);
    for (let k = 0; k < 50; k++) {
      expect(collect(new SockDecoder(parseDriverMessage), randomSplit(bytes, rand))).toEqual(whole);
    }
  });

  it('decodes client messages', () => {
    const r = new SockDecoder(parseClientMessage).push(enc.encode('DUMPALL\nINSTCMD a b c d\nSET v "1" TRACKING X\nPING'));
    expect(r.messages).toEqual([{ type: 'DUMPALL' }, { type: 'SET', name: 'v', value: '1', tracking: 'X' }]);
    expect(r.malformed).toEqual([{ type: 'MALFORMED', verb: 'INSTCMD', reason: 'Malformed INSTCMD' }]);
  });

  it('a line without LF is held until the LF arrives', () => {
    const d = new SockDecoder(parseClientMessage);
    expect(d.push(enc.encode('PI')).messages).toEqual([]);
    expect(d.push(enc.encode('NG')).messages).toEqual([]);
    expect(d.push(enc.encode('\n')).messages).toEqual([{ type: 'PING' }]);
  });

  it('overflows on a 1 MB line without LF, and stays overflowed', () => {
    const d = new SockDecoder(parseDriverMessage);
    const first = d.push(enc.encode('PONG\n'));
    expect(first.messages).toEqual([{ type: 'PONG' }]);
    const big = new Uint8Array(1 << 20).fill(0x61);
    const r = d.push(big);
    expect(r.overflow).toBe(true);
    expect(r.messages).toEqual([]);
    expect(d.overflow).toBe(true);
    const after = d.push(enc.encode('\nPONG\n'));
    expect(after).toEqual({ messages: [], malformed: [], errors: [], overflow: true });
  });

  it('overflows when the long line arrives in small pieces; messages before it are kept', () => {
    const d = new SockDecoder(parseDriverMessage, { maxLineBytes: 100 });
    const r1 = d.push(enc.encode(`PONG\n${'x'.repeat(60)}`));
    expect(r1).toEqual({ messages: [{ type: 'PONG' }], malformed: [], errors: [], overflow: false });
    const r2 = d.push(enc.encode(`${'x'.repeat(41)}\nPONG\n`));
    expect(r2.overflow).toBe(true);
    expect(r2.messages).toEqual([]);
  });

  it('a line of exactly maxLineBytes is fine, one more byte overflows', () => {
    const line = `SETINFO v "${'a'.repeat(88)}"`; // 100 bytes
    expect(line).toHaveLength(100);
    expect(new SockDecoder(parseDriverMessage, { maxLineBytes: 100 }).push(enc.encode(`${line}\n`)).messages).toHaveLength(1);
    const r = new SockDecoder(parseDriverMessage, { maxLineBytes: 100 }).push(enc.encode(`PONG\n${line} \nPONG\n`));
    expect(r.messages).toEqual([{ type: 'PONG' }]);
    expect(r.overflow).toBe(true);
  });

  it('the longest line the encoder can write fits MAX_SOCK_LINE_BYTES', () => {
    const flags = Array<string>(30).fill('F'.repeat(512));
    const longest = encodeDriverMessage({ type: 'SETFLAGS', name: 'n'.repeat(512), flags });
    expect(longest.length - 1).toBeLessThanOrEqual(MAX_SOCK_LINE_BYTES);
    const value = encodeDriverMessage({ type: 'SETINFO', name: 'n'.repeat(512), value: '"'.repeat(10_000) });
    const r = new SockDecoder(parseDriverMessage).push(enc.encode(longest + value));
    expect(r.overflow).toBe(false);
    expect(r.messages).toEqual([
      { type: 'SETFLAGS', name: 'n'.repeat(512), flags },
      { type: 'SETINFO', name: 'n'.repeat(512), value: '"'.repeat(512) },
    ] satisfies DriverMessage[]);
    expect(32 * (512 * 2 + 2) + 31).toBeLessThanOrEqual(MAX_SOCK_LINE_BYTES);
  });

  it('garbage and high bytes never throw', () => {
    const rand = rng(7);
    for (const parse of [parseDriverMessage, parseClientMessage] as const) {
      const d = new SockDecoder<unknown>(parse, { maxLineBytes: 1 << 30 });
      for (let k = 0; k < 200; k++) {
        const chunk = new Uint8Array(Math.floor(rand() * 3000));
        for (let i = 0; i < chunk.length; i++) {
          const x = rand();
          // Bias towards the bytes the grammar cares about.
          chunk[i] = x < 0.3 ? Math.floor(rand() * 256) : (' "#\\=\nSETINFO\tADDRANGE 1\r\xff\x00'.charCodeAt(Math.floor(rand() * 28)) & 0xff);
        }
        expect(() => d.push(chunk)).not.toThrow();
      }
    }
  });

  it('high bytes inside values are dropped, as NUT does (§1.1)', () => {
    const r = new SockDecoder(parseDriverMessage).push(Uint8Array.from([
      ...enc.encode('SETINFO v "caf'), 0xc3, 0xa9, 0x09, ...enc.encode('e"\n'),
    ]));
    expect(r.messages).toEqual([{ type: 'SETINFO', name: 'v', value: 'cafe' }]);
  });
});
