// Fuzz target "hid": what a USB device (a broken firmware, a malicious gadget) can hand
// usbhid-ups. Seeds: the report descriptors of the recorded APC units (test/fixtures/hid) and the
// synthetic CyberPower/Eaton ones, mutated, plus arbitrary bytes.
// Invariants: the descriptor parser returns a descriptor within its limits or throws a HidError,
// nothing else; it keeps no state (a valid descriptor after garbage parses as it did before);
// every field read from any report bytes is within its logical range and finite once physical;
// a value written into a field reads back; and the whole driver, fed mutated reports and
// interrupt reports, only publishes valid names, values of ≤ 255 characters and NUT's status
// tokens, and raises nothing but a DriverError at start-up.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { ensure, fuzz, fuzzAsync } from './harness.js';
import { mutated } from './mutate.js';
import {
  parseReportDescriptor, getLogical, setLogical, toPhysical, newReport, HidError,
  MAX_FIELDS, MAX_PATH_NODES, MAX_REPORT_BYTES, MAX_FIELD_BITS, type ReportDescriptor,
} from '../../src/protocol/hid/index.js';
import { FixtureUps, hexBytes, toHex, type HidFixture } from '../../src/driver/usbhid/index.js';
import { DriverError } from '../../src/core/errors.js';
import { isValidName } from '../../src/protocol/sock/index.js';
import { loadFixture, rig } from '../driver/usbhid/fixtures.js';
import { cpsFixture, mgeFixture } from '../driver/usbhid/synthetic.js';

const FIXTURES: HidFixture[] = [loadFixture('apc-back-ups-500'), loadFixture('apc-bk650m2-ch'), cpsFixture(), mgeFixture()];
const SEEDS = FIXTURES.map((f, i) => ({ name: `descriptor${i}`, data: hexBytes(f.descriptor) }));
const descriptorBytes = fc.oneof(mutated(SEEDS, 8), fc.uint8Array({ maxLength: 600 }));
const TOKENS = new Set(['ALARM', 'OL', 'OB', 'LB', 'RB', 'CHRG', 'DISCHRG', 'BYPASS', 'CAL', 'OFF', 'OVER', 'TRIM', 'BOOST']);

/** The descriptor, or the HidError it was refused with; any other exception fails the property. */
function parse(bytes: Uint8Array): ReportDescriptor | HidError {
  try {
    return parseReportDescriptor(bytes);
  } catch (err) {
    if (err instanceof HidError) return err;
    throw err;
  }
}

function checkLimits(d: ReportDescriptor): void {
  ensure(d.fields.length > 0 && d.fields.length <= MAX_FIELDS, () => `${d.fields.length} fields`);
  for (const f of d.fields) {
    ensure(f.path.length >= 1 && f.path.length <= MAX_PATH_NODES, () => `path of ${f.path.length}`);
    ensure(f.size <= MAX_FIELD_BITS && f.offset + f.size <= MAX_REPORT_BYTES * 8, () => `field ${f.offset}/${f.size}`);
    ensure(f.reportId >= 0 && f.reportId <= 255, () => `report ID ${f.reportId}`);
    ensure(Math.ceil((f.offset + f.size) / 8) <= (d.reportLengths.get(f.reportId) ?? -1), () => `report ${f.reportId} shorter than its field`);
  }
  for (const len of d.reportLengths.values()) ensure(len <= MAX_REPORT_BYTES, () => `report of ${len} bytes`);
}

