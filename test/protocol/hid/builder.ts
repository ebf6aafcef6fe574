// Writes HID report descriptors item by item, for tests: each helper returns the item's bytes.
/** A short item with 0, 1, 2 or 4 data bytes (the smallest that holds `value`, signed). */
export function item(tag: number, value?: number, size?: 0 | 1 | 2 | 4): number[] {
  if (value === undefined) return [tag];
  const n = size ?? (value >= -128 && value <= 127 ? 1 : value >= -32768 && value <= 32767 ? 2 : 4);
  const code = n === 0 ? 0 : n === 1 ? 1 : n === 2 ? 2 : 3;
  const out = [tag | code];
  for (let i = 0; i < n; i++) out.push((value >>> (8 * i)) & 0xff);
  return out;
}
/** Unsigned data in the smallest size (usages, pages, IDs). */
const u = (tag: number, value: number): number[] => item(tag, value, value <= 0xff ? 1 : value <= 0xffff ? 2 : 4);

export const usagePage = (p: number): number[] => u(0x04, p);
export const usage = (x: number): number[] => u(0x08, x);
/** A 32-bit (extended) usage: page << 16 | id. */
export const usageExt = (x: number): number[] => item(0x08, x, 4);
export const usageMin = (x: number): number[] => u(0x18, x);
export const usageMax = (x: number): number[] => u(0x28, x);
export const collection = (type: number): number[] => [0xa1, type];
export const endCollection = (): number[] => [0xc0];
export const logicalMin = (x: number): number[] => item(0x14, x);
export const logicalMax = (x: number): number[] => item(0x24, x);
export const physicalMin = (x: number): number[] => item(0x34, x);
export const physicalMax = (x: number): number[] => item(0x44, x);
export const unitExponent = (x: number): number[] => item(0x54, x & 0x0f, 1);
export const unit = (x: number): number[] => u(0x64, x);
export const reportSize = (x: number): number[] => u(0x74, x);
export const reportId = (x: number): number[] => u(0x84, x);
export const reportCount = (x: number): number[] => u(0x94, x);
export const push = (): number[] => [0xa4];
export const pop = (): number[] => [0xb4];
/** Data, Variable, Absolute (0x02) unless told. */
export const input = (attr = 0x02): number[] => [0x81, attr];
export const output = (attr = 0x02): number[] => [0x91, attr];
export const feature = (attr = 0x02): number[] => [0xb1, attr];
/** A long item with `n` data bytes. */
export const longItem = (n: number): number[] => [0xfe, n, 0xf0, ...new Array<number>(n).fill(0xaa)];

export const desc = (...parts: number[][]): Uint8Array => Uint8Array.from(parts.flat());

/** Power Device page usages used by the tests. */
export const PD = { UPS: 0x04, PresentStatus: 0x02, Battery: 0x12, Input: 0x1a, Output: 0x1c, PowerSummary: 0x24, Voltage: 0x30, Frequency: 0x32, PercentLoad: 0x35, ConfigVoltage: 0x40, LowVoltageTransfer: 0x53, HighVoltageTransfer: 0x54, DelayBeforeStartup: 0x56, DelayBeforeShutdown: 0x57, Test: 0x58, AudibleAlarmControl: 0x5a, Overload: 0x65, Boost: 0x6e, iProduct: 0xfe } as const;
/** Battery System page usages used by the tests. */
export const BS = { RemainingCapacityLimit: 0x29, RemainingTimeLimit: 0x2a, BelowRemainingCapacityLimit: 0x42, Charging: 0x44, Discharging: 0x45, FullyCharged: 0x46, NeedReplacement: 0x4b, RemainingCapacity: 0x66, RunTimeToEmpty: 0x68, iDeviceChemistry: 0x89, ACPresent: 0xd0, BatteryPresent: 0xd1 } as const;
/** HID unit codes NUT knows. */
export const UNIT = { volt: 0x00f0d121, second: 0x1001, hertz: 0xf001, kelvin: 0x00010001 } as const;
