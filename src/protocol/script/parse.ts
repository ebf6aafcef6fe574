// The device-script parser: text in, a Script or a ScriptError with file:line out. Sans-I/O (the
// driver reads the file). The language has no loops, no eval and no file or process access: a
// script is a fixed list of blocks, each a fixed list of steps.

import { HardnutError } from '../../core/errors.js';
import {
  BAUD_RATES, CHECKSUMS, DEFAULT_BUDGET_MS, DEFAULT_TIMEOUT_MS, KEPT_OPTIONS, MAX_BLOCKS, MAX_BUDGET_MS, MAX_CAPTURES, MAX_CONDITIONS, MAX_DELAY_MS,
  MAX_FIXED_FIELD, MAX_LINE_LENGTH, MAX_MAP_ENTRIES, MAX_NAME_LENGTH, MAX_PATTERN_ELEMENTS, MAX_SCRIPT_BYTES,
  MAX_SCRIPT_LINES, MAX_SEND_BYTES, MAX_STEPS_PER_BLOCK, MAX_TEMPLATE_OPS, MAX_TERMINATOR_BYTES, MAX_TIMEOUT_MS,
  MAX_VALUE_LENGTH, MAX_VARIABLES, MAX_WORDS, MIN_TIMEOUT_MS, STATUS_TOKENS,
  type Block, type Checksum, type CompareOp, type Condition, type Conversion, type FieldClass, type KeptVariable, type Operand,
  type Pattern, type PatternElement, type Script, type Source, type Step, type TemplateOp, type TemplatePart,
  type Transport, type ValueRule,
} from './types.js';

/** A script that cannot be used; the message is `file:line: what`. */
export class ScriptError extends HardnutError {
  constructor(readonly file: string, readonly line: number, readonly reason: string) {
    super('ERR_SCRIPT', line > 0 ? `${file}:${line}: ${reason}` : `${file}: ${reason}`);
  }
}

/** One word of a line; `quoted` when it was a "string" (escapes resolved). */
interface Word { text: string; quoted: boolean }

/** NUT variable and command names: dotted lower-case words. */
const NAME_RE = /^[a-z0-9]+(?:\.[a-z0-9_]+)*$/;
const CAPTURE_RE = /^[a-z_][a-z0-9_]*$/;
/** Names a script may not publish: the runtime's own, and status/alarm which have their own steps. */
const RESERVED = (name: string): boolean => name.startsWith('driver.') || name === 'ups.status' || name === 'ups.alarm';

export function parseScript(input: string | Uint8Array, file: string): Script {
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
  if (text.length > MAX_SCRIPT_BYTES) throw new ScriptError(file, 0, `larger than ${MAX_SCRIPT_BYTES} bytes`);
  const p = new Parser(file);
  return p.run(text);
}

class Parser {
  private line = 0;
  private name = 'scripted';
  private transport: Transport = {
    kind: 'serial', baud: 2400, parity: 'none', dataBits: 8, dtr: true, rts: false,
    framing: { kind: 'terminator', text: '\r' }, timeoutMs: DEFAULT_TIMEOUT_MS, budgetMs: DEFAULT_BUDGET_MS,
  };
  private seen = new Set<string>();
  private blocks: Block[] = [];
  private current: Block | undefined;
  /** Captures defined so far in the current block (a later step may only use earlier ones). */
  private captures = new Map<string, FieldClass>();
  private variables = new Map<string, KeptVariable>();
  /** Line of a parity or databits directive (refused for tcp, which may come later). */
  private lineSettingAt = 0;

  constructor(private readonly file: string) {}

  private fail(reason: string): never {
    throw new ScriptError(this.file, this.line, reason);
  }

