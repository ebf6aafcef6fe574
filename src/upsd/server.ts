// upsd's running core: client connections, driver links, and NUT's 2-second main loop (spec
// §2.1, §2.6): purge old tracking entries, reconnect drivers, check staleness (PING at MAXAGE/3),
// drop idle clients. Also MAXCONN and reload. The protocol itself is in commands.ts.
//
// MAXCONN (hardnut difference): a fixed bound on open client connections, default 1024. A client
// beyond it is accepted and closed at once, and counted in the log. NUT sizes its poll arrays from
// MAXCONN (by default from the fd rlimit — one NUT release allocated 8 GiB that way) and simply stops
// polling the excess clients. The bound is never derived from rlimits here.
//
// Connection slots an attacker cannot exhaust (hardnut addition; NUT has none, and 1 030 idle
// connections from one address locked every other client out, issue #19). A connection counts as
// authenticated once one credential check on it succeeded (LOGIN, PRIMARY, FSD, SET, INSTCMD):
// - one address may hold MAX_CONN_PER_ADDRESS connections, MAX_UNAUTH_PER_ADDRESS of them not
//   authenticated; unauthenticated ones may fill MAXCONN only up to the share kept for
//   authenticated clients (reservedForAuthenticated);
// - at a bound, a new connection takes the place of the oldest unauthenticated one (of its own
//   address for the per-address bounds, of any address for the global ones) that has been open
//   EVICTION_GRACE_MS, so that a upsmon arriving during a flood gets in and has time to log in;
//   with no such connection it is refused, except that below MAXCONN it may use the reserved
//   share for a while (the main loop takes back unauthenticated connections beyond their share);
// - an unauthenticated connection is cut after PRELOGIN_IDLE_TIMEOUT_MS without a complete line if
//   it never sent one, or if its address holds more than MAX_UNAUTH_PER_ADDRESS / 2 of them;
//   otherwise (a monitoring tool polling without credentials) NUT's 60 s apply.

import type net from 'node:net';
import type { Logger } from '../runtime/log.js';
import { AuthThrottle } from './auth-throttle.js';
import type { CommandContext } from './commands.js';
import { Connection, type ConnectionHost } from './connection.js';
import type { Descriptions } from './descriptions.js';
import { DriverLink } from './driver-link.js';
import type { BoundListener } from './listeners.js';
import { Session, UNIX_CLIENT_ADDRESS } from './session.js';
import type { TlsSettings } from './tls.js';
import { newTrackingId, TrackingTable } from './tracking.js';
import { UpsRegistry, type UpsDefinition, type UpsEntry } from './ups-registry.js';
import type { UserDb } from './users.js';

/** NUT's main loop period (poll timeout, §2.1). */
export const TICK_MS = 2_000;
/** A client not heard from (no complete line) for longer is disconnected (§2.1). */
export const IDLE_TIMEOUT_MS = 60_000;
/** Refused connections are summed up in the log at most this often (the first one is logged at once). */
export const REFUSAL_LOG_INTERVAL_MS = 5_000;
/** Connections one client address may hold. */
export const MAX_CONN_PER_ADDRESS = 64;
/** Connections without a successful credential check one client address may hold. */
export const MAX_UNAUTH_PER_ADDRESS = 16;
/** An unauthenticated connection is not replaced by a newer one before it is this old (time to log in). */
export const EVICTION_GRACE_MS = 2_000;
/** See the header: how long an unauthenticated connection may be silent when it is suspect. */
export const PRELOGIN_IDLE_TIMEOUT_MS = 10_000;

/** Slots of MAXCONN kept for authenticated connections: an eighth, at least one. */
export function reservedForAuthenticated(maxConn: number): number {
  return Math.max(1, Math.floor(maxConn / 8));
}

export interface ServerSettings {
  maxAge: number;
  trackingDelay: number;
  maxConn: number;
}

