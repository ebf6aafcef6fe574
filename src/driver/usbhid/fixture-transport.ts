// A UPS replayed from a recorded dump (test/fixtures/hid/*.json): its report descriptor, the
// feature reports NUT read from it, its USB strings. Used by the tests in-process (FixtureUps,
// MemoryBus) and by a real driver process when HARDNUT_USBHID_FIXTURE names a fixture file
// (FileFixtureBus) — a test-only switch, documented in test/fixtures/hid/README.md:
//   - the file is re-read when it changes, so a test rewrites it to change what the UPS says;
//   - a missing file is an unplugged UPS (every call fails with HidUnpluggedError, enumeration
//     finds nothing); writing it back is plugging it in again;
//   - every SET_REPORT is appended as a hex line to "<file>.writes".
import { appendFileSync, readFileSync, statSync } from 'node:fs';
import { HidTransportError, HidUnpluggedError, type HidBus, type HidCandidate, type HidDeviceInfo, type HidTransport } from './transport.js';

/** A fixture file's contents (see test/fixtures/hid/README.md). */
export interface HidFixture {
  /** Where the data was published. */
  source: string;
  ddl?: string;
  model?: string;
  notes?: string[];
  device: { vendorId: string; productId: string; vendor?: string; product?: string; serial?: string; bus?: string };
  /** Hex bytes. */
  descriptor: string;
  /** Report ID (hex) → the feature report as NUT read it, hex, ID byte first. */
  reports: Record<string, string>;
  /** Input reports received on the interrupt pipe, in order, hex. */
  interrupts?: string[];
  strings?: Record<string, string>;
  /** What NUT printed for this unit. */
  nut?: { dump?: string[]; upsc?: Record<string, string> };
  /** Values for the dump's moment where nut.upsc was taken at another one (see notes). */
  expect?: Record<string, string>;
}

/** Largest fixture file read. */
const MAX_FIXTURE_BYTES = 1 << 20;

export function hexBytes(text: string): Uint8Array {
  const clean = text.replace(/0x/gi, ' ').replace(/[^0-9a-fA-F]+/g, ' ').trim();
  return Uint8Array.from(clean === '' ? [] : clean.split(' ').map((h) => Number.parseInt(h, 16)));
}

export const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');

export function fixtureInfo(fx: HidFixture): HidDeviceInfo {
  const d = fx.device;
  return {
    vendorId: Number.parseInt(d.vendorId, 16), productId: Number.parseInt(d.productId, 16),
    ...(d.vendor !== undefined ? { vendor: d.vendor } : {}), ...(d.product !== undefined ? { product: d.product } : {}),
    ...(d.serial !== undefined ? { serial: d.serial } : {}), bus: d.bus ?? '001', device: '002',
  };
}

/** A recorded UPS in memory: tests change its reports, unplug it, push interrupt reports. */
export class FixtureUps implements HidTransport {
  readonly info: HidDeviceInfo;
  readonly reports = new Map<number, Uint8Array>();
  readonly writes: Uint8Array[] = [];
  readonly interrupts: Uint8Array[] = [];
  readonly reads: number[] = [];
  unplugged = false;
  private readonly descriptor: Uint8Array;
  private readonly strings: Map<number, string>;

  constructor(readonly fixture: HidFixture) {
    this.info = fixtureInfo(fixture);
    this.descriptor = hexBytes(fixture.descriptor);
    for (const [id, hex] of Object.entries(fixture.reports)) this.reports.set(Number.parseInt(id, 16), hexBytes(hex));
    this.strings = new Map(Object.entries(fixture.strings ?? {}).map(([k, s]) => [Number(k), s]));
  }

  private check(): void {
    if (this.unplugged) throw new HidUnpluggedError('fixture: device unplugged');
  }

  async reportDescriptor(): Promise<Uint8Array> {
    this.check();
    return this.descriptor;
  }

  async getFeatureReport(reportId: number, length: number): Promise<Uint8Array> {
    this.check();
    this.reads.push(reportId);
    const r = this.reports.get(reportId);
    if (!r) throw new HidTransportError(`fixture: no report 0x${reportId.toString(16)}`);
    return r.slice(0, length);
  }

  async sendFeatureReport(bytes: Uint8Array): Promise<number> {
    this.check();
    this.writes.push(Uint8Array.from(bytes));
    return bytes.length;
  }

  async readInterrupt(): Promise<Uint8Array | null> {
    this.check();
    return this.interrupts.shift() ?? null;
  }

  async indexedString(index: number): Promise<string | undefined> {
    this.check();
    return this.strings.get(index);
  }

  /** Changes one report, as the UPS would between two reads. */
  setReport(hex: string): void {
    const b = hexBytes(hex);
    this.reports.set(b[0] as number, b);
  }

  async close(): Promise<void> { /* nothing held */ }
}

/** A bus with the given fixtures plugged in (those not unplugged). */
export class MemoryBus implements HidBus {
  constructor(readonly devices: FixtureUps[]) {}

  async enumerate(): Promise<HidCandidate[]> {
    return this.devices.filter((d) => !d.unplugged).map((d) => ({ info: d.info, open: async () => d }));
  }
}

/** A fixture file standing in for the USB bus of a driver process (HARDNUT_USBHID_FIXTURE). */
export class FileFixtureBus implements HidBus {
  private cached: { mtimeMs: number; size: number; ups: FixtureUps } | undefined;

  constructor(readonly path: string) {}

  /** The current contents, or undefined when the file is gone (unplugged). */
  current(): FixtureUps | undefined {
    let st;
    try { st = statSync(this.path); } catch { this.cached = undefined; return undefined; }
    if (this.cached && this.cached.mtimeMs === st.mtimeMs && this.cached.size === st.size) return this.cached.ups;
    if (st.size > MAX_FIXTURE_BYTES) throw new HidTransportError(`fixture ${this.path} is larger than ${MAX_FIXTURE_BYTES} bytes`);
    let ups: FixtureUps;
    try {
      ups = new FixtureUps(JSON.parse(readFileSync(this.path, 'utf8')) as HidFixture);
    } catch {
      // caught mid-rewrite: the previous contents stand until the next read
      if (this.cached) return this.cached.ups;
      throw new HidTransportError(`fixture ${this.path} is not valid JSON`);
    }
    this.cached = { mtimeMs: st.mtimeMs, size: st.size, ups };
    return ups;
  }

  async enumerate(): Promise<HidCandidate[]> {
    const ups = this.current();
    if (!ups) return [];
    return [{ info: ups.info, open: async () => new FileFixtureTransport(this, ups.info) }];
  }
}

class FileFixtureTransport implements HidTransport {
  constructor(private readonly bus: FileFixtureBus, readonly info: HidDeviceInfo) {}

  private ups(): FixtureUps {
    const u = this.bus.current();
    if (!u) throw new HidUnpluggedError(`fixture ${this.bus.path}: device unplugged`);
    return u;
  }

  reportDescriptor(): Promise<Uint8Array> { return this.ups().reportDescriptor(); }
  getFeatureReport(id: number, length: number): Promise<Uint8Array> { return this.ups().getFeatureReport(id, length); }
  async sendFeatureReport(bytes: Uint8Array): Promise<number> {
    const n = await this.ups().sendFeatureReport(bytes);
    appendFileSync(`${this.bus.path}.writes`, `${toHex(bytes)}\n`);
    return n;
  }
  readInterrupt(): Promise<Uint8Array | null> { return this.ups().readInterrupt(); }
  indexedString(index: number): Promise<string | undefined> { return this.ups().indexedString(index); }
  async close(): Promise<void> { /* nothing held */ }
}
