// The HID report descriptor parser: item kinds, NUT's object list (paths, offsets, continuation
// fields, report lengths), its quirks (LogMax re-read unsigned, 4-bit unit exponent), and every
// limit raising its typed error.
import { describe, it, expect } from 'vitest';
import {
  parseReportDescriptor, findField, findFieldByIdNode, pathToString, stringToPath, STANDARD_USAGES, HidError,
  MAX_COLLECTION_DEPTH, MAX_LOCAL_USAGES, MAX_FIELDS, MAX_PUSH_DEPTH, MAX_FIELD_BITS, MAX_REPORT_BYTES, MAX_DESCRIPTOR_BYTES,
  type ReportDescriptor,
} from '../../../src/protocol/hid/index.js';
import {
  desc, usagePage, usage, usageExt, usageMin, usageMax, collection, endCollection, logicalMin, logicalMax, physicalMin, physicalMax,
  unit, unitExponent, reportSize, reportCount, reportId, feature, input, output, push, pop, longItem, PD, BS, UNIT,
} from './builder.js';

const names = (d: ReportDescriptor): string[] => d.fields.map((f) => `${f.type} ${pathToString(f.path, [STANDARD_USAGES])} #${f.reportId}@${f.offset}/${f.size}`);

function code(fn: () => unknown): string | undefined {
  try { fn(); } catch (err) { return err instanceof HidError ? err.code : `not a HidError: ${String(err)}`; }
  return undefined;
}

