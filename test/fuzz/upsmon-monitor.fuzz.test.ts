// Fuzz target: the upsmon monitor state machine (src/upsmon/monitor/monitor.ts) under random configs,
// statuses, failures, signals and clock jumps. It never throws; each effect list has at most one
// step, last; and every frame it would send the dispatcher decodes, names a configured MONITOR and
// passes the dispatcher's sequence check (its MINSUPPLIES rule included) — so a correct child is
// never killed as "out of order" and a shutdown the monitor decides on is never refused.
import { describe, expect } from 'vitest';
import fc from 'fast-check';
import { fuzz as fuzzTarget } from './harness.js';
import { parseUpsmonConf, type UpsmonConf } from '../../src/core/config/upsmon-conf.js';
import { Monitor } from '../../src/upsmon/monitor/monitor.js';
import { frameOf } from '../../src/upsmon/monitor/frames.js';
import { MAX_NOTIFY_MESSAGE_LEN } from '../../src/upsmon/shared/notify-messages.js';
import { STEP_KINDS, type MonitorEffect, type MonitorEvent, type PollResult } from '../../src/upsmon/shared/types.js';
import { FrameSequenceValidator, decodeFrame, isConfiguredName } from '../../src/protocol/notify-frame/index.js';

const fuzz = <T>(name: string, arb: fc.Arbitrary<T>, predicate: (v: T) => void): void => fuzzTarget('upsmon-monitor', name, arb, predicate);

const NAMES = ['a@h', 'b@h:3493', 'c@[::1]:3493'] as const;
const T0 = 1_700_000_000_000;

interface Mon { name: string; pv: number; role: 'primary' | 'secondary' }

const monitors: fc.Arbitrary<Mon[]> = fc.uniqueArray(
  fc.record({ name: fc.constantFrom(...NAMES), pv: fc.integer({ min: 0, max: 2 }), role: fc.constantFrom('primary' as const, 'secondary' as const) }),
  { minLength: 1, maxLength: 3, selector: (m) => m.name },
);

const settings = fc.record({
  pollFreq: fc.integer({ min: 1, max: 10 }),
  pollFreqAlert: fc.integer({ min: 1, max: 10 }),
  deadTime: fc.integer({ min: 1, max: 40 }),
  hostSync: fc.integer({ min: 0, max: 20 }),
  finalDelay: fc.integer({ min: 0, max: 5 }),
  shutdownExit: fc.constantFrom('yes', 'no', '0', '3'),
  oblb: fc.integer({ min: -1, max: 15 }),
  off: fc.integer({ min: -1, max: 40 }),
  over: fc.integer({ min: -1, max: 40 }),
  alarmCritical: fc.constantFrom(0, 1),
  noComm: fc.integer({ min: 0, max: 60 }),
  rb: fc.integer({ min: 0, max: 100 }),
  minSupplies: fc.integer({ min: 0, max: 3 }),
});
type Settings = typeof settings extends fc.Arbitrary<infer S> ? S : never;

function confText(mons: Mon[], s: Settings): string {
  const total = mons.reduce((n, m) => n + m.pv, 0);
  return [
    `POLLFREQ ${String(s.pollFreq)}`, `POLLFREQALERT ${String(s.pollFreqAlert)}`, `DEADTIME ${String(s.deadTime)}`,
    `HOSTSYNC ${String(s.hostSync)}`, `FINALDELAY ${String(s.finalDelay)}`, `SHUTDOWNEXIT ${s.shutdownExit}`,
    `OBLBDURATION ${String(s.oblb)}`, `OFFDURATION ${String(s.off)}`, `OVERDURATION ${String(s.over)}`,
    `ALARMCRITICAL ${String(s.alarmCritical)}`, `NOCOMMWARNTIME ${String(s.noComm)}`, `RBWARNTIME ${String(s.rb)}`,
    `MINSUPPLIES ${String(Math.min(s.minSupplies, total))}`,
    'NOTIFYMSG ALARM "%s alarm: %s"', 'NOTIFYFLAG ONBATT IGNORE',
    ...mons.map((m) => `MONITOR ${m.name} ${String(m.pv)} mon secret ${m.role}`),
  ].join('\n');
}

function parse(text: string): UpsmonConf {
  const r = parseUpsmonConf(text, 'upsmon.conf');
  if (r.diagnostics.some((d) => d.severity === 'error')) throw new Error(`bad generated config: ${text}`);
  return r.value;
}

const token = fc.constantFrom('OL', 'OB', 'LB', 'FSD', 'RB', 'CAL', 'OFF', 'BYPASS', 'ALARM', 'OVER', 'TRIM', 'BOOST', 'ECO',
  'CHRG', 'DISCHRG', 'HB', 'XYZ', 'ol', 'ob', 'lb', '');
const pollResult: fc.Arbitrary<PollResult> = fc.oneof(
  { weight: 6, arbitrary: fc.record({
    ok: fc.constant(true as const),
    status: fc.array(token, { minLength: 0, maxLength: 5 }).map((t) => t.join(' ')),
    alarm: fc.option(fc.constantFrom('Fan failure', 'Overheat', ''), { nil: undefined }),
    buzzwords: fc.option(fc.constantFrom('vendor:eaton:ECO', 'vendor:x:freq-converter-on'), { nil: undefined }),
  }) },
  { weight: 1, arbitrary: fc.record({ ok: fc.constant(false as const), stage: fc.constantFrom('connect' as const, 'query' as const), error: fc.constantFrom('Data stale', 'Connection refused'), connectionLost: fc.boolean() }) },
);

