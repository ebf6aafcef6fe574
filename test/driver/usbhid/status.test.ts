// ups.status, ups.alarm and input.transfer.reason composed from the status bits as NUT 2.8.0's
// ups_status_set / ups_alarm_set do (§10.3).
import { describe, it, expect } from 'vitest';
import { applyBoolean, composeStatus, statusAlarms, bit, type StatusBit } from '../../../src/driver/usbhid/status.js';

const bits = (...names: StatusBit[]): number => names.reduce((s, n) => s | bit(n), 0);
const status = (s: number, od = false): string => composeStatus(s, od).tokens.join(' ');

describe('usbhid-ups status bits', () => {
  it('"name" sets a bit, "!name" clears it, case-insensitively; unknown names change nothing', () => {
    let s = applyBoolean(0, 'online');
    s = applyBoolean(s, 'CHRG');
    expect(s).toBe(bits('online', 'chrg'));
    expect(applyBoolean(s, '!online')).toBe(bits('chrg'));
    expect(applyBoolean(s, 'nonsense')).toBe(s);
  });

  it.each([
    [[], 'OB'],
    [['online'], 'OL'],
    [['online', 'chrg'], 'OL CHRG'],
    [['online', 'chrg', 'fullycharged'], 'OL'],
    [['dischrg'], 'OB DISCHRG'],
    [['dischrg', 'depleted'], 'OB'],
    [['dischrg', 'lowbatt'], 'OB DISCHRG LB'],
    [['timelimitexp'], 'OB LB'],
    [['shutdownimm', 'online'], 'OL LB'],
    [['online', 'overload', 'replacebatt'], 'OL OVER RB'],
    [['online', 'trim'], 'OL TRIM'],
    [['online', 'boost'], 'OL BOOST'],
    [['online', 'bypassauto'], 'OL BYPASS'],
    [['online', 'bypassman'], 'OL BYPASS'],
    [['online', 'off'], 'OL OFF'],
    [['online', 'dischrg', 'cal'], 'OL DISCHRG CAL'],
  ] as Array<[StatusBit[], string]>)('%j → %s', (names, expected) => {
    expect(status(bits(...names))).toBe(expected);
  });

  it('OL+DISCHRG: OL with a warning, or OB with onlinedischarge; calibration is not warned about', () => {
    expect(composeStatus(bits('online', 'dischrg'), false)).toMatchObject({ tokens: ['OL', 'DISCHRG'], onlineDischarging: true });
    expect(composeStatus(bits('online', 'dischrg'), true)).toMatchObject({ tokens: ['OB', 'DISCHRG'], onlineDischarging: false });
    expect(composeStatus(bits('online', 'dischrg', 'cal'), false).onlineDischarging).toBe(false);
  });

  it('input.transfer.reason: voltage first, then frequency, else none', () => {
    expect(composeStatus(bits('vrange', 'frange'), false).transferReason).toBe('input voltage out of range');
    expect(composeStatus(bits('frange'), false).transferReason).toBe('input frequency out of range');
    expect(composeStatus(0, false).transferReason).toBeUndefined();
  });

  it('alarms in NUT\'s order', () => {
    expect(statusAlarms(bits('bypassman', 'replacebatt', 'nobattery', 'shutdownimm'))).toEqual([
      'Replace battery!', 'Shutdown imminent!', 'No battery installed!', 'Manual bypass mode!',
    ]);
    expect(statusAlarms(bits('fanfail', 'battvoltlo', 'battvolthi', 'chargerfail', 'overheat', 'commfault', 'awaitingpower', 'bypassauto'))).toEqual([
      'Fan failure!', 'Battery voltage too low!', 'Battery voltage too high!', 'Battery charger fail!', 'Temperature too high!',
      'Internal UPS fault!', 'Awaiting power!', 'Automatic bypass mode!',
    ]);
  });
});
