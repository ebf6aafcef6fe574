// apcsmart (spec §10.2): NUT 2.8.0's APC Smart protocol driver. Smart mode, the firmware and
// command-set discovery (`V`/`b`, `a`, old-firmware tables), variable verification, the ^Z
// capability enums, status by `Q` and by alert characters, hourly full refresh, the instant
// commands with their confirmation window, enumerated and string SETs, and the shutdown
// methods of `sdtype`/`advorder`. Variable names, values, commands and options are NUT's.
//
// Deliberate differences from NUT 2.8.0:
// - the port is opened before privileges are dropped (NUT opens it as the unprivileged user);
// - a port that goes away is reopened by path, and right after a reopen the driver asks for
//   smart mode at the next poll (NUT waits 10 polls before it nudges, and never reopens);
// - -k reads the two-digit status reply (NUT 2.8.0 accepts only a one-character reply, so it
//   always assumed OB+LB and sent `S`, which the UPS ignores while on line);
// - a malformed ^Z capability string is logged and ignored where NUT exits.

import { DriverError, UsageError } from '../../core/errors.js';
import { STAT_FAILED, STAT_HANDLED, STAT_INVALID, STAT_UNKNOWN } from '../state-server.js';
import { APC_ALT_CABLE, SerialMutex, preloadSerialport } from '../serial/index.js';
import {
  APC_VARS, APC_COMMANDS, APC_COMPAT, APC_UNR_CMDS, APC_POLL, APC_MULTI, APC_PACK, APC_STRING, APC_NASTY, APC_REPEAT,
  APC_STATUS, APC_GOSMART, APC_GODUMB, APC_CMDSET, APC_CAPS, APC_NEXTVAL, APC_FW_OLD, APC_FW_NEW, APC_ESC, APC_STRLEN,
  APC_CMD_ON, APC_CMD_OFF, APC_CMD_SOFTDOWN, APC_CMD_SHUTDOWN, APC_CMD_SIMPWF, APC_CMD_CALTOGGLE,
  APC_AWDFMT, APC_SDFMT, APC_ADVFMT, APC_CSHDFMT,
  APC_STAT_CAL, APC_STAT_OL, APC_STAT_OB, APC_STAT_LB,
  SER_TO, SER_D1, SER_AA, SER_CC, SER_CS, SER_HA,
  convertData, statusTokens, parseStatus, applyAlert, commandSetChars, parseCapabilities, splitPacked, packedName,
  graceDown, stringSet, confirmWindow,
  type ApcVar, type ApcCommand,
} from '../../protocol/apcsmart/index.js';
import { cStrtod, cStrtol } from '../../protocol/q1/cformat.js';
import { SerialApcIo, writeLong, writeRepeated, flushAlertAware, type ApcIo } from './apcsmart-transport.js';
import type { DriverContext, DriverDefinition, DriverInstance } from '../driver.js';

/** smartmode() attempts at start-up. */
const SMARTMODE_TRIES = 5;
/** While the data is stale, NUT nudges the UPS every this many polls. */
const NUDGE_EVERY_POLLS = 10;
/** All variables are re-read this often (s); the POLL ones every cycle. */
const FULL_REFRESH_S = 3600;
/** CS hack: pause between `U` and `S` unless `cshdelay` says otherwise. */
const DEFAULT_CSHDELAY_MS = 3500;
/** setvar_enum gives up after this many `-` rotations. */
const MAX_ROTATIONS = 32;
/** ups_status = LB|OB when the status cannot be read during -k. */
const ASSUME_LB_OB = APC_STAT_LB | APC_STAT_OB;

export interface ApcDriverOptions {
  io?: (ctx: DriverContext) => Promise<ApcIo>;
  nowS?: () => number;
}

export class ApcDriver implements DriverInstance {
  private io: ApcIo | undefined;
  private readonly mutex = new SerialMutex();
  private readonly present = new Set<ApcVar>();
  private readonly rw = new Set<ApcVar>();
  private readonly enumerated = new Set<ApcVar>();
  private readonly packCount = new Map<ApcVar, number>();
  private readonly cmdPresent = new Set<ApcCommand>();
  private upsStatus = 0;
  private lastWorked = 0;
  private lastFull = 0;
  private lastNasty = 0;
  private readonly nowS: () => number;
  private readonly alert = (ch: string): void => this.onAlert(ch);

