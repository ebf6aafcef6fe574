// upsd's running core: client connections, driver links, and NUT's 2-second main loop (spec
// §2.1, §2.6): purge old tracking entries, reconnect drivers, check staleness (PING at MAXAGE/3),
// drop idle clients. Also MAXCONN and reload. The protocol itself is in commands.ts.
//
// MAXCONN (hardnut difference): a fixed bound on open client connections, default 1024. A client
// beyond it is accepted and closed at once, and counted in the log. NUT sizes its poll arrays from
// MAXCONN (by default from the fd rlimit — one NUT release allocated 8 GiB that way) and simply stops
// polling the excess clients. The bound is never derived from rlimits here.

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
  private readonly connections = new Set<Connection>();
  private readonly links = new Map<UpsEntry, DriverLink>();
  private listeners: BoundListener[] = [];
  private tickTimer: NodeJS.Timeout | null = null;
  private nextId = 1;
  private refusedTotal = 0;
  private refusedSinceLog = 0;
  private lastRefusalLog = Number.NEGATIVE_INFINITY;
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
    if (this.connections.size >= this.settings.maxConn) {
      this.refuse(socket, address);
      return;
    }
    if (kind === 'tcp') socket.setNoDelay(true);
    const session = new Session(this.nextId++, address, kind, this.now());
    this.connections.add(new Connection(socket, session, this));
    this.log.debug(2, `Connect from ${address}`);
  }

  private refuse(socket: net.Socket, address: string): void {
    this.refusedTotal++;
    this.refusedSinceLog++;
    // closed at once: a flood beyond MAXCONN must not pile up sockets waiting to close
    socket.on('error', () => undefined);
    socket.destroy();
    if (this.refusedTotal === 1) {
      this.log.warn(`Refused connection from ${address}: MAXCONN (${String(this.settings.maxConn)}) connections are open (1 refused so far)`);
      this.refusedSinceLog = 0;
      this.lastRefusalLog = this.now();
    }
  }

  private logRefusals(now: number): void {
    if (this.refusedSinceLog === 0 || now - this.lastRefusalLog < REFUSAL_LOG_INTERVAL_MS) return;
    this.log.warn(`Refused ${String(this.refusedSinceLog)} more connections: MAXCONN (${String(this.settings.maxConn)}) connections are open (${String(this.refusedTotal)} refused so far)`);
    this.refusedSinceLog = 0;
    this.lastRefusalLog = now;
  }

  closed(c: Connection): void {
    if (!this.connections.delete(c)) return;
    const s = c.session;
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
      if (now - c.session.lastHeard > IDLE_TIMEOUT_MS) {
        this.log.debug(2, `Disconnecting idle client ${c.session.address}`);
        c.destroy();
      }
    }
    this.throttle.purge(now);
    this.logRefusals(now);
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
    return { connections: this.connections.size, refused: this.refusedTotal, drivers };
  }

  /** Stops listening, closes every connection and driver link. */
  async close(): Promise<void> {
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.tickTimer = null;
    const closing = this.listeners.map((l) => new Promise<void>((resolve) => l.server.close(() => resolve())));
    for (const c of [...this.connections]) c.destroy();
    for (const link of this.links.values()) link.close();
    if (this.refusedTotal > 0) this.log.notice(`${String(this.refusedTotal)} connections were refused over MAXCONN`);
    await Promise.all(closing);
  }
}
