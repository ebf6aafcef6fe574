// Fuzz target "dummy-ups": the .dev/.seq replay (spec §7.2, DataFileReplay) with a fake clock,
// and SETs arriving between polls (setDummyVar, what the driver socket's SET does). Seeds: the
// test fixture, the demo's outage.seq, corpus/dummy-ups (upsc output recorded from Debian's NUT,
// hand-written edge cases).
// Invariants: nothing throws; every published name can cross the socket (isValidName) and every
// value fits NUT's 256-byte buffer (≤ 255 chars); a DUMPALL of the state decodes back to it; the
// broadcasts, applied in order, keep a copy (upsd's view) equal to the driver's state; TIMER n
// pauses exactly n seconds of the clock; the replay reaches the end after one pause per TIMER.
import { describe, expect } from 'vitest';
import fc from 'fast-check';
import { bytes, ensure, fuzz as fuzzTarget } from './harness.js';
import { dataFileSeeds } from './corpus.js';
import { mutated } from './mutate.js';
import { applyToTree, snapshot } from './state-model.js';
import { parseText } from '../../src/core/tokenizer.js';
import { StateTree } from '../../src/core/state-tree.js';
import { DriverState } from '../../src/driver/dstate.js';
import { DataFileReplay, setDummyVar } from '../../src/driver/drivers/dummy-ups.js';
import { SockDecoder, dumpAll, isValidName, parseDriverMessage, type DriverMessage } from '../../src/protocol/sock/index.js';

const fuzz = <T>(name: string, arb: fc.Arbitrary<T>, predicate: (v: T) => void): void => fuzzTarget('dummy-ups', name, arb, predicate);

/** NUT's ST_MAX_VALUE_LEN (256 with the NUL), as the spec gives it (§3.4). */
const MAX_VALUE_CHARS = 255;

/** A driver state whose broadcasts are decoded and applied to a copy, as upsd would. */
class Harness {
  readonly state = new DriverState();
  readonly mirror = new StateTree();
  mirrorStale = true;
  private readonly decoder = new SockDecoder<DriverMessage>(parseDriverMessage);
  now = 0;

  constructor() {
    this.state.setBroadcast((line) => {
      const r = this.decoder.push(bytes(line));
      expect(r.errors).toEqual([]);
      expect(r.malformed).toEqual([]);
      for (const m of r.messages) {
        if (m.type === 'DATAOK') this.mirrorStale = false;
        else if (m.type === 'DATASTALE') this.mirrorStale = true;
        else applyToTree(this.mirror, m);
      }
    });
  }

  check(): void {
    for (const v of this.state.tree.vars()) {
      ensure(isValidName(v.name), () => `published name ${JSON.stringify(v.name)} cannot cross the socket`);
      ensure(v.value.length <= MAX_VALUE_CHARS, () => `${v.name} holds ${v.value.length} characters`);
    }
    const want = snapshot(this.state.tree);
    expect(snapshot(this.mirror)).toEqual(want);
    expect(this.mirrorStale).toBe(this.state.stale);
    const rebuilt = new StateTree();
    const r = new SockDecoder<DriverMessage>(parseDriverMessage).push(bytes(dumpAll(this.state.tree, this.state.stale)));
    expect(r.overflow || r.errors.length > 0 || r.malformed.length > 0).toBe(false);
    for (const m of r.messages) applyToTree(rebuilt, m);
    expect(snapshot(rebuilt)).toEqual(want);
  }
}

