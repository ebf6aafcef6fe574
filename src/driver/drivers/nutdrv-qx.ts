// nutdrv_qx for the Megatec/Q1 family (spec §10.1) over a serial port: NUT 2.8.0's walk of the
// qx2nut table (start-up, quick polls of the status bits, a full update every `pollfreq`), its
// status word and alarms, battery guesstimation, instant commands and the two server-side
// delays. Variables, values, commands and ups.conf options are NUT's.
//
// hardnut has the `megatec` and `q1` subdrivers, serial only. Deliberate differences from NUT:
// - the port is opened before privileges are dropped (NUT opens it as the unprivileged user);
// - a port that goes away is reopened by path on the next poll (NUT's serial drivers never
//   recover until restarted);
// - a `protocol` of another Q* family, or a USB configuration, is refused with a clear error.

import { DriverError, UsageError } from '../../core/errors.js';
import { STAT_FAILED, STAT_HANDLED, STAT_INVALID, STAT_UNKNOWN } from '../state-server.js';
import { SerialMutex, parseCablePower, preloadSerialport } from '../serial/index.js';
import {
  MEGATEC, SUBDRIVERS, NUT_QX_PROTOCOLS, MAXTRIES, QX_ACCEPTED, DEFAULT_POLLFREQ,
  QX_ABSENT, QX_CMD, QX_QUICK_POLL, QX_RANGE, QX_SETVAR, QX_STATIC,
  processAnswer, infoValue, cString, cStrtol, shutdownReturn, shutdownStayoff, batteryTest, roundDelay, inRanges,
  QxBattery, BatteryConfigError, findItem,
  type QxItem, type QxSubdriver, type AnswerResult, type Encoded,
} from '../../protocol/q1/index.js';
import { SerialQxTransport, type QxTransport } from './nutdrv-qx-transport.js';
import type { DriverContext, DriverDefinition, DriverInstance, DriverVar, ShutdownOptions } from '../driver.js';

/** The status word's bits, in NUT's order of ups.status tokens. */
const STATUS_BITS = ['OL', 'LB', 'RB', 'CHRG', 'DISCHRG', 'BYPASS', 'CAL', 'OFF', 'OVER', 'TRIM', 'BOOST', 'FSD'] as const;
type StatusToken = typeof STATUS_BITS[number];

/** ups.conf options that only make sense for USB: hardnut's nutdrv_qx is serial only. */
const USB_VARS = ['subdriver', 'vendorid', 'productid', 'vendor', 'product', 'serial', 'bus', 'langid_fix'];

type WalkMode = 'init' | 'quick' | 'full';

/** On line power at -k, the UPS output comes back after at least this long (the `R0001` of `S<n>R0001`). */
export const MIN_RETURN_DELAY_S = 60;

export interface QxDriverOptions {
  /** Opens the device; tests pass an in-memory UPS. */
  transport?: (ctx: DriverContext) => Promise<QxTransport>;
  /** time(NULL); tests move it. */
  nowS?: () => number;
}

export class QxDriver implements DriverInstance {
  private transport: QxTransport | undefined;
  private subdriver: QxSubdriver = MEGATEC;
  private readonly skip = new Set<QxItem>();
  private readonly status = new Set<StatusToken>();
  private readonly mutex = new SerialMutex();
  private readonly battery: QxBattery;
  private pollfreq = DEFAULT_POLLFREQ;
  private lastpoll = 0;
  private dataHasChanged = false;
  private retry = 0;
  private prev = { command: '', answer: '' };
  private readonly nowS: () => number;
  /** -k in dry-run mode: shutdown commands are printed here, not sent. */
  private dryRun: ((bytes: string) => void) | undefined;
  readonly shutdownDryRun = true;

  constructor(private readonly ctx: DriverContext, private readonly opts: QxDriverOptions = {}) {
    this.nowS = opts.nowS ?? (() => Math.floor(Date.now() / 1000));
    this.battery = new QxBattery({
      get: (n) => ctx.state.getInfo(n),
      set: (n, v) => { ctx.state.setInfo(n, v); },
      option: (n) => this.option(n),
      info: (m) => ctx.log.info(m),
    });
  }

