// Reads every configured upsd once per POLLINTERVAL and keeps the result: scrapes, API calls and
// the status page read this cache, so their cost does not reach upsd (one LIST UPS and one LIST
// VAR per UPS per interval, whatever the number of scrapers). Descriptions, types and commands
// change only with the driver, so they are asked once per UPS per connection.
import { NutError } from '../protocol/net/client-errors.js';
import type { ClientOptions, NutClient } from '../client/client.js';
import { ReconnectingClient } from '../client/reconnecting.js';
import type { ServerAddress } from '../client/ups-spec.js';
import { parseType, type VarType } from '../protocol/net/client-codec.js';
import { typeLine } from '../protocol/net/server-replies.js';
import type { UpsEntry as DriverUps } from '../upsd/ups-registry.js';

/** One request's reply may take this long before the poll counts the server as failed. */
export const REQUEST_TIMEOUT_MS = 5_000;
/** History of charge and load kept for the status page: one hour. */
export const HISTORY_SECONDS = 3600;
/** Points per UPS at most (one per poll, thinned beyond): memory bounded whatever POLLINTERVAL is. */
export const MAX_HISTORY_POINTS = 720;
/** UPSes per server at most: a hostile or broken upsd cannot grow the cache without bound. */
export const MAX_UPS_PER_SERVER = 1024;

export interface VarMeta { description?: string; type?: VarType; enum?: string[]; range?: Array<{ min: string; max: string }> }

export interface HistoryPoint { t: number; charge?: number; load?: number }

export interface UpsEntry {
  server: string;
  name: string;
  description: string;
  vars: ReadonlyMap<string, string>;
  /** When vars were last read fresh (ms since the epoch); undefined: never. */
  fetchedAt: number | undefined;
  /** upsd said DATA-STALE or DRIVER-NOT-CONNECTED at the last poll. */
  staleReason: string | undefined;
  meta: Map<string, VarMeta>;
  commands: Array<{ name: string; description?: string }>;
  history: HistoryPoint[];
}

export interface ServerEntry {
  name: string;
  address: string;
  connected: boolean;
  lastError: string | undefined;
  lastPollAt: number | undefined;
  upses: Map<string, UpsEntry>;
}

export interface ServerSource {
  name: string; addresses: ServerAddress[]; display: string; user?: string; password?: string;
  /** STARTTLS and certificate checks (FORCESSL, CERTVERIFY), as upsmon's. */
  tls: Pick<ClientOptions, 'startTls' | 'tls'>;
}

/**
 * A UPS of a LOCAL line (local.ts): upsd's own model of it (the state tree, WAIT until DUMPDONE,
 * DATASTALE, staleness when the driver goes quiet), fed from the driver socket in this process.
 */
export interface LocalUps { readonly name: string; readonly entry: DriverUps }

type Clock = () => number;

export class Poller {
  readonly servers: ServerEntry[];
  private readonly links: ReconnectingClient[][];
  private readonly known = new WeakSet<NutClient>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly listeners = new Set<() => void>();
  private stopped = false;
  private local: { entry: ServerEntry; upses: readonly LocalUps[] } | undefined;

  constructor(sources: readonly ServerSource[], readonly pollMs: number, readonly maxAgeMs: number, private readonly now: Clock = Date.now) {
    this.servers = sources.map((s) => ({ name: s.name, address: s.display, connected: false, lastError: undefined, lastPollAt: undefined, upses: new Map() }));
    // one client per resolved address, tried in order (libupsclient tries getaddrinfo's list)
    this.links = sources.map((s) => s.addresses.map((a) => new ReconnectingClient(a, {
      timeoutMs: REQUEST_TIMEOUT_MS,
      connectTimeoutMs: REQUEST_TIMEOUT_MS,
      ...s.tls,
      initialDelayMs: Math.min(1000, pollMs),
      maxDelayMs: Math.max(pollMs, 1000),
      ...(s.user !== undefined ? { onConnect: async (c: NutClient) => { await c.authenticate(s.user as string, s.password ?? ''); } } : {}),
    })));
  }