type Injected = 'user-fsd' | 'stop' | 'parent-gone' | 'os-sleep' | 'os-wake' | 'reload';

const input = fc.record({
  mons: monitors,
  s: settings,
  statuses: fc.array(pollResult, { minLength: 1, maxLength: 60 }),
  events: fc.array(fc.tuple(fc.nat({ max: 200 }), fc.constantFrom<Injected>('user-fsd', 'stop', 'parent-gone', 'os-sleep', 'os-wake', 'reload', 'parent-gone')), { maxLength: 6 }),
  reloadMons: monitors,
  jumps: fc.array(fc.tuple(fc.nat({ max: 200 }), fc.integer({ min: -20_000, max: 4_000_000 })), { maxLength: 3 }),
  numlogins: fc.array(fc.constantFrom('1', '2', '3', '0', 'x', null), { minLength: 1, maxLength: 5 }),
  fsd: fc.array(fc.constantFrom('OK FSD-SET', 'ERR ACCESS-DENIED', null), { minLength: 1, maxLength: 3 }),
});

describe('upsmon monitor', () => {
  fuzz('never throws; one step per list, last; every frame decodes and passes the sequence check', input, (inp) => {
    const conf = parse(confText(inp.mons, inp.s));
    let ms = T0;
    const m = new Monitor(conf, { now: () => ms });
    const validator = new FrameSequenceValidator(conf); // the dispatcher's own copy of upsmon.conf
    let pending: MonitorEffect | undefined;
    let exited = false;
    let polls = 0;

    const check = (effects: MonitorEffect[]): void => {
      const steps = effects.filter((e) => STEP_KINDS.has(e.kind));
      expect(steps.length).toBeLessThanOrEqual(1);
      if (steps.length === 1) {
        expect(effects.at(-1)).toBe(steps[0]);
        pending = steps[0];
      }
      for (const e of effects) {
        expect(exited).toBe(false); // nothing after exit
        if (e.kind === 'exit') exited = true;
        if (e.kind === 'notify') expect(e.message.length).toBeLessThanOrEqual(MAX_NOTIFY_MESSAGE_LEN);
        const bytes = frameOf(e);
        if (bytes === undefined) continue;
        const d = decodeFrame(bytes);
        if (!('frame' in d)) throw new Error(`undecodable frame for ${JSON.stringify(e)}`);
        if (d.frame.name !== '') expect(isConfiguredName(d.frame.name, NAMES)).toBe(true);
        const p = validator.check(d.frame);
        if (p !== undefined) throw new Error(`${p.reason} (effect ${JSON.stringify(e)})`);
      }
    };
    const send = (ev: MonitorEvent): void => {
      if (ev.type === 'user-fsd') validator.noteUserFsd(); // the dispatcher forwards the signal
      check(m.handle(ev));
    };

    check(m.start());
    for (let step = 0; step < 220 && !exited; step++) {
      for (const [at, ev] of inp.events) {
        if (at !== step || exited) continue;
        if (ev === 'reload') {
          const total = inp.reloadMons.reduce((n, x) => n + x.pv, 0);
          const next = parse(confText(inp.reloadMons, { ...inp.s, minSupplies: Math.min(inp.s.minSupplies, total) }));
          validator.addRule(next); // the dispatcher reloads first, then forwards the reload
          send({ type: 'reload', conf: next });
        } else {
          send({ type: ev });
        }
      }
      if (exited) break;
      const p = pending;
      pending = undefined;
      if (p === undefined) {
        if (m.phase === 'suspended') send({ type: 'os-wake' });
        continue;
      }
      switch (p.kind) {
        case 'poll':
          send({ type: 'polled', results: p.ups.map((ups) => ({ ups, ...(inp.statuses[polls++ % inp.statuses.length] as PollResult) })) });
          break;
        case 'set-fsd':
          send({ type: 'fsd-set', results: p.ups.map((ups, i) => {
            const r = inp.fsd[(step + i) % inp.fsd.length];
            return r === null || r === undefined ? { ups, error: 'Connection refused' } : { ups, reply: r };
          }) });
          break;
        case 'query-numlogins':
          send({ type: 'numlogins', results: p.ups.map((ups, i) => {
            const v = inp.numlogins[(step + i) % inp.numlogins.length];
            return v === null || v === undefined ? { ups, error: 'Connection refused' } : { ups, value: v };
          }) });
          break;
        case 'wait': {
          ms += p.ms;
          for (const [at, extra] of inp.jumps) if (at === step) ms += extra;
          send({ type: 'timer' });
          break;
        }
        case 'exit':
          exited = true;
          break;
        default:
          break;
      }
    }
    if (exited) {
      expect(m.phase).toBe('exited');
      expect(m.handle({ type: 'timer' })).toEqual([]);
    }
  });
});
