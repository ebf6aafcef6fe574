// The I/O shell around the monitor state machine (types.ts describes the protocol): it carries
// out the machine's steps against upsd — poll, FSD, NUMLOGINS, waits — feeds the answers back,
// and hands every other effect to its output: notifications and the shutdown request go to the
// dispatcher (as frames in the split, directly with -p), logs to the log. Used by the jailed
// network child and by the single-process mode alike.

import { NutError } from '../../protocol/net/client-errors.js';
import type { ClientOptions } from '../../client/client.js';
import type { ServerAddress } from '../../client/ups-spec.js';
import type { UpsmonConf } from '../../core/config/upsmon-conf.js';
import { Monitor } from './monitor.js';
import { needsAlarmQuery } from './ups-state.js';
import { ConnectFailure, UpsLink } from './ups-link.js';
import { LocalLink } from './local-link.js';
import type { Duplex } from 'node:stream';
import type { RuleFrameType } from '../../protocol/notify-frame/index.js';
import type { UpsData } from '../../protocol/rules/index.js';
import type { RuleRunner } from './rule-runner.js';
import type {
  Clock, FsdResult, LogLevel, MonitorEffect, MonitorEvent, NumloginsResult, PollResult, StepEffect, UpsPollResult,
} from '../shared/types.js';

export type NotifyEffect = Extract<MonitorEffect, { kind: 'notify' }>;

export interface ShellOutput {
  notify(effect: NotifyEffect): void;
  /** SHUTDOWNCMD is due (§5.7 step 4). */
  shutdown(): void;
  /** NUT's unconditional wall in doshutdown. */
  wall(message: string): void;
  log(level: LogLevel, message: string): void;
  /** The machine exited: connections are closed; end the process with this code. */
  exit(code: number): void;
  /** A rule of upsrules.conf fired or cleared (issue 16): a frame with its name only. */
  rule?(type: RuleFrameType, name: string): void;
}

export interface ShellOptions {
  conf: UpsmonConf;
  /** Resolved addresses per MONITOR system name (resolved before the jail). */
  addresses: ReadonlyMap<string, ServerAddress[]>;
  /** TLS settings per MONITOR host (FORCESSL, CERTVERIFY, CERTHOST, the CA loaded before the jail). */
  clientOptions(host: string): ClientOptions;
  output: ShellOutput;
  clock?: Clock;
  /** NUT's parent check after each poll cycle (§5.1 step 3): false once the dispatcher is gone. */
  parentAlive?: () => boolean;
  /**
   * LOCALMONITOR: ask for a connection to this UPS's driver socket (the supervisor makes it and
   * passes the descriptor in; upsmon -p connects itself). The answer comes as attachLocal().
   */
  requestLocal?: (system: string) => void;
  /** upsrules.conf's engine, evaluated on every poll cycle's data (issue 16). */
  rules?: RuleRunner;
}

export class MonitorShell {
  private readonly monitor: Monitor;
  private readonly links = new Map<string, UpsLink>();
  private readonly locals = new Map<string, LocalLink>();
  private conf: UpsmonConf;
  private stepToken = 0;
  private timer: NodeJS.Timeout | undefined;
  private exited = false;

  constructor(private readonly opts: ShellOptions) {
    this.conf = opts.conf;
    this.monitor = new Monitor(opts.conf, opts.clock ?? { now: () => Date.now() });
    this.makeLinks(opts.conf);
  }

  start(): void {
    this.run(this.monitor.start());
  }

  /** Events from outside the poll loop: user-fsd, stop, reload, parent-gone, os-sleep/wake. */
  handle(event: MonitorEvent): void {
    this.run(this.monitor.handle(event));
  }

  get phase(): string {
    return this.monitor.phase;
  }

  /** The answer to requestLocal: a connected driver socket, or why there is none. */
  attachLocal(system: string, sock: Duplex | undefined, error?: string): void {
    const link = this.locals.get(system);
    if (link) link.attach(sock, error);
    else sock?.destroy();
  }