  run(text: string): Script {
    const lines = text.split('\n');
    if (lines.length > MAX_SCRIPT_LINES) throw new ScriptError(this.file, 0, `more than ${MAX_SCRIPT_LINES} lines`);
    for (let i = 0; i < lines.length; i++) {
      this.line = i + 1;
      const raw = (lines[i] as string).replace(/\r$/, '');
      if (raw.length > MAX_LINE_LENGTH) this.fail(`line longer than ${MAX_LINE_LENGTH} characters`);
      const words = this.words(raw);
      if (words.length === 0) continue;
      if (this.current) this.inBlock(words);
      else this.topLevel(words);
    }
    if (this.current) {
      this.line = this.current.line;
      this.fail(`block '${this.current.kind}' has no 'end'`);
    }
    this.line = 0;
    if (this.transport.kind === 'tcp' && this.lineSettingAt > 0) {
      this.line = this.lineSettingAt;
      this.fail('parity and databits are serial line settings (the transport is tcp)');
    }
    const poll = this.blocks.find((b) => b.kind === 'poll');
    if (!poll) this.fail("no 'poll' block");
    const byKind = (k: Block['kind']): Map<string, Block> => new Map(this.blocks.filter((b) => b.kind === k).map((b) => [b.name, b]));
    return {
      name: this.name,
      transport: this.transport,
      init: this.blocks.find((b) => b.kind === 'init'),
      poll,
      shutdown: this.blocks.find((b) => b.kind === 'shutdown'),
      instcmds: byKind('instcmd'),
      setvars: byKind('setvar'),
      variables: this.variables,
    };
  }

  /** Splits a line into words: "strings" with \r \n \t \\ \" \xHH escapes, # starts a comment. */
  private words(raw: string): Word[] {
    const out: Word[] = [];
    let i = 0;
    while (i < raw.length) {
      const c = raw[i] as string;
      if (c === ' ' || c === '\t') { i++; continue; }
      if (c === '#') break;
      if (out.length >= MAX_WORDS) this.fail(`more than ${MAX_WORDS} words on a line`);
      if (c === '"') {
        let s = '';
        i++;
        for (;;) {
          if (i >= raw.length) this.fail('unterminated string');
          const d = raw[i] as string;
          if (d === '"') { i++; break; }
          if (d !== '\\') { s += d; i++; continue; }
          const e = raw[i + 1];
          if (e === undefined) this.fail('unterminated string');
          if (e === 'r') s += '\r';
          else if (e === 'n') s += '\n';
          else if (e === 't') s += '\t';
          else if (e === '\\' || e === '"') s += e;
          else if (e === 'x') {
            const hex = raw.slice(i + 2, i + 4);
            if (!/^[0-9a-fA-F]{2}$/.test(hex)) this.fail('\\x needs two hex digits');
            s += String.fromCharCode(Number.parseInt(hex, 16));
            i += 2;
          } else this.fail(`unknown escape \\${e}`);
          i += 2;
        }
        if (i < raw.length && raw[i] !== ' ' && raw[i] !== '\t' && raw[i] !== '#') this.fail('a string must be followed by a space');
        out.push({ text: s, quoted: true });
        continue;
      }
      let j = i;
      while (j < raw.length && raw[j] !== ' ' && raw[j] !== '\t' && raw[j] !== '"') j++;
      if (raw[j] === '"') this.fail('a quote inside a word');
      out.push({ text: raw.slice(i, j), quoted: false });
      i = j;
    }
    return out;
  }

  private bare(w: Word | undefined, what: string): string {
    if (!w) this.fail(`missing ${what}`);
    if (w.quoted) this.fail(`${what} must not be quoted`);
    return w.text;
  }

  private quoted(w: Word | undefined, what: string): string {
    if (!w) this.fail(`missing ${what}`);
    if (!w.quoted) this.fail(`${what} must be a "quoted string"`);
    return w.text;
  }

  private int(w: Word | undefined, what: string, min: number, max: number): number {
    const t = this.bare(w, what);
    if (!/^\d{1,9}$/.test(t)) this.fail(`${what} must be a whole number, not '${t}'`);
    const n = Number(t);
    if (n < min || n > max) this.fail(`${what} must be ${min}…${max}, not ${n}`);
    return n;
  }

