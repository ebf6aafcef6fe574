// usbhid-ups (§10.3): NUT 2.8.0's USB HID Power Device driver, with NUT's options. The device
// is found and opened in openDevice, as root; its report descriptor is parsed in initUps, after
// the privilege drop, before the driver-usb seccomp role; after an unplug it is looked for again at every pollinterval (the nut user
// needs access to /dev/hidraw*: policy/udev). The work is in src/driver/usbhid.
//
// HARDNUT_USBHID_FIXTURE=<file> replaces the USB bus with a recorded UPS (test/fixtures/hid):
// a test-only switch, documented in test/fixtures/hid/README.md.
//
// Deliberate differences from NUT 2.8.0 (besides those of src/driver/usbhid and src/protocol/hid):
// - the device is reached through hidraw (node-hid), not libusb: usb_set_altinterface and
//   interruptsize are accepted and have no effect (hidraw hands over whole reports), and USB
//   string descriptors other than the manufacturer, product and serial ones (iDeviceChemistry…)
//   are not available on real hardware, so variables made from them are left out there.
import { UsageError } from '../../core/errors.js';
import { cStrtol } from '../../protocol/q1/cformat.js';
import { SUBDRIVERS, UsbHidUps, regexMatcher, FileFixtureBus, DEFAULT_POLLFREQ, MATCH_OPTIONS, type HidBus, type MatchOption } from '../usbhid/index.js';
import { NodeHidBus, preloadNodeHid } from '../usbhid/node-hid-transport.js';
import { DEFAULT_POLLINTERVAL } from '../runtime.js';
import type { DriverContext, DriverDefinition, DriverInstance } from '../driver.js';

/** The environment variable that selects a fixture instead of the USB bus (tests only). */
export const FIXTURE_ENV = 'HARDNUT_USBHID_FIXTURE';