  private makeLinks(conf: UpsmonConf): void {
    for (const entry of conf.monitors) {
      if (entry.local === true) {
        if (this.locals.has(entry.system)) continue;
        const system = entry.system;
        const request = this.opts.requestLocal;
        this.locals.set(system, new LocalLink({
          system,
          request: () => { if (request) request(system); else this.attachLocal(system, undefined, 'this upsmon cannot reach driver sockets'); },
          // a pushed change reaches the decision now, not at the next POLLFREQ (issue 14)
          changed: () => { if (!this.exited) this.run(this.monitor.handle({ type: 'ups-changed' })); },
          log: (l, m) => this.opts.output.log(l, m),
        }));
        continue;
      }
      const lo = { entry, addresses: this.opts.addresses.get(entry.system) ?? [], client: this.opts.clientOptions(entry.host), log: (l: LogLevel, m: string) => this.opts.output.log(l, m) };
      const link = this.links.get(entry.system);
      if (link) link.update(lo);
      else this.links.set(entry.system, new UpsLink(lo));
    }
    for (const [system, link] of this.links) {
      if (!conf.monitors.some((m) => m.system === system && m.local !== true)) {
        link.drop();
        this.links.delete(system);
      }
    }
    for (const [system, link] of this.locals) {
      if (!conf.monitors.some((m) => m.system === system && m.local === true)) {
        link.close();
        this.locals.delete(system);
      }
    }
  }

  private run(effects: MonitorEffect[]): void {
    const out = this.opts.output;
    for (const e of effects) {
      switch (e.kind) {
        case 'notify': out.notify(e); break;
        case 'log': out.log(e.level, e.message); break;
        case 'wall': out.wall(e.message); break;
        case 'reconnect': this.links.get(e.ups)?.drop(); this.locals.get(e.ups)?.reconnect(); break;
        // Links change when the monitor applies the reload, not when it is asked: a UPS switched
        // between LOCALMONITOR and MONITOR is polled through its old link until then (issue 14:
        // else a poll in flight finds the old link closed and notifies a spurious COMMBAD).
        case 'reloaded': this.conf = e.conf; this.makeLinks(e.conf); break;
        case 'shutdown': out.shutdown(); break;
        default: this.step(e); break;
      }
    }
  }

  /** A new step supersedes the pending one: its answer, when it comes, is dropped. */
  private step(e: StepEffect): void {
    const token = ++this.stepToken;
    if (this.timer) { clearTimeout(this.timer); this.timer = undefined; }
    const answer = (event: MonitorEvent): void => {
      if (token !== this.stepToken || this.exited) return;
      if (event.type === 'polled') this.evaluateRules(event.results);
      this.run(this.monitor.handle(event));
      if (event.type === 'polled' && this.opts.parentAlive && !this.opts.parentAlive()) this.run(this.monitor.handle({ type: 'parent-gone' }));
    };
    switch (e.kind) {
      case 'wait':
        this.timer = setTimeout(() => { this.timer = undefined; answer({ type: 'timer' }); }, e.ms);
        break;
      case 'poll':
        void Promise.all(e.ups.map((u) => this.poll(u))).then((results) => answer({ type: 'polled', results }));
        break;
      case 'set-fsd':
        void Promise.all(e.ups.map((u) => this.setFsd(u))).then((results) => answer({ type: 'fsd-set', results }));
        break;
      case 'query-numlogins':
        void Promise.all(e.ups.map((u) => this.numlogins(u))).then((results) => answer({ type: 'numlogins', results }));
        break;
      case 'exit':
        this.exited = true;
        for (const l of this.locals.values()) l.close();
        void Promise.allSettled([...this.links.values()].map((l) => l.close())).then(() => this.opts.output.exit(e.code));
        break;
    }
  }

  /** A failed poll is unknown data for the rules, never "false": they neither fire nor clear on it. */
  private evaluateRules(results: UpsPollResult[]): void {
    const rules = this.opts.rules;
    if (!rules) return;
    const data = new Map<string, UpsData>();
    for (const r of results) {
      if (!r.ok) { data.set(r.ups, { stale: true, why: r.error }); continue; }
      const vars = new Map(r.vars ?? []);
      vars.set('ups.status', r.status);
      data.set(r.ups, { vars });
    }
    const step = rules.step((this.opts.clock ?? { now: () => Date.now() }).now(), data);
    for (const m of step.logs) this.opts.output.log('notice', `upsmon: ${m}`);
    for (const f of step.frames) {
      this.opts.output.rule?.(f.type, f.rule);
      if (f.shutdown) {
        // upsmon's own forced-shutdown path (FSD on the UPSes this host is primary for, HOSTSYNC,
        // SHUTDOWN, FINALDELAY), as `upsmon -c fsd` takes; the frame above told the dispatcher why
        this.opts.output.log('notice', `upsmon: rule ${f.rule} shuts this host down`);
        this.run(this.monitor.handle({ type: 'user-fsd' }));
      }
    }
  }

