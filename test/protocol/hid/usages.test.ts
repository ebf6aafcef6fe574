// NUT's textual paths: names from the usage tables (vendor first), raw hex nodes, "[n]" indexes.
import { describe, it, expect } from 'vitest';
import { pathToString, stringToPath, STANDARD_USAGES, HidError, MAX_PATH_NODES } from '../../../src/protocol/hid/index.js';
import { APC_USAGES } from '../../../src/driver/usbhid/apc.js';
import { MGE_USAGES } from '../../../src/driver/usbhid/mge.js';

describe('HID paths', () => {
  it('names the Power Device and Battery System usages as NUT does', () => {
    const path = stringToPath('UPS.PowerSummary.PresentStatus.ACPresent', [STANDARD_USAGES]);
    expect(path).toEqual([0x840004, 0x840024, 0x840002, 0x8500d0]);
    expect(pathToString(path, [STANDARD_USAGES])).toBe('UPS.PowerSummary.PresentStatus.ACPresent');
    expect(stringToPath('ups.powersummary.remainingcapacity', [STANDARD_USAGES])).toEqual([0x840004, 0x840024, 0x850066]);
    expect(stringToPath('UPS.SwitchOn/Off', [STANDARD_USAGES])).toEqual([0x840004, 0x84006b]);
  });

  it('vendor names come first; unknown nodes are 8 hex digits both ways', () => {
    const apc = [APC_USAGES, STANDARD_USAGES];
    expect(pathToString([0x840004, 0xff860005, 0xff86007c], apc)).toBe('UPS.APCGeneralCollection.APCDelayBeforeReboot');
    expect(pathToString([0x840004, 0xff860005, 0xff86007c], [STANDARD_USAGES])).toBe('UPS.ff860005.ff86007c');
    expect(stringToPath('UPS.ff860005.ff86007c', [STANDARD_USAGES])).toEqual([0x840004, 0xff860005, 0xff86007c]);
    expect(stringToPath('UPS.PowerSummary.iModel', [MGE_USAGES, STANDARD_USAGES])).toEqual([0x840004, 0x840024, 0xffff00f0]);
  });

  it('index nodes of vendor collections are "[n]"', () => {
    const path = stringToPath('UPS.PowerConverter.Input.[3].Voltage', [STANDARD_USAGES]);
    expect(path).toEqual([0x840004, 0x840016, 0x84001a, 0x00ff0003, 0x840030]);
    expect(pathToString(path, [STANDARD_USAGES])).toBe('UPS.PowerConverter.Input.[3].Voltage');
  });

  it('a component that is nothing known is left out, as NUT does; over-long paths are refused', () => {
    expect(stringToPath('UPS.NoSuchThing.Voltage', [STANDARD_USAGES])).toEqual([0x840004, 0x840030]);
    expect(() => stringToPath(new Array(MAX_PATH_NODES + 1).fill('UPS').join('.'), [STANDARD_USAGES])).toThrow(HidError);
  });
});
