// usbhid-ups itself (§10.3), NUT 2.8.0's usbhid-ups.c over a HidBus: find and open the UPS
// (matching options, subdriver claim, exact match on reconnect), walk the subdriver table to
// publish variables, status bits, alarms and commands (init, quick and full walks), process
// interrupt reports, run instant commands and SETs as feature report writes, and reconnect
// after an unplug. The driver definition (drivers/usbhid-ups.ts) only wires this to the runtime.
//
// Deliberate differences from NUT 2.8.0:
// - interrupt reports already received are taken without waiting (NUT blocks up to 750 ms in
//   every poll for one to arrive);
// - the OL+DISCHRG warning is logged when the state begins, not at every poll;
// - a descriptor with IDs 254/255 is dumped in full for Eaton units too at -D (NUT skips them).
import { cFormat, cStrtol } from '../../protocol/q1/cformat.js';
import { findField, pathToString, HidError, type HidField, type UsageTable } from '../../protocol/hid/index.js';
import { DriverError } from '../../core/errors.js';
import { STAT_FAILED, STAT_HANDLED, STAT_INVALID, STAT_UNKNOWN } from '../state-server.js';
import { HidDevice } from './libhid.js';
import { HidUnpluggedError, type HidBus, type HidDeviceInfo, type HidTransport } from './transport.js';
import { applyBoolean, composeStatus, statusAlarms } from './status.js';
import { exactMatcher, type DeviceMatcher } from './matcher.js';
import { HU_ABSENT, HU_CMD, HU_ENUM, HU_QUICK_POLL, HU_SEMI_STATIC, HU_STATIC, ST_RW, ST_STRING } from './subdriver.js';
import type { ClaimTweaks, HidInfo, InfoLookup, LookupContext, Subdriver, SubdriverInstance } from './subdriver.js';
import type { DriverState } from '../dstate.js';
import type { Logger } from '../../runtime/log.js';

/** NUT's MAX_EVENT_NUM: interrupt fields handled per report. */
export const MAX_EVENTS = 32;
/** Pause between the two writes of shutdown.return / shutdown.stayoff (NUT: for TrippLite). */
export const COMPOSITE_GAP_MS = 125;
/** NUT's DEFAULT_POLLFREQ, seconds between full walks. */
export const DEFAULT_POLLFREQ = 30;

