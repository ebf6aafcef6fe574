// Writes driver-socket messages (spec §3) as NUT writes them: one line, LF-terminated.
//
// Framing is never at the mercy of the data:
// - names (variables, commands, tracking ids, flag words, the pid) must pass isValidName(), or the
//   encoder throws HardnutError('ERR_SOCK_ENCODE'); a name with a space or quote would split or
//   swallow words on the other side.
// - values go through sanitizeValue(): characters outside 0x20–0x7E are DROPPED (the receiving
//   tokenizer drops all but DEL anyway, §1.1, and DEL is a control character we do not send), and
//   the result is cut to MAX_ARG_LEN characters (the receiver keeps no more, §1.3). So what is
//   encoded is exactly what the peer will read, and every line fits in MAX_SOCK_LINE_BYTES.

import { HardnutError } from '../../core/errors.js';
import { MAX_ARG_LEN, MAX_ARGS, encodeValue } from '../../core/tokenizer.js';
import type { ClientMessage, DriverMessage } from './messages.js';

/** Longest name: the tokenizer keeps 512 characters of a word (§1.3); a longer name would be cut. */
export const MAX_NAME_LEN = MAX_ARG_LEN;

// Printable ASCII minus the characters with a meaning to the tokenizer (§1.2): space, `"`, `#`,
// `=`, `\`. That leaves 0x21, 0x24–0x3C, 0x3E–0x5B, 0x5D–0x7E.
const NAME_RE = /^[\x21\x24-\x3c\x3e-\x5b\x5d-\x7e]+$/;

/** True if `s` can be sent as a bare word and read back unchanged. */
export function isValidName(s: string): boolean {
  return s.length > 0 && s.length <= MAX_NAME_LEN && NAME_RE.test(s);
}

const NON_WIRE_RE = /[^\x20-\x7e]/g;

/** The value as the peer will read it: only 0x20–0x7E kept, at most MAX_ARG_LEN characters. */
export function sanitizeValue(value: string): string {
  const clean = value.replace(NON_WIRE_RE, '');
  return clean.length > MAX_ARG_LEN ? clean.slice(0, MAX_ARG_LEN) : clean;
}

/** `"<pconf_encode(value)>"`, as NUT's SETINFO/ADDENUM/SET values (§1.5). */
function quoted(value: string): string {
  return `"${encodeValue(sanitizeValue(value))}"`;
}

function fail(what: string): never {
  throw new HardnutError('ERR_SOCK_ENCODE', what);
}

function name(s: string, role = 'name'): string {
  if (!isValidName(s)) fail(`invalid ${role} ${JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s)}`);
  return s;
}

/** NUT prints ranges and tracking results with %i: a C int. */
function int32(n: number, role: string): string {
  if (!Number.isInteger(n) || n < -0x80000000 || n > 0x7fffffff) fail(`${role} ${n} is not a 32-bit integer`);
  return String(n);
}

/** SETAUX is printed with %ld; JS numbers are exact up to 2^53. */
function long(n: number, role: string): string {
  if (!Number.isSafeInteger(n)) fail(`${role} ${n} is not an integer`);
  return String(n);
}

/**
 * One driver → client line (§3.2). Values are always escaped, broadcasts included — hardnut
 * fixes NUT's raw broadcast values (§3.2 ⚠). SETFLAGS with no flag words is written as NUT's
 * dstate_setflags writes it (`SETFLAGS var`), although upsd ignores such a line (it needs ≥3 words).
 */
export function encodeDriverMessage(m: DriverMessage): string {
  switch (m.type) {
    case 'SETINFO':
    case 'ADDENUM':
    case 'DELENUM':
      return `${m.type} ${name(m.name)} ${quoted(m.value)}\n`;
    case 'DELINFO':
    case 'ADDCMD':
    case 'DELCMD':
      return `${m.type} ${name(m.name)}\n`;
    case 'ADDRANGE':
    case 'DELRANGE':
      return `${m.type} ${name(m.name)} ${int32(m.min, 'range min')} ${int32(m.max, 'range max')}\n`;
    case 'SETAUX':
      return `SETAUX ${name(m.name)} ${long(m.aux, 'aux')}\n`;
    case 'SETFLAGS': {
      if (m.flags.length > MAX_ARGS - 2) fail(`too many flags (${m.flags.length})`);
      let line = `SETFLAGS ${name(m.name)}`;
      for (const f of m.flags) line += ` ${name(f, 'flag')}`;
      return `${line}\n`;
    }
    case 'DUMPDONE':
    case 'PONG':
    case 'DATAOK':
    case 'DATASTALE':
      return `${m.type}\n`;
    case 'TRACKING':
      return `TRACKING ${name(m.id, 'tracking id')} ${int32(m.status, 'tracking status')}\n`;
    case 'PID':
      return `PID ${name(m.pid, 'pid')}\n`;
    case 'GOODBYE':
      return 'OK Goodbye\n';
    default:
      return fail(`unknown driver message ${JSON.stringify((m as { type?: unknown }).type)}`);
  }
}

/**
 * INSTCMD's parameter: escaped but not quoted, as upsd writes it (§2.3). hardnut difference: an
 * empty parameter, or one containing a space or `=`, would be lost or split into several words
 * by the driver's tokenizer (then "Malformed INSTCMD"), so such a parameter is quoted — still
 * read back as one word by NUT's drivers.
 */
function instcmdParam(param: string): string {
  const clean = sanitizeValue(param);
  const enc = encodeValue(clean);
  return clean === '' || /[ =]/.test(clean) ? `"${enc}"` : enc;
}

/** One client → driver line (§3.3), as upsd (SET, INSTCMD, PING, DUMPALL) or upsdrvctl write them. */
export function encodeClientMessage(m: ClientMessage): string {
  switch (m.type) {
    case 'DUMPALL':
    case 'DUMPSTATUS':
    case 'PING':
    case 'GETPID':
    case 'NOBROADCAST':
    case 'LOGOUT':
      return `${m.type}\n`;
    case 'DUMPVALUE':
      return `DUMPVALUE ${name(m.name)}\n`;
    case 'BROADCAST':
      return m.enable ? 'BROADCAST 1\n' : 'BROADCAST 0\n';
    case 'INSTCMD': {
      let line = `INSTCMD ${name(m.cmd, 'command')}`;
      if (m.param !== undefined) line += ` ${instcmdParam(m.param)}`;
      if (m.tracking !== undefined) line += ` TRACKING ${name(m.tracking, 'tracking id')}`;
      return `${line}\n`;
    }
    case 'SET': {
      let line = `SET ${name(m.name)} ${quoted(m.value)}`;
      if (m.tracking !== undefined) line += ` TRACKING ${name(m.tracking, 'tracking id')}`;
      return `${line}\n`;
    }
    default:
      return fail(`unknown client message ${JSON.stringify((m as { type?: unknown }).type)}`);
  }
}
