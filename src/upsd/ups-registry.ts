// upsd's view of each UPS (spec §2.3, §2.6, §3.2): the state tree rebuilt from the driver's
// messages, the driver connection's freshness, the FSD latch, the login count and the description.
// Sans I/O: the driver link (driver-link.ts) feeds messages in and asks what to send; time comes
// in as an argument, so staleness is testable without waiting.

import { StateTree } from '../core/state-tree.js';
import type { DriverMessage } from '../protocol/sock/messages.js';

/** A UPS as upsd needs it from ups.conf (§4.1: only driver, port and desc matter to upsd). */
export interface UpsDefinition {
  name: string;
  driver: string;
  desc?: string;
}

/** The name of the driver socket, relative to the state path (§3.1). */
export function driverSocketName(def: Pick<UpsDefinition, 'name' | 'driver'>): string {
  return `${def.driver}-${def.name}`;
}

/** NUT's SS_CONNFAIL_INT: at most one "Can't connect to UPS" log line per UPS this often. */
export const CONNECT_FAIL_LOG_INTERVAL_MS = 300_000;

/*
 * Bounds on what one driver can make upsd keep (hardnut addition; NUT has none, and one hostile
 * driver publishing a million variables ran NUT-like upsd out of heap, issue #19). Real drivers
 * stay far below them: a 48-outlet PDU publishes about 1 500 variables and 300 commands. What
 * goes beyond a bound is refused (the driver's other data is kept and served) and logged once per
 * driver connection, so one driver can never take upsd or another UPS down.
 */
/** Variables one UPS may have. */
export const MAX_VARS_PER_UPS = 10_000;
/** Instant commands one UPS may have. */
export const MAX_CMDS_PER_UPS = 2_000;
/** ENUM values of one variable. */
export const MAX_ENUMS_PER_VAR = 256;
/** RANGE entries of one variable. */
export const MAX_RANGES_PER_VAR = 64;
/** Characters of names, values and enums of one UPS, each entry charged ENTRY_OVERHEAD_BYTES on top. */
export const MAX_STATE_BYTES_PER_UPS = 4 * 1024 * 1024;
/** What an entry costs besides its characters (object, map slot): a flood of empty ones is counted too. */
export const ENTRY_OVERHEAD_BYTES = 64;

export type Availability = 'ok' | 'DRIVER-NOT-CONNECTED' | 'DATA-STALE';

/** What a staleness check (§2.6) asks of the caller. */
export interface FreshnessCheck {
  /** Send PING to the driver now. */
  ping: boolean;
  /** The stale flag changed: log NUT's message for it. */
  transition?: 'stale' | 'fresh';
}

/** ASCII-only case folding, as strcasecmp (names are ASCII: the tokenizer keeps 0x20–0x7F). */
export function foldName(s: string): string {
  return s.toLowerCase();
}

export class UpsEntry {
  readonly name: string;
  driver: string;
  desc: string | undefined;
  readonly state = new StateTree();
  connected = false;
  /** DUMPDONE received since the connection was made (§2.6: DATAOK/DATASTALE count only after it). */
  dumpDone = false;
  /**
   * The driver's last word on freshness: DATAOK (true) or DATASTALE (false). As in NUT it starts
   * false and survives reconnects: a driver's dump ends with DATAOK (or DATASTALE) anyway.
   */
  dataOk = false;
  /** §2.6: a new entry starts stale; a fresh driver connection clears it. */
  stale = true;
  /** When a recognised driver line last arrived (ms). */
  lastHeard: number;
  lastPing = 0;
  /** The FSD latch (§2.3 FSD). */
  fsd = false;
  numLogins = 0;
  /** When a failed connect was last logged (ms), for the 300 s rate limit. */
  lastConnectFailLog = Number.NEGATIVE_INFINITY;
  /** Charged size of the state tree (see MAX_STATE_BYTES_PER_UPS). */
  private stateBytes = 0;
  private cmdCount = 0;
  /** A bound was hit since the driver connected (reported once per connection). */
  private overLimit = false;

  constructor(def: UpsDefinition, now: number) {
    this.name = def.name;
    this.driver = def.driver;
    this.desc = def.desc;
    this.lastHeard = now;
  }

  get socketName(): string {
    return driverSocketName(this);
  }

  /** A driver connection is up: forget old data, show WAIT until the dump arrives (§2.6). */
  connectedAt(now: number): void {
    this.clearState();
    this.connected = true;
    this.dumpDone = false;
    this.stale = false;
    this.lastHeard = now;
    this.setInfo('ups.status', 'WAIT');
  }

  /** The driver connection is gone: the data goes with it (NUT's sstate_disconnect). */
  disconnected(): void {
    this.clearState();
    this.connected = false;
    this.dumpDone = false;
  }

