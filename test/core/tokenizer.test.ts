import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  MAX_ARGS, MAX_ARG_LEN, Tokenizer, UNBALANCED_HASH_MESSAGE, encodeValue, parseText, quoteValue, splitLine,
  type TokenizerSink,
} from '../../src/core/tokenizer.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Collects what a stream-mode tokenizer emits. */
function stream(chunks: Array<string | Uint8Array>, stopOnError = false) {
  const lines: string[][] = [];
  const errors: string[] = [];
  const consumed: number[] = [];
  const sink: TokenizerSink = {
    line: (args) => { lines.push(args); },
    error: (msg) => { errors.push(msg); return stopOnError ? false : undefined; },
  };
  const t = new Tokenizer();
  for (const c of chunks) consumed.push(t.feed(typeof c === 'string' ? bytes(c) : c, sink));
  return { lines, errors, consumed, t };
}

describe('tokenizer grammar (spec §1.2)', () => {
  const table: Array<[string, string[]]> = [
    ['a=b', ['a', '=', 'b']],
    ['"a=b"', ['a=b']],
    ['a\\=b', ['a=b']],
    ['"abc"def', ['abc', 'def']],
    ['""', ['']],
    ['ab#c', ['ab']],
    ['key = value', ['key', '=', 'value']],
    ['= x', ['=', 'x']],
    ['a==b', ['a', '=', '=', 'b']],
    ['ab"cd', ['ab"cd']],                      // a quote inside an unquoted word is literal
    ['\\#not a comment', ['#not', 'a', 'comment']],
    ['"\\#"', ['#']],
    ['"a \\" b"', ['a " b']],
    ['"a\\\\b"', ['a\\b']],
    ['\\"', ['"']],
    ['a\tb\r', ['a', 'b']],                     // TAB and CR separate words (isspace)
    ['"a\tb"', ['ab']],                         // inside quotes the filter drops them
    ['a \\\n b', ['a', '', 'b']],               // COLLECT_LITERAL + LF appends nothing, word is empty
    ['ab\\\ncd', ['abcd']],                     // continuation inside a word
    ['"ab\\\ncd"', ['abcd']],                   // continuation inside quotes
    ['SET VAR ups x "1 2"', ['SET', 'VAR', 'ups', 'x', '1 2']],
    ['\\=', ['=']],
    ['x\u00e9y', ['xy']],                        // UTF-8 bytes ≥ 0x80 are dropped (§1.1)
    ['\x7f', ['\x7f']],                         // 0x7F is inside the kept range
  ];
  for (const [input, words] of table) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(words)}`, () => {
      expect(splitLine(input)).toEqual(words);
    });
  }

  it('a blank or comment-only line completes with zero words', () => {
    const { lines } = stream(['\n', '   # comment\n', '#\n']);
    expect(lines).toEqual([[], [], []]);
  });

  it('# inside quotes is a parse error; the rest of the physical line parses afresh (§1.4)', () => {
    const { lines, errors } = stream(['x "a#b"\n']);
    expect(errors).toEqual([UNBALANCED_HASH_MESSAGE]);
    expect(lines).toEqual([['b"']]);
  });

  it('CRLF line endings work because CR is whitespace', () => {
    expect(stream(['GET VAR ups1 ups.status\r\n']).lines).toEqual([['GET', 'VAR', 'ups1', 'ups.status']]);
  });

  it('an unterminated quote swallows the next lines (filter drops LF) and warns in file mode', () => {
    const parsed = parseText('desc = "abc\nport = x\n');
    expect(parsed.lines).toEqual([{ args: ['desc', '=', 'abcport = x'], line: 1 }]);
    expect(parsed.warnings.map((w) => w.line)).toEqual([1, 1]);
  });
});

describe('limits (spec §1.3)', () => {
  it(`keeps ${MAX_ARGS} words and drops the rest, line still accepted`, () => {
    const words = Array.from({ length: 40 }, (_, i) => `w${i}`);
    const got = splitLine(words.join(' '));
    expect(got).toHaveLength(MAX_ARGS);
    expect(got[MAX_ARGS - 1]).toBe(`w${MAX_ARGS - 1}`);
  });

  it(`keeps ${MAX_ARG_LEN} characters of a word, quoted or not`, () => {
    expect(splitLine('a'.repeat(3000))[0]).toBe('a'.repeat(MAX_ARG_LEN));
    expect(splitLine(`"${'b'.repeat(513)}" c`)).toEqual(['b'.repeat(MAX_ARG_LEN), 'c']);
    expect(splitLine('x'.repeat(512))[0]).toHaveLength(512);
  });

  it('CVE-2012-2944 shape: long lines of control and high bytes never overflow the word', () => {
    const hostile = new Uint8Array(200_000);
    for (let i = 0; i < hostile.length; i++) {
      const ctl = 0x01 + (i % 0x1f);
      hostile[i] = i % 3 === 0 ? (ctl === 0x0a ? 0x0b : ctl) : 0x80 + (i % 0x7f);
    }
    hostile[hostile.length - 1] = 0x0a;
    const { lines } = stream([hostile]);
    expect(lines).toHaveLength(1);
    for (const w of lines[0] ?? []) {
      expect(w.length).toBeLessThanOrEqual(MAX_ARG_LEN);
      expect(/^[\x20-\x7f]*$/.test(w)).toBe(true);
    }
    // and the tokenizer still works afterwards
    const t = new Tokenizer();
    const got: string[][] = [];
    const sink: TokenizerSink = { line: (a) => { got.push(a); }, error: () => undefined };
    t.feed(hostile, sink);
    t.feed(bytes('PING\n'), sink);
    expect(got.at(-1)).toEqual(['PING']);
  });
});

describe('stream mode', () => {
  it('lines split across chunks at every offset parse the same', () => {
    const text = 'SET VAR ups1 "x \\" y" TRACKING 1\nGET VAR ups1 ups.status\n';
    const whole = stream([text]).lines;
    for (let cut = 0; cut <= text.length; cut++) {
      expect(stream([text.slice(0, cut), text.slice(cut)]).lines).toEqual(whole);
    }
  });

  it('upsd mode: an error can drop the rest of the chunk; the next chunk starts clean', () => {
    const { lines, errors, consumed } = stream(['"a#b" PING\nVER\n', 'HELP\n'], true);
    expect(errors).toHaveLength(1);
    expect(consumed[0]).toBe(3);
    expect(lines).toEqual([['HELP']]);
  });

  it('bytesInLine counts the pending line and resets at LF', () => {
    const t = new Tokenizer();
    const sink: TokenizerSink = { line: () => undefined, error: () => undefined };
    t.feed(bytes('x'.repeat(100)), sink);
    expect(t.bytesInLine).toBe(100);
    expect(t.idle).toBe(false);
    t.feed(bytes('\n'), sink);
    expect(t.bytesInLine).toBe(0);
    expect(t.idle).toBe(true);
  });
});

describe('file mode', () => {
  it('reports the physical line where each logical line started', () => {
    const parsed = parseText('# c\n\na = 1\nb = \\\n 2\nc = 3\n');
    expect(parsed.lines.map((l) => [l.args[0], l.line])).toEqual([['a', 3], ['b', 4], ['c', 6]]);
  });

  it('delivers a last line without LF, even a single word (hardnut keeps what NUT loses, §1.4 ⚠)', () => {
    expect(parseText('a = b').lines[0]?.args).toEqual(['a', '=', 'b']);
    expect(parseText('x = 1\nnolock').lines[1]?.args).toEqual(['nolock']);
  });
});

describe('encoder (spec §1.5)', () => {
  it('escapes only # \\ and "', () => {
    expect(encodeValue('a#b\\c"d=e f')).toBe('a\\#b\\\\c\\"d=e f');
    expect(quoteValue('')).toBe('""');
  });

  it('quoteValue round-trips through the tokenizer', () => {
    for (const v of ['', 'plain', 'with space', '#', '\\', '"', 'a"b#c\\d', ' lead', 'trail ', '=']) {
      expect(splitLine(`X ${quoteValue(v)}`)).toEqual(['X', v]);
    }
  });
});

describe('fast path for plain lines', () => {
  // Everything the fast path must either handle exactly as the byte loop does or leave to it.
  const alphabet = [0x61, 0x62, 0x2e, 0x31, 0x20, 0x20, 0x09, 0x0d, 0x0a, 0x0a, 0x22, 0x23, 0x5c, 0x3d, 0x7f, 0x80, 0x00, 0xff];
  const run = (fastPath: boolean, chunks: Uint8Array[], stopOnError: boolean) => {
    const events: unknown[] = [];
    const sink: TokenizerSink = {
      line: (args, line) => { events.push(['line', args, line]); },
      error: (msg, line) => { events.push(['error', msg, line]); return stopOnError ? false : undefined; },
      warning: (msg, line) => { events.push(['warning', msg, line]); },
    };
    const t = new Tokenizer({ fastPath });
    for (const c of chunks) events.push(['consumed', t.feed(c, sink), t.bytesInLine, t.lineNumber]);
    return events;
  };

  it('delivers the same lines, errors, line numbers and consumed counts as the byte loop', () => {
    const chunk = fc.array(fc.constantFrom(...alphabet), { maxLength: 80 }).map((a) => Uint8Array.from(a));
    fc.assert(fc.property(fc.array(chunk, { maxLength: 8 }), fc.boolean(), (chunks, stopOnError) => {
      expect(run(true, chunks, stopOnError)).toEqual(run(false, chunks, stopOnError));
    }), { numRuns: 3000 });
  });

  it('a line seen again (its words memoized) comes out as the byte loop makes it, in a fresh array', () => {
    const line = fc.array(fc.constantFrom(...alphabet.filter((b) => b !== 0x0a)), { maxLength: 40 }).map((a) => [...a, 0x0a]);
    fc.assert(fc.property(fc.array(line, { minLength: 1, maxLength: 3 }), fc.array(fc.nat(), { maxLength: 12 }), fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 6 }), fc.boolean(),
      (lines, picks, cuts, stopOnError) => {
        const all = Uint8Array.from(picks.flatMap((i) => lines[i % lines.length] as number[]));
        const chunks: Uint8Array[] = [];
        let at = 0;
        for (const c of cuts) { chunks.push(all.subarray(at, at + c)); at += c; }
        chunks.push(all.subarray(at));
        expect(run(true, chunks, stopOnError)).toEqual(run(false, chunks, stopOnError));
      }), { numRuns: 2000 });
    // a consumer that changes the array it was given changes nothing delivered later
    const got: string[][] = [];
    new Tokenizer().feed(bytes('GET VAR ups1 ups.status\n'.repeat(3)), {
      line: (args) => { got.push([...args]); args.push('changed'); args[0] = 'X'; },
      error: () => undefined,
    });
    expect(got).toEqual(Array(3).fill(['GET', 'VAR', 'ups1', 'ups.status']));
  });

  it('the memo keeps its own copy: a reused read buffer (upsd\'s) does not make new bytes look old', () => {
    const shared = Buffer.alloc(64);
    const t = new Tokenizer();
    const got: string[][] = [];
    const sink: TokenizerSink = { line: (args) => { got.push(args); }, error: () => undefined };
    for (const line of ['GET VAR ups1 ups.status\n', 'GET VAR ups2 ups.status\n', 'GET VAR ups2 ups.status\n']) {
      const n = shared.write(line, 'latin1');
      t.feed(shared.subarray(0, n), sink);
    }
    expect(got.map((w) => w[2])).toEqual(['ups1', 'ups2', 'ups2']);
  });

  it('leaves words at and past the limits to the byte loop, which keeps what §1.3 keeps', () => {
    for (const len of [MAX_ARG_LEN - 1, MAX_ARG_LEN, MAX_ARG_LEN + 1]) {
      for (const words of [MAX_ARGS - 1, MAX_ARGS, MAX_ARGS + 1]) {
        const line = bytes(`${Array.from({ length: words }, () => 'w'.repeat(len)).join(' ')}\n`);
        expect(run(true, [line], false)).toEqual(run(false, [line], false));
        const { lines } = stream([line]);
        expect(lines[0]).toHaveLength(Math.min(words, MAX_ARGS));
        expect(lines[0]?.[0]).toHaveLength(Math.min(len, MAX_ARG_LEN));
      }
    }
  });
});