  private num(w: Word | undefined, what: string): number {
    const t = this.bare(w, what);
    if (!/^-?\d{1,12}(?:\.\d{1,17})?$/.test(t)) this.fail(`${what} must be a number, not '${t}'`);
    return Number(t);
  }

  private noMore(words: Word[], from: number): void {
    if (words.length > from) this.fail(`unexpected '${(words[from] as Word).text}'`);
  }

  private once(key: string): void {
    if (this.seen.has(key)) this.fail(`'${key}' given twice`);
    this.seen.add(key);
  }

  private onOff(w: Word | undefined, what: string): boolean {
    const t = this.bare(w, what);
    if (t === 'on') return true;
    if (t === 'off') return false;
    return this.fail(`${what} must be on or off, not '${t}'`);
  }

  private nutName(w: Word | undefined, what: string): string {
    const t = this.bare(w, what);
    if (t.length > MAX_NAME_LENGTH || !NAME_RE.test(t)) this.fail(`'${t}' is not a NUT ${what} name`);
    return t;
  }

  // ---- top level ----

  private topLevel(words: Word[]): void {
    const key = this.bare(words[0], 'directive');
    const t = this.transport;
    switch (key) {
      case 'name': this.once(key); this.name = this.quoted(words[1], 'name'); this.noMore(words, 2);
        if (this.name.length === 0 || this.name.length > MAX_NAME_LENGTH || /[^\x20-\x7e]/.test(this.name)) this.fail('name must be 1…64 printable characters');
        return;
      case 'transport': {
        this.once(key);
        const k = this.bare(words[1], 'transport');
        if (k !== 'serial' && k !== 'tcp') this.fail(`transport must be serial or tcp, not '${k}'`);
        t.kind = k;
        return this.noMore(words, 2);
      }
      case 'baud': {
        this.once(key);
        const n = this.int(words[1], 'baud', 1, 115200);
        if (!BAUD_RATES.includes(n)) this.fail(`baud must be one of ${BAUD_RATES.join(' ')}`);
        t.baud = n;
        return this.noMore(words, 2);
      }
      case 'parity': {
        this.once(key);
        const v = this.bare(words[1], 'parity');
        if (v !== 'none' && v !== 'even' && v !== 'odd') this.fail(`parity must be none, even or odd, not '${v}'`);
        t.parity = v;
        this.lineSettingAt = this.line;
        return this.noMore(words, 2);
      }
      case 'databits': {
        this.once(key);
        const n = this.int(words[1], 'databits', 7, 8);
        t.dataBits = n === 7 ? 7 : 8;
        this.lineSettingAt = this.line;
        return this.noMore(words, 2);
      }
      case 'dtr': this.once(key); t.dtr = this.onOff(words[1], 'dtr'); return this.noMore(words, 2);
      case 'rts': this.once(key); t.rts = this.onOff(words[1], 'rts'); return this.noMore(words, 2);
      case 'terminator': {
        this.once('framing');
        const s = this.quoted(words[1], 'terminator');
        if (s.length < 1 || s.length > MAX_TERMINATOR_BYTES) this.fail(`terminator must be 1…${MAX_TERMINATOR_BYTES} bytes`);
        t.framing = { kind: 'terminator', text: s };
        return this.noMore(words, 2);
      }
      case 'length': {
        this.once('framing');
        t.framing = { kind: 'length', n: this.int(words[1], 'length', 1, MAX_FIXED_FIELD) };
        return this.noMore(words, 2);
      }
      case 'timeout': this.once(key); t.timeoutMs = this.int(words[1], 'timeout', MIN_TIMEOUT_MS, MAX_TIMEOUT_MS); return this.noMore(words, 2);
      case 'budget': this.once(key); t.budgetMs = this.int(words[1], 'budget', MIN_TIMEOUT_MS, MAX_BUDGET_MS); return this.noMore(words, 2);
      case 'variable': return this.variable(words);
      case 'init': case 'poll': case 'shutdown': {
        this.once(key);
        this.noMore(words, 1);
        return this.open({ kind: key, name: key, line: this.line, steps: [], rule: { kind: 'any' } });
      }
      case 'instcmd': case 'setvar': {
        const name = this.nutName(words[1], key === 'instcmd' ? 'command' : 'variable');
        if (key === 'setvar' && RESERVED(name)) this.fail(`${name} cannot be set by a script`);
        this.once(`${key} ${name}`);
        if (key === 'setvar' && this.variables.has(name)) this.fail(`${name} is already a kept variable`);
        const block: Block = { kind: key, name, line: this.line, steps: [], rule: { kind: 'any' } };
        let i = 2;
        while (i < words.length) {
          const w = this.bare(words[i], 'option');
          if (w === 'range') { block.rule = this.range(words[i + 1]); i += 2; }
          else if (w === 'values') {
            const values = words.slice(i + 1).map((v) => v.text);
            if (values.length === 0 || values.length > MAX_MAP_ENTRIES) this.fail(`values takes 1…${MAX_MAP_ENTRIES} values`);
            block.rule = { kind: 'values', values };
            i = words.length;
          } else if (w === 'default' && key === 'instcmd') { block.dfl = this.bare(words[i + 1], 'default'); i += 2; }
          else this.fail(`unknown option '${w}'`);
        }
        if (block.dfl !== undefined && !ruleAccepts(block.rule, block.dfl)) this.fail(`default ${block.dfl} is not allowed by the rule`);
        return this.open(block);
      }
      case 'end': return this.fail("'end' without a block");
      default: return this.fail(`unknown directive '${key}'`);
    }
  }