  /** Charged bytes of the state tree (for tests and the log). */
  get chargedBytes(): number {
    return this.stateBytes;
  }

  private clearState(): void {
    this.state.clear();
    this.stateBytes = 0;
    this.cmdCount = 0;
    this.overLimit = false;
  }

  /** The bound a message would break, or undefined. Charges nothing. */
  private wouldExceed(m: DriverMessage): string | undefined {
    const room = MAX_STATE_BYTES_PER_UPS - this.stateBytes;
    const bytes = `MAX_STATE_BYTES_PER_UPS (${String(MAX_STATE_BYTES_PER_UPS)} bytes)`;
    switch (m.type) {
      case 'SETINFO': {
        const v = this.state.get(m.name);
        if (v === undefined) {
          if (this.state.size >= MAX_VARS_PER_UPS) return `MAX_VARS_PER_UPS (${String(MAX_VARS_PER_UPS)} variables)`;
          return ENTRY_OVERHEAD_BYTES + m.name.length + m.value.length > room ? bytes : undefined;
        }
        return m.value.length - v.value.length > room ? bytes : undefined;
      }
      case 'ADDENUM': {
        const v = this.state.get(m.name);
        if (v === undefined) return undefined;
        if (v.enums.length >= MAX_ENUMS_PER_VAR) return `MAX_ENUMS_PER_VAR (${String(MAX_ENUMS_PER_VAR)} values of ${v.name})`;
        return ENTRY_OVERHEAD_BYTES + m.value.length > room ? bytes : undefined;
      }
      case 'ADDRANGE': {
        const v = this.state.get(m.name);
        if (v === undefined) return undefined;
        if (v.ranges.length >= MAX_RANGES_PER_VAR) return `MAX_RANGES_PER_VAR (${String(MAX_RANGES_PER_VAR)} ranges of ${v.name})`;
        return ENTRY_OVERHEAD_BYTES > room ? bytes : undefined;
      }
      case 'ADDCMD':
        if (this.state.hasCmd(m.name)) return undefined;
        if (this.cmdCount >= MAX_CMDS_PER_UPS) return `MAX_CMDS_PER_UPS (${String(MAX_CMDS_PER_UPS)} commands)`;
        return ENTRY_OVERHEAD_BYTES + m.name.length > room ? bytes : undefined;
      default:
        return undefined;
    }
  }

  private setInfo(name: string, value: string): void {
    const v = this.state.get(name);
    const before = v === undefined ? 0 : v.value.length;
    if (!this.state.setInfo(name, value)) return;
    this.stateBytes += v === undefined ? ENTRY_OVERHEAD_BYTES + name.length + value.length : value.length - before;
  }

  private delInfo(name: string): void {
    const v = this.state.get(name);
    if (v === undefined || !this.state.delInfo(name)) return;
    let cost = ENTRY_OVERHEAD_BYTES + v.name.length + v.value.length + v.ranges.length * ENTRY_OVERHEAD_BYTES;
    for (const e of v.enums) cost += ENTRY_OVERHEAD_BYTES + e.length;
    this.stateBytes -= cost;
  }

  /**
   * Applies one driver message (§3.2). Every parsed message counts as "heard from the driver"
   * (parseDriverMessage returns Malformed, never a message, for lines NUT would not count),
   * except PID and the LOGOUT reply, which upsd's parser does not know.
   *
   * A message that would break one of the per-UPS bounds is refused (not applied, but it still
   * counts as heard: the driver is alive). Returns the bound the first time one is hit since the
   * driver connected, for one log line; undefined otherwise.
   */
  apply(m: DriverMessage, now: number, onTracking?: (id: string, status: number) => void): string | undefined {
    const exceeded = this.wouldExceed(m);
    if (exceeded !== undefined) {
      this.lastHeard = now;
      if (this.overLimit) return undefined;
      this.overLimit = true;
      return exceeded;
    }
    switch (m.type) {
      case 'PONG': break;
      case 'DUMPDONE': this.dumpDone = true; break;
      case 'DATASTALE': this.dataOk = false; break;
      case 'DATAOK': this.dataOk = true; break;
      case 'ADDCMD':
        if (this.state.addCmd(m.name)) { this.cmdCount++; this.stateBytes += ENTRY_OVERHEAD_BYTES + m.name.length; }
        break;
      case 'DELCMD':
        // ASCII case folding keeps the length: the stored name is as long as m.name
        if (this.state.delCmd(m.name)) { this.cmdCount--; this.stateBytes -= ENTRY_OVERHEAD_BYTES + m.name.length; }
        break;
      case 'DELINFO': this.delInfo(m.name); break;
      case 'SETFLAGS': this.state.setFlags(m.name, m.flags); break;
      case 'SETINFO': this.setInfo(m.name, m.value); break;
      case 'ADDENUM':
        if (this.state.addEnum(m.name, m.value)) this.stateBytes += ENTRY_OVERHEAD_BYTES + m.value.length;
        break;
      case 'DELENUM':
        // the enum removed matches m.value case-insensitively, so it has its length
        if (this.state.delEnum(m.name, m.value)) this.stateBytes -= ENTRY_OVERHEAD_BYTES + m.value.length;
        break;
      case 'SETAUX': this.state.setAux(m.name, m.aux); break;
      case 'TRACKING': onTracking?.(m.id, m.status); break;
      case 'ADDRANGE':
        if (this.state.addRange(m.name, m.min, m.max)) this.stateBytes += ENTRY_OVERHEAD_BYTES;
        break;
      case 'DELRANGE':
        if (this.state.delRange(m.name, m.min, m.max)) this.stateBytes -= ENTRY_OVERHEAD_BYTES;
        break;
      case 'PID':
      case 'GOODBYE':
        return undefined; // not upsd's messages: not counted (sstate.c parse_args does not know them)
      default:
        return undefined;
    }
    this.lastHeard = now;
    return undefined;
  }