// Generated data files: the line shapes of §7.2, with names and values that need care.
const nameish = fc.oneof(
  fc.constantFrom('ups.status', 'ups.alarm', 'battery.charge', 'battery.charge.low', 'ups.mfr', 'driver.name', 'UPS.STATUS', 'x.y', 'ups.test.result'),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 20 }),
  fc.string({ unit: fc.constantFrom('a', '.', '"', '#', '=', ' ', ':', '\\'), minLength: 1, maxLength: 12 }),
  fc.integer({ min: 500, max: 700 }).map((n) => 'n'.repeat(n)),
);
const valueish = fc.oneof(
  fc.string({ unit: 'grapheme-ascii', maxLength: 40 }),
  fc.array(fc.constantFrom('OL', 'OB', 'LB', 'ALARM', 'CHRG', 'ol', ''), { maxLength: 6 }).map((w) => w.join(' ')),
  fc.integer({ min: 200, max: 20_000 }).map((n) => 'v'.repeat(n)),
  fc.array(fc.constantFrom('w', 'ww'), { minLength: 30, maxLength: 60 }).map((w) => w.join(' ')),
);
const line = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(nameish, valueish).map(([n, v]) => `${n}: ${v}`) },
  { weight: 2, arbitrary: fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom(1e6, 2 ** 40, Number.MAX_SAFE_INTEGER)).map((n) => `TIMER ${n}`) },
  fc.constantFrom('TIMER', 'TIMER x', 'TIMERS 2', 'timer 1', 'TIMER 99999999999999999999999', `TIMER ${'9'.repeat(400)}`),
  fc.oneof(fc.constant('ALARM'), valueish.map((v) => `ALARM ${v}`)),
  fc.constantFrom('# comment', '', '   ', 'driver.parameter.x: y', '"quoted:" value', 'a\\\nb: continued', '"#"'),
);
const generated = fc.array(line, { maxLength: 40 }).map((ls) => bytes(`${ls.join('\n')}\n`));
const dataFile = fc.oneof(mutated(dataFileSeeds()), generated);

import { atoi } from '../../src/core/c-number.js';

/** TIMER durations the replay will see, in order (the same reading as dummy-ups': §7.2). */
function timers(data: Uint8Array): number[] {
  return parseText(data).lines.filter((l) => (l.args[0] as string).startsWith('TIMER')).map((l) => {
    // NUT: atoi(args[1]), which wraps past 32 bits (2^40 reads 0); atoi is checked against glibc in test/core
    return atoi(l.args[1] ?? '') * 1000;
  });
}

describe('dummy-ups fuzz', () => {
  fuzz('replay of any data file with a fake clock: TIMER pauses exactly; state stays publishable and mirrored', dataFile, (data) => {
    const h = new Harness();
    const replay = new DataFileReplay(h.state, () => h.now);
    replay.load(data);
    h.state.dataOk();
    const pauses = timers(data);
    let k = 0;
    for (;;) {
      const done = replay.run();
      h.check();
      if (done) break;
      expect(k, 'more pauses than TIMER lines').toBeLessThan(pauses.length);
      const ms = pauses[k++] as number;
      if (ms > 0 && Number.isSafeInteger(h.now + ms)) {
        const before = snapshot(h.state.tree);
        h.now += ms - 1;
        expect(replay.run()).toBe(false);
        expect(snapshot(h.state.tree)).toEqual(before);
        h.now += 1;
      } else if (ms > 0) {
        h.now += ms;
      }
    }
    expect(k).toBe(pauses.length);
    expect(replay.active).toBe(false);
  });

  const step = fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('run' as const), advance: fc.oneof(fc.nat({ max: 5000 }), fc.constant(1e15)) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('set' as const), name: nameish, value: fc.oneof(valueish, fc.string({ unit: 'binary', maxLength: 30 })) }) },
    fc.record({ kind: fc.constant('reload' as const) }),
    fc.record({ kind: fc.constantFrom('stale' as const, 'ok' as const) }),
  );
  fuzz('polls, SETs, reloads and staleness in any order: nothing throws; names valid, values ≤255, upsd’s copy equal', fc.tuple(dataFile, fc.array(step, { maxLength: 30 })), ([data, steps]) => {
    const h = new Harness();
    const replay = new DataFileReplay(h.state, () => h.now);
    replay.load(data);
    for (const s of steps) {
      if (s.kind === 'run') { h.now += s.advance; replay.run(); }
      else if (s.kind === 'set') setDummyVar(h.state, s.name, s.value);
      else if (s.kind === 'reload') replay.load(data);
      else if (s.kind === 'stale') h.state.dataStale();
      else h.state.dataOk();
      h.check();
    }
  });
});