  private range(w: Word | undefined): ValueRule {
    const t = this.bare(w, 'range');
    const m = /^(-?\d{1,9})\.\.(-?\d{1,9})$/.exec(t);
    if (!m) this.fail(`range must be MIN..MAX, not '${t}'`);
    const min = Number(m[1]);
    const max = Number(m[2]);
    if (min > max) this.fail(`range ${t} is empty`);
    return { kind: 'range', min, max };
  }

  /** variable NAME default V [range MIN..MAX] [round N [below M]]… [option ondelay|offdelay] */
  private variable(words: Word[]): void {
    const name = this.nutName(words[1], 'variable');
    if (RESERVED(name)) this.fail(`${name} cannot be set by a script`);
    if (this.variables.has(name)) this.fail(`variable ${name} given twice`);
    if (this.variables.size >= MAX_VARIABLES) this.fail(`more than ${MAX_VARIABLES} variables`);
    const v: KeptVariable = { name, line: this.line, dfl: '', rounding: [] };
    let dfl: string | undefined;
    let i = 2;
    while (i < words.length) {
      const w = this.bare(words[i], 'option');
      if (w === 'default') { dfl = (words[i + 1] ?? this.fail('missing default')).text; i += 2; }
      else if (w === 'range') { const r = this.range(words[i + 1]); if (r.kind === 'range') v.range = { min: r.min, max: r.max }; i += 2; }
      else if (w === 'round') {
        const step = this.int(words[i + 1], 'round', 1, 1_000_000);
        i += 2;
        if (words[i]?.text === 'below' && !words[i]?.quoted) { v.rounding.push({ step, below: this.int(words[i + 1], 'below', 1, 1_000_000_000) }); i += 2; }
        else v.rounding.push({ step });
        if (v.rounding.length > MAX_TEMPLATE_OPS) this.fail(`more than ${MAX_TEMPLATE_OPS} round rules`);
      } else if (w === 'option') {
        const o = this.bare(words[i + 1], 'option');
        const known = KEPT_OPTIONS.find((k) => k === o);
        if (!known) this.fail(`option must be one of ${KEPT_OPTIONS.join(' ')}, not '${o}'`);
        if ([...this.variables.values()].some((x) => x.option === known)) this.fail(`option ${known} given to two variables`);
        v.option = known;
        i += 2;
      } else this.fail(`unknown option '${w}'`);
    }
    if (dfl === undefined) this.fail('variable needs a default');
    if (dfl.length > MAX_VALUE_LENGTH) this.fail('default too long');
    v.dfl = dfl;
    this.variables.set(name, v);
  }