  /** LOCAL lines' UPSes, served as one more server named `name`; called before start(). */
  addLocal(name: string, upses: readonly LocalUps[]): void {
    const entry: ServerEntry = { name, address: 'driver sockets', connected: false, lastError: undefined, lastPollAt: undefined, upses: new Map() };
    this.servers.push(entry);
    this.links.push([]);
    this.local = { entry, upses };
  }

  onUpdate(f: () => void): () => void { this.listeners.add(f); return () => this.listeners.delete(f); }

  /** Polls now and then every pollMs; resolves after the first poll. */
  async start(): Promise<void> {
    await this.pollOnce();
    const tick = (): void => {
      if (this.stopped) return;
      this.timer = setTimeout(() => { void this.pollOnce().finally(tick); }, this.pollMs);
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    for (const l of this.links.flat()) await l.close();
  }

  /** True when the UPS's data is recent enough to be served as current. */
  isFresh(u: UpsEntry): boolean {
    return u.staleReason === undefined && u.fetchedAt !== undefined && this.now() - u.fetchedAt <= this.maxAgeMs;
  }

  ageSeconds(u: UpsEntry): number | undefined {
    return u.fetchedAt === undefined ? undefined : Math.max(0, (this.now() - u.fetchedAt) / 1000);
  }

  pollOnce(): Promise<void> {
    this.running ??= Promise.all(this.servers.map((s, i) => (s === this.local?.entry ? Promise.resolve(this.readLocal(s, this.local.upses)) : this.pollServer(s, this.links[i] ?? [])))).then(() => {
      this.running = undefined;
      for (const l of this.listeners) l();
    });
    return this.running;
  }

  private async pollServer(s: ServerEntry, links: ReconnectingClient[]): Promise<void> {
    let lastErr: unknown;
    for (const link of links) {
      try {
        await link.run((c) => this.read(s, c));
        s.connected = true;
        s.lastError = undefined;
        s.lastPollAt = this.now();
        return;
      } catch (e) {
        lastErr = e;
        if (e instanceof NutError) break; // the server answered: another address would say the same
      }
    }
    s.connected = links.some((l) => l.connected);
    s.lastError = lastErr instanceof Error ? lastErr.message : String(lastErr);
    s.lastPollAt = this.now();
  }

  /**
   * What upsd would serve of each LOCAL UPS now, read from memory: no round trip, so it is read
   * at every poll like a upsd's. A driver that is gone, quiet past upsd's MAXAGE or DATASTALE
   * leaves the old values marked stale, as upsd's DRIVER-NOT-CONNECTED / DATA-STALE do.
   */
  private readLocal(s: ServerEntry, upses: readonly LocalUps[]): void {
    const now = this.now();
    for (const l of upses) {
      const u = this.entryOf(s, l.name, l.entry.desc ?? '');
      const d = l.entry;
      const avail = d.availability();
      if (avail !== 'ok' || !d.dumpDone) { u.staleReason = avail === 'ok' ? 'DATA-STALE' : avail; continue; }
      const vars = new Map<string, string>();
      for (const v of d.state.vars()) {
        vars.set(v.name, v.value);
        // the type as GET TYPE would send it, parsed as the client parses it: one reading of the flags
        const type = parseType(typeLine(l.name, v.name, { rw: v.flags.rw, hasEnum: v.enums.length > 0, hasRange: v.ranges.length > 0, string: v.flags.string, aux: v.aux }).trim().split(' '));
        const m: VarMeta = { ...u.meta.get(v.name), type };
        if (type.enum) m.enum = [...v.enums]; else delete m.enum;
        if (type.range) m.range = v.ranges.map((r) => ({ min: String(r.min), max: String(r.max) })); else delete m.range;
        u.meta.set(v.name, m);
      }
      u.vars = vars;
      u.commands = d.state.cmds().map((name) => ({ name }));
      u.fetchedAt = now;
      u.staleReason = undefined;
      this.record(u);
    }
    s.connected = upses.some((l) => l.entry.connected);
    s.lastError = s.connected ? undefined : 'no driver connected';
    s.lastPollAt = now;
  }

  private entryOf(s: ServerEntry, name: string, description: string): UpsEntry {
    let u = s.upses.get(name);
    if (!u) {
      u = { server: s.name, name, description, vars: new Map(), fetchedAt: undefined, staleReason: undefined, meta: new Map(), commands: [], history: [] };
      s.upses.set(name, u);
    }
    u.description = description;
    return u;
  }

  private async read(s: ServerEntry, c: NutClient): Promise<void> {
    const fresh = !this.known.has(c);
    this.known.add(c);
    const list = (await c.listUps()).slice(0, MAX_UPS_PER_SERVER);
    const seen = new Set(list.map((u) => u.name));
    for (const name of [...s.upses.keys()]) if (!seen.has(name)) s.upses.delete(name);
    for (const info of list) {
      const u = this.entryOf(s, info.name, info.description);
      try {
        const vars = await c.listVar(info.name);
        u.vars = vars;
        u.fetchedAt = this.now();
        u.staleReason = undefined;
      } catch (e) {
        if (!(e instanceof NutError)) throw e;
        // DATA-STALE, DRIVER-NOT-CONNECTED, UNKNOWN-UPS…: the old values stay, marked stale
        u.staleReason = e.word;
        continue;
      }
      if (fresh || [...u.vars.keys()].some((k) => !u.meta.has(k))) await this.readMeta(c, u);
      this.record(u);
    }
  }

  private async readMeta(c: NutClient, u: UpsEntry): Promise<void> {
    for (const name of u.vars.keys()) {
      if (u.meta.has(name)) continue;
      const m: VarMeta = {};
      try { m.description = await c.getDesc(u.name, name); } catch (e) { if (!(e instanceof NutError)) throw e; }
      try { m.type = await c.getType(u.name, name); } catch (e) { if (!(e instanceof NutError)) throw e; }
      if (m.type?.enum) { try { m.enum = await c.listEnum(u.name, name); } catch (e) { if (!(e instanceof NutError)) throw e; } }
      if (m.type?.range) { try { m.range = await c.listRange(u.name, name); } catch (e) { if (!(e instanceof NutError)) throw e; } }
      u.meta.set(name, m);
    }
    try {
      const names = await c.listCmd(u.name);
      const cmds: Array<{ name: string; description?: string }> = [];
      for (const n of names) {
        try { cmds.push({ name: n, description: await c.getCmdDesc(u.name, n) }); } catch (e) { if (!(e instanceof NutError)) throw e; cmds.push({ name: n }); }
      }
      u.commands = cmds;
    } catch (e) { if (!(e instanceof NutError)) throw e; }
  }

  private record(u: UpsEntry): void {
    const t = u.fetchedAt ?? this.now();
    const num = (k: string): number | undefined => { const v = Number(u.vars.get(k)); return u.vars.has(k) && Number.isFinite(v) ? v : undefined; };
    const p: HistoryPoint = { t };
    const charge = num('battery.charge');
    const load = num('ups.load');
    if (charge !== undefined) p.charge = charge;
    if (load !== undefined) p.load = load;
    const minGap = (HISTORY_SECONDS * 1000) / MAX_HISTORY_POINTS;
    const last = u.history[u.history.length - 1];
    // the latest point always shows the current values; older ones are at least minGap apart
    if (last && u.history.length >= 2 && t - (u.history[u.history.length - 2] as HistoryPoint).t < minGap) u.history[u.history.length - 1] = p;
    else u.history.push(p);
    const cutoff = t - HISTORY_SECONDS * 1000;
    while (u.history.length > 0 && ((u.history[0] as HistoryPoint).t < cutoff || u.history.length > MAX_HISTORY_POINTS)) u.history.shift();
  }
}
