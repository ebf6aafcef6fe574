// snmp-ups' logic (NUT 2.8.0 snmp-ups.c) over an injected SNMP client: MIB detection
// (load_mib2nut, sysObjectID then model OID), start-up reads, the table walk (static, unique,
// phase-filtered, stale entries), ups.status from the status entries, and SET / instant commands
// turned into the exact SNMP SETs NUT sends. No sockets here: the driver passes an SnmpIo.
//
// Deliberate differences from NUT 2.8.0 (each also noted where it happens):
// - a request that times out (agent gone) ends the walk: the data is stale at once, and the rest
//   of the table is not asked (NUT waits out every remaining OID, retries × timeout each);
// - a start-up walk cut short that way is redone in full at the next poll (NUT would have
//   disabled every variable it could not read for good);
// - an OBJECT IDENTIFIER answer is followed at most MAX_OID_INDIRECTION times (NUT recurses
//   without bound: an agent pointing an OID at itself overflows its stack);
// - a SET value that does not fit the SNMP type (INTEGER, TimeTicks) is refused as invalid, and an
//   enumerated SET with an unknown value too (NUT reads past its table);
// - only the ietf, tripplite (the ietf table) and apcc mappings exist: mibs=auto picks among them.
import { DriverError, HardnutError } from '../../core/errors.js';
import type { DriverState } from '../dstate.js';
import type { Logger } from '../../runtime/log.js';
import { STAT_FAILED, STAT_HANDLED, STAT_INVALID, STAT_UNKNOWN } from '../state-server.js';
import {
  ST_RW, ST_STRING, SU_FLAG_OK, SU_FLAG_STATIC, SU_FLAG_ABSENT, SU_FLAG_STALE, SU_FLAG_NEGINVALID, SU_FLAG_UNIQUE,
  SU_INPHASES, SU_OUTPHASES, SU_BYPPHASES, SU_INPUT_1, SU_INPUT_3, SU_OUTPUT_1, SU_OUTPUT_3, SU_BYPASS_1, SU_BYPASS_3,
  SU_TYPE_CMD, SU_TYPE_MASK, SU_TYPE_TIME,
  type MibMapping, type SnmpInfo,
} from './mib.js';
import { APCC, APCC_OID_IEM_TEMP, APCC_OID_IEM_TEMP_UNIT, APCC_IEM_FAHRENHEIT } from './apc-mib.js';
import { IETF, TRIPPLITE } from './ietf-mib.js';
import { ASN, cFixed2, cStrtol, decodeInt, decodeStr, findText, formatNumber, formatTemperature, leafInt, statusTokens, strToLong, type Varbind } from './values.js';
import { atof } from '../../core/c-number.js';

/** The mappings hardnut has, in NUT's mibs=auto order (vendor tables before the generic one). */
export const MAPPINGS: readonly MibMapping[] = [APCC, TRIPPLITE, IETF];
export const SYSOID_OID = '.1.3.6.1.2.1.1.2.0';
/** NUT tries the sysObjectID match this many times before the model-OID method. */
const SYSOID_TRIES = 3;
/** How many OBJECT IDENTIFIER answers in a row are followed (NUT: unbounded). */
export const MAX_OID_INDIRECTION = 4;
/** NUT's SU_ERR_LIMIT / SU_ERR_RATE: failed requests are logged until this many in a row, then every RATE-th. */
const ERR_LIMIT = 10;
const ERR_RATE = 100;

export type SetType = 'i' | 's' | 't';
export interface SetRequest { oid: string; type: SetType; value: number | string }

/** One GET's outcome. A response carrying an exception varbind (noSuchObject…) is a response. */
export type GetOutcome = { ok: true; vb: Varbind } | { ok: false; timeout: boolean; message: string };

export interface SnmpIo {
  get(oid: string): Promise<GetOutcome>;
  /** true when the agent answered without error. */
  set(req: SetRequest): Promise<{ ok: boolean; timeout: boolean; message?: string }>;
}

