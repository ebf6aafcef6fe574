// `hardnut rules check`'s variable check (issue 16), sans-I/O: which variables a rule reads that
// no UPS it watches can give. The caller brings what it could learn of each UPS (its published
// names, from the driver socket or upsd); NUT's standard names (nut-names.ts) are always known.
// A name that is neither standard nor published by any reachable UPS it watches is a warning
// with the file:line it is read on (a typo makes a rule unknown forever); a standard name a
// reachable UPS does not publish now is only a note: drivers publish what the device has.

import { collectVariables } from './explain.js';
import { isNutName } from './nut-names.js';
import type { RuleSet } from './types.js';

export interface VariableFinding {
  line: number;
  severity: 'warning' | 'note';
  message: string;
}

/**
 * `allUps`: every UPS the rules run on (upsmon.conf's MONITOR and LOCALMONITOR names; empty when
 * unknown). `published`: each UPS's variable names, for the UPSes that could be reached.
 */
export function variableFindings(set: RuleSet, allUps: readonly string[], published: ReadonlyMap<string, ReadonlySet<string>>): VariableFinding[] {
  const lower = new Map([...published].map(([u, names]) => [u, new Set([...names].map((n) => n.toLowerCase()))]));
  const out: VariableFinding[] = [];
  for (const r of set.rules) {
    const upses = r.ups !== undefined ? [r.ups] : allUps;
    const reached = upses.filter((u) => lower.has(u));
    const parts: Array<[number, Set<string>]> = [];
    const w = new Set<string>();
    collectVariables(r.when, w);
    parts.push([r.whenLine ?? r.line, w]);
    if (r.clear) {
      const c = new Set<string>();
      collectVariables(r.clear, c);
      parts.push([r.clearLine ?? r.line, c]);
    }
    for (const [line, vars] of parts) {
      for (const v of vars) {
        const lacking = reached.filter((u) => !(lower.get(u) as Set<string>).has(v.toLowerCase()));
        if (!isNutName(v) && lacking.length === reached.length) {
          const checked = reached.length > 0 ? ` nor published by UPS ${reached.join(', ')}` : '';
          out.push({ line, severity: 'warning', message: `rule '${r.name}' reads '${v}', which is neither one of NUT's standard variable names${checked}: the rule would never decide` });
          continue;
        }
        for (const u of lacking) out.push({ line, severity: 'note', message: `rule '${r.name}': UPS ${u} does not publish '${v}' now: the rule is unknown there until it does` });
      }
    }
  }
  return out;
}
