// Fuzz target: the framed pipe's decoder (src/protocol/notify-frame). Whatever the bytes and
// however they are split, the decoder never throws, holds at most one name, and accepts a stream
// only if it is exactly the encoding of the frames it returns. The codec's charset and limits are
// judged by an oracle written from DESIGN.md's grammar (SPEC_* below: literal characters, 64,
// the type table), never by the codec's own predicates; the dispatcher's shutdown guard by a
// reference model of NUT's MINSUPPLIES rule (§5.6) written apart from sequence.ts.
import { describe, expect } from 'vitest';
import fc from 'fast-check';
import { concat, fuzz as fuzzTarget, latin1, splitAt } from './harness.js';
import {
  FRAME_TYPES, FrameDecoder, FrameSequenceValidator, MAX_FRAME_NAME_BYTES, STX, ETX, decodeFrame, encodeFrame, frameTypeByName,
  type Frame, type FrameTypeName, type SupplyRule,
} from '../../src/protocol/notify-frame/index.js';
import { NotifyFrameReader } from '../../src/upsmon/notifier/notify-frames.js';

const fuzz = <T>(name: string, arb: fc.Arbitrary<T>, predicate: (v: T) => void): void => fuzzTarget('notify-frame', name, arb, predicate);

const nameChar = fc.constantFrom(...'abcxyzABZ0189._@:-[]'.split(''));
const upsTypes = FRAME_TYPES.filter((t) => t.scope === 'ups').map((t) => t.type);
const hostTypes = FRAME_TYPES.filter((t) => t.scope === 'host').map((t) => t.type);
const frame: fc.Arbitrary<Pick<Frame, 'type' | 'name'>> = fc.oneof(
  fc.record({ type: fc.constantFrom(...upsTypes), name: fc.string({ unit: nameChar, minLength: 1, maxLength: MAX_FRAME_NAME_BYTES }) }),
  fc.record({ type: fc.constantFrom(...hostTypes), name: fc.constant('') }),
);
const cuts = fc.array(fc.nat({ max: 10_000 }), { maxLength: 12 });

/** Decodes chunks; checks the invariants on the way. */
function decodeAll(chunks: Uint8Array[]): { frames: Frame[]; failed: boolean } {
  const d = new FrameDecoder();
  const frames: Frame[] = [];
  let failed = false;
  for (const c of chunks) {
    const r = d.push(c);
    frames.push(...r.frames);
    expect(d.bufferedBytes).toBeLessThanOrEqual(MAX_FRAME_NAME_BYTES);
    if (r.error !== undefined) failed = true;
  }
  if (d.end() !== undefined) failed = true;
  return { frames, failed };
}

function encodeAll(frames: ReadonlyArray<Pick<Frame, 'type' | 'name'>>): Uint8Array {
  return concat(...frames.map((x) => encodeFrame(x.type, x.name)));
}