/** The agent stopped answering in the middle of a walk. */
export class SnmpTimeoutError extends HardnutError {
  constructor(oid: string) {
    super('ERR_SNMP_TIMEOUT', `Timeout: no response for ${oid}`);
  }
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const UINT32_MAX = 2 ** 32 - 1;
const WALK_INIT = 0;
const WALK_UPDATE = 1;
type WalkMode = typeof WALK_INIT | typeof WALK_UPDATE;

interface Entry { readonly info: SnmpInfo; flags: number }
type PhaseKind = 'input' | 'output' | 'bypass';

/** Numeric OID equality, leading dots ignored (netsnmp_oid_equals on parsed OIDs). */
export function oidEquals(a: string, b: string): boolean {
  return a.replace(/^\./, '') === b.replace(/^\./, '');
}

export interface SnmpUpsOptions {
  /** ups.conf `pollfreq` (s); NUT's default is 30. */
  pollFreq: number;
  /** `notransferoids` and `symmetrathreephase` flags. */
  noTransferOids?: boolean;
  symmetraThreePhase?: boolean;
  /** `ondelay` / `offdelay` (set_delays) */
  onDelay?: string | undefined;
  offDelay?: string | undefined;
  /** Seconds since the epoch (tests inject a clock). */
  nowS?: () => number;
  /** Where the agent is, for log lines ("host[:port]"). */
  host: string;
  upsName: string;
}

export class SnmpUps {
  private entries: Entry[];
  private readonly phases: Record<PhaseKind, number> = { input: -1, output: -1, bypass: -1 };
  private lastPoll = 0;
  private commOk = false;
  private initWalked = false;
  private numErr = 0;
  private readonly nowS: () => number;

  private constructor(readonly mapping: MibMapping, private readonly io: SnmpIo, private readonly state: DriverState, private readonly log: Logger, private readonly opts: SnmpUpsOptions) {
    this.entries = mapping.table.map((info) => ({ info, flags: info.flags }));
    this.nowS = opts.nowS ?? (() => Math.floor(Date.now() / 1000));
  }

  // ---- detection and start-up (upsdrv_initups) ----

  /** load_mib2nut + the model check of upsdrv_initups; throws DriverError as NUT's fatalx. */
  static async open(io: SnmpIo, state: DriverState, log: Logger, mibs: string, opts: SnmpUpsOptions): Promise<SnmpUps> {
    const mapping = await SnmpUps.detect(io, state, log, mibs, opts);
    const ups = new SnmpUps(mapping, io, state, log, opts);
    await ups.startUp(mibs);
    return ups;
  }

  static async detect(io: SnmpIo, state: DriverState, log: Logger, mibs: string, opts: Pick<SnmpUpsOptions, 'host' | 'upsName'>): Promise<MibMapping> {
    const auto = mibs === 'auto';
    // a candidate mapping only reads its model OID: nothing is published
    const probe = (m: MibMapping): SnmpUps => new SnmpUps(m, io, state, log, { pollFreq: 0, host: opts.host, upsName: opts.upsName });
    if (auto) {
      for (let i = 0; i < SYSOID_TRIES; i++) {
        const got = await SnmpUps.matchSysOid(io, log, probe);
        if (got) return got;
      }
    }
    let seen = false;
    for (const m of MAPPINGS) {
      if (!auto && m.name !== mibs) continue;
      if (!auto) seen = true;
      if (await probe(m).matchModel()) return m;
    }
    if (!auto) {
      if (seen) throw new DriverError(`Requested 'mibs' value '${mibs}' did not match this device [${opts.upsName}] (host ${opts.host})`, 'ERR_SNMP_MIB');
      throw new DriverError(`Unknown 'mibs' value: ${mibs}`, 'ERR_SNMP_MIB');
    }
    throw new DriverError(`No supported device detected at [${opts.upsName}] (host ${opts.host})`, 'ERR_SNMP_MIB');
  }

  private static async matchSysOid(io: SnmpIo, log: Logger, probe: (m: MibMapping) => SnmpUps): Promise<MibMapping | undefined> {
    const r = await io.get(SYSOID_OID);
    if (!r.ok || r.vb.type !== ASN.OID || typeof r.vb.value !== 'string') {
      log.debug(2, "Can't get sysOID value");
      return undefined;
    }
    const sysOid = r.vb.value;
    log.debug(1, `match_sysoid: device sysOID value = ${sysOid}`);
    for (const m of MAPPINGS) {
      if (m.sysOid === null || !oidEquals(m.sysOid, sysOid)) continue;
      if (await probe(m).matchModel()) return m;
    }
    log.error(`No matching MIB found for sysOID '${sysOid}'!\nPlease report it to NUT developers, with an 'upsc' output for your device.\nGoing back to the classic MIB detection method.`);
    return undefined;
  }