  constructor(private readonly ctx: DriverContext, private readonly opts: ApcDriverOptions = {}) {
    this.nowS = opts.nowS ?? (() => Math.floor(Date.now() / 1000));
  }

  private option(name: string): string | undefined {
    const v = this.ctx.vars.get(name);
    return v === null ? undefined : v;
  }

  private get port(): ApcIo {
    if (!this.io) throw new DriverError('apcsmart: the port is not open', 'ERR_APC_CLOSED');
    return this.io;
  }

  // ---- status ----

  private commitStatus(): void {
    const { state } = this.ctx;
    state.statusInit();
    for (const t of statusTokens(this.upsStatus)) state.statusSet(t);
    state.statusCommit();
  }

  private onAlert(ch: string): void {
    this.ctx.log.debug(1, `alert_handler: ${ch}`);
    this.upsStatus = applyAlert(this.upsStatus, ch);
    this.commitStatus();
  }

  // ---- lookups (valid once detection is complete) ----

  private byChar(ch: string): ApcVar | undefined {
    return APC_VARS.find((v) => this.present.has(v) && v.cmd === ch);
  }

  private byName(name: string): ApcVar | undefined {
    const lower = name.toLowerCase();
    return APC_VARS.find((v) => this.present.has(v) && v.name.toLowerCase() === lower);
  }

  // ---- publishing (packed aware) ----

  private setValue(v: ApcVar, raw: string): void {
    const { state, log } = this.ctx;
    if (!(v.flags & APC_PACK)) { state.setInfo(v.name, convertData(v.format, raw)); return; }
    const { fields, truncated } = splitPacked(raw);
    const before = this.packCount.get(v) ?? 0;
    if (before > fields.length) this.delValue(v, fields.length);
    if (truncated) log.warn(`packed variable ${v.name} [${v.cmd}] longer than ${fields.length} fields, ignoring remaining fields`);
    this.packCount.set(v, fields.length);
    for (let c = fields.length - 1; c >= 0; c--) {
      const f = fields[c] as string;
      state.setInfo(packedName(v.name, c), f !== '' ? convertData(v.format, f) : 'N/A');
    }
  }

  private delValue(v: ApcVar, skip = 0): void {
    const { state } = this.ctx;
    if (!(v.flags & APC_PACK)) { state.delInfo(v.name); return; }
    for (let c = skip; c < (this.packCount.get(v) ?? 0); c++) state.delInfo(packedName(v.name, c));
    this.packCount.set(v, 0);
  }

  private stringSetup(v: ApcVar): void {
    if (!(v.flags & APC_STRING)) return;
    this.ctx.state.setFlags(v.name, ['RW', 'STRING']);
    this.ctx.state.setAux(v.name, APC_STRLEN);
    this.rw.add(v);
  }

  // ---- start-up ----

  /**
   * As root: the options checked, the port opened and configured (lock, termios, the 940-0095B
   * cable's DTR/RTS). Not one byte goes to or comes from the UPS here: smart mode and the
   * detection (initInfo) run after the privilege drop (issue #12).
   */
  async openDevice(): Promise<void> {
    const { ctx } = this;
    for (const [name, re] of [['awd', APC_AWDFMT], ['sdtype', APC_SDFMT], ['advorder', APC_ADVFMT], ['cshdelay', APC_CSHDFMT]] as const) {
      const val = this.option(name);
      if (val !== undefined && !re.test(val)) throw new UsageError(`invalid value (${val}) for option '${name}'`);
    }
    if (this.opts.io) {
      this.io = await this.opts.io(ctx);
      return;
    }
    preloadSerialport();
    const cable = this.option('cable');
    const io = new SerialApcIo({
      path: ctx.port,
      lock: ctx.state.getInfo('driver.flag.nolock') === undefined,
      raw: this.option('ttymode') === 'raw',
      ...(cable !== undefined && cable.toLowerCase() === APC_ALT_CABLE.toLowerCase() ? { cable: { dtr: true, rts: false } } : {}),
      log: ctx.log,
    });
    await io.open();
    this.io = io;
  }

  /** upsdrv_initups: all of it (the port) is done in openDevice; the first bytes go in initInfo. */
  async initUps(): Promise<void> {
    if (!this.io) await this.openDevice();
  }

