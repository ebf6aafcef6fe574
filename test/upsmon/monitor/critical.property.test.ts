// Properties of the critical predicate over random timelines (§5.6), on the fake clock.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { PollResult } from '../../../src/upsmon/shared/types.js';
import { BASE, FAIL, LOST, Sim, ok } from './sim.js';

interface Setup {
  role: 'primary' | 'secondary';
  pollFreq: number;
  pollFreqAlert: number;
  deadTime: number;
  hostSync: number;
}

const setup: fc.Arbitrary<Setup> = fc.record({
  role: fc.constantFrom('primary' as const, 'secondary' as const),
  pollFreq: fc.integer({ min: 1, max: 10 }),
  pollFreqAlert: fc.integer({ min: 1, max: 10 }),
  deadTime: fc.integer({ min: 1, max: 60 }),
  hostSync: fc.integer({ min: 0, max: 30 }),
});

function config(s: Setup): string {
  return `${BASE}POLLFREQ ${String(s.pollFreq)}
POLLFREQALERT ${String(s.pollFreqAlert)}
DEADTIME ${String(s.deadTime)}
HOSTSYNC ${String(s.hostSync)}
MONITOR ups@localhost 1 mon secret ${s.role}
`;
}

/** A world that answers poll n with script[n] (and the last answer forever after). */
function scripted(script: PollResult[]): { status: () => PollResult } {
  let n = 0;
  return { status: () => script[Math.min(n++, script.length - 1)] as PollResult };
}

const online = fc.constantFrom('OL', 'OL CHRG', 'OL HB');
const onBattery = fc.constantFrom('OB', 'OB DISCHRG');

type Segment = { ok: string[] } | { fail: number; lost: boolean };

/**
 * Random timelines of good polls (OL/OB, never LB, FSD, OFF…) and comms failures, where every
 * failure run that follows an OB answer is short enough that no recalc sees more than DEADTIME
 * since the last good poll: k failed polls at POLLFREQALERT ⇒ k × POLLFREQALERT ≤ DEADTIME.
 */
function flapTimeline(s: Setup): fc.Arbitrary<PollResult[]> {
  const maxFlap = Math.floor(s.deadTime / s.pollFreqAlert);
  const segment: fc.Arbitrary<Segment> = fc.oneof(
    fc.record({ ok: fc.array(fc.oneof(online, onBattery), { minLength: 1, maxLength: 8 }) }),
    fc.record({ fail: fc.integer({ min: 1, max: 40 }), lost: fc.boolean() }),
  );
  return fc.array(segment, { minLength: 1, maxLength: 12 }).map((segs) => {
    const out: PollResult[] = [ok('OL')];
    let lastOk = 'OL';
    let run = 0; // failures since the last good poll
    for (const seg of segs) {
      if ('ok' in seg) {
        for (const st of seg.ok) out.push(ok(st));
        lastOk = seg.ok.at(-1) as string;
        run = 0;
      } else {
        const k = lastOk.startsWith('OB') ? Math.max(0, Math.min(seg.fail, maxFlap - run)) : seg.fail;
        for (let i = 0; i < k; i++) out.push(seg.lost ? LOST : FAIL);
        run += k;
      }
    }
    out.push(ok(lastOk));
    return out;
  });
}

describe('the critical predicate', () => {
  it('a link flap no longer than DEADTIME while on battery never shuts down (NUT #2454)', () => {
    fc.assert(fc.property(setup.chain((s) => fc.tuple(fc.constant(s), flapTimeline(s))), ([s, script]) => {
      const sim = new Sim(config(s), scripted(script)).run(script.length * 12);
      expect(sim.shutdownAt).toBeUndefined();
      expect(sim.notifications()).not.toContain('SHUTDOWN');
    }), { numRuns: 300 });
  });

  it('comms lost for longer than DEADTIME (and HOSTSYNC on a secondary) while on battery always shuts down', () => {
    fc.assert(fc.property(setup, fc.integer({ min: 1, max: 5 }), fc.boolean(), (s, obPolls, lost) => {
      const grace = Math.max(s.deadTime, s.role === 'secondary' ? s.hostSync : 0);
      const k = Math.floor(grace / s.pollFreqAlert) + 2;
      const script = [ok('OL'), ...Array.from({ length: obPolls }, () => ok('OB')), ...Array.from({ length: k }, () => (lost ? LOST : FAIL))];
      const sim = new Sim(config(s), { ...scripted(script), fsd: () => null, numlogins: () => null }).run(script.length * 12);
      // OL at 0, the first OB at POLLFREQ, then POLLFREQALERT steps
      const lastGoodPoll = s.pollFreq + (obPolls - 1) * s.pollFreqAlert;
      const at = sim.notifyTime('SHUTDOWN');
      expect(at).toBeDefined();
      // never before more than DEADTIME without an answer
      expect((at as number) - lastGoodPoll).toBeGreaterThan(s.deadTime);
    }), { numRuns: 300 });
  });

  it('with comms and no LB, FSD or OFF, whatever else the status says, nothing shuts down', () => {
    const token = fc.constantFrom('OL', 'OB', 'CHRG', 'DISCHRG', 'HB', 'RB', 'TRIM', 'BOOST', 'BYPASS', 'CAL', 'ALARM', 'OVER', 'ECO', 'XYZ', 'ol', 'ob');
    const status = fc.array(token, { minLength: 1, maxLength: 5 }).map((t) => t.join(' '));
    fc.assert(fc.property(setup, fc.array(status, { minLength: 1, maxLength: 60 }), (s, statuses) => {
      const sim = new Sim(config(s), scripted(statuses.map((x) => ok(x)))).run(statuses.length * 12);
      expect(sim.shutdownAt).toBeUndefined();
    }), { numRuns: 200 });
  });

  it('a primary shuts down in the poll that first sees OB+LB; a secondary within HOSTSYNC + one poll', () => {
    fc.assert(fc.property(setup, fc.integer({ min: 0, max: 5 }), (s, obPolls) => {
      const script = [ok('OL'), ...Array.from({ length: obPolls }, () => ok('OB')), ok('OB LB')];
      const sim = new Sim(config(s), { ...scripted(script), numlogins: () => '1' }).run(10_000);
      const lb = sim.notifyTime('LOWBATT') as number;
      const at = sim.notifyTime('SHUTDOWN');
      expect(at).toBeDefined();
      if (s.role === 'primary') expect(at).toBe(lb);
      else expect((at as number) - lb).toBeLessThanOrEqual(s.hostSync + s.pollFreqAlert);
    }), { numRuns: 300 });
  });

  it('FSD in the status shuts down in that same poll, whatever the role', () => {
    fc.assert(fc.property(setup, fc.constantFrom('FSD OL', 'FSD OB', 'FSD OB LB', 'OL FSD'), (s, st) => {
      const sim = new Sim(config(s), scripted([ok('OL'), ok(st)])).run(10_000);
      expect(sim.notifyTime('SHUTDOWN')).toBe(s.pollFreq);
    }), { numRuns: 100 });
  });
});
