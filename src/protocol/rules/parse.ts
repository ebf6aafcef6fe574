// The upsrules.conf parser (issue 16): text in, a RuleSet or file:line errors out. Sans-I/O.
//
// Line-oriented, NUT style (keyword first, `#` comments, "quoted strings" with \" and \\):
//
//   TIMER   <name> <seconds>            a timer rules may start and cancel
//   INSTCMD <command>                   an instant command rules may run
//   RULE    <name>                      starts a rule; the lines below belong to it
//     UPS     <upsname>                 optional: the UPS it watches (default: each UPS)
//     WHEN    <expression>              required
//     FOR     <seconds>                 optional: WHEN must hold this long first
//     CLEAR   <expression>              optional: clears a firing rule (default: not WHEN)
//     DO      <action>                  one or more: notify ["msg"] | shutdown | fsd |
//                                       instcmd <cmd> | start <timer> | cancel <timer>
//     ONCLEAR <action>                  notify ["msg"] | instcmd <cmd> | start | cancel
//
// Expressions: `var < <= > >= = != value`, `var has TOKEN`, `timer NAME running|expired`,
// `not`, `and`, `or`, parentheses. Every bound is a named constant in limits.ts. Each line is
// length-checked by index arithmetic before any of it is read, and every pass is one linear
// scan: no regular expression ever sees input.

import { ConfigError } from '../../core/errors.js';
import { frameNameProblem } from '../notify-frame/names.js';
import {
  MAX_ACTIONS_PER_RULE, MAX_DEPTH, MAX_DURATION_S, MAX_INSTCMDS, MAX_LINE_BYTES, MAX_NAME_CHARS,
  MAX_NUMBER_CHARS, MAX_RULES, MAX_STRING_CHARS, MAX_TERMS_PER_RULE, MAX_TIMERS,
} from './limits.js';
import type { Action, CmpOp, Expr, Literal, Rule, RuleSet, TimerDecl } from './types.js';

/** Errors reported per file before the parser stops listing them (the file is refused anyway). */
export const MAX_ERRORS = 50;

type Token =
  | { t: 'word'; v: string }
  | { t: 'str'; v: string }
  | { t: 'op'; v: CmpOp }
  | { t: '(' | ')' };

class LineError extends Error {}

/** Bytes a bare word may hold: letters, digits and `. _ - + : @ [ ]` (UPS names, numbers, tokens). */
function isWordChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
    || c === 0x2e || c === 0x5f || c === 0x2d || c === 0x2b || c === 0x3a || c === 0x40 || c === 0x5b || c === 0x5d;
}

/** One line's tokens, in one pass. Anything outside printable ASCII and tab is refused. */
function lex(line: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line.charCodeAt(i);
    if (c === 0x20 || c === 0x09) { i++; continue; }
    if (c === 0x23) break; // # comment
    if (c === 0x28 || c === 0x29) { out.push({ t: c === 0x28 ? '(' : ')' }); i++; continue; }
    if (c === 0x3c || c === 0x3e) { // < <= > >=
      const eq = line.charCodeAt(i + 1) === 0x3d;
      out.push({ t: 'op', v: (c === 0x3c ? (eq ? '<=' : '<') : (eq ? '>=' : '>')) });
      i += eq ? 2 : 1;
      continue;
    }
    if (c === 0x3d) { out.push({ t: 'op', v: '=' }); i += line.charCodeAt(i + 1) === 0x3d ? 2 : 1; continue; }
    if (c === 0x21) {
      if (line.charCodeAt(i + 1) !== 0x3d) throw new LineError("'!' must be '!=' (use 'not' to negate)");
      out.push({ t: 'op', v: '!=' });
      i += 2;
      continue;
    }
    if (c === 0x22) {
      let s = '';
      i++;
      for (;;) {
        if (i >= line.length) throw new LineError('unterminated quoted string');
        const d = line.charCodeAt(i);
        if (d === 0x22) { i++; break; }
        if (d === 0x5c) {
          const e = line.charCodeAt(i + 1);
          if (e !== 0x22 && e !== 0x5c) throw new LineError('only \\" and \\\\ may be escaped in a string');
          s += String.fromCharCode(e);
          i += 2;
        } else {
          if (d < 0x20 || d > 0x7e) throw new LineError(`character 0x${d.toString(16)} in a string`);
          s += line[i];
          i++;
        }
        if (s.length > MAX_STRING_CHARS) throw new LineError(`string longer than ${String(MAX_STRING_CHARS)} characters`);
      }
      out.push({ t: 'str', v: s });
      continue;
    }
    if (isWordChar(c)) {
      const start = i;
      while (i < line.length && isWordChar(line.charCodeAt(i))) i++;
      out.push({ t: 'word', v: line.slice(start, i) });
      continue;
    }
    throw new LineError(c < 0x20 || c > 0x7e ? `character 0x${c.toString(16)} is not allowed` : `unexpected '${line[i] ?? ''}'`);
  }
  return out;
}

