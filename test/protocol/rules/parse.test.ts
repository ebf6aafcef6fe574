// upsrules.conf parser (issue 16): what a user writes is either a rule set or refused with the
// file:line of each problem, and every bound in limits.ts holds at exactly its value.
import { describe, it, expect } from 'vitest';
import {
  parseRules, MAX_DEPTH, MAX_LINE_BYTES, MAX_RULES, MAX_TERMS_PER_RULE, MAX_DURATION_S, MAX_STRING_CHARS,
  MAX_ACTIONS_PER_RULE, type RuleSet,
} from '../../../src/protocol/rules/index.js';

const F = '/etc/nut/upsrules.conf';

function ok(text: string): RuleSet {
  const r = parseRules(text, F);
  expect(r.errors.map((e) => e.message)).toEqual([]);
  if (!r.ruleSet) throw new Error('no rule set');
  return r.ruleSet;
}

/** The messages of a refused file; the file must be refused (no rule set at all). */
function refused(text: string): string[] {
  const r = parseRules(text, F);
  expect(r.ruleSet).toBeUndefined();
  for (const e of r.errors) expect(e.code).toBe('ERR_RULES');
  return r.errors.map((e) => e.message);
}

const rule = (body: string, name = 'r'): string => `RULE ${name}\n  WHEN battery.charge < 20\n${body}`;

describe('rule files that parse', () => {
  it('a documented example becomes the expected tree: numbers as numbers, strings as strings', () => {
    const set = ok([
      '# comment line',
      'TIMER grace 120',
      'INSTCMD beeper.disable',
      'RULE hot   # trailing comment',
      '  UPS ups1@localhost',
      '  WHEN ups.temperature > 40.5 and not (ups.model = "SMART-UPS 700" or ups.status has OB)',
      '  FOR 60',
      '  CLEAR ups.temperature <= 35',
      '  DO notify "too \\"hot\\""',
      '  DO instcmd beeper.disable',
      '  DO start grace',
      '  ONCLEAR notify',
      'RULE grace-over',
      '  WHEN timer grace expired',
      '  DO shutdown',
      '  ONCLEAR cancel grace',
    ].join('\n'));
    expect(set.rules).toHaveLength(2);
    const hot = set.rules[0];
    expect(hot).toMatchObject({ name: 'hot', line: 4, ups: 'ups1@localhost', forSeconds: 60 });
    expect(hot?.when).toEqual({ kind: 'and', args: [
      { kind: 'cmp', variable: 'ups.temperature', op: '>', value: { type: 'number', n: 40.5, text: '40.5' } },
      { kind: 'not', arg: { kind: 'or', args: [
        { kind: 'cmp', variable: 'ups.model', op: '=', value: { type: 'string', s: 'SMART-UPS 700' } },
        { kind: 'has', variable: 'ups.status', token: 'OB' },
      ] } },
    ] });
    expect(hot?.clear).toEqual({ kind: 'cmp', variable: 'ups.temperature', op: '<=', value: { type: 'number', n: 35, text: '35' } });
    expect(hot?.onFire).toEqual([{ kind: 'notify', message: 'too "hot"' }, { kind: 'instcmd', command: 'beeper.disable' }, { kind: 'start', timer: 'grace' }]);
    expect(hot?.onClear).toEqual([{ kind: 'notify' }]);
    expect(set.rules[1]).toMatchObject({ name: 'grace-over', forSeconds: 0, when: { kind: 'timer', timer: 'grace', test: 'expired' } });
    expect(set.timers.get('grace')?.seconds).toBe(120);
  });

  it('and binds tighter than or; CRLF line ends are accepted', () => {
    const set = ok('RULE r\r\n WHEN a.b = 1 or c.d = 2 and e.f = 3\r\n DO fsd\r\n');
    expect(set.rules[0]?.when.kind).toBe('or');
  });
});