  private open(block: Block): void {
    if (this.blocks.length >= MAX_BLOCKS) this.fail(`more than ${MAX_BLOCKS} blocks`);
    this.current = block;
    this.captures = new Map();
  }

  // ---- steps ----

  private inBlock(words: Word[]): void {
    const block = this.current as Block;
    const key = this.bare(words[0], 'step');
    if (key === 'end') {
      this.noMore(words, 1);
      this.blocks.push(block);
      this.current = undefined;
      return;
    }
    if (block.steps.length >= MAX_STEPS_PER_BLOCK) this.fail(`more than ${MAX_STEPS_PER_BLOCK} steps in a block`);
    const line = this.line;
    let step: Step;
    switch (key) {
      case 'send': {
        const parts = this.template(this.quoted(words[1], 'send text'), block);
        const when = this.when(words, 2, block);
        step = { kind: 'send', line, parts, ...(when ? { when } : {}) };
        break;
      }
      case 'expect': {
        const pattern = this.pattern(this.quoted(words[1], 'pattern'));
        let orSilence = false;
        let check: Checksum | undefined;
        let i = 2;
        if (words[i]?.text === 'check' && !words[i]?.quoted) { check = this.checksum(words[i + 1], words[i + 2]); i += 3; }
        if (words.length > i) {
          if (words[i]?.text !== 'or' || words[i + 1]?.text !== 'silence') this.fail("expect \"PATTERN\" may end with 'check NAME hex|raw' and 'or silence' only");
          this.noMore(words, i + 2);
          orSilence = true;
        }
        step = { kind: 'expect', line, pattern, orSilence, ...(check ? { check } : {}) };
        break;
      }
      case 'delay': step = { kind: 'delay', line, ms: this.int(words[1], 'delay', 0, MAX_DELAY_MS) }; this.noMore(words, 2); break;
      case 'set': {
        const name = this.nutName(words[1], 'variable');
        if (RESERVED(name)) this.fail(`${name} cannot be set by a script (use status/alarm)`);
        const source = this.source(words[2], block);
        const conversions: Conversion[] = [];
        let i = 3;
        while (i < words.length && words[i]?.text !== 'when') i = this.conversion(words, i, conversions, source);
        const when = this.when(words, i, block);
        step = { kind: 'set', line, name, source, conversions, ...(when ? { when } : {}) };
        break;
      }
      case 'status': {
        const token = this.bare(words[1], 'status token');
        if (!STATUS_TOKENS.has(token)) this.fail(`'${token}' is not a NUT status token (${[...STATUS_TOKENS].join(' ')})`);
        const when = this.when(words, 2, block);
        step = { kind: 'status', line, token, ...(when ? { when } : {}) };
        break;
      }
      case 'alarm':
      case 'fail': {
        const text = this.quoted(words[1], `${key} text`);
        if (text.length === 0 || text.length > MAX_VALUE_LENGTH || /[^\x20-\x7e]/.test(text)) this.fail(`${key} text must be 1…255 printable characters`);
        const when = this.when(words, 2, block);
        step = { kind: key, line, text, ...(when ? { when } : {}) };
        break;
      }
      default: return this.fail(`unknown step '${key}'`);
    }
    block.steps.push(step);
  }

  /** `when COND [and COND]…` from words[i] to the end, or nothing. */
  private when(words: Word[], i: number, block: Block): Condition | undefined {
    if (i >= words.length) return undefined;
    if (words[i]?.text !== 'when' || words[i]?.quoted) this.fail(`unexpected '${(words[i] as Word).text}' (expected 'when')`);
    const all: Condition[] = [];
    let j = i + 1;
    for (;;) {
      if (all.length >= MAX_CONDITIONS) this.fail(`more than ${MAX_CONDITIONS} conditions in one 'when'`);
      const [c, next] = this.condition(words, j, block);
      all.push(c);
      if (next >= words.length) break;
      if (words[next]?.text !== 'and' || words[next]?.quoted) this.fail(`unexpected '${(words[next] as Word).text}' (expected 'and')`);
      j = next + 1;
    }
    return all.length === 1 ? all[0] : { kind: 'all', of: all };
  }

