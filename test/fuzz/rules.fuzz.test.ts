// Fuzz target "rules": upsrules.conf's parser and evaluator (src/protocol/rules, issue 16).
// The oracles here are written apart from the code, from the README's documented language:
// - any bytes (mutated sample files, lines around the length limit): parseRules returns, every
//   error is ERR_RULES at file:line inside the file, and an accepted file keeps the documented
//   limits (lines ≤ 1024 bytes, printable ASCII, ≤ 256 rules, ≤ 64 terms per rule, parentheses
//   nested < 16, strings ≤ 256 characters);
// - random expressions, printed and parsed, decide as a three-valued (Kleene) reference does on
//   random data with missing and non-numeric values: true fires, false and unknown do not;
// - a FOR/CLEAR rule over random polls fires and clears exactly when a reference model says;
// - rule frames in any order, with names of the dispatcher's file and others: the real
//   Dispatcher admits exactly what a reference (own names, fire/clear alternation) admits.
import { describe, expect } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { ensure, fuzz as fuzzTarget, latin1, lineCount } from './harness.js';
import { mutated } from './mutate.js';
import { RuleEngine, parseRules, type Expr, type RuleSet, type UpsData } from '../../src/protocol/rules/index.js';
import { encodeFrame } from '../../src/protocol/notify-frame/index.js';
import { parseUpsmonConf } from '../../src/core/config/upsmon-conf.js';
import { Dispatcher } from '../../src/upsmon/dispatcher/dispatcher.js';

const fuzz = <T>(name: string, arb: fc.Arbitrary<T>, predicate: (v: T) => void): void => fuzzTarget('rules', name, arb, predicate);

// The documented limits (README "Rules"), not the source's constants.
const DOC = { line: 1024, rules: 256, terms: 64, depth: 16, string: 256 };

const SAMPLE = readFileSync(new URL('../../conf/upsrules.conf', import.meta.url));
const SEEDS = [
  { name: 'sample', data: new Uint8Array(SAMPLE) },
  { name: 'mini', data: latin1('RULE r\n WHEN (a.b > 1 or not c.d = "x y")\n FOR 5\n DO notify "m"\n') },
];

/** The lines of a latin1 text (LF only ends a line), for the oracle. */
const linesOf = (s: string): string[] => s.split('\n');

/** Max parenthesis depth outside strings and comments: the reference's own little scan. */
function parenDepth(line: string): number {
  let depth = 0;
  let max = 0;
  let inStr = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (inStr) { if (c === '\\') i++; else if (c === '"') inStr = false; continue; }
    if (c === '#') break;
    if (c === '"') inStr = true;
    else if (c === '(') max = Math.max(max, ++depth);
    else if (c === ')') depth--;
  }
  return max;
}

function terms(e: Expr): number {
  return e.kind === 'not' ? terms(e.arg) : e.kind === 'and' || e.kind === 'or' ? e.args.reduce((n, a) => n + terms(a), 0) : 1;
}

function strings(e: Expr, out: string[]): void {
  if (e.kind === 'cmp' && e.value.type === 'string') out.push(e.value.s);
  else if (e.kind === 'not') strings(e.arg, out);
  else if (e.kind === 'and' || e.kind === 'or') for (const a of e.args) strings(a, out);
}

function checkAccepted(text: string, set: RuleSet): void {
  for (const l of linesOf(text)) {
    ensure(l.length <= DOC.line, () => `accepted a line of ${String(l.length)} bytes`);
    ensure(parenDepth(l) < DOC.depth, () => `accepted parentheses nested ${String(parenDepth(l))} deep`);
    for (let i = 0; i < l.length; i++) {
      const c = l.charCodeAt(i);
      ensure(c === 0x09 || c === 0x0d || (c >= 0x20 && c <= 0x7e) || l.slice(0, i).includes('#'), () => `accepted byte 0x${c.toString(16)}`);
    }
  }
  ensure(set.rules.length <= DOC.rules, () => `accepted ${String(set.rules.length)} rules`);
  for (const r of set.rules) {
    ensure(terms(r.when) + (r.clear ? terms(r.clear) : 0) <= DOC.terms, () => `rule ${r.name}: too many terms`);
    const s: string[] = [];
    strings(r.when, s);
    if (r.clear) strings(r.clear, s);
    for (const a of [...r.onFire, ...r.onClear]) if (a.kind === 'notify' && a.message !== undefined) s.push(a.message);
    ensure(s.every((x) => x.length <= DOC.string), () => `rule ${r.name}: a string over ${String(DOC.string)} characters`);
  }
}

function parseChecked(text: string): RuleSet | undefined {
  const lines = lineCount(latin1(text));
  const { ruleSet, errors } = parseRules(text, 'f.conf');
  ensure((ruleSet === undefined) === (errors.length > 0), () => 'a rule set and errors at once, or neither');
  for (const e of errors) {
    ensure(e.code === 'ERR_RULES' && e.line >= 1 && e.line <= lines && e.message.startsWith(`f.conf:${String(e.line)}: `),
      () => `error outside the file: ${e.message.slice(0, 200)}`);
  }
  if (ruleSet) checkAccepted(text, ruleSet);
  return ruleSet;
}