describe('report descriptor parser', () => {
  it('builds NUT paths from collections and usages, with offsets per report ID and type', () => {
    const d = parseReportDescriptor(desc(
      usagePage(0x84), usage(PD.UPS), collection(1),
      usage(PD.PowerSummary), collection(0),
      reportId(1), reportSize(8), reportCount(1), logicalMin(0), logicalMax(255),
      usagePage(0x85), usage(BS.RemainingCapacity), feature(), usage(BS.RemainingCapacity), input(),
      reportSize(16), usage(BS.RunTimeToEmpty), feature(),
      reportId(2), reportSize(1), logicalMax(1), usage(BS.Charging), usage(BS.Discharging), reportCount(2), input(),
      reportCount(6), input(0x03),
      endCollection(), endCollection(),
    ));
    expect(names(d)).toEqual([
      'Feature UPS.PowerSummary.RemainingCapacity #1@0/8',
      'Input UPS.PowerSummary.RemainingCapacity #1@0/8',
      'Feature UPS.PowerSummary.RunTimeToEmpty #1@8/16',
      'Input UPS.PowerSummary.Charging #2@0/1',
      'Input UPS.PowerSummary.Discharging #2@1/1',
    ]);
    // report lengths count all types of an ID together, padding included
    expect([...d.reportLengths]).toEqual([[1, 3], [2, 1]]);
    expect(d.mainItems.map((m) => [m.type, m.reportCount, m.constant])).toEqual([
      ['Feature', 1, false], ['Input', 1, false], ['Feature', 1, false], ['Input', 2, false], ['Input', 6, true],
    ]);
  });

  it('fields without a usage of their own are continuations: no object, but they take room (NUT)', () => {
    const d = parseReportDescriptor(desc(
      usagePage(0x84), usage(PD.UPS), collection(1), reportId(5), reportSize(8), reportCount(3),
      usage(PD.Voltage), feature(), usage(PD.Frequency), feature(), endCollection(),
    ));
    expect(names(d)).toEqual(['Feature UPS.Voltage #5@0/8', 'Feature UPS.Frequency #5@24/8']);
    expect(d.reportLengths.get(5)).toBe(6);
  });

  it('redundant usages before one field are dropped after it (APC sends several)', () => {
    const d = parseReportDescriptor(desc(
      usagePage(0x84), usage(PD.UPS), collection(1), reportId(1), reportSize(8), reportCount(1),
      usage(PD.Voltage), usage(PD.Frequency), usage(PD.PercentLoad), feature(),
      reportCount(1), feature(), endCollection(),
    ));
    expect(names(d)).toEqual(['Feature UPS.Voltage #1@0/8']);
  });

  it('vendor-defined collection types add an index node, shown as [n], found by "[n]" in paths', () => {
    const d = parseReportDescriptor(desc(
      usagePage(0x84), usage(PD.UPS), collection(1),
      usage(0x16), collection(0),
      usage(PD.Input), collection(0x81), reportId(3), reportSize(16), reportCount(1), logicalMax(1000), usage(PD.Voltage), feature(), endCollection(),
      usage(PD.Input), collection(0x83), reportId(4), usage(PD.Voltage), feature(), endCollection(),
      endCollection(), endCollection(),
    ));
    expect(names(d)).toEqual(['Feature UPS.PowerConverter.Input.[1].Voltage #3@0/16', 'Feature UPS.PowerConverter.Input.[3].Voltage #4@0/16']);
    const f = findField(d, stringToPath('UPS.PowerConverter.Input.[3].Voltage', [STANDARD_USAGES]), 'Feature');
    expect(f?.reportId).toBe(4);
  });

  it('extended (32-bit) usages and the usage page of each usage', () => {
    const d = parseReportDescriptor(desc(
      usagePage(0x84), usage(PD.UPS), collection(1), reportId(9), reportSize(8), reportCount(1),
      usageExt(0xff860060), feature(), usagePage(0xffff), usage(0x00ef), feature(), endCollection(),
    ));
    expect(d.fields.map((f) => f.path.map((n) => n.toString(16)))).toEqual([['840004', 'ff860060'], ['840004', 'ffff00ef']]);
    expect(pathToString(d.fields[0]?.path ?? [], [STANDARD_USAGES])).toBe('UPS.ff860060');
  });

  it('Push and Pop save and restore the global state', () => {
    const d = parseReportDescriptor(desc(
      usagePage(0x84), usage(PD.UPS), collection(1), reportId(1), reportSize(8), reportCount(1), logicalMax(100),
      push(), reportSize(16), logicalMax(30000), reportId(2), usage(PD.Voltage), feature(), pop(),
      usage(PD.PercentLoad), feature(), endCollection(),
    ));
    expect(d.fields.map((f) => [f.reportId, f.size, f.logicalMax])).toEqual([[2, 16, 30000], [1, 8, 100]]);
  });

  it('long items are skipped; usage ranges, designators and strings are read and ignored (NUT)', () => {
    const d = parseReportDescriptor(desc(
      usagePage(0x84), usage(PD.UPS), collection(1), longItem(5), reportId(1), reportSize(1), reportCount(2),
      usageMin(PD.Overload), usageMax(PD.Boost), [0x39, 0x01, 0x79, 0x02, 0xa9, 0x01], feature(),
      reportSize(8), reportCount(1), usage(PD.Voltage), [0x79, 0x03], output(), endCollection(),
    ));
    expect(names(d)).toEqual(['Output UPS.Voltage #1@0/8']);
    expect(d.mainItems[0]?.usageRange).toEqual({ min: 0x840065, max: 0x84006e });
  });

  it('array fields are told apart from variable ones', () => {
    const d = parseReportDescriptor(desc(usagePage(0x84), usage(PD.UPS), collection(1), reportId(1), reportSize(8), reportCount(1), usage(PD.Test), feature(0x00), usage(PD.Test), feature(0x02), endCollection()));
    expect(d.mainItems.map((m) => m.array)).toEqual([true, false]);
  });

  it('logical and physical extents are signed by their own size; a LogMax below LogMin is re-read unsigned (NUT)', () => {
    const d = parseReportDescriptor(desc(
      usagePage(0x84), usage(PD.UPS), collection(1), reportId(1), reportSize(16), reportCount(1),
      logicalMin(-1), [0x26, 0xff, 0x7f], physicalMin(-10), physicalMax(10), usage(PD.DelayBeforeShutdown), feature(),
      logicalMin(0), [0x25, 0xff], usage(PD.Voltage), feature(), endCollection(),
    ));
    const [a, b] = d.fields;
    expect([a?.logicalMin, a?.logicalMax, a?.physicalMin, a?.physicalMax, a?.havePhysicalMin]).toEqual([-1, 32767, -10, 10, true]);
    expect([b?.logicalMin, b?.logicalMax]).toEqual([0, 255]);
    expect(d.warnings).toEqual(['LogMax -1 is less than LogMin 0 in report 0x01: using 255']);
  });

  it('the unit exponent is a 4-bit nibble; units are kept', () => {
    const d = parseReportDescriptor(desc(
      usagePage(0x84), usage(PD.UPS), collection(1), reportId(1), reportSize(16), reportCount(1), logicalMax(30000),
      unit(UNIT.volt), unitExponent(5), usage(PD.ConfigVoltage), feature(), unitExponent(-2), usage(PD.Voltage), feature(), endCollection(),
    ));
    expect(d.fields.map((f) => [f.unit, f.unitExponent])).toEqual([[UNIT.volt, 5], [UNIT.volt, -2]]);
  });

  it('descriptors without report IDs get real offsets (NUT restarts each at 0)', () => {
    const d = parseReportDescriptor(desc(usagePage(0x84), usage(PD.UPS), collection(1), reportSize(8), reportCount(1), usage(PD.Voltage), feature(), usage(PD.Frequency), feature(), endCollection()));
    expect(d.fields.map((f) => [f.reportId, f.offset])).toEqual([[0, 0], [0, 8]]);
  });

  it('a Report Count of 0 makes no field (NUT wraps its counter into 256)', () => {
    expect(code(() => parseReportDescriptor(desc(usagePage(0x84), usage(PD.UPS), collection(1), reportId(1), reportSize(8), reportCount(0), usage(PD.Voltage), feature(), endCollection())))).toBe('ERR_HID_NO_FIELDS');
  });

  it('an unclosed top collection is accepted; a field-less descriptor is not', () => {
    expect(parseReportDescriptor(desc(usagePage(0x84), usage(PD.UPS), collection(1), reportId(1), reportSize(8), reportCount(1), usage(PD.Voltage), feature())).fields).toHaveLength(1);
    expect(code(() => parseReportDescriptor(new Uint8Array()))).toBe('ERR_HID_NO_FIELDS');
  });

  it('findFieldByIdNode finds a field by report ID and last path node (subdriver fixes)', () => {
    const d = parseReportDescriptor(desc(usagePage(0x84), usage(PD.UPS), collection(1), usage(PD.Input), collection(0), reportId(0x31), reportSize(16), reportCount(1), usage(PD.Voltage), feature(), endCollection(), endCollection()));
    expect(findFieldByIdNode(d, 0x31, 0x840030)?.path).toHaveLength(3);
    expect(findFieldByIdNode(d, 0x32, 0x840030)).toBeUndefined();
  });

  it('a path is matched as a prefix, like NUT (first field under it)', () => {
    const d = parseReportDescriptor(desc(usagePage(0x84), usage(PD.UPS), collection(1), usage(PD.PresentStatus), collection(2), reportId(1), reportSize(1), reportCount(2), usagePage(0x85), usage(BS.Charging), usage(BS.Discharging), feature(), endCollection(), endCollection()));
    expect(pathToString(findField(d, stringToPath('UPS.PresentStatus', [STANDARD_USAGES]), 'Feature')?.path ?? [], [STANDARD_USAGES])).toBe('UPS.PresentStatus.Charging');
    expect(findField(d, stringToPath('UPS.PresentStatus.Charging.00850045', [STANDARD_USAGES]), 'Feature')).toBeUndefined();
  });
});

