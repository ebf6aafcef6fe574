// The rule evaluator (issue 16): timing of FOR, hysteresis, idempotent timers, and unknown data
// that never fires or clears a rule. Driven as upsmon drives it: a step per poll, in virtual time.
import { describe, it, expect } from 'vitest';
import { parseRules, RuleEngine, type RuleEvent, type UpsData } from '../../../src/protocol/rules/index.js';

function engine(text: string, upses = ['ups1']): RuleEngine {
  const { ruleSet, errors } = parseRules(text, 'test.conf');
  expect(errors.map((e) => e.message)).toEqual([]);
  if (!ruleSet) throw new Error('refused');
  return new RuleEngine(ruleSet, upses);
}

const data = (vars: Record<string, string>, ups = 'ups1'): Map<string, UpsData> => new Map([[ups, { vars: new Map(Object.entries(vars)) }]]);
const stale = (ups = 'ups1'): Map<string, UpsData> => new Map([[ups, { stale: true, why: 'data stale' }]]);

/** fire/clear events as "<seconds> <kind> <rule>". */
const firings = (evs: RuleEvent[]): string[] => evs.filter((e) => e.kind === 'fire' || e.kind === 'clear')
  .map((e) => `${String(e.at / 1000)} ${e.kind} ${'rule' in e ? e.rule : ''}`);

/** Polls every `every` seconds, the variables from `at(t)`, stepping at deadlines in between too. */
function run(e: RuleEngine, until: number, every: number, at: (t: number) => Map<string, UpsData>): RuleEvent[] {
  const out: RuleEvent[] = [];
  for (let t = 0; t <= until; t += every) {
    for (let d = e.nextDeadline(); d !== undefined && d < t * 1000; d = e.nextDeadline()) out.push(...e.step(d, at(d / 1000)));
    out.push(...e.step(t * 1000, at(t)));
  }
  return out;
}

const HOT = 'RULE hot\n WHEN ups.temperature > 40\n FOR 30\n CLEAR ups.temperature < 35\n DO notify "hot"\n ONCLEAR notify "cool"\n';

describe('hysteresis and duration', () => {
  it('a temperature rule notifies once on the rise and once on the fall, not on every poll', () => {
    // 30 → 45 from t=100 for 200 s, then hovering between the marks (38, 41, 36), then 30 from t=500
    const temp = (t: number): number => (t < 100 ? 30 : t < 300 ? 45 : t < 500 ? [38, 41, 36][Math.floor(t / 5) % 3] as number : 30);
    const evs = run(engine(HOT), 700, 5, (t) => data({ 'ups.temperature': String(temp(t)) }));
    expect(firings(evs)).toEqual(['130 fire hot', '500 clear hot']);
    const fire = evs.find((x) => x.kind === 'fire');
    expect(fire?.kind === 'fire' && fire.actions).toEqual([{ kind: 'notify', message: 'hot' }]);
    const clear = evs.find((x) => x.kind === 'clear');
    expect(clear?.kind === 'clear' && clear.actions).toEqual([{ kind: 'notify', message: 'cool' }]);
  });

  it('FOR: 29 s of heat fires nothing; the 30th second fires at exactly since + 30 via nextDeadline', () => {
    const e = engine(HOT);
    expect(e.step(0, data({ 'ups.temperature': '41' })).map((x) => x.kind)).toEqual(['pending']);
    expect(e.nextDeadline()).toBe(30_000);
    expect(e.step(29_000, data({ 'ups.temperature': '20' })).map((x) => x.kind)).toEqual(['reset']);
    expect(e.nextDeadline()).toBeUndefined();
    e.step(40_000, data({ 'ups.temperature': '41' }));
    expect(e.nextDeadline()).toBe(70_000);
    expect(firings(e.step(69_999, data({ 'ups.temperature': '41' })))).toEqual([]);
    expect(firings(e.step(70_000, data({ 'ups.temperature': '41' })))).toEqual(['70 fire hot']);
    expect(firings(e.step(75_000, data({ 'ups.temperature': '41' })))).toEqual([]);
  });

  it('without CLEAR the rule clears when WHEN is false; FOR 0 fires on the first poll', () => {
    const e = engine('RULE ob\n WHEN ups.status has OB\n DO notify\n');
    expect(firings(e.step(0, data({ 'ups.status': 'OB DISCHRG' })))).toEqual(['0 fire ob']);
    expect(firings(e.step(5000, data({ 'ups.status': 'OB LB' })))).toEqual([]);
    expect(firings(e.step(10_000, data({ 'ups.status': 'OL CHRG' })))).toEqual(['10 clear ob']);
    expect(firings(e.step(15_000, data({ 'ups.status': 'OBX' })))).toEqual([]); // a token, not a substring
  });

  it('numbers compare as numbers ("100" > 40), strings as strings', () => {
    const e = engine('RULE n\n WHEN battery.charge > 40\n DO notify\nRULE s\n WHEN ups.model = "SMART-UPS 700"\n DO notify\n');
    expect(firings(e.step(0, data({ 'battery.charge': '100', 'ups.model': 'SMART-UPS 700' })))).toEqual(['0 fire n', '0 fire s']);
    expect(firings(e.step(1000, data({ 'battery.charge': '040.0', 'ups.model': 'SMART-UPS 7000' })))).toEqual(['1 clear n', '1 clear s']);
  });
});

