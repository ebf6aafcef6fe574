// The dispatcher's (and the supervisor's) side of rule frames (issue 16): the jailed monitor evaluates upsrules.conf on
// the data it holds and sends RULE_FIRE / RULE_CLEAR with a rule's name and nothing else. This
// gate admits a frame only for a rule the dispatcher itself read from the rule file, and only in
// order (fire, clear, fire…), and answers with that rule's actions from the dispatcher's own
// copy: nothing the child sends chooses an action. Pure: the dispatcher performs the actions.
//
// A rule is firing for the child while any of its per-UPS instances fires: the child sends
// RULE_FIRE when the first instance fires and RULE_CLEAR when the last one clears.

import type { Action, Rule, RuleSet } from '../../protocol/rules/index.js';
import type { RuleFrameType } from '../../protocol/notify-frame/index.js';

export type RuleGateResult =
  | { ok: true; rule: Rule; event: 'fire' | 'clear'; actions: readonly Action[] }
  | { ok: false; reason: string };

export class RuleGate {
  private readonly byName: ReadonlyMap<string, Rule>;
  private readonly firing = new Set<string>();

  /**
   * `ruleSet`: the holder's own parse of upsrules.conf; undefined when there is none. `holder`
   * names it in refusals: the dispatcher's gate judges the monitor's frames, the supervisor's
   * (issue 16: fsd, instcmd) the same frames as the dispatcher passes them on.
   */
  constructor(ruleSet: RuleSet | undefined, private readonly holder = 'the dispatcher') {
    this.byName = new Map((ruleSet?.rules ?? []).map((r) => [r.name, r]));
  }

  /** A new child starts with no rule firing (the engine in it starts from scratch too). */
  childRestarted(): void {
    this.firing.clear();
  }

  check(type: RuleFrameType, name: string): RuleGateResult {
    const rule = this.byName.get(name); // exact, case included
    if (rule === undefined) return { ok: false, reason: `${type} names a rule that is not in ${this.holder}'s rule file` };
    if (type === 'RULE_FIRE') {
      if (this.firing.has(name)) return { ok: false, reason: `RULE_FIRE for ${name}, which is already firing` };
      this.firing.add(name);
      return { ok: true, rule, event: 'fire', actions: rule.onFire };
    }
    if (!this.firing.delete(name)) return { ok: false, reason: `RULE_CLEAR for ${name}, which is not firing` };
    return { ok: true, rule, event: 'clear', actions: rule.onClear };
  }
}