  async initInfo(): Promise<void> {
    const { state, log, port } = this.ctx;
    if (!(await this.smartMode(SMARTMODE_TRIES))) {
      throw new DriverError(`unable to detect an APC Smart protocol UPS on port ${port}\ncheck the cabling, port name or model name and try again`, 'ERR_APC_DETECT');
    }
    if (!(await this.getBaseInfo())) throw new DriverError(`Problems with communicating APC UPS on port ${port}`, 'ERR_APC_INIT');
    state.setInfo('ups.mfr', 'APC');
    log.debug(1, `detected ${state.getInfo('ups.model') ?? '"unknown model"'} [${state.getInfo('ups.serial') ?? 'unknown serial'}] on ${port}`);
    state.dataOk();
  }

  /** smartmode(): `Y` until the UPS says SM; ESC and its answer in between. */
  private async smartMode(tries: number): Promise<boolean> {
    const io = this.port;
    for (let i = 0; i < tries; i++) {
      io.flushAll();
      if ((await io.write(APC_GOSMART)) !== 1) return false;
      const r = await io.read(SER_TO | SER_D1, this.alert);
      if (r.ret > 0 && r.text === 'SM') return true;
      if (r.ret < 0) await io.sleep(1000);
      if ((await io.write(APC_ESC)) !== 1) return false;
      await io.read(SER_TO | SER_D1, this.alert);
    }
    return false;
  }

  /** preread_data: one query during detection (alerts ignored). */
  private async preread(v: ApcVar): Promise<string | undefined> {
    const io = this.port;
    io.flushAll();
    if ((await io.write(v.cmd)) !== 1) return undefined;
    const r = await io.read(SER_TO, this.alert);
    if (r.ret < 1 || r.text === 'NA') {
      if (r.ret >= 0) this.ctx.log.error(`preread_data: ${v.name} [${shownChar(v.cmd)}] timed out or not supported`);
      return undefined;
    }
    return r.text;
  }

  private async varVerify(v: ApcVar): Promise<boolean> {
    if (v.flags & APC_MULTI) { this.present.add(v); return false; }
    const raw = await this.preread(v);
    if (raw === undefined || (v.regex !== undefined && !v.regex.test(raw))) {
      this.ctx.log.warn(`${v.name} [${shownChar(v.cmd)}] - variable invalid`);
      return false;
    }
    this.present.add(v);
    this.setValue(v, raw);
    this.stringSetup(v);
    return true;
  }

  /** deprecate_vars: of several APC sources for one NUT name (and the reverse), the first that answers right. */
  private async deprecateVars(): Promise<void> {
    for (let i = 0; i < APC_VARS.length; i++) {
      const v = APC_VARS[i] as ApcVar;
      if (!(v.flags & APC_MULTI) || !this.present.has(v)) continue;
      const raw = await this.preread(v);
      if (raw === undefined || (v.regex !== undefined && !v.regex.test(raw))) {
        this.present.delete(v);
        this.ctx.log.warn(`${v.name} [${shownChar(v.cmd)}] - variable combination invalid`);
        continue;
      }
      for (let j = i + 1; j < APC_VARS.length; j++) {
        const w = APC_VARS[j] as ApcVar;
        if (w.name === v.name || w.cmd === v.cmd) this.present.delete(w);
      }
      this.setValue(v, raw);
      this.stringSetup(v);
    }
  }

  private async protocolVerify(ch: string): Promise<void> {
    if (ch === '\0' || APC_UNR_CMDS.includes(ch)) return;
    let found = false;
    for (const v of APC_VARS) {
      if (v.cmd !== ch) continue;
      await this.varVerify(v);
      found = true;
    }
    if (found) return;
    for (const c of APC_COMMANDS) {
      if (c.cmd !== ch) continue;
      this.cmdPresent.add(c);
      this.ctx.state.addCmd(c.name);
      found = true;
    }
    if (!found) this.ctx.log.warn(`[${shownChar(ch)}] unrecognized`);
  }

