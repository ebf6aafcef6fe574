// `hardnut rules check`'s variable check (issue 16): a misspelt variable is a warning on the
// line that reads it; NUT's standard names (indexed families included) and a driver's own names
// the UPS publishes are not; a standard name the UPS lacks is only a note.
import { describe, it, expect } from 'vitest';
import { isNutName, parseRules, variableFindings, type RuleSet } from '../../../src/protocol/rules/index.js';

const RULES = [
  'RULE hot',                                       // 1
  '  UPS u@host',                                   // 2
  '  WHEN ups.temprature > 40',                     // 3: typo
  '  CLEAR ups.temperature < 35',                   // 4
  '  DO notify',                                    // 5
  'RULE every',                                     // 6
  '  WHEN battery.runtime < 300 or dummy.custom = 1', // 7
  '  DO notify',                                    // 8
  '',
].join('\n');

const set = (): RuleSet => parseRules(RULES, 'r.conf').ruleSet as RuleSet;

describe('rules check: unknown variables', () => {
  it("NUT's names: standard, indexed and open families are known; typos and made-up names are not", () => {
    for (const n of ['ups.temperature', 'battery.charge', 'ups.status', 'input.voltage', 'outlet.3.status', 'outlet.group.2.current',
      'input.L1.voltage', 'input.L1-N.voltage', 'output.L2-L3.voltage', 'ambient.1.humidity', 'driver.parameter.pollinterval',
      'experimental.ups.mode.buzzwords', 'UPS.Status']) expect(isNutName(n), n).toBe(true);
    for (const n of ['ups.temprature', 'battery.charg', 'dummy.custom', 'input.L4.voltage', 'outlet.x.status', 'ups']) expect(isNutName(n), n).toBe(false);
  });

  it('without any UPS list: a name outside NUT\'s is a warning on the line that reads it', () => {
    expect(variableFindings(set(), [], new Map())).toEqual([
      { line: 3, severity: 'warning', message: "rule 'hot' reads 'ups.temprature', which is neither one of NUT's standard variable names: the rule would never decide" },
      { line: 7, severity: 'warning', message: "rule 'every' reads 'dummy.custom', which is neither one of NUT's standard variable names: the rule would never decide" },
    ]);
  });

  it("with the UPSes' lists: a driver's own name they publish is fine, a standard name one lacks is a note", () => {
    const published = new Map([
      ['u@host', new Set(['ups.status', 'ups.temperature', 'battery.runtime'])],
      ['v', new Set(['ups.status', 'Dummy.Custom'])],
    ]);
    expect(variableFindings(set(), ['u@host', 'v', 'w'], published)).toEqual([
      { line: 3, severity: 'warning', message: "rule 'hot' reads 'ups.temprature', which is neither one of NUT's standard variable names nor published by UPS u@host: the rule would never decide" },
      { line: 7, severity: 'note', message: "rule 'every': UPS v does not publish 'battery.runtime' now: the rule is unknown there until it does" },
      { line: 7, severity: 'note', message: "rule 'every': UPS u@host does not publish 'dummy.custom' now: the rule is unknown there until it does" },
    ]);
  });
});
