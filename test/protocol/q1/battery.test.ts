import { describe, it, expect } from 'vitest';
import { QxBattery, BatteryConfigError } from '../../../src/protocol/q1/index.js';

function rig(vars: Record<string, string>, options: Record<string, string> = {}): { b: QxBattery; vars: Record<string, string>; log: string[] } {
  const log: string[] = [];
  const b = new QxBattery({
    get: (n) => vars[n], set: (n, v) => { vars[n] = v; }, option: (n) => options[n], info: (m) => log.push(m),
  });
  return { b, vars, log };
}

describe('battery guesstimation of nutdrv_qx', () => {
  it('without battery.voltage.low/high, derives them from the nominal voltage and the charge from the voltage', () => {
    const { b, vars } = rig({ 'battery.voltage': '23.40', 'battery.voltage.nominal': '24.0' });
    b.init(1000);
    expect(vars['battery.voltage.low']).toBe('20.80');
    expect(vars['battery.voltage.high']).toBe('26.00');
    expect(vars['battery.charge']).toBe('50');
    // a full update recomputes the charge from a new voltage
    vars['battery.voltage'] = '26.50';
    b.startFullUpdate();
    b.endFullUpdate(true, 1030);
    expect(vars['battery.charge']).toBe('100');
  });

  it('detects per-cell voltages (battery packs) against the nominal voltage', () => {
    const { b, vars } = rig({ 'battery.voltage': '2.10', 'battery.voltage.nominal': '24.0' });
    b.init(0);
    expect(b.packs).toBe(12);
    // like NUT, the charge published at start-up was computed before the packs were known
    expect(vars['battery.charge']).toBe('0');
    b.startFullUpdate();
    b.endFullUpdate(true, 30);
    expect(vars['battery.charge']).toBe('85'); // 12 × 2.10 = 25.2 V between 20.8 and 26.0
  });

  it('with runtimecal, estimates the runtime from load and time on battery', () => {
    const { b, vars } = rig({ 'battery.voltage': '26.00', 'battery.voltage.nominal': '24.0', 'ups.load': '50' }, { runtimecal: '240,100,720,50' });
    b.init(0);
    b.startFullUpdate();
    b.endFullUpdate(false, 60);
    expect(Number(vars['battery.runtime'])).toBeGreaterThan(0);
    expect(vars['battery.charge']).toBeDefined();
  });

  it('refuses a runtimecal NUT refuses', () => {
    const { b } = rig({ 'battery.voltage': '26.00', 'battery.voltage.nominal': '24.0' }, { runtimecal: '240,100' });
    expect(() => b.init(0)).toThrow(BatteryConfigError);
  });
});
