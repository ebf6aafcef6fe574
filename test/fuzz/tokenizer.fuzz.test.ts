// Fuzz target "tokenizer": NUT's tokenizer (spec §1) in stream mode (driver socket, upsd input:
// bytes in any split), network mode (upsd: a parse error drops the rest of the read() chunk,
// §1.4) and file mode (parseText: configs, dummy-ups files). Limits are the spec's numbers
// written out (§1.3), not the source's constants, so a wrong constant is caught too.
import { describe, expect } from 'vitest';
import fc from 'fast-check';
import { bytes, concat, ensure, fuzz, lineCount, splitAt } from './harness.js';
import { configSeeds, dataFileSeeds, transcripts, type Seed } from './corpus.js';
import { mutated } from './mutate.js';
import { Tokenizer, parseText, quoteValue, splitLine, type TokenizerSink } from '../../src/core/tokenizer.js';

const fuzzTok = <T>(name: string, arb: fc.Arbitrary<T>, predicate: (v: T) => void, examples?: T[]): void =>
  fuzz('tokenizer', name, arb, predicate, examples ? { examples } : {});

/** §1.3, as the spec states them. */
const SPEC_MAX_ARGS = 32;
const SPEC_MAX_ARG_LEN = 512;

interface Out {
  lines: Array<{ args: string[]; line: number }>;
  errors: Array<{ message: string; line: number }>;
}

function sinkInto(out: Out, dropRestOfChunk = false): TokenizerSink {
  return {
    line(args, line) { out.lines.push({ args, line }); },
    error(message, line) { out.errors.push({ message, line }); return !dropRestOfChunk; },
  };
}

/** Stream mode (resume after an error), as the driver socket reads. */
function feedAll(chunks: Uint8Array[]): Out {
  const out: Out = { lines: [], errors: [] };
  const t = new Tokenizer();
  const sink = sinkInto(out);
  for (const c of chunks) expect(t.feed(c, sink)).toBe(c.length);
  return out;
}

const SEEDS: Seed[] = [
  ...transcripts('net', 'req'), ...transcripts('net', 'rep'), ...transcripts('sock', 'req'), ...transcripts('sock', 'rep'),
  ...configSeeds('ups.conf'), ...configSeeds('upsd.conf'), ...configSeeds('upsd.users'), ...configSeeds('upsmon.conf'),
  ...configSeeds('upssched.conf'), ...dataFileSeeds(),
];

// Bytes the grammar reacts to, mixed with anything at all.
const special = fc.constantFrom(...[0x22, 0x23, 0x5c, 0x3d, 0x20, 0x0a, 0x09, 0x0d, 0x00, 0x7f, 0x80, 0xff].map((b) => Uint8Array.of(b)));
const letters = fc.uint8Array({ minLength: 1, maxLength: 8 }).map((a) => a.map((b) => 0x61 + (b % 26)));
const garbage = fc
  .array(fc.oneof(special, letters, fc.uint8Array({ maxLength: 64 })), { maxLength: 200 })
  .map((parts) => concat(...parts));

/** A line of `words` copies of one word of `len` characters, quoted or not, and what §1.3 keeps of it. */
interface Wide { data: Uint8Array; expected: string[] }
const wide: fc.Arbitrary<Wide> = fc
  .tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 1200 }), fc.constantFrom('plain', 'quoted', 'escaped'))
  .map(([words, len, style]) => {
    const body = 'w'.repeat(len + 1);
    // escaped: every other char is a backslash pair, which stores one char (§1.2 COLLECT_LITERAL)
    const word = style === 'quoted' ? `"${body}"` : style === 'escaped' ? body.replace(/w/g, '\\w') : body;
    const kept = body.slice(0, SPEC_MAX_ARG_LEN);
    return {
      data: bytes(`${Array<string>(words).fill(word).join(' ')}\n`),
      expected: Array<string>(Math.min(words, SPEC_MAX_ARGS)).fill(kept),
    };
  });

const anyBytes = fc.oneof(
  { weight: 3, arbitrary: garbage },
  { weight: 1, arbitrary: wide.map((w) => w.data) },
  { weight: 3, arbitrary: mutated(SEEDS) },
);

const printable = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('"', '#', '\\', '=', ' ', 'a'), maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 400, maxLength: SPEC_MAX_ARG_LEN }) },
);
const argList = fc.array(printable, { minLength: 1, maxLength: SPEC_MAX_ARGS });

