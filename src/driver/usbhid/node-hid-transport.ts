// Real USB HID devices through node-hid (hidapi, hidraw backend on Linux).
//
// UNTESTED ON REAL HARDWARE: the machines hardnut is developed and tested on have no USB bus
// and no /dev/uhid, so this file has only been loaded and enumerated (zero devices), never used
// against a UPS. Everything above it (descriptor, reports, subdrivers, commands, reconnect) is
// tested through the fixture transport, which implements the same interface.
//
// hidapi offers neither the report descriptor nor arbitrary USB string descriptors, so both come
// from sysfs: /sys/class/hidraw/<node>/device/report_descriptor, and for strings the USB device's
// `descriptors` file (its iManufacturer/iProduct/iSerialNumber indexes) mapped onto the
// manufacturer/product/serial files. Other string indexes (iDeviceChemistry…) are not reachable
// without a control transfer, so such variables are left out on real hardware.
import { createRequire } from 'node:module';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DriverError } from '../../core/errors.js';
import { HidTransportError, HidUnpluggedError, type HidBus, type HidCandidate, type HidDeviceInfo, type HidTransport } from './transport.js';

/** Input reports kept while nobody reads them; older ones are dropped first. */
export const MAX_QUEUED_REPORTS = 64;
/** Where hidraw nodes are described. */
const SYSFS_HIDRAW = '/sys/class/hidraw';

interface NodeHidDevice {
  vendorId: number;
  productId: number;
  path?: string;
  serialNumber?: string;
  manufacturer?: string;
  product?: string;
}

interface NodeHidAsync {
  on(event: 'data', fn: (data: Buffer) => void): void;
  on(event: 'error', fn: (err: Error) => void): void;
  close(): Promise<void>;
  getFeatureReport(id: number, length: number): Promise<Buffer>;
  sendFeatureReport(data: Buffer): Promise<number>;
}

interface NodeHidModule {
  devicesAsync(): Promise<NodeHidDevice[]>;
  getHidapiVersion(): string;
  HIDAsync: { open(path: string): Promise<NodeHidAsync> };
}

let loaded: NodeHidModule | undefined;

/**
 * Loads node-hid and its native binding (hidapi, libudev) now: after a chroot neither could be
 * found. node-hid loads the binding lazily; asking for the hidapi version makes it load.
 */
export function preloadNodeHid(): NodeHidModule {
  // CommonJS with a native addon: kept outside the bundle (scripts/build.mjs), required at run time
  if (!loaded) {
    const mod = createRequire(import.meta.url)('node-hid') as NodeHidModule;
    mod.getHidapiVersion();
    loaded = mod;
  }
  return loaded;
}

/** The USB device directory of a hidraw node (…/usbN/N-M), or undefined. */
function usbDeviceDir(node: string): string | undefined {
  try {
    // hidraw → HID device (0003:VVVV:PPPP.NNNN) → USB interface (N-M:1.0) → USB device (N-M)
    const hidDev = realpathSync(join(SYSFS_HIDRAW, node, 'device'));
    const usb = dirname(dirname(hidDev));
    return existsSync(join(usb, 'busnum')) ? usb : undefined;
  } catch {
    return undefined;
  }
}

const readText = (path: string): string | undefined => {
  try { return readFileSync(path, 'latin1').replace(/\n$/, ''); } catch { return undefined; }
};

class NodeHidTransport implements HidTransport {
  private readonly queue: Uint8Array[] = [];
  private waiter: (() => void) | undefined;
  private gone = false;

  constructor(readonly info: HidDeviceInfo, private readonly path: string, private readonly hid: NodeHidAsync) {
    hid.on('data', (data) => {
      if (this.queue.length >= MAX_QUEUED_REPORTS) this.queue.shift();
      this.queue.push(Uint8Array.from(data));
      this.waiter?.();
    });
    hid.on('error', () => { this.gone = true; this.waiter?.(); });
  }

  private node(): string {
    return basename(this.path);
  }