/** A decimal number as written in a rule (`-12`, `40.5`); undefined if the word is not one. */
export function parseDecimal(s: string): number | undefined {
  if (s.length === 0 || s.length > MAX_NUMBER_CHARS) return undefined;
  let i = s[0] === '-' || s[0] === '+' ? 1 : 0;
  let digits = 0;
  let dot = false;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) digits++;
    else if (c === 0x2e && !dot) dot = true;
    else return undefined;
  }
  if (digits === 0) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

function checkName(what: string, name: string): string {
  if (name.length > MAX_NAME_CHARS) throw new LineError(`${what} longer than ${String(MAX_NAME_CHARS)} characters`);
  return name;
}

function isVariableName(s: string): boolean {
  if (s.length === 0 || s.length > MAX_NAME_CHARS || parseDecimal(s) !== undefined) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2e || c === 0x5f || c === 0x2d)) return false;
  }
  return true;
}

function seconds(word: Token | undefined, what: string): number {
  if (word?.t !== 'word') throw new LineError(`${what} needs a number of seconds`);
  const n = parseDecimal(word.v);
  if (n === undefined || !Number.isInteger(n) || n < 0) throw new LineError(`${what}: '${word.v}' is not a whole number of seconds`);
  // no "forever": every wait in the language ends
  if (n > MAX_DURATION_S) throw new LineError(`${what} ${word.v}: longer than ${String(MAX_DURATION_S)} seconds`);
  return n;
}

/** Recursive descent with an explicit depth bound: the stack used is O(MAX_DEPTH). */
class ExprParser {
  private i = 0;
  constructor(private readonly toks: Token[], private readonly terms: { n: number }) {}

  parseAll(): Expr {
    if (this.toks.length === 0) throw new LineError('an expression is missing');
    const e = this.or(0);
    const rest = this.toks[this.i];
    if (rest !== undefined) throw new LineError(`unexpected ${describe(rest)} after the expression`);
    return e;
  }

  private peekWord(v: string): boolean {
    const t = this.toks[this.i];
    return t?.t === 'word' && t.v.toLowerCase() === v;
  }

  private or(depth: number): Expr {
    const args = [this.and(depth)];
    while (this.peekWord('or')) { this.i++; args.push(this.and(depth)); }
    return args.length === 1 ? args[0] as Expr : { kind: 'or', args };
  }

  private and(depth: number): Expr {
    const args = [this.unary(depth)];
    while (this.peekWord('and')) { this.i++; args.push(this.unary(depth)); }
    return args.length === 1 ? args[0] as Expr : { kind: 'and', args };
  }

  private unary(depth: number): Expr {
    if (depth >= MAX_DEPTH) throw new LineError(`expression nested deeper than ${String(MAX_DEPTH)}`);
    if (this.peekWord('not')) { this.i++; return { kind: 'not', arg: this.unary(depth + 1) }; }
    const t = this.toks[this.i];
    if (t?.t === '(') {
      this.i++;
      const e = this.or(depth + 1);
      if (this.toks[this.i]?.t !== ')') throw new LineError("')' expected");
      this.i++;
      return e;
    }
    return this.term();
  }

