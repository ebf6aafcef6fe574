// A fake-clock harness for the monitor state machine: it plays the I/O shell, answering each
// step from a scripted world (what upsd would say at a given second) and recording every effect
// with the time it happened.
import { parseUpsmonConf, type UpsmonConf } from '../../../src/core/config/upsmon-conf.js';
import { Monitor } from '../../../src/upsmon/monitor/monitor.js';
import type { MonitorEffect, MonitorEvent, PollResult } from '../../../src/upsmon/shared/types.js';

/** 2023-11-14T22:13:20Z: a realistic epoch, since NUT's timers start from 0 (lastpoll = 0). */
export const T0 = 1_700_000_000_000;

export class FakeClock {
  constructor(public ms = T0) {}
  now(): number {
    return this.ms;
  }
  /** Seconds since T0. */
  get t(): number {
    return (this.ms - T0) / 1000;
  }
}

/** Parses an upsmon.conf text; fails the test on errors. */
export function conf(text: string): UpsmonConf {
  const r = parseUpsmonConf(text, 'upsmon.conf');
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`config errors: ${JSON.stringify(errors)}`);
  return r.value;
}

export const FAIL: PollResult = { ok: false, stage: 'query', error: 'Data stale', code: 'DATA-STALE' };
export const LOST: PollResult = { ok: false, stage: 'query', error: 'Server disconnected', code: 'ECONNRESET', connectionLost: true };
export const REFUSED: PollResult = { ok: false, stage: 'connect', error: 'Connection refused', code: 'ECONNREFUSED' };

export function ok(status: string, more: Omit<Extract<PollResult, { ok: true }>, 'ok' | 'status'> = {}): PollResult {
  return { ok: true, status, ...more };
}

/** What upsd says; functions of (UPS system name, seconds since T0). */
export interface World {
  status(ups: string, t: number): PollResult | string | null;
  /** Reply to FSD <ups>; default "OK FSD-SET". */
  fsd?(ups: string, t: number): string | null;
  /** NUMLOGINS value; default "1" (only this upsmon). */
  numlogins?(ups: string, t: number): string | null;
}

/** A status timeline: [[fromSecond, status or result], …]; null = poll fails (FAIL). */
export function timeline(steps: Array<[number, PollResult | string | null]>): (t: number) => PollResult {
  return (t) => {
    let cur: PollResult | string | null = null;
    for (const [from, v] of steps) if (t >= from) cur = v;
    return toResult(cur);
  };
}

function toResult(v: PollResult | string | null): PollResult {
  if (v === null) return FAIL;
  if (typeof v === 'string') return ok(v);
  return v;
}

export interface Rec {
  t: number;
  effect: MonitorEffect;
}

export class Sim {
  readonly clock = new FakeClock();
  readonly monitor: Monitor;
  readonly log: Rec[] = [];
  private pending: MonitorEffect | undefined;
  /** Events injected at a time: [second, event]. */
  private readonly injections: Array<[number, MonitorEvent]> = [];

  constructor(config: UpsmonConf | string, private readonly world: World) {
    this.monitor = new Monitor(typeof config === 'string' ? conf(config) : config, this.clock);
  }

  /** Delivers `event` at second `t` (interrupting a wait, like a signal). */
  at(t: number, event: MonitorEvent): this {
    this.injections.push([t, event]);
    this.injections.sort((a, b) => a[0] - b[0]);
    return this;
  }

  /** Runs until the monitor exits or `untilSecond` is reached. */
  run(untilSecond: number): this {
    if (this.monitor.phase === 'new') this.apply(this.monitor.start());
    let guard = 0;
    while (this.pending !== undefined && this.monitor.phase !== 'exited') {
      if (++guard > 1_000_000) throw new Error('simulation does not settle');
      const step = this.pending;
      this.pending = undefined;
      const t = this.clock.t;
      switch (step.kind) {
        case 'poll':
          this.apply(this.monitor.handle({
            type: 'polled',
            results: step.ups.map((ups) => ({ ups, ...toResult(this.world.status(ups, t)) })),
          }));
          break;
        case 'set-fsd':
          this.apply(this.monitor.handle({
            type: 'fsd-set',
            results: step.ups.map((ups) => {
              const reply = this.world.fsd ? this.world.fsd(ups, t) : 'OK FSD-SET';
              return reply === null ? { ups, error: 'Connection refused' } : { ups, reply };
            }),
          }));
          break;
        case 'query-numlogins':
          this.apply(this.monitor.handle({
            type: 'numlogins',
            results: step.ups.map((ups) => {
              const value = this.world.numlogins ? this.world.numlogins(ups, t) : '1';
              return value === null ? { ups, error: 'Connection refused' } : { ups, value };
            }),
          }));
          break;
        case 'wait': {
          const end = this.clock.ms + step.ms;
          const inj = this.injections[0];
          if (inj !== undefined && T0 + inj[0] * 1000 < end) {
            this.injections.shift();
            this.clock.ms = Math.max(this.clock.ms, T0 + inj[0] * 1000);
            // The wait stays in force (ending at its original time) unless the event's effects
            // bring a new step.
            this.pending = { ...step, ms: end - this.clock.ms };
            this.apply(this.monitor.handle(inj[1]));
            break;
          }
          if (end > T0 + untilSecond * 1000) {
            this.pending = step;
            return this;
          }
          this.clock.ms = end;
          this.apply(this.monitor.handle({ type: 'timer' }));
          break;
        }
        case 'exit':
          return this;
        default:
          break;
      }
    }
    return this;
  }

  private apply(effects: MonitorEffect[]): void {
    for (const e of effects) {
      this.log.push({ t: this.clock.t, effect: e });
      if (e.kind === 'poll' || e.kind === 'wait' || e.kind === 'set-fsd' || e.kind === 'query-numlogins' || e.kind === 'exit') {
        this.pending = e;
      }
    }
  }

  /** Notification types in order (optionally with the UPS): "ONBATT", or "ONBATT ups@h". */
  notifications(withUps = false): string[] {
    return this.log.flatMap(({ effect: e }) => (e.kind === 'notify' ? [withUps && e.ups !== null ? `${e.type} ${e.ups}` : e.type] : []));
  }

  /** Time of the first effect matching. */
  timeOf(pred: (e: MonitorEffect) => boolean): number | undefined {
    return this.log.find((r) => pred(r.effect))?.t;
  }

  notifyTime(type: string): number | undefined {
    return this.timeOf((e) => e.kind === 'notify' && e.type === type);
  }

  get shutdownAt(): number | undefined {
    return this.timeOf((e) => e.kind === 'shutdown');
  }

  kinds(kind: MonitorEffect['kind']): Rec[] {
    return this.log.filter((r) => r.effect.kind === kind);
  }

  logs(level?: string): string[] {
    return this.log.flatMap(({ effect: e }) => (e.kind === 'log' && (level === undefined || e.level === level) ? [e.message] : []));
  }
}

/** A world with one timeline per UPS (same one for all when given a function). */
export function world(timelines: Record<string, (t: number) => PollResult> | ((t: number) => PollResult), more: Omit<World, 'status'> = {}): World {
  return {
    ...more,
    status: (ups, t) => {
      if (typeof timelines === 'function') return timelines(t);
      const tl = timelines[ups];
      if (tl === undefined) throw new Error(`no timeline for ${ups}`);
      return tl(t);
    },
  };
}

export const BASE = `
SHUTDOWNCMD "/sbin/shutdown -h +0"
POWERDOWNFLAG /etc/killpower
`;