  private find(name: string): Entry | undefined {
    const lower = name.toLowerCase();
    return this.entries.find((e) => e.info.name.toLowerCase() === lower);
  }

  private async matchModel(): Promise<boolean> {
    const e = this.find('device.model') ?? this.find('ups.model');
    if (!e || e.info.oid === null) return false;
    return (await this.getStr(e.info.oid, undefined)) !== undefined;
  }

  private async startUp(mibs: string): Promise<void> {
    const { state, log } = this;
    const model = this.find('ups.model') ?? this.find('device.model');
    const text = model?.info.oid ? await this.getStr(model.info.oid, undefined) : undefined;
    if (text === undefined) throw new DriverError(`${mibs} MIB wasn't found on ${this.opts.host}`, 'ERR_SNMP_MIB');
    log.notice(`Detected ${text} on host ${this.opts.host} (mib: ${this.mapping.name} ${this.mapping.version})`);
    if (this.find('load.off.delay')) state.addCmd('load.off');
    if (this.find('load.on.delay')) state.addCmd('load.on');
    if (this.find('load.off.delay') && this.find('load.on.delay')) { state.addCmd('shutdown.return'); state.addCmd('shutdown.stayoff'); }
    // the system group, published once before the walk (NUT: "IETF-MIB default")
    for (const [name, oid] of [['device.description', '.1.3.6.1.2.1.1.1.0'], ['device.contact', '.1.3.6.1.2.1.1.4.0'], ['device.location', '.1.3.6.1.2.1.1.6.0']] as const) {
      if (state.getInfo(name) !== undefined) continue;
      const v = await this.getStr(oid, undefined);
      if (v !== undefined) state.setInfo(name, v);
    }
    await this.setDelays();
  }

  /** set_delays: ondelay/offdelay become SETs of ups.delay.start/shutdown when the mapping has them. */
  private async setDelays(): Promise<void> {
    const on = this.opts.onDelay === undefined ? -1 : Number(cStrtol(this.opts.onDelay, 10).value);
    const off = this.opts.offDelay === undefined ? -1 : Number(cStrtol(this.opts.offDelay, 10).value);
    if (on >= 0) await this.setvar('ups.delay.start', String(on));
    if (off >= 0) await this.setvar('ups.delay.shutdown', String(off));
  }

  // ---- first data (upsdrv_initinfo) ----

  async initInfo(): Promise<void> {
    const { state } = this;
    state.setInfo('driver.version.data', `${this.mapping.name} MIB ${this.mapping.version}`);
    for (const e of this.entries) {
      e.flags |= SU_FLAG_OK;
      // a command is offered when its OID answers at all (under v2c even an exception answers)
      if ((e.flags & SU_TYPE_MASK) === SU_TYPE_CMD && e.info.oid !== null) {
        const r = await this.io.get(e.info.oid);
        if (r.ok) state.addCmd(e.info.name);
      }
    }
    if (this.opts.noTransferOids) {
      this.log.info('Disabling transfer OIDs');
      for (const e of this.entries) {
        const n = e.info.name.toLowerCase();
        if (n === 'input.transfer.low' || n === 'input.transfer.high') e.flags &= ~SU_FLAG_OK;
      }
    }
    await this.walkAndMark(WALK_INIT);
  }

  /** One walk; the data is fresh or stale after it as NUT decides (the last entry's outcome). */
  private async walkAndMark(mode: WalkMode): Promise<void> {
    let ok: boolean;
    try {
      ok = await this.walk(mode);
      if (mode === WALK_INIT) this.initWalked = true;
    } catch (err) {
      if (!(err instanceof SnmpTimeoutError)) throw err;
      this.log.warn(`[${this.opts.upsName}] ${err.message} (host ${this.opts.host}): data stale until it answers`);
      ok = false;
    }
    if (ok) { this.state.dataOk(); this.commOk = true; } else { this.state.dataStale(); this.commOk = false; }
  }

  // ---- polls (upsdrv_updateinfo) ----