const toText = (b: Uint8Array): string => String.fromCharCode(...b);

/** A comment line near the length limit, nesting near the depth limit, a string near its limit. */
const edgy = fc.tuple(
  fc.integer({ min: DOC.line - 2, max: DOC.line + 2 }),
  fc.integer({ min: DOC.depth - 2, max: DOC.depth + 1 }),
  fc.integer({ min: DOC.string - 2, max: DOC.string + 2 }),
).map(([len, depth, str]) => ({
  text: `RULE r\n WHEN ${'('.repeat(depth)}a.b > 1${')'.repeat(depth)}\n DO notify "${'m'.repeat(str)}"\n#${'c'.repeat(len - 1)}\n`,
  fits: len <= DOC.line && depth < DOC.depth && str <= DOC.string,
}));

// ---- expressions and their reference semantics ----

type V = boolean | null;
type Snapshot = Map<string, string>;
const VARS = ['a.x', 'b.y'];
const TOKENS = ['OB', 'OL', 'LB'];
type Gen = { text: string; ref: (s: Snapshot) => V };

const leaf: fc.Arbitrary<Gen> = fc.oneof(
  fc.tuple(fc.constantFrom(...VARS), fc.constantFrom('<', '<=', '>', '>=', '=', '!='), fc.integer({ min: -3, max: 3 })).map(([v, op, n]) => ({
    text: `${v} ${op} ${String(n)}`,
    ref: (s: Snapshot): V => {
      const raw = s.get(v);
      if (raw === undefined || !/^-?\d+$/.test(raw)) return null;
      const x = Number(raw);
      return op === '<' ? x < n : op === '<=' ? x <= n : op === '>' ? x > n : op === '>=' ? x >= n : op === '=' ? x === n : x !== n;
    },
  })),
  fc.constantFrom(...TOKENS).map((t) => ({
    text: `ups.status has ${t}`,
    ref: (s: Snapshot): V => { const raw = s.get('ups.status'); return raw === undefined ? null : raw.split(' ').includes(t); },
  })),
);

/**
 * Trees of at most `d` levels: with d = 4, at most 16 terms, 8 levels of nesting and ~600
 * characters, inside every documented limit, so every one of them must be accepted.
 */
function exprOf(d: number): fc.Arbitrary<Gen> {
  if (d === 0) return leaf;
  const sub = exprOf(d - 1);
  return fc.oneof(
    leaf,
    sub.map((a) => ({ text: `not (${a.text})`, ref: (s: Snapshot): V => { const v = a.ref(s); return v === null ? null : !v; } })),
    fc.tuple(fc.constantFrom('and', 'or'), sub, sub).map(([k, a, b]) => ({
      text: `(${a.text}) ${k} (${b.text})`,
      ref: (s: Snapshot): V => {
        const x = a.ref(s);
        const y = b.ref(s);
        if (k === 'and') return x === false || y === false ? false : x === null || y === null ? null : true;
        return x === true || y === true ? true : x === null || y === null ? null : false;
      },
    })),
  );
}
const expr = exprOf(4);

const snapshot: fc.Arbitrary<Snapshot> = fc.tuple(
  ...VARS.map(() => fc.option(fc.oneof(fc.integer({ min: -4, max: 4 }).map(String), fc.constant('n/a')), { nil: undefined })),
  fc.option(fc.subarray(TOKENS).map((t) => t.join(' ')), { nil: undefined }),
).map(([a, b, st]) => {
  const m = new Map<string, string>();
  if (a !== undefined) m.set('a.x', a);
  if (b !== undefined) m.set('b.y', b);
  if (st !== undefined) m.set('ups.status', st);
  return m;
});

// ---- rule frames at the dispatcher ----

const UPSMON = parseUpsmonConf('MONITOR u1@localhost 1 mon pass primary\nMINSUPPLIES 1\n', 'upsmon.conf').value;
const OWN = parseRules('RULE hot\n WHEN a.b > 1\n DO notify "h"\n ONCLEAR notify\nRULE low\n WHEN a.b < 1\n DO notify "l"\n', 'r').ruleSet as RuleSet;
/** The dispatcher's own rules, as the test reads its file: names exactly, case included. */
const OWN_NAMES = new Set(['hot', 'low']);
const ruleFrames = fc.array(fc.tuple(
  fc.constantFrom('RULE_FIRE' as const, 'RULE_CLEAR' as const),
  fc.constantFrom('hot', 'low', 'HOT', 'Low', 'nope', 'hot2', 'u1@localhost', 'h'),
), { maxLength: 24 });

// ---- the FOR / CLEAR timing model ----