describe('notify-frame decoder', () => {
  fuzz('valid frames round-trip whatever the read boundaries', fc.tuple(fc.array(frame, { maxLength: 20 }), cuts), ([frames, cs]) => {
    const r = decodeAll(splitAt(encodeAll(frames), cs));
    expect(r.failed).toBe(false);
    expect(r.frames.map(({ type, name }) => ({ type, name }))).toEqual(frames);
  });

  fuzz('arbitrary bytes: accepted only if they are exactly the encoding of the decoded frames',
    fc.tuple(fc.string({ unit: 'binary', maxLength: 300 }).map(latin1), cuts), ([data, cs]) => {
      const r = decodeAll(splitAt(data, cs));
      if (!r.failed) expect(encodeAll(r.frames)).toEqual(data);
      // decoded frames are always canonical: they re-encode to a prefix of the input
      const again = encodeAll(r.frames);
      expect(data.subarray(0, again.length)).toEqual(again);
    });

  fuzz('mutated valid streams: any change is rejected or yields other valid frames, never a silent mix',
    fc.tuple(fc.array(frame, { minLength: 1, maxLength: 8 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), cuts),
    ([frames, edits, cs]) => {
      const data = encodeAll(frames).slice();
      for (const [at, b] of edits) data[at % data.length] = b;
      const r = decodeAll(splitAt(data, cs));
      if (!r.failed) expect(encodeAll(r.frames)).toEqual(data);
    });

  fuzz('byte soup biased to the grammar never throws and never over-buffers',
    fc.tuple(fc.array(fc.oneof(fc.constantFrom(STX, ETX, 0, 64, 65, 0x41, 0x46, 0x60, 0x61), fc.integer({ min: 0, max: 255 })), { maxLength: 400 }), cuts),
    ([bytes, cs]) => {
      decodeAll(splitAt(Uint8Array.from(bytes), cs));
    });
});

// ---- the grammar, as DESIGN.md states it: `[STX][type][len]<name>[ETX]` ----

/** `A–Z a–z 0–9 . _ @ : -` and `[` `]` (IPv6 literals), spelt out. */
const SPEC_NAME_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._@:-[]';
const SPEC_MAX_NAME = 64;
/** 0x40 + NUT's NOTIFY_* number (0–31), 0x60 EXEC_SHUTDOWN, 0x61/0x62 RULE_FIRE/RULE_CLEAR (a rule's name). */
const SPEC_TYPES = new Set([...Array.from({ length: 32 }, (_, n) => 0x40 + n), 0x60, 0x61, 0x62]);
/** Host frames (no name): SHUTDOWN 6, NOPARENT 9, SHUTDOWN_HOSTSYNC 26, SUSPEND_* 27/30/31, EXEC_SHUTDOWN. */
const SPEC_HOST_TYPES = new Set([0x46, 0x49, 0x5a, 0x5b, 0x5e, 0x5f, 0x60]);

function specNameOk(name: Uint8Array): boolean {
  return name.length >= 1 && name.length <= SPEC_MAX_NAME && [...name].every((b) => SPEC_NAME_CHARS.includes(String.fromCharCode(b)));
}

/** One frame as the spec judges it: [type, len, name bytes, last byte]. */
function specFrameOk(type: number, len: number, name: Uint8Array, last: number): boolean {
  if (!SPEC_TYPES.has(type) || last !== ETX || len !== name.length) return false;
  return SPEC_HOST_TYPES.has(type) ? len === 0 : specNameOk(name);
}

/** Bytes near every edge of the charset and of the framing. */
const edgeByte = fc.oneof(
  fc.constantFrom(...[0x00, 0x02, 0x03, 0x0a, 0x20, 0x22, 0x24, 0x25, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x39, 0x3a, 0x3b, 0x3f, 0x40,
    0x41, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x60, 0x61, 0x7a, 0x7b, 0x7e, 0x7f, 0x80, 0xff]),
  fc.integer({ min: 0, max: 255 }),
);
const specFrame = fc.record({
  type: fc.oneof(fc.constantFrom(...SPEC_TYPES), fc.integer({ min: 0x3e, max: 0x64 }), fc.integer({ min: 0, max: 255 })),
  name: fc.oneof(
    fc.array(edgeByte, { maxLength: 3 }),
    fc.tuple(fc.string({ unit: fc.constantFrom(...SPEC_NAME_CHARS.split('')), minLength: 60, maxLength: 70 }), fc.array(edgeByte, { maxLength: 1 }))
      .map(([ok, odd]) => [...ok].map((c) => c.charCodeAt(0)).concat(odd)),
  ).map((a) => Uint8Array.from(a)),
  lenDelta: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -2, max: 2 }) }),
  last: fc.oneof({ weight: 6, arbitrary: fc.constant(ETX) }, { weight: 1, arbitrary: edgeByte }),
});

