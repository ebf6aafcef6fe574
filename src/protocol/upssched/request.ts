// upssched daemon socket requests (spec §6.3). Pure: strings and bytes in and out.
//
// The client always sends the bare verb and 5 double-quoted, pconf-encoded words:
//   <VERB> "<arg1>" "<arg2>" "<NOTIFYTYPE>" "<UPSNAME>" "<NOTIFYMSG>"\n
// NUT 2.8.0's own client sends only `START "name" "secs"` / `CANCEL "name" ["cmd"]`; missing words
// decode as "", so both forms are understood, and NUT 2.8.0's daemon ignores our extra words.

import { HardnutError } from '../../core/errors.js';
import { Tokenizer, encodeValue } from '../../core/tokenizer.js';
import type { TokenizerSink } from '../../core/tokenizer.js';

export const REQUEST_VERBS = ['START', 'START-SHARED', 'CANCEL', 'CANCEL-MATCHED', 'LIST-TIMERS'] as const;
export type RequestVerb = (typeof REQUEST_VERBS)[number];

/** Words after the verb that a request carries (§6.3). */
export const REQUEST_WORDS = 5;
/** Words kept per request line: the verb, its 5 words, and room for NUT's extras; more are dropped. */
export const MAX_REQUEST_ARGS = 8;
/** Characters kept per word (NUT's client builds the whole request in a 512-byte buffer). */
export const MAX_REQUEST_ARG_LEN = 512;
/** Bytes between two LFs; a longer line is refused and skipped up to its LF. */
export const MAX_REQUEST_LINE_BYTES = 4096;

export interface UpsschedRequest {
  verb: RequestVerb;
  /** Timer name (START*, CANCEL*). */
  arg1: string;
  /** Seconds for START*, the command for CANCEL*. */
  arg2: string;
  notifyType: string;
  upsName: string;
  notifyMsg: string;
}

/** A request line this daemon does not understand (answered `ERR UNKNOWN`). */
export interface UnknownRequest { args: string[] }

export class UpsschedProtocolError extends HardnutError {
  constructor(code: 'ERR_UPSSCHED_PARSE' | 'ERR_UPSSCHED_LINE_TOO_LONG' | 'ERR_UPSSCHED_REPLY', message: string) {
    super(code, message);
  }
}

export type Decoded =
  | { kind: 'request'; request: UpsschedRequest }
  | { kind: 'unknown'; unknown: UnknownRequest }
  | { kind: 'error'; error: UpsschedProtocolError };

export function isRequestVerb(v: string): v is RequestVerb {
  return (REQUEST_VERBS as readonly string[]).includes(v);
}

/** The request line, LF included. */
export function encodeRequest(r: Omit<UpsschedRequest, 'notifyType' | 'upsName' | 'notifyMsg' | 'arg2'> & Partial<UpsschedRequest>): string {
  const words = [r.arg1, r.arg2 ?? '', r.notifyType ?? '', r.upsName ?? '', r.notifyMsg ?? ''];
  return `${r.verb} ${words.map((w) => `"${encodeValue(w)}"`).join(' ')}\n`;
}

/** Words (verb first) to a request; undefined when the daemon must answer ERR UNKNOWN. */
export function requestOf(args: readonly string[]): UpsschedRequest | undefined {
  const [verb, arg1 = '', arg2 = '', notifyType = '', upsName = '', notifyMsg = ''] = args;
  if (verb === undefined || !isRequestVerb(verb)) return undefined;
  // NUT (§6.3): START needs a name and seconds; CANCEL at least a name.
  if ((verb === 'START' || verb === 'START-SHARED') && args.length < 3) return undefined;
  if ((verb === 'CANCEL' || verb === 'CANCEL-MATCHED') && args.length < 2) return undefined;
  return { verb, arg1, arg2, notifyType, upsName, notifyMsg };
}

/**
 * Daemon side: bytes in, decoded lines out, in stream mode over NUT's tokenizer (§1). Never
 * throws; memory stays bounded (MAX_REQUEST_ARGS × MAX_REQUEST_ARG_LEN plus one counter).
 */
export class RequestDecoder {
  private readonly tok = new Tokenizer({ maxArgs: MAX_REQUEST_ARGS, maxArgLen: MAX_REQUEST_ARG_LEN });
  private lineBytes = 0;
  private skipping = false;
  private out: Decoded[] = [];
  private readonly sink: TokenizerSink = {
    line: (args) => {
      if (args.length === 0) return;
      const request = requestOf(args);
      this.out.push(request ? { kind: 'request', request } : { kind: 'unknown', unknown: { args } });
    },
    error: (message) => {
      this.out.push({ kind: 'error', error: new UpsschedProtocolError('ERR_UPSSCHED_PARSE', message) });
      return true; // NUT logs the parse error and reads on (§6.2)
    },
  };

  /** True when no partial line is pending (the next byte starts a fresh request). */
  get idle(): boolean {
    return this.tok.idle && !this.skipping;
  }

  /** Bytes of the current (unfinished) line. */
  get bufferedLineBytes(): number {
    return this.lineBytes;
  }

  push(chunk: Uint8Array): Decoded[] {
    this.out = [];
    let start = 0;
    while (start < chunk.length) {
      const lf = chunk.indexOf(0x0a, start);
      const end = lf === -1 ? chunk.length : lf + 1;
      const seg = chunk.subarray(start, end);
      if (this.skipping) {
        if (lf !== -1) { this.skipping = false; this.lineBytes = 0; }
      } else if (this.lineBytes + seg.length > MAX_REQUEST_LINE_BYTES) {
        this.tok.reset();
        this.out.push({ kind: 'error', error: new UpsschedProtocolError('ERR_UPSSCHED_LINE_TOO_LONG', `request line longer than ${String(MAX_REQUEST_LINE_BYTES)} bytes`) });
        this.lineBytes = 0;
        this.skipping = lf === -1;
      } else {
        this.tok.feed(seg, this.sink);
        this.lineBytes = lf === -1 ? this.lineBytes + seg.length : 0;
      }
      start = end;
    }
    const out = this.out;
    this.out = [];
    return out;
  }
}