export interface UpsdServerOptions {
  log: Logger;
  hardnutVersion: string;
  settings: ServerSettings;
  users: UserDb;
  ups: readonly UpsDefinition[];
  descriptions: Descriptions;
  tls?: TlsSettings;
  /** Where driver sockets are; undefined = the working directory (upsd chdirs there, as NUT). */
  statePath?: string;
  clock?: () => number;
}

export interface ServerStats {
  connections: number;
  refused: number;
  evicted: number;
  drivers: number;
}

export class UpsdServer implements CommandContext, ConnectionHost {
  readonly registry = new UpsRegistry();
  readonly tracking = new TrackingTable();
  readonly throttle = new AuthThrottle();
  readonly descriptions: Descriptions;
  readonly hardnutVersion: string;
  readonly log: Logger;
  readonly tls: TlsSettings | undefined;
  private currentUsers: UserDb;
  private settings: ServerSettings;
  /** Insertion order = age order, oldest first (eviction picks the first that qualifies). */
  private readonly connections = new Set<Connection>();
  private readonly byAddress = new Map<string, Set<Connection>>();
  private evictedTotal = 0;
  private readonly links = new Map<UpsEntry, DriverLink>();
  private listeners: BoundListener[] = [];
  private tickTimer: NodeJS.Timeout | null = null;
  private nextId = 1;
  private refusedTotal = 0;
  private refusedSinceLog = 0;
  private lastRefusalLog = Number.NEGATIVE_INFINITY;
  private lastRefusalReason = '';
  private readonly clock: () => number;
  private readonly statePath: string | undefined;

  constructor(opts: UpsdServerOptions) {
    this.log = opts.log;
    this.hardnutVersion = opts.hardnutVersion;
    this.settings = { ...opts.settings };
    this.currentUsers = opts.users;
    this.descriptions = opts.descriptions;
    this.tls = opts.tls;
    this.clock = opts.clock ?? Date.now;
    this.statePath = opts.statePath;
    this.applyUps(opts.ups);
  }

  // CommandContext -------------------------------------------------------------------------------

  get users(): UserDb {
    return this.currentUsers;
  }

  get ctx(): CommandContext {
    return this;
  }

  get tlsReady(): boolean {
    return this.tls !== undefined;
  }

  now(): number {
    return this.clock();
  }

  *sessions(): Iterable<Session> {
    const all = [...this.connections];
    for (let i = all.length - 1; i >= 0; i--) yield (all[i] as Connection).session;
  }

  sendToDriver(ups: UpsEntry, line: string): boolean {
    return this.links.get(ups)?.send(line) ?? false;
  }

  newTrackingId(): string {
    return newTrackingId();
  }

  // connections ----------------------------------------------------------------------------------

  /** Starts accepting on bound listeners. */
  attach(listeners: readonly BoundListener[]): void {
    for (const l of listeners) {
      this.listeners.push(l);
      l.server.on('connection', (socket: net.Socket) => this.accept(socket, l.spec.kind));
      l.server.on('error', (err) => this.log.error(`listener ${l.label}: ${err.message}`));
    }
  }

  private accept(socket: net.Socket, kind: 'tcp' | 'unix'): void {
    const address = kind === 'unix' ? UNIX_CLIENT_ADDRESS : (socket.remoteAddress ?? 'unknown');
    const now = this.now();
    const own = this.byAddress.get(address);
    if (own !== undefined && (own.size >= MAX_CONN_PER_ADDRESS || countUnauth(own) >= MAX_UNAUTH_PER_ADDRESS)) {
      if (!this.evictOldestUnauth(own, now)) {
        this.refuse(socket, address, `${String(MAX_CONN_PER_ADDRESS)} connections or ${String(MAX_UNAUTH_PER_ADDRESS)} not logged in from this address`);
        return;
      }
    }
    const max = this.settings.maxConn;
    const unauthCap = max - reservedForAuthenticated(max);
    if (this.connections.size >= max) {
      if (!this.evictOldestUnauth(this.connections, now)) {
        this.refuse(socket, address, `MAXCONN (${String(max)}) connections are open`);
        return;
      }
    } else if (this.connections.size >= unauthCap && countUnauth(this.connections) >= unauthCap) {
      // make room if an old one can go; else the newcomer is let into the reserved share for
      // now (it may be the upsmon the share is for), and trimUnauth() takes it back if it stays
      // unauthenticated
      this.evictOldestUnauth(this.connections, now);
    }
    if (kind === 'tcp') socket.setNoDelay(true);
    const session = new Session(this.nextId++, address, kind, now);
    const c = new Connection(socket, session, this);
    this.connections.add(c);
    let set = this.byAddress.get(address);
    if (set === undefined) this.byAddress.set(address, (set = new Set()));
    set.add(c);
    this.log.debug(2, `Connect from ${address}`);
  }