  private entry(system: string): { link: UpsLink; upsName: string } | undefined {
    const link = this.links.get(system);
    const m = this.conf.monitors.find((x) => x.system === system);
    return link && m ? { link, upsName: m.upsName } : undefined;
  }

  /** §5.4 step 2: ups.status, the buzzwords, and ups.alarm when the status has ALARM. */
  private async poll(system: string): Promise<UpsPollResult> {
    const local = this.locals.get(system);
    if (local) {
      const r = await local.poll();
      // the rules see a LOCALMONITOR UPS's variables as a MONITOR UPS's (issue 16); the FSD latch
      // stays in ups.status as upsd would show it
      if (r.ok && this.opts.rules) r.vars = local.state.values(this.opts.rules.variables.filter((n) => n !== 'ups.status'));
      return { ups: system, ...r };
    }
    const e = this.entry(system);
    if (!e) return { ups: system, ok: false, stage: 'query', error: 'not monitored' };
    let client;
    try {
      client = await e.link.ensure();
    } catch (err) {
      const f = err instanceof ConnectFailure ? err : new ConnectFailure(String(err), 'ERR_CONNECT');
      return { ups: system, ok: false, stage: 'connect', error: f.detail, code: f.code };
    }
    try {
      const status = await client.getVar(e.upsName, 'ups.status');
      const r: Extract<PollResult, { ok: true }> = { ok: true, status };
      const bw = await optionalVar(() => client.getVar(e.upsName, 'ups.mode.buzzwords'));
      if (bw !== undefined) r.buzzwords = bw;
      const bwx = await optionalVar(() => client.getVar(e.upsName, 'experimental.ups.mode.buzzwords'));
      if (bwx !== undefined) r.buzzwordsX = bwx;
      if (needsAlarmQuery(status)) {
        const alarm = await optionalVar(() => client.getVar(e.upsName, 'ups.alarm'));
        if (alarm !== undefined) r.alarm = alarm;
      }
      if (this.opts.rules) {
        // only what the rules read, each a GET VAR; one upsd lacks is unknown to them
        const vars = new Map<string, string>();
        for (const name of this.opts.rules.variables) {
          if (name === 'ups.status') continue;
          const v = await optionalVar(() => client.getVar(e.upsName, name));
          if (v !== undefined) vars.set(name, v);
        }
        r.vars = vars;
      }
      return { ups: system, ...r };
    } catch (err) {
      if (err instanceof NutError) return { ups: system, ok: false, stage: 'query', error: err.message, code: err.word };
      e.link.drop();
      const x = err as { message?: string; code?: string };
      return { ups: system, ok: false, stage: 'query', error: x.message ?? String(err), code: x.code ?? 'ERR_DISCONNECTED', connectionLost: true };
    }
  }

  private async setFsd(system: string): Promise<FsdResult> {
    // LOCALMONITOR: no upsd to tell; the latch is upsd's, kept here. Never sent to the driver.
    const local = this.locals.get(system);
    if (local) return { ups: system, reply: local.setFsd() };
    const e = this.entry(system);
    if (!e?.link.connected) return { ups: system, error: 'Not connected' };
    try {
      const client = await e.link.ensure();
      return { ups: system, reply: (await client.command('FSD', [e.upsName])).raw };
    } catch (err) {
      if (err instanceof NutError) return { ups: system, reply: err.reply };
      return { ups: system, error: (err as Error).message };
    }
  }

  private async numlogins(system: string): Promise<NumloginsResult> {
    // LOCALMONITOR: no upsd, so no secondary can be logged in to wait for
    if (this.locals.has(system)) return { ups: system, value: '0' };
    const e = this.entry(system);
    if (!e?.link.connected) return { ups: system, error: 'Not connected' };
    try {
      const client = await e.link.ensure();
      const words = await client.get(['NUMLOGINS', e.upsName]);
      return { ups: system, value: words[2] ?? '' };
    } catch (err) {
      return { ups: system, error: (err as Error).message };
    }
  }
}

/** A variable upsd may not have (VAR-NOT-SUPPORTED…): undefined then. A lost connection still throws. */
async function optionalVar(get: () => Promise<string>): Promise<string | undefined> {
  try {
    return await get();
  } catch (err) {
    if (err instanceof NutError) return undefined;
    throw err;
  }
}
