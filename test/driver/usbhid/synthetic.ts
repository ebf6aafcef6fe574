// SYNTHETIC UPSes for the CyberPower and Eaton/MGE subdrivers. No complete public dump (report
// descriptor plus the reports NUT read) of a CyberPower or Eaton unit could be found for
// test/fixtures/hid, so these descriptors are written here, item by item, with the report IDs,
// paths and firmware quirks NUT's debug output in public issues shows for those units
// (networkupstools/nut#439 and #1245: CPS output voltage limits copied from report 16; #2540:
// CPS report layout; mge-hid.c's paths). They test the subdriver tables, not real firmware.
import {
  desc, usagePage, usage, usageExt, collection, endCollection, logicalMin, logicalMax, unit, unitExponent, reportSize, reportCount,
  reportId, feature, input, PD, BS, UNIT,
} from '../../protocol/hid/builder.js';
import type { HidFixture } from '../../../src/driver/usbhid/index.js';
import { toHex } from '../../../src/driver/usbhid/index.js';

const hex = (parts: number[][]): string => toHex(desc(...parts));

/** A CyberPower 0764:0501 with the output-voltage limits bug and a battery reading 1.5 × too high. */
export function cpsFixture(): HidFixture {
  const d = hex([
    usagePage(0x84), usage(PD.UPS), collection(1),
    usage(PD.PowerSummary), collection(0),
    reportId(0x03), reportSize(8), reportCount(1), logicalMin(0), logicalMax(255), usagePage(0x85), usage(BS.iDeviceChemistry), feature(0x03),
    reportId(0x07), usagePage(0x84), unit(UNIT.volt), unitExponent(7), usage(PD.ConfigVoltage), feature(0x03),
    reportId(0x08), unit(0), unitExponent(0), usagePage(0x85), logicalMax(255), usage(BS.RemainingCapacity), input(), usage(BS.RemainingCapacity), feature(),
    reportSize(16), logicalMax(32767), unit(UNIT.second), usage(BS.RunTimeToEmpty), input(), usage(BS.RunTimeToEmpty), feature(),
    reportId(0x09), reportSize(8), logicalMax(100), unit(0), usage(BS.RemainingCapacityLimit), feature(),
    reportId(0x0a), reportSize(16), logicalMax(65535), usagePage(0x84), unit(UNIT.volt), unitExponent(5), usage(PD.Voltage), feature(),
    reportId(0x0b), unit(0), unitExponent(0), usage(PD.PresentStatus), collection(2), usagePage(0x85), reportSize(1), logicalMax(1), reportCount(6),
    usage(BS.ACPresent), usage(BS.Charging), usage(BS.Discharging), usage(BS.BelowRemainingCapacityLimit), usage(BS.FullyCharged), usage(0x43), feature(), input(),
    reportCount(2), feature(0x03), input(0x03), endCollection(),
    reportId(0x0c), usagePage(0x84), reportSize(8), reportCount(1), logicalMin(1), logicalMax(3), usage(PD.AudibleAlarmControl), feature(),
    endCollection(),
    usage(PD.Input), collection(0),
    reportId(0x0f), reportSize(16), logicalMin(0), logicalMax(511), unit(UNIT.volt), unitExponent(7), usage(PD.Voltage), feature(),
    reportId(0x10), logicalMin(240), logicalMax(280), usage(PD.HighVoltageTransfer), feature(),
    endCollection(),
    usage(PD.Output), collection(0),
    // the bug: report 18 inherits report 16's logical limits
    reportId(0x12), usage(PD.Voltage), feature(),
    reportId(0x13), reportSize(8), logicalMin(0), logicalMax(200), unit(0), unitExponent(0), usage(PD.PercentLoad), feature(),
    reportId(0x14), reportSize(16), logicalMin(-1), logicalMax(32767), unit(UNIT.second), usage(PD.DelayBeforeShutdown), feature(),
    reportId(0x15), usage(PD.DelayBeforeStartup), feature(),
    reportId(0x16), reportSize(8), logicalMin(0), logicalMax(7), unit(0), usage(PD.Test), feature(),
    reportId(0x17), reportSize(1), logicalMax(1), reportCount(2), usage(PD.Boost), usage(PD.Overload), feature(), reportCount(6), feature(0x03),
    endCollection(),
    endCollection(),
  ]);
  return {
    source: 'synthetic (test/driver/usbhid/synthetic.ts)',
    model: 'CyberPower-like 0764:0501, written by hand',
    device: { vendorId: '0764', productId: '0501', vendor: 'CPS', product: 'CP1500EPFCLCD', serial: 'CXXMX2000000' },
    descriptor: d,
    reports: {
      '03': '03 02', '07': '07 18', '08': '08 69 58 02', '09': '09 0a', '0a': '0a 10 0e', '0b': '0b 11',
      '0c': '0c 02', '0f': '0f e6 00', '10': '10 18 01', '12': '12 e5 00', '13': '13 11', '14': '14 ff ff', '15': '15 ff ff',
      '16': '16 06', '17': '17 00',
    },
    strings: { 2: 'PbAcid' },
  };
}