  /** firmware_table_lookup: 1 matched an old-firmware table, 2 quirky firmware, 0 neither. */
  private async firmwareTableLookup(): Promise<number> {
    const io = this.port;
    io.flushAll();
    if ((await io.write(APC_FW_OLD)) !== 1) return 0;
    let r = await io.read(SER_TO, this.alert);
    if (r.ret < 0) return 0;
    if (r.ret === 0 || r.text === 'NA') {
      if ((await io.write(APC_FW_NEW)) !== 1) return 0;
      r = await io.read(SER_TO, this.alert);
      if (r.ret < 1) return 0;
    }
    let fw = r.text;
    this.ctx.log.debug(1, `detected firmware version: ${fw}`);
    if (fw === '451.2.I') return 2;
    if (/^[a-fA-F0-9]{2}$/.test(fw)) fw = 'set\x01';
    const cmds = APC_COMPAT.get(fw);
    if (cmds === undefined) return 0;
    this.ctx.state.setInfo('ups.model', fw[0] === '0' || fw[0] === '5' ? 'Matrix-UPS' : 'Smart-UPS');
    for (const ch of cmds) await this.protocolVerify(ch);
    await this.deprecateVars();
    return 1;
  }

  private async getBaseInfo(): Promise<boolean> {
    const io = this.port;
    const qco = await this.firmwareTableLookup();
    if (qco === 1) return true;
    io.flushAll();
    if ((await io.write(APC_CMDSET)) !== 1) return false;
    const r = await io.read(SER_CS | SER_TO, this.alert);
    if (r.ret < 0) return false;
    const cmds = r.ret === 0 || r.text === 'NA' ? null : commandSetChars(r.text);
    if (cmds === null) {
      this.ctx.log.notice('very old or unknown APC model, support will be limited');
      await this.oldApcSetup();
      return true;
    }
    for (const ch of cmds) await this.protocolVerify(ch);
    await this.deprecateVars();
    if (cmds.includes(APC_CAPS)) await this.getCaps(qco);
    return true;
  }

  private async oldApcSetup(): Promise<void> {
    for (const name of ['ups.temperature', 'ups.load', 'input.voltage', 'output.voltage', 'battery.charge', 'battery.voltage',
      'ups.model', 'ups.serial', 'ups.firmware', 'output.current']) {
      for (const v of APC_VARS) if (v.name === name) await this.varVerify(v);
    }
    await this.deprecateVars();
    if (this.byName('output.current')) this.ctx.state.setInfo('ups.model', 'Matrix-UPS');
    else if (!this.byName('ups.model')) this.ctx.state.setInfo('ups.model', 'Smart-UPS');
  }

  /** apc_getcaps: the ^Z string makes variables of this locale writable, with their values as an enum. */
  private async getCaps(qco: number): Promise<void> {
    const { state, log } = this.ctx;
    const io = this.port;
    const fw = state.getInfo('ups.firmware');
    const upsloc = fw !== undefined && fw.length > 0 ? fw[fw.length - 1] : '\0';
    io.flushAll();
    if ((await io.write(APC_CAPS)) !== 1) return;
    const r = await io.read(SER_CC | SER_TO, this.alert);
    if (r.ret < 1 || r.text === 'NA') {
      if (r.ret >= 0) log.warn('APC cannot do capabilities but said it could !');
      return;
    }
    const caps = parseCapabilities(r.text);
    for (const e of caps.entries) {
      const v = this.byChar(e.cmd);
      const valid = v !== undefined && (e.loc === upsloc || e.loc === '4') && !(v.flags & APC_PACK);
      if (valid) {
        state.setFlags(v.name, ['RW']);
        this.rw.add(v);
        this.enumerated.add(v);
        for (const value of e.values) state.addEnum(v.name, convertData(v.format, value));
      } else if (v && (v.flags & APC_PACK)) {
        log.warn(`WARN: packed APC variable ${v.name} [${shownChar(e.cmd)}] reported as enumerable, please report it on the mailing list`);
      }
    }
    if (!caps.ok && qco !== 2) log.warn(`capability string ignored from here on: ${caps.reason}`);
  }

  // ---- polling ----

  updateInfo(): Promise<void> {
    return this.mutex.run(() => this.update());
  }