  /**
   * NUT's sstate_dead plus the stale/ok bookkeeping of upsd's main loop (§2.6), for one loop at
   * `now`. maxAge in seconds, compared in whole seconds as NUT's time() does.
   */
  checkFreshness(now: number, maxAge: number): FreshnessCheck {
    const result: FreshnessCheck = { ping: false };
    let dead: boolean;
    if (!this.connected) {
      dead = true;
    } else if (this.dumpDone && !this.dataOk) {
      dead = true;
    } else {
      const elapsed = wholeSeconds(now) - wholeSeconds(this.lastHeard);
      const third = Math.trunc(maxAge / 3);
      if (elapsed > third && wholeSeconds(now) - wholeSeconds(this.lastPing) > third) {
        result.ping = true;
        this.lastPing = now;
      }
      // NUT master: a 1 s grace beyond MAXAGE before data counts as stale (§2.6).
      dead = elapsed > maxAge + 1;
    }
    if (dead && !this.stale) {
      this.stale = true;
      result.transition = 'stale';
    } else if (!dead && this.stale) {
      this.stale = false;
      result.transition = 'fresh';
    }
    return result;
  }

  /** NUT's ups_available (§2.3): the error to send, or 'ok'. */
  availability(): Availability {
    if (!this.connected) return 'DRIVER-NOT-CONNECTED';
    if (this.stale) return 'DATA-STALE';
    return 'ok';
  }
}

function wholeSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

export interface ReloadResult {
  added: UpsEntry[];
  /** Kept, but the driver changed: the caller drops the old driver connection (NUT: "Redefined UPS"). */
  redefined: UpsEntry[];
  removed: UpsEntry[];
}

/** The configured UPSes, in NUT's LIST UPS order (§2.3). */
export class UpsRegistry {
  private entries: UpsEntry[] = [];
  private readonly byName = new Map<string, UpsEntry>();

  /** LIST UPS order: ups.conf order at startup; UPSes added by a reload come first (§2.3). */
  list(): readonly UpsEntry[] {
    return this.entries;
  }

  get size(): number {
    return this.entries.length;
  }

  /** Case-insensitive, as NUT's get_ups_ptr. */
  get(name: string): UpsEntry | undefined {
    return this.byName.get(name) ?? this.byName.get(foldName(name));
  }

  /**
   * Applies ups.conf (startup or reload). A known UPS keeps its state (and FSD latch) unless its
   * driver changed; a new one is created stale and not connected; one no longer listed is removed.
   */
  load(defs: readonly UpsDefinition[], now: number): ReloadResult {
    const result: ReloadResult = { added: [], redefined: [], removed: [] };
    const seen = new Set<string>();
    const fresh: UpsEntry[] = [];
    for (const def of defs) {
      const key = foldName(def.name);
      if (seen.has(key)) continue; // ups.conf reader already refuses duplicates
      seen.add(key);
      const existing = this.byName.get(key);
      if (existing) {
        if (existing.driver !== def.driver) {
          existing.driver = def.driver;
          result.redefined.push(existing);
        }
        existing.desc = def.desc;
        continue;
      }
      const e = new UpsEntry(def, now);
      fresh.push(e);
      result.added.push(e);
    }
    const kept = this.entries.filter((e) => seen.has(foldName(e.name)));
    result.removed = this.entries.filter((e) => !seen.has(foldName(e.name)));
    for (const e of result.removed) this.byName.delete(foldName(e.name));
    for (const e of fresh) this.byName.set(foldName(e.name), e);
    this.entries = [...fresh, ...kept];
    return result;
  }
}