describe('rule files refused with file:line', () => {
  it('an unknown action, on its line', () => {
    expect(refused(rule('  DO notify\n  DO reboot-now\n'))).toEqual([`${F}:4: DO: unknown action 'reboot-now' (one of: notify, shutdown, fsd, instcmd, start, cancel)`]);
  });

  it('shutdown or fsd on clear', () => {
    expect(refused(rule('  DO notify\n  ONCLEAR shutdown\n'))).toEqual([`${F}:4: ONCLEAR shutdown: not allowed on clear`]);
  });

  it('loops, code and includes do not exist', () => {
    for (const kw of ['WHILE', 'REPEAT', 'EVAL', 'INCLUDE']) {
      expect(refused(`${rule('  DO notify\n')}${kw} x\n`)).toEqual([`${F}:4: ${kw}: the rule language has no loops, code or includes`]);
    }
  });

  it('unbounded constructs: a FOR past the limit, nesting past MAX_DEPTH, terms past MAX_TERMS_PER_RULE', () => {
    expect(refused(rule(`  FOR ${String(MAX_DURATION_S + 1)}\n  DO notify\n`))[0]).toMatch(new RegExp(`^${F}:3: FOR ${String(MAX_DURATION_S + 1)}: longer than`));
    ok(rule(`  FOR ${String(MAX_DURATION_S)}\n  DO notify\n`));
    const nest = (n: number): string => `${'('.repeat(n)}a.b > 1${')'.repeat(n)}`;
    ok(`RULE r\n WHEN ${nest(MAX_DEPTH - 1)}\n DO notify\n`);
    expect(refused(`RULE r\n WHEN ${nest(MAX_DEPTH)}\n DO notify\n`)).toEqual([`${F}:2: expression nested deeper than ${String(MAX_DEPTH)}`]);
    expect(refused(`RULE r\n WHEN ${'not '.repeat(MAX_DEPTH)}a.b > 1\n DO notify\n`)).toEqual([`${F}:2: expression nested deeper than ${String(MAX_DEPTH)}`]);
    const terms = (n: number): string => Array.from({ length: n }, (_, i) => `v.x${String(i)} > 1`).join(' or ');
    ok(`RULE r\n WHEN ${terms(MAX_TERMS_PER_RULE)}\n DO notify\n`);
    expect(refused(`RULE r\n WHEN ${terms(MAX_TERMS_PER_RULE + 1)}\n DO notify\n`)).toEqual([`${F}:2: more than ${String(MAX_TERMS_PER_RULE)} terms in one rule`]);
  });

  it('a 1 MB line, by its length, with the lines around it still checked', () => {
    const text = `RULE r\n WHEN a.b > 1\n# ${'x'.repeat(1_000_000)}\n DO notify\n DO launch\n`;
    expect(refused(text)).toEqual([
      `${F}:3: line longer than ${String(MAX_LINE_BYTES)} bytes (1000002)`,
      `${F}:5: DO: unknown action 'launch' (one of: notify, shutdown, fsd, instcmd, start, cancel)`,
    ]);
    ok(`# ${'x'.repeat(MAX_LINE_BYTES - 2)}\n${rule(' DO notify\n')}`);
    expect(refused(`# ${'x'.repeat(MAX_LINE_BYTES - 1)}\n${rule(' DO notify\n')}`)).toEqual([`${F}:1: line longer than ${String(MAX_LINE_BYTES)} bytes (${String(MAX_LINE_BYTES + 1)})`]);
  });

  it('strings, rules and actions past their limits', () => {
    ok(rule(` DO notify "${'m'.repeat(MAX_STRING_CHARS)}"\n`));
    expect(refused(rule(` DO notify "${'m'.repeat(MAX_STRING_CHARS + 1)}"\n`))).toEqual([`${F}:3: string longer than ${String(MAX_STRING_CHARS)} characters`]);
    const many = (n: number): string => Array.from({ length: n }, (_, i) => rule(' DO fsd\n', `r${String(i)}`)).join('');
    ok(many(MAX_RULES));
    expect(refused(many(MAX_RULES + 1))).toEqual([`${F}:${String(3 * MAX_RULES + 1)}: more than ${String(MAX_RULES)} rules`]);
    expect(refused(rule(' DO notify\n'.repeat(MAX_ACTIONS_PER_RULE + 1)))).toEqual([`${F}:${String(3 + MAX_ACTIONS_PER_RULE)}: more than ${String(MAX_ACTIONS_PER_RULE)} actions in rule 'r'`]);
  });

  it('names the language does not know: undeclared timers and instant commands, a WHEN-less rule', () => {
    expect(refused(rule(' DO start t1\n DO instcmd load.off\n'))).toEqual([
      `${F}:3: timer 't1' is not declared (TIMER t1 <seconds>)`,
      `${F}:4: instant command 'load.off' is not listed (INSTCMD load.off)`,
    ]);
    expect(refused('RULE lonely\n DO notify\n')).toEqual([`${F}:1: rule 'lonely' has no WHEN`]);
    expect(refused('RULE r\n WHEN timer nope running\n DO notify\n')).toEqual([`${F}:2: timer 'nope' is not declared (TIMER nope <seconds>)`]);
  });

  it('comparisons that mean nothing, bad bytes, duplicate names', () => {
    expect(refused('RULE r\n WHEN ups.model < "abc"\n DO notify\n')[0]).toBe(`${F}:2: ups.model < "abc": '<' compares numbers; strings take only = and !=`);
    expect(refused('RULE r\n WHEN a.b ! 3\n DO notify\n')[0]).toBe(`${F}:2: '!' must be '!=' (use 'not' to negate)`);
    expect(refused('RULE r\n WHEN a.b > 3 $(reboot)\n DO notify\n')[0]).toBe(`${F}:2: unexpected '$'`);
    expect(refused('RULE r\n WHEN a.b = "\u00e9"\n DO notify\n')[0]).toBe(`${F}:2: character 0xe9 in a string`);
    expect(refused(`${rule(' DO fsd\n')}${rule(' DO fsd\n')}`)).toEqual([`${F}:4: rule 'r' is defined twice`]);
    expect(refused('RULE bad/name\n')[0]).toBe(`${F}:1: unexpected '/'`);
    expect(refused(`RULE ${'n'.repeat(65)}\n WHEN a.b > 1\n DO fsd\n`)).toEqual([`${F}:1: rule name '${'n'.repeat(65)}': the name is longer than 64 characters`]);
    expect(refused('WHEN a.b > 1\n')).toEqual([`${F}:1: WHEN outside a RULE`]);
  });
});