  private option(name: string): string | undefined {
    const v = this.ctx.vars.get(name);
    return v === null ? undefined : v;
  }

  private flag(name: string): boolean {
    return this.ctx.vars.has(name);
  }

  // ---- start-up ----

  /**
   * As root: the checks that need no device, then the port opened and configured (lock, termios,
   * the cable's DTR/RTS and their settling time). Not one byte goes to or comes from the UPS
   * here: the protocol detection in initUps runs after the privilege drop (issue #12).
   */
  async openDevice(): Promise<void> {
    const { ctx } = this;
    if (ctx.port.toLowerCase() === 'auto' || USB_VARS.some((v) => ctx.vars.has(v))) {
      throw new DriverError("hardnut's nutdrv_qx drives serial ports only; USB Q* units are not supported (port = auto or a USB option was given)", 'ERR_QX_USB');
    }
    const protocol = this.option('protocol');
    if (protocol !== undefined && !SUBDRIVERS.some((s) => s.protocol === protocol.toLowerCase())) {
      if (NUT_QX_PROTOCOLS.includes(protocol.toLowerCase())) {
        throw new DriverError(`protocol ${protocol} is not supported by hardnut's nutdrv_qx (supported: ${SUBDRIVERS.map((s) => s.protocol).join(', ')})`, 'ERR_QX_PROTOCOL');
      }
    }
    if (this.opts.transport) {
      this.transport = await this.opts.transport(ctx);
    } else {
      preloadSerialport();
      const cable = parseCablePower(ctx.vars.get('cablepower'));
      const t = new SerialQxTransport({ path: ctx.port, lock: ctx.state.getInfo('driver.flag.nolock') === undefined, cable, log: ctx.log });
      await t.open();
      this.transport = t;
    }
  }

  /** NUT's upsdrv_initups after the port is open: find the protocol the UPS speaks. */
  async initUps(): Promise<void> {
    if (!this.transport) await this.openDevice();
    if (!(await this.matchSubdriver(this.option('protocol')))) throw new DriverError('Device not supported!', 'ERR_QX_UNSUPPORTED');
    this.subdriverInitUps();
  }

  /** subdriver_matcher: the named protocol, or each subdriver in turn, MAXTRIES claims each. */
  private async matchSubdriver(protocol: string | undefined): Promise<boolean> {
    for (const sub of SUBDRIVERS) {
      if (protocol !== undefined && sub.protocol !== protocol.toLowerCase()) continue;
      this.subdriver = sub;
      for (let j = 0; j < MAXTRIES; j++) {
        if (await this.claim(sub)) {
          this.ctx.log.info(`Using protocol: ${sub.name}`);
          return true;
        }
      }
    }
    this.ctx.log.error('Device not supported!');
    return false;
  }

  /** blazer_claim / blazer_claim_light: a valid input.voltage from Q1, and (megatec) a firmware from I. */
  private async claim(sub: QxSubdriver): Promise<boolean> {
    const iv = findItem(sub.items, 'input.voltage');
    if (!iv || !(await this.fetchAndSet(iv))) return false;
    if (!sub.claimNeedsVendor || this.flag('novendor')) return true;
    const fw = findItem(sub.items, 'ups.firmware');
    if (!fw || !(await this.fetchAndSet(fw))) {
      this.ctx.state.delInfo('input.voltage');
      return false;
    }
    return true;
  }

  private async fetchAndSet(item: QxItem): Promise<boolean> {
    const r = await this.process(item);
    if (!r.ok) return false;
    return this.infoValSet(item, r.value) === 1;
  }

