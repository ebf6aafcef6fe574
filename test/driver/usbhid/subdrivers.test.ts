// The CyberPower, Eaton/MGE and generic subdrivers on hand-written units (synthetic.ts says why
// they are not recorded ones): NUT's mapping tables, quirks and composite commands.
import { describe, it, expect } from 'vitest';
import { rig } from './fixtures.js';
import { cpsFixture, mgeFixture } from './synthetic.js';
import { FixtureUps, toHex } from '../../../src/driver/usbhid/index.js';
import { mgeModelName, MGE_PEGASUS, MGE_DEFAULT_OFFLINE } from '../../../src/driver/usbhid/mge.js';
import { STAT_HANDLED } from '../../../src/driver/state-server.js';

const published = (v: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(v).filter(([k]) => !k.startsWith('driver.')));

describe('CyberPower subdriver (CyberPower HID 0.6)', () => {
  it('maps the CPS table, scales a 1.5× battery voltage by 2/3, clamps the charge, fixes the output voltage limits', async () => {
    const r = rig(cpsFixture());
    await r.engine.open();
    r.engine.initInfo();
    await r.engine.update();
    expect(published(r.vars())).toEqual({
      'battery.charge': '100', 'battery.charge.low': '10', 'battery.runtime': '600', 'battery.type': 'PbAcid', 'battery.voltage': '24.0',
      'battery.voltage.nominal': '24', 'input.transfer.high': '280', 'input.voltage': '230.0', 'output.voltage': '229.0',
      'ups.beeper.status': 'enabled', 'ups.delay.shutdown': '20', 'ups.delay.start': '30', 'ups.load': '17', 'ups.mfr': 'CPS',
      'ups.model': 'CP1500EPFCLCD', 'ups.productid': '0501', 'ups.serial': 'CXXMX2000000', 'ups.status': 'OL',
      'ups.test.result': 'No test initiated', 'ups.timer.shutdown': '-1', 'ups.timer.start': '-1', 'ups.vendorid': '0764',
    });
    expect(r.vars()['driver.version.data']).toBe('CyberPower HID 0.6');
    expect(r.state.tree.get('battery.charge.low')?.flags).toMatchObject({ rw: true, string: true });
  });

  it('without the descriptor fix (another product ID) the output voltage clamps to the copied limits', async () => {
    const fx = cpsFixture();
    const r = rig({ ...fx, device: { ...fx.device, productId: '0601' } });
    await r.engine.open();
    await r.engine.update();
    expect(r.vars()['output.voltage']).toBe('240.0');
    // and no 2/3 battery scale: that is armed for 0764:0501 only
    expect(r.vars()['battery.voltage']).toBe('36.0');
  });

  it('shutdown.return and shutdown.stayoff are the two writes NUT makes, with ondelay/offdelay', async () => {
    const r = rig(cpsFixture(), { ondelay: '120', offdelay: '60' });
    await r.engine.open();
    await r.engine.update();
    expect(r.vars()['ups.delay.start']).toBe('120');
    expect(r.state.tree.cmds()).toEqual(expect.arrayContaining(['load.off', 'load.on', 'shutdown.return', 'shutdown.stayoff', 'beeper.mute']));
    expect(await r.engine.instcmd('shutdown.return')).toBe(STAT_HANDLED);
    expect(r.ups.writes.map(toHex)).toEqual(['15 78 00', '14 3c 00']);
    r.ups.writes.length = 0;
    expect(await r.engine.instcmd('shutdown.stayoff')).toBe(STAT_HANDLED);
    expect(r.ups.writes.map(toHex)).toEqual(['15 ff ff', '14 3c 00']);
    r.ups.writes.length = 0;
    expect(await r.engine.instcmd('load.on')).toBe(STAT_HANDLED);
    expect(await r.engine.instcmd('test.battery.start.deep')).toBe(STAT_HANDLED);
    expect(await r.engine.instcmd('beeper.disable')).toBe(STAT_HANDLED);
    expect(r.ups.writes.map(toHex)).toEqual(['15 00 00', '16 02', '0c 01']);
  });

  it('lowbatt overrides battery.charge.low at start-up', async () => {
    const r = rig(cpsFixture(), { lowbatt: '25' });
    await r.engine.open();
    expect(r.vars()['battery.charge.low']).toBe('25');
  });
});

