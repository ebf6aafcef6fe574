// Errors a NUT network client meets (spec §2.4, §2.8), as classes with stable codes. Pure: the
// client library (src/client) raises them; tools print their messages, which are the texts
// NUT's libupsclient prints, so "Error: <message>" reads the same as Debian's tools.
import { HardnutError } from '../../core/errors.js';
import { clientErrorText } from './errors.js';

/**
 * upsd answered "ERR <WORD>[ <extra>]". `word` is the server's word, NUT's vocabulary (e.g.
 * DRIVER-NOT-CONNECTED; UNKNOWN if there was none), kept apart from hardnut's own codes: `code`
 * is always ERR_NUT_REPLY. `message` is libupsclient's text ("Driver not connected"), `reply`
 * the whole line.
 */
export class NutError extends HardnutError {
  readonly reply: string;
  readonly word: string;
  constructor(reply: string) {
    const after = reply.slice(4);
    const word = after.split(' ')[0] ?? '';
    super('ERR_NUT_REPLY', clientErrorText(after));
    this.reply = reply;
    this.word = word === '' ? 'UNKNOWN' : word;
  }
}

/**
 * The server said something a client cannot make sense of: a reply that does not echo the
 * query, a list without BEGIN LIST, a line the tokenizer rejects, an endless line. The
 * connection is out of step after this and is closed.
 */
export class NutProtocolError extends HardnutError {
  /** The offending line, if there was one (never sent to logs by the library itself). */
  readonly reply: string | undefined;
  /** What exactly was wrong; `message` is libupsclient's short text ("Protocol error"). */
  readonly detail: string | undefined;
  constructor(code: 'ERR_PROTOCOL' | 'ERR_PARSE' | 'ERR_REPLY_TOO_LONG' | 'ERR_LIST_TOO_LONG', message: string, reply?: string, detail?: string) {
    super(code, message);
    this.reply = reply;
    this.detail = detail;
  }
}

/** A request the client refuses to put on the wire (it could not arrive intact, §1.1). */
export class NutRequestError extends HardnutError {
  constructor(message: string) {
    super('ERR_BAD_REQUEST', message);
  }
}

/** libupsclient's texts for its own (non-server) errors, used as messages. */
export const PROTOCOL_ERROR_TEXT = 'Protocol error';
export const parseErrorText = (detail: string): string => `Parse error: ${detail}`;