  /** blazer_initups: `norating`, `novendor`, `ignoresab` take items out of the walk. */
  private subdriverInitUps(): void {
    const nr = this.subdriver === MEGATEC && this.flag('norating');
    const nv = this.subdriver === MEGATEC && this.flag('novendor');
    const isb = this.flag('ignoresab');
    for (const item of this.subdriver.items) {
      if (!item.command) continue;
      const c = item.command.toLowerCase();
      if (nr && c === 'f\r') this.skip.add(item);
      if (nv && (c === 'i\r' || c === 'fw?\r')) this.skip.add(item);
      if (isb && item.name === 'ups.status' && item.from === 44 && item.to === 44) this.skip.add(item);
    }
  }

  async initInfo(): Promise<void> {
    const { state } = this.ctx;
    state.setInfo('driver.version.data', this.subdriver.name);
    if (!(await this.walk('init'))) throw new DriverError("Can't initialise data from the UPS", 'ERR_QX_INIT');
    try {
      this.battery.init(this.nowS());
    } catch (err) {
      if (err instanceof BatteryConfigError) throw new DriverError(err.message, 'ERR_QX_BATTERY');
      throw err;
    }
    for (const [name, opt, what] of [['ups.delay.start', 'ondelay', 'Start'], ['ups.delay.shutdown', 'offdelay', 'Shutdown']] as const) {
      if (state.getInfo(name) === undefined) continue;
      const val = this.option(opt);
      if (val !== undefined && this.setvarNow(name, val) !== STAT_HANDLED) throw new UsageError(`${what} delay '${val}' out of range`);
    }
    const pf = this.option('pollfreq');
    if (pf !== undefined) this.pollfreq = cStrtol(pf);
    state.setInfo('driver.parameter.pollfreq', String(this.pollfreq));
    this.lastpoll = this.nowS();
  }

  // ---- polling ----

  updateInfo(): Promise<void> {
    return this.mutex.run(() => this.update());
  }

  private async update(): Promise<void> {
    const { state, log } = this.ctx;
    const now = this.nowS();
    state.statusInit();
    if (now > this.lastpoll + this.pollfreq || this.dataHasChanged) {
      log.debug(1, 'Full update...');
      this.status.clear();
      state.alarmInit();
      if (!(await this.walk('full'))) return this.failed();
      this.lastpoll = now;
      this.dataHasChanged = false;
      if (this.status.has('RB')) state.alarmSet('Replace battery!');
      if (this.status.has('FSD')) state.alarmSet('Shutdown imminent!');
      state.alarmCommit();
    } else {
      log.debug(1, 'Quick update...');
      if (!(await this.walk('quick'))) return this.failed();
    }
    this.commitStatus();
    if (this.retry > MAXTRIES) log.notice('Communications with the UPS re-established');
    this.retry = 0;
    state.dataOk();
  }

  /** NUT tolerates MAXTRIES+1 failed polls before it calls the data stale. */
  private failed(): void {
    if (this.retry <= MAXTRIES) {
      this.ctx.log.debug(1, 'Communications with the UPS lost: status read failed!');
      this.retry++;
    } else {
      this.ctx.state.dataStale();
    }
  }

  /** ups_status_set: the status word as tokens, in NUT's order. */
  private commitStatus(): void {
    const { state } = this.ctx;
    state.statusSet(this.status.has('OL') ? 'OL' : 'OB');
    for (const t of ['DISCHRG', 'CHRG', 'LB', 'OVER', 'RB', 'TRIM', 'BOOST', 'BYPASS', 'OFF', 'CAL', 'FSD'] as const) {
      if (this.status.has(t)) state.statusSet(t);
    }
    state.statusCommit();
  }

  /** update_status: `TOKEN` sets, `!TOKEN` clears; unknown tokens are ignored. */
  private updateStatus(value: string): void {
    const clear = value.startsWith('!');
    const name = (clear ? value.slice(1) : value).toUpperCase();
    const bit = STATUS_BITS.find((b) => b === name);
    if (!bit) return;
    if (clear) this.status.delete(bit);
    else this.status.add(bit);
  }

