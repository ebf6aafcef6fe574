// Reads tokenized driver-socket lines (spec §3) into typed messages. Input is the word list the
// tokenizer produced for one line. Verbs are case-insensitive (§1.6, NUT uses strcasecmp).
//
// Results: a message; Malformed for a known verb with the wrong word count (upsd then does not
// refresh last_heard, §3.2); null for an unknown verb or an empty line, which NUT ignores silently.
// Extra words after the ones a verb needs are ignored, as NUT does.

import { isValidName } from './encode.js';
import type { ClientMessage, DriverMessage, Malformed } from './messages.js';
import { atoi, strToInt, strtol } from '../../core/c-number.js';

/** strcasecmp folds A–Z only; toUpperCase would turn "pıng" (dotless i) into "PING". */
function asciiUpper(s: string): string {
  return /[a-z]/.test(s) ? s.replace(/[a-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) & ~0x20)) : s;
}

function eqIgnoreCase(a: string, upper: string): boolean {
  return a.length === upper.length && asciiUpper(a) === upper;
}

// strtol/atoi/str_to_int exactly as NUT's upsd reads them: the one copy in core/c-number.ts.
export { atoi, strtol } from '../../core/c-number.js';

function malformed(verb: string, reason: string): Malformed {
  return { type: 'MALFORMED', verb, reason };
}

function tooFew(verb: string, need: number, got: number): Malformed {
  return malformed(verb, `${verb} needs at least ${need} words, got ${got}`);
}

/**
 * hardnut difference: NUT's upsd stores any word a driver sends as a variable or command name,
 * even `""` (upsc then aborts on the empty name) or `"a b"` (the name's space splits the clients'
 * LIST lines into other words). Names must be what the encoder could send as a bare word.
 */
function badName(verb: string, name: string): Malformed {
  return malformed(verb, `${verb} with an invalid name ${JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}…` : name)}`);
}

/** Driver verbs whose first argument is a variable or command name. */
const NAMED_VERBS: ReadonlySet<string> = new Set([
  'ADDCMD', 'DELCMD', 'DELINFO', 'SETFLAGS', 'SETINFO', 'ADDENUM', 'DELENUM', 'SETAUX', 'ADDRANGE', 'DELRANGE',
]);

/**
 * A driver's line, as upsd's sstate.c parse_args reads it (§3.2). Minimum word counts:
 * 2 for ADDCMD/DELCMD/DELINFO/PID; 3 for SETFLAGS/SETINFO/ADDENUM/DELENUM/SETAUX/TRACKING;
 * 4 for ADDRANGE/DELRANGE. Numbers: ranges and TRACKING with atoi(), SETAUX with strtol(), so
 * "12abc" reads 12 and "abc" reads 0, as in NUT. `OK Goodbye` (any case) is the LOGOUT reply.
 * hardnut addition: PID (upsd ignores it; upsdrvctl reads it). hardnut difference: a name that
 * isValidName refuses (empty, a space, `"`, `#`, `=`, `\\`, longer than 512) is Malformed.
 */
