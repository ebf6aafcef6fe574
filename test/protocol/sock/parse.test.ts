import { describe, it, expect } from 'vitest';
import { splitLine } from '../../../src/core/tokenizer.js';
import {
  atoi, encodeClientMessage, encodeDriverMessage, parseClientMessage, parseDriverMessage, strtol,
  type ClientMessage, type DriverMessage,
} from '../../../src/protocol/sock/index.js';

const p = (line: string) => parseDriverMessage(splitLine(line));
const c = (line: string) => parseClientMessage(splitLine(line));
const bad = (verb: string) => ({ type: 'MALFORMED', verb, reason: expect.any(String) });

describe('parseDriverMessage', () => {
  it('refuses names a client could not read back: empty, with a space, quote, # or =, or a backslash (hardnut difference)', () => {
    for (const line of ['SETINFO "" "x"', 'ADDCMD "load off"', 'ADDCMD load\\ off', 'DELINFO ""',
      'ADDENUM "a\\"b" "1"', 'SETFLAGS "a=b" RW', 'ADDRANGE "a\\#b" 1 2', 'SETAUX "x\\\\y" 3', 'DELCMD "a b"']) {
      expect(p(line), line).toEqual(bad(splitLine(line)[0]?.toUpperCase() ?? ''));
    }
    // what real drivers publish is kept
    expect(p('SETINFO driver.parameter.pollinterval "2"')).toEqual({ type: 'SETINFO', name: 'driver.parameter.pollinterval', value: '2' });
    expect(p('ADDCMD outlet.1.load.off')).toEqual({ type: 'ADDCMD', name: 'outlet.1.load.off' });
  });

  const table: Array<[string, DriverMessage]> = [
    ['SETINFO ups.status "OL"', { type: 'SETINFO', name: 'ups.status', value: 'OL' }],
    ['SETINFO weird.var "a b \\\\c"', { type: 'SETINFO', name: 'weird.var', value: 'a b \\c' }],
    ['setinfo x y extra words', { type: 'SETINFO', name: 'x', value: 'y' }],
    ['DELINFO ups.alarm', { type: 'DELINFO', name: 'ups.alarm' }],
    ['ADDENUM v "103"', { type: 'ADDENUM', name: 'v', value: '103' }],
    ['DELENUM v "\\"q\\" \\#"', { type: 'DELENUM', name: 'v', value: '"q" #' }],
    ['ADDRANGE v 0 600', { type: 'ADDRANGE', name: 'v', min: 0, max: 600 }],
    ['DelRange v -5 12abc', { type: 'DELRANGE', name: 'v', min: -5, max: 12 }],
    ['ADDRANGE v abc " 7"', { type: 'ADDRANGE', name: 'v', min: 0, max: 7 }],
    ['SETAUX ups.id 8', { type: 'SETAUX', name: 'ups.id', aux: 8 }],
    ['SETAUX ups.id x', { type: 'SETAUX', name: 'ups.id', aux: 0 }],
    ['SETFLAGS ups.id RW STRING', { type: 'SETFLAGS', name: 'ups.id', flags: ['RW', 'STRING'] }],
    ['SETFLAGS v bogus', { type: 'SETFLAGS', name: 'v', flags: ['bogus'] }],
    ['ADDCMD load.off', { type: 'ADDCMD', name: 'load.off' }],
    ['delcmd load.off', { type: 'DELCMD', name: 'load.off' }],
    ['DUMPDONE', { type: 'DUMPDONE' }],
    ['pong', { type: 'PONG' }],
    ['DATAOK extra', { type: 'DATAOK' }],
    ['DataStale', { type: 'DATASTALE' }],
    ['TRACKING ABC-1 3', { type: 'TRACKING', id: 'ABC-1', status: 3 }],
    ['TRACKING ABC-1 PENDING', { type: 'TRACKING', id: 'ABC-1', status: 0 }],
    ['PID 4242', { type: 'PID', pid: '4242' }],
    ['OK Goodbye', { type: 'GOODBYE' }],
    ['ok GOODBYE', { type: 'GOODBYE' }],
  ];
  it.each(table)('%s', (line, msg) => {
    expect(p(line)).toEqual(msg);
  });

  it('Malformed for known verbs with too few words (§3.2)', () => {
    for (const v of ['ADDCMD', 'DELCMD', 'DELINFO', 'PID']) expect(p(v)).toEqual(bad(v));
    for (const v of ['SETFLAGS', 'SETINFO', 'ADDENUM', 'DELENUM', 'SETAUX', 'TRACKING']) {
      expect(p(`${v} x`)).toEqual(bad(v));
    }
    for (const v of ['ADDRANGE', 'DELRANGE']) expect(p(`${v} x 1`)).toEqual(bad(v));
    expect(p('addrange x 1')).toEqual(bad('ADDRANGE'));
  });

  it('null for unknown verbs and empty lines', () => {
    expect(parseDriverMessage([])).toBeNull();
    expect(p('HELLO world')).toBeNull();
    expect(p('OK')).toBeNull();
    expect(p('OK bye')).toBeNull();
    expect(p('DUMPALL')).toBeNull();
    expect(p('PıNG')).toBeNull();
    expect(parseDriverMessage(['ſetinfo', 'a', 'b'])).toBeNull();
  });

  it('round-trips every encoded driver message', () => {
    const msgs: DriverMessage[] = [
      { type: 'SETINFO', name: 'a', value: 'x "y" #z \\' }, { type: 'DELINFO', name: 'a' },
      { type: 'ADDENUM', name: 'a', value: '' }, { type: 'DELENUM', name: 'a', value: 'q' },
      { type: 'ADDRANGE', name: 'a', min: -2147483648, max: 2147483647 }, { type: 'DELRANGE', name: 'a', min: 1, max: 1 },
      { type: 'SETAUX', name: 'a', aux: 9007199254740991 }, { type: 'SETFLAGS', name: 'a', flags: ['NUMBER'] },
      { type: 'ADDCMD', name: 'c' }, { type: 'DELCMD', name: 'c' }, { type: 'DUMPDONE' }, { type: 'PONG' },
      { type: 'DATAOK' }, { type: 'DATASTALE' }, { type: 'TRACKING', id: 'I', status: -1 }, { type: 'PID', pid: '1' },
      { type: 'GOODBYE' },
    ];
    for (const m of msgs) expect(p(encodeDriverMessage(m))).toEqual(m);
  });
});

