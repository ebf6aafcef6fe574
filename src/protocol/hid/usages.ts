// Usage names and NUT's textual paths ("UPS.PowerSummary.RemainingCapacity"), pure. The names
// are those of the USB HID Usage Tables for Power Devices (pages 0x84 Power Device and 0x85
// Battery System) as NUT 2.8.0 spells them (libhid.c hid_usage_lkp), so paths in subdriver
// tables and in NUT's debug output are the same strings. Vendor tables come first in a lookup
// (they override the standard names), as in NUT's usage_tables_t.
import { HidError } from './errors.js';
import { INDEX_NODE, MAX_PATH_NODES } from './descriptor.js';

/** Name → usage (page << 16 | id). Order matters: the first match wins both ways. */
export type UsageTable = ReadonlyArray<readonly [string, number]>;

const POWER_DEVICE: UsageTable = [
  ['Undefined', 0x00], ['iName', 0x01], ['PresentStatus', 0x02], ['ChangedStatus', 0x03], ['UPS', 0x04], ['PowerSupply', 0x05],
  ['BatterySystem', 0x10], ['BatterySystemID', 0x11], ['Battery', 0x12], ['BatteryID', 0x13], ['Charger', 0x14], ['ChargerID', 0x15],
  ['PowerConverter', 0x16], ['PowerConverterID', 0x17], ['OutletSystem', 0x18], ['OutletSystemID', 0x19], ['Input', 0x1a],
  ['InputID', 0x1b], ['Output', 0x1c], ['OutputID', 0x1d], ['Flow', 0x1e], ['FlowID', 0x1f], ['Outlet', 0x20], ['OutletID', 0x21],
  ['Gang', 0x22], ['GangID', 0x23], ['PowerSummary', 0x24], ['PowerSummaryID', 0x25],
  ['Voltage', 0x30], ['Current', 0x31], ['Frequency', 0x32], ['ApparentPower', 0x33], ['ActivePower', 0x34], ['PercentLoad', 0x35],
  ['Temperature', 0x36], ['Humidity', 0x37], ['BadCount', 0x38],
  ['ConfigVoltage', 0x40], ['ConfigCurrent', 0x41], ['ConfigFrequency', 0x42], ['ConfigApparentPower', 0x43],
  ['ConfigActivePower', 0x44], ['ConfigPercentLoad', 0x45], ['ConfigTemperature', 0x46], ['ConfigHumidity', 0x47],
  ['SwitchOnControl', 0x50], ['SwitchOffControl', 0x51], ['ToggleControl', 0x52], ['LowVoltageTransfer', 0x53],
  ['HighVoltageTransfer', 0x54], ['DelayBeforeReboot', 0x55], ['DelayBeforeStartup', 0x56], ['DelayBeforeShutdown', 0x57],
  ['Test', 0x58], ['ModuleReset', 0x59], ['AudibleAlarmControl', 0x5a],
  ['Present', 0x60], ['Good', 0x61], ['InternalFailure', 0x62], ['VoltageOutOfRange', 0x63], ['FrequencyOutOfRange', 0x64],
  ['Overload', 0x65], ['OverCharged', 0x66], ['OverTemperature', 0x67], ['ShutdownRequested', 0x68], ['ShutdownImminent', 0x69],
  ['SwitchOn/Off', 0x6b], ['Switchable', 0x6c], ['Used', 0x6d], ['Boost', 0x6e], ['Buck', 0x6f], ['Initialized', 0x70],
  ['Tested', 0x71], ['AwaitingPower', 0x72], ['CommunicationLost', 0x73],
  ['iManufacturer', 0xfd], ['iProduct', 0xfe], ['iSerialNumber', 0xff],
].map(([n, u]) => [n as string, (0x840000 | (u as number)) >>> 0] as const);