describe('fuzz hid', () => {
  fuzz('hid', 'descriptor parser: a descriptor within the limits, or a HidError', descriptorBytes, (bytes) => {
    const d = parse(bytes);
    if (d instanceof HidError) {
      ensure(d.code.startsWith('ERR_HID_'), () => d.code);
      return;
    }
    checkLimits(d);
  }, { examples: SEEDS.map((s) => s.data) });

  const valid = SEEDS[1]?.data as Uint8Array;
  const reference = JSON.stringify(parseReportDescriptor(valid), (_k, v: unknown) => (v instanceof Map ? [...v] : v));
  fuzz('hid', 'descriptor parser keeps no state: a valid descriptor after garbage parses the same', descriptorBytes, (bytes) => {
    parse(bytes);
    const again = JSON.stringify(parseReportDescriptor(valid), (_k, v: unknown) => (v instanceof Map ? [...v] : v));
    ensure(again === reference, () => 'the valid descriptor parsed differently after garbage');
  });

  const parsed = SEEDS.map((s) => parseReportDescriptor(s.data));
  fuzz('hid', 'any report bytes: every field within LogMin..LogMax, physical finite; writes read back', fc.tuple(fc.nat(), fc.uint8Array({ maxLength: 80 }), fc.integer()), ([which, body, value]) => {
    const d = parsed[which % parsed.length] as ReportDescriptor;
    for (const f of d.fields) {
      const report = Uint8Array.from([f.reportId, ...body]);
      const v = getLogical(report, f);
      // a LogMin set after a lower LogMax (no firmware should) clamps to LogMin, as in NUT
      if (f.logicalMin > f.logicalMax) ensure(v === f.logicalMin, () => `${v} for an empty range from ${f.logicalMin}`);
      else ensure(v >= f.logicalMin && v <= f.logicalMax, () => `${v} outside ${f.logicalMin}..${f.logicalMax}`);
      ensure(Number.isFinite(toPhysical(f, v)), () => `physical of ${v} not finite`);
      // a value the field can hold reads back as written (NUT's decoding of a range that does not
      // fit the field's bits, like -1..65535 in 16 bits, cannot give all of it back)
      const signed = f.logicalMin < 0;
      const lo = f.logicalMin;
      const hi = Math.min(f.logicalMax, signed ? 2 ** (f.size - 1) - 1 : 2 ** f.size - 1);
      if (f.size === 0 || lo > hi || (signed && (f.logicalMax >= 2 ** (f.size - 1) || -(lo + 1) >= 2 ** (f.size - 1)))) continue;
      const buf = newReport(f.reportId, d.reportLengths.get(f.reportId) ?? 0);
      const want = lo + (Math.abs(value) % (hi - lo + 1));
      setLogical(buf, f, want);
      ensure(getLogical(buf, f) === want, () => `wrote ${want}, read ${getLogical(buf, f)} (${f.offset}/${f.size})`);
    }
  });

  const reportEdits = fc.array(fc.tuple(fc.nat({ max: 255 }), fc.uint8Array({ maxLength: 40 })), { maxLength: 12 });
  fuzzAsync('hid', 'the driver on mutated reports and interrupts: valid names, short values, NUT status tokens', fc.tuple(fc.nat(), reportEdits, reportEdits), async ([which, edits, interrupts]) => {
    const fx = FIXTURES[which % FIXTURES.length] as HidFixture;
    const ups = new FixtureUps(fx);
    for (const [id, body] of edits) ups.setReport(toHex(Uint8Array.from([id, ...body])));
    const r = rig(ups);
    try {
      await r.engine.open();
    } catch (err) {
      if (err instanceof DriverError) return;
      throw err;
    }
    for (const [id, body] of interrupts) ups.interrupts.push(Uint8Array.from([id, ...body]));
    for (let i = 0; i < 3; i++) {
      r.clock.now += 40;
      await r.engine.update();
      for (const [id, body] of edits.slice(0, 3)) ups.setReport(toHex(Uint8Array.from([id, ...body.reverse()])));
    }
    await r.engine.instcmd('load.off.delay', '5');
    await r.engine.setvar('battery.charge.low', '17');
    for (const v of r.state.tree.vars()) {
      ensure(isValidName(v.name), () => `published name ${JSON.stringify(v.name)}`);
      ensure(v.value.length <= 255, () => `${v.name} is ${v.value.length} characters`);
    }
    const status = r.vars()['ups.status'] ?? '';
    for (const t of status.split(' ').filter(Boolean)) ensure(TOKENS.has(t), () => `status token ${t}`);
  });
});

describe('hid memory bounds', () => {
  it('a descriptor that asks for billions of fields is refused before any is made', () => {
    // Report Count 0xffffffff (4-byte item), Report Size 0
    const d = Uint8Array.from([0x05, 0x84, 0x09, 0x04, 0xa1, 0x01, 0x85, 0x01, 0x75, 0x00, 0x97, 0xff, 0xff, 0xff, 0xff, 0x09, 0x30, 0xb1, 0x02, 0xc0]);
    const before = process.memoryUsage().heapUsed;
    const t = performance.now();
    expect(() => parseReportDescriptor(d)).toThrow(HidError);
    expect(performance.now() - t).toBeLessThan(100);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(8 * 1024 * 1024);
  });

  it('the largest accepted descriptor parses in bounded time and memory', () => {
    // 64 KiB of one-field Feature items: as many fields as the limit allows, then the error
    const item = [0x09, 0x30, 0xb1, 0x02];
    const head = [0x05, 0x84, 0x09, 0x04, 0xa1, 0x01, 0x85, 0x01, 0x75, 0x01, 0x95, 0x01];
    const body: number[] = [...head];
    while (body.length + item.length <= 65_535) body.push(...item);
    const t = performance.now();
    let fields = 0;
    try { fields = parseReportDescriptor(Uint8Array.from(body)).fields.length; } catch (err) { expect(err).toBeInstanceOf(HidError); }
    expect(fields).toBeLessThanOrEqual(MAX_FIELDS);
    expect(performance.now() - t).toBeLessThan(2000);
  });
});