export function parseDriverMessage(args: readonly string[]): DriverMessage | Malformed | null {
  const n = args.length;
  if (n === 0) return null;
  const verb = asciiUpper(args[0] as string);
  const a1 = args[1] as string;
  const a2 = args[2] as string;
  if (n >= 2 && NAMED_VERBS.has(verb) && !isValidName(a1)) return badName(verb, a1);
  switch (verb) {
    case 'PONG':
    case 'DUMPDONE':
    case 'DATASTALE':
    case 'DATAOK':
      return { type: verb };
    case 'ADDCMD':
    case 'DELCMD':
    case 'DELINFO':
      if (n < 2) return tooFew(verb, 2, n);
      return { type: verb, name: a1 };
    case 'PID':
      if (n < 2) return tooFew(verb, 2, n);
      return { type: 'PID', pid: a1 };
    case 'SETFLAGS':
      if (n < 3) return tooFew(verb, 3, n);
      return { type: 'SETFLAGS', name: a1, flags: args.slice(2) };
    case 'SETINFO':
    case 'ADDENUM':
    case 'DELENUM':
      if (n < 3) return tooFew(verb, 3, n);
      return { type: verb, name: a1, value: a2 };
    case 'SETAUX':
      if (n < 3) return tooFew(verb, 3, n);
      return { type: 'SETAUX', name: a1, aux: strtol(a2) };
    case 'TRACKING':
      if (n < 3) return tooFew(verb, 3, n);
      return { type: 'TRACKING', id: a1, status: atoi(a2) };
    case 'ADDRANGE':
    case 'DELRANGE':
      if (n < 4) return tooFew(verb, 4, n);
      return { type: verb, name: a1, min: atoi(a2), max: atoi(args[3] as string) };
    case 'OK':
      return n >= 2 && eqIgnoreCase(a1, 'GOODBYE') ? { type: 'GOODBYE' } : null;
    default:
      return null;
  }
}

/**
 * A client's line, as the driver's dstate.c sock_arg reads it (§3.3).
 * - DUMPALL, DUMPSTATUS, PING, GETPID, NOBROADCAST, LOGOUT: extra words ignored.
 * - DUMPVALUE needs a name (NUT ignores a bare DUMPVALUE silently; here it is Malformed).
 * - BROADCAST [n]: enabled unless n reads as a whole int (str_to_int) that is < 1.
 * - INSTCMD: exactly 2, 3, 4 (TRACKING as 3rd word) or 5 (TRACKING as 4th) words; anything else is
 *   "Malformed INSTCMD". With 3 words the 3rd is the parameter, even if it is "TRACKING".
 * - SET: ≥3 words; a 4th word alone is ignored; with exactly 5 the 4th must be TRACKING; with 6
 *   or more the extras are ignored and there is no tracking (NUT checks only numarg == 5).
 * INSTCMD with < 2 words and SET with < 3 are Malformed (NUT ignores them as unknown commands).
 */
export function parseClientMessage(args: readonly string[]): ClientMessage | Malformed | null {
  const n = args.length;
  if (n === 0) return null;
  const verb = asciiUpper(args[0] as string);
  switch (verb) {
    case 'DUMPALL':
    case 'DUMPSTATUS':
    case 'PING':
    case 'GETPID':
    case 'NOBROADCAST':
    case 'LOGOUT':
      return { type: verb };
    case 'DUMPVALUE':
      if (n < 2) return tooFew(verb, 2, n);
      return { type: 'DUMPVALUE', name: args[1] as string };
    case 'BROADCAST': {
      const i = n > 1 ? strToInt(args[1] as string) : undefined;
      return { type: 'BROADCAST', enable: !(i !== undefined && i < 1) };
    }
    case 'INSTCMD': {
      const cmd = args[1] as string;
      if (n === 2) return { type: 'INSTCMD', cmd };
      if (n === 3) return { type: 'INSTCMD', cmd, param: args[2] as string };
      if (n === 4 && eqIgnoreCase(args[2] as string, 'TRACKING')) {
        return { type: 'INSTCMD', cmd, tracking: args[3] as string };
      }
      if (n === 5 && eqIgnoreCase(args[3] as string, 'TRACKING')) {
        return { type: 'INSTCMD', cmd, param: args[2] as string, tracking: args[4] as string };
      }
      return malformed(verb, 'Malformed INSTCMD');
    }
    case 'SET': {
      if (n < 3) return tooFew(verb, 3, n);
      const name = args[1] as string;
      const value = args[2] as string;
      if (n === 5) {
        if (!eqIgnoreCase(args[3] as string, 'TRACKING')) {
          return malformed(verb, `SET with unsupported parameters (${args[3] as string}/${args[4] as string})`);
        }
        return { type: 'SET', name, value, tracking: args[4] as string };
      }
      return { type: 'SET', name, value };
    }
    default:
      return null;
  }
}