  async updateInfo(): Promise<void> {
    const { state } = this;
    // NUT walks only once pollfreq seconds have passed (strictly more), in between repeats the flag
    const now = this.nowS();
    if (now <= this.lastPoll + this.opts.pollFreq) {
      if (this.commOk) state.dataOk(); else state.dataStale();
      return;
    }
    if (!this.initWalked) {
      // hardnut: the start-up walk was cut short by a silent agent; redo it before polling
      this.lastPoll = now;
      await this.walkAndMark(WALK_INIT);
      if (!this.initWalked) return;
    }
    state.alarmInit();
    state.statusInit();
    await this.walkAndMark(WALK_UPDATE);
    state.alarmCommit();
    state.statusCommit();
    this.lastPoll = this.nowS();
  }

  private async walk(mode: WalkMode): Promise<boolean> {
    let status = false;
    for (const e of this.entries) {
      if ((e.flags & SU_TYPE_MASK) === SU_TYPE_CMD) continue;
      if (mode === WALK_UPDATE && !(e.flags & SU_FLAG_OK)) continue;
      if (mode === WALK_UPDATE && (e.flags & SU_FLAG_STATIC)) continue;
      if (e.flags & SU_FLAG_ABSENT) {
        if (mode === WALK_INIT) {
          if (e.info.dfl !== null) this.setInfo(e, null);
          e.flags |= SU_FLAG_STATIC;
        }
        continue;
      }
      if ((e.flags & SU_INPHASES) && (await this.phaseFilter('input', 'input', e))) continue;
      if ((e.flags & SU_OUTPHASES) && (await this.phaseFilter('output', 'output', e))) continue;
      if ((e.flags & SU_BYPPHASES) && (await this.phaseFilter('input.bypass', 'bypass', e))) continue;
      status = await this.getAndProcess(mode, e);
    }
    return status;
  }

  /**
   * process_phase_data: true when the entry is skipped. NUT reads "input.bypass" with the input
   * flags (its prefix test matches "input" first), so bypass entries are never filtered; kept.
   */
  private async phaseFilter(type: string, kind: PhaseKind, e: Entry): Promise<boolean> {
    const [mask, one, three] = type.startsWith('input') ? [SU_INPHASES, SU_INPUT_1, SU_INPUT_3]
      : type.startsWith('output') ? [SU_OUTPHASES, SU_OUTPUT_1, SU_OUTPUT_3] : [SU_BYPPHASES, SU_BYPASS_1, SU_BYPASS_3];
    if (this.phases[kind] === -1) {
      const key = `${type}.phases`;
      const have = this.state.getInfo(key);
      let nb = 1;
      if (have !== undefined) nb = Number(BigInt.asIntN(32, cStrtol(have, 10).value));
      else {
        const src = this.find(key);
        if (src?.info.oid) {
          const v = await this.getInt(src.info.oid);
          if (v !== undefined) nb = v;
        }
      }
      this.phases[kind] = nb;
      this.state.setInfo(key, String(nb));
    }
    const nb = this.phases[kind];
    if (e.flags & one) {
      if (nb === 1) { e.flags &= ~mask; return false; }
      e.flags &= ~SU_FLAG_OK;
      return true;
    }
    if (e.flags & three) {
      if (nb === 3) { e.flags &= ~mask; return false; }
      e.flags &= ~SU_FLAG_OK;
      return true;
    }
    return false;
  }

  private async getAndProcess(mode: WalkMode, e: Entry): Promise<boolean> {
    const ok = await this.suGet(e);
    if (ok) {
      if (e.flags & SU_FLAG_STALE) {
        this.log.info(`[${this.opts.upsName}] get_and_process_data: data resumed for ${e.info.name}`);
        e.flags &= ~SU_FLAG_STALE;
      }
      if (e.flags & SU_FLAG_UNIQUE) { this.disableCompetition(e); e.flags &= ~SU_FLAG_UNIQUE; }
      this.state.dataOk();
    } else if (mode === WALK_INIT) {
      e.flags &= ~SU_FLAG_OK;
    } else {
      if (!(e.flags & SU_FLAG_STALE)) {
        this.log.info(`[${this.opts.upsName}] snmp_ups_walk: data stale for ${e.info.name}`);
        e.flags |= SU_FLAG_STALE;
      }
      this.state.dataStale();
    }
    return ok;
  }

  private disableCompetition(winner: Entry): void {
    for (const e of this.entries) if (e !== winner && e.info.name === winner.info.name) e.flags &= ~SU_FLAG_OK;
  }

