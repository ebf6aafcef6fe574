import { describe, it, expect } from 'vitest';
import { HardnutError } from '../../../src/core/errors.js';
import { splitLine } from '../../../src/core/tokenizer.js';
import {
  MAX_NAME_LEN, encodeClientMessage, encodeDriverMessage, isValidName, sanitizeValue,
  type ClientMessage, type DriverMessage,
} from '../../../src/protocol/sock/index.js';

const driverTable: Array<[DriverMessage, string]> = [
  [{ type: 'SETINFO', name: 'ups.status', value: 'OL' }, 'SETINFO ups.status "OL"\n'],
  [{ type: 'SETINFO', name: 'weird.var', value: 'a b \\c' }, 'SETINFO weird.var "a b \\\\c"\n'],
  [{ type: 'SETINFO', name: 'x', value: '' }, 'SETINFO x ""\n'],
  [{ type: 'DELINFO', name: 'ups.alarm' }, 'DELINFO ups.alarm\n'],
  [{ type: 'ADDENUM', name: 'input.transfer.low', value: '103' }, 'ADDENUM input.transfer.low "103"\n'],
  [{ type: 'DELENUM', name: 'v', value: 'say "hi" #1' }, 'DELENUM v "say \\"hi\\" \\#1"\n'],
  [{ type: 'ADDRANGE', name: 'ups.delay.start', min: 0, max: 600 }, 'ADDRANGE ups.delay.start 0 600\n'],
  [{ type: 'DELRANGE', name: 'v', min: -5, max: -1 }, 'DELRANGE v -5 -1\n'],
  [{ type: 'SETAUX', name: 'ups.id', aux: 8 }, 'SETAUX ups.id 8\n'],
  [{ type: 'SETFLAGS', name: 'ups.id', flags: ['RW', 'STRING'] }, 'SETFLAGS ups.id RW STRING\n'],
  [{ type: 'SETFLAGS', name: 'ups.id', flags: [] }, 'SETFLAGS ups.id\n'],
  [{ type: 'ADDCMD', name: 'load.off' }, 'ADDCMD load.off\n'],
  [{ type: 'DELCMD', name: 'load.off' }, 'DELCMD load.off\n'],
  [{ type: 'DUMPDONE' }, 'DUMPDONE\n'],
  [{ type: 'PONG' }, 'PONG\n'],
  [{ type: 'DATAOK' }, 'DATAOK\n'],
  [{ type: 'DATASTALE' }, 'DATASTALE\n'],
  [{ type: 'TRACKING', id: '1BB2BE1A-2D84-4A7C-9F31-0D8A2B7C9E10', status: 0 }, 'TRACKING 1BB2BE1A-2D84-4A7C-9F31-0D8A2B7C9E10 0\n'],
  [{ type: 'PID', pid: '4242' }, 'PID 4242\n'],
  [{ type: 'GOODBYE' }, 'OK Goodbye\n'],
];

const clientTable: Array<[ClientMessage, string]> = [
  [{ type: 'DUMPALL' }, 'DUMPALL\n'],
  [{ type: 'DUMPVALUE', name: 'battery.charge' }, 'DUMPVALUE battery.charge\n'],
  [{ type: 'DUMPSTATUS' }, 'DUMPSTATUS\n'],
  [{ type: 'PING' }, 'PING\n'],
  [{ type: 'GETPID' }, 'GETPID\n'],
  [{ type: 'NOBROADCAST' }, 'NOBROADCAST\n'],
  [{ type: 'BROADCAST', enable: true }, 'BROADCAST 1\n'],
  [{ type: 'BROADCAST', enable: false }, 'BROADCAST 0\n'],
  [{ type: 'LOGOUT' }, 'LOGOUT\n'],
  [{ type: 'INSTCMD', cmd: 'load.off' }, 'INSTCMD load.off\n'],
  [{ type: 'INSTCMD', cmd: 'load.off.delay', param: '120' }, 'INSTCMD load.off.delay 120\n'],
  [{ type: 'INSTCMD', cmd: 'x', param: 'a#b\\c"d' }, 'INSTCMD x a\\#b\\\\c\\"d\n'],
  [{ type: 'INSTCMD', cmd: 'x', param: 'two words' }, 'INSTCMD x "two words"\n'],
  [{ type: 'INSTCMD', cmd: 'x', param: 'k=v' }, 'INSTCMD x "k=v"\n'],
  [{ type: 'INSTCMD', cmd: 'x', param: '' }, 'INSTCMD x ""\n'],
  [{ type: 'INSTCMD', cmd: 'load.off', tracking: 'ID1' }, 'INSTCMD load.off TRACKING ID1\n'],
  [{ type: 'INSTCMD', cmd: 'load.off.delay', param: '5', tracking: 'ID2' }, 'INSTCMD load.off.delay 5 TRACKING ID2\n'],
  [{ type: 'SET', name: 'ups.id', value: 'my ups' }, 'SET ups.id "my ups"\n'],
  [{ type: 'SET', name: 'ups.id', value: '#1 "x" \\' }, 'SET ups.id "\\#1 \\"x\\" \\\\"\n'],
  [{ type: 'SET', name: 'ups.id', value: 'v', tracking: 'ID3' }, 'SET ups.id "v" TRACKING ID3\n'],
];