describe('Eaton / MGE subdriver (MGE HID 1.46)', () => {
  it('names the model from iProduct + iModel, reads ABM charger state, outlets, Unix time', async () => {
    const r = rig(mgeFixture());
    await r.engine.open();
    r.engine.initInfo();
    await r.engine.update();
    const t = new Date(100_000_000 * 1000);
    const two = (n: number): string => String(n).padStart(2, '0');
    expect(published(r.vars())).toEqual({
      'battery.charge': '95', 'battery.charger.status': 'charging', 'battery.runtime': '3600', 'input.voltage': '232.0',
      'outlet.1.status': 'on', 'outlet.power': '25', 'ups.date': `${t.getFullYear()}/${two(t.getMonth() + 1)}/${two(t.getDate())}`,
      'ups.time': `${two(t.getHours())}:${two(t.getMinutes())}:${two(t.getSeconds())}`, 'ups.mfr': 'EATON', 'ups.model': 'Ellipse ECO 650',
      'ups.productid': 'ffff', 'ups.serial': 'BDAA00000', 'ups.status': 'OL CHRG', 'ups.vendorid': '0463',
    });
    // a Protection Station / Ellipse ECO (MGE_PEGASUS) offers its outlet threshold as an enum
    expect(r.state.tree.get('outlet.power')?.enums).toEqual(['10', '25', '60']);
  });

  it('ABM disabled: the charger mode is withdrawn and PresentStatus.Charging counts again', async () => {
    const ups = new FixtureUps(mgeFixture());
    const r = rig(ups);
    await r.engine.open();
    await r.engine.update();
    ups.setReport('0a 00');
    ups.setReport('09 13');
    r.clock.now += 60;
    await r.engine.update();
    expect(r.vars()['battery.charger.status']).toBeUndefined();
    expect(r.vars()['ups.status']).toBe('OL CHRG');
    ups.setReport('09 11');
    r.clock.now += 60;
    await r.engine.update();
    expect(r.vars()['ups.status']).toBe('OL');
  });

  it('a vendor alarm bit raises ups.alarm and the ALARM status', async () => {
    const ups = new FixtureUps(mgeFixture());
    const r = rig(ups);
    await r.engine.open();
    await r.engine.update();
    ups.setReport('09 33');
    r.clock.now += 60;
    await r.engine.update();
    expect(r.vars()['ups.alarm']).toBe('Emergency stop!');
    expect(r.vars()['ups.status']).toBe('ALARM OL CHRG');
  });

  it("Good = 0 is OFF; the converter's online bit is then ignored", async () => {
    const ups = new FixtureUps(mgeFixture());
    const r = rig(ups);
    await r.engine.open();
    ups.setReport('09 03');
    r.clock.now += 60;
    await r.engine.update();
    expect(r.vars()['ups.status']).toBe('OL CHRG OFF');
  });

  it('model names and types as mge_model_names says', () => {
    expect(mgeModelName('Ellipse ECO', '650')).toEqual({ name: 'Ellipse ECO 650', type: MGE_PEGASUS });
    expect(mgeModelName('ELLIPSE', '600')).toEqual({ name: 'Ellipse 600', type: MGE_DEFAULT_OFFLINE });
    expect(mgeModelName('Mystery', '1')).toEqual({ name: 'Mystery 1', type: undefined });
  });
});

describe('generic subdriver (explore)', () => {
  it('claims any device only with explore, and maps the standard paths', async () => {
    const fx = cpsFixture();
    const unknown = { ...fx, device: { ...fx.device, vendorId: '1234', productId: '5678', vendor: 'Acme' } };
    await expect(rig(unknown).engine.open()).rejects.toThrow('No matching HID UPS found');
    const r = rig(unknown, { explore: true });
    await r.engine.open();
    await r.engine.update();
    expect(r.vars()['driver.version.data'] ?? r.engine.subdriverName).toBe('generic HID 0.1');
    expect(r.vars()['battery.charge']).toBe('105');
    expect(r.vars()['battery.voltage']).toBe('36.0');
    expect(r.vars()['ups.status']).toBe('OL');
    expect(r.state.tree.cmds()).toEqual(expect.arrayContaining(['shutdown.return', 'test.battery.start.quick', 'beeper.enable']));
  });
});