  /**
   * One condition at words[i]: SOURCE bit|nobit N, SOURCE OP "text"|number, or SOURCE OP
   * {capture}|$variable [scale X] (numbers on both sides); returns it and the index after it.
   */
  private condition(words: Word[], i: number, block: Block): [Condition, number] {
    const source = this.source(words[i], block);
    const op = this.bare(words[i + 1], 'comparison');
    if (op === 'bit' || op === 'nobit') {
      const n = this.int(words[i + 2], 'bit', 0, 31);
      return [{ kind: 'bit', source, n, set: op === 'bit', radix: this.radix(source) }, i + 3];
    }
    if (!['=', '!=', '<', '<=', '>', '>='].includes(op)) this.fail(`unknown comparison '${op}'`);
    const w = words[i + 2] ?? this.fail('missing value to compare with');
    if (!w.quoted && (w.text.startsWith('{') || w.text.startsWith('$'))) {
      const other = this.sourceWord(w.text, block);
      let scale = 1;
      let next = i + 3;
      if (words[next]?.text === 'scale' && !words[next]?.quoted) { scale = this.num(words[next + 1], 'scale'); next += 2; }
      return [{ kind: 'compare', source, op: op as CompareOp, operand: w.text, against: { source: other, scale } }, next];
    }
    return [{ kind: 'compare', source, op: op as CompareOp, operand: w.text }, i + 3];
  }

  /** {capture}, $variable, param, value, or a "literal". */
  private source(w: Word | undefined, block: Block): Source {
    if (!w) this.fail('missing value');
    if (w.quoted) {
      if (w.text.length > MAX_VALUE_LENGTH) this.fail('literal too long');
      return { kind: 'literal', text: w.text };
    }
    return this.sourceWord(w.text, block);
  }

  private sourceWord(t: string, block: Block): Source {
    if (t.startsWith('{') && t.endsWith('}')) {
      const name = t.slice(1, -1);
      if (!this.captures.has(name)) this.fail(`no capture {${name}} before this step`);
      return { kind: 'capture', name };
    }
    if (t.startsWith('$')) {
      const name = t.slice(1);
      if (name.length > MAX_NAME_LENGTH || !NAME_RE.test(name)) this.fail(`'${t}' is not a variable`);
      return { kind: 'var', name };
    }
    if (t === 'param') {
      if (block.kind !== 'instcmd') this.fail('param exists only in an instcmd block');
      return { kind: 'param' };
    }
    if (t === 'value') {
      if (block.kind !== 'setvar') this.fail('value exists only in a setvar block');
      return { kind: 'value' };
    }
    return this.fail(`'${t}' is not a value ({capture}, $variable, param, value or "text")`);
  }

  /** A {…:hex} capture is read as hexadecimal by bit tests; everything else as decimal. */
  private radix(source: Source): 10 | 16 {
    return source.kind === 'capture' && this.captures.get(source.name) === 'hex' ? 16 : 10;
  }

  private operand(w: Word | undefined, what: string): Operand {
    const t = this.bare(w, what);
    if (t.startsWith('$')) {
      const name = t.slice(1);
      if (!NAME_RE.test(name)) this.fail(`'${t}' is not a variable`);
      return { kind: 'var', name };
    }
    return { kind: 'number', n: this.num(w, what) };
  }

