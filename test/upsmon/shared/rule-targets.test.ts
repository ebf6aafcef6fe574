// What a rule's fsd / instcmd may act on (issue 16 item 1): the UPS the rule names, through upsd,
// with its MONITOR line; fsd only where this host is primary; never a LOCALMONITOR. A rule file
// asking for anything else is refused at load with upsrules.conf:line, and the supervisor's plan
// for a rule event comes from its own copies only.
import { describe, it, expect } from 'vitest';
import { parseUpsmonConf } from '../../../src/core/config/upsmon-conf.js';
import { parseRules, type RuleSet } from '../../../src/protocol/rules/index.js';
import { ruleTargetProblems, upsActionPlan } from '../../../src/upsmon/shared/rule-targets.js';

const CONF = parseUpsmonConf([
  'MONITOR pri@localhost 1 monp passp primary',
  'MONITOR sec@otherhost 1 mons passs secondary',
  'LOCALMONITOR loc 1',
  'MINSUPPLIES 1',
].join('\n'), 'upsmon.conf').value;

function rules(text: string): RuleSet {
  const r = parseRules(`INSTCMD beeper.disable\nINSTCMD load.off\n${text}`, '/etc/nut/upsrules.conf');
  expect(r.errors.map((e) => e.message)).toEqual([]);
  return r.ruleSet as RuleSet;
}

const messages = (rs: RuleSet): string[] => ruleTargetProblems(rs, CONF).map((e) => e.message);

describe('rule targets: refused at load, file:line', () => {
  it('accepts fsd on a primary UPS and instcmd on a primary or a secondary one; notify-only rules need no UPS', () => {
    expect(messages(rules([
      'RULE hot', ' UPS pri@localhost', ' WHEN ups.temperature > 40', ' DO fsd', ' ONCLEAR instcmd beeper.disable',
      'RULE quiet', ' UPS sec@otherhost', ' WHEN ups.status has OB', ' DO instcmd beeper.disable',
      'RULE any', ' WHEN battery.charge < 20', ' DO notify',
    ].join('\n')))).toEqual([]);
  });

  it('refuses fsd or instcmd without a UPS, on a UPS not monitored, fsd on a secondary, and either on a LOCALMONITOR', () => {
    expect(messages(rules([
      'RULE noups', ' WHEN battery.charge < 20', ' DO fsd', // line 3
      'RULE noups2', ' WHEN battery.charge < 20', ' DO notify', ' ONCLEAR instcmd load.off', // line 6
      'RULE elsewhere', ' UPS pri@thirdhost', ' WHEN battery.charge < 20', ' DO instcmd load.off', // line 10
      'RULE secfsd', ' UPS sec@otherhost', ' WHEN battery.charge < 20', ' DO fsd', // line 14
      'RULE locfsd', ' UPS loc', ' WHEN battery.charge < 20', ' DO fsd', // line 18
      'RULE loccmd', ' UPS loc', ' WHEN battery.charge < 20', ' DO instcmd load.off', // line 22
    ].join('\n')))).toEqual([
      "/etc/nut/upsrules.conf:3: rule 'noups': fsd needs the UPS it acts on (a UPS line in the rule)",
      "/etc/nut/upsrules.conf:6: rule 'noups2': instcmd needs the UPS it acts on (a UPS line in the rule)",
      "/etc/nut/upsrules.conf:10: rule 'elsewhere': instcmd on pri@thirdhost, which is not a MONITOR in upsmon.conf",
      "/etc/nut/upsrules.conf:14: rule 'secfsd': fsd on sec@otherhost, for which this host is not primary (MONITOR sec@otherhost … secondary)",
      "/etc/nut/upsrules.conf:18: rule 'locfsd': fsd on loc, a LOCALMONITOR: hardnut acts on a UPS only through upsd (use a MONITOR line, or DO shutdown)",
      "/etc/nut/upsrules.conf:22: rule 'loccmd': instcmd on loc, a LOCALMONITOR: hardnut acts on a UPS only through upsd (use a MONITOR line, or DO shutdown)",
    ]);
  });
});

describe("a rule event's plan, from this copy of both files", () => {
  const rs = rules([
    'RULE hot', ' UPS pri@localhost', ' WHEN ups.temperature > 40', ' DO notify', ' DO fsd', ' DO instcmd load.off', ' ONCLEAR notify',
    'RULE talk', ' WHEN ups.temperature > 40', ' DO notify "hot"',
  ].join('\n'));
  const byName = (n: string) => rs.rules.find((r) => r.name === n) as RuleSet['rules'][number];

  it('fire: the UPS actions only, and the MONITOR line (with its credentials) to log in with; clear: none here', () => {
    const fire = upsActionPlan(byName('hot'), 'fire', CONF);
    expect(fire.ok && { ups: fire.entry.system, user: fire.entry.user, password: fire.entry.password, actions: fire.actions })
      .toEqual({ ups: 'pri@localhost', user: 'monp', password: 'passp', actions: [{ kind: 'fsd' }, { kind: 'instcmd', command: 'load.off' }] });
    const clear = upsActionPlan(byName('hot'), 'clear', CONF);
    expect(clear.ok && clear.actions).toEqual([]);
  });

  it('a notify-only rule has no plan: a frame naming it asks for nothing upsd could do', () => {
    expect(upsActionPlan(byName('talk'), 'fire', CONF)).toEqual({ ok: false, reason: "rule 'talk' has no fsd or instcmd action" });
  });

  it('a reload that made the UPS secondary: the same rule event is refused', () => {
    const reloaded = parseUpsmonConf('MONITOR pri@localhost 1 monp passp secondary\n', 'upsmon.conf').value;
    const r = upsActionPlan(byName('hot'), 'fire', reloaded);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toContain('not primary');
  });
});