  private term(): Expr {
    if (++this.terms.n > MAX_TERMS_PER_RULE) throw new LineError(`more than ${String(MAX_TERMS_PER_RULE)} terms in one rule`);
    const t = this.toks[this.i++];
    if (t?.t !== 'word') throw new LineError(t === undefined ? 'the expression ends too soon' : `a variable expected, not ${describe(t)}`);
    if (t.v.toLowerCase() === 'timer') {
      const name = this.toks[this.i++];
      const test = this.toks[this.i++];
      if (name?.t !== 'word') throw new LineError('timer: a timer name expected');
      const tv = test?.t === 'word' ? test.v.toLowerCase() : '';
      if (tv !== 'running' && tv !== 'expired') throw new LineError(`timer ${name.v}: 'running' or 'expired' expected`);
      return { kind: 'timer', timer: checkName('timer name', name.v), test: tv };
    }
    if (!isVariableName(t.v)) throw new LineError(`'${t.v}' is not a variable name`);
    const op = this.toks[this.i++];
    if (op?.t === 'word' && op.v.toLowerCase() === 'has') {
      const tok = this.toks[this.i++];
      if (tok?.t !== 'word' && tok?.t !== 'str') throw new LineError(`${t.v} has: a status token expected`);
      return { kind: 'has', variable: t.v, token: tok.t === 'str' ? tok.v : checkName('token', tok.v) };
    }
    if (op?.t !== 'op') throw new LineError(`${t.v}: a comparison (< <= > >= = !=) or 'has' expected`);
    const lit = this.toks[this.i++];
    let value: Literal;
    if (lit?.t === 'str') value = { type: 'string', s: lit.v };
    else if (lit?.t === 'word') {
      const n = parseDecimal(lit.v);
      value = n === undefined ? { type: 'string', s: lit.v } : { type: 'number', n, text: lit.v };
    } else throw new LineError(`${t.v} ${op.v}: a value expected`);
    if (value.type === 'string' && op.v !== '=' && op.v !== '!=') {
      throw new LineError(`${t.v} ${op.v} ${JSON.stringify(value.s)}: '${op.v}' compares numbers; strings take only = and !=`);
    }
    return { kind: 'cmp', variable: t.v, op: op.v, value };
  }
}

function describe(t: Token): string {
  return t.t === 'word' ? `'${t.v}'` : t.t === 'str' ? 'a string' : t.t === 'op' ? `'${t.v}'` : `'${t.t}'`;
}

/** Keywords of other languages that would be loops or code: refused with a reason, not just "unknown". */
const NEVER = new Set(['WHILE', 'LOOP', 'REPEAT', 'EVERY', 'GOTO', 'EVAL', 'EXEC', 'INCLUDE', 'FUNCTION', 'DEF', 'LET', 'SET']);

const FIRE_ACTIONS = new Set(['notify', 'shutdown', 'fsd', 'instcmd', 'start', 'cancel']);
/** On clear a rule may report and tidy up, never shut anything down. */
const CLEAR_ACTIONS = new Set(['notify', 'instcmd', 'start', 'cancel']);

function action(toks: Token[], allowed: ReadonlySet<string>, keyword: string): Action {
  const verb = toks[0];
  if (verb?.t !== 'word') throw new LineError(`${keyword}: an action expected`);
  const v = verb.v.toLowerCase();
  if (!allowed.has(v)) {
    throw new LineError(FIRE_ACTIONS.has(v)
      ? `${keyword} ${v}: not allowed on clear`
      : `${keyword}: unknown action '${verb.v}' (one of: ${[...allowed].join(', ')})`);
  }
  const arg = toks[1];
  const want = v === 'notify' ? (arg === undefined ? 1 : 2) : v === 'shutdown' || v === 'fsd' ? 1 : 2;
  if (toks.length !== want) throw new LineError(`${keyword} ${v}: ${want === 1 ? 'takes no argument' : 'wrong arguments'}`);
  switch (v) {
    case 'notify':
      if (arg === undefined) return { kind: 'notify' };
      if (arg.t !== 'str') throw new LineError(`${keyword} notify: the message must be a "quoted string"`);
      return { kind: 'notify', message: arg.v };
    case 'shutdown': return { kind: 'shutdown' };
    case 'fsd': return { kind: 'fsd' };
    default:
      if (arg?.t !== 'word') throw new LineError(`${keyword} ${v}: a name expected`);
      if (v === 'instcmd') return { kind: 'instcmd', command: checkName('command', arg.v) };
      return { kind: v === 'start' ? 'start' : 'cancel', timer: checkName('timer name', arg.v) };
  }
}