  /** su_ups_get: read one entry and publish it. */
  private async suGet(e: Entry): Promise<boolean> {
    const { info } = e;
    const lower = info.name.toLowerCase();
    if (lower === 'ups.status') {
      if (info.oid === null) return false;
      const v = await this.getInt(info.oid);
      if (v === undefined) return false;
      for (const t of statusTokens(info.lookup, v)) this.state.statusSet(t);
      return true;
    }
    if (info.name.endsWith('.alarm')) {
      if (info.oid === null) return false;
      const v = await this.getInt(info.oid);
      if (v === undefined) return false;
      const text = findText(info.lookup, v);
      if (text !== undefined && text !== '') this.state.alarmSet(text);
      return true;
    }
    if (lower === 'ambient.temperature') {
      if (info.oid === null) return false;
      const v = await this.getInt(info.oid);
      if (v === undefined) return false;
      let celsius = v * info.len;
      if (oidEquals(info.oid, APCC_OID_IEM_TEMP)) {
        const units = await this.getInt(APCC_OID_IEM_TEMP_UNIT);
        celsius = units === undefined || units === APCC_IEM_FAHRENHEIT ? (v - 32) / 1.8 : v;
      }
      this.setInfo(e, formatTemperature(celsius));
      return true;
    }
    let text: string | undefined;
    if (info.oid === null) {
      text = info.dfl ?? undefined;
    } else if (info.stFlags & ST_STRING) {
      text = await this.getStr(info.oid, info.lookup);
      if (text !== undefined && this.opts.symmetraThreePhase && (lower === 'input.transfer.low' || lower === 'input.transfer.high')) {
        text = cFixed2(atof(text) * 0.707);
      }
    } else {
      const v = await this.getInt(info.oid);
      if (v === undefined) return false;
      if ((e.flags & SU_FLAG_NEGINVALID) && v < 0) {
        e.flags &= ~SU_FLAG_OK;
        if (e.flags & SU_FLAG_UNIQUE) { this.disableCompetition(e); e.flags &= ~SU_FLAG_UNIQUE; }
        return false;
      }
      text = findText(info.lookup, v) ?? formatNumber(v, info.len);
    }
    if (text === undefined) return false;
    this.setInfo(e, text);
    return true;
  }

  /** su_setinfo: publish a value (or the default) with the entry's flags, length and enum. */
  private setInfo(e: Entry, value: string | null): void {
    const { info } = e;
    if ((e.flags & SU_TYPE_MASK) === SU_TYPE_CMD) return;
    if (info.name.toLowerCase() === 'ups.status' || info.name.toLowerCase().endsWith('.alarm')) return;
    const v = value ?? info.dfl;
    if (v === null) return;
    const { state } = this;
    state.setInfo(info.name, v);
    const flags: Array<'RW' | 'STRING'> = [];
    if (info.stFlags & ST_RW) flags.push('RW');
    if (info.stFlags & ST_STRING) flags.push('STRING');
    state.setFlags(info.name, flags);
    state.setAux(info.name, Math.trunc(info.len));
    if ((info.stFlags & ST_RW) && info.lookup) for (const l of info.lookup) state.addEnum(info.name, l.text);
    state.dataOk();
  }

  // ---- reading OIDs ----

  /** One GET; a timeout aborts the walk (SnmpTimeoutError), any other failure is undefined. */
  private async fetch(oid: string): Promise<Varbind | undefined> {
    const r = await this.io.get(oid);
    if (r.ok) { this.numErr = 0; return r.vb; }
    if (r.timeout) throw new SnmpTimeoutError(oid);
    this.numErr++;
    if (this.numErr === ERR_LIMIT || this.numErr % ERR_RATE === 0) {
      this.log.warn(`[${this.opts.upsName}] Warning: excessive poll failures, limiting error reporting (OID = ${oid})`);
    }
    if (this.numErr < ERR_LIMIT || this.numErr % ERR_RATE === 0) this.log.debug(2, `[${this.opts.upsName}] nut_snmp_walk: ${oid}: ${r.message}`);
    return undefined;
  }

  /** nut_snmp_get_int */
  private async getInt(oid: string, depth = 0): Promise<number | undefined> {
    const vb = await this.fetch(oid);
    if (!vb) return undefined;
    const d = decodeInt(vb);
    if (d.kind === 'value') return d.value;
    if (d.kind === 'oid') {
      const via = depth < MAX_OID_INDIRECTION ? await this.getInt(d.oid, depth + 1) : undefined;
      return via ?? leafInt(d.leaf);
    }
    this.log.error(`[${this.opts.upsName}] ${d.reason} received from ${oid}`);
    return undefined;
  }

