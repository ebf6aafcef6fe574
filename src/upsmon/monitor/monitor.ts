// upsmon's monitor loop as a pure state machine (spec §5.4–§5.7): events in (poll results,
// replies, timers, signals), effects out (notifications, logs, the next network step, shutdown,
// exit). Time comes from an injected clock; NUT's comparisons are made in whole seconds, as NUT
// does with time_t. The I/O shell that runs the effects is in another file (types.ts describes
// the protocol between the two).

import { HardnutError } from '../../core/errors.js';
import type { MonitorEntry, NotifyType, UpsmonConf } from '../../core/config/upsmon-conf.js';
import { SHUTDOWN_WALL_MESSAGE, formatNotifyMessage, notifyDeliveries, notifyTemplate } from '../shared/notify-messages.js';
import { applyPollResult, clearFlags, newUpsState, type UpsContext, type UpsState } from './ups-state.js';
import { gcd, healthyPower, inAlertState } from './critical.js';
import { strtol } from '../../core/c-number.js';
import type {
  Clock, FsdResult, LogLevel, MonitorEffect, MonitorEvent, MonitorPhase, NumloginsResult, UpsPollResult,
} from '../shared/types.js';

/** The primary polls NUMLOGINS this often while waiting for secondaries (§5.7 step 3). */
export const HOSTSYNC_POLL_MS = 250;
/** SHUTDOWNEXIT no/N: ping upsd this often so it sees this client alive (§5.7 step 5). */
export const LINGER_PING_MS = 1000;
/** NOPARENT is repeated at most this often (§5.1 step 3). */
export const NOPARENT_REPEAT_SECONDS = 120;
/** A sleep longer than the poll interval by more than this is a clock jump or an unnoticed suspend. */
export const TIMEJUMP_TOLERANCE_SECONDS = 5;

type Expect = 'polled' | 'timer' | 'fsd-set' | 'numlogins' | null;

export class Monitor {
  private conf: UpsmonConf;
  private readonly clock: Clock;
  private upses: UpsState[];
  private entries = new Map<string, MonitorEntry>();
  private out: MonitorEffect[] = [];
  private phaseName: MonitorPhase = 'new';
  private expect: Expect = null;

  private userFsd = false;
  private stopPending = false;
  private reloadPending: UpsmonConf | undefined;
  private wakePending = false;
  /** A pushed change arrived while polling: the results may predate it, poll again at once. */
  private changePending = false;
  private sleepPending = false;
  private sleepStartMs = 0;
  private sleepSecs = 0;
  private hostsyncStart = 0;
  private hostsyncCount = 0;
  private lingerStart = 0;
  private lastParentWarn = 0;

  constructor(conf: UpsmonConf, clock: Clock) {
    assertPower(conf);
    this.conf = conf;
    this.clock = clock;
    this.upses = conf.monitors.map((m) => {
      this.entries.set(m.system, m);
      return newUpsState(m);
    });
  }

  get phase(): MonitorPhase {
    return this.phaseName;
  }

  /** The poll interval chosen after the last cycle, in seconds. */
  get sleepSeconds(): number {
    return this.sleepSecs;
  }

  /** Monitored UPSes in poll order (MONITOR order; reload appends new ones). */
  get systems(): string[] {
    return this.upses.map((u) => u.system);
  }

  /** A snapshot of what the machine knows about one UPS (tests, debug logs). */
  upsState(system: string): Readonly<UpsState> | undefined {
    const u = this.upses.find((x) => x.system === system);
    return u === undefined ? undefined : structuredClone(u);
  }

  /** Begins monitoring: the first poll cycle. */
  start(): MonitorEffect[] {
    if (this.phaseName !== 'new') return [];
    this.cycleStart();
    return this.flush();
  }