  /** qx_ups_walk. */
  private async walk(mode: WalkMode): Promise<boolean> {
    const { state } = this.ctx;
    if (mode === 'full') this.battery.startFullUpdate();
    this.prev = { command: '', answer: '' };
    for (const item of this.subdriver.items) {
      if (this.skip.has(item)) continue;
      if (mode === 'init') {
        if (item.flags & QX_ABSENT) {
          if (state.getInfo(item.name) !== undefined) continue;
          state.setInfo(item.name, item.dfl ?? '');
          this.setVarFlags(item);
          continue;
        }
        if (item.name !== 'ups.alarm' && item.name !== 'ups.status' && state.getInfo(item.name) !== undefined) continue;
      } else if (mode === 'quick') {
        if (!(item.flags & QX_QUICK_POLL)) continue;
      } else if (item.flags & (QX_ABSENT | QX_CMD | QX_SETVAR | QX_STATIC)) {
        continue;
      }
      if (item.flags & QX_CMD) { state.addCmd(item.name); continue; }
      if (item.flags & QX_SETVAR) continue;

      let r: AnswerResult;
      let answer: string;
      if (this.prev.command !== '' && this.prev.answer !== '' && this.prev.command.toLowerCase() === (item.command ?? '').toLowerCase()) {
        answer = this.prev.answer;
        r = processAnswer(item, answer, answer.length);
      } else {
        const got = await this.processRaw(item);
        answer = got.answer;
        r = got.result;
      }
      this.prev = { command: item.command ?? '', answer: cString(answer) };
      if (!r.ok) {
        this.ctx.log.debug(2, r.reason);
        if (item.flags & QX_QUICK_POLL) return false;
        if (mode === 'init') this.skip.add(item);
        continue;
      }
      const rc = this.infoValSet(item, r.value);
      if (rc === -1) {
        if (item.flags & QX_QUICK_POLL) return false;
        continue;
      }
      if (rc === 1 && mode === 'init') this.setVarFlags(item);
    }
    if (mode === 'full') this.battery.endFullUpdate(this.status.has('OL'), this.nowS());
    return true;
  }

  /** qx_set_var: flags and ranges of a settable variable. */
  private setVarFlags(item: QxItem): void {
    const { state } = this.ctx;
    if (item.rw) state.setFlags(item.name, ['RW']);
    if (item.flags & QX_RANGE) for (const [min, max] of item.ranges ?? []) state.addRange(item.name, min, max);
  }

  /** qx_process: send the item's command (or the given one) and cut its value out of the reply. */
  private async process(item: QxItem, command?: string): Promise<AnswerResult> {
    return (await this.processRaw(item, command)).result;
  }

  private async processRaw(item: QxItem, command?: string): Promise<{ result: AnswerResult; answer: string }> {
    const cmd = command ?? item.command ?? '';
    const reply = await this.transport?.command(cmd) ?? null;
    if (reply === null) return { result: { ok: false, reason: `no reply to ${item.name}` }, answer: '' };
    return { result: processAnswer(item, reply.answer, reply.len), answer: reply.answer };
  }

  /** ups_infoval_set: 1 published, 0 handled (status/alarm), -1 error. */
  private infoValSet(item: QxItem, value: string): -1 | 0 | 1 {
    const { state, log } = this.ctx;
    const v = infoValue(item, value, { input: state.getInfo('input.voltage'), output: state.getInfo('output.voltage') });
    switch (v.kind) {
      case 'error': log.debug(2, v.reason); return -1;
      case 'status': this.updateStatus(v.token); return 0;
      case 'alarm': state.alarmSet(v.text); return 0;
      case 'nothing': return 0;
      case 'set':
        state.setInfo(item.name, v.value);
        this.battery.reported(item.name, v.value);
        return 1;
    }
  }

  // ---- instant commands and SET ----

  instcmd(cmd: string, extra: string | undefined): Promise<number> {
    return this.mutex.run(() => this.instcmdNow(cmd, extra));
  }