  private async update(): Promise<void> {
    const { state, log } = this.ctx;
    const io = this.port;
    const { reopened } = await io.ensureOpen();
    // a reopened port is a UPS that may have restarted in dumb mode: ask for smart mode now
    const nudged = reopened && (await this.smartMode(1));
    if (nudged) {
      this.lastWorked = 0;
      if (state.stale) this.lastFull = 0; // a returning UPS gets a full read, as in NUT
    } else if (state.stale) {
      if (this.lastWorked === 0) log.debug(1, 'upsdrv_updateinfo: comm lost');
      this.lastFull = 0;
      if (++this.lastWorked < NUDGE_EVERY_POLLS) return;
      log.debug(1, `upsdrv_updateinfo: nudging ups with 'Y', iteration #${this.lastWorked} ...`);
      if (!(await this.smartMode(1))) return;
      this.lastWorked = 0;
    }
    if (!(await this.updateStatus())) { state.dataStale(); return; }
    const now = this.nowS();
    let all = false;
    if (now - this.lastFull > FULL_REFRESH_S) { this.lastFull = now; all = true; }
    if (await this.updateVars(all)) state.dataOk();
    else state.dataStale();
  }

  private async updateStatus(): Promise<boolean> {
    const io = this.port;
    await flushAlertAware(io, this.alert);
    if ((await io.write(APC_STATUS)) !== 1) return false;
    const r = await io.read(SER_AA, this.alert);
    if (r.ret < 1 || r.text === 'NA') {
      if (r.ret >= 0) this.ctx.log.warn('update_status: failed');
      return false;
    }
    this.upsStatus = parseStatus(r.text);
    this.commitStatus();
    return true;
  }

  private async updateVars(all: boolean): Promise<boolean> {
    for (const v of APC_VARS) {
      if (!all && !(v.flags & APC_POLL)) continue;
      if (!(await this.pollData(v))) {
        this.ctx.log.debug(1, 'update_info: aborting scan');
        return false;
      }
    }
    return true;
  }

  private async pollData(v: ApcVar): Promise<boolean> {
    if (!this.present.has(v)) return true;
    const io = this.port;
    await flushAlertAware(io, this.alert);
    if ((await io.write(v.cmd)) !== 1) return false;
    const r = await io.read(SER_AA, this.alert);
    if (r.ret < 1) return false;
    if (r.text === 'NA') {
      this.ctx.log.warn(`poll_data: verified variable ${v.name} [${shownChar(v.cmd)}] returned NA, removing`);
      this.present.delete(v);
      this.delValue(v);
    } else {
      this.setValue(v, r.text);
    }
    return true;
  }

  // ---- instant commands ----

  instcmd(cmd: string, ext: string | undefined): Promise<number> {
    return this.mutex.run(() => this.instcmdNow(cmd, ext));
  }

  private async instcmdNow(cmd: string, ext: string | undefined): Promise<number> {
    const { log } = this.ctx;
    const lower = cmd.toLowerCase();
    const ct = APC_COMMANDS.find((c) => c.name === lower && (c.ext ? c.ext.test(ext ?? '') : ext === undefined));
    if (!ct) {
      log.warn(`instcmd: unknown command [${cmd}${ext !== undefined ? ` ${ext}` : ''}]`);
      return STAT_INVALID;
    }
    if (!this.cmdPresent.has(ct)) {
      log.warn(`instcmd: command [${cmd}${ext !== undefined ? ` ${ext}` : ''}] recognized, but not supported by your UPS model`);
      return STAT_INVALID;
    }
    if (ct.flags & APC_NASTY) {
      const now = this.nowS();
      const ok = confirmWindow(this.lastNasty, now);
      this.lastNasty = now;
      if (!ok) {
        // NUT's confirmation: nothing is sent until the same request comes again 3–15 s later
        log.debug(1, `instcmd_chktime: outside window for [${cmd}${ext !== undefined ? ` ${ext}` : ''}]`);
        return STAT_HANDLED;
      }
    }
    await this.port.ensureOpen();
    switch (lower) {
      case 'calibrate.start': return this.doCal(true);
      case 'calibrate.stop': return this.doCal(false);
      case 'load.on': return this.doLoadOn();
      case 'load.off': return this.sdcmdZ();
      case 'shutdown.stayoff': return this.sdcmdK();
      case 'shutdown.return': {
        if (ext === undefined || ext === '') return this.sdcmdS();
        const first = ext[0]?.toUpperCase();
        if (first === 'A') return this.sdcmdAT(ext.slice(3));
        if (first === 'C') return this.sdcmdCS();
        break;
      }
      default: break;
    }
    return this.doCmd(ct);
  }