describe('report descriptor limits: each raises its typed error, nothing else escapes', () => {
  const head = [usagePage(0x84), usage(PD.UPS), collection(1), reportId(1), reportSize(8), reportCount(1)];
  const tail = [usage(PD.Voltage), feature(), endCollection()];

  it('truncated items and long items', () => {
    expect(code(() => parseReportDescriptor(Uint8Array.from([0x05, 0x84, 0x26, 0xff])))).toBe('ERR_HID_TRUNCATED');
    expect(code(() => parseReportDescriptor(Uint8Array.from([0x05, 0x84, 0xfe, 0x09, 0x00, 0x01])))).toBe('ERR_HID_TRUNCATED');
    expect(code(() => parseReportDescriptor(Uint8Array.from([0xfe, 0x01])))).toBe('ERR_HID_TRUNCATED');
  });

  it('unbalanced collections, Pop without Push, Push too deep', () => {
    expect(code(() => parseReportDescriptor(desc(endCollection())))).toBe('ERR_HID_UNBALANCED');
    expect(code(() => parseReportDescriptor(desc(pop())))).toBe('ERR_HID_STACK');
    expect(code(() => parseReportDescriptor(desc(...new Array<number[]>(MAX_PUSH_DEPTH + 1).fill(push()))))).toBe('ERR_HID_STACK');
  });

  it(`collections deeper than ${MAX_COLLECTION_DEPTH}`, () => {
    const deep: number[][] = [];
    for (let i = 0; i <= MAX_COLLECTION_DEPTH; i++) deep.push(usage(PD.UPS), collection(0));
    expect(code(() => parseReportDescriptor(desc(usagePage(0x84), ...deep)))).toBe('ERR_HID_COLLECTION_DEPTH');
  });

  it(`more than ${MAX_LOCAL_USAGES} usages before one main item`, () => {
    const many = new Array<number[]>(MAX_LOCAL_USAGES + 1).fill(usage(PD.Voltage));
    expect(code(() => parseReportDescriptor(desc(...head, ...many, feature(), endCollection())))).toBe('ERR_HID_TOO_MANY_USAGES');
  });

  it(`fields over ${MAX_FIELD_BITS} bits, reports over ${MAX_REPORT_BYTES} bytes, more than ${MAX_FIELDS} fields`, () => {
    expect(code(() => parseReportDescriptor(desc(...head, reportSize(MAX_FIELD_BITS + 1), ...tail)))).toBe('ERR_HID_FIELD_SIZE');
    expect(code(() => parseReportDescriptor(desc(...head, reportSize(64), reportCount(MAX_REPORT_BYTES / 8 + 1), ...tail)))).toBe('ERR_HID_REPORT_TOO_BIG');
    const items: number[][] = [];
    for (let i = 0; i < 9; i++) items.push(reportId(i + 1), reportCount(1000), reportSize(1), usage(PD.Voltage), feature());
    expect(code(() => parseReportDescriptor(desc(...head, ...items, endCollection())))).toBe('ERR_HID_TOO_MANY_FIELDS');
  });

  it('report ID 0 and IDs over 255', () => {
    expect(code(() => parseReportDescriptor(desc(reportId(0))))).toBe('ERR_HID_REPORT_ID');
    expect(code(() => parseReportDescriptor(desc(reportId(256))))).toBe('ERR_HID_REPORT_ID');
  });

  it(`descriptors over ${MAX_DESCRIPTOR_BYTES} bytes`, () => {
    expect(code(() => parseReportDescriptor(new Uint8Array(MAX_DESCRIPTOR_BYTES + 1)))).toBe('ERR_HID_TOO_LONG');
  });

  it('physical extents are kept with their presence flags', () => {
    const d = parseReportDescriptor(desc(...head, physicalMin(0), physicalMax(100), ...tail));
    expect([d.fields[0]?.havePhysicalMin, d.fields[0]?.havePhysicalMax]).toEqual([true, true]);
  });
});
