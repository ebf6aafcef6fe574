// The jailed monitor's side of rules (issue 16): runs the rule engine on each poll cycle's data
// and turns its per-UPS events into rule frames that carry only a rule's name. A rule is firing
// while any of its per-UPS instances fires: RULE_FIRE when the first instance fires, RULE_CLEAR
// when the last one clears — the order the dispatcher's RuleGate admits. What the rule does is
// not sent: the dispatcher reads it from its own copy of the file. Pure.

import { RuleEngine, variablesOf, type RuleSet, type UpsData } from '../../protocol/rules/index.js';
import type { RuleFrameType } from '../../protocol/notify-frame/index.js';

export interface RuleFrameOut {
  type: RuleFrameType;
  rule: string;
  /** RULE_FIRE of a rule that (in this copy of the file) shuts the host down. */
  shutdown: boolean;
}

export interface RuleStep {
  frames: RuleFrameOut[];
  /** Why a rule could not decide, timers started or expired: for upsmon's log. */
  logs: string[];
}

export class RuleRunner {
  private readonly engine: RuleEngine;
  private readonly shutdownRules: ReadonlySet<string>;
  private readonly firing = new Map<string, number>();
  /** The variables to fetch for each UPS at each poll (besides ups.status). */
  readonly variables: readonly string[];

  constructor(ruleSet: RuleSet, upsNames: readonly string[]) {
    this.engine = new RuleEngine(ruleSet, upsNames);
    this.variables = variablesOf(ruleSet);
    this.shutdownRules = new Set(ruleSet.rules.filter((r) => r.onFire.some((a) => a.kind === 'shutdown')).map((r) => r.name));
  }

  /** When a FOR runs out or a timer expires with no new data: the shell may poll then. */
  nextDeadline(): number | undefined {
    return this.engine.nextDeadline();
  }

  step(now: number, data: ReadonlyMap<string, UpsData>): RuleStep {
    const out: RuleStep = { frames: [], logs: [] };
    for (const e of this.engine.step(now, data)) {
      switch (e.kind) {
        case 'fire': {
          const n = this.firing.get(e.rule) ?? 0;
          this.firing.set(e.rule, n + 1);
          if (n === 0) out.frames.push({ type: 'RULE_FIRE', rule: e.rule, shutdown: this.shutdownRules.has(e.rule) });
          out.logs.push(`rule ${e.rule} fired on ${e.ups}`);
          break;
        }
        case 'clear': {
          const n = (this.firing.get(e.rule) ?? 1) - 1;
          this.firing.set(e.rule, n);
          if (n === 0) out.frames.push({ type: 'RULE_CLEAR', rule: e.rule, shutdown: false });
          out.logs.push(`rule ${e.rule} cleared on ${e.ups}`);
          break;
        }
        case 'unknown': out.logs.push(`rule ${e.rule} cannot decide on ${e.ups}: ${e.why}`); break;
        case 'timer': out.logs.push(`rule timer ${e.timer} ${e.what}`); break;
        default: break; // pending and reset: visible in `hardnut rules test`, not worth a log line
      }
    }
    return out;
  }
}