/** An Eaton 0463:ffff "Ellipse ECO" 650 with ABM, a vendor alarm and PowerShare outlets. */
export function mgeFixture(): HidFixture {
  const d = hex([
    usagePage(0x84), usage(PD.UPS), collection(1),
    usage(PD.PowerSummary), collection(0),
    reportId(0x01), reportSize(8), reportCount(1), logicalMin(0), logicalMax(255), usageExt(0xffff00f0), feature(0x03),
    reportId(0x06), usagePage(0x85), logicalMax(100), usage(BS.RemainingCapacity), feature(), reportSize(16), logicalMax(32767),
    unit(UNIT.second), usage(BS.RunTimeToEmpty), feature(),
    reportId(0x07), reportSize(32), logicalMax(0x7fffffff), unit(0), usageExt(0xffff0097), feature(),
    reportId(0x08), reportSize(8), logicalMax(255), usageExt(0xffff0095), feature(0x03),
    usagePage(0x84), usage(PD.PresentStatus), collection(2),
    reportId(0x09), reportSize(1), logicalMax(1), reportCount(6), usagePage(0x85), usage(BS.ACPresent), usage(BS.Charging), usage(BS.Discharging),
    usage(BS.BelowRemainingCapacityLimit), usagePage(0x84), usage(0x61), usageExt(0xffff0068), feature(), reportCount(2), feature(0x03),
    endCollection(),
    endCollection(),
    usagePage(0x84), usage(0x10), collection(0), usage(0x14), collection(0),
    reportId(0x0a), reportSize(8), reportCount(1), logicalMax(1), usageExt(0xffff0087), feature(),
    reportId(0x0b), logicalMax(7), usageExt(0xffff0094), feature(),
    endCollection(), endCollection(),
    usagePage(0x84), usage(0x16), collection(0), usage(PD.Input), collection(0x81),
    reportId(0x0c), reportSize(16), logicalMax(500), unit(UNIT.volt), unitExponent(7), usage(PD.Voltage), feature(),
    endCollection(), endCollection(),
    usagePage(0x84), usage(0x18), collection(0),
    usage(0x20), collection(0x81), reportId(0x0d), reportSize(16), logicalMax(1000), unit(0), unitExponent(0), usage(0x43), feature(), endCollection(),
    usage(0x20), collection(0x82), usage(PD.PresentStatus), collection(2), reportId(0x0e), reportSize(8), logicalMax(1), usage(0x6b), feature(), endCollection(), endCollection(),
    endCollection(),
    endCollection(),
  ]);
  return {
    source: 'synthetic (test/driver/usbhid/synthetic.ts)',
    model: 'Eaton-like 0463:ffff, written by hand',
    device: { vendorId: '0463', productId: 'ffff', vendor: 'EATON', product: 'Ellipse ECO', serial: 'BDAA00000' },
    descriptor: d,
    reports: {
      '01': '01 05', '06': '06 5f 10 0e', '07': '07 00 e1 f5 05', '08': '08 00', '09': '09 13', '0a': '0a 01', '0b': '0b 01',
      '0c': '0c e8 00', '0d': '0d 19 00', '0e': '0e 01',
    },
    strings: { 5: '650' },
  };
}