  /** Closes the oldest unauthenticated connection of `pool` open for EVICTION_GRACE_MS; false if none. */
  private evictOldestUnauth(pool: Iterable<Connection>, now: number): boolean {
    for (const c of pool) {
      const s = c.session;
      if (s.authenticated || now - s.connectedAt < EVICTION_GRACE_MS) continue;
      this.evictedTotal++;
      if (this.evictedTotal === 1) this.log.warn(`Connection slots full: closing the oldest connection that has not logged in (${s.address}) for a new one (logged once)`);
      c.destroy();
      return true;
    }
    return false;
  }

  private refuse(socket: net.Socket, address: string, reason: string): void {
    this.refusedTotal++;
    this.refusedSinceLog++;
    this.lastRefusalReason = reason;
    // closed at once: a flood beyond MAXCONN must not pile up sockets waiting to close
    socket.on('error', () => undefined);
    socket.destroy();
    if (this.refusedTotal === 1) {
      this.log.warn(`Refused connection from ${address}: ${reason} (1 refused so far)`);
      this.refusedSinceLog = 0;
      this.lastRefusalLog = this.now();
    }
  }

  private logRefusals(now: number): void {
    if (this.refusedSinceLog === 0 || now - this.lastRefusalLog < REFUSAL_LOG_INTERVAL_MS) return;
    this.log.warn(`Refused ${String(this.refusedSinceLog)} more connections: ${this.lastRefusalReason} (${String(this.refusedTotal)} refused so far)`);
    this.refusedSinceLog = 0;
    this.lastRefusalLog = now;
  }

  closed(c: Connection): void {
    if (!this.connections.delete(c)) return;
    const s = c.session;
    const set = this.byAddress.get(s.address);
    if (set !== undefined) {
      set.delete(c);
      if (set.size === 0) this.byAddress.delete(s.address);
    }
    this.log.debug(2, `Disconnect from ${s.address}`);
    if (s.loginUps !== undefined) {
      const ups = this.registry.get(s.loginUps);
      if (ups && ups.numLogins > 0) ups.numLogins--;
    }
  }

  // UPSes and the main loop ----------------------------------------------------------------------

  private applyUps(defs: readonly UpsDefinition[]): void {
    const r = this.registry.load(defs, this.now());
    for (const e of r.removed) {
      this.log.notice(`Deleting UPS [${e.name}]`);
      for (const c of [...this.connections]) {
        if (c.session.loginUps !== undefined && c.session.loginUps.toLowerCase() === e.name.toLowerCase()) {
          this.log.info(`Kicking client ${c.session.address} (was on UPS [${e.name}])`);
          c.destroy();
        }
      }
      this.links.get(e)?.close();
      this.links.delete(e);
    }
    for (const e of r.redefined) {
      this.log.notice(`Redefined UPS [${e.name}]`);
      this.links.get(e)?.close();
      this.links.set(e, this.newLink(e));
    }
    for (const e of r.added) this.links.set(e, this.newLink(e));
  }

