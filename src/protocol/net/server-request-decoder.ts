// Client → upsd bytes into request lines, as NUT's upsd reads them (spec §1.4, §2.1). Sans I/O.
//
// NUT reads a client's socket NUT_READ_SIZE (512) bytes at a time and feeds each byte to the
// tokenizer; on a parse error (an unescaped `#` inside quotes) it logs, sends no reply, and drops
// the rest of that read (§1.4 ⚠). hardnut reproduces this by cutting its input into reads of the
// same size, so pipelined requests after a parse error are lost exactly where NUT loses them.
//
// Pull API: push() bytes as they arrive, then call next() until it returns null. The server can
// stop pulling at any point (a delayed reply, STARTTLS) and resume later without losing order.
//
// hardnut difference: NUT has no limit on a line's length (it keeps 32 words of 512 characters
// and discards the rest while reading on). A line that runs past MAX_REQUEST_LINE_BYTES without a
// LF is reported as `overflow` and the server disconnects: a 1 MB garbage line is not read to
// its end.

import { Tokenizer, type TokenizerSink } from '../../core/tokenizer.js';

/** NUT's read() size for client sockets (SMALLBUF). */
export const NUT_READ_SIZE = 512;

/**
 * Longest request line accepted: 32 words (MAX_ARGS) of 512 characters (MAX_ARG_LEN), each
 * character escaped (×2), the word quoted (+2), plus separating spaces — 32 863 bytes — rounded up
 * to 33 KiB. Nothing a NUT client sends comes near it.
 */
export const MAX_REQUEST_LINE_BYTES = 33 * 1024;

const LF = 0x0a;

export type RequestEvent =
  | { type: 'line'; words: string[] }
  /** A tokenizer error: NUT logs it and sends nothing; the rest of that read is gone. */
  | { type: 'parse-error'; message: string }
  /** A line ran past the limit: the caller closes the connection. Nothing follows. */
  | { type: 'overflow' };

export interface RequestDecoderLimits {
  maxLineBytes?: number;
  readSize?: number;
}

export class RequestDecoder {
  private readonly tokenizer = new Tokenizer();
  private readonly maxLineBytes: number;
  private readonly readSize: number;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  /** Events produced by the current read, not yet pulled. */
  private queue: RequestEvent[] = [];
  private sinceLF = 0;
  private overflowed = false;
  private readonly sink: TokenizerSink;

  constructor(limits: RequestDecoderLimits = {}) {
    this.maxLineBytes = limits.maxLineBytes ?? MAX_REQUEST_LINE_BYTES;
    this.readSize = limits.readSize ?? NUT_READ_SIZE;
    this.sink = {
      line: (words) => { this.queue.push({ type: 'line', words }); },
      error: (message) => {
        this.queue.push({ type: 'parse-error', message });
        return false; // drop the rest of this read, as upsd does
      },
    };
  }

  /** Bytes received and not yet parsed. */
  get buffered(): number {
    return this.pendingBytes;
  }

  push(chunk: Uint8Array): void {
    if (this.overflowed || chunk.length === 0) return;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
  }

  /**
   * The next event, or null when more bytes are needed. With `sameReadOnly`, only what is left
   * of the current read is returned (upsd finishes the read in which LOGOUT arrived, then closes).
   */
  next(sameReadOnly = false): RequestEvent | null {
    for (;;) {
      const ev = this.queue.shift();
      if (ev !== undefined) return ev;
      if (sameReadOnly || this.overflowed || this.pendingBytes === 0) return null;
      this.readOnce();
    }
  }

  /**
   * Copies the bytes still waiting, so that they no longer refer to the caller's chunks (which
   * upsd reads into one shared buffer, reused by the next read).
   */
  ownPending(): void {
    this.pending = this.pending.map((c) => c.slice());
  }

  /** Forgets everything not yet pulled, and any partial line (STARTTLS: no plaintext carries over). */
  discard(): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.queue = [];
    this.tokenizer.reset();
    this.sinceLF = 0;
  }

  /** Takes one read's worth of bytes (at most readSize) and tokenizes it. */
  private readOnce(): void {
    const read = this.take(this.readSize);
    const used = this.tokenizer.feed(read, this.sink);
    // a loop, not lastIndexOf (a call into C++): a request's LF is nearly always its last byte
    let lastLF = used - 1;
    while (lastLF >= 0 && read[lastLF] !== LF) lastLF--;
    this.sinceLF = lastLF < 0 ? this.sinceLF + used : used - lastLF - 1;
    if (this.sinceLF > this.maxLineBytes) {
      this.overflowed = true;
      this.pending = [];
      this.pendingBytes = 0;
      this.queue.push({ type: 'overflow' });
    }
  }

  private take(n: number): Uint8Array {
    const first = this.pending[0] as Uint8Array;
    if (first.length > n) {
      this.pending[0] = first.subarray(n);
      this.pendingBytes -= n;
      return first.subarray(0, n);
    }
    if (first.length === n || this.pending.length === 1) {
      this.pending.shift();
      this.pendingBytes -= first.length;
      return first;
    }
    // a read spans chunks that arrived separately: NUT would have read them together only if
    // both were there at once; they are, since they are both pending now
    const out = new Uint8Array(Math.min(n, this.pendingBytes));
    let off = 0;
    while (off < out.length) {
      const c = this.pending[0] as Uint8Array;
      const k = Math.min(c.length, out.length - off);
      out.set(c.subarray(0, k), off);
      off += k;
      if (k === c.length) this.pending.shift();
      else this.pending[0] = c.subarray(k);
    }
    this.pendingBytes -= out.length;
    return out;
  }
}
