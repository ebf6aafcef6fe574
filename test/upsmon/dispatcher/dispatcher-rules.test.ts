// Rule frames at the dispatcher (issue 16, phase 2's trust model): a frame carries only a rule's
// name; the dispatcher admits it only for a rule in its own copy of upsrules.conf, in order, and
// performs what its own copy says. A forged name is a fault (the supervisor restarts the child)
// and runs nothing.
import { describe, it, expect } from 'vitest';
import { parseUpsmonConf } from '../../../src/core/config/upsmon-conf.js';
import { encodeFrame, STX, ETX, RULE_FIRE_CODE } from '../../../src/protocol/notify-frame/index.js';
import { parseRules, type Action, type RuleSet } from '../../../src/protocol/rules/index.js';
import { Dispatcher } from '../../../src/upsmon/dispatcher/dispatcher.js';

const CONF = parseUpsmonConf('MONITOR ups1@localhost 1 mon pass primary\nMINSUPPLIES 1\n', 'upsmon.conf').value;
const RULES = parseRules('RULE hot\n WHEN ups.temperature > 40\n DO notify "hot"\n ONCLEAR notify "cool"\n'
  + 'RULE low\n WHEN battery.charge < 50\n DO shutdown\n', 'upsrules.conf').ruleSet as RuleSet;

/** `null`: a dispatcher with no rule file. */
function harness(ruleSet: RuleSet | null = RULES) {
  const ran: string[] = [];
  const d = new Dispatcher(CONF, {
    notify: (n) => { ran.push(`notify ${n.type}`); },
    shutdown: () => { ran.push('shutdown'); },
    rule: (r, event, actions: readonly Action[]) => { ran.push(`${r.name} ${event} ${JSON.stringify(actions)}`); },
  }, ruleSet ?? undefined);
  return { d, ran };
}

describe('rule frames at the dispatcher', () => {
  it("a rule the dispatcher's file has: its own actions, fire then clear", () => {
    const { d, ran } = harness();
    expect(d.receive(encodeFrame('RULE_FIRE', 'hot'))).toEqual({ ok: true });
    expect(d.receive(encodeFrame('RULE_CLEAR', 'hot'))).toEqual({ ok: true });
    expect(ran).toEqual([
      'hot fire [{"kind":"notify","message":"hot"}]',
      'hot clear [{"kind":"notify","message":"cool"}]',
    ]);
  });

  it('a forged rule name is a fault and runs nothing: unknown, a MONITOR name, another case', () => {
    for (const name of ['nope', 'ups1@localhost', 'HOT', 'low2']) {
      const { d, ran } = harness();
      const r = d.receive(encodeFrame('RULE_FIRE', name));
      expect(r).toEqual({ ok: false, reason: "RULE_FIRE names a rule that is not in the dispatcher's rule file" });
      expect(ran).toEqual([]);
    }
  });

  it('out of order is a fault: fire twice (a flood of notifications), clear before fire', () => {
    const a = harness();
    a.d.receive(encodeFrame('RULE_FIRE', 'hot'));
    expect(a.d.receive(encodeFrame('RULE_FIRE', 'hot'))).toEqual({ ok: false, reason: 'RULE_FIRE for hot, which is already firing' });
    expect(a.ran).toHaveLength(1);
    const b = harness();
    expect(b.d.receive(encodeFrame('RULE_CLEAR', 'low'))).toEqual({ ok: false, reason: 'RULE_CLEAR for low, which is not firing' });
    expect(b.ran).toEqual([]);
  });

  it('without a rule file every rule frame is a fault; a restarted child starts with no rule firing', () => {
    const none = harness(null);
    expect(none.d.receive(encodeFrame('RULE_FIRE', 'hot')).ok).toBe(false);
    expect(none.ran).toEqual([]);
    const { d, ran } = harness();
    d.receive(encodeFrame('RULE_FIRE', 'low'));
    d.childRestarted();
    expect(d.receive(encodeFrame('RULE_FIRE', 'low'))).toEqual({ ok: true });
    expect(ran).toEqual(['low fire [{"kind":"shutdown"}]', 'low fire [{"kind":"shutdown"}]']);
  });

  it('a rule frame cannot carry anything but a name of the frame charset', () => {
    const { d, ran } = harness();
    const r = d.receive(Uint8Array.from([STX, RULE_FIRE_CODE, 3, 0x68, 0x20, 0x74, ETX])); // "h t"
    expect(r.ok).toBe(false);
    expect(ran).toEqual([]);
  });

  it("a shutdown rule of the dispatcher's own file is a reason to shut down; a notify rule is not", () => {
    const notifyOnly = harness();
    notifyOnly.d.receive(encodeFrame('RULE_FIRE', 'hot'));
    expect(notifyOnly.d.receive(encodeFrame('SHUTDOWN')).ok).toBe(false);
    expect(notifyOnly.ran).not.toContain('shutdown');
    const { d, ran } = harness();
    expect(d.receive(encodeFrame('SHUTDOWN')).ok).toBe(false); // no reason yet: UPS online
    const again = harness();
    expect(again.d.receive(encodeFrame('RULE_FIRE', 'low'))).toEqual({ ok: true });
    expect(again.d.receive(encodeFrame('SHUTDOWN'))).toEqual({ ok: true });
    expect(again.d.receive(encodeFrame('EXEC_SHUTDOWN'))).toEqual({ ok: true });
    expect(again.ran).toEqual(['low fire [{"kind":"shutdown"}]', 'notify SHUTDOWN', 'shutdown']);
    expect(ran).toEqual([]);
  });
});
