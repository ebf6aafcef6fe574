// upssched daemon replies (spec §6.3): `OK`, `ERR UNKNOWN`, and the LIST-TIMERS block. Pure.

import { UpsschedProtocolError } from './request.js';

export const REPLY_OK = 'OK\n';
export const REPLY_UNKNOWN = 'ERR UNKNOWN\n';
export const LIST_BEGIN = 'BEGIN LIST TIMERS';
export const LIST_END = 'END LIST TIMERS';
/** Separator NUT puts between the messages of a shared timer (§6.4). */
export const MSG_SEPARATOR = '.\t';
/** Bytes a client reads before it gives up on a LIST-TIMERS reply (guards a hostile daemon). */
export const MAX_REPLY_BYTES = 1024 * 1024;

export interface TimerListing {
  name: string;
  /** Expiry, seconds since the epoch. */
  expires: number;
  secondsLeft: number;
  notifyTypes: string[];
  upsNames: string[];
  notifyMsgs: string[];
}

/** NUT prints an empty list as `""` (§6.3). */
function field(list: readonly string[], sep: string): string {
  return list.length === 0 ? '""' : list.join(sep);
}

export function encodeTimerList(timers: readonly TimerListing[]): string {
  const rows = timers.map((t) => `${t.name}\t${String(Math.trunc(t.expires))}\t${String(Math.trunc(t.secondsLeft))}\t`
    + `${field(t.notifyTypes, ',')}\t${field(t.upsNames, ',')}\t${field(t.notifyMsgs, MSG_SEPARATOR)}\n`);
  return `${LIST_BEGIN}\n${rows.join('')}${LIST_END}\n${REPLY_OK}`;
}

export type Reply =
  | { kind: 'ok' }
  | { kind: 'err'; code: string }
  | { kind: 'list'; timers: TimerListing[] };

function unlist(s: string, sep: string): string[] {
  return s === '""' || s === '' ? [] : s.split(sep);
}

/**
 * Client side: the reply text so far → the reply, or undefined while incomplete. Throws
 * UpsschedProtocolError on text that is no reply.
 */
export function decodeReply(text: string): Reply | undefined {
  if (text.startsWith(`${LIST_BEGIN}\n`)) {
    const endAt = text.indexOf(`\n${LIST_END}\n`);
    if (endAt === -1) return undefined;
    const after = text.slice(endAt + LIST_END.length + 2);
    if (after.length < 3 && REPLY_OK.startsWith(after)) return undefined;
    if (!after.startsWith(REPLY_OK)) throw new UpsschedProtocolError('ERR_UPSSCHED_REPLY', 'LIST TIMERS block not followed by OK');
    const body = text.slice(LIST_BEGIN.length + 1, endAt);
    const timers = body === '' ? [] : body.split('\n').map((row): TimerListing => {
      // The messages field may itself hold tabs (its separator is ".\t"): split off the first 5.
      const parts = row.split('\t');
      if (parts.length < 6) throw new UpsschedProtocolError('ERR_UPSSCHED_REPLY', 'LIST TIMERS row has fewer than 6 fields');
      const [name, expires, left, types, upss] = parts as [string, string, string, string, string];
      return {
        name, expires: Number(expires), secondsLeft: Number(left),
        notifyTypes: unlist(types, ','), upsNames: unlist(upss, ','), notifyMsgs: unlist(parts.slice(5).join('\t'), MSG_SEPARATOR),
      };
    });
    return { kind: 'list', timers };
  }
  const nl = text.indexOf('\n');
  if (nl === -1) {
    if (text.length >= 2 && text.startsWith('OK')) return { kind: 'ok' }; // NUT checks only the first 2 bytes
    if (LIST_BEGIN.startsWith(text) || text.length < 2) return undefined;
    if (text.startsWith('ERR') || 'ERR '.startsWith(text)) return undefined;
    throw new UpsschedProtocolError('ERR_UPSSCHED_REPLY', 'unexpected reply from the timer daemon');
  }
  const line = text.slice(0, nl);
  if (line.startsWith('OK')) return { kind: 'ok' };
  if (line.startsWith('ERR ')) return { kind: 'err', code: line.slice(4) };
  throw new UpsschedProtocolError('ERR_UPSSCHED_REPLY', 'unexpected reply from the timer daemon');
}