  private async instcmdNow(cmd: string, extra: string | undefined): Promise<number> {
    const { log } = this.ctx;
    const lower = cmd.toLowerCase();
    if (lower === 'beeper.off' || lower === 'beeper.on') {
      const renamed = lower === 'beeper.off' ? 'beeper.disable' : 'beeper.enable';
      log.warn(`The '${lower}' command has been renamed to '${renamed}'`);
      return this.instcmdNow(renamed, undefined);
    }
    log.info(`instcmd(${cmd}, ${extra ?? '[NULL]'})`);
    const item = findItem(this.subdriver.items, cmd, QX_CMD, this.skip);
    if (!item) {
      // NUT falls back to load.*.delay / ups.start.auto, which no Q1-family table has
      log.debug(2, `instcmd: command ${cmd} unavailable`);
      return STAT_INVALID;
    }
    let command: string | undefined;
    if (item.preprocess === 'command') {
      const e = this.encode(item, extra ?? item.dfl ?? '');
      if (!e.ok) {
        log.error(`${item.name}: ${e.reason}`);
        log.error('instcmd: FAILED');
        return STAT_FAILED;
      }
      command = e.command;
    }
    if (this.dryRun && lower.startsWith('shutdown.')) {
      this.dryRun(command ?? item.command ?? '');
      return STAT_HANDLED;
    }
    const r = await this.process(item, command);
    if (!r.ok) {
      log.error('instcmd: FAILED');
      return STAT_FAILED;
    }
    // a reply is either the accepted string or the command echoed back (refused)
    if (r.value !== '' && r.value.toLowerCase() !== QX_ACCEPTED.toLowerCase()) {
      log.error('instcmd: FAILED');
      return STAT_FAILED;
    }
    log.info('instcmd: SUCCEED');
    this.dataHasChanged = true;
    return STAT_HANDLED;
  }

  /** blazer_process_command. */
  private encode(item: QxItem, value: string): Encoded {
    const { state } = this.ctx;
    switch (item.name) {
      case 'shutdown.return': return shutdownReturn(state.getInfo('ups.delay.shutdown'), state.getInfo('ups.delay.start'));
      case 'shutdown.stayoff': return shutdownStayoff(state.getInfo('ups.delay.shutdown'));
      case 'test.battery.start': return batteryTest(value);
      default: return { ok: false, reason: "Don't know what happened" };
    }
  }

  setvar(name: string, value: string): Promise<number> {
    return this.mutex.run(async () => this.setvarNow(name, value));
  }

  /** NUT's setvar for the server-side delays (no device I/O). */
  private setvarNow(name: string, val: string): number {
    const { log, state } = this.ctx;
    const item = findItem(this.subdriver.items, name, QX_SETVAR, this.skip);
    if (!item) {
      log.debug(2, `setvar: element ${name} unavailable`);
      return STAT_UNKNOWN;
    }
    log.info(`setvar(${name}, ${val === '' ? '[NULL]' : val})`);
    if (val === '') {
      log.error(`setvar: value not given for ${item.name}`);
      return STAT_UNKNOWN;
    }
    const current = state.getInfo(item.name);
    if (current !== undefined && current.toLowerCase() === val.toLowerCase()) {
      log.info(`setvar: nothing to do... [${item.name}]`);
      return STAT_HANDLED;
    }
    if ((item.flags & QX_RANGE) && !inRanges(val, item.ranges ?? [])) {
      log.error(`setvar: value out of range [${item.name}: ${val}]`);
      return STAT_UNKNOWN;
    }
    const rounded = roundDelay(item.name, val);
    if (!rounded.ok) {
      log.error(`${item.name}: ${rounded.reason}`);
      log.error('setvar: FAILED');
      return STAT_UNKNOWN;
    }
    state.setInfo(item.name, rounded.value);
    log.info('setvar: SUCCEED');
    return STAT_HANDLED;
  }

  // ---- -k and exit ----

