// How upsd words its replies (spec §2.3, §2.7): the fixed strings, the escaping and NUT's buffer
// sizes, which decide where a long reply is cut. Pure: strings in, strings out.
//
// NUT formats every reply line into a buffer of NUT_NET_ANSWER_MAX + 1 = 513 bytes (sendback), so a
// line longer than 512 characters is cut there and loses its LF (§2.1 ⚠). Only a client that sends
// a 512-character word that upsd echoes can cause it; hardnut cuts at the same place so that such
// a client sees the same bytes from both servers.

import type { NetErrorCode } from './errors.js';

/** NUT's SMALLBUF: the reply buffer, and the buffer UPS descriptions are escaped into. */
export const SMALLBUF = 512;
/** Longest reply line NUT can send: NUT_NET_ANSWER_MAX (= SMALLBUF) characters (§2.1). */
export const MAX_REPLY_LINE = SMALLBUF;
/** NUT's ST_MAX_VALUE_LEN: the buffer driver values and enum values are escaped into (state.c). */
export const ST_MAX_VALUE_LEN = 256;

/** Network protocol version (NETVER / PROTVER). */
export const NET_PROTOCOL_VERSION = '1.3';

/**
 * The HELP line of the peer (NUT 2.8.0): PROTVER, PRIMARY, MASTER and FSD are not listed. (Later
 * NUT releases add PROTVER; the golden peer is 2.8.0.)
 */
export const HELP_TEXT = 'Commands: HELP VER GET LIST SET INSTCMD LOGIN LOGOUT USERNAME PASSWORD STARTTLS';

/** The NUT release hardnut's protocol matches; `server.version` reports it (§2.3). */
export const NUT_COMPAT_VERSION = '2.8.0';
export const NUT_URL = 'http://www.networkupstools.org/';

/**
 * VER and `server.info`. hardnut difference: NUT says `Network UPS Tools upsd 2.8.0 - <url>`;
 * hardnut adds its own name and version after NUT's, so a client that takes the word after "upsd"
 * as the version still reads NUT's.
 */
export function serverInfo(hardnutVersion: string): string {
  return `Network UPS Tools upsd ${NUT_COMPAT_VERSION} (hardnut ${hardnutVersion}) - ${NUT_URL}`;
}

const ESCAPE_CHARS = '#\\"';
const NEEDS_ESCAPE = /[#\\"]/;

/**
 * NUT's pconf_encode into a buffer of `destSize` bytes (§1.5): a backslash before each `#`, `\`
 * and `"`, stopping when the buffer (minus the NUL) is full; an escape pair is never split.
 */
export function pconfEncode(src: string, destSize: number): string {
  if (destSize < 1) return '';
  const max = destSize - 1;
  // the usual value: short, nothing to escape (GET VAR is hot)
  if (src.length <= max && !NEEDS_ESCAPE.test(src)) return src;
  let out = '';
  for (let i = 0; i < src.length; i++) {
    const c = src[i] as string;
    if (ESCAPE_CHARS.includes(c)) {
      if (out.length >= max - 1) return out;
      out += '\\';
    }
    if (out.length >= max) return out;
    out += c;
  }
  return out;
}

/** A driver or enum value as upsd stores and sends it: escaped into ST_MAX_VALUE_LEN (state.c). */
export function storedValue(raw: string): string {
  return pconfEncode(raw, ST_MAX_VALUE_LEN);
}

/** A UPS description as LIST UPS / GET UPSDESC send it: escaped into SMALLBUF (§2.3). */
export function encodedDesc(desc: string): string {
  return pconfEncode(desc, SMALLBUF);
}

/** One reply line as NUT's sendback sends it: `text` ends with LF; cut at MAX_REPLY_LINE. */
export function replyLine(text: string): string {
  return text.length > MAX_REPLY_LINE ? text.slice(0, MAX_REPLY_LINE) : text;
}

export function errLine(code: NetErrorCode): string {
  return `ERR ${code}\n`;
}

/**
 * A reply made of lines, kept as one string so that it goes out in one write (hardnut difference:
 * NUT writes each line with its own write(), §2.1, which costs an ordinary client a delayed-ACK
 * stall per LIST).
 */
export class ReplyBuilder {
  private text = '';

  /** Adds one line (`line` without its LF), cut as NUT's sendback cuts it. */
  line(line: string): this {
    this.text += replyLine(`${line}\n`);
    return this;
  }

  toString(): string {
    return this.text;
  }
}

/** `BEGIN LIST <query>` … items … `END LIST <query>` (§2.3). */
export function listReply(query: string, items: Iterable<string>): string {
  const b = new ReplyBuilder();
  b.line(`BEGIN LIST ${query}`);
  for (const item of items) b.line(item);
  b.line(`END LIST ${query}`);
  return b.toString();
}

/** C's snprintf into a buffer of `size` bytes: at most size - 1 characters. */
function fit(s: string, size: number): string {
  return s.length >= size ? s.slice(0, size - 1) : s;
}

/**
 * The GET TYPE reply line (§2.3): `TYPE <ups> <var>`, then RW, ENUM, RANGE, then STRING:<aux> or
 * NUMBER. NUT builds the first part in a SMALLBUF buffer before sendback, so with a very long
 * name the cut falls where NUT's falls.
 */
export function typeLine(ups: string, name: string, v: { rw: boolean; hasEnum: boolean; hasRange: boolean; string: boolean; aux: number }): string {
  let head = fit(`TYPE ${ups} ${name}`, SMALLBUF);
  if (v.rw) head = fit(`${head} RW`, SMALLBUF);
  if (v.hasEnum) head = fit(`${head} ENUM`, SMALLBUF);
  if (v.hasRange) head = fit(`${head} RANGE`, SMALLBUF);
  return replyLine(`${head}${v.string ? ` STRING:${String(v.aux)}` : ' NUMBER'}\n`);
}