describe('notify-frame codec against the spec', () => {
  fuzz('one frame is decoded exactly when the spec\'s type table, charset, 64-byte limit and ETX allow it', specFrame, (f) => {
    const len = Math.max(0, Math.min(255, f.name.length + f.lenDelta));
    const bytes = Uint8Array.from([STX, f.type, len, ...f.name, f.last]);
    const r = decodeFrame(bytes);
    const ok = specFrameOk(f.type, len, f.name, f.last);
    expect('frame' in r, `spec says ${ok ? 'valid' : 'invalid'}`).toBe(ok);
    if ('frame' in r) {
      expect(r.frame.code).toBe(f.type);
      expect(r.frame.name).toBe(String.fromCharCode(...f.name));
    }
  });

  fuzz('encodeFrame frames a UPS name exactly when the spec allows the name', fc.tuple(fc.constantFrom(...upsTypes), specFrame), ([type, f]) => {
    const name = String.fromCharCode(...f.name);
    let bytes: Uint8Array | undefined;
    try { bytes = encodeFrame(type, name); } catch { bytes = undefined; }
    expect(bytes !== undefined, `spec says ${specNameOk(f.name) ? 'valid' : 'invalid'}`).toBe(specNameOk(f.name));
    if (bytes !== undefined) expect(bytes).toEqual(Uint8Array.from([STX, frameTypeByName(type)?.code ?? -1, f.name.length, ...f.name, ETX]));
  });
});

// ---- the dispatcher's shutdown guard against a reference model of NUT's rule ----

const UPS = ['a@h', 'b@h', 'c@h'] as const;
type Ev = FrameTypeName;
const EVENTS: readonly Ev[] = ['ONBATT', 'ONLINE', 'LOWBATT', 'FSD', 'COMMBAD', 'COMMOK', 'NOCOMM', 'CAL', 'NOTCAL', 'OFF', 'NOTOFF',
  'BYPASS', 'NOTBYPASS', 'ALARM', 'NOTALARM', 'OVER', 'NOTOVER', 'TRIM', 'NOTTRIM', 'REPLBATT'];

/**
 * What NUT's upsmon may conclude from these notifications (§5.5–§5.6), kept per UPS as the spec
 * words it: on battery, LB ever reported (LB is cleared silently, so it may still be set),
 * comms lost, FSD ever reported, and which of CAL/OFF/BYPASS/ALARM/OVER are on.
 */
interface Model { ob: boolean; lbEver: boolean; commLost: boolean; fsdEver: boolean; deadOb: boolean; on: Set<string> }

/** Frames of one UPS that a monitor could send, generated from the model's own state. */
const scenario = fc.record({
  powers: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
  nUps: fc.integer({ min: 1, max: 3 }),
  minSupplies: fc.integer({ min: 0, max: 4 }),
  alarmCritical: fc.boolean(),
  overDuration: fc.constantFrom(-1, 0, 30),
  offDuration: fc.constantFrom(-1, 0, 30),
  steps: fc.array(fc.tuple(fc.nat({ max: 2 }), fc.constantFrom(...EVENTS)), { maxLength: 14 }),
});

function modelCritical(m: Model, r: SupplyRule): boolean {
  if (m.fsdEver) return true; // rule 1
  const lastKnown = (x: string): boolean => m.on.has(x);
  if (m.commLost && (lastKnown('CAL') || lastKnown('BYPASS') || lastKnown('OFF') || (lastKnown('ALARM') && r.alarmCritical)
    || (lastKnown('OVER') && r.overDuration >= 0))) return true; // rule 2
  if (lastKnown('OFF') && r.offDuration >= 0) return true; // rule 3
  return m.ob && (m.lbEver || m.deadOb); // rule 4, with the dead-UPS-on-battery promotion
}