interface Draft {
  name: string;
  line: number;
  ups?: string;
  when?: Expr;
  forSeconds?: number;
  clear?: Expr;
  whenLine?: number;
  clearLine?: number;
  onFire: Action[];
  onClear: Action[];
  terms: { n: number };
  /** Lines that used a timer or a command, checked once the whole file is read. */
  uses: { line: number; timer?: string; instcmd?: string }[];
  broken: boolean;
}

function collectTimers(e: Expr, out: string[]): void {
  // bounded by MAX_DEPTH, like the parser that built it
  if (e.kind === 'timer') out.push(e.timer);
  else if (e.kind === 'not') collectTimers(e.arg, out);
  else if (e.kind === 'and' || e.kind === 'or') for (const a of e.args) collectTimers(a, out);
}

export interface ParseResult {
  /** Undefined when there is any error: a rule file is used whole or not at all. */
  ruleSet?: RuleSet;
  errors: ConfigError[];
}

/**
 * Parses a rule file. `text` is the file as latin1 (one char per byte), so any byte outside
 * printable ASCII is seen and refused with its line.
 */
export function parseRules(text: string, file: string): ParseResult {
  const errors: ConfigError[] = [];
  const fail = (line: number, msg: string): void => {
    if (errors.length < MAX_ERRORS) errors.push(new ConfigError(file, line, msg, 'ERR_RULES'));
  };
  const rules: Draft[] = [];
  const timers = new Map<string, TimerDecl>();
  const instcmds = new Set<string>();
  let current: Draft | undefined;
  let lineNo = 0;
  let pos = 0;
  while (pos <= text.length && errors.length < MAX_ERRORS) {
    lineNo++;
    const nl = text.indexOf('\n', pos);
    const end = nl < 0 ? text.length : nl;
    const start = pos;
    pos = end + 1;
    if (end - start > MAX_LINE_BYTES) {
      // refused by its length alone: none of it is tokenized
      fail(lineNo, `line longer than ${String(MAX_LINE_BYTES)} bytes (${String(end - start)})`);
      if (current) current.broken = true;
      continue;
    }
    const raw = text.slice(start, end);
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    try {
      const toks = lex(line);
      const head = toks[0];
      if (head === undefined) continue;
      if (head.t !== 'word') throw new LineError(`a keyword expected, not ${describe(head)}`);
      const kw = head.v.toUpperCase();
      const args = toks.slice(1);
      const word = (k: number, what: string): string => {
        const a = args[k];
        if (a?.t !== 'word') throw new LineError(`${kw}: ${what} expected`);
        return a.v;
      };
      if (NEVER.has(kw)) throw new LineError(`${kw}: the rule language has no loops, code or includes`);
      switch (kw) {
        case 'RULE': {
          const name = word(0, 'a rule name');
          if (args.length !== 1) throw new LineError('RULE takes one name');
          // a refused RULE still owns the lines below it (checked, then dropped with it)
          current = { name, line: lineNo, onFire: [], onClear: [], terms: { n: 0 }, uses: [], broken: true };
          const problem = frameNameProblem(name); // the name travels alone in a rule frame
          if (problem !== undefined) throw new LineError(`rule name '${name}': ${problem}`);
          if (rules.some((r) => r.name === name)) throw new LineError(`rule '${name}' is defined twice`);
          if (rules.length >= MAX_RULES) throw new LineError(`more than ${String(MAX_RULES)} rules`);
          current.broken = false;
          rules.push(current);
          break;
        }
        case 'TIMER': {
          current = undefined;
          const name = checkName('timer name', word(0, 'a timer name'));
          if (args.length !== 2) throw new LineError('TIMER takes a name and seconds');
          const secs = seconds(args[1], `TIMER ${name}`);
          if (secs < 1) throw new LineError(`TIMER ${name}: at least 1 second`);
          if (timers.has(name)) throw new LineError(`timer '${name}' is declared twice`);
          if (timers.size >= MAX_TIMERS) throw new LineError(`more than ${String(MAX_TIMERS)} timers`);
          timers.set(name, { name, seconds: secs, line: lineNo });
          break;
        }
        case 'INSTCMD': {
          current = undefined;
          const cmd = checkName('command', word(0, 'an instant command'));
          if (args.length !== 1 || !isVariableName(cmd)) throw new LineError('INSTCMD takes one command name (like beeper.disable)');
          if (instcmds.size >= MAX_INSTCMDS) throw new LineError(`more than ${String(MAX_INSTCMDS)} commands`);
          instcmds.add(cmd);
          break;
        }
        case 'UPS': case 'WHEN': case 'FOR': case 'CLEAR': case 'DO': case 'ONCLEAR': {
          if (!current) throw new LineError(`${kw} outside a RULE`);
          ruleLine(current, kw, args, lineNo, word);
          break;
        }
        default:
          throw new LineError(`unknown keyword '${head.v}'`);
      }
    } catch (e) {
      if (!(e instanceof LineError)) throw e;
      // the rule is refused with this line; its own checks (no WHEN, no DO) would only echo it
      if (current) current.broken = true;
      fail(lineNo, e.message);
    }
  }
  for (const r of rules) {
    if (r.broken) continue;
    if (!r.when) fail(r.line, `rule '${r.name}' has no WHEN`);
    if (r.onFire.length === 0) fail(r.line, `rule '${r.name}' has no DO action`);
    for (const u of r.uses) {
      if (u.timer !== undefined && !timers.has(u.timer)) fail(u.line, `timer '${u.timer}' is not declared (TIMER ${u.timer} <seconds>)`);
      if (u.instcmd !== undefined && !instcmds.has(u.instcmd)) fail(u.line, `instant command '${u.instcmd}' is not listed (INSTCMD ${u.instcmd})`);
    }
  }
  if (errors.length > 0) return { errors };
  const done: Rule[] = rules.map((r) => ({
    name: r.name, line: r.line, ...(r.ups !== undefined ? { ups: r.ups } : {}), when: r.when as Expr,
    forSeconds: r.forSeconds ?? 0, ...(r.clear ? { clear: r.clear } : {}), onFire: r.onFire, onClear: r.onClear,
    ...(r.whenLine !== undefined ? { whenLine: r.whenLine } : {}), ...(r.clearLine !== undefined ? { clearLine: r.clearLine } : {}),
  }));
  return { ruleSet: { file, rules: done, timers, instcmds }, errors };
}