  handle(event: MonitorEvent): MonitorEffect[] {
    if (this.phaseName === 'exited') return [];
    switch (event.type) {
      case 'polled':
        if (this.take('polled')) this.cycleEnd(event.results);
        break;
      case 'timer':
        if (this.take('timer')) this.onTimer();
        break;
      case 'fsd-set':
        if (this.take('fsd-set')) this.onFsdSet(event.results);
        break;
      case 'numlogins':
        if (this.take('numlogins')) this.onNumlogins(event.results);
        break;
      case 'user-fsd':
        this.onUserFsd();
        break;
      case 'stop':
        this.onStop();
        break;
      case 'reload':
        this.onReload(event.conf);
        break;
      case 'parent-gone':
        this.onParentGone();
        break;
      case 'ups-changed':
        if (this.phaseName === 'sleeping') this.cycleStart();
        else if (this.phaseName === 'polling') this.changePending = true;
        break;
      case 'os-sleep':
        if (this.phaseName === 'sleeping') this.suspend();
        else if (this.phaseName === 'polling') this.sleepPending = true;
        break;
      case 'os-wake':
        if (this.phaseName === 'suspended') {
          this.wakePending = true;
          this.cycleStart();
        } else if (this.phaseName === 'sleeping' || this.phaseName === 'polling') {
          this.wakePending = true;
        }
        break;
    }
    return this.flush();
  }

  // ---- the poll loop (§5.4) ----

  /** NUT's loop top: pending FSD signal, reload, wake-up; then poll every UPS. */
  private cycleStart(): void {
    if (this.userFsd) {
      this.log('warning', 'Got an FSD signal, initiating forced shutdown');
      this.forceShutdown();
      return;
    }
    if (this.reloadPending !== undefined) {
      const conf = this.reloadPending;
      this.reloadPending = undefined;
      if (!this.applyReload(conf)) return;
    }
    if (this.wakePending) this.wake();
    if (this.stopPending) {
      this.exit(0, 'Signal: exiting');
      return;
    }
    this.phaseName = 'polling';
    this.changePending = false;
    this.step({ kind: 'poll', ups: this.systems }, 'polled');
  }

  /** Poll results in, then recalc (§5.4 steps 2–4). */
  private cycleEnd(results: UpsPollResult[]): void {
    const ctx = this.ctx();
    for (const ups of this.upses) {
      const r = results.find((x) => x.ups === ups.system);
      applyPollResult(ups, r ?? { ok: false, stage: 'query', error: 'no poll result' }, ctx);
    }
    const healthy = healthyPower(this.upses, ctx);
    if (healthy < this.conf.minSupplies) {
      this.log('warning', `Too few UPS(es) are healthy (${String(healthy)}<${String(this.conf.minSupplies)}), initiating forced shutdown`);
      this.forceShutdown();
      return;
    }
    if (this.userFsd) {
      this.cycleStart();
      return;
    }
    if (this.stopPending) {
      this.exit(0, 'Signal: exiting');
      return;
    }
    if (this.sleepPending) {
      this.suspend();
      return;
    }
    if (this.changePending) {
      this.changePending = false;
      this.cycleStart();
      return;
    }
    this.phaseName = 'sleeping';
    this.sleepSecs = this.pollInterval();
    this.sleepStartMs = this.clock.now();
    const alert = this.sleepSecs !== this.conf.pollFreq || this.upses.some((u) => inAlertState(u, this.conf));
    this.step({ kind: 'wait', ms: this.sleepSecs * 1000, reason: alert ? 'pollfreqalert' : 'pollfreq' }, 'timer');
  }

  /**
   * POLLFREQALERT while any UPS is on battery, OFF, on bypass, in ALARM or (with OVERDURATION ≥ 0)
   * overloaded; while a UPS waits out OBLBDURATION, the gcd of POLLFREQALERT and OBLBDURATION so
   * the wait ends on time.
   *
   * hardnut difference: NUT keeps one global sleep value that the last transition writes, and its
   * try_restore_pollfreq tests the alert flags with an all-bits mask, so any OL token (of any UPS)
   * or NOT* transition restores POLLFREQ while another UPS is still on battery. Here the interval
   * is derived from the state of every UPS after each cycle.
   */
  private pollInterval(): number {
    const c = this.conf;
    let secs = this.upses.some((u) => inAlertState(u, c)) ? c.pollFreqAlert : c.pollFreq;
    if (c.oblbDuration > 0 && this.upses.some((u) => u.oblbSince > 0)) {
      secs = Math.min(secs, Math.max(1, gcd(Math.max(1, c.pollFreqAlert), c.oblbDuration)));
    }
    return secs;
  }