describe('C number parsing', () => {
  it('atoi like glibc', () => {
    expect(atoi('42')).toBe(42);
    expect(atoi('  -17x')).toBe(-17);
    expect(atoi('+5')).toBe(5);
    expect(atoi('')).toBe(0);
    expect(atoi('abc')).toBe(0);
    expect(atoi('- 1')).toBe(0);
    expect(atoi('2147483647')).toBe(2147483647);
    expect(atoi('2147483648')).toBe(-2147483648); // (int) of a long: low 32 bits
    expect(atoi('4294967297')).toBe(1);
    expect(atoi('99999999999999999999999')).toBe(-1); // strtol saturates at LONG_MAX
    expect(atoi('-99999999999999999999999')).toBe(0); // LONG_MIN's low 32 bits
  });

  it('strtol like LP64 glibc', () => {
    expect(strtol('32')).toBe(32);
    expect(strtol('\t-8 ')).toBe(-8);
    expect(strtol('4294967296')).toBe(4294967296);
    expect(strtol('1e3')).toBe(1);
    expect(strtol('0x10')).toBe(0);
    expect(strtol('99999999999999999999999')).toBe(Number(2n ** 63n - 1n));
  });
});

describe('parseClientMessage', () => {
  const table: Array<[string, ClientMessage]> = [
    ['DUMPALL', { type: 'DUMPALL' }],
    ['dumpall please', { type: 'DUMPALL' }],
    ['DUMPVALUE battery.charge', { type: 'DUMPVALUE', name: 'battery.charge' }],
    ['DUMPSTATUS', { type: 'DUMPSTATUS' }],
    ['PING', { type: 'PING' }],
    ['GETPID', { type: 'GETPID' }],
    ['NOBROADCAST', { type: 'NOBROADCAST' }],
    ['LOGOUT', { type: 'LOGOUT' }],
    ['BROADCAST', { type: 'BROADCAST', enable: true }],
    ['BROADCAST 1', { type: 'BROADCAST', enable: true }],
    ['BROADCAST 7', { type: 'BROADCAST', enable: true }],
    ['BROADCAST 0', { type: 'BROADCAST', enable: false }],
    ['BROADCAST -3', { type: 'BROADCAST', enable: false }],
    ['BROADCAST " 0 "', { type: 'BROADCAST', enable: false }],
    ['BROADCAST 0x', { type: 'BROADCAST', enable: true }],
    ['BROADCAST off', { type: 'BROADCAST', enable: true }],
    ['BROADCAST -99999999999', { type: 'BROADCAST', enable: true }],
    ['BROADCAST ""', { type: 'BROADCAST', enable: true }],
  ];
  it.each(table)('%s', (line, msg) => {
    expect(c(line)).toEqual(msg);
  });

  it('DUMPVALUE needs a name', () => {
    expect(c('DUMPVALUE')).toEqual(bad('DUMPVALUE'));
  });

  it('INSTCMD word-count rules (§3.3)', () => {
    expect(c('INSTCMD load.off')).toEqual({ type: 'INSTCMD', cmd: 'load.off' });
    expect(c('INSTCMD load.off 10')).toEqual({ type: 'INSTCMD', cmd: 'load.off', param: '10' });
    expect(c('INSTCMD load.off TRACKING')).toEqual({ type: 'INSTCMD', cmd: 'load.off', param: 'TRACKING' });
    expect(c('INSTCMD load.off TRACKING ID')).toEqual({ type: 'INSTCMD', cmd: 'load.off', tracking: 'ID' });
    expect(c('instcmd load.off tracking ID')).toEqual({ type: 'INSTCMD', cmd: 'load.off', tracking: 'ID' });
    expect(c('INSTCMD load.off 10 TRACKING ID')).toEqual({ type: 'INSTCMD', cmd: 'load.off', param: '10', tracking: 'ID' });
    expect(c('INSTCMD load.off TRACKING TRACKING ID')).toEqual({ type: 'INSTCMD', cmd: 'load.off', param: 'TRACKING', tracking: 'ID' });
    const malformed = { type: 'MALFORMED', verb: 'INSTCMD', reason: 'Malformed INSTCMD' };
    expect(c('INSTCMD')).toEqual(malformed);
    expect(c('INSTCMD load.off 10 20')).toEqual(malformed);
    expect(c('INSTCMD load.off 10 20 ID')).toEqual(malformed);
    expect(c('INSTCMD load.off 10 TRACKING ID extra')).toEqual(malformed);
    expect(c('INSTCMD a b c d e f')).toEqual(malformed);
    // upsd's unquoted param with a space splits into words (§2.3 ⚠): NUT's driver sees 4 words.
    expect(c('INSTCMD x two words')).toEqual(malformed);
  });

  it('SET word-count rules (§3.3)', () => {
    expect(c('SET ups.id "abc"')).toEqual({ type: 'SET', name: 'ups.id', value: 'abc' });
    expect(c('SET ups.id "abc" TRACKING')).toEqual({ type: 'SET', name: 'ups.id', value: 'abc' });
    expect(c('SET ups.id "abc" junk')).toEqual({ type: 'SET', name: 'ups.id', value: 'abc' });
    expect(c('SET ups.id "abc" TRACKING ID')).toEqual({ type: 'SET', name: 'ups.id', value: 'abc', tracking: 'ID' });
    expect(c('set ups.id "abc" Tracking ID')).toEqual({ type: 'SET', name: 'ups.id', value: 'abc', tracking: 'ID' });
    expect(c('SET ups.id "abc" NOTTRACKING ID')).toEqual(bad('SET'));
    expect(c('SET ups.id "abc" TRACKING ID more')).toEqual({ type: 'SET', name: 'ups.id', value: 'abc' });
    expect(c('SET ups.id')).toEqual(bad('SET'));
    expect(c('SET')).toEqual(bad('SET'));
  });

  it('null for unknown verbs and empty lines', () => {
    expect(parseClientMessage([])).toBeNull();
    expect(c('PONG')).toBeNull();
    expect(c('HELP')).toBeNull();
    expect(c('PıNG')).toBeNull();
  });

  it('round-trips every encoded client message', () => {
    const msgs: ClientMessage[] = [
      { type: 'DUMPALL' }, { type: 'DUMPVALUE', name: 'v' }, { type: 'DUMPSTATUS' }, { type: 'PING' },
      { type: 'GETPID' }, { type: 'NOBROADCAST' }, { type: 'BROADCAST', enable: true }, { type: 'BROADCAST', enable: false },
      { type: 'LOGOUT' }, { type: 'INSTCMD', cmd: 'c' }, { type: 'INSTCMD', cmd: 'c', param: 'a b=c' },
      { type: 'INSTCMD', cmd: 'c', tracking: 'T' }, { type: 'INSTCMD', cmd: 'c', param: '', tracking: 'T' },
      { type: 'INSTCMD', cmd: 'c', param: 'TRACKING', tracking: 'T' },
      { type: 'SET', name: 'v', value: ' "#\\ ' }, { type: 'SET', name: 'v', value: '', tracking: 'T' },
    ];
    for (const m of msgs) expect(c(encodeClientMessage(m))).toEqual(m);
  });
});