function ruleLine(r: Draft, kw: string, args: Token[], lineNo: number, word: (k: number, what: string) => string): void {
  const once = (present: unknown): void => { if (present !== undefined) throw new LineError(`${kw} given twice in rule '${r.name}'`); };
  switch (kw) {
    case 'UPS': {
      once(r.ups);
      const name = word(0, 'a UPS name');
      if (args.length !== 1) throw new LineError('UPS takes one name');
      const problem = frameNameProblem(name);
      if (problem !== undefined) throw new LineError(`UPS '${name}': ${problem}`);
      r.ups = name;
      return;
    }
    case 'FOR':
      once(r.forSeconds);
      if (args.length !== 1) throw new LineError('FOR takes a number of seconds');
      r.forSeconds = seconds(args[0], 'FOR');
      return;
    case 'WHEN': case 'CLEAR': {
      once(kw === 'WHEN' ? r.when : r.clear);
      const e = new ExprParser(args, r.terms).parseAll();
      const used: string[] = [];
      collectTimers(e, used);
      for (const t of used) r.uses.push({ line: lineNo, timer: t });
      if (kw === 'WHEN') { r.when = e; r.whenLine = lineNo; } else { r.clear = e; r.clearLine = lineNo; }
      return;
    }
    default: {
      if (r.onFire.length + r.onClear.length >= MAX_ACTIONS_PER_RULE) throw new LineError(`more than ${String(MAX_ACTIONS_PER_RULE)} actions in rule '${r.name}'`);
      const a = action(args, kw === 'DO' ? FIRE_ACTIONS : CLEAR_ACTIONS, kw);
      if (a.kind === 'start' || a.kind === 'cancel') r.uses.push({ line: lineNo, timer: a.timer });
      if (a.kind === 'instcmd') r.uses.push({ line: lineNo, instcmd: a.command });
      (kw === 'DO' ? r.onFire : r.onClear).push(a);
    }
  }
}
