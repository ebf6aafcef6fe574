// The timer table (§6.3, §6.4) with a fake clock: what runs, when, with which environment.
import { describe, it, expect } from 'vitest';
import { TimerTable, strtol, DEFAULT_IDLE_MS } from '../../src/upssched/timers.js';
import type { UpsschedRequest } from '../../src/protocol/upssched/index.js';

function setup(idle = DEFAULT_IDLE_MS): { table: TimerTable; advance: (ms: number) => void } {
  let now = 1_700_000_000_000;
  return { table: new TimerTable(() => now, idle), advance: (ms) => { now += ms; } };
}
const req = (verb: UpsschedRequest['verb'], arg1: string, arg2 = '', notifyType = '', upsName = '', notifyMsg = ''): UpsschedRequest =>
  ({ verb, arg1, arg2, notifyType, upsName, notifyMsg });

describe('upssched timers', () => {
  it('START fires once at expiry with UPSNAME, NOTIFYTYPE and NOTIFYMSG of the request', () => {
    const { table, advance } = setup();
    table.apply(req('START', 'onbatt', '5', 'ONBATT', 'ups1', 'on battery'));
    advance(4999);
    expect(table.check().runs).toEqual([]);
    advance(1);
    expect(table.check().runs).toEqual([{ command: 'onbatt', env: { UPSNAME: 'ups1', NOTIFYTYPE: 'ONBATT', NOTIFYMSG: 'on battery' } }]);
    advance(10_000);
    expect(table.check().runs).toEqual([]);
  });
  it('two STARTs of one name are two timers; CANCEL removes every one of them', () => {
    const { table, advance } = setup();
    table.apply(req('START', 't', '5'));
    table.apply(req('START', 't', '6'));
    table.apply(req('START', 'other', '5'));
    expect(table.size).toBe(3);
    expect(table.apply(req('CANCEL', 't')).runs).toEqual([]);
    advance(10_000);
    expect(table.check().runs.map((r) => r.command)).toEqual(['other']);
  });
  it('CANCEL of nothing with a command runs that command; without one, nothing', () => {
    const { table } = setup();
    expect(table.apply(req('CANCEL', 'none')).runs).toEqual([]);
    expect(table.apply(req('CANCEL', 'none', 'onbatt-cancelled', 'ONLINE', 'ups1', 'back')).runs)
      .toEqual([{ command: 'onbatt-cancelled', env: { UPSNAME: 'ups1', NOTIFYTYPE: 'ONLINE', NOTIFYMSG: 'back' } }]);
  });
  it('START-SHARED merges into the existing timer; the environment lists every UPS, type and message', () => {
    const { table, advance } = setup();
    table.apply(req('START-SHARED', 's', '5', 'ONBATT', 'a', 'm1'));
    table.apply(req('START-SHARED', 's', '60', 'ONBATT', 'b', 'm2'));
    table.apply(req('START-SHARED', 's', '60', 'LOWBATT', 'a', 'm1'));
    expect(table.size).toBe(1);
    advance(5000);
    expect(table.check().runs).toEqual([{ command: 's', env: { UPSNAME: 'a,b', NOTIFYTYPE: 'ONBATT,LOWBATT', NOTIFYMSG: 'm1.\tm2' } }]);
  });
  it('CANCEL-MATCHED removes only the timers whose lists hold the given type and UPS', () => {
    const { table, advance } = setup();
    table.apply(req('START', 't', '5', 'ONBATT', 'a'));
    table.apply(req('START', 't', '5', 'ONBATT', 'b'));
    table.apply(req('CANCEL-MATCHED', 't', '', 'ONBATT', 'a'));
    advance(5000);
    expect(table.check().runs.map((r) => r.env.UPSNAME)).toEqual(['b']);
  });
  it('a negative offset is ignored; seconds are read like strtol', () => {
    const { table } = setup();
    table.apply(req('START', 't', '-1'));
    expect(table.size).toBe(0);
    expect([strtol(' 12abc'), strtol('+7'), strtol('x'), strtol(''), strtol('-3')]).toEqual([12, 7, 0, 0, -3]);
  });
  it('LIST-TIMERS lists name, expiry, seconds left and the lists', () => {
    const { table, advance } = setup();
    table.apply(req('START', 't', '30', 'ONBATT', 'u', 'm'));
    advance(10_000);
    expect(table.apply(req('LIST-TIMERS', '')).list).toEqual([
      { name: 't', expires: 1_700_000_030, secondsLeft: 20, notifyTypes: ['ONBATT'], upsNames: ['u'], notifyMsgs: ['m'] },
    ]);
  });
  it('exits only after the queue has been empty for the idle time; a request restarts the count', () => {
    const { table, advance } = setup(15_000);
    table.apply(req('START', 't', '1'));
    advance(1000);
    expect(table.check()).toEqual({ runs: [{ command: 't', env: {} }], exit: false });
    advance(14_000);
    expect(table.check().exit).toBe(false);
    table.apply(req('CANCEL', 'none'));
    advance(14_999);
    expect(table.check().exit).toBe(false);
    advance(1);
    expect(table.check().exit).toBe(true);
  });
});