interface Poll { dt: number; temp: number | undefined }
const polls = fc.array(fc.record({
  dt: fc.integer({ min: 1, max: 20 }),
  temp: fc.option(fc.integer({ min: 30, max: 45 }), { nil: undefined }),
}), { maxLength: 40 });

/** The documented timing: WHEN seen true at every evaluation for FOR s fires; CLEAR clears; unknown does neither. */
function reference(ps: Poll[], forS: number): string[] {
  const out: string[] = [];
  let state: 'idle' | 'pending' | 'firing' = 'idle';
  let since = 0;
  let t = 0;
  for (const p of ps) {
    t += p.dt;
    if (state === 'pending' && since + forS < t) { out.push(`${String(since + forS)} fire`); state = 'firing'; }
    const x = p.temp;
    if (state === 'firing') {
      if (x !== undefined && x < 35) { out.push(`${String(t)} clear`); state = 'idle'; }
    } else if (x !== undefined && x > 40) {
      if (state === 'idle') { since = t; state = 'pending'; }
      if (t - since >= forS) { out.push(`${String(t)} fire`); state = 'firing'; }
    } else {
      state = 'idle';
    }
  }
  return out;
}

describe('rules', () => {
  fuzz('mutated rule files: returns, errors at file:line inside the file, accepted files keep the documented limits',
    mutated(SEEDS), (b) => { parseChecked(toText(b)); });

  fuzz('lines, nesting and strings at the limits: refused exactly past them', edgy, ({ text, fits }) => {
    const set = parseChecked(text);
    ensure(fits === (set !== undefined), () => `inside the limits: ${String(fits)}, accepted: ${String(set !== undefined)}`);
  });

  fuzz('printed expressions decide as the three-valued reference does', fc.tuple(expr, snapshot), ([e, snap]) => {
    const text = `RULE r\n WHEN ${e.text}\n DO notify\n`;
    const set = parseChecked(text);
    if (set === undefined) throw new Error(`refused an expression inside the limits: ${e.text}`);
    const evs = new RuleEngine(set, ['u']).step(0, new Map<string, UpsData>([['u', { vars: snap }]]));
    const want = e.ref(snap);
    const fired = evs.some((x) => x.kind === 'fire');
    const unknown = evs.some((x) => x.kind === 'unknown');
    ensure(fired === (want === true) && unknown === (want === null),
      () => `${e.text} on ${JSON.stringify([...snap])}: reference ${String(want)}, engine fired ${String(fired)}, unknown ${String(unknown)}`);
  });

  fuzz("forged rule frames: the dispatcher admits exactly its own rules in fire/clear order, and a refused frame runs nothing",
    ruleFrames, (frames) => {
      const ran: string[] = [];
      const d = new Dispatcher(UPSMON, {
        notify: () => { ran.push('notify'); }, shutdown: () => { ran.push('shutdown'); },
        rule: (r, event) => { ran.push(`${r.name} ${event}`); },
      }, OWN);
      const firing = new Set<string>();
      const want: string[] = [];
      for (const [type, name] of frames) {
        const ok = OWN_NAMES.has(name) && (type === 'RULE_FIRE' ? !firing.has(name) : firing.has(name));
        const r = d.receive(encodeFrame(type, name));
        ensure(r.ok === ok, () => `${type} ${name} after ${JSON.stringify(want)}: dispatcher ok=${String(r.ok)}, reference ${String(ok)}`);
        if (!ok) break; // the supervisor kills the child here
        if (type === 'RULE_FIRE') firing.add(name); else firing.delete(name);
        want.push(`${name} ${type === 'RULE_FIRE' ? 'fire' : 'clear'}`);
      }
      ensure(JSON.stringify(ran) === JSON.stringify(want), () => `ran ${JSON.stringify(ran)}, reference ${JSON.stringify(want)}`);
    });

  fuzz('FOR and CLEAR over random polls fire and clear when the reference model does',
    fc.tuple(polls, fc.integer({ min: 0, max: 30 })), ([ps, forS]) => {
      const set = parseChecked(`RULE hot\n WHEN ups.temperature > 40\n FOR ${String(forS)}\n CLEAR ups.temperature < 35\n DO notify\n`);
      if (set === undefined) throw new Error('the model rule was refused');
      const e = new RuleEngine(set, ['u']);
      const got: string[] = [];
      let data = new Map<string, UpsData>();
      let t = 0;
      const record = (evs: ReturnType<RuleEngine['step']>): void => {
        for (const x of evs) if (x.kind === 'fire' || x.kind === 'clear') got.push(`${String(x.at / 1000)} ${x.kind}`);
      };
      for (const p of ps) {
        t += p.dt;
        for (let d = e.nextDeadline(); d !== undefined && d < t * 1000; d = e.nextDeadline()) record(e.step(d, data));
        data = new Map([['u', { vars: new Map(p.temp === undefined ? [] : [['ups.temperature', String(p.temp)]]) }]]);
        record(e.step(t * 1000, data));
      }
      expect(got).toEqual(reference(ps, forS));
    });
});