  /** A failed call on a node that no longer exists is an unplug; otherwise a failed exchange. */
  private failure(what: string, err: unknown): HidTransportError {
    if (this.gone || !existsSync(this.path)) return new HidUnpluggedError(`${this.path}: ${what}: device disconnected`);
    return new HidTransportError(`${this.path}: ${what}: ${(err as Error).message}`);
  }

  async reportDescriptor(): Promise<Uint8Array> {
    try {
      return Uint8Array.from(readFileSync(join(SYSFS_HIDRAW, this.node(), 'device', 'report_descriptor')));
    } catch (err) {
      throw this.failure('report descriptor', err);
    }
  }

  async getFeatureReport(reportId: number, length: number): Promise<Uint8Array> {
    if (this.gone) throw this.failure('get report', undefined);
    try {
      return Uint8Array.from(await this.hid.getFeatureReport(reportId, length));
    } catch (err) {
      throw this.failure(`get report 0x${reportId.toString(16)}`, err);
    }
  }

  async sendFeatureReport(bytes: Uint8Array): Promise<number> {
    if (this.gone) throw this.failure('set report', undefined);
    try {
      return await this.hid.sendFeatureReport(Buffer.from(bytes));
    } catch (err) {
      throw this.failure(`set report 0x${(bytes[0] ?? 0).toString(16)}`, err);
    }
  }

  async readInterrupt(timeoutMs: number): Promise<Uint8Array | null> {
    if (this.queue.length === 0 && !this.gone && timeoutMs > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => { this.waiter = undefined; resolve(); }, timeoutMs);
        this.waiter = () => { clearTimeout(t); this.waiter = undefined; resolve(); };
      });
    }
    const next = this.queue.shift();
    if (next) return next;
    if (this.gone) throw new HidUnpluggedError(`${this.path}: interrupt read: device disconnected`);
    return null;
  }

  async indexedString(index: number): Promise<string | undefined> {
    const usb = usbDeviceDir(this.node());
    if (!usb) return undefined;
    let desc: Buffer;
    try { desc = readFileSync(join(usb, 'descriptors')); } catch { return undefined; }
    // USB device descriptor: iManufacturer at byte 14, iProduct 15, iSerialNumber 16
    if (index !== 0 && desc[14] === index) return readText(join(usb, 'manufacturer'));
    if (index !== 0 && desc[15] === index) return readText(join(usb, 'product'));
    if (index !== 0 && desc[16] === index) return readText(join(usb, 'serial'));
    return undefined;
  }

  async close(): Promise<void> {
    this.gone = true;
    try { await this.hid.close(); } catch { /* already gone */ }
  }
}

/** The USB bus as node-hid sees it. */
export class NodeHidBus implements HidBus {
  async enumerate(): Promise<HidCandidate[]> {
    let hid: NodeHidModule;
    try {
      hid = preloadNodeHid();
    } catch (err) {
      throw new DriverError(`node-hid cannot be loaded (is libusb-1.0 / libudev installed?): ${(err as Error).message}`, 'ERR_HID_BACKEND');
    }
    const seen = new Set<string>();
    const out: HidCandidate[] = [];
    for (const d of await hid.devicesAsync()) {
      const path = d.path;
      if (path === undefined || seen.has(path)) continue;
      seen.add(path);
      const usb = usbDeviceDir(basename(path));
      const num = (f: string): string | undefined => {
        const t = usb ? readText(join(usb, f)) : undefined;
        return t === undefined ? undefined : t.trim().padStart(3, '0');
      };
      const info: HidDeviceInfo = {
        vendorId: d.vendorId, productId: d.productId,
        ...(d.manufacturer ? { vendor: d.manufacturer } : {}), ...(d.product ? { product: d.product } : {}),
        ...(d.serialNumber ? { serial: d.serialNumber } : {}),
      };
      const bus = num('busnum');
      const dev = num('devnum');
      if (bus !== undefined) info.bus = bus;
      if (dev !== undefined) info.device = dev;
      out.push({ info, open: async () => new NodeHidTransport(info, path, await hid.HIDAsync.open(path)) });
    }
    return out;
  }
}