  /**
   * upsdrv_shutdown: cancel what is pending, then shutdown.return (or .stayoff with `stayoff`).
   * The power race (issue 15; NUT #3229, #3481): when the UPS reports line power, mains came back
   * during the shutdown, and a plain `S<n>` (or stayoff) leaves the host off for good. Then
   * shutdown.return with a restart delay of at least a minute (`S<n>R0001`) is sent, so the UPS
   * cycles its output and the host boots again. hardnut difference: NUT sends stayoff regardless.
   */
  async shutdown(opts: ShutdownOptions = {}): Promise<void> {
    const { state, log } = this.ctx;
    this.dryRun = opts.dryRun;
    try {
      for (const [name, opt, what] of [['ups.delay.start', 'ondelay', 'Start'], ['ups.delay.shutdown', 'offdelay', 'Shutdown']] as const) {
        const item = findItem(this.subdriver.items, name, 0, this.skip);
        if (!item) throw new DriverError(`Unable to set ${what.toLowerCase()} delay`, 'ERR_QX_SHUTDOWN');
        state.setInfo(item.name, item.dfl ?? '');
        this.setVarFlags(item);
        const val = this.option(opt);
        if (val !== undefined && this.setvarNow(item.name, val) !== STAT_HANDLED) throw new UsageError(`${what} delay '${val}' out of range`);
      }
      const online = await this.lineOnline();
      let cmd = this.flag('stayoff') ? 'shutdown.stayoff' : 'shutdown.return';
      if (online) {
        if (cmd === 'shutdown.stayoff') log.notice('The UPS is on line power: sending shutdown.return instead of stayoff, so it comes back');
        cmd = 'shutdown.return';
        if (cStrtol(state.getInfo('ups.delay.start') ?? '') < MIN_RETURN_DELAY_S) {
          log.notice(`The UPS is on line power: restarting its output after ${MIN_RETURN_DELAY_S} s`);
          state.setInfo('ups.delay.start', String(MIN_RETURN_DELAY_S));
        }
      }
      if (findItem(this.subdriver.items, 'shutdown.stop', QX_CMD, this.skip)) {
        let stopped = false;
        for (let retry = 1; retry <= MAXTRIES && !stopped; retry++) stopped = (await this.instcmdNow('shutdown.stop', undefined)) === STAT_HANDLED;
        if (!stopped) log.notice('No shutdown pending');
      }
      for (let retry = 1; retry <= MAXTRIES; retry++) {
        if ((await this.instcmdNow(cmd, undefined)) !== STAT_HANDLED) continue;
        log.notice(`Shutting down in ${state.getInfo('ups.delay.shutdown') ?? '?'} seconds`);
        return;
      }
      throw new DriverError('Shutdown failed!', 'ERR_QX_SHUTDOWN');
    } finally {
      this.dryRun = undefined;
      await this.cleanup();
    }
  }

  /** One status read before the shutdown: true on line power, false on battery or unknown. */
  private async lineOnline(): Promise<boolean> {
    this.status.clear();
    const item = findItem(this.subdriver.items, 'ups.status', 0, this.skip);
    if (!item) return false;
    try {
      const r = await this.process(item);
      if (!r.ok) { this.ctx.log.warn(`status read before the shutdown failed (${r.reason}): assuming on battery`); return false; }
      this.infoValSet(item, r.value);
      return this.status.has('OL');
    } catch (err) {
      this.ctx.log.warn(`status read before the shutdown failed (${(err as Error).message}): assuming on battery`);
      return false;
    }
  }

  /** Waits for a conversation in progress (a poll, a command) before the port goes. */
  cleanup(): Promise<void> {
    return this.mutex.run(async () => {
      const t = this.transport;
      this.transport = undefined;
      await t?.close();
    });
  }
}