  /** nut_snmp_get_str */
  private async getStr(oid: string, table: SnmpInfo['lookup']): Promise<string | undefined> {
    return this.getStrAt(oid, table, 0);
  }

  private async getStrAt(oid: string, table: SnmpInfo['lookup'], depth: number): Promise<string | undefined> {
    const vb = await this.fetch(oid);
    if (!vb) return undefined;
    const d = decodeStr(vb, table);
    if (d.kind === 'value') return d.value;
    if (d.kind === 'oid') {
      const via = depth < MAX_OID_INDIRECTION ? await this.getStrAt(d.oid, table, depth + 1) : undefined;
      return via ?? d.leaf;
    }
    this.log.debug(2, `[${this.opts.upsName}] ${d.reason} received from ${oid}`);
    return undefined;
  }

  // ---- SET and instant commands (su_setOID) ----

  /** The SET NUT sends for a variable or command, or the STAT_* answer when none is sent. */
  buildSet(mode: 'instcmd' | 'setvar', name: string, val: string | undefined): SetRequest | number {
    const e = this.find(name);
    const oid = e?.info.oid;
    if (!e || !(e.flags & SU_FLAG_OK) || oid === null || oid === undefined) {
      this.log.debug(2, `su_setOID: info element unavailable ${name}`);
      return STAT_UNKNOWN;
    }
    const { info } = e;
    const given = val ?? info.dfl;
    if (mode === 'instcmd' && given === null) return STAT_INVALID;
    if (info.stFlags & ST_STRING) return given === null ? STAT_INVALID : { oid, type: 's', value: given };
    let value: number | undefined;
    if (mode === 'instcmd') value = given === null ? undefined : strToLong(given);
    else if (info.lookup) value = given === null ? undefined : info.lookup.find((l) => l.text === given)?.value;
    else {
      const n = val === undefined ? undefined : strToLong(val);
      value = n === undefined ? undefined : Math.trunc(n / info.len);
    }
    if (value === undefined) {
      this.log.debug(1, `su_setOID: cannot ${mode === 'instcmd' ? 'execute command' : 'set'} '${name}': value is not a number!`);
      return STAT_INVALID;
    }
    if ((e.flags & SU_TYPE_MASK) === SU_TYPE_TIME) {
      const ticks = value * 100;
      // hardnut: a value TimeTicks cannot carry is refused (NUT would send a wrapped number)
      return ticks < 0 || ticks > UINT32_MAX ? STAT_INVALID : { oid, type: 't', value: ticks };
    }
    // hardnut: a value INTEGER cannot carry is refused (NUT would send a truncated one)
    return value < INT32_MIN || value > INT32_MAX ? STAT_INVALID : { oid, type: 'i', value };
  }

  private async setOid(mode: 'instcmd' | 'setvar', name: string, val: string | undefined): Promise<number> {
    const req = this.buildSet(mode, name, val);
    if (typeof req === 'number') return req;
    const r = await this.io.set(req);
    if (!r.ok) {
      this.log.error(`[${this.opts.upsName}] nut_snmp_set: can't set ${req.oid}: ${r.message ?? (r.timeout ? `Timeout: no response from ${this.opts.host}` : 'error')}`);
      return STAT_FAILED;
    }
    if (mode === 'setvar' && val !== undefined) this.state.setInfo(name, val);
    this.log.debug(1, `su_setOID: successfully ${mode === 'instcmd' ? `sent command ${name}` : `set ${name} to "${val ?? ''}"`}`);
    return STAT_HANDLED;
  }

  setvar(name: string, value: string): Promise<number> {
    return this.setOid('setvar', name, value);
  }

  instcmd(cmd: string, param: string | undefined): Promise<number> {
    return this.setOid('instcmd', cmd, param);
  }

  /** upsdrv_shutdown: delays, then shutdown.return, shutdown.reboot or load.off.delay. */
  async shutdown(): Promise<void> {
    await this.setDelays();
    for (const cmd of ['shutdown.return', 'shutdown.reboot', 'load.off.delay']) {
      if ((await this.instcmd(cmd, undefined)) === STAT_HANDLED) return;
    }
    throw new DriverError('Shutdown failed!', 'ERR_SNMP_SHUTDOWN');
  }
}