function checkLimits(out: Out, input: Uint8Array): void {
  const maxLine = lineCount(input);
  let prev = 0;
  for (const { args, line } of out.lines) {
    ensure(args.length <= SPEC_MAX_ARGS, () => `${args.length} words on line ${line}`);
    for (const a of args) {
      ensure(a.length <= SPEC_MAX_ARG_LEN, () => `a word of ${a.length} characters on line ${line}`);
      // §1.1 (the CVE-2012-2944 fix): only 0x20–0x7F is ever stored
      ensure(/^[\x20-\x7f]*$/.test(a), () => `word ${JSON.stringify(a)} holds a byte outside 0x20–0x7F`);
    }
    ensure(line >= Math.max(1, prev) && line <= maxLine, () => `line number ${line} after ${prev}, input has ${maxLine} lines`);
    prev = line;
  }
  for (const e of out.errors) ensure(e.line >= 1 && e.line <= maxLine, () => `error on line ${e.line} of ${maxLine}`);
}

describe('tokenizer fuzz', () => {
  fuzzTok('stream: never throws; ≤32 args of ≤512 chars in 0x20–0x7F; line numbers in range', anyBytes, (data) => {
    checkLimits(feedAll([data]), data);
  });

  fuzzTok('stream: a line of N words of L chars keeps exactly min(N,32) words of min(L,512) chars', wide, ({ data, expected }) => {
    expect(feedAll([data]).lines.map((l) => l.args)).toEqual([expected]);
  });

  fuzzTok('splitLine(args.map(quoteValue).join(" ")) round-trips printable args', argList, (args) => {
    expect(splitLine(args.map(quoteValue).join(' '))).toEqual(args);
  });

  fuzzTok('after quote-free garbage and "\\n\\n" the next valid line parses', fc.tuple(garbage, argList), ([g, args]) => {
    // A `"` opens a quote that swallows LFs (§1.2), and a trailing `\` escapes the first LF: only
    // quote-free garbage is guaranteed to end at the second LF.
    const clean = g.filter((b) => b !== 0x22);
    const out = feedAll([concat(clean, bytes('\n\n'), bytes(`${args.map(quoteValue).join(' ')}\n`))]);
    expect(out.lines.at(-1)?.args).toEqual(args);
  });

  fuzzTok('after any garbage, `"#\\n` resynchronises and the next valid line parses', fc.tuple(anyBytes, argList), ([g, args]) => {
    const out = feedAll([concat(g, bytes('"#\n'), bytes(`${args.map(quoteValue).join(' ')}\n`))]);
    expect(out.lines.at(-1)?.args).toEqual(args);
  });

  fuzzTok('stream: feeding in arbitrary splits equals feeding whole', fc.tuple(anyBytes, fc.array(fc.nat(), { maxLength: 20 })), ([data, cuts]) => {
    expect(feedAll(splitAt(data, cuts))).toEqual(feedAll([data]));
  });

  fuzzTok('network mode: an error drops exactly the rest of its chunk; the rest parses as in stream mode', fc.tuple(anyBytes, fc.array(fc.nat(), { maxLength: 12 })), ([data, cuts]) => {
    const chunks = splitAt(data, cuts);
    const netOut: Out = { lines: [], errors: [] };
    const t = new Tokenizer();
    const sink = sinkInto(netOut, true);
    const kept: Uint8Array[] = [];
    for (const c of chunks) {
      const errorsBefore = netOut.errors.length;
      const used = t.feed(c, sink);
      expect(used).toBeGreaterThanOrEqual(0);
      expect(used).toBeLessThanOrEqual(c.length);
      if (used < c.length) {
        // stopped right after the byte that caused an error: the `#` of §1.2 QUOTED
        expect(netOut.errors.length).toBe(errorsBefore + 1);
        expect(c[used - 1]).toBe(0x23);
      }
      kept.push(c.subarray(0, used));
    }
    expect(netOut).toEqual(feedAll(kept));
    checkLimits(netOut, data);
  });

  fuzzTok('file mode: parseText = stream + end(); only non-empty lines; lines cited exist', anyBytes, (data) => {
    const parsed = parseText(data);
    const out: Out = { lines: [], errors: [] };
    const t = new Tokenizer();
    const sink = sinkInto(out);
    t.feed(data, sink);
    t.end(sink);
    expect(parsed.lines).toEqual(out.lines.filter((l) => l.args.length > 0));
    expect(parsed.errors).toEqual(out.errors);
    checkLimits(out, data);
    for (const w of parsed.warnings) {
      expect(w.line).toBeGreaterThanOrEqual(1);
      expect(w.line).toBeLessThanOrEqual(lineCount(data));
    }
    // A final line without LF is kept (hardnut's fix of §1.4 ⚠): appending a LF changes nothing —
    // it ends the line, or vanishes inside a quote / after a backslash (§1.2).
    expect(parseText(concat(data, bytes('\n'))).lines).toEqual(parsed.lines);
  });
});