describe('unknown data', () => {
  it('a stale UPS fires nothing, and the evaluator says why once, not on every poll', () => {
    const e = engine('RULE low\n WHEN battery.charge < 50\n DO shutdown\n');
    const evs = run(e, 60, 5, () => stale());
    expect(firings(evs)).toEqual([]);
    expect(evs).toEqual([{ kind: 'unknown', at: 0, rule: 'low', ups: 'ups1', why: 'ups1: data stale' }]);
  });

  it('a missing or non-numeric variable is unknown, never false: a firing rule does not clear on it', () => {
    const e = engine(HOT);
    e.step(0, data({ 'ups.temperature': '50' }));
    expect(firings(e.step(30_000, data({ 'ups.temperature': '50' })))).toEqual(['30 fire hot']);
    const u1 = e.step(35_000, data({}));
    expect(u1).toEqual([{ kind: 'unknown', at: 35_000, rule: 'hot', ups: 'ups1', why: 'ups.temperature is not known' }]);
    const u2 = e.step(40_000, data({ 'ups.temperature': 'n/a' }));
    expect(u2).toEqual([{ kind: 'unknown', at: 40_000, rule: 'hot', ups: 'ups1', why: 'ups.temperature is not a number ("n/a")' }]);
    expect(e.step(45_000, stale())).toMatchObject([{ kind: 'unknown', why: 'ups1: data stale' }]);
    expect(e.isFiring('hot', 'ups1')).toBe(true);
    expect(firings(e.step(50_000, data({ 'ups.temperature': '20' })))).toEqual(['50 clear hot']);
  });

  it('a pending FOR does not count time it could not see: unknown drops it', () => {
    const e = engine(HOT);
    e.step(0, data({ 'ups.temperature': '50' }));
    expect(e.step(10_000, stale()).map((x) => x.kind)).toEqual(['reset', 'unknown']);
    e.step(15_000, data({ 'ups.temperature': '50' }));
    expect(firings(e.step(30_000, data({ 'ups.temperature': '50' })))).toEqual([]);
    expect(firings(e.step(45_000, data({ 'ups.temperature': '50' })))).toEqual(['45 fire hot']);
  });

  it('three values: unknown or true is true, unknown and false is false, not unknown is unknown', () => {
    const e = engine('RULE a\n WHEN x.y > 1 or ups.status has OB\n DO notify\nRULE b\n WHEN not (x.y > 1 and ups.status has OB)\n DO notify\nRULE c\n WHEN not x.y > 1\n DO notify\n');
    const evs = e.step(0, data({ 'ups.status': 'OB' }));
    expect(firings(evs)).toEqual(['0 fire a']);
    expect(evs.filter((x) => x.kind === 'unknown').map((x) => 'rule' in x && x.rule)).toEqual(['b', 'c']);
    // a's WHEN is now unknown or false = unknown: a firing rule does not clear on it
    expect(firings(e.step(1000, data({ 'ups.status': 'OL' })))).toEqual(['1 fire b']);
    expect(e.isFiring('a', 'ups1')).toBe(true);
    expect(firings(e.step(2000, data({ 'ups.status': 'OL', 'x.y': '0' })))).toEqual(['2 clear a', '2 fire c']);
  });

  it('a UPS upsmon does not watch gives a rule no instance; every UPS gets its own', () => {
    const e = engine('RULE one\n UPS other\n WHEN a.b > 1\n DO fsd\nRULE all\n WHEN a.b > 1\n DO fsd\n', ['u1', 'u2']);
    expect(e.unmatchedRules()).toEqual(['one']);
    const evs = e.step(0, new Map<string, UpsData>([['u1', { vars: new Map([['a.b', '2']]) }], ['u2', { vars: new Map([['a.b', '0']]) }]]));
    expect(evs.filter((x) => x.kind === 'fire').map((x) => 'ups' in x && x.ups)).toEqual(['u1']);
  });
});

describe('timers', () => {
  const T = 'TIMER grace 60\n'
    + 'RULE ob\n WHEN ups.status has OB\n DO start grace\n ONCLEAR cancel grace\n'
    + 'RULE ob2\n WHEN battery.charge < 80\n DO start grace\n'
    + 'RULE late\n WHEN timer grace expired\n DO shutdown\n';

  it('starting a running timer does not start a second one nor push it back', () => {
    const e = engine(T);
    const evs = run(e, 120, 5, (t) => data({ 'ups.status': t >= 10 ? 'OB' : 'OL', 'battery.charge': t >= 30 ? '70' : '100' }));
    expect(evs.filter((x) => x.kind === 'timer').map((x) => `${String(x.at / 1000)} ${x.kind === 'timer' ? x.what : ''}`)).toEqual(['10 started', '70 expired']);
    expect(firings(evs)).toEqual(['10 fire ob', '30 fire ob2', '70 fire late']);
  });

  it('another rule cancels it: nothing expires, nothing shuts down', () => {
    const e = engine(T);
    const evs = run(e, 120, 5, (t) => data({ 'ups.status': t >= 10 && t < 40 ? 'OB' : 'OL', 'battery.charge': '100' }));
    expect(evs.filter((x) => x.kind === 'timer').map((x) => x.kind === 'timer' && x.what)).toEqual(['started', 'cancelled']);
    expect(firings(evs)).toEqual(['10 fire ob', '40 clear ob']);
  });
});
