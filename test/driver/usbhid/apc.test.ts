// usbhid-ups against two real APC units, replayed from NUT's own debug output (test/fixtures/hid):
// the same objects, the same values, the same upsc variables as NUT; commands and SETs as the
// exact feature reports NUT writes; interrupt reports; unplug and replug.
import { describe, it, expect } from 'vitest';
import { loadFixture, nutVariables, rig } from './fixtures.js';
import { FixtureUps, MemoryBus, UsbHidUps, SUBDRIVERS, regexMatcher, toHex } from '../../../src/driver/usbhid/index.js';
import { STANDARD_USAGES } from '../../../src/protocol/hid/index.js';
import { STAT_HANDLED, STAT_INVALID, STAT_UNKNOWN } from '../../../src/driver/state-server.js';
import { DriverState } from '../../../src/driver/dstate.js';
import { Recorder } from './fixtures.js';

const FIXTURES = ['apc-back-ups-500', 'apc-bk650m2-ch'] as const;

/** What the driver published, without the driver.* bookkeeping. */
function published(vars: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(vars).filter(([k]) => !k.startsWith('driver.')));
}

describe('usbhid-ups on recorded APC units', () => {
  for (const name of FIXTURES) {
    describe(name, () => {
      it("lists every HID object as NUT's dump does: path, type, report, offset, size and value", async () => {
        const fx = loadFixture(name);
        const r = rig(fx);
        await r.engine.open();
        // NUT printed these with -x explore, which names only the standard usages
        const lines = await r.engine.dumpTree([STANDARD_USAGES]);
        expect(lines[0]).toBe(`${fx.nut?.dump?.length} HID objects found`);
        expect(lines.slice(1)).toEqual(fx.nut?.dump);
      });

      it('publishes the variables NUT published for this unit, with the same values', async () => {
        const fx = loadFixture(name);
        const r = rig(fx);
        await r.engine.open();
        r.engine.initInfo();
        await r.engine.update();
        expect(published(r.vars())).toEqual(nutVariables(fx));
        expect(r.vars()['driver.version.data']).toBe('APC HID 0.98');
      });
    });
  }

  it('Back-UPS 500: model and firmware split from the product string as NUT does (spaces kept)', async () => {
    const r = rig(loadFixture('apc-back-ups-500'));
    await r.engine.open();
    expect(r.vars()['ups.model']).toBe('Back-UPS 500');
    expect(r.vars()['ups.firmware']).toBe(' 6.5.I');
    expect(r.vars()['ups.firmware.aux']).toBe(' c1 ');
    // APC's BCD battery date and HID's packed date
    expect(r.vars()['battery.mfr.date']).toBe('2004/07/03');
    expect(r.vars()['ups.mfr.date']).toBe('2004/07/03');
    expect(r.state.tree.cmds()).toEqual(['shutdown.reboot', 'test.panel.start', 'test.panel.stop']);
  });

  it('BK650M2-CH: the OL+DISCHRG quirk, and onlinedischarge turning it into OB', async () => {
    const plain = rig(loadFixture('apc-bk650m2-ch'));
    await plain.engine.open();
    await plain.engine.update();
    expect(plain.vars()['ups.status']).toBe('OL DISCHRG');
    expect(plain.log.lines.some((l) => l.startsWith('warn:') && l.includes('OL+DISCHRG'))).toBe(true);
    const od = rig(loadFixture('apc-bk650m2-ch'), { onlineDischarge: true });
    await od.engine.open();
    await od.engine.update();
    expect(od.vars()['ups.status']).toBe('OB DISCHRG');
  });

  it('BK650M2-CH: commands write the exact feature reports NUT writes', async () => {
    const r = rig(loadFixture('apc-bk650m2-ch'));
    await r.engine.open();
    await r.engine.update();
    expect(r.state.tree.cmds()).toEqual([
      'beeper.disable', 'beeper.enable', 'beeper.mute', 'beeper.off', 'beeper.on', 'load.off', 'load.off.delay',
      'shutdown.reboot', 'shutdown.stop', 'test.battery.start.deep', 'test.battery.start.quick', 'test.battery.stop',
    ]);
    const sent = async (cmd: string, extra?: string): Promise<string[]> => {
      r.ups.writes.length = 0;
      expect(await r.engine.instcmd(cmd, extra)).toBe(STAT_HANDLED);
      return r.ups.writes.map(toHex);
    };
    // UPS.PowerSummary.DelayBeforeShutdown, report 0x15, 16 bits signed
    expect(await sent('load.off.delay')).toEqual(['15 14 00']);
    expect(await sent('load.off.delay', '120')).toEqual(['15 78 00']);
    expect(await sent('load.off')).toEqual(['15 00 00']);
    expect(await sent('shutdown.stop')).toEqual(['15 ff ff']);
    // UPS.PowerSummary.AudibleAlarmControl, report 0x18: 1 disabled, 2 enabled, 3 muted
    expect(await sent('beeper.enable')).toEqual(['18 02']);
    expect(await sent('beeper.disable')).toEqual(['18 01']);
    expect(await sent('beeper.mute')).toEqual(['18 03']);
    expect(await sent('beeper.on')).toEqual(['18 02']);
    // UPS.Battery.Test, report 0x21: NUT sends its whole 24-byte report buffer
    const zeros = ' 00'.repeat(22);
    expect(await sent('test.battery.start.quick')).toEqual([`21 01${zeros}`]);
    expect(await sent('test.battery.start.deep')).toEqual([`21 02${zeros}`]);
    expect(await sent('test.battery.stop')).toEqual([`21 03${zeros}`]);
    // APCDelayBeforeReboot, report 0x40 (24 bytes in NUT's buffer)
    expect(await sent('shutdown.reboot')).toEqual([`40 0a${zeros}`]);
    // no DelayBeforeStartup: neither load.on nor the composite commands, as in NUT
    expect(await r.engine.instcmd('load.on')).toBe(STAT_INVALID);
    expect(await r.engine.instcmd('shutdown.return')).toBe(STAT_INVALID);
    expect(await r.engine.instcmd('no.such.command')).toBe(STAT_INVALID);
  });

  it('BK650M2-CH: SET writes the report, a server-side variable only changes upsd, read-only is refused', async () => {
    const r = rig(loadFixture('apc-bk650m2-ch'));
    await r.engine.open();
    await r.engine.update();
    expect(await r.engine.setvar('input.transfer.low', '165')).toBe(STAT_HANDLED);
    // NUT's report buffer for 0x32 is 33 bytes (23 fields of 16 bits, sized from offsets that wrap at 256 bits)
    expect(r.ups.writes.map(toHex)).toEqual([`32 a5 00${' 00'.repeat(30)}`]);
    expect(await r.engine.setvar('battery.charge.low', '40')).toBe(STAT_HANDLED);
    expect(toHex(r.ups.writes[1] as Uint8Array)).toBe('11 28');
    expect(await r.engine.setvar('input.sensitivity', 'high')).toBe(STAT_HANDLED);
    expect(toHex(r.ups.writes[2] as Uint8Array)).toBe(`35 02${' 00'.repeat(22)}`);
    // HID date: 2021/03/02 = (41 << 9) + (3 << 5) + 2 = 0x5262; report 0x20 keeps its other bytes
    expect(await r.engine.setvar('battery.mfr.date', '2021/03/02')).toBe(STAT_HANDLED);
    expect(toHex(r.ups.writes[3] as Uint8Array)).toBe(`20 62 52${' 00'.repeat(30)}`);
    const before = r.ups.writes.length;
    expect(await r.engine.setvar('ups.delay.shutdown', '60')).toBe(STAT_HANDLED);
    expect(r.vars()['ups.delay.shutdown']).toBe('60');
    expect(r.ups.writes.length).toBe(before);
    expect(await r.engine.setvar('battery.charge', '50')).toBe(STAT_UNKNOWN);
    // the next poll re-reads the semi-static variables after a SET
    r.ups.setReport('32 a5 00');
    r.clock.now += 1;
    await r.engine.update();
    expect(r.vars()['input.transfer.low']).toBe('165');
    // load.off.delay uses ups.delay.shutdown's new value through shutdown.return's rules
    r.ups.writes.length = 0;
    expect(await r.engine.instcmd('load.off.delay', r.vars()['ups.delay.shutdown'])).toBe(STAT_HANDLED);
    expect(r.ups.writes.map(toHex)).toEqual(['15 3c 00']);
  });

  it('BK650M2-CH: -k tries shutdown.return, then shutdown.reboot (as NUT)', async () => {
    const r = rig(loadFixture('apc-bk650m2-ch'));
    await r.engine.open();
    await r.engine.shutdown();
    expect(r.ups.writes.map(toHex)).toEqual([`40 0a${' 00'.repeat(22)}`]);
  });

  it('BK650M2-CH: interrupt reports update the status before the next full poll', async () => {
    const fx = loadFixture('apc-bk650m2-ch');
    const r = rig(fx);
    await r.engine.open();
    await r.engine.update();
    // the interrupt reports NUT received from this unit change nothing…
    for (const hex of fx.interrupts ?? []) r.ups.interrupts.push(Uint8Array.from(hex.split(' ').map((h) => Number.parseInt(h, 16))));
    r.clock.now += 2;
    await r.engine.update();
    expect(r.vars()['ups.status']).toBe('OL DISCHRG');
    // …AC gone (PresentStatus: Discharging + BatteryPresent; ACPresent 0 in both reports) is OB at once
    r.ups.setReport('16 0a 00');
    r.ups.setReport('13 00');
    r.ups.interrupts.push(Uint8Array.from([0x16, 0x0a, 0x00, 0x00, 0x00]), Uint8Array.from([0x13, 0x00]));
    r.clock.now += 2;
    await r.engine.update();
    expect(r.vars()['ups.status']).toBe('OB DISCHRG');
    // and a battery charge report arriving on the interrupt pipe is taken as it is
    r.ups.interrupts.push(Uint8Array.from([0x0c, 0x30]));
    r.clock.now += 1;
    await r.engine.update();
    r.clock.now += 60;
    r.ups.setReport('0c 30');
    await r.engine.update();
    expect(r.vars()['battery.charge']).toBe('48');
  });

  it('unplugged: data goes stale, the driver retries each pollinterval, and a replug recovers the same unit', async () => {
    const fx = loadFixture('apc-bk650m2-ch');
    const r = rig(fx);
    await r.engine.open();
    await r.engine.update();
    expect(r.state.stale).toBe(false);
    r.ups.unplugged = true;
    r.clock.now += 2;
    await r.engine.update();
    expect(r.engine.isConnected).toBe(false);
    r.clock.now += 2;
    await r.engine.update();
    expect(r.state.stale).toBe(true);
    expect(await r.engine.instcmd('beeper.enable')).not.toBe(STAT_HANDLED);
    // another UPS on the bus is not the one we had (exact match on reconnect)
    const other = new FixtureUps({ ...fx, device: { ...fx.device, serial: 'SOMEONE-ELSE' } });
    r.bus.devices.push(other);
    r.clock.now += 2;
    await r.engine.update();
    expect(r.state.stale).toBe(true);
    expect(other.reads.length).toBe(0);
    r.ups.unplugged = false;
    r.ups.setReport('0c 5a');
    r.clock.now += 2;
    await r.engine.update();
    expect(r.engine.isConnected).toBe(true);
    expect(r.state.stale).toBe(false);
    expect(r.vars()['battery.charge']).toBe('90');
    expect(r.vars()['ups.status']).toBe('OL DISCHRG');
    expect(r.log.lines).toContain('notice: Communications with UPS re-established');
  });
});

