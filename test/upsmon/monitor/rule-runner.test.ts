// The monitor's rule runner feeding the real dispatcher through the real frame codec (issue 16):
// per-UPS firings become one RULE_FIRE / RULE_CLEAR per rule, the frames carry the name only, and
// the dispatcher runs what its own copy of the file says — even when the child's copy differs.
import { describe, it, expect } from 'vitest';
import { parseUpsmonConf } from '../../../src/core/config/upsmon-conf.js';
import { encodeFrame } from '../../../src/protocol/notify-frame/index.js';
import { parseRules, type RuleSet, type UpsData } from '../../../src/protocol/rules/index.js';
import { Dispatcher } from '../../../src/upsmon/dispatcher/dispatcher.js';
import { RuleRunner } from '../../../src/upsmon/monitor/rule-runner.js';

const CONF = parseUpsmonConf('MONITOR u1@localhost 1 mon pass primary\nMONITOR u2@localhost 1 mon pass primary\nMINSUPPLIES 1\n', 'upsmon.conf').value;
const rules = (text: string): RuleSet => {
  const r = parseRules(text, 'upsrules.conf');
  expect(r.errors).toEqual([]);
  return r.ruleSet as RuleSet;
};
const temps = (a: string | undefined, b: string | undefined): Map<string, UpsData> => new Map<string, UpsData>([
  ['u1@localhost', a === undefined ? { stale: true, why: 'data stale' } : { vars: new Map([['ups.temperature', a]]) }],
  ['u2@localhost', { vars: new Map(b === undefined ? [] : [['ups.temperature', b]]) }],
]);

describe('rule runner → frames → dispatcher', () => {
  it('one RULE_FIRE when the first UPS fires, one RULE_CLEAR when the last clears; the dispatcher acts on its own file', () => {
    const child = new RuleRunner(rules('RULE hot\n WHEN ups.temperature > 40\n CLEAR ups.temperature < 35\n DO notify "child says"\n'), ['u1@localhost', 'u2@localhost']);
    expect(child.variables).toEqual(['ups.temperature']);
    const ran: string[] = [];
    // the dispatcher's copy says something else for the same rule name: its copy wins
    const d = new Dispatcher(CONF, {
      notify: () => { ran.push('notify'); }, shutdown: () => { ran.push('shutdown'); },
      rule: (r, event, actions) => { ran.push(`${r.name} ${event} ${JSON.stringify(actions)}`); },
    }, rules('RULE hot\n WHEN ups.temperature > 45\n DO notify "dispatcher says"\n ONCLEAR notify\n'));
    const cycle = (t: number, a: string | undefined, b: string | undefined): string[] => {
      const s = child.step(t, temps(a, b));
      for (const f of s.frames) expect(d.receive(encodeFrame(f.type, f.rule))).toEqual({ ok: true });
      return s.frames.map((f) => f.type);
    };
    expect(cycle(0, '30', '30')).toEqual([]);
    expect(cycle(5000, '42', '30')).toEqual(['RULE_FIRE']);
    expect(cycle(10_000, '42', '43')).toEqual([]); // u2 fires too: no second frame
    expect(cycle(15_000, '30', '43')).toEqual([]); // u1 clears, u2 still hot
    expect(cycle(20_000, undefined, '30')).toEqual(['RULE_CLEAR']); // u1 stale: it had cleared already
    expect(ran).toEqual(['hot fire [{"kind":"notify","message":"dispatcher says"}]', 'hot clear [{"kind":"notify"}]']);
  });

  it('a stale UPS fires nothing and is logged once with its reason', () => {
    const child = new RuleRunner(rules('RULE low\n UPS u1@localhost\n WHEN battery.charge < 50\n DO shutdown\n'), ['u1@localhost', 'u2@localhost']);
    const logs: string[] = [];
    for (let t = 0; t < 60_000; t += 5000) {
      const s = child.step(t, temps(undefined, '30'));
      expect(s.frames).toEqual([]);
      logs.push(...s.logs);
    }
    expect(logs).toEqual(['rule low cannot decide on u1@localhost: u1@localhost: data stale']);
  });
});