  private onTimer(): void {
    switch (this.phaseName) {
      case 'sleeping': {
        const dt = (this.clock.now() - this.sleepStartMs) / 1000;
        if (dt > this.sleepSecs + TIMEJUMP_TOLERANCE_SECONDS || dt < 0) {
          const jump = `${dt.toFixed(6)} seconds`;
          this.log('warning', `The clock jumped (slept ${jump} instead of ${String(this.sleepSecs)}): treating it as a wake-up from sleep`);
          this.notify(null, 'SUSPEND_TIMEJUMP_UNEXPECTED', jump);
          this.wakePending = true;
        }
        this.cycleStart();
        break;
      }
      case 'hostsync':
        this.step({ kind: 'query-numlogins', ups: this.primaries() }, 'numlogins');
        break;
      case 'final-delay':
        this.afterFinalDelay();
        break;
      case 'lingering':
        if (this.stopPending) this.exit(0, 'Exiting upsmon after initiating shutdown');
        else this.step({ kind: 'query-numlogins', ups: this.systems }, 'numlogins');
        break;
      default:
        break;
    }
  }

  // ---- signals and host events ----

  private onUserFsd(): void {
    this.log('info', 'User requested FSD');
    switch (this.phaseName) {
      case 'new':
      case 'polling':
        this.userFsd = true; // handled at the end of the cycle / at start
        break;
      case 'sleeping':
      case 'suspended':
        // The signal cuts the sleep short; the loop top starts the forced shutdown.
        this.userFsd = true;
        this.cycleStart();
        break;
      default:
        break; // already shutting down
    }
  }

  private onStop(): void {
    switch (this.phaseName) {
      case 'new':
      case 'sleeping':
      case 'suspended':
      case 'lingering':
        this.exit(0, this.phaseName === 'lingering' ? 'Exiting upsmon after initiating shutdown' : 'Signal: exiting');
        break;
      default:
        // Mid-poll: finish the cycle first. Mid-shutdown: NUT completes it and then exits.
        this.stopPending = true;
        break;
    }
  }

  private onReload(conf: UpsmonConf): void {
    switch (this.phaseName) {
      case 'sleeping':
        // The signal cuts the sleep short: reload, then a poll cycle at once.
        this.reloadPending = conf;
        this.cycleStart();
        break;
      case 'new':
      case 'polling':
      case 'suspended':
        this.reloadPending = conf;
        break;
      default:
        this.log('warning', 'Reload requested during a forced shutdown: ignored');
        break;
    }
  }

  private onParentGone(): void {
    if (this.phaseName !== 'polling' && this.phaseName !== 'sleeping' && this.phaseName !== 'suspended') return;
    const now = this.nowSec();
    if (now - this.lastParentWarn < NOPARENT_REPEAT_SECONDS) return;
    this.lastParentWarn = now;
    this.notify(null, 'NOPARENT');
    this.log('alert', 'Parent died - shutdown impossible');
  }

  private suspend(): void {
    this.sleepPending = false;
    this.notify(null, 'SUSPEND_STARTING');
    this.log('info', 'The OS is going to sleep');
    this.phaseName = 'suspended';
    this.expect = null;
  }

  /**
   * After a suspend (or a clock jump) the statuses are stale: forget them, so a battery that was
   * low before the sleep does not shut the host down on wake-up. NUT also forgets its
   * connections (they are re-made); lastpoll restarts so DEADTIME counts from now.
   */
  private wake(): void {
    this.wakePending = false;
    this.notify(null, 'SUSPEND_FINISHED');
    this.log('info', 'Processing OS wake-up after sleep');
    const now = this.nowSec();
    for (const u of this.upses) {
      u.flags = clearFlags();
      u.lastPoll = now;
      this.out.push({ kind: 'reconnect', ups: u.system });
    }
  }

