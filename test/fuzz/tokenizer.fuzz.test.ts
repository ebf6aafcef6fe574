// Property tests of NUT's tokenizer (spec §1), time-boxed: FUZZ_SECONDS (default 3) per property.
// Each property prints its executions per second.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { fuzz as fuzzTarget } from './harness.js';

const fuzz = <T>(name: string, arb: fc.Arbitrary<T>, predicate: (v: T) => void): void => fuzzTarget('tokenizer', name, arb, predicate);
import { MAX_ARGS, MAX_ARG_LEN, Tokenizer, quoteValue, splitLine, type TokenizerSink } from '../../src/core/tokenizer.js';


interface Out {
  lines: Array<{ args: string[]; line: number }>;
  errors: Array<{ message: string; line: number }>;
}

function sinkInto(out: Out): TokenizerSink {
  return {
    line(args, line) { out.lines.push({ args, line }); },
    error(message, line) { out.errors.push({ message, line }); },
  };
}

function feedAll(chunks: Uint8Array[]): Out {
  const out: Out = { lines: [], errors: [] };
  const t = new Tokenizer();
  const sink = sinkInto(out);
  for (const c of chunks) expect(t.feed(c, sink)).toBe(c.length);
  return out;
}

// Bytes the grammar reacts to, mixed with anything at all.
const special = fc.constantFrom(...[0x22, 0x23, 0x5c, 0x3d, 0x20, 0x0a, 0x09, 0x0d, 0x00, 0x7f, 0x80, 0xff].map((b) => Uint8Array.of(b)));
const letters = fc.uint8Array({ minLength: 1, maxLength: 8 }).map((a) => a.map((b) => 0x61 + (b % 26)));
const garbage = fc
  .array(fc.oneof(special, letters, fc.uint8Array({ maxLength: 64 })), { maxLength: 200 })
  .map((parts) => Uint8Array.from(parts.flatMap((p) => [...p])));
// Lines with many and long words, to hit the 32 × 512 caps.
const wide = fc
  .tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 1200 }), fc.boolean())
  .map(([words, len, quote]) => {
    const w = quote ? `"${'q'.repeat(len)}"` : 'w'.repeat(len + 1);
    return new TextEncoder().encode(`${Array<string>(words).fill(w).join(' ')}\n`);
  });
const anyBytes = fc.oneof({ weight: 3, arbitrary: garbage }, { weight: 1, arbitrary: wide });

const printable = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('"', '#', '\\', '=', ' ', 'a'), maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 400, maxLength: MAX_ARG_LEN }) },
);
const argList = fc.array(printable, { minLength: 1, maxLength: MAX_ARGS });

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  out.push(bytes.subarray(prev));
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let i = 0;
  for (const p of parts) {
    out.set(p, i);
    i += p.length;
  }
  return out;
}

const enc = new TextEncoder();

describe('tokenizer fuzz', () => {
  fuzz('never throws; ≤32 args of ≤512 chars, all in 0x20–0x7F', anyBytes, (bytes) => {
    const out = feedAll([bytes]);
    for (const { args } of out.lines) {
      expect(args.length).toBeLessThanOrEqual(MAX_ARGS);
      for (const a of args) {
        expect(a.length).toBeLessThanOrEqual(MAX_ARG_LEN);
        expect(a).toMatch(/^[\x20-\x7f]*$/);
      }
    }
  });

  fuzz('splitLine(args.map(quoteValue).join(" ")) round-trips printable args', argList, (args) => {
    expect(splitLine(args.map(quoteValue).join(' '))).toEqual(args);
  });

  fuzz('after quote-free garbage and "\\n\\n" the next valid line parses', fc.tuple(garbage, argList), ([g, args]) => {
    // A `"` opens a quote that swallows LFs (§1.2), and a trailing `\` escapes the first LF: only
    // quote-free garbage is guaranteed to end at the second LF.
    const clean = g.filter((b) => b !== 0x22);
    const out = feedAll([concat(clean, enc.encode('\n\n'), enc.encode(`${args.map(quoteValue).join(' ')}\n`))]);
    expect(out.lines.at(-1)?.args).toEqual(args);
  });

  fuzz('after any garbage, `"#\\n` resynchronises and the next valid line parses', fc.tuple(garbage, argList), ([g, args]) => {
    const out = feedAll([concat(g, enc.encode('"#\n'), enc.encode(`${args.map(quoteValue).join(' ')}\n`))]);
    expect(out.lines.at(-1)?.args).toEqual(args);
  });

  fuzz('feeding in arbitrary splits equals feeding whole', fc.tuple(anyBytes, fc.array(fc.nat(), { maxLength: 20 })), ([bytes, cuts]) => {
    expect(feedAll(splitAt(bytes, cuts))).toEqual(feedAll([bytes]));
  });
});
