// The client side of the NUT network protocol (spec §2), sans I/O: request lines encoded as
// libupsclient builds them, reply bytes cut into lines and tokenized with NUT's tokenizer (§1),
// and the checks upscli makes on every reply (the answer echoes the query, lists are framed by
// BEGIN LIST / END LIST, §2.7). The client library (src/client) only moves bytes through this.
import { Tokenizer, encodeValue } from '../../core/tokenizer.js';
import { NutError, NutProtocolError, NutRequestError, PROTOCOL_ERROR_TEXT, parseErrorText } from './client-errors.js';
import { strtol } from '../../core/c-number.js';

/** Longest reply line accepted. upsd never sends more than 511 characters (§2.1). */
export const MAX_REPLY_LINE = 8192;
/** Most items accepted in one LIST reply; a server sending more is treated as broken. */
export const MAX_LIST_ITEMS = 100_000;

const LF = 0x0a;

/**
 * One request argument as upscli's build_cmd sends it (§2.8): pconf-encoded (`\`, `"`, `#`
 * escaped) and wrapped in quotes when it contains a space.
 *
 * hardnut differences, so that an argument always arrives as exactly one word: an empty
 * argument is sent as `""` (upscli sends nothing, and the word is lost), and an argument is also
 * quoted when it contains `=` (a word of its own for the tokenizer). Characters the server's
 * tokenizer would silently drop (controls, non-ASCII, §1.1) or that would end the line are
 * refused instead of being sent.
 */
export function encodeArg(arg: string): string {
  for (let i = 0; i < arg.length; i++) {
    const c = arg.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) {
      throw new NutRequestError(`argument contains a character NUT cannot carry (0x${c.toString(16).padStart(2, '0')}): only printable ASCII arrives intact`);
    }
  }
  const encoded = encodeValue(arg);
  return arg === '' || arg.includes(' ') || arg.includes('=') ? `"${encoded}"` : encoded;
}

/** `COMMAND arg1 arg2…\n`, each argument encoded by encodeArg. */
export function buildRequest(command: string, args: readonly string[] = []): string {
  if (!/^[A-Za-z]+$/.test(command)) throw new NutRequestError(`not a NUT command word: ${JSON.stringify(command)}`);
  return args.length === 0 ? `${command}\n` : `${command} ${args.map(encodeArg).join(' ')}\n`;
}

/** A reply line: the bytes as text (latin1, without the LF) and its words after tokenizing. */
export interface ReplyLine {
  raw: string;
  words: string[];
  /** Set when the tokenizer rejected the line (§1.4); `words` is then empty. */
  parseError?: string;
}

/** Tokenizes one complete reply line (the LF not included). */
export function tokenizeReply(line: Uint8Array): ReplyLine {
  const raw = latin1(line);
  let words: string[] | undefined;
  let parseError: string | undefined;
  const t = new Tokenizer();
  const withLf = new Uint8Array(line.length + 1);
  withLf.set(line);
  withLf[line.length] = LF;
  t.feed(withLf, {
    line(args) { if (words === undefined && parseError === undefined) words = args; },
    error(message) { if (words === undefined && parseError === undefined) parseError = message; return false; },
  });
  return parseError !== undefined ? { raw, words: [], parseError } : { raw, words: words ?? [] };
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 4096) s += String.fromCharCode(...bytes.subarray(i, i + 4096));
  return s;
}

/** Cuts the reply byte stream into lines. Memory is bounded by MAX_REPLY_LINE. */
export class ReplyDecoder {
  private buf: Uint8Array = new Uint8Array(0);

  /** Bytes in → complete lines out. Throws NutProtocolError on a line longer than the limit. */
  push(chunk: Uint8Array): ReplyLine[] {
    const out: ReplyLine[] = [];
    let data = chunk;
    if (this.buf.length > 0) {
      data = new Uint8Array(this.buf.length + chunk.length);
      data.set(this.buf);
      data.set(chunk, this.buf.length);
    }
    let start = 0;
    for (;;) {
      const nl = data.indexOf(LF, start);
      if (nl < 0) break;
      if (nl - start > MAX_REPLY_LINE) throw tooLong();
      out.push(tokenizeReply(data.subarray(start, nl)));
      start = nl + 1;
    }
    if (data.length - start > MAX_REPLY_LINE) throw tooLong();
    this.buf = data.slice(start);
    return out;
  }

  /** Bytes received after the last complete line. */
  get pending(): number {
    return this.buf.length;
  }
}

function tooLong(): NutProtocolError {
  return new NutProtocolError('ERR_REPLY_TOO_LONG', PROTOCOL_ERROR_TEXT, undefined, `reply line longer than ${MAX_REPLY_LINE} bytes`);
}

/** The outcome of feeding one line to a reply consumer. */
export type Step<T> =
  | { done: false }
  | { done: true; value: T }
  | { done: true; error: NutError | NutProtocolError; fatal: boolean };

/** Consumes the reply lines of one request. */
export interface ReplyConsumer<T> {
  push(line: ReplyLine): Step<T>;
}

const MORE = { done: false } as const;

/** libupsclient's upscli_errcheck: a line starting with "ERR" is an error reply. */
export function isErrorReply(line: ReplyLine): boolean {
  return line.raw.startsWith('ERR');
}

function parseFailure<T>(line: ReplyLine): Step<T> {
  return { done: true, error: new NutProtocolError('ERR_PARSE', parseErrorText(line.parseError ?? ''), line.raw), fatal: true };
}

function protocolFailure<T>(line: ReplyLine, why: string): Step<T> {
  return { done: true, error: new NutProtocolError('ERR_PROTOCOL', PROTOCOL_ERROR_TEXT, line.raw, why), fatal: true };
}

