// NUT's libhid.c on top of a HidTransport: the parsed descriptor, one buffer per report ID
// (a report read for one field serves the other fields in it while it is fresh), physical values
// read and written by field, interrupt reports filed into the buffers, USB strings by index.
import {
  parseReportDescriptor, findField, getLogical, setLogical, toPhysical, toLogical, newReport, stringToPath,
  ATTR_CONSTANT, type HidField, type ReportDescriptor, type UsageTable,
} from '../../protocol/hid/index.js';
import { HidTransportError, HidUnpluggedError, type HidTransport } from './transport.js';

/** NUT's MAX_TS: a report this many seconds old is read again. */
export const MAX_REPORT_AGE_S = 3;
/**
 * Bytes asked for with the `maxreport` tweak (APC Back-UPS firmwares that misreport a report's
 * size). NUT 2.8.0 asks for sizeof(a pointer), 8 bytes, and stores them in a buffer that may be
 * shorter; hardnut asks for one full-speed control packet and keeps what fits.
 */
export const MAX_REPORT_REQUEST = 64;
/** Longest USB string kept (NUT's buffers are 128 bytes). */
const MAX_STRING = 127;

export interface ReadResult {
  ok: boolean;
  value: number;
}

interface Buffered { data: Uint8Array; ts: number }

export interface HidDeviceOptions {
  /** Whole-buffer reads for APC Back-UPS firmwares that answer with the wrong size (maxreport). */
  maxReportSize?: boolean;
  /** Input reports are the only source (interruptonly): never GET_REPORT. */
  interruptOnly?: boolean;
  /** Seconds, for report ages; tests substitute a clock. */
  nowS?: () => number;
}

export class HidDevice {
  private readonly buffers = new Map<number, Buffered>();
  private readonly nowS: () => number;

  constructor(readonly transport: HidTransport, readonly desc: ReportDescriptor, private readonly opts: HidDeviceOptions = {}) {
    this.nowS = opts.nowS ?? (() => Math.floor(Date.now() / 1000));
    for (const [id, len] of desc.reportLengths) this.buffers.set(id, { data: newReport(id, len), ts: 0 });
  }

  static async open(transport: HidTransport, opts: HidDeviceOptions = {}): Promise<HidDevice> {
    const desc = parseReportDescriptor(await transport.reportDescriptor());
    return new HidDevice(transport, desc, opts);
  }

  /** NUT's HIDGetItemData: the Feature field (Input with interruptonly) at a textual path. */
  field(path: string, tables: readonly UsageTable[]): HidField | undefined {
    const nodes = stringToPath(path, tables);
    if (nodes.length === 0) return undefined;
    return findField(this.desc, nodes, this.opts.interruptOnly ? 'Input' : 'Feature');
  }

  private buffer(id: number): Buffered {
    let b = this.buffers.get(id);
    if (!b) { b = { data: newReport(id, 0), ts: 0 }; this.buffers.set(id, b); }
    return b;
  }

  /** refresh_report_buffer: read the report again unless it is younger than `ageS`. */
  private async refresh(id: number, ageS: number): Promise<void> {
    const b = this.buffer(id);
    if (this.opts.interruptOnly || b.ts + ageS > this.nowS()) return;
    const want = this.opts.maxReportSize ? Math.max(MAX_REPORT_REQUEST, b.data.length) : b.data.length;
    const got = await this.transport.getFeatureReport(id, want);
    if (got.length === 0) throw new HidTransportError(`report 0x${id.toString(16)}: empty answer`);
    // a short answer keeps the old tail, a long one is cut to the buffer (NUT's fixed buffers)
    b.data.set(got.subarray(0, b.data.length));
    b.ts = this.nowS();
  }

  /**
   * HIDGetDataValue: the physical value of a field. ok=false for a failed exchange (skipped
   * this time); HidUnpluggedError propagates.
   */
  async value(field: HidField, ageS: number = MAX_REPORT_AGE_S): Promise<ReadResult> {
    try {
      await this.refresh(field.reportId, ageS);
    } catch (err) {
      if (err instanceof HidUnpluggedError) throw err;
      if (err instanceof HidTransportError) return { ok: false, value: 0 };
      throw err;
    }
    const logical = getLogical(this.buffer(field.reportId).data, field);
    return { ok: true, value: toPhysical(field, logical) };
  }

  /** HIDSetDataValue: false when the field is constant or the write failed. */
  async setValue(field: HidField, physical: number): Promise<boolean> {
    if (field.attribute === ATTR_CONSTANT) return false;
    const b = this.buffer(field.reportId);
    setLogical(b.data, field, toLogical(field, physical));
    try {
      const n = await this.transport.sendFeatureReport(b.data);
      if (n <= 0) return false;
    } catch (err) {
      if (err instanceof HidUnpluggedError) throw err;
      if (err instanceof HidTransportError) return false;
      throw err;
    }
    // the device may have changed anything: every buffered report is stale now
    for (const x of this.buffers.values()) x.ts = 0;
    return true;
  }

  /** The bytes the next SET_REPORT of this field's report would start from (tests). */
  reportBytes(reportId: number): Uint8Array {
    return Uint8Array.from(this.buffer(reportId).data);
  }

  /**
   * HIDGetEvents: files any waiting Input report and returns the Input fields it carries
   * (at most `max`). [] when nothing arrived.
   */
  async events(timeoutMs: number, max: number): Promise<HidField[]> {
    const report = await this.transport.readInterrupt(timeoutMs);
    if (!report || report.length === 0) return [];
    const id = report[0] as number;
    // a report ID the descriptor does not have gets an empty buffer (NUT copies it to NULL)
    const b = this.buffer(id);
    b.data.set(report.subarray(0, b.data.length));
    b.ts = this.nowS();
    const out: HidField[] = [];
    for (const f of this.desc.fields) {
      if (f.reportId !== id || f.type !== 'Input') continue;
      if (out.length >= max) break;
      out.push(f);
    }
    return out;
  }

  /** HIDGetIndexString: "" when the device has no such string. */
  async indexString(index: number): Promise<string> {
    if (!Number.isInteger(index) || index < 0 || index > 255) return '';
    try {
      const s = await this.transport.indexedString(index);
      return (s ?? '').replace(/\n+$/, '').slice(0, MAX_STRING);
    } catch (err) {
      if (err instanceof HidUnpluggedError) throw err;
      return '';
    }
  }

  async close(): Promise<void> {
    await this.transport.close();
  }
}
