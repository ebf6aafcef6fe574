// The rule evaluator (issue 16): a pure state machine over (time, each UPS's variables or
// "unknown") → events. No clock, no I/O: the caller says what time it is, and asks
// nextDeadline() when it must call again if nothing changes (a FOR ending, a timer expiring).
// upsmon's jailed monitor, `hardnut rules test` and the tests all drive this one class.
//
// Logic is three-valued: data that is missing, stale or not a number makes a term *unknown*, and
// unknown is never taken as false. A rule whose condition is unknown neither fires nor clears,
// and says why (an `unknown` event, once per change of reason). A pending FOR is dropped on
// unknown: the duration counts only time the condition was seen true without a gap.
// Each step evaluates each rule's tree once: time linear in the file's size.

import { parseDecimal } from './parse.js';
import type { Action, Expr, Literal, Rule, RuleSet } from './types.js';

/** What the caller knows of one UPS now. */
export type UpsData =
  | { stale: true; why: string }
  | { stale?: false; vars: ReadonlyMap<string, string> };

export type RuleEvent =
  | { kind: 'pending'; at: number; rule: string; ups: string }
  | { kind: 'fire'; at: number; rule: string; ups: string; actions: Action[] }
  | { kind: 'clear'; at: number; rule: string; ups: string; actions: Action[] }
  /** Was pending; the condition went false before FOR ran out (or unknown: `why`). */
  | { kind: 'reset'; at: number; rule: string; ups: string; why?: string }
  | { kind: 'unknown'; at: number; rule: string; ups: string; why: string }
  | { kind: 'timer'; at: number; timer: string; what: 'started' | 'cancelled' | 'expired' };

/** Kleene's three values: null is unknown, with the first reason found. */
interface Verdict { v: boolean | null; why?: string }

const TRUE: Verdict = { v: true };
const FALSE: Verdict = { v: false };

interface TimerState { endsAt: number; expiredSeen: boolean }

type Phase = { p: 'idle' } | { p: 'pending'; since: number } | { p: 'firing' };

interface Instance { rule: Rule; ups: string; phase: Phase; lastWhy?: string }

function compare(lit: Literal, op: string, raw: string, variable: string): Verdict {
  if (lit.type === 'number') {
    const n = parseDecimal(raw.trim());
    if (n === undefined) return { v: null, why: `${variable} is not a number (${JSON.stringify(raw.slice(0, 40))})` };
    switch (op) {
      case '<': return { v: n < lit.n };
      case '<=': return { v: n <= lit.n };
      case '>': return { v: n > lit.n };
      case '>=': return { v: n >= lit.n };
      case '=': return { v: n === lit.n };
      default: return { v: n !== lit.n };
    }
  }
  return { v: op === '=' ? raw === lit.s : raw !== lit.s };
}

/** True if `token` is one of the space-separated words of `value` (no split: no allocation). */
export function hasToken(value: string, token: string): boolean {
  let from = 0;
  for (;;) {
    const i = value.indexOf(token, from);
    if (i < 0) return false;
    const before = i === 0 || value.charCodeAt(i - 1) === 0x20;
    const after = i + token.length === value.length || value.charCodeAt(i + token.length) === 0x20;
    if (before && after) return true;
    from = i + 1;
  }
}

export class RuleEngine {
  private readonly instances: Instance[] = [];
  private readonly timers = new Map<string, TimerState>();

  /** `upsNames`: every UPS upsmon watches; a rule naming another UPS has no instance. */
  constructor(readonly ruleSet: RuleSet, upsNames: readonly string[]) {
    for (const rule of ruleSet.rules) {
      for (const ups of rule.ups === undefined ? upsNames : upsNames.filter((u) => u === rule.ups)) {
        this.instances.push({ rule, ups, phase: { p: 'idle' } });
      }
    }
  }

  /** Rules of the file that watch no UPS upsmon knows (worth a warning). */
  unmatchedRules(): string[] {
    return this.ruleSet.rules.filter((r) => !this.instances.some((i) => i.rule === r)).map((r) => r.name);
  }

  /** Whether the rule is firing for that UPS. */
  isFiring(rule: string, ups: string): boolean {
    return this.instances.some((i) => i.rule.name === rule && i.ups === ups && i.phase.p === 'firing');
  }

  /** The earliest time at which step() could change something without new data. */
  nextDeadline(): number | undefined {
    let best: number | undefined;
    const consider = (t: number): void => { if (best === undefined || t < best) best = t; };
    for (const i of this.instances) if (i.phase.p === 'pending') consider(i.phase.since + i.rule.forSeconds * 1000);
    for (const t of this.timers.values()) if (!t.expiredSeen) consider(t.endsAt);
    return best;
  }