const USB_VAR_LIST: DriverVar[] = [
  ['subdriver', 'Serial-over-USB subdriver selection'],
  ['vendor', 'Regular expression to match UPS Manufacturer string'],
  ['product', 'Regular expression to match UPS Product string'],
  ['serial', 'Regular expression to match UPS Serial number'],
  ['vendorid', 'Regular expression to match UPS Manufacturer numerical ID (4 digits hexadecimal)'],
  ['productid', 'Regular expression to match UPS Product numerical ID (4 digits hexadecimal)'],
  ['bus', 'Regular expression to match USB bus name'],
  ['device', 'Regular expression to match USB device name'],
  ['usb_set_altinterface', 'Force redundant call to usb_set_altinterface()'],
  ['langid_fix', 'Apply the language ID workaround to the krauler subdriver (0x409 or 0x4095)'],
].map(([name, description]) => ({ name: name as string, kind: 'value' as const, description: `${description as string} (USB: not supported by hardnut)` }));

/** Options of NUT's other Q* subdrivers: accepted so an existing ups.conf loads, without effect here. */
const OTHER_FAMILY_VARS: DriverVar[] = [
  'pins_shutdown_mode', 'series', 'slave_address', 'input_fault_voltage', 'number_of_battery_cells',
  'nominal_cell_voltage', 'runtime_half', 'runtime_full', 'recharge_time', 'output_voltages',
  'fault_1', 'fault_2', 'fault_3', 'fault_4', 'fault_5', 'bypass_alarm', 'battery_alarm',
  'bypass_when_off', 'alarm_control', 'converter_mode', 'eco_mode', 'battery_open_status_check',
  'bypass_forbidding', 'site_fault_detection', 'advanced_eco_mode', 'constant_phase_angle',
  'limited_runtime_on_battery', 'max_bypass_volt', 'min_bypass_volt', 'max_bypass_freq',
  'min_bypass_freq', 'work_range_type', 'output_phase_angle', 'battery_number',
].map((name) => ({ name, kind: 'value' as const, description: 'option of another Q* protocol family (no effect in hardnut)' }));

export const nutdrvQx: DriverDefinition = {
  name: 'nutdrv_qx',
  version: '0.32',
  description: 'Generic Q* Serial driver',
  seccompRole: 'driver-serial',
  vars: [
    { name: 'ondelay', kind: 'value', description: `Set startup delay, in seconds (default=180)` },
    { name: 'offdelay', kind: 'value', description: `Set shutdown delay, in seconds (default=30)` },
    { name: 'stayoff', kind: 'flag', description: "If invoked the UPS won't return after a shutdown when FSD arises" },
    { name: 'pollfreq', kind: 'value', description: `Set polling frequency, in seconds, to reduce data flow (default=${DEFAULT_POLLFREQ})` },
    { name: 'protocol', kind: 'value', description: 'Preselect communication protocol (skip autodetection): megatec, q1' },
    { name: 'runtimecal', kind: 'value', description: 'Parameters used for runtime calculation' },
    { name: 'chargetime', kind: 'value', description: 'Nominal charge time for UPS battery' },
    { name: 'idleload', kind: 'value', description: 'Minimum load to be used for runtime calculation' },
    { name: 'cablepower', kind: 'value', description: 'Set cable power for serial interface (normal, reverse, both, none)' },
    { name: 'norating', kind: 'flag', description: 'Skip reading rating information from UPS' },
    { name: 'novendor', kind: 'flag', description: 'Skip reading vendor information from UPS' },
    { name: 'ignoresab', kind: 'flag', description: "Ignore 'Shutdown Active' bit in UPS status" },
    { name: 'noscanlangid', kind: 'flag', description: "Don't autoscan valid range for langid (USB: not supported by hardnut)" },
    { name: 'reset_to_default', kind: 'flag', description: 'option of another Q* protocol family (no effect in hardnut)' },
    { name: 'testing', kind: 'flag', description: 'option of another Q* protocol family (no effect in hardnut)' },
    ...USB_VAR_LIST,
    ...OTHER_FAMILY_VARS,
  ],
  create: (ctx) => new QxDriver(ctx),
};