  /**
   * Applies a reloaded config: settings replaced, UPSes kept (with their state) by system name,
   * removed ones dropped, new ones appended (NUT's list order). Returns false if the new power
   * configuration is impossible: NUT exits then.
   *
   * hardnut difference: when a UPS is redefined as primary NUT drops its connection with
   * commstate 0 but no COMMBAD, so the next poll notifies a spurious COMMOK; here the reconnect
   * leaves the comms state alone.
   */
  private applyReload(conf: UpsmonConf): boolean {
    this.log('info', 'Reloading configuration');
    const total = conf.monitors.reduce((s, m) => s + m.powerValue, 0);
    if (total < conf.minSupplies) {
      this.log('crit', `Fatal error: total power value (${String(total)}) less than MINSUPPLIES (${String(conf.minSupplies)})`);
      this.exit(1, 'Impossible power configuration, unable to continue');
      return false;
    }
    this.out.push({ kind: 'reloaded', conf });
    const next: UpsState[] = [];
    const entries = new Map<string, MonitorEntry>();
    for (const ups of this.upses) {
      const m = conf.monitors.find((x) => x.system === ups.system);
      if (m === undefined) {
        this.log('info', `UPS [${ups.system}] is no longer monitored`);
        continue;
      }
      const old = this.entries.get(ups.system);
      if (ups.powerValue !== m.powerValue) {
        this.log('info', `UPS [${ups.system}]: redefined power value to ${String(m.powerValue)}`);
        ups.powerValue = m.powerValue;
      }
      let reconnect = false;
      if (old !== undefined && (old.user !== m.user || old.password !== m.password)) {
        this.log('info', `UPS [${ups.system}]: redefined username or password`);
        reconnect = true;
      }
      if (ups.role !== m.role) {
        this.log('info', `UPS [${ups.system}]: redefined as a ${m.role}`);
        // Becoming primary needs a new login (PRIMARY is asked for right after LOGIN, §5.3).
        if (m.role === 'primary') reconnect = true;
        ups.role = m.role;
      }
      if (old !== undefined && (old.host !== m.host || old.port !== m.port || old.upsName !== m.upsName)) reconnect = true;
      ups.upsName = m.upsName;
      if (reconnect) this.out.push({ kind: 'reconnect', ups: ups.system });
      entries.set(m.system, m);
      next.push(ups);
    }
    for (const m of conf.monitors) {
      if (entries.has(m.system)) continue;
      this.log('info', `UPS [${m.system}]: now monitored`);
      entries.set(m.system, m);
      next.push(newUpsState(m));
    }
    this.upses = next;
    this.entries = entries;
    this.conf = conf;
    return true;
  }

  // ---- forced shutdown (§5.7) ----

  private primaries(): string[] {
    return this.upses.filter((u) => u.role === 'primary').map((u) => u.system);
  }

  private forceShutdown(): void {
    this.userFsd = false;
    const primaries = this.primaries();
    if (primaries.length === 0) {
      this.doShutdown();
      return;
    }
    this.phaseName = 'setting-fsd';
    this.step({ kind: 'set-fsd', ups: primaries }, 'fsd-set');
  }

  private onFsdSet(results: FsdResult[]): void {
    for (const system of this.primaries()) {
      const ups = this.upses.find((u) => u.system === system) as UpsState;
      const r = results.find((x) => x.ups === system);
      if (r === undefined) {
        this.log('err', `FSD set on UPS ${system} failed: no reply`);
      } else if ('error' in r) {
        this.log('err', `FSD set on UPS ${system} failed: ${r.error}`);
      } else if (r.reply.startsWith('OK')) {
        // Let NOTIFYCMD know, unless this FSD was already notified (e.g. seen in the status).
        if (!ups.fsdNotified) {
          ups.fsdNotified = true;
          this.notify(ups, 'FSD');
        }
      } else {
        this.log('err', `FSD set on UPS ${system} failed: ${r.reply}`);
      }
    }
    this.phaseName = 'hostsync';
    this.hostsyncStart = this.nowSec();
    this.hostsyncCount = 0;
    this.step({ kind: 'query-numlogins', ups: this.primaries() }, 'numlogins');
  }

  private onNumlogins(results: NumloginsResult[]): void {
    if (this.phaseName === 'lingering') {
      const now = this.nowSec();
      if (this.conf.shutdownExit > 0 && now - this.lingerStart > this.conf.shutdownExit) {
        this.exit(0, 'Exiting upsmon after initiating shutdown');
        return;
      }
      this.step({ kind: 'wait', ms: LINGER_PING_MS, reason: 'shutdownexit' }, 'timer');
      return;
    }
    if (this.phaseName !== 'hostsync') return;
    this.hostsyncCount++;
    let max = 0;
    for (const r of results) {
      if (!('value' in r)) continue; // a failed query does not count (NUT)
      const n = strtol(r.value);
      if (n > max) max = n;
    }
    // Only this upsmon is logged in: the secondaries are gone.
    if (max <= 1) {
      this.doShutdown();
      return;
    }
    if (this.nowSec() - this.hostsyncStart > this.conf.hostSync) {
      this.log('info', 'Host sync timer expired, forcing shutdown');
      this.doShutdown();
      return;
    }
    if (this.hostsyncCount === 1) this.notify(null, 'SHUTDOWN_HOSTSYNC');
    this.step({ kind: 'wait', ms: HOSTSYNC_POLL_MS, reason: 'hostsync' }, 'timer');
  }