const BATTERY_SYSTEM: UsageTable = [
  ['Undefined', 0x00], ['SMBBatteryMode', 0x01], ['SMBBatteryStatus', 0x02], ['SMBAlarmWarning', 0x03], ['SMBChargerMode', 0x04],
  ['SMBChargerStatus', 0x05], ['SMBChargerSpecInfo', 0x06], ['SMBSelectorState', 0x07], ['SMBSelectorPresets', 0x08],
  ['SMBSelectorInfo', 0x09], ['OptionalMfgFunction1', 0x10], ['OptionalMfgFunction2', 0x11], ['OptionalMfgFunction3', 0x12],
  ['OptionalMfgFunction4', 0x13], ['OptionalMfgFunction5', 0x14], ['ConnectionToSMBus', 0x15], ['OutputConnection', 0x16],
  ['ChargerConnection', 0x17], ['BatteryInsertion', 0x18], ['Usenext', 0x19], ['OKToUse', 0x1a], ['BatterySupported', 0x1b],
  ['SelectorRevision', 0x1c], ['ChargingIndicator', 0x1d], ['ManufacturerAccess', 0x28], ['RemainingCapacityLimit', 0x29],
  ['RemainingTimeLimit', 0x2a], ['AtRate', 0x2b], ['CapacityMode', 0x2c], ['BroadcastToCharger', 0x2d], ['PrimaryBattery', 0x2e],
  ['ChargeController', 0x2f], ['TerminateCharge', 0x40], ['TerminateDischarge', 0x41], ['BelowRemainingCapacityLimit', 0x42],
  ['RemainingTimeLimitExpired', 0x43], ['Charging', 0x44], ['Discharging', 0x45], ['FullyCharged', 0x46], ['FullyDischarged', 0x47],
  ['ConditioningFlag', 0x48], ['AtRateOK', 0x49], ['SMBErrorCode', 0x4a], ['NeedReplacement', 0x4b], ['AtRateTimeToFull', 0x60],
  ['AtRateTimeToEmpty', 0x61], ['AverageCurrent', 0x62], ['Maxerror', 0x63], ['RelativeStateOfCharge', 0x64],
  ['AbsoluteStateOfCharge', 0x65], ['RemainingCapacity', 0x66], ['FullChargeCapacity', 0x67], ['RunTimeToEmpty', 0x68],
  ['AverageTimeToEmpty', 0x69], ['AverageTimeToFull', 0x6a], ['CycleCount', 0x6b], ['BattPackModelLevel', 0x80],
  ['InternalChargeController', 0x81], ['PrimaryBatterySupport', 0x82], ['DesignCapacity', 0x83], ['SpecificationInfo', 0x84],
  ['ManufacturerDate', 0x85], ['SerialNumber', 0x86], ['iManufacturerName', 0x87], ['iDevicename', 0x88],
  ['iDeviceChemistry', 0x89], ['ManufacturerData', 0x8a], ['Rechargeable', 0x8b], ['WarningCapacityLimit', 0x8c],
  ['CapacityGranularity1', 0x8d], ['CapacityGranularity2', 0x8e], ['iOEMInformation', 0x8f], ['InhibitCharge', 0xc0],
  ['EnablePolling', 0xc1], ['ResetToZero', 0xc2], ['ACPresent', 0xd0], ['BatteryPresent', 0xd1], ['PowerFail', 0xd2],
  ['AlarmInhibited', 0xd3], ['ThermistorUnderRange', 0xd4], ['ThermistorHot', 0xd5], ['ThermistorCold', 0xd6],
  ['ThermistorOverRange', 0xd7], ['VoltageOutOfRange', 0xd8], ['CurrentOutOfRange', 0xd9], ['CurrentNotRegulated', 0xda],
  ['VoltageNotRegulated', 0xdb], ['MasterMode', 0xdc], ['ChargerSelectorSupport', 0xf0], ['ChargerSpec', 0xf1], ['Level2', 0xf2],
  ['Level3', 0xf3],
].map(([n, u]) => [n as string, (0x850000 | (u as number)) >>> 0] as const);

/** The Power Device (0x84) and Battery System (0x85) pages: NUT's hid_usage_lkp. */
export const STANDARD_USAGES: UsageTable = [...POWER_DEVICE, ...BATTERY_SYSTEM];

/** NUT's path_to_string: names from the tables, "[n]" for index nodes, else 8 hex digits. */
export function pathToString(path: readonly number[], tables: readonly UsageTable[]): string {
  return path.map((node) => {
    for (const t of tables) for (const [name, code] of t) if (code === node) return name;
    if (((node & 0xffff0000) >>> 0) === INDEX_NODE) return `[${node & 0xffff}]`;
    return (node >>> 0).toString(16).padStart(8, '0');
  }).join('.');
}

const HEX = /^[0-9a-fA-F]+$/;
const INDEXED = /^[[\]0-9]+$/;

/**
 * NUT's string_to_path: names (case-insensitive), raw hex nodes ("ff860024") and "[n]" index
 * nodes. A component that is none of these is left out, as NUT does (and logs).
 */
export function stringToPath(text: string, tables: readonly UsageTable[]): number[] {
  const out: number[] = [];
  for (const token of text.split('.')) {
    if (token === '') continue;
    if (out.length >= MAX_PATH_NODES) throw new HidError('ERR_HID_PATH', `path longer than ${MAX_PATH_NODES} nodes: ${text}`);
    const lower = token.toLowerCase();
    let found: number | undefined;
    for (const t of tables) {
      for (const [name, code] of t) if (name.toLowerCase() === lower) { found = code; break; }
      if (found !== undefined) break;
    }
    if (found !== undefined) { out.push(found); continue; }
    if (HEX.test(token)) {
      const n = Number.parseInt(token, 16);
      if (n <= 0xffffffff) { out.push(n >>> 0); continue; }
    }
    if (INDEXED.test(token)) {
      // atoi(token + 1): digits after the opening bracket
      const m = /^\d*/.exec(token.slice(1));
      out.push((INDEX_NODE + Number.parseInt(m?.[0] || '0', 10)) >>> 0);
      continue;
    }
  }
  return out;
}
