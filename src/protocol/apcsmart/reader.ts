// How apcsmart reads one reply (NUT 2.8.0's apc_read): the characters of each read(2) are
// filtered (ignore set, alert characters handed to the status logic), a LF ends the reply, a
// '*' may stand for "OK" after a shutdown command, and the read's timeout depends on the
// query. Pure: the transport feeds it what each read returned.

import { ALERT_CHARS, IGN_AACHARS, IGN_CCCHARS, IGN_CHARS, IGN_CSCHARS, APC_LBUF } from './codec.js';

/** Read flags (NUT's SER_*). */
export const SER_D0 = 0x001;
export const SER_DX = 0x002;
export const SER_D1 = 0x004;
export const SER_D3 = 0x008;
export const SER_AA = 0x010;
export const SER_CC = 0x020;
export const SER_CS = 0x040;
export const SER_TO = 0x080;
export const SER_HA = 0x100;

export interface ReadSettings {
  timeoutMs: number;
  ignore: string;
  alerts: string;
  timeoutOk: boolean;
  asterisk: boolean;
}

/** The timeout and character sets a combination of flags means. */
export function readSettings(flags: number): ReadSettings {
  let timeoutMs = 3000;
  let ignore = IGN_CHARS;
  let alerts = '';
  if (flags & SER_D0) timeoutMs = 0;
  if (flags & SER_DX) timeoutMs = 200;
  if (flags & SER_D1) timeoutMs = 1500;
  if (flags & SER_D3) timeoutMs = 3000;
  if (flags & SER_AA) { ignore = IGN_AACHARS; alerts = ALERT_CHARS; }
  if (flags & SER_CC) { ignore = IGN_CCCHARS; alerts = ''; timeoutMs = 6000; }
  if (flags & SER_CS) { ignore = IGN_CSCHARS; alerts = ''; timeoutMs = 6000; }
  return { timeoutMs, ignore, alerts, timeoutOk: (flags & SER_TO) !== 0, asterisk: (flags & SER_HA) !== 0 };
}

/** What one read's worth of characters did to the reply being assembled. */
export type ChunkOutcome =
  | { kind: 'line' }
  | { kind: 'asterisk' }
  | { kind: 'overflow' }
  | { kind: 'full' }
  | { kind: 'more' };

/** The reply assembled so far, at most APC_LBUF - 1 characters. */
export class ReplyBuffer {
  text = '';
  readonly max: number;

  constructor(size = APC_LBUF) {
    this.max = size - 1;
  }

  /**
   * Processes the characters of one read. `alert` is called for every alert character.
   * A NUL is always dropped: in NUT, strchr() finds it in every character set.
   */
  feed(chunk: string, s: ReadSettings, alert: (ch: string) => void): ChunkOutcome {
    for (const c of chunk) {
      if (this.text.length === this.max) return { kind: 'overflow' };
      if (c === '\n') return { kind: 'line' };
      if (s.asterisk && c === '*') return { kind: 'asterisk' };
      if (c === '\0' || s.ignore.includes(c) || c === '*') continue;
      if (s.alerts.includes(c)) { alert(c); continue; }
      this.text += c;
    }
    return this.text.length < this.max ? { kind: 'more' } : { kind: 'full' };
  }
}