  /** One conversion at words[i]; returns the index after it. */
  private conversion(words: Word[], i: number, out: Conversion[], source: Source): number {
    if (out.length >= MAX_TEMPLATE_OPS * 2) this.fail('too many conversions');
    const c = this.bare(words[i], 'conversion');
    switch (c) {
      case 'bit': out.push({ kind: 'bit', n: this.int(words[i + 1], 'bit', 0, 31), radix: out.length === 0 ? this.radix(source) : 10 }); return i + 2;
      case 'hex': out.push({ kind: 'hex' }); return i + 1;
      case 'trim': out.push({ kind: 'trim' }); return i + 1;
      case 'scale': out.push({ kind: 'scale', by: this.num(words[i + 1], 'scale') }); return i + 2;
      case 'offset': out.push({ kind: 'offset', by: this.num(words[i + 1], 'offset') }); return i + 2;
      case 'decimals': out.push({ kind: 'decimals', n: this.int(words[i + 1], 'decimals', 0, 6) }); return i + 2;
      case 'percent': out.push({ kind: 'percent', lo: this.operand(words[i + 1], 'percent low'), hi: this.operand(words[i + 2], 'percent high') }); return i + 3;
      case 'map': {
        // map KEY=VALUE … ; a value with spaces is quoted whole: "1=offline / line interactive"
        const entries = new Map<string, string>();
        let j = i + 1;
        while (j < words.length && words[j]?.text !== 'when' && (words[j]?.quoted || (words[j]?.text ?? '').includes('='))) {
          const t = (words[j] as Word).text;
          const eq = t.indexOf('=');
          if (eq < 0) this.fail(`map entry '${t}' needs KEY=VALUE`);
          if (entries.size >= MAX_MAP_ENTRIES) this.fail(`more than ${MAX_MAP_ENTRIES} map entries`);
          const v = t.slice(eq + 1);
          if (v.length > MAX_VALUE_LENGTH) this.fail('map value too long');
          entries.set(t.slice(0, eq), v);
          j++;
        }
        if (entries.size === 0) this.fail('map needs KEY=VALUE entries');
        out.push({ kind: 'map', entries });
        return j;
      }
      default: return this.fail(`unknown conversion '${c}'`);
    }
  }

  /** A checksum from the fixed list and its encoding. */
  private checksum(name: Word | undefined, enc: Word | undefined): Checksum {
    const n = this.bare(name, 'checksum');
    const known = CHECKSUMS.find((c) => c === n);
    if (!known) this.fail(`unknown checksum '${n}' (${CHECKSUMS.join(' ')})`);
    const e = this.bare(enc, 'checksum encoding');
    if (e !== 'hex' && e !== 'raw') this.fail(`checksum encoding must be hex or raw, not '${e}'`);
    return { name: known, enc: e };
  }

  /** send text: literal bytes, {source op N …} fields and {CHECKSUM hex|raw}; {{ is a literal {. */
  private template(text: string, block: Block): TemplatePart[] {
    const parts: TemplatePart[] = [];
    let lit = '';
    let bytes = 0;
    for (let i = 0; i < text.length;) {
      const c = text[i] as string;
      if (c === '{' && text[i + 1] === '{') { lit += '{'; i += 2; continue; }
      if (c !== '{') { lit += c; i++; continue; }
      const close = text.indexOf('}', i);
      if (close < 0) this.fail("'{' without '}' in send text");
      const words = text.slice(i + 1, close).split(' ').filter((w) => w !== '');
      if (words.length === 0) this.fail('empty {} in send text');
      const head = words[0] as string;
      if (CHECKSUMS.some((c) => c === head)) {
        if (words.length !== 2) this.fail(`{${head} hex|raw} takes only its encoding`);
        if (lit) { parts.push({ kind: 'text', text: lit }); bytes += lit.length; lit = ''; }
        parts.push({ kind: 'checksum', sum: this.checksum({ text: head, quoted: false }, { text: words[1] as string, quoted: false }) });
        bytes += 4;
        i = close + 1;
        continue;
      }
      const source = head.startsWith('$') || head === 'param' || head === 'value'
        ? this.sourceWord(head, block)
        : this.sourceWord(`{${head}}`, block);
      const ops: TemplateOp[] = [];
      for (let k = 1; k < words.length; k += 2) {
        const op = words[k] as string;
        if (op !== 'div' && op !== 'mul' && op !== 'pad') this.fail(`unknown operation '${op}' in send text (div, mul, pad)`);
        const n = this.int({ text: words[k + 1] ?? '', quoted: false }, op, op === 'div' ? 1 : 0, op === 'pad' ? 16 : 1_000_000);
        ops.push({ op, n });
      }
      if (ops.length > MAX_TEMPLATE_OPS) this.fail(`more than ${MAX_TEMPLATE_OPS} operations in one field`);
      if (lit) { parts.push({ kind: 'text', text: lit }); bytes += lit.length; lit = ''; }
      parts.push({ kind: 'field', source, ops });
      bytes += 16;
      i = close + 1;
    }
    if (lit) { parts.push({ kind: 'text', text: lit }); bytes += lit.length; }
    if (bytes === 0) this.fail('send text is empty');
    if (bytes > MAX_SEND_BYTES) this.fail(`send text longer than ${MAX_SEND_BYTES} bytes`);
    return parts;
  }

