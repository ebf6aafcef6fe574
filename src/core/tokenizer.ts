// NUT's shared tokenizer ("parseconf"), spec §1: one byte-level state machine used by upsd's
// network input, the driver socket (both ends), every config file and dummy-ups data files.
// Sans I/O: bytes go in through feed(), complete lines come out through a sink.
//
// Memory is bounded whatever the input: at most MAX_ARGS words of MAX_ARG_LEN characters are
// kept for the line being read; everything beyond is dropped, as NUT does (§1.3).

/** Words kept per line; further words are silently discarded (§1.3). */
export const MAX_ARGS = 32;
/** Characters kept per word; further characters are silently discarded (§1.3). */
export const MAX_ARG_LEN = 512;

const LF = 0x0a;
const HASH = 0x23;
const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const EQUALS = 0x3d;

// States of §1.2. Plain numbers: `const enum` does not survive isolatedModules.
const WORDSTART = 0;
const COLLECT = 1;
const COLLECT_LITERAL = 2;
const QUOTED = 3;
const QUOTED_LITERAL = 4;
const SKIP_TO_EOL = 5;
/** A line was just delivered, or a parse error reported: the next byte starts afresh (§1.4). */
const DONE = 6;

export const UNBALANCED_HASH_MESSAGE = 'Unbalanced word due to unescaped # in quotes';

/** C's isspace() in the C locale; used between words, before the byte filter (§1.1). */
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/**
 * A plain line up to this long is remembered with its words: the same bytes again (a client
 * polling one variable sends nothing else) get a copy of those words without building strings.
 */
const MEMO_MAX_BYTES = 128;

/** Words up to this length are built char by char; longer ones in one call. */
const SHORT_WORD = 64;

/**
 * The first `len` bytes of `word` (all 0x20-0x7f, §1.1) as a string. Hot in upsd: a spread
 * (`fromCharCode(...view)`) costs ~4x a plain loop for the short words requests are made of.
 */
function wordString(word: Uint8Array, len: number): string {
  if (len > SHORT_WORD) return String.fromCharCode.apply(null, Array.from(word.subarray(0, len)));
  let s = '';
  for (let i = 0; i < len; i++) s += String.fromCharCode(word[i] as number);
  return s;
}

export interface TokenizerSink {
  /** A complete logical line; `args` may be empty (blank or comment-only line). */
  line(args: string[], lineNumber: number): void;
  /**
   * A parse error; the words of that line are not delivered. Returning `false` asks the
   * tokenizer to drop the rest of the chunk being fed (upsd's network behaviour, §1.4).
   */
  error(message: string, lineNumber: number): boolean | void;
  /** Something NUT accepts silently but a user should hear about (config files). */
  warning?(message: string, lineNumber: number): void;
}

export interface TokenizerLimits {
  maxArgs: number;
  maxArgLen: number;
}

export class Tokenizer {
  private state = DONE;
  private readonly word: Uint8Array;
  private wordLen = 0;
  private args: string[] = [];
  private readonly maxArgs: number;
  private readonly maxArgLen: number;
  /** Physical line (1-based) of the byte being read, and of the start of the logical line. */
  private physLine = 1;
  private startLine = 1;
  private lineBytes = 0;
  private quoteOpenedLine = 0;
  private warnedRunaway = false;

  /** Off only in tests that check the fast path against the byte loop. */
  private readonly fastPath: boolean;
  /** The last plain line's bytes (LF excluded) and its words: see MEMO_MAX_BYTES. */
  private memo: Uint8Array | null = null;
  private memoArgs: string[] = [];

  constructor(limits: Partial<TokenizerLimits> & { fastPath?: boolean } = {}) {
    this.fastPath = limits.fastPath ?? true;
    this.maxArgs = limits.maxArgs ?? MAX_ARGS;
    this.maxArgLen = limits.maxArgLen ?? MAX_ARG_LEN;
    this.word = new Uint8Array(this.maxArgLen);
  }

  /** Bytes consumed since the current logical line began (for flood limits in I/O classes). */
  get bytesInLine(): number {
    return this.state === DONE ? 0 : this.lineBytes;
  }

  /** True when no partial line is pending. */
  get idle(): boolean {
    return this.state === DONE;
  }

  /** Physical line number of the next byte (1-based). */
  get lineNumber(): number {
    return this.physLine;
  }