  private newLink(e: UpsEntry): DriverLink {
    return new DriverLink(e, {
      log: this.log,
      now: () => this.now(),
      onTracking: (id, status) => {
        this.tracking.set(id, status);
        this.log.info(`tracking ID: ${id}\tresult: ${this.tracking.get(id)}`);
      },
      ...(this.statePath !== undefined ? { statePath: this.statePath } : {}),
    });
  }

  /** Connects the drivers and starts the main loop. */
  start(): void {
    for (const link of this.links.values()) link.connect();
    this.tickTimer = setInterval(() => this.tick(), TICK_MS);
  }

  /** One pass of NUT's main loop (§2.1, §2.6). */
  tick(): void {
    const now = this.now();
    this.tracking.purge(now, this.settings.trackingDelay);
    for (const e of this.registry.list()) {
      const link = this.links.get(e);
      if (!link) continue;
      if (!e.connected) {
        link.connect();
        continue;
      }
      const f = e.checkFreshness(now, this.settings.maxAge);
      if (f.ping) link.ping();
      if (f.transition === 'stale') this.log.notice(`Data for UPS [${e.name}] is stale - check driver`);
      else if (f.transition === 'fresh') this.log.notice(`UPS [${e.name}] data is no longer stale`);
    }
    for (const c of [...this.connections]) {
      const s = c.session;
      const idle = now - s.lastHeard;
      if (idle > IDLE_TIMEOUT_MS || (idle > PRELOGIN_IDLE_TIMEOUT_MS && !s.authenticated && (!s.spoke || this.suspect(s.address)))) {
        this.log.debug(2, `Disconnecting idle client ${s.address}`);
        c.destroy();
      }
    }
    this.trimUnauth(now);
    this.throttle.purge(now);
    this.logRefusals(now);
  }

  /** Unauthenticated connections beyond their share of MAXCONN go, oldest first (past their grace). */
  private trimUnauth(now: number): void {
    const max = this.settings.maxConn;
    const unauthCap = max - reservedForAuthenticated(max);
    if (this.connections.size <= unauthCap) return;
    for (let excess = countUnauth(this.connections) - unauthCap; excess > 0; excess--) {
      if (!this.evictOldestUnauth(this.connections, now)) return;
    }
  }

  /** The address holds more than half its share of unauthenticated connections. */
  private suspect(address: string): boolean {
    const set = this.byAddress.get(address);
    return set !== undefined && countUnauth(set) > MAX_UNAUTH_PER_ADDRESS / 2;
  }

  /** Applies a re-read configuration (SIGHUP / `upsd -c reload`, §4.2); LISTEN is not re-read. */
  reload(next: { settings: ServerSettings; users: UserDb; ups: readonly UpsDefinition[] }): void {
    this.settings = { ...next.settings };
    this.currentUsers = next.users;
    this.applyUps(next.ups);
    for (const link of this.links.values()) link.connect();
    if (this.registry.size === 0) this.log.warn('Warning: no UPSes currently defined!');
  }

  stats(): ServerStats {
    let drivers = 0;
    for (const e of this.registry.list()) if (e.connected) drivers++;
    return { connections: this.connections.size, refused: this.refusedTotal, evicted: this.evictedTotal, drivers };
  }

  /** Stops listening, closes every connection and driver link. */
  async close(): Promise<void> {
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.tickTimer = null;
    const closing = this.listeners.map((l) => new Promise<void>((resolve) => l.server.close(() => resolve())));
    for (const c of [...this.connections]) c.destroy();
    for (const link of this.links.values()) link.close();
    if (this.refusedTotal > 0) this.log.notice(`${String(this.refusedTotal)} connections were refused over the connection limits`);
    if (this.evictedTotal > 0) this.log.notice(`${String(this.evictedTotal)} connections that had not logged in were closed for newer ones`);
    await Promise.all(closing);
  }
}

function countUnauth(pool: Iterable<Connection>): number {
  let n = 0;
  for (const c of pool) if (!c.session.authenticated) n++;
  return n;
}