  /** expect pattern: literal bytes and {name:class} / {:class} fields; {{ is a literal {. */
  private pattern(source: string): Pattern {
    const elements: PatternElement[] = [];
    let lit = '';
    const push = (e: PatternElement): void => {
      if (elements.length >= MAX_PATTERN_ELEMENTS) this.fail(`more than ${MAX_PATTERN_ELEMENTS} pattern elements`);
      elements.push(e);
    };
    for (let i = 0; i < source.length;) {
      const c = source[i] as string;
      if (c === '{' && source[i + 1] === '{') { lit += '{'; i += 2; continue; }
      if (c !== '{') { lit += c; i++; continue; }
      const close = source.indexOf('}', i);
      if (close < 0) this.fail("'{' without '}' in pattern");
      const inner = source.slice(i + 1, close);
      const colon = inner.indexOf(':');
      if (colon < 0) this.fail(`pattern field {${inner}} needs {name:class}`);
      const name = inner.slice(0, colon);
      const clsText = inner.slice(colon + 1);
      if (name !== '') {
        if (!CAPTURE_RE.test(name) || name.length > MAX_NAME_LENGTH) this.fail(`'${name}' is not a capture name`);
        if (this.captures.has(name)) this.fail(`capture {${name}} defined twice in this block`);
        if (this.captures.size >= MAX_CAPTURES) this.fail(`more than ${MAX_CAPTURES} captures in a block`);
      }
      let cls: FieldClass;
      if (clsText === 'num' || clsText === 'int' || clsText === 'hex' || clsText === 'word' || clsText === 'bit' || clsText === 'rest') cls = clsText;
      else if (/^\d{1,3}$/.test(clsText) && Number(clsText) >= 1 && Number(clsText) <= MAX_FIXED_FIELD) cls = { fixed: Number(clsText) };
      else this.fail(`unknown field class '${clsText}' (num int hex word bit rest or a count 1…${MAX_FIXED_FIELD})`);
      const prev = elements[elements.length - 1];
      if (lit === '' && prev?.kind === 'field' && prev.cls === 'rest') this.fail('{…:rest} must be the last field');
      if (lit) { push({ kind: 'lit', text: lit }); lit = ''; }
      if (elements[elements.length - 1]?.kind === 'field' && (elements[elements.length - 1] as { cls: FieldClass }).cls === 'rest') this.fail('{…:rest} must be the last field');
      push({ kind: 'field', name: name === '' ? null : name, cls });
      if (name !== '') this.captures.set(name, cls);
      i = close + 1;
    }
    if (lit) {
      if (elements[elements.length - 1]?.kind === 'field' && (elements[elements.length - 1] as { cls: FieldClass }).cls === 'rest') this.fail('{…:rest} must be the last field');
      push({ kind: 'lit', text: lit });
    }
    return { source, elements };
  }
}

/** Whether a parameter or SET value passes a block's rule. */
export function ruleAccepts(rule: ValueRule, value: string): boolean {
  switch (rule.kind) {
    case 'any': return value.length <= MAX_VALUE_LENGTH && !/[^\x20-\x7e]/.test(value);
    case 'values': return rule.values.includes(value);
    case 'range': {
      if (!/^-?\d{1,9}$/.test(value)) return false;
      const n = Number(value);
      return n >= rule.min && n <= rule.max;
    }
  }
}