/** upscli's verify_resp: the first words of the answer equal the query, case-insensitively. */
export function echoes(query: readonly string[], answer: readonly string[], offset = 0): boolean {
  if (answer.length - offset < query.length) return false;
  return query.every((q, i) => q.toLowerCase() === (answer[i + offset] as string).toLowerCase());
}

/** Any single line; "ERR …" becomes a NutError. For USERNAME, SET, INSTCMD, STARTTLS… */
export function expectLine(): ReplyConsumer<ReplyLine> {
  return {
    push(line) {
      if (isErrorReply(line)) return { done: true, error: new NutError(line.raw), fatal: false };
      return { done: true, value: line };
    },
  };
}

/** A line that must begin with "OK" (USERNAME, PASSWORD, LOGIN, SET, INSTCMD…). */
export function expectOk(): ReplyConsumer<ReplyLine> {
  return {
    push(line) {
      if (isErrorReply(line)) return { done: true, error: new NutError(line.raw), fatal: false };
      if (!line.raw.startsWith('OK')) return protocolFailure(line, 'expected OK');
      return { done: true, value: line };
    },
  };
}

/**
 * `GET <query…>` (upscli_get): one line echoing the query words, e.g. `VAR ups var "value"`.
 * The value is the answer's words after the query.
 */
export function expectGet(query: readonly string[]): ReplyConsumer<string[]> {
  return {
    push(line) {
      if (isErrorReply(line)) return { done: true, error: new NutError(line.raw), fatal: false };
      if (line.parseError !== undefined) return parseFailure(line);
      if (!echoes(query, line.words)) return protocolFailure(line, `reply does not echo GET ${query.join(' ')}`);
      return { done: true, value: line.words };
    },
  };
}

/**
 * `LIST <query…>` (upscli_list_start/list_next): `BEGIN LIST <query>`, item lines each echoing
 * the query, `END LIST …`. An ERR instead of BEGIN is an ordinary error; anything else amiss
 * leaves the connection out of step and is fatal to it.
 */
export function expectList(query: readonly string[]): ReplyConsumer<string[][]> {
  let begun = false;
  const items: string[][] = [];
  return {
    push(line) {
      if (isErrorReply(line)) return { done: true, error: new NutError(line.raw), fatal: begun };
      if (line.parseError !== undefined) return parseFailure(line);
      const w = line.words;
      if (!begun) {
        if (w.length < 2 || w[0]?.toUpperCase() !== 'BEGIN' || w[1]?.toUpperCase() !== 'LIST') return protocolFailure(line, 'expected BEGIN LIST');
        if (!echoes(query, w, 2)) return protocolFailure(line, `BEGIN LIST does not echo LIST ${query.join(' ')}`);
        begun = true;
        return MORE;
      }
      // upscli compares END LIST case-sensitively.
      if (w.length >= 2 && w[0] === 'END' && w[1] === 'LIST') return { done: true, value: items };
      if (w.length < 1 || !echoes(query, w)) return protocolFailure(line, `list item does not echo ${query.join(' ')}`);
      if (items.length >= MAX_LIST_ITEMS) {
        return { done: true, error: new NutProtocolError('ERR_LIST_TOO_LONG', PROTOCOL_ERROR_TEXT, undefined, `more than ${MAX_LIST_ITEMS} list items`), fatal: true };
      }
      items.push(w);
      return MORE;
    },
  };
}

// Typed views of replies ------------------------------------------------------------------

/** `TYPE <ups> <var> [RW] [ENUM] [RANGE] STRING:<n>|NUMBER` (§2.3). */
export interface VarType {
  rw: boolean;
  enum: boolean;
  range: boolean;
  /** STRING, NUMBER, or whatever other word the server sent. */
  kind: 'STRING' | 'NUMBER' | 'UNKNOWN';
  /** STRING's maximum length. */
  maxLength?: number;
  /** The type words as sent, after `TYPE <ups> <var>`. */
  words: string[];
}

export function parseType(words: readonly string[]): VarType {
  const rest = words.slice(3);
  const t: VarType = { rw: false, enum: false, range: false, kind: 'UNKNOWN', words: rest };
  for (const w of rest) {
    const u = w.toUpperCase();
    if (u === 'RW') t.rw = true;
    else if (u === 'ENUM') t.enum = true;
    else if (u === 'RANGE') t.range = true;
    else if (u === 'NUMBER') t.kind = 'NUMBER';
    else if (u.startsWith('STRING:')) { t.kind = 'STRING'; t.maxLength = strtol(w.slice(7)); }
  }
  return t;
}

export { strtol };

/** Result of `GET TRACKING <id>` (§2.5): PENDING, SUCCESS, or the ERR line the driver's answer maps to. */
export interface TrackingStatus {
  state: 'PENDING' | 'SUCCESS' | 'ERROR';
  /** The reply line as sent ("PENDING", "SUCCESS", "ERR UNKNOWN"…), as upscmd prints it. */
  reply: string;
  /** For ERROR: the code after "ERR ". */
  code?: string;
}

export function parseTracking(line: ReplyLine): TrackingStatus {
  if (line.raw.startsWith('PENDING')) return { state: 'PENDING', reply: line.raw };
  if (line.raw.startsWith('SUCCESS')) return { state: 'SUCCESS', reply: line.raw };
  return { state: 'ERROR', reply: line.raw, code: line.raw.startsWith('ERR ') ? (line.raw.slice(4).split(' ')[0] ?? '') : '' };
}

/** Tracking id from `OK TRACKING <id>`, if the reply carries one. */
export function trackingId(line: ReplyLine): string | undefined {
  const w = line.words;
  return w.length >= 3 && w[0] === 'OK' && w[1] === 'TRACKING' ? w[2] : undefined;
}
