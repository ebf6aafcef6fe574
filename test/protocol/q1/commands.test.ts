import { describe, it, expect } from 'vitest';
import { batteryTest, inRanges, roundDelay, shutdownReturn, shutdownStayoff } from '../../../src/protocol/q1/index.js';

const cmd = (e: { ok: boolean; command?: string; reason?: string }): string => (e.ok ? e.command as string : `error: ${e.reason}`);

describe('Q1 command bytes (§10.1)', () => {
  it('shutdown.return: Sn, or SnRmmmm when the UPS is to restart after a delay (NUT test table)', () => {
    expect(cmd(shutdownReturn('180', '0'))).toBe('S03\r');
    expect(cmd(shutdownReturn('120', '300'))).toBe('S02R0005\r');
    expect(cmd(shutdownReturn('30', '180'))).toBe('S.5R0003\r');
    expect(cmd(shutdownReturn('30', '59'))).toBe('S.5\r');
    expect(cmd(shutdownReturn('-6', '0'))).toMatch(/^error/);
  });

  it('shutdown.stayoff: SnR0000', () => {
    expect(cmd(shutdownStayoff('30'))).toBe('S.5R0000\r');
    expect(cmd(shutdownStayoff('600'))).toBe('S10R0000\r');
    expect(cmd(shutdownStayoff('12'))).toBe('S.2R0000\r');
  });

  it('test.battery.start: minutes, 60–5940 s, ten minutes by default', () => {
    expect(cmd(batteryTest('240'))).toBe('T04\r');
    expect(cmd(batteryTest(undefined))).toBe('T10\r');
    expect(cmd(batteryTest('5940'))).toBe('T99\r');
    expect(cmd(batteryTest('59'))).toMatch(/^error/);
    expect(cmd(batteryTest('abc'))).toMatch(/^error/);
  });

  it('rounds the delays to what Sn can say', () => {
    expect(roundDelay('ups.delay.shutdown', '59')).toEqual({ ok: true, value: '54' });
    expect(roundDelay('ups.delay.shutdown', '125')).toEqual({ ok: true, value: '120' });
    expect(roundDelay('ups.delay.start', '100')).toEqual({ ok: true, value: '60' });
    expect(roundDelay('ups.delay.start', '-1').ok).toBe(false);
    expect(inRanges('600', [[12, 600]])).toBe(true);
    expect(inRanges('601', [[12, 600]])).toBe(false);
    expect(inRanges('1e2', [[12, 600]])).toBe(false);
  });
});
