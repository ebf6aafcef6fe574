// Fuzz target "localmon": LOCALMONITOR's reading of a driver socket (issue 14) — the sans-I/O
// driver model (src/upsmon/monitor/local-state.ts: SockDecoder + upsd's UpsEntry) with the monitor
// state machine on top, as the shell runs them. Driver streams from a grammar (status changes,
// DUMPDONE, DATASTALE/DATAOK, PONG, malformed and over-long lines, raw bytes), cut anywhere,
// with disconnects, reconnects and clock ticks in between. Properties:
//  - nothing throws; each effect list has at most one step, last;
//  - event-driven: after every piece, a poll's answer differs from the one before only if the
//    piece reported `changed` (no pushed change can wait for POLLFREQ);
//  - the answer does not depend on how the stream was cut (the same bytes whole give the same);
//  - every frame the monitor would send decodes and passes the dispatcher's sequence check, so a
//    shutdown it decides on from driver data is one the dispatcher accepts, and none other;
//  - the supervisor's meter on the child's IPC bytes (ipc-guard.ts) refuses exactly the streams
//    with a message over the bound, wherever the reads cut them.
import { describe, expect } from 'vitest';
import fc from 'fast-check';
import { fuzz as fuzzTarget, splitAt } from './harness.js';
import { parseUpsmonConf } from '../../src/core/config/upsmon-conf.js';
import { Monitor } from '../../src/upsmon/monitor/monitor.js';
import { frameOf } from '../../src/upsmon/monitor/frames.js';
import { LocalDriverState } from '../../src/upsmon/monitor/local-state.js';
import { STEP_KINDS, type MonitorEffect, type MonitorEvent, type PollResult } from '../../src/upsmon/shared/types.js';
import { FrameSequenceValidator, decodeFrame } from '../../src/protocol/notify-frame/index.js';
import { IpcMeter, LOCAL_IPC_MAX_MESSAGE_BYTES } from '../../src/local-driver/ipc-guard.js';

const fuzz = <T>(name: string, arb: fc.Arbitrary<T>, predicate: (v: T) => void): void => fuzzTarget('localmon', name, arb, predicate);
const T0 = 1_700_000_000_000;

const token = fc.constantFrom('OL', 'OB', 'LB', 'FSD', 'RB', 'CAL', 'OFF', 'BYPASS', 'ALARM', 'OVER', 'DISCHRG', 'ob', 'lb', 'XYZ');
const line: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.array(token, { maxLength: 4 }).map((t) => `SETINFO ups.status "${t.join(' ')}"\n`) },
  { weight: 2, arbitrary: fc.constantFrom('DUMPDONE\n', 'DATAOK\n', 'DATASTALE\n', 'PONG\n', 'SETINFO battery.charge "5"\n', 'SETINFO ups.alarm "hot"\n', 'DELINFO ups.status\n') },
  { weight: 1, arbitrary: fc.constantFrom('SETINFO\n', 'SETINFO ups.status\n', '"unterminated\n', '# comment\n', 'setinfo UPS.STATUS "OB LB"\n', 'SETINFO "a b" x\n', '\\\n') },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('latin1')) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 40_000 }).map((n) => `SETINFO ups.status "${'A'.repeat(n)}"\n`) },
);

type Act =
  | { k: 'bytes'; text: string; cuts: number[] }
  | { k: 'tick'; s: number }
  | { k: 'drop' };
const act: fc.Arbitrary<Act> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ k: fc.constant('bytes' as const), text: fc.array(line, { minLength: 1, maxLength: 6 }).map((l) => l.join('')), cuts: fc.array(fc.nat({ max: 400 }), { maxLength: 4 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('tick' as const), s: fc.integer({ min: 0, max: 25 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('drop' as const) }) },
);

const CONF = parseUpsmonConf('LOCALMONITOR u 1\nPOLLFREQ 60\nPOLLFREQALERT 60\nFINALDELAY 1\nDEADTIME 30\n', 'upsmon.conf').value;

const answer = (r: PollResult | 'wait'): PollResult => (r === 'wait' ? { ok: false, stage: 'query', error: 'Data stale', code: 'DATA-STALE' } : r);