export interface UsbHidDriverOptions {
  /** Overrides the bus (in-process tests). */
  bus?: HidBus;
  env?: Readonly<Record<string, string | undefined>>;
  nowS?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export class UsbHidDriver implements DriverInstance {
  private engine: UsbHidUps | undefined;

  constructor(private readonly ctx: DriverContext, private readonly opts: UsbHidDriverOptions = {}) {}

  private value(name: string): string | undefined {
    const v = this.ctx.vars.get(name);
    return v === null ? undefined : v;
  }

  private flag(name: string): boolean {
    return this.ctx.vars.has(name);
  }

  private get ups(): UsbHidUps {
    if (!this.engine) throw new UsageError('usbhid-ups: no device');
    return this.engine;
  }

  /** As root: options checked, the backend loaded, the matching devices opened (not read). */
  async openDevice(): Promise<void> {
    const { ctx } = this;
    if (this.flag('explore') && this.value('vendorid') === undefined) throw new UsageError('must specify "vendorid" when using "explore"');
    const size = this.value('interruptsize');
    if (size !== undefined && !(cStrtol(size) > 0)) throw new UsageError(`Error: invalid interruptsize: ${cStrtol(size)}`);
    const pollfreq = this.value('pollfreq');
    const match: Partial<Record<MatchOption, string>> = {};
    for (const o of MATCH_OPTIONS) { const v = this.value(o); if (v !== undefined) match[o] = v; }
    const fixture = (this.opts.env ?? process.env)[FIXTURE_ENV];
    let bus = this.opts.bus;
    if (!bus && fixture !== undefined && fixture !== '') bus = new FileFixtureBus(fixture);
    if (!bus) {
      // everything a jailed process needs is loaded before the privilege drop (DESIGN.md)
      preloadNodeHid();
      bus = new NodeHidBus();
    } else {
      try { preloadNodeHid(); } catch { /* the fixture needs no USB backend */ }
    }
    if (ctx.port !== 'auto') ctx.log.debug(1, `port = ${ctx.port} is ignored: USB devices are found by the matching options`);
    this.engine = new UsbHidUps(ctx.state, ctx.log, bus, SUBDRIVERS, regexMatcher(match), {
      pollFreqS: pollfreq !== undefined ? cStrtol(pollfreq) : DEFAULT_POLLFREQ,
      pollIntervalS: DEFAULT_POLLINTERVAL,
      useInterrupt: !this.flag('pollonly'),
      onlineDischarge: this.flag('onlinedischarge'),
      interruptOnly: this.flag('interruptonly'),
      maxReport: this.flag('maxreport'),
      productIdGiven: this.value('productid') !== undefined,
      explore: this.flag('explore'),
      ...(this.value('lowbatt') !== undefined ? { lowbatt: this.value('lowbatt') as string } : {}),
      ...(this.value('ondelay') !== undefined ? { ondelay: this.value('ondelay') as string } : {}),
      ...(this.value('offdelay') !== undefined ? { offdelay: this.value('offdelay') as string } : {}),
      ...(this.opts.nowS ? { nowS: this.opts.nowS } : {}),
      ...(this.opts.sleep ? { sleep: this.opts.sleep } : {}),
    });
    await this.engine.openDevices();
  }

  /** upsdrv_initups after the drop: report descriptors parsed, the subdriver picked, the first walk. */
  async initUps(): Promise<void> {
    await this.ups.open();
  }

  initInfo(): void {
    this.ups.initInfo();
  }

  async updateInfo(): Promise<void> {
    // the runtime publishes the poll interval once it serves; NUT's walks use it as report age
    const pi = this.ctx.state.getInfo('driver.parameter.pollinterval');
    const n = pi !== undefined ? Number.parseInt(pi, 10) : Number.NaN;
    await this.ups.update(n > 0 ? n : undefined);
  }

  instcmd(cmd: string, param: string | undefined): Promise<number> {
    return this.ups.instcmd(cmd, param);
  }

  setvar(name: string, value: string): Promise<number> {
    return this.ups.setvar(name, value);
  }

  shutdown(): Promise<void> {
    return this.ups.shutdown();
  }

  async cleanup(): Promise<void> {
    await this.engine?.close();
  }
}

export const usbhidUps: DriverDefinition = {
  name: 'usbhid-ups',
  version: '0.47',
  description: 'Generic HID driver',
  seccompRole: 'driver-usb',
  vars: [
    { name: 'lowbatt', kind: 'value', description: 'Set low battery level, in % (default=30)' },
    { name: 'offdelay', kind: 'value', description: 'Set shutdown delay, in seconds (default=20)' },
    { name: 'ondelay', kind: 'value', description: 'Set startup delay, in seconds (default=30)' },
    { name: 'pollfreq', kind: 'value', description: `Set polling frequency, in seconds, to reduce data flow (default=${DEFAULT_POLLFREQ})` },
    { name: 'pollonly', kind: 'flag', description: "Don't use interrupt pipe, only use polling" },
    { name: 'onlinedischarge', kind: 'flag', description: 'Set to treat discharging while online as being offline' },
    { name: 'vendor', kind: 'value', description: 'Regular expression to match UPS Manufacturer string' },
    { name: 'product', kind: 'value', description: 'Regular expression to match UPS Product string' },
    { name: 'serial', kind: 'value', description: 'Regular expression to match UPS Serial number' },
    { name: 'vendorid', kind: 'value', description: 'Regular expression to match UPS Manufacturer numerical ID (4 digits hexadecimal)' },
    { name: 'productid', kind: 'value', description: 'Regular expression to match UPS Product numerical ID (4 digits hexadecimal)' },
    { name: 'bus', kind: 'value', description: 'Regular expression to match USB bus name' },
    { name: 'device', kind: 'value', description: 'Regular expression to match USB device name' },
    { name: 'usb_set_altinterface', kind: 'value', description: 'Force redundant call to usb_set_altinterface() (accepted, not needed with hidraw)' },
    { name: 'explore', kind: 'flag', description: 'Diagnostic matching of unsupported UPS' },
    { name: 'maxreport', kind: 'flag', description: 'Activate tweak for buggy APC Back-UPS firmware' },
    { name: 'interruptonly', kind: 'flag', description: "Don't use polling, only use interrupt pipe" },
    { name: 'interruptsize', kind: 'value', description: 'Number of bytes to read from interrupt pipe' },
  ],
  create: (ctx) => new UsbHidDriver(ctx),
};

/** For tests: a driver instance on a given bus with a given clock. */
export function createUsbHidDriver(ctx: DriverContext, opts: UsbHidDriverOptions): UsbHidDriver {
  return new UsbHidDriver(ctx, opts);
}
