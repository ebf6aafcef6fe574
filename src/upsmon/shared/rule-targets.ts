// The UPS actions of upsrules.conf (issue 16 item 1): `fsd` and `instcmd <cmd>` act on the UPS the
// rule names, through upsd, with that UPS's MONITOR line's credentials. Pure: what a rule may do
// on which MONITOR, decided from a rule file and an upsmon.conf, the same way in every process
// that holds a copy of both (upsmon at start, the dispatcher, the supervisor).
//
//   fsd            only on a UPS this host is primary for (MONITOR … primary), as `upsmon -c fsd`
//   instcmd <cmd>  on any MONITOR UPS (upsd's ACL decides: the user needs `instcmds` for it)
//
// hardnut decision: neither on a LOCALMONITOR UPS. There is no upsd to set FSD in (FSD is upsd's
// latch, §2.3, not the driver's), and an instant command would need root (the supervisor, which
// holds the driver socket) to speak the driver protocol, or one more process holding a driver
// socket with write rights: refused at load, file:line, until there is a need for it.

import { ConfigError } from '../../core/errors.js';
import type { MonitorEntry, UpsmonConf } from '../../core/config/upsmon-conf.js';
import type { Action, Rule, RuleSet } from '../../protocol/rules/index.js';

/** The actions performed on a UPS through upsd (the rest — notify, shutdown, timers — are upsmon's own). */
export type UpsAction = { kind: 'fsd' } | { kind: 'instcmd'; command: string };

export function isUpsAction(a: Action): a is UpsAction {
  return a.kind === 'fsd' || a.kind === 'instcmd';
}

/** True if the rule has a UPS action on fire or on clear: its frames go on to the supervisor. */
export function hasUpsActions(rule: Rule): boolean {
  return rule.onFire.some(isUpsAction) || rule.onClear.some(isUpsAction);
}

/** Why `rule` cannot act on its UPS with this upsmon.conf, or undefined when it can (or has no UPS action). */
export function ruleTargetProblem(rule: Rule, conf: UpsmonConf): string | undefined {
  const actions = [...rule.onFire, ...rule.onClear].filter(isUpsAction);
  if (actions.length === 0) return undefined;
  const verbs = [...new Set(actions.map((a) => a.kind))].join(' and ');
  if (rule.ups === undefined) return `rule '${rule.name}': ${verbs} needs the UPS it acts on (a UPS line in the rule)`;
  const entry = conf.monitors.find((m) => m.system === rule.ups);
  if (entry === undefined) return `rule '${rule.name}': ${verbs} on ${rule.ups}, which is not a MONITOR in upsmon.conf`;
  if (entry.local === true) {
    return `rule '${rule.name}': ${verbs} on ${rule.ups}, a LOCALMONITOR: hardnut acts on a UPS only through upsd (use a MONITOR line, or DO shutdown)`;
  }
  if (actions.some((a) => a.kind === 'fsd') && entry.role !== 'primary') {
    return `rule '${rule.name}': fsd on ${rule.ups}, for which this host is not primary (MONITOR ${rule.ups} … ${entry.role})`;
  }
  return undefined;
}

/** Every rule that cannot act as written, as rules-file:line errors (the line of its RULE). */
export function ruleTargetProblems(ruleSet: RuleSet, conf: UpsmonConf): ConfigError[] {
  const out: ConfigError[] = [];
  for (const r of ruleSet.rules) {
    const problem = ruleTargetProblem(r, conf);
    if (problem !== undefined) out.push(new ConfigError(ruleSet.file, r.line, problem, 'ERR_RULES'));
  }
  return out;
}

/** What a rule's event does on its UPS: the MONITOR line to log in with and the actions, from this copy of both files. */
export type UpsActionPlan =
  | { ok: true; entry: MonitorEntry; actions: UpsAction[] }
  | { ok: false; reason: string };

export function upsActionPlan(rule: Rule, event: 'fire' | 'clear', conf: UpsmonConf): UpsActionPlan {
  if (!hasUpsActions(rule)) return { ok: false, reason: `rule '${rule.name}' has no fsd or instcmd action` };
  const problem = ruleTargetProblem(rule, conf);
  if (problem !== undefined) return { ok: false, reason: problem };
  const entry = conf.monitors.find((m) => m.system === rule.ups) as MonitorEntry;
  return { ok: true, entry, actions: (event === 'fire' ? rule.onFire : rule.onClear).filter(isUpsAction) };
}