describe('LOCALMONITOR: driver socket → monitor', () => {
  fuzz('never throws; every answer change is pushed; cuts do not matter; frames pass the dispatcher', fc.array(act, { minLength: 1, maxLength: 25 }), (acts) => {
    let ms = T0;
    const state = new LocalDriverState('u', ms);
    const whole = new LocalDriverState('u', ms);
    state.connectedAt(ms);
    whole.connectedAt(ms);
    const m = new Monitor(CONF, { now: () => ms });
    const validator = new FrameSequenceValidator(CONF);
    let pending: MonitorEffect | undefined;
    let exited = false;

    const check = (effects: MonitorEffect[]): void => {
      const steps = effects.filter((e) => STEP_KINDS.has(e.kind));
      expect(steps.length).toBeLessThanOrEqual(1);
      if (steps.length === 1) { expect(effects.at(-1)).toBe(steps[0]); pending = steps[0]; }
      for (const e of effects) {
        if (e.kind === 'exit') exited = true;
        const bytes = frameOf(e);
        if (bytes === undefined) continue;
        const d = decodeFrame(bytes);
        if (!('frame' in d)) throw new Error(`undecodable frame for ${JSON.stringify(e)}`);
        const p = validator.check(d.frame);
        if (p !== undefined) throw new Error(`${p.reason} (effect ${JSON.stringify(e)})`);
      }
    };
    // the shell: answer the machine's steps at once, from the driver model
    const settle = (): void => {
      for (let i = 0; i < 50 && pending !== undefined && !exited; i++) {
        const p = pending;
        pending = undefined;
        const ev: MonitorEvent | undefined =
          p.kind === 'poll' ? { type: 'polled', results: [{ ups: 'u', ...answer(state.result()) }] }
            : p.kind === 'set-fsd' ? { type: 'fsd-set', results: [{ ups: 'u', reply: (state.fsd = true, 'OK FSD-SET') }] }
              : p.kind === 'query-numlogins' ? { type: 'numlogins', results: [{ ups: 'u', value: '0' }] }
                : p.kind === 'wait' && p.reason !== 'pollfreq' && p.reason !== 'pollfreqalert' ? (ms += p.ms, { type: 'timer' }) : undefined;
        if (ev === undefined) { pending = p; return; }
        check(m.handle(ev));
      }
    };

    check(m.start());
    settle();
    let before = JSON.stringify(state.result());
    for (const a of acts) {
      if (exited) break;
      let changed = false;
      if (a.k === 'bytes') {
        const data = Buffer.from(a.text, 'latin1');
        let overflow = false;
        for (const piece of splitAt(data, a.cuts.filter((c) => c < data.length))) {
          const r = state.receive(piece, ms);
          changed ||= r.changed;
          overflow ||= r.overflow;
        }
        const w = whole.receive(data, ms);
        expect(overflow).toBe(w.overflow);
        if (overflow) { changed ||= state.disconnected(); whole.disconnected(); state.connectedAt(ms); whole.connectedAt(ms); }
      } else if (a.k === 'tick') {
        ms += a.s * 1000;
        changed = state.tick(ms).changed;
        whole.tick(ms);
      } else {
        changed = state.disconnected();
        whole.disconnected();
        state.connectedAt(ms);
        whole.connectedAt(ms);
      }
      const now = JSON.stringify(state.result());
      expect(JSON.stringify(whole.result()), 'the same bytes in one piece').toBe(now);
      if (now !== before) expect(changed, `answer changed ${before} → ${now} without a push`).toBe(true);
      before = now;
      if (changed) { check(m.handle({ type: 'ups-changed' })); settle(); }
    }
  });
});

describe('LOCALMONITOR: the IPC meter in front of root', () => {
  const message = fc.oneof(
    { weight: 4, arbitrary: fc.nat({ max: 300 }) },
    { weight: 1, arbitrary: fc.integer({ min: LOCAL_IPC_MAX_MESSAGE_BYTES - 2, max: LOCAL_IPC_MAX_MESSAGE_BYTES + 2 }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 3 * LOCAL_IPC_MAX_MESSAGE_BYTES }) },
  );
  fuzz('a message over the bound is refused wherever the reads cut the stream, and only then', fc.record({
    lengths: fc.array(message, { minLength: 1, maxLength: 8 }),
    partial: fc.boolean(),
    cuts: fc.array(fc.nat({ max: 30_000 }), { maxLength: 12 }),
  }), ({ lengths, partial, cuts }) => {
    // messages of these lengths, each ended by a newline but the last when `partial`
    const text = lengths.map((n, i) => 'x'.repeat(n) + (partial && i === lengths.length - 1 ? '' : '\n')).join('');
    const data = Buffer.from(text, 'latin1');
    const meter = new IpcMeter(() => Number.MAX_SAFE_INTEGER, () => T0);
    let verdict: string | undefined;
    for (const piece of splitAt(data, cuts)) {
      verdict = meter.push(piece);
      if (verdict !== undefined) break;
    }
    const over = lengths.some((n) => n > LOCAL_IPC_MAX_MESSAGE_BYTES);
    expect(verdict !== undefined, `lengths ${lengths.join(',')}`).toBe(over);
    if (over) expect(verdict).toMatch(/longer than/);
  });
});