export interface UsbHidOptions {
  /** Seconds between full walks (pollfreq). */
  pollFreqS: number;
  /** The driver's pollinterval, seconds: report age within a walk, reconnect pace. */
  pollIntervalS: number;
  /** false with `pollonly`. */
  useInterrupt: boolean;
  onlineDischarge: boolean;
  interruptOnly: boolean;
  maxReport: boolean;
  /** `productid` was given: "possibly supported" devices are claimed. */
  productIdGiven: boolean;
  explore: boolean;
  lowbatt?: string;
  ondelay?: string;
  offdelay?: string;
  nowS?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** C's atol. */
const atol = (s: string): number => cStrtol(s);

/** printf("%g"), for NUT's debug lines. */
export function formatG(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const exp = Math.floor(Math.log10(Math.abs(Number(x.toPrecision(6)))));
  if (exp < -4 || exp >= 6) {
    const [m, e] = x.toExponential(5).split('e') as [string, string];
    const mant = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
    const n = Number(e);
    return `${mant}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  const s = x.toPrecision(6);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

export class UsbHidUps {
  private dev: HidDevice | undefined;
  private sub: SubdriverInstance | undefined;
  private info: HidDeviceInfo | undefined;
  private exact: DeviceMatcher | undefined;
  private readonly fields = new Map<HidInfo, HidField>();
  private tweaks: ClaimTweaks = {};
  private status = 0;
  private dataChanged = false;
  private connected = false;
  private lastPoll = 0;
  private olDischrgWarned = false;
  private possiblyLogged = false;
  /** Devices openDevices() opened as root, parsed by the first open() after the drop. */
  private preopened: Array<{ transport: HidTransport; info: HidDeviceInfo }> | undefined;
  private readonly nowS: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly ctx: LookupContext;

  constructor(
    private readonly state: DriverState,
    private readonly log: Logger,
    private readonly bus: HidBus,
    private readonly subdrivers: readonly Subdriver[],
    private readonly matcher: DeviceMatcher,
    private readonly opts: UsbHidOptions,
  ) {
    this.nowS = opts.nowS ?? (() => Math.floor(Date.now() / 1000));
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.ctx = {
      getInfo: (n) => state.getInfo(n),
      delInfo: (n) => { state.delInfo(n); },
      statusBits: () => this.status,
      indexString: (i) => this.dev ? this.dev.indexString(i) : Promise.resolve(''),
      debug: (l, m) => log.debug(l, m),
    };
  }

  /** The subdriver in use (driver.version.data). */
  get subdriverName(): string {
    return this.sub?.name ?? '';
  }

  get device(): HidDevice | undefined {
    return this.dev;
  }

  get isConnected(): boolean {
    return this.connected;
  }

  // ---- finding the device ----

  private claimer(dev: HidDeviceInfo): { sub: Subdriver; tweaks: ClaimTweaks } | undefined {
    for (const s of this.subdrivers) {
      const c = s.claim(dev, { productIdGiven: this.opts.productIdGiven, explore: this.opts.explore });
      if (c.possibly && !c.claimed && !this.possiblyLogged) {
        this.possiblyLogged = true;
        const hex = (n: number): string => n.toString(16).padStart(4, '0');
        this.log.notice(`This ${c.possibly} device (${hex(dev.vendorId)}:${hex(dev.productId)}) is not (or perhaps not yet) supported by usbhid-ups. Try the '-x productid=${hex(dev.productId)}' option.`);
      }
      if (c.claimed) return { sub: s, tweaks: c.tweaks };
    }
    return undefined;
  }

  private matches(dev: HidDeviceInfo): boolean {
    if (!this.claimer(dev)) return false;
    if (!this.matcher(dev)) return false;
    return this.exact ? this.exact(dev) : true;
  }

  /** The matching devices, opened; the enumeration failing counts as none. */
  private async *openEach(): AsyncGenerator<{ transport: HidTransport; info: HidDeviceInfo }> {
    let candidates;
    try {
      candidates = await this.bus.enumerate();
    } catch (err) {
      this.log.debug(1, `USB enumeration failed: ${(err as Error).message}`);
      return;
    }
    for (const c of candidates) {
      this.log.debug(2, `Checking device (${c.info.vendorId.toString(16).padStart(4, '0')}/${c.info.productId.toString(16).padStart(4, '0')}) ${c.info.product ?? ''}`);
      if (!this.matches(c.info)) continue;
      try {
        yield { transport: await c.open(), info: c.info };
      } catch (err) {
        this.log.debug(1, `could not open the device: ${(err as Error).message}`);
      }
    }
  }

  /**
   * Open as root, parse as nut (issue #12): the first open finds and opens every matching device
   * (hidraw nodes are root's until udev says otherwise) and reads nothing from them; open()
   * parses their report descriptors after the drop. Matching reads only the ids and strings
   * the kernel already parsed.
   */
  async openDevices(): Promise<void> {
    const opened: Array<{ transport: HidTransport; info: HidDeviceInfo }> = [];
    for await (const o of this.openEach()) opened.push(o);
    this.preopened = opened;
  }

  /** comm_driver->open: the first matching device that opens (and, the first time, parses). */
  private async openMatching(first: boolean): Promise<boolean> {
    const pre = first ? this.preopened : undefined;
    this.preopened = undefined;
    const candidates = pre ?? this.openEach();
    let found = false;
    for await (const { transport, info } of candidates) {
      if (found) { await transport.close().catch(() => undefined); continue; }
      const c = { info };
      try {
        if (first) await this.attach(transport, c.info);
        else this.reattach(transport);
        found = true;
        // pre-opened devices after this one are closed by the loop; an enumeration just stops
        if (!pre) return true;
      } catch (err) {
        await transport.close().catch(() => undefined);
        if (err instanceof HidUnpluggedError) continue;
        if (!(err instanceof HidError)) throw err;
        this.log.debug(1, `Failed to parse report descriptor: ${err.message}`);
      }
    }
    return found;
  }

  /** NUT's callback(): parse, pick the subdriver, fix the descriptor, name the UPS. */
  private async attach(transport: HidTransport, info: HidDeviceInfo): Promise<void> {
    const claim = this.claimer(info);
    if (!claim) throw new HidError('ERR_HID_NO_FIELDS', 'no subdriver');
    this.tweaks = claim.tweaks;
    const dev = await HidDevice.open(transport, {
      maxReportSize: this.opts.maxReport || claim.tweaks.maxReportSize === true,
      interruptOnly: this.opts.interruptOnly,
      nowS: this.nowS,
    });
    for (const w of dev.desc.warnings) this.log.warn(w);
    const sub = claim.sub.create();
    this.dev = dev;
    this.sub = sub;
    this.info = info;
    this.log.info(`Using subdriver: ${sub.name}`);
    if (sub.fixReportDescriptor(info, dev.desc)) this.log.debug(2, 'Report Descriptor Fixed');
    if (this.log.debugLevel >= 1) for (const line of await this.dumpTree()) this.log.debug(1, line);
    this.exact = exactMatcher(info);
    const model = await sub.formatModel(info, {
      itemString: async (path) => {
        const f = dev.field(path, sub.usages);
        if (!f) return '';
        const r = await dev.value(f);
        return r.ok ? dev.indexString(Math.trunc(r.value)) : '';
      },
      itemValue: async (path) => {
        const f = dev.field(path, sub.usages);
        if (!f) return undefined;
        const r = await dev.value(f);
        return r.ok ? r.value : undefined;
      },
      setInfo: (n, value) => { this.state.setInfo(n, value); },
    });
    const put = (name: string, value: string | undefined): void => { if (value !== undefined) this.state.setInfo(name, value); else this.state.delInfo(name); };
    put('ups.mfr', sub.formatMfr(info));
    put('ups.model', model);
    put('ups.serial', sub.formatSerial(info));
    this.state.setInfo('ups.vendorid', info.vendorId.toString(16).padStart(4, '0'));
    this.state.setInfo('ups.productid', info.productId.toString(16).padStart(4, '0'));
  }

  /** After a reconnect NUT keeps the parsed descriptor and the mapping: only the handle is new. */
  private reattach(transport: HidTransport): void {
    const old = this.dev;
    if (!old) throw new DriverError('usbhid-ups: reconnect before the first open', 'ERR_HID_STATE');
    this.dev = new HidDevice(transport, old.desc, {
      maxReportSize: this.opts.maxReport || this.tweaks.maxReportSize === true,
      interruptOnly: this.opts.interruptOnly,
      nowS: this.nowS,
    });
  }

  /**
   * HIDDumpTree: NUT's "Path: …, Type: …, ReportID: …, Offset: …, Size: …, Value: …" lines,
   * names from `tables` (default: the subdriver's; NUT's explore mode knows only the standard ones).
   */
  async dumpTree(tables?: readonly UsageTable[]): Promise<string[]> {
    const dev = this.dev;
    const sub = this.sub;
    if (!dev || !sub) return [];
    const names = tables ?? sub.usages;
    const out = [`${dev.desc.fields.length} HID objects found`];
    for (const f of dev.desc.fields) {
      const head = `Path: ${pathToString(f.path, names)}, Type: ${f.type}, ReportID: 0x${f.reportId.toString(16).padStart(2, '0')}, Offset: ${f.offset}, Size: ${f.size}`;
      const r = await dev.value(f);
      out.push(r.ok ? `${head}, Value: ${formatG(r.value)}` : head);
    }
    return out;
  }

  // ---- start-up (upsdrv_initups / upsdrv_initinfo) ----

  async open(): Promise<void> {
    if (!(await this.openMatching(true))) throw new DriverError('No matching HID UPS found', 'ERR_HID_NO_UPS');
    this.connected = true;
    this.log.debug(1, `Detected a UPS: ${this.info?.vendor ?? 'unknown'}/${this.info?.product ?? 'unknown'}`);
    if (this.tweaks.disableInterrupt && this.opts.useInterrupt) {
      this.log.info("interrupt pipe disabled (add 'pollonly' flag to 'ups.conf' to get rid of this message)");
      this.opts.useInterrupt = false;
    }
    if (!(await this.walk('init'))) throw new DriverError("Can't initialize data from HID UPS", 'ERR_HID_INIT');
    const { state } = this;
    const override = (name: string, value: string | undefined): void => {
      if (value !== undefined && state.getInfo(name) !== undefined) state.setInfo(name, String(cStrtol(value)));
    };
    override('battery.charge.low', this.opts.lowbatt);
    override('ups.delay.start', this.opts.ondelay);
    override('ups.delay.shutdown', this.opts.offdelay);
    const off = this.findNutInfo('load.off.delay');
    const on = this.findNutInfo('load.on.delay');
    if (off) state.addCmd('load.off');
    if (on) state.addCmd('load.on');
    if (off && on) { state.addCmd('shutdown.return'); state.addCmd('shutdown.stayoff'); }
    this.lastPoll = this.nowS();
  }

  initInfo(): void {
    this.state.setInfo('driver.version.data', this.subdriverName);
    this.state.setInfo('driver.parameter.pollfreq', String(this.opts.pollFreqS));
  }

  // ---- polling (upsdrv_updateinfo) ----

  private lost(): void {
    this.connected = false;
    this.log.warn('Communications with UPS lost: device disconnected');
  }

  /** One poll; `pollIntervalS` updates the driver's pollinterval (known once the runtime serves). */
  async update(pollIntervalS?: number): Promise<void> {
    if (pollIntervalS !== undefined) this.opts.pollIntervalS = pollIntervalS;
    const now = this.nowS();
    if (!this.connected) {
      if (now < this.lastPoll + this.opts.pollIntervalS) return;
      this.log.debug(1, 'Got to reconnect!');
      if (!(await this.reconnect())) { this.lastPoll = now; this.state.dataStale(); return; }
      this.connected = true;
      this.log.notice('Communications with UPS re-established');
      if (!(await this.walk('init'))) { this.connected = false; return; }
    }
    if (this.opts.useInterrupt) {
      try {
        await this.interruptEvents();
      } catch (err) {
        if (!(err instanceof HidUnpluggedError)) throw err;
        this.lost();
        return;
      }
    }
    this.state.statusInit();
    if (now > this.lastPoll + this.opts.pollFreqS || this.dataChanged) {
      this.log.debug(1, 'Full update...');
      this.state.alarmInit();
      if (!(await this.walk('full'))) return;
      this.lastPoll = now;
      this.dataChanged = false;
      for (const a of statusAlarms(this.status)) this.state.alarmSet(a);
      this.state.alarmCommit();
    } else {
      this.log.debug(1, 'Quick update...');
      if (!(await this.walk('quick'))) return;
    }
    this.commitStatus();
    this.state.dataOk();
  }

  private commitStatus(): void {
    const c = composeStatus(this.status, this.opts.onlineDischarge);
    if (c.transferReason !== undefined) this.state.setInfo('input.transfer.reason', c.transferReason);
    else this.state.delInfo('input.transfer.reason');
    if (c.onlineDischarging && !this.olDischrgWarned) {
      this.log.warn("ups_status_set: seems that UPS is in OL+DISCHRG state now. Is it calibrating or do you perhaps want to set 'onlinedischarge' option? Some UPS models (e.g. CyberPower UT series) emit OL+DISCHRG when offline.");
    }
    this.olDischrgWarned = c.onlineDischarging;
    for (const t of c.tokens) this.state.statusSet(t);
    this.state.statusCommit();
  }

  private async interruptEvents(): Promise<void> {
    const dev = this.dev;
    if (!dev) return;
    for (;;) {
      const events = await dev.events(0, MAX_EVENTS);
      if (events.length === 0) return;
      for (const e of events) {
        const r = await dev.value(e, this.opts.pollIntervalS);
        if (!r.ok) continue;
        this.log.debug(2, `Path: ${pathToString(e.path, this.sub?.usages ?? [])}, Type: Input, ReportID: 0x${e.reportId.toString(16).padStart(2, '0')}, Offset: ${e.offset}, Size: ${e.size}, Value: ${formatG(r.value)}`);
        const found = findField(dev.desc, e.path, this.opts.interruptOnly ? 'Input' : 'Feature')
          ?? (this.opts.interruptOnly ? undefined : findField(dev.desc, e.path, 'Input'));
        if (!found) continue;
        const item = this.findHidInfo(found);
        if (item) await this.infovalSet(item, r.value);
      }
    }
  }

  private async reconnect(): Promise<boolean> {
    await this.dev?.close().catch(() => undefined);
    return this.openMatching(false);
  }

  // ---- the table walk (hid_ups_walk) ----

  private async walk(mode: 'init' | 'quick' | 'full'): Promise<boolean> {
    const dev = this.dev;
    const sub = this.sub;
    if (!dev || !sub) return false;
    const { state } = this;
    for (const item of sub.table) {
      let field = this.fields.get(item);
      if (mode === 'init') {
        if (!field) {
          field = dev.field(item.path, sub.usages);
          if (!field) continue;
          this.fields.set(item, field);
          if (item.hu & HU_ABSENT) {
            if (state.getInfo(item.name) !== undefined) continue;
            state.setInfo(item.name, item.dfl ?? '');
            state.setFlags(item.name, flagNames(item.flags));
            if (item.flags & ST_STRING) state.setAux(item.name, item.len);
            continue;
          }
          if (!item.name.startsWith('ups.alarm') && state.getInfo(item.name) !== undefined) {
            this.fields.delete(item);
            continue;
          }
        }
      } else {
        if (!field) continue;
        if (mode === 'quick' && !(item.hu & HU_QUICK_POLL)) continue;
        if (mode === 'full') {
          if (item.hu & (HU_ABSENT | HU_CMD | HU_STATIC)) continue;
          if ((item.hu & HU_SEMI_STATIC) && !this.dataChanged) continue;
        }
      }
      // reconnect: a server-side variable keeps its value (NUT 2.8.0 re-publishes the default
      // over it, losing the user's SET and the ondelay/offdelay options)
      if (item.hu & HU_ABSENT) continue;
      let r;
      try {
        r = await dev.value(field, this.opts.pollIntervalS);
      } catch (err) {
        if (!(err instanceof HidUnpluggedError)) throw err;
        this.lost();
        return false;
      }
      if (!r.ok) continue;
      this.log.debug(2, `Path: ${item.path}, Type: ${field.type}, ReportID: 0x${field.reportId.toString(16).padStart(2, '0')}, Offset: ${field.offset}, Size: ${field.size}, Value: ${formatG(r.value)}`);
      if (item.hu & HU_CMD) { state.addCmd(item.name); continue; }
      if ((await this.infovalSet(item, r.value)) !== 1) continue;
      if (mode !== 'init') continue;
      state.setFlags(item.name, flagNames(item.flags));
      if (item.flags & ST_STRING) state.setAux(item.name, item.len);
      if (!(item.hu & HU_ENUM) || !(item.flags & ST_RW) || !item.lookup) continue;
      for (const [hid, nut] of item.lookup.entries) {
        if ((await this.findInfoval(item.lookup, hid)) !== null) state.addEnum(item.name, nut);
      }
    }
    return true;
  }

  private async findInfoval(lookup: InfoLookup, value: number): Promise<string | null> {
    if (lookup.fun) return lookup.fun(value, this.ctx);
    const key = Math.trunc(value);
    for (const [hid, nut] of lookup.entries) if (hid === key) return nut;
    return null;
  }

  private findValinfo(lookup: InfoLookup, value: string): number {
    if (lookup.nuf) return lookup.nuf(value, this.ctx);
    for (const [hid, nut] of lookup.entries) if (nut === value) return hid;
    return -1;
  }

  /** ups_infoval_set: -1 lookup failed, 0 status bit or alarm, 1 variable published. */
  private async infovalSet(item: HidInfo, value: number): Promise<number> {
    if (item.lookup) {
      const nut = await this.findInfoval(item.lookup, value);
      if (nut === null) return -1;
      if (item.name.startsWith('BOOL')) { this.status = applyBoolean(this.status, nut); return 0; }
      if (item.name.startsWith('ups.alarm')) { this.state.alarmSet(nut); return 0; }
      this.state.setInfo(item.name, nut);
    } else {
      this.state.setInfo(item.name, cFormat(item.dfl ?? '%s', value));
    }
    return 1;
  }

  /** find_nut_info: the first row of that name the device has. */
  private findNutInfo(name: string): HidInfo | undefined {
    const lower = name.toLowerCase();
    return this.sub?.table.find((i) => i.name.toLowerCase() === lower && this.fields.has(i));
  }

  /** find_hid_info: the row (not server-side) mapped to this field. */
  private findHidInfo(field: HidField): HidInfo | undefined {
    return this.sub?.table.find((i) => !(i.hu & HU_ABSENT) && this.fields.get(i) === field);
  }

  private async write(field: HidField, value: number): Promise<boolean> {
    const dev = this.dev;
    if (!dev || !this.connected) return false;
    try {
      return await dev.setValue(field, value);
    } catch (err) {
      if (!(err instanceof HidUnpluggedError)) throw err;
      this.lost();
      return false;
    }
  }

  // ---- commands and SET ----

  async instcmd(name: string, extra?: string): Promise<number> {
    const lower = name.toLowerCase();
    if (lower === 'beeper.off') { this.log.warn("The 'beeper.off' command has been renamed to 'beeper.disable'"); return this.instcmd('beeper.disable'); }
    if (lower === 'beeper.on') { this.log.warn("The 'beeper.on' command has been renamed to 'beeper.enable'"); return this.instcmd('beeper.enable'); }
    this.log.debug(1, `instcmd(${name}, ${extra ?? '[NULL]'})`);
    const item = this.findNutInfo(name);
    if (!item) {
      const { state } = this;
      if (lower === 'load.on') return this.instcmd('load.on.delay', '0');
      if (lower === 'load.off') return this.instcmd('load.off.delay', '0');
      if (lower === 'shutdown.return' || lower === 'shutdown.stayoff') {
        const ret = lower === 'shutdown.return';
        if (state.getInfo('ups.start.auto') !== undefined) await this.setvar('ups.start.auto', ret ? 'yes' : 'no');
        const r = await this.instcmd('load.on.delay', ret ? state.getInfo('ups.delay.start') : '-1');
        if (r !== STAT_HANDLED) return r;
        await this.sleep(COMPOSITE_GAP_MS);
        return this.instcmd('load.off.delay', state.getInfo('ups.delay.shutdown'));
      }
      return STAT_INVALID;
    }
    if (!(item.hu & HU_CMD)) return STAT_INVALID;
    const field = this.fields.get(item);
    if (!field) return STAT_INVALID;
    const text = extra ?? item.dfl ?? '';
    const value = item.lookup ? this.findValinfo(item.lookup, text) : atol(text);
    if (await this.write(field, value)) { this.dataChanged = true; return STAT_HANDLED; }
    return STAT_FAILED;
  }

  async setvar(name: string, value: string): Promise<number> {
    this.log.debug(1, `setvar(${name}, ${value})`);
    const item = this.findNutInfo(name);
    if (!item || !(item.flags & ST_RW)) return STAT_UNKNOWN;
    if (item.hu & HU_ABSENT) { this.state.setInfo(item.name, value); return STAT_HANDLED; }
    const field = this.fields.get(item);
    if (!field) return STAT_UNKNOWN;
    const v = item.lookup ? this.findValinfo(item.lookup, value) : atol(value);
    if (await this.write(field, v)) { this.dataChanged = true; return STAT_HANDLED; }
    // NUT answers a failed write with "unknown", not "failed"
    return STAT_UNKNOWN;
  }

  /** upsdrv_shutdown: shutdown.return, else shutdown.reboot, else load.off.delay. */
  async shutdown(): Promise<void> {
    for (const c of ['shutdown.return', 'shutdown.reboot', 'load.off.delay']) {
      if ((await this.instcmd(c)) === STAT_HANDLED) return;
    }
    throw new DriverError('Shutdown failed!', 'ERR_HID_SHUTDOWN');
  }

  async close(): Promise<void> {
    this.connected = false;
    await this.dev?.close().catch(() => undefined);
  }
}

function flagNames(flags: number): Array<'RW' | 'STRING'> {
  const out: Array<'RW' | 'STRING'> = [];
  if (flags & ST_RW) out.push('RW');
  if (flags & ST_STRING) out.push('STRING');
  return out;
}
