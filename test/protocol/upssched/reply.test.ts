// upssched daemon replies (§6.3): OK, ERR UNKNOWN and the LIST TIMERS block.
import { describe, it, expect } from 'vitest';
import {
  REPLY_OK, REPLY_UNKNOWN, decodeReply, encodeTimerList, UpsschedProtocolError, type TimerListing,
} from '../../../src/protocol/upssched/index.js';

const t1: TimerListing = { name: 'onbatt', expires: 1700000030, secondsLeft: 30, notifyTypes: ['ONBATT', 'LOWBATT'], upsNames: ['a', 'b'], notifyMsgs: ['m1', 'm 2'] };
const t2: TimerListing = { name: 'x', expires: 1700000001, secondsLeft: 1, notifyTypes: [], upsNames: [], notifyMsgs: [] };

describe('upssched replies', () => {
  it('OK and ERR UNKNOWN', () => {
    expect(REPLY_OK).toBe('OK\n');
    expect(REPLY_UNKNOWN).toBe('ERR UNKNOWN\n');
    expect(decodeReply('OK\n')).toEqual({ kind: 'ok' });
    expect(decodeReply('ERR UNKNOWN\n')).toEqual({ kind: 'err', code: 'UNKNOWN' });
    expect(decodeReply('O')).toBeUndefined();
    expect(decodeReply('ERR UNK')).toBeUndefined();
  });
  it('LIST TIMERS framing as NUT writes it: tab-separated, lists comma-joined, messages ".\\t"-joined, empty as ""', () => {
    const text = encodeTimerList([t1, t2]);
    expect(text).toBe('BEGIN LIST TIMERS\n'
      + 'onbatt\t1700000030\t30\tONBATT,LOWBATT\ta,b\tm1.\tm 2\n'
      + 'x\t1700000001\t1\t""\t""\t""\n'
      + 'END LIST TIMERS\nOK\n');
    expect(decodeReply(text)).toEqual({ kind: 'list', timers: [t1, t2] });
    expect(decodeReply(encodeTimerList([]))).toEqual({ kind: 'list', timers: [] });
  });
  it('waits for the whole block, and rejects what is no reply', () => {
    const text = encodeTimerList([t1]);
    for (let i = 0; i < text.length; i++) expect(decodeReply(text.slice(0, i))).toBeUndefined();
    expect(() => decodeReply('HELLO\n')).toThrow(UpsschedProtocolError);
    expect(() => decodeReply('BEGIN LIST TIMERS\nbad\nEND LIST TIMERS\nOK\n')).toThrow(UpsschedProtocolError);
  });
});