  private async doCmd(ct: ApcCommand): Promise<number> {
    const io = this.port;
    await flushAlertAware(io, this.alert);
    const repeat = (ct.flags & APC_REPEAT) !== 0;
    const ret = repeat ? await writeRepeated(io, ct.cmd, this.alert) : await io.write(ct.cmd);
    if (ret !== (repeat ? 2 : 1)) return STAT_FAILED;
    const r = await io.read(SER_AA, this.alert);
    if (r.ret < 1) return STAT_FAILED;
    if (r.text !== 'OK') {
      this.ctx.log.warn(`do_cmd: got [${r.text}] after command [${ct.name}]`);
      return STAT_FAILED;
    }
    this.ctx.log.info(`do_cmd: ${ct.name} completed`);
    return STAT_HANDLED;
  }

  /** do_cal: D toggles calibration, so look at the status first. NUT reports HANDLED whatever happens. */
  private async doCal(start: boolean): Promise<number> {
    const { log } = this.ctx;
    const io = this.port;
    await flushAlertAware(io, this.alert);
    if ((await io.write(APC_STATUS)) !== 1) return STAT_HANDLED;
    const r = await io.read(SER_AA, this.alert);
    if (r.ret < 1 || r.text === 'NA') { log.warn('runtime calibration state undeterminable'); return STAT_HANDLED; }
    const calibrating = (cStrtol(r.text, 16) & APC_STAT_CAL) !== 0;
    if (calibrating && start) { log.notice('runtime calibration already in progress'); return STAT_HANDLED; }
    if (!calibrating && !start) { log.notice('runtime calibration not occurring'); return STAT_HANDLED; }
    log.notice(start ? 'starting runtime calibration' : 'stopping runtime calibration');
    if ((await io.write(APC_CMD_CALTOGGLE)) !== 1) return STAT_HANDLED;
    const t = await io.read(SER_AA, this.alert);
    if (t.ret < 1 || t.text === 'NA' || t.text === 'NO') log.warn(`${start ? 'start' : 'stop'} calibration failed, cmd returned: ${t.text}`);
    return STAT_HANDLED;
  }

  private async doLoadOn(): Promise<number> {
    const io = this.port;
    io.flushAll();
    if ((await writeRepeated(io, APC_CMD_ON, this.alert)) !== 2) return STAT_FAILED;
    return STAT_HANDLED;
  }

  /** sdok: a shutdown command is accepted with OK or '*'; `ign`: silence counts as success. */
  private async sdok(ign: boolean): Promise<number> {
    const r = await this.port.read(SER_HA | SER_D1 | SER_TO, this.alert);
    if (r.ret < 0) return STAT_FAILED;
    if ((r.ret === 0 && ign) || r.text === 'OK') return STAT_HANDLED;
    return STAT_FAILED;
  }

  /** S: soft hibernate, honoured only on battery. */
  private async sdcmdS(): Promise<number> {
    const io = this.port;
    io.flushAll();
    if ((await io.write(APC_CMD_SOFTDOWN)) !== 1) return STAT_FAILED;
    return this.sdok(false);
  }

  /** CS 350 hack: on line, simulate a power failure first, wait, then S. */
  private async sdcmdCS(): Promise<number> {
    const io = this.port;
    const val = this.option('cshdelay');
    const delay = val !== undefined ? cStrtod(val) * 1000 : DEFAULT_CSHDELAY_MS;
    if (this.upsStatus & APC_STAT_OL) {
      io.flushAll();
      if ((await io.write(APC_CMD_SIMPWF)) !== 1) return STAT_FAILED;
      const r = await io.read(SER_D1 | SER_TO, this.alert);
      if (r.ret < 0) return STAT_FAILED;
      await io.sleep(delay);
    }
    return this.sdcmdS();
  }

  /** @nnn: hard hibernate with an additional wake-up delay. */
  private async sdcmdAT(awd: string | undefined): Promise<number> {
    const io = this.port;
    const digits = awd ?? '000';
    const padto = digits.length === 2 ? 2 : 3;
    io.flushAll();
    const ret = await writeLong(io, graceDown(awd), this.alert);
    if (ret !== padto + 1) {
      this.ctx.log.error(`issuing [@] with ${padto} digits failed`);
      return STAT_FAILED;
    }
    const ok = await this.sdok(false);
    if (ok === STAT_HANDLED || padto === 3) return ok;
    this.ctx.log.error('command [@] with 2 digits doesn\'t work - try 3 digits');
    // end the half-sent sequence with something harmless
    await io.write(APC_GOSMART);
    await io.read(SER_D1 | SER_TO, this.alert);
    return STAT_FAILED;
  }

