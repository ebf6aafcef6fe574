// Bytes → typed driver-socket messages, sans I/O: NUT's tokenizer (§1) plus a parse function
// (parseDriverMessage on upsd's side, parseClientMessage on the driver's side).
//
// Memory stays bounded whatever the peer sends: the tokenizer keeps at most 32 × 512 characters of
// the line being read (§1.3) and this class keeps only counters. A physical line longer than
// maxLineBytes is reported as `overflow` (latched); the I/O class then drops the connection.
//
// hardnut difference: on a parse error (unescaped `#` in quotes) NUT's upsd drops the rest of the
// read() chunk (§1.4 ⚠). That makes the outcome depend on how the kernel split the stream, so here
// parsing resumes with the next byte, as in file mode; the error is reported in `errors`.

import { Tokenizer, type TokenizerSink } from '../../core/tokenizer.js';
import { isMalformed, type Malformed } from './messages.js';

/**
 * Longest line the grammar can carry, and so the most a well-behaved peer ever sends before a LF:
 * 32 words (MAX_ARGS) of 512 characters (MAX_ARG_LEN), every character escaped (×2) and the word
 * quoted (+2): 32 × 1026 = 32 832, plus 31 separating spaces = 32 863 bytes. Rounded up to 33 KiB.
 */
export const MAX_SOCK_LINE_BYTES = 33 * 1024;

const LF = 0x0a;

export interface SockDecoderLimits {
  /** Bytes allowed in one physical line, LF excluded. Default MAX_SOCK_LINE_BYTES. */
  maxLineBytes?: number;
}

export interface SockDecodeResult<M> {
  /** Well-formed messages, in stream order. */
  messages: M[];
  /** Known verbs with a wrong shape (for a log line; NUT ignores them). */
  malformed: Malformed[];
  /** Tokenizer error messages (e.g. unescaped `#` in quotes); the offending line is not delivered. */
  errors: string[];
  /** A line exceeded maxLineBytes without LF: nothing from that point on is parsed, now or later. */
  overflow: boolean;
}

export class SockDecoder<M> {
  private readonly tokenizer = new Tokenizer();
  private readonly maxLineBytes: number;
  /** Bytes seen since the last LF. */
  private sinceLF = 0;
  private overflowed = false;
  private current: SockDecodeResult<M> | null = null;
  private readonly sink: TokenizerSink;

  constructor(
    private readonly parse: (args: string[]) => M | Malformed | null,
    limits: SockDecoderLimits = {},
  ) {
    this.maxLineBytes = limits.maxLineBytes ?? MAX_SOCK_LINE_BYTES;
    this.sink = {
      line: (args) => {
        // Empty and comment-only lines carry nothing (§1.2); unknown verbs are ignored (§3.2).
        if (args.length === 0 || this.current === null) return;
        const r = this.parse(args);
        if (r === null) return;
        if (isMalformed(r)) this.current.malformed.push(r);
        else this.current.messages.push(r);
      },
      error: (message) => {
        this.current?.errors.push(message);
      },
    };
  }

  /** True once a line overflowed; every later push() returns nothing but `overflow: true`. */
  get overflow(): boolean {
    return this.overflowed;
  }

  push(chunk: Uint8Array): SockDecodeResult<M> {
    const result: SockDecodeResult<M> = { messages: [], malformed: [], errors: [], overflow: this.overflowed };
    if (this.overflowed) return result;

    // Find how much of the chunk can be parsed before a line grows past the limit.
    const n = chunk.length;
    const max = this.maxLineBytes;
    let since = this.sinceLF;
    let pos = 0;
    let cut = n;
    while (pos < n) {
      const lf = chunk.indexOf(LF, pos);
      const end = lf < 0 ? n : lf;
      if (since + (end - pos) > max) {
        cut = pos;
        this.overflowed = true;
        result.overflow = true;
        break;
      }
      if (lf < 0) {
        since += n - pos;
        break;
      }
      since = 0;
      pos = lf + 1;
    }
    this.sinceLF = since;

    if (cut > 0) {
      this.current = result;
      try {
        this.tokenizer.feed(cut === n ? chunk : chunk.subarray(0, cut), this.sink);
      } finally {
        this.current = null;
      }
    }
    return result;
  }
}
