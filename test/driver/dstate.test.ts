import { describe, it, expect } from 'vitest';
import { DriverState, MAX_VALUE_LEN } from '../../src/driver/dstate.js';

function withLog(): { state: DriverState; sent: string[] } {
  const state = new DriverState();
  const sent: string[] = [];
  state.setBroadcast((line) => sent.push(line));
  return { state, sent };
}

describe('DriverState broadcasts (spec §3.2)', () => {
  it('broadcasts a change once, and nothing when a value is set again unchanged', () => {
    const { state, sent } = withLog();
    state.setInfo('battery.charge', '90');
    state.setInfo('battery.charge', '90');
    state.setFlags('battery.charge', ['RW']);
    state.setFlags('battery.charge', ['RW']);
    state.setAux('battery.charge', 3);
    state.addCmd('load.off');
    state.addCmd('LOAD.OFF');
    state.delInfo('battery.charge');
    state.delInfo('battery.charge');
    expect(sent).toEqual([
      'SETINFO battery.charge "90"\n', 'SETFLAGS battery.charge RW\n', 'SETAUX battery.charge 3\n',
      'ADDCMD load.off\n', 'DELINFO battery.charge\n',
    ]);
  });

  it('propagates a case-only change (hardnut fix of NUT §3.2 ⚠) and escapes broadcast values', () => {
    const { state, sent } = withLog();
    state.setInfo('ups.test.result', 'ok');
    state.setInfo('ups.test.result', 'OK');
    state.setInfo('x', 'a "b" #c \\d');
    expect(sent).toEqual(['SETINFO ups.test.result "ok"\n', 'SETINFO ups.test.result "OK"\n', 'SETINFO x "a \\"b\\" \\#c \\\\d"\n']);
  });

  it('DATAOK/DATASTALE only on a change; starts stale', () => {
    const { state, sent } = withLog();
    expect(state.stale).toBe(true);
    state.dataStale();
    state.dataOk();
    state.dataOk();
    state.dataStale();
    expect(sent).toEqual(['DATAOK\n', 'DATASTALE\n']);
  });

  it(`caps values at ${MAX_VALUE_LEN} characters and refuses names that cannot cross the socket`, () => {
    const { state, sent } = withLog();
    state.setInfo('long', 'x'.repeat(1000));
    expect(state.getInfo('long')).toHaveLength(MAX_VALUE_LEN);
    expect(state.setInfo('bad"name', 'v')).toBe(false);
    expect(state.setInfo('bad name', 'v')).toBe(false);
    expect(state.addCmd('cmd#1')).toBe(false);
    expect(sent).toHaveLength(1);
  });
});

describe('status and alarm helpers (spec §3.4)', () => {
  it('joins tokens, drops duplicates, prefixes ALARM while an alarm is active', () => {
    const { state } = withLog();
    state.statusInit(); state.statusSet('OB'); state.statusSet('LB'); state.statusSet('ob'); state.statusCommit();
    expect(state.getInfo('ups.status')).toBe('OB LB');
    state.alarmInit(); state.alarmSet('Replace battery!'); state.alarmSet('Overheat'); state.alarmCommit();
    expect(state.getInfo('ups.alarm')).toBe('Replace battery! Overheat');
    state.statusInit(); state.statusSet('OL'); state.statusCommit();
    expect(state.getInfo('ups.status')).toBe('ALARM OL');
    state.alarmInit(); state.alarmCommit();
    expect(state.getInfo('ups.alarm')).toBeUndefined();
    state.statusInit(); state.statusSet('OL'); state.statusCommit();
    expect(state.getInfo('ups.status')).toBe('OL');
  });

  it('with ignorelb, LB from the device is dropped and computed from charge or runtime instead', () => {
    const { state } = withLog();
    state.setInfo('driver.flag.ignorelb', 'enabled');
    state.setInfo('battery.charge', '50');
    state.setInfo('battery.charge.low', '20');
    state.statusInit(); state.statusSet('OB'); state.statusSet('LB'); state.statusCommit();
    expect(state.getInfo('ups.status')).toBe('OB');
    state.setInfo('battery.charge', '19');
    state.statusInit(); state.statusSet('OB'); state.statusCommit();
    expect(state.getInfo('ups.status')).toBe('OB LB');
    state.setInfo('battery.charge', '80');
    state.setInfo('battery.runtime', '100');
    state.setInfo('battery.runtime.low', '120');
    state.statusInit(); state.statusSet('OB'); state.statusCommit();
    expect(state.getInfo('ups.status')).toBe('OB LB');
  });
});