  /** Forget any partial line. */
  reset(): void {
    this.state = DONE;
    this.args = [];
    this.wordLen = 0;
  }

  /**
   * Feeds bytes. Returns the number of bytes consumed: all of them, unless the sink's error()
   * returned false, in which case the rest of the chunk after the offending byte is dropped.
   */
  feed(chunk: Uint8Array, sink: TokenizerSink): number {
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      if (this.state === DONE && this.fastPath) {
        const next = this.plainLine(chunk, i, sink);
        if (next > i) { i = next - 1; continue; }
      }
      const c = chunk[i] as number;
      if (this.state === DONE) this.begin();
      this.lineBytes++;
      this.step(c, sink);
      if (c === LF) this.physLine++;
      if (this.state === DONE && this.pendingError !== null) {
        const msg = this.pendingError;
        this.pendingError = null;
        if (sink.error(msg, this.startLine) === false) return i + 1;
      }
    }
    return n;
  }

  /**
   * Fast path for the common line: only plain characters and blanks up to a LF, within the
   * limits, which the state machine would split at the blanks and deliver unchanged. Delivers it
   * and returns the index after its LF; returns `from` (nothing consumed) for anything else, and
   * the byte loop takes over. Equivalence with the byte loop is a property test.
   */
  private plainLine(chunk: Uint8Array, from: number, sink: TokenizerSink): number {
    const n = chunk.length;
    let words = 0;
    let wordStart = -1;
    let j = from;
    for (; j < n; j++) {
      const c = chunk[j] as number;
      if (c === LF) break;
      if (c > 0x20 && c < 0x7f && c !== QUOTE && c !== HASH && c !== BACKSLASH && c !== EQUALS) {
        if (wordStart < 0) {
          if (++words > this.maxArgs) return from;
          wordStart = j;
        } else if (j - wordStart >= this.maxArgLen) return from;
      } else if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) {
        wordStart = -1;
      } else {
        return from;
      }
    }
    if (j >= n) return from;
    const len = j - from;
    const memo = this.memo;
    if (memo !== null && memo.length === len) {
      let same = true;
      for (let k = 0; k < len; k++) if (chunk[from + k] !== memo[k]) { same = false; break; }
      if (same) {
        this.startLine = this.physLine;
        this.physLine++;
        sink.line(this.memoArgs.slice(), this.startLine); // a copy: sinks may change theirs
        return j + 1;
      }
    }
    const args: string[] = [];
    let start = -1;
    for (let k = from; k <= j; k++) {
      const c = chunk[k] as number;
      const blank = k === j || c === 0x20 || (c >= 0x09 && c <= 0x0d);
      if (!blank) { if (start < 0) start = k; continue; }
      if (start >= 0) {
        let w = '';
        for (let m = start; m < k; m++) w += String.fromCharCode(chunk[m] as number);
        args.push(w);
        start = -1;
      }
    }
    if (len <= MEMO_MAX_BYTES) {
      // a copy: Buffer#slice is a view, and upsd reads every socket into one reused buffer
      this.memo = new Uint8Array(chunk.subarray(from, j));
      this.memoArgs = args.slice();
    }
    this.startLine = this.physLine;
    this.physLine++;
    sink.line(args, this.startLine);
    return j + 1;
  }

  /**
   * End of input (file mode). A last line without LF is delivered. hardnut difference: NUT loses
   * the last word of a file whose final line has exactly one word and no LF (§1.4 ⚠); we keep it.
   */
  end(sink: TokenizerSink): void {
    if (this.state === DONE) return;
    if (this.state === QUOTED || this.state === QUOTED_LITERAL) {
      sink.warning?.(`quote opened on line ${this.quoteOpenedLine} is never closed`, this.quoteOpenedLine);
    }
    if (this.state !== WORDSTART && this.state !== SKIP_TO_EOL) this.endWord();
    const args = this.args;
    const line = this.startLine;
    this.reset();
    if (args.length > 0) sink.line(args, line);
  }

  private pendingError: string | null = null;

  private begin(): void {
    this.state = WORDSTART;
    this.args = [];
    this.wordLen = 0;
    this.startLine = this.physLine;
    this.lineBytes = 0;
    this.warnedRunaway = false;
  }

  /** Stores a character into the current word: the §1.1 filter, then the §1.3 length cap. */
  private addChar(c: number): void {
    if (c < 0x20 || c > 0x7f) return;
    if (this.wordLen >= this.maxArgLen) return;
    this.word[this.wordLen++] = c;
  }

  private endWord(): void {
    if (this.args.length < this.maxArgs) this.args.push(wordString(this.word, this.wordLen));
    this.wordLen = 0;
  }

  private endLine(sink: TokenizerSink): void {
    const args = this.args;
    this.state = DONE;
    sink.line(args, this.startLine);
  }

  private step(c: number, sink: TokenizerSink): void {
    switch (this.state) {
      case WORDSTART:
        if (c === LF) return this.endLine(sink);
        if (c === HASH) { this.state = SKIP_TO_EOL; return; }
        if (isSpace(c)) return;
        if (c === BACKSLASH) { this.state = COLLECT_LITERAL; return; }
        if (c === QUOTE) { this.state = QUOTED; this.quoteOpenedLine = this.physLine; return; }
        if (c === EQUALS) { this.addChar(c); this.endWord(); return; }
        this.addChar(c);
        this.state = COLLECT;
        return;
      case COLLECT:
        if (c === HASH) { this.endWord(); this.state = SKIP_TO_EOL; return; }
        if (c === LF) { this.endWord(); return this.endLine(sink); }
        if (isSpace(c)) { this.endWord(); this.state = WORDSTART; return; }
        if (c === BACKSLASH) { this.state = COLLECT_LITERAL; return; }
        if (c === EQUALS) { this.endWord(); this.addChar(c); this.endWord(); this.state = WORDSTART; return; }
        this.addChar(c);
        return;
      case COLLECT_LITERAL:
        if (c !== LF) this.addChar(c);
        this.state = COLLECT;
        return;
      case QUOTED:
        if (c === QUOTE) { this.endWord(); this.state = WORDSTART; return; }
        if (c === HASH) {
          this.endWord();
          this.state = DONE;
          this.pendingError = UNBALANCED_HASH_MESSAGE;
          return;
        }
        if (c === BACKSLASH) { this.state = QUOTED_LITERAL; return; }
        if (c === LF && !this.warnedRunaway) {
          // NUT keeps reading the next lines into the quoted word (the filter drops the LF).
          this.warnedRunaway = true;
          sink.warning?.(`quote opened on line ${this.quoteOpenedLine} runs past the end of the line`, this.quoteOpenedLine);
        }
        this.addChar(c);
        return;
      case QUOTED_LITERAL:
        if (c !== LF) this.addChar(c);
        this.state = QUOTED;
        return;
      case SKIP_TO_EOL:
        if (c === LF) this.endLine(sink);
        return;
      default:
        return;
    }
  }
}