  /** K twice: delayed power-off. */
  private async sdcmdK(): Promise<number> {
    const io = this.port;
    io.flushAll();
    if ((await writeRepeated(io, APC_CMD_SHUTDOWN, this.alert)) !== 2) return STAT_FAILED;
    return this.sdok(false);
  }

  /** Z twice: immediate power-off (the UPS says nothing). */
  private async sdcmdZ(): Promise<number> {
    const io = this.port;
    io.flushAll();
    if ((await writeRepeated(io, APC_CMD_OFF, this.alert)) !== 2) return STAT_FAILED;
    return this.sdok(true);
  }

  // ---- SET ----

  setvar(name: string, value: string): Promise<number> {
    return this.mutex.run(() => this.setvarNow(name, value));
  }

  private async setvarNow(name: string, value: string): Promise<number> {
    const v = this.byName(name);
    if (!v) return STAT_UNKNOWN;
    if (!this.rw.has(v)) {
      this.ctx.log.warn(`setvar: [${name}] is not writable`);
      return STAT_UNKNOWN;
    }
    await this.port.ensureOpen();
    if (this.enumerated.has(v)) return this.setvarEnum(v, value);
    if (v.flags & APC_STRING) return this.setvarString(v, value);
    this.ctx.log.warn(`setvar: unknown type for [${name}]`);
    return STAT_UNKNOWN;
  }

  /** Rotates the value with `-` until it reads back as wanted. */
  private async setvarEnum(v: ApcVar, val: string): Promise<number> {
    const { log } = this.ctx;
    const io = this.port;
    await flushAlertAware(io, this.alert);
    if ((await io.write(v.cmd)) !== 1) return STAT_FAILED;
    const orig = await io.read(SER_AA, this.alert);
    if (orig.ret < 1 || orig.text === 'NA') return STAT_FAILED;
    if (convertData(v.format, orig.text) === val) {
      log.info(`setvar_enum: ignoring SET ${v.name}='${val}' (unchanged value)`);
      return STAT_HANDLED;
    }
    for (let i = 0; i < MAX_ROTATIONS; i++) {
      if ((await io.write(APC_NEXTVAL)) !== 1) return STAT_FAILED;
      const t = await io.read(SER_AA, this.alert);
      if (t.ret < 1 || t.text === 'NA' || t.text !== 'OK') return STAT_FAILED;
      if ((await io.write(v.cmd)) !== 1) return STAT_FAILED;
      const now = await io.read(SER_AA, this.alert);
      if (now.ret < 1 || now.text === 'NA') return STAT_FAILED;
      const got = convertData(v.format, now.text);
      if (got === val) {
        log.info(`setvar_enum: SET ${v.name}='${val}'`);
        await this.pollData(v);
        return STAT_HANDLED;
      }
      // NUT compares the converted value with the raw original (so minute values never "wrap")
      if (got === orig.text) {
        log.error(`setvar_enum: variable ${v.name} wrapped`);
        return STAT_FAILED;
      }
    }
    log.error(`setvar_enum: gave up after 6 tries for ${v.name}`);
    await this.pollData(v);
    return STAT_FAILED;
  }

  /** `-` and the new 8 characters (CR-padded), for ups.id and battery.date. */
  private async setvarString(v: ApcVar, val: string): Promise<number> {
    const { log } = this.ctx;
    const io = this.port;
    const payload = stringSet(val);
    if (payload === null) { log.error(`setvar_string: value (${val}) too long`); return STAT_FAILED; }
    await flushAlertAware(io, this.alert);
    if ((await io.write(v.cmd)) !== 1) return STAT_FAILED;
    const cur = await io.read(SER_AA, this.alert);
    if (cur.ret < 1 || cur.text === 'NA') return STAT_FAILED;
    if (cur.text === val) {
      log.info(`setvar_string: ignoring SET ${v.name}='${val}' (unchanged value)`);
      return STAT_HANDLED;
    }
    if ((await writeLong(io, payload, this.alert)) !== APC_STRLEN + 1) return STAT_FAILED;
    const r = await io.read(SER_AA, this.alert);
    if (r.ret < 1) { log.error('setvar_string: short final read'); return STAT_FAILED; }
    if (r.text === 'NO') { log.error('setvar_string: got NO at final read'); return STAT_FAILED; }
    await this.pollData(v);
    log.info(`setvar_string: SET ${v.name}='${val}'`);
    return STAT_HANDLED;
  }