  /**
   * Evaluates every rule at time `now` (ms, never decreasing) on `data` (a UPS absent from it is
   * unknown). Timer starts and cancels made by this step are seen by conditions from the next one.
   */
  step(now: number, data: ReadonlyMap<string, UpsData>): RuleEvent[] {
    const events: RuleEvent[] = [];
    for (const [name, t] of this.timers) {
      if (!t.expiredSeen && now >= t.endsAt) {
        t.expiredSeen = true;
        events.push({ kind: 'timer', at: now, timer: name, what: 'expired' });
      }
    }
    const timerActions: Action[] = [];
    for (const inst of this.instances) {
      const d = data.get(inst.ups);
      const vars = d === undefined || d.stale === true ? undefined : d.vars;
      const staleWhy = d === undefined ? `no data from ${inst.ups}` : d.stale === true ? `${inst.ups}: ${d.why}` : undefined;
      const r = inst.rule;
      const ev = (e: Expr): Verdict => (vars === undefined ? { v: null, why: staleWhy ?? 'unknown' } : this.evaluate(e, vars, now));
      const base = { at: now, rule: r.name, ups: inst.ups };
      let verdict: Verdict;
      if (inst.phase.p === 'firing') {
        const c = r.clear ? ev(r.clear) : not(ev(r.when));
        verdict = c;
        if (c.v === true) {
          inst.phase = { p: 'idle' };
          events.push({ kind: 'clear', ...base, actions: r.onClear });
          timerActions.push(...r.onClear);
        }
      } else {
        const w = ev(r.when);
        verdict = w;
        if (w.v === true) {
          const since = inst.phase.p === 'pending' ? inst.phase.since : now;
          if (inst.phase.p === 'idle' && r.forSeconds > 0) events.push({ kind: 'pending', ...base });
          if (now - since >= r.forSeconds * 1000) {
            inst.phase = { p: 'firing' };
            events.push({ kind: 'fire', ...base, actions: r.onFire });
            timerActions.push(...r.onFire);
          } else {
            inst.phase = { p: 'pending', since };
          }
        } else if (inst.phase.p === 'pending') {
          inst.phase = { p: 'idle' };
          events.push({ kind: 'reset', ...base, ...(w.why !== undefined ? { why: w.why } : {}) });
        }
      }
      if (verdict.v === null) {
        const why = verdict.why ?? 'unknown';
        if (inst.lastWhy !== why) events.push({ kind: 'unknown', ...base, why });
        inst.lastWhy = why;
      } else {
        delete inst.lastWhy;
      }
    }
    for (const a of timerActions) {
      if (a.kind === 'start') {
        const t = this.timers.get(a.timer);
        // idempotent: a running timer is not started again (nor pushed back)
        if (t !== undefined && !t.expiredSeen) continue;
        const decl = this.ruleSet.timers.get(a.timer);
        if (decl === undefined) continue; // the parser refuses this; nothing to start
        this.timers.set(a.timer, { endsAt: now + decl.seconds * 1000, expiredSeen: false });
        events.push({ kind: 'timer', at: now, timer: a.timer, what: 'started' });
      } else if (a.kind === 'cancel' && this.timers.delete(a.timer)) {
        events.push({ kind: 'timer', at: now, timer: a.timer, what: 'cancelled' });
      }
    }
    return events;
  }

  private evaluate(e: Expr, vars: ReadonlyMap<string, string>, now: number): Verdict {
    switch (e.kind) {
      case 'cmp': {
        const raw = vars.get(e.variable);
        return raw === undefined ? { v: null, why: `${e.variable} is not known` } : compare(e.value, e.op, raw, e.variable);
      }
      case 'has': {
        const raw = vars.get(e.variable);
        return raw === undefined ? { v: null, why: `${e.variable} is not known` } : hasToken(raw, e.token) ? TRUE : FALSE;
      }
      case 'timer': {
        const t = this.timers.get(e.timer);
        const expired = t !== undefined && now >= t.endsAt;
        return (e.test === 'expired' ? expired : t !== undefined && !expired) ? TRUE : FALSE;
      }
      case 'not': return not(this.evaluate(e.arg, vars, now));
      case 'and': case 'or': {
        // Kleene: one decisive value decides; else any unknown makes it unknown
        const decisive = e.kind === 'or';
        let unknown: Verdict | undefined;
        for (const a of e.args) {
          const v = this.evaluate(a, vars, now);
          if (v.v === decisive) return v;
          if (v.v === null && unknown === undefined) unknown = v;
        }
        return unknown ?? (decisive ? FALSE : TRUE);
      }
    }
  }
}

function not(v: Verdict): Verdict {
  return v.v === null ? v : v.v ? FALSE : TRUE;
}