describe('usbhid-ups device matching (NUT\'s options)', () => {
  const open = async (match: Record<string, string>): Promise<UsbHidUps> => {
    const fx = loadFixture('apc-bk650m2-ch');
    const state = new DriverState();
    const e = new UsbHidUps(state, new Recorder(), new MemoryBus([new FixtureUps(fx)]), SUBDRIVERS, regexMatcher(match), {
      pollFreqS: 30, pollIntervalS: 2, useInterrupt: true, onlineDischarge: false, interruptOnly: false, maxReport: false,
      productIdGiven: match['productid'] !== undefined, explore: false,
    });
    await e.open();
    return e;
  };

  it('regexes match the whole string, case-insensitively; IDs as 4 hex digits', async () => {
    await expect(open({ vendorid: '051D', productid: '0002' })).resolves.toBeInstanceOf(UsbHidUps);
    await expect(open({ product: 'bk650.*', vendor: 'American.*', serial: '9B2019A14274', bus: '001' })).resolves.toBeInstanceOf(UsbHidUps);
    await expect(open({ product: 'BK650' })).rejects.toThrow('No matching HID UPS found');
    await expect(open({ vendorid: '51d' })).rejects.toThrow('No matching HID UPS found');
    await expect(open({ serial: 'X.*' })).rejects.toThrow('No matching HID UPS found');
    await expect(open({ bus: '002' })).rejects.toThrow('No matching HID UPS found');
  });

  it('an unusable regex is a usage error naming it', () => {
    expect(() => regexMatcher({ product: '(' })).toThrow('invalid regular expression: (');
  });

  it('an APC product ID no table lists is claimed only with productid given ("possibly supported")', async () => {
    const fx = loadFixture('apc-bk650m2-ch');
    const unknown = { ...fx, device: { ...fx.device, productId: '0004' } };
    const tryOpen = async (match: Record<string, string>): Promise<void> => {
      const log = new Recorder();
      const e = new UsbHidUps(new DriverState(), log, new MemoryBus([new FixtureUps(unknown)]), SUBDRIVERS, regexMatcher(match), {
        pollFreqS: 30, pollIntervalS: 2, useInterrupt: true, onlineDischarge: false, interruptOnly: false, maxReport: false,
        productIdGiven: match['productid'] !== undefined, explore: false,
      });
      try { await e.open(); } finally {
        if (match['productid'] === undefined) expect(log.lines.some((l) => l.includes('not (or perhaps not yet) supported'))).toBe(true);
      }
    };
    await expect(tryOpen({})).rejects.toThrow('No matching HID UPS found');
    await expect(tryOpen({ productid: '0004' })).resolves.toBeUndefined();
  });
});
