// From a Q1-family reply to a NUT value (§10.1), exactly as NUT 2.8.0's nutdrv_qx does it:
// length and first-character checks, the value's columns, the numeric check and printf format,
// and the status bits. Pure: the caller owns the state tree and the status word.

import { cFormat, cStrtod, strcspn, strspn } from './cformat.js';
import { QX_TRIM, type QxItem } from './items.js';

/** NUT's item answer buffer holds SMALLBUF-1 = 511 bytes of a reply. */
export const MAX_ANSWER_BYTES = 511;

export type AnswerResult = { ok: true; value: string } | { ok: false; reason: string };

/** The part of a C string before its first NUL. */
export function cString(s: string): string {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}

/**
 * qx_process_answer: `answer` is the reply as read (latin1, at most 511 bytes), `len` the bytes
 * the read returned. The value is taken from the columns the item names; like "%.*s" it stops
 * at a NUL inside the reply.
 */
export function processAnswer(item: QxItem, answer: string, len: number): AnswerResult {
  if (item.answerLen > 0 && len < item.answerLen) return { ok: false, reason: `short reply (${item.name})` };
  const first = answer.length > 0 ? answer[0] : '\0';
  if (item.leading !== '' && first !== item.leading) {
    return { ok: false, reason: `${item.name} - invalid start character [${hex(first as string)}], expected [${hex(item.leading)}]` };
  }
  if (item.to !== 0 && item.to < item.from) return { ok: false, reason: `in ${item.name}, starting column follows ending column` };
  if (cString(answer) === '') return { ok: true, value: '' };
  const width = item.to !== 0 ? 1 + item.to - item.from : strcspn(cString(answer), '\r') - item.from;
  const tail = cString(answer.slice(item.from));
  return { ok: true, value: width < 0 ? tail : tail.slice(0, width) };
}

function hex(c: string): string {
  return c.charCodeAt(0).toString(16).padStart(2, '0');
}

/** Input and output voltages as published, for bit 5 (bypass/boost/buck). */
export interface Voltages { input: string | undefined; output: string | undefined }

export type StatusBitResult = { ok: true; value: string } | { ok: false; reason: string };

/**
 * blazer_process_status_bits: one character of the 8 status bits (columns 38..45) to a status
 * token (`OL`, `!OL` = clear…), an alarm text, or the value of ups.type / ups.beeper.status.
 * An empty value means "nothing to set".
 */
export function statusBit(column: number, value: string, v: Voltages): StatusBitResult {
  if (strspn(value, '01') !== 1) return { ok: false, reason: `unexpected value ${value}@${column}` };
  const on = value[0] === '1';
  switch (column) {
    case 38: return { ok: true, value: on ? '!OL' : 'OL' };
    case 39: return { ok: true, value: on ? 'LB' : '!LB' };
    case 40: {
      if (!on) return { ok: true, value: '' };
      const vi = cStrtod(v.input ?? '');
      const vo = cStrtod(v.output ?? '');
      if (vo < 0.5 * vi) return { ok: false, reason: 'output voltage too low' };
      if (vo < 0.95 * vi) return { ok: true, value: 'TRIM' };
      if (vo < 1.05 * vi) return { ok: true, value: 'BYPASS' };
      if (vo < 1.5 * vi) return { ok: true, value: 'BOOST' };
      return { ok: false, reason: 'output voltage too high' };
    }
    case 41: return { ok: true, value: on ? 'UPS selftest failed!' : '' };
    case 42: return { ok: true, value: on ? 'offline / line interactive' : 'online' };
    case 43: return { ok: true, value: on ? 'CAL' : '!CAL' };
    case 44: return { ok: true, value: on ? 'FSD' : '!FSD' };
    case 45: return { ok: true, value: on ? 'enabled' : 'disabled' };
    default: return { ok: false, reason: `no status bit at column ${column}` };
  }
}

/** What ups_infoval_set decided for one item. */
export type InfoValue =
  | { kind: 'status'; token: string }
  | { kind: 'alarm'; text: string }
  | { kind: 'set'; value: string }
  | { kind: 'nothing' }
  | { kind: 'error'; reason: string };

const NUMERIC = '0123456789 .';

/** Trims leading and trailing '#' and spaces (NUT's str_trim_m(value, "# ")). */
export function trimHashSpace(s: string): string {
  return s.replace(/^[# ]+/, '').replace(/[# ]+$/, '');
}

/** ups_infoval_set without the state: what to do with the value of one item. */
export function infoValue(item: QxItem, value: string, v: Voltages): InfoValue {
  if (item.preprocess === 'status-bits') {
    const r = statusBit(item.from, value, v);
    if (!r.ok) return { kind: 'error', reason: `failed to preprocess value [${item.name}: ${value}]: ${r.reason}` };
    if (item.name === 'ups.status') return r.value === '' ? { kind: 'nothing' } : { kind: 'status', token: r.value };
    if (item.name === 'ups.alarm') return r.value === '' ? { kind: 'nothing' } : { kind: 'alarm', text: r.value };
    if (r.value === '') return { kind: 'error', reason: `non significant value [${item.name}]` };
    return { kind: 'set', value: r.value };
  }
  let out = value;
  if (item.flags & QX_TRIM) out = trimHashSpace(out);
  const fmt = item.dfl ?? '%s';
  if (fmt.toLowerCase() !== '%s') {
    if (strspn(out, NUMERIC) !== out.length) return { kind: 'error', reason: `non numerical value [${item.name}: ${out}]` };
    out = cFormat(fmt, cStrtod(out));
  }
  if (out === '') return { kind: 'error', reason: `non significant value [${item.name}]` };
  return { kind: 'set', value: out };
}
