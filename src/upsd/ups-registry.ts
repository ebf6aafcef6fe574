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
    this.state.clear();
    this.connected = true;
    this.dumpDone = false;
    this.stale = false;
    this.lastHeard = now;
    this.state.setInfo('ups.status', 'WAIT');
  }

  /** The driver connection is gone: the data goes with it (NUT's sstate_disconnect). */
  disconnected(): void {
    this.state.clear();
    this.connected = false;
    this.dumpDone = false;
  }

  /**
   * Applies one driver message (§3.2). Every parsed message counts as "heard from the driver"
   * (parseDriverMessage returns Malformed, never a message, for lines NUT would not count),
   * except PID and the LOGOUT reply, which upsd's parser does not know.
   */
  apply(m: DriverMessage, now: number, onTracking?: (id: string, status: number) => void): void {
    switch (m.type) {
      case 'PONG': break;
      case 'DUMPDONE': this.dumpDone = true; break;
      case 'DATASTALE': this.dataOk = false; break;
      case 'DATAOK': this.dataOk = true; break;
      case 'ADDCMD': this.state.addCmd(m.name); break;
      case 'DELCMD': this.state.delCmd(m.name); break;
      case 'DELINFO': this.state.delInfo(m.name); break;
      case 'SETFLAGS': this.state.setFlags(m.name, m.flags); break;
      case 'SETINFO': this.state.setInfo(m.name, m.value); break;
      case 'ADDENUM': this.state.addEnum(m.name, m.value); break;
      case 'DELENUM': this.state.delEnum(m.name, m.value); break;
      case 'SETAUX': this.state.setAux(m.name, m.aux); break;
      case 'TRACKING': onTracking?.(m.id, m.status); break;
      case 'ADDRANGE': this.state.addRange(m.name, m.min, m.max); break;
      case 'DELRANGE': this.state.delRange(m.name, m.min, m.max); break;
      case 'PID':
      case 'GOODBYE':
        return; // not upsd's messages: not counted (sstate.c parse_args does not know them)
      default:
        return;
    }
    this.lastHeard = now;
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