describe('the dispatcher\'s shutdown guard against NUT\'s MINSUPPLIES rule', () => {
  fuzz('SHUTDOWN is accepted exactly when the power of the UPSes that may be healthy is below MINSUPPLIES', scenario, (sc) => {
    const rule: SupplyRule = {
      monitors: UPS.slice(0, sc.nUps).map((system, i) => ({ system, powerValue: sc.powers[i] as number })),
      minSupplies: sc.minSupplies, alarmCritical: sc.alarmCritical, overDuration: sc.overDuration, offDuration: sc.offDuration,
    };
    const v = new FrameSequenceValidator(rule);
    const models = UPS.map((): Model => ({ ob: false, lbEver: false, commLost: false, fsdEver: false, deadOb: false, on: new Set() }));
    const pairs: Record<string, [string, boolean]> = { ONBATT: ['ob', true], ONLINE: ['ob', false], COMMBAD: ['comm', true], COMMOK: ['comm', false] };
    for (const [i, ev] of sc.steps) {
      if (i >= sc.nUps) continue;
      const m = models[i] as Model;
      // only sequences a monitor can send: the closing half of a pair needs its opening half
      const closes = ev === 'ONLINE' ? m.ob : ev === 'COMMOK' || ev === 'NOCOMM' ? m.commLost : ev.startsWith('NOT') ? m.on.has(ev.slice(3)) : true;
      if (!closes) continue;
      const frame = { type: ev, code: frameTypeByName(ev)?.code ?? -1, name: UPS[i] as string };
      expect(v.check(frame), `${ev} ${frame.name}`).toBeUndefined();
      const pair = pairs[ev];
      if (pair?.[0] === 'ob') m.ob = pair[1];
      if (pair?.[0] === 'comm') m.commLost = pair[1];
      if (ev === 'LOWBATT') m.lbEver = true;
      if (ev === 'FSD') m.fsdEver = true;
      if (['CAL', 'OFF', 'BYPASS', 'ALARM', 'OVER', 'TRIM'].includes(ev)) m.on.add(ev);
      if (ev.startsWith('NOT')) m.on.delete(ev.slice(3));
      if (m.ob && m.commLost) m.deadOb = true; // DEADTIME later, upsmon forces LB on (§5.6)
    }
    let healthy = 0;
    rule.monitors.forEach((mon, i) => { if (!modelCritical(models[i] as Model, rule)) healthy += mon.powerValue; });
    const justified = healthy < rule.minSupplies;
    const p = v.check({ type: 'SHUTDOWN', code: frameTypeByName('SHUTDOWN')?.code ?? -1, name: '' });
    expect(p === undefined, `healthy ${String(healthy)}, MINSUPPLIES ${String(rule.minSupplies)}: ${p?.reason ?? 'accepted'}`).toBe(justified);
  });
});

// The notifier's reader (issue 20 item 6): what a compromised dispatcher can make it run. Oracle
// from the words, not the reader's code: only notification types of the table (never
// EXEC_SHUTDOWN), only names it configured or none, and a read with any fault runs nothing.
describe("the notifier's frame reader", () => {
  const MONITORS = ['u@h', 'v@h:3493'];
  const notifyFrames = fc.array(fc.oneof(
    fc.record({ type: fc.constantFrom(...upsTypes), name: fc.constantFrom(...MONITORS, 'w@h') }),
    fc.record({ type: fc.constantFrom(...hostTypes), name: fc.constant('') }),
  ), { maxLength: 8 });
  const noise = fc.string({ unit: 'binary', maxLength: 40 }).map(latin1);

  fuzz('frames and noise in any reads: requests only for notify types and configured names; a bad read yields none and the reader stays failed',
    fc.array(fc.oneof(notifyFrames.map(encodeAll), noise), { minLength: 1, maxLength: 6 }), (reads) => {
      const r = new NotifyFrameReader(MONITORS);
      let failed = false;
      for (const chunk of reads) {
        const res = r.push(chunk);
        if (failed) { expect(res.ok).toBe(false); continue; }
        if (!res.ok) { failed = true; continue; }
        for (const q of res.requests) {
          // this reader knows no rule: a rule frame must have been refused
          if ('rule' in q) throw new Error(`rule request ${q.type} ${q.rule} from a reader with no rule file`);
          const info = frameTypeByName(q.type);
          expect(info?.kind).toBe('notify');
          expect(info?.scope).toBe(q.ups === '' ? 'host' : 'ups');
          if (q.ups !== '') expect(MONITORS).toContain(q.ups);
        }
      }
    });
});
