import { describe, it, expect } from 'vitest';
import {
  convertData, statusTokens, parseStatus, applyAlert, commandSetChars, parseCapabilities, splitPacked, packedName,
  graceDown, stringSet, confirmWindow, APC_STAT_OL, APC_STAT_OB, APC_STAT_LB,
} from '../../../src/protocol/apcsmart/index.js';

describe('APC Smart values (§10.2)', () => {
  it('converts minutes and hours to seconds and names the transfer reason', () => {
    expect(convertData('minutes', '0130:')).toBe('7800');
    expect(convertData('hours', '336')).toBe('1209600');
    expect(convertData('hours', 'OFF')).toBe('0');
    expect(convertData('reason', 'O')).toBe('no transfers yet since turnon');
    expect(convertData('reason', 'S')).toBe('simulated power failure or UPS test');
    expect(convertData('reason', 'Z')).toBe('Z');
    expect(convertData('volt', '230.4')).toBe('230.4');
  });

  it('turns the Q status byte into NUT tokens in NUT order; none at all is OFF', () => {
    expect(statusTokens(parseStatus('08'))).toEqual(['OL']);
    expect(statusTokens(parseStatus('50'))).toEqual(['OB', 'LB']);
    expect(statusTokens(parseStatus('0A'))).toEqual(['TRIM', 'OL']);
    expect(statusTokens(parseStatus('C9'))).toEqual(['CAL', 'OL', 'LB', 'RB']);
    expect(statusTokens(parseStatus('00'))).toEqual(['OFF']);
    expect(statusTokens(parseStatus('xyz'))).toEqual(['OFF']);
  });

  it('applies alert characters to the status word', () => {
    let s = APC_STAT_OL;
    s = applyAlert(s, '!');
    expect(s).toBe(APC_STAT_OB);
    s = applyAlert(s, '%');
    expect(s).toBe(APC_STAT_OB | APC_STAT_LB);
    s = applyAlert(applyAlert(s, '+'), '$');
    expect(s).toBe(APC_STAT_OL);
    expect(statusTokens(applyAlert(applyAlert(s, '#'), '?'))).toEqual(['OL', 'OVER', 'RB']);
  });

  it('extracts the command characters of an `a` reply', () => {
    expect(commandSetChars('3.!$%+?=#|.\x01\x0e\x1a-9@ABC')).toBe('\x01\x0e\x1a-9@ABC');
    expect(commandSetChars('3.!$.ABC.extra')).toBe('ABC');
    expect(commandSetChars('NA')).toBeNull();
    expect(commandSetChars('3..')).toBeNull();
  });

  it('parses the ^Z capability string, Matrix-UPS form too, and stops on garbage instead of exiting', () => {
    const caps = parseCapabilities('#uI43253264271280e44200153090');
    expect(caps).toEqual({ ok: true, entries: [
      { cmd: 'u', loc: 'I', values: ['253', '264', '271', '280'] },
      { cmd: 'e', loc: '4', values: ['00', '15', '30', '90'] },
    ] });
    expect(parseCapabilities('##uI43253264271280##s441HMLL').entries.map((e) => e.cmd)).toEqual(['u', 's']);
    const cut = parseCapabilities('#uI43253264');
    expect(cut.entries[0]?.values).toEqual(['253', '264', '', '']);
    const bad = parseCapabilities('#uI43253264271280q4');
    expect(bad.ok).toBe(false);
    expect(bad.entries).toHaveLength(1);
    expect(parseCapabilities('xyz').ok).toBe(false);
    expect(parseCapabilities('#u4\xff3abc').ok).toBe(false);
  });

  it('splits packed values into at most four fields', () => {
    expect(splitPacked('20.5,21.0')).toEqual({ fields: ['20.5', '21.0'], truncated: false });
    expect(splitPacked('a,b,c,d,e')).toEqual({ fields: ['a', 'b', 'c', 'd'], truncated: true });
    expect(packedName('ambient.0.temperature', 1)).toBe('ambient.2.temperature');
  });

  it('encodes @nnn, string SETs and the confirmation window of nasty commands', () => {
    expect(graceDown(undefined)).toBe('@000');
    expect(graceDown('5')).toBe('@005');
    expect(graceDown('12')).toBe('@12');
    expect(stringSet('UPS1')).toBe('-UPS1\r\r\r\r');
    expect(stringSet('123456789')).toBeNull();
    expect(confirmWindow(100, 102)).toBe(false);
    expect(confirmWindow(100, 103)).toBe(true);
    expect(confirmWindow(100, 115)).toBe(true);
    expect(confirmWindow(100, 116)).toBe(false);
  });
});