  // ---- -k and exit ----

  async shutdown(): Promise<void> {
    const { log } = this.ctx;
    const io = this.port;
    try {
      if (!(await this.smartMode(1))) log.warn('upsdrv_shutdown: setting SmartMode failed !');
      if ((await io.write(APC_STATUS)) === 1) {
        const r = await io.read(SER_D1, this.alert);
        // NUT 2.8.0 wants exactly one character here and so never reads the real status
        if (r.ret >= 1 && /^[0-9A-Fa-f]/.test(r.text)) this.upsStatus = cStrtol(r.text, 16);
        else { log.warn('upsdrv_shutdown: status read failed, assuming LB+OB'); this.upsStatus = ASSUME_LB_OB; }
      } else {
        log.warn('upsdrv_shutdown: status write failed, assuming LB+OB');
        this.upsStatus = ASSUME_LB_OB;
      }
      const adv = this.option('advorder');
      if (adv !== undefined && adv[0]?.toUpperCase() !== 'N') await this.shutdownAdvanced(adv);
      else await this.shutdownSimple();
    } finally {
      await this.cleanup();
    }
  }

  private async shutdownSimple(): Promise<void> {
    const sdtype = cStrtol(this.option('sdtype') ?? '0');
    switch (sdtype) {
      case 5: await this.sdcmdAT(this.option('awd')); break;
      case 4: await this.sdcmdCS(); break;
      case 3: await this.sdcmdK(); break;
      case 2: await this.sdcmdZ(); break;
      case 1:
        if (!(this.upsStatus & APC_STAT_OB) || (await this.sdcmdS()) !== STAT_HANDLED) await this.sdcmdAT(this.option('awd'));
        break;
      default:
        if (this.upsStatus & APC_STAT_OL) await this.sdcmdAT(this.option('awd'));
        else await this.sdcmdS();
    }
  }

  /** `advorder`: shutdown methods in order (0 S, 1 @, 2 K, 3 Z, 4 CS) until one is accepted. */
  private async shutdownAdvanced(order: string): Promise<void> {
    const methods: Array<() => Promise<number>> = [
      () => this.sdcmdS(), () => this.sdcmdAT(this.option('awd')), () => this.sdcmdK(), () => this.sdcmdZ(), () => this.sdcmdCS(),
    ];
    for (const c of order) {
      const m = methods[Number(c)];
      if (m && (await m()) === STAT_HANDLED) return;
    }
  }

  /** upsdrv_cleanup: the UPS is put back in dumb mode before the port closes (after any conversation in progress). */
  cleanup(): Promise<void> {
    return this.mutex.run(async () => {
      const io = this.io;
      if (!io) return;
      this.io = undefined;
      io.flushAll();
      if ((await io.write(APC_GODUMB)) === 1) await io.read(SER_TO, this.alert);
      await io.close();
    });
  }
}

function shownChar(c: string): string {
  const code = c.charCodeAt(0);
  return code >= 0x20 && code < 0x7f ? c : `0x${code.toString(16).padStart(2, '0')}`;
}

export const apcsmart: DriverDefinition = {
  name: 'apcsmart',
  version: '3.2',
  description: 'APC Smart protocol driver',
  seccompRole: 'driver-serial',
  vars: [
    { name: 'ttymode', kind: 'value', description: 'tty discipline selection' },
    { name: 'cable', kind: 'value', description: 'alternate cable (940-0095B) selection' },
    { name: 'awd', kind: 'value', description: "hard hibernate's additional wakeup delay" },
    { name: 'sdtype', kind: 'value', description: 'simple shutdown method' },
    { name: 'advorder', kind: 'value', description: 'advanced shutdown control' },
    { name: 'cshdelay', kind: 'value', description: 'CS hack delay' },
  ],
  create: (ctx) => new ApcDriver(ctx),
};