export interface ParsedLine {
  args: string[];
  line: number;
}

export interface ParseDiagnostic {
  message: string;
  line: number;
}

export interface ParsedText {
  lines: ParsedLine[];
  errors: ParseDiagnostic[];
  warnings: ParseDiagnostic[];
}

const encoder = new TextEncoder();

function toBytes(input: Uint8Array | string): Uint8Array {
  return typeof input === 'string' ? encoder.encode(input) : input;
}

/** File mode: tokenizes a whole file. Lines with no words are left out. */
export function parseText(input: Uint8Array | string, limits?: Partial<TokenizerLimits>): ParsedText {
  const out: ParsedText = { lines: [], errors: [], warnings: [] };
  const sink: TokenizerSink = {
    line(args, line) { if (args.length > 0) out.lines.push({ args, line }); },
    error(message, line) { out.errors.push({ message, line }); },
    warning(message, line) { out.warnings.push({ message, line }); },
  };
  const t = new Tokenizer(limits);
  t.feed(toBytes(input), sink);
  t.end(sink);
  return out;
}

/**
 * Tokenizes one line (a trailing LF is optional) and returns its words; throws on a parse error.
 * For tests and for short strings the program itself produced.
 */
export function splitLine(input: string): string[] {
  const parsed = parseText(input.endsWith('\n') ? input : `${input}\n`);
  const first = parsed.errors[0];
  if (first) throw new SyntaxError(first.message);
  return parsed.lines[0]?.args ?? [];
}

/** pconf_encode (§1.5): backslash before each `#`, `\` and `"`; nothing else changes. */
export function encodeValue(value: string): string {
  return value.replace(/[#\\"]/g, '\\$&');
}

/** An encoded value in double quotes, as upsd and drivers emit values. */
export function quoteValue(value: string): string {
  return `"${encodeValue(value)}"`;
}
