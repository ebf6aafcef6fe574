// `hardnut rules explain`: each rule in words, from the same tree the evaluator runs.

import type { Action, Expr, Literal, Rule, RuleSet } from './types.js';

const OPS: Record<string, string> = {
  '<': 'is below', '<=': 'is at most', '>': 'is above', '>=': 'is at least', '=': 'is', '!=': 'is not',
};

function literal(l: Literal): string {
  return l.type === 'number' ? l.text : JSON.stringify(l.s);
}

export function exprInWords(e: Expr): string {
  switch (e.kind) {
    case 'cmp': return `${e.variable} ${OPS[e.op] ?? e.op} ${literal(e.value)}${e.value.type === 'string' ? ' (as text)' : ''}`;
    case 'has': return `${e.variable} has ${e.token}`;
    case 'timer': return `timer ${e.timer} ${e.test === 'running' ? 'is running' : 'has expired'}`;
    case 'not': return `not (${exprInWords(e.arg)})`;
    case 'and': case 'or': return e.args.map((a) => (a.kind === 'and' || a.kind === 'or' ? `(${exprInWords(a)})` : exprInWords(a))).join(` ${e.kind} `);
  }
}

export function actionInWords(a: Action): string {
  switch (a.kind) {
    case 'notify': return a.message !== undefined ? `notify ${JSON.stringify(a.message)}` : 'notify';
    case 'shutdown': return 'shut this host down (upsmon\'s shutdown, after FINALDELAY)';
    case 'fsd': return 'set FSD on the UPS (only where this host is primary)';
    case 'instcmd': return `run instant command ${a.command}`;
    case 'start': return `start timer ${a.timer} (if not running)`;
    case 'cancel': return `cancel timer ${a.timer}`;
  }
}

export function ruleInWords(r: Rule): string {
  const lines = [`rule ${r.name} (line ${String(r.line)}), on ${r.ups ?? 'every UPS'}:`];
  lines.push(`  fires when ${exprInWords(r.when)}${r.forSeconds > 0 ? `, held for ${String(r.forSeconds)} s` : ''}`);
  lines.push(`  then: ${r.onFire.map(actionInWords).join('; ')}`);
  lines.push(`  clears when ${r.clear ? exprInWords(r.clear) : `no longer (${exprInWords(r.when)})`}`);
  if (r.onClear.length > 0) lines.push(`  then: ${r.onClear.map(actionInWords).join('; ')}`);
  lines.push('  unknown or stale data: neither fires nor clears');
  return lines.join('\n');
}

export function explainRules(set: RuleSet): string {
  const out = set.rules.map(ruleInWords);
  for (const t of set.timers.values()) out.push(`timer ${t.name}: ${String(t.seconds)} s once started`);
  if (set.instcmds.size > 0) out.push(`instant commands allowed: ${[...set.instcmds].join(', ')}`);
  return `${out.join('\n')}\n`;
}

/** The variables one expression reads, added to `out`. */
export function collectVariables(e: Expr, out: Set<string>): void {
  // bounded by MAX_DEPTH, like the parser that built the tree
  if (e.kind === 'cmp' || e.kind === 'has') out.add(e.variable);
  else if (e.kind === 'not') collectVariables(e.arg, out);
  else if (e.kind === 'and' || e.kind === 'or') for (const a of e.args) collectVariables(a, out);
}

/** Every variable the rules read: what upsmon must fetch for them at each poll. */
export function variablesOf(set: RuleSet): string[] {
  const out = new Set<string>();
  for (const r of set.rules) {
    collectVariables(r.when, out);
    if (r.clear) collectVariables(r.clear, out);
  }
  return [...out];
}