describe('encodeDriverMessage', () => {
  it.each(driverTable)('%j', (m, text) => {
    expect(encodeDriverMessage(m)).toBe(text);
  });
});

describe('encodeClientMessage', () => {
  it.each(clientTable)('%j', (m, text) => {
    expect(encodeClientMessage(m)).toBe(text);
  });

  it('quoted INSTCMD params still read back as one word', () => {
    for (const param of ['two words', 'k=v', '', ' lead', 'a = b # c']) {
      expect(splitLine(encodeClientMessage({ type: 'INSTCMD', cmd: 'x', param }))).toEqual(['INSTCMD', 'x', param]);
    }
  });

  it('unquoted INSTCMD params are read back literally', () => {
    const param = 'a#b\\c"d';
    expect(splitLine(encodeClientMessage({ type: 'INSTCMD', cmd: 'x', param }))).toEqual(['INSTCMD', 'x', param]);
  });
});

describe('names', () => {
  it('isValidName accepts NUT-like names and refuses what would break framing', () => {
    for (const ok of ['ups.status', 'driver.parameter.pollinterval', 'a', 'x-y_z:1/2', '!', '~', 'A'.repeat(MAX_NAME_LEN)]) {
      expect(isValidName(ok)).toBe(true);
    }
    for (const bad of ['', 'a b', 'a"b', 'a\\b', 'a#b', 'a=b', 'a\nb', 'a\tb', 'é', 'a\x7fb', 'A'.repeat(MAX_NAME_LEN + 1)]) {
      expect(isValidName(bad)).toBe(false);
    }
  });

  it('encoders throw ERR_SOCK_ENCODE on an invalid name, id, flag or pid', () => {
    const bad: Array<() => string> = [
      () => encodeDriverMessage({ type: 'SETINFO', name: 'a b', value: 'x' }),
      () => encodeDriverMessage({ type: 'DELINFO', name: '' }),
      () => encodeDriverMessage({ type: 'ADDCMD', name: 'x\ny' }),
      () => encodeDriverMessage({ type: 'SETFLAGS', name: 'v', flags: ['RW', 'ST RING'] }),
      () => encodeDriverMessage({ type: 'TRACKING', id: 'a=b', status: 0 }),
      () => encodeDriverMessage({ type: 'PID', pid: '' }),
      () => encodeClientMessage({ type: 'DUMPVALUE', name: '#' }),
      () => encodeClientMessage({ type: 'INSTCMD', cmd: 'x', tracking: 'has space' }),
      () => encodeClientMessage({ type: 'SET', name: 'a"b', value: 'x' }),
    ];
    for (const f of bad) {
      expect(f).toThrow(HardnutError);
      try { f(); } catch (e) { expect((e as HardnutError).code).toBe('ERR_SOCK_ENCODE'); }
    }
  });

  it('encoders throw on numbers NUT cannot print', () => {
    expect(() => encodeDriverMessage({ type: 'ADDRANGE', name: 'v', min: 1.5, max: 2 })).toThrow(HardnutError);
    expect(() => encodeDriverMessage({ type: 'ADDRANGE', name: 'v', min: 0, max: 2 ** 31 })).toThrow(HardnutError);
    expect(() => encodeDriverMessage({ type: 'TRACKING', id: 'x', status: Number.NaN })).toThrow(HardnutError);
    expect(() => encodeDriverMessage({ type: 'SETAUX', name: 'v', aux: Infinity })).toThrow(HardnutError);
    expect(() => encodeDriverMessage({ type: 'SETFLAGS', name: 'v', flags: Array<string>(31).fill('RW') })).toThrow(HardnutError);
    expect(encodeDriverMessage({ type: 'SETFLAGS', name: 'v', flags: Array<string>(30).fill('RW') })).toMatch(/^SETFLAGS v( RW){30}\n$/);
  });
});

describe('values', () => {
  it('escapes #, \\ and " and nothing else (§1.5)', () => {
    expect(encodeDriverMessage({ type: 'SETINFO', name: 'v', value: `# \\ " ' = $` })).toBe(`SETINFO v "\\# \\\\ \\" ' = $"\n`);
  });

  it('drops characters that cannot cross the wire and caps the length at 512', () => {
    expect(sanitizeValue('a\tb\r\nc\x00d\x7fé€😀z')).toBe('abcdz');
    expect(sanitizeValue('x'.repeat(600))).toBe('x'.repeat(512));
    expect(sanitizeValue('\u00e9'.repeat(600) + 'y')).toBe('y');
    expect(encodeDriverMessage({ type: 'SETINFO', name: 'v', value: 'Ünïcode\n' })).toBe('SETINFO v "ncode"\n');
  });

  it('what is encoded is what the peer reads', () => {
    const value = `${'"#\\'.repeat(200)}\u0001tail`;
    const line = encodeDriverMessage({ type: 'SETINFO', name: 'v', value });
    expect(splitLine(line)).toEqual(['SETINFO', 'v', sanitizeValue(value)]);
  });
});