  private doShutdown(): void {
    this.log('crit', 'Executing automatic power-fail shutdown');
    this.out.push({ kind: 'wall', message: SHUTDOWN_WALL_MESSAGE });
    this.notify(null, 'SHUTDOWN');
    if (this.conf.finalDelay > 0) {
      this.phaseName = 'final-delay';
      this.step({ kind: 'wait', ms: this.conf.finalDelay * 1000, reason: 'finaldelay' }, 'timer');
      return;
    }
    this.afterFinalDelay();
  }

  /** SHUTDOWNCMD, then SHUTDOWNEXIT: yes = exit now, no = stay forever, N = stay N seconds. */
  private afterFinalDelay(): void {
    this.out.push({ kind: 'shutdown' });
    this.lingerStart = this.nowSec();
    const se = this.conf.shutdownExit;
    if (se === 0) {
      this.exit(0, 'Exiting upsmon immediately after initiating shutdown');
      return;
    }
    this.log('warning', se < 0
      ? 'Configured to not exit upsmon after initiating shutdown'
      : `Configured to only exit upsmon SHUTDOWNEXIT=${String(se)} s after initiating shutdown`);
    if (this.stopPending) {
      this.exit(0, 'Exiting upsmon after initiating shutdown (stop requested)');
      return;
    }
    this.phaseName = 'lingering';
    // Keep talking to upsd so it does not drop this client while the host shuts down.
    this.step({ kind: 'query-numlogins', ups: this.systems }, 'numlogins');
  }

  private exit(code: number, why: string): void {
    this.log(code === 0 ? 'info' : 'crit', why);
    this.phaseName = 'exited';
    this.step({ kind: 'exit', code }, null);
  }

  // ---- helpers ----

  private take(event: Exclude<Expect, null>): boolean {
    if (this.expect !== event) {
      this.log('debug', `Ignoring an unexpected '${event}' event in phase ${this.phaseName}`);
      return false;
    }
    this.expect = null;
    return true;
  }

  private step(effect: MonitorEffect, expect: Expect): void {
    this.expect = expect;
    this.out.push(effect);
  }

  private flush(): MonitorEffect[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  private nowSec(): number {
    return Math.floor(this.clock.now() / 1000);
  }

  private ctx(): UpsContext {
    return {
      conf: this.conf,
      now: this.nowSec(),
      notify: (ups, type, extra) => this.notify(ups, type, extra),
      log: (level, message) => this.log(level, message),
    };
  }

  private log(level: LogLevel, message: string): void {
    this.out.push({ kind: 'log', level, message });
  }

  private notify(ups: UpsState | null, type: NotifyType, extra?: string): void {
    const system = ups === null ? null : ups.system;
    const message = formatNotifyMessage(notifyTemplate(this.conf, type), type, system, extra);
    const effect: MonitorEffect = { kind: 'notify', type, ups: system, message, deliver: notifyDeliveries(this.conf.notifyFlags[type]) };
    if (extra !== undefined) effect.extra = extra;
    this.out.push(effect);
  }
}

/** upsmon refuses to start when the power values cannot reach MINSUPPLIES (§4.4). */
export class UpsmonPowerError extends HardnutError {
  constructor(total: number, minSupplies: number) {
    super('ERR_UPSMON_POWER', `insufficient power configured: the power values add up to ${String(total)}, less than MINSUPPLIES ${String(minSupplies)}`);
  }
}

function assertPower(conf: UpsmonConf): void {
  const total = conf.monitors.reduce((s, m) => s + m.powerValue, 0);
  if (total < conf.minSupplies) throw new UpsmonPowerError(total, conf.minSupplies);
}


