// The device-script engine: runs one block as a state machine fed device bytes and timer events,
// and answers with what to write, when to wake it, and finally the outcome. It does no I/O and
// reads no clock: the driver passes `now`. A run never outlives its budget: every wait is capped
// at the block's deadline, so a slow, silent or chattering device ends the run on time.

import { checksumText, checksumWidth } from './checksum.js';
import { matchPattern } from './match.js';
import {
  MAX_REPLY_BYTES, MAX_SEND_BYTES, MAX_VALUE_LENGTH,
  type Block, type Condition, type Conversion, type Operand, type Source, type Step, type TemplatePart, type Transport,
} from './types.js';

export type Effect =
  | { kind: 'set'; name: string; value: string }
  | { kind: 'status'; token: string }
  | { kind: 'alarm'; text: string };

export type Outcome =
  | { ok: true; effects: Effect[] }
  | { ok: false; line: number; reason: string };

export interface EngineEnv {
  /** A published variable's value (the driver's state). */
  get(name: string): string | undefined;
  /** instcmd: the command's parameter (already checked against the block's rule). */
  param?: string;
  /** setvar: the value being set (already checked). */
  value?: string;
}

export interface Output {
  /** Bytes to send now, in order ('' = none). */
  write: string;
  /** When to call timer() next (ms, the caller's clock); null once done. */
  wakeAt: number | null;
  done: Outcome | null;
  /** Human-readable steps for --trace and -D. */
  trace: string[];
}

/** Printable form of device bytes for traces and logs. */
export function shownBytes(text: string): string {
  return text.replace(/[^\x20-\x7e]|\\/g, (c) => (c === '\\' ? '\\\\' : c === '\r' ? '\\r' : c === '\n' ? '\\n' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

type Mode = { kind: 'run' } | { kind: 'expect'; until: number } | { kind: 'delay'; until: number } | { kind: 'done' };

const NUMBER_RE = /^ *[+-]?(?:\d+\.?\d*|\.\d+) *$/;
const toNumber = (s: string): number | undefined => (s.length <= 64 && NUMBER_RE.test(s) ? Number(s) : undefined);
const printable = (s: string): boolean => s.length <= MAX_VALUE_LENGTH && !/[^\x20-\x7e]/.test(s);

/** NUT's str_trim_m(value, "# "), by index (no regex on device data). */
function trimHashSpace(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s[a] === '#' || s[a] === ' ')) a++;
  while (b > a && (s[b - 1] === '#' || s[b - 1] === ' ')) b--;
  return s.slice(a, b);
}

class StepFailed extends Error {}

export class BlockRun {
  private i = 0;
  private mode: Mode = { kind: 'run' };
  private rx = '';
  /** Terminator search resumes here: each received byte is looked at a bounded number of times. */
  private scanned = 0;
  private readonly budgetEnd: number;
  private readonly captures = new Map<string, string>();
  private readonly pending = new Map<string, string>();
  private readonly effects: Effect[] = [];
  private out: Output = { write: '', wakeAt: null, done: null, trace: [] };

  constructor(private readonly transport: Transport, private readonly block: Block, private readonly env: EngineEnv, now: number) {
    this.budgetEnd = now + transport.budgetMs;
  }

  /** Device bytes held now (bounded by MAX_REPLY_BYTES plus one chunk). */
  get buffered(): number {
    return this.rx.length;
  }

  get finished(): boolean {
    return this.mode.kind === 'done';
  }

  start(now: number): Output {
    this.out.trace.push(`${this.block.kind}${this.block.kind === 'instcmd' || this.block.kind === 'setvar' ? ` ${this.block.name}` : ''}: start`);
    return this.flush(() => this.advance(now));
  }

  /** Bytes from the device. Outside an expect they wait in the buffer (a send discards them). */
  bytes(chunk: string, now: number): Output {
    return this.flush(() => {
      if (this.mode.kind === 'done') return;
      this.rx += chunk;
      if (this.mode.kind === 'expect') this.tryFrame(now);
      else if (this.rx.length > MAX_REPLY_BYTES) this.rx = this.rx.slice(-MAX_REPLY_BYTES);
      // a device that never stops sending must not keep the run past its deadlines
      this.tick(now);
    });
  }

  timer(now: number): Output {
    return this.flush(() => this.tick(now));
  }

  private tick(now: number): void {
    const m = this.mode;
    if (m.kind === 'done' || m.kind === 'run') return;
    if (now >= this.budgetEnd) return this.finish({ ok: false, line: this.stepLine(), reason: `budget of ${this.transport.budgetMs} ms spent` });
    if (m.kind === 'expect' && now >= m.until) {
      const step = this.block.steps[this.i] as Extract<Step, { kind: 'expect' }>;
      if (step.orSilence) {
        this.out.trace.push('silence (accepted)');
        this.i++;
        this.mode = { kind: 'run' };
        return this.advance(now);
      }
      return this.finish({ ok: false, line: step.line, reason: `no reply within ${this.transport.timeoutMs} ms${this.rx ? ` (got "${shownBytes(this.rx.slice(0, 64))}" without a frame end)` : ''}` });
    }
    if (m.kind === 'delay' && now >= m.until) {
      this.i++;
      this.mode = { kind: 'run' };
      this.advance(now);
    }
  }

  private flush(fn: () => void): Output {
    try {
      fn();
    } catch (err) {
      if (!(err instanceof StepFailed)) throw err;
      this.finish({ ok: false, line: this.stepLine(), reason: err.message });
    }
    const o = this.out;
    o.wakeAt = this.mode.kind === 'expect' || this.mode.kind === 'delay' ? Math.min(this.mode.until, this.budgetEnd) : null;
    this.out = { write: '', wakeAt: null, done: null, trace: [] };
    return o;
  }

  private stepLine(): number {
    return this.block.steps[this.i]?.line ?? this.block.line;
  }

  private finish(o: Outcome): void {
    this.mode = { kind: 'done' };
    this.out.done = o;
    this.out.trace.push(o.ok ? `${this.block.kind}: ok` : `${this.block.kind}: failed at line ${o.line}: ${o.reason}`);
  }

  /** Runs steps until one has to wait or the block ends. */
  private advance(now: number): void {
    while (this.mode.kind === 'run') {
      if (now >= this.budgetEnd) return this.finish({ ok: false, line: this.stepLine(), reason: `budget of ${this.transport.budgetMs} ms spent` });
      const step = this.block.steps[this.i];
      if (!step) return this.finish({ ok: true, effects: this.effects });
      switch (step.kind) {
        case 'send': {
          if (step.when && !this.holds(step.when)) break;
          const bytes = this.render(step.parts);
          // like tcflush(TCIFLUSH) before a command: a late reply to the last one is not this one's
          this.rx = '';
          this.scanned = 0;
          this.out.write += bytes;
          this.out.trace.push(`send "${shownBytes(bytes)}"`);
          break;
        }
        case 'expect':
          this.mode = { kind: 'expect', until: Math.min(now + this.transport.timeoutMs, this.budgetEnd) };
          this.tryFrame(now);
          return;
        case 'delay':
          this.mode = { kind: 'delay', until: now + step.ms };
          if (now + step.ms > this.budgetEnd) this.mode = { kind: 'delay', until: this.budgetEnd };
          return;
        case 'set': {
          if (step.when && !this.holds(step.when)) break;
          const raw = this.value(step.source);
          if (raw === undefined) throw new StepFailed(`${step.name}: no value`);
          const v = this.convert(raw, step.conversions);
          if (v === undefined || v === '' || !printable(v)) throw new StepFailed(`${step.name}: unusable value "${shownBytes(raw.slice(0, 64))}"`);
          this.pending.set(step.name, v);
          this.effects.push({ kind: 'set', name: step.name, value: v });
          break;
        }
        case 'status':
          if (!step.when || this.holds(step.when)) this.effects.push({ kind: 'status', token: step.token });
          break;
        case 'alarm':
          if (!step.when || this.holds(step.when)) this.effects.push({ kind: 'alarm', text: step.text });
          break;
        case 'fail':
          if (!step.when || this.holds(step.when)) throw new StepFailed(step.text);
          break;
      }
      this.i++;
    }
  }

  /** In an expect: is a whole reply there? Then match it and go on. */
  private tryFrame(now: number): void {
    const step = this.block.steps[this.i] as Extract<Step, { kind: 'expect' }>;
    const f = this.transport.framing;
    let reply: string | undefined;
    if (f.kind === 'length') {
      if (this.rx.length >= f.n) { reply = this.rx.slice(0, f.n); this.rx = this.rx.slice(f.n); }
    } else {
      const at = this.rx.indexOf(f.text, this.scanned);
      if (at >= 0) {
        reply = this.rx.slice(0, at);
        this.rx = this.rx.slice(at + f.text.length);
        this.scanned = 0;
      } else {
        this.scanned = Math.max(0, this.rx.length - f.text.length + 1);
      }
    }
    if (reply === undefined) {
      if (this.rx.length > MAX_REPLY_BYTES) throw new StepFailed(`reply longer than ${MAX_REPLY_BYTES} bytes without a frame end`);
      return;
    }
    this.out.trace.push(`recv "${shownBytes(reply)}"`);
    if (reply.length > MAX_REPLY_BYTES) throw new StepFailed(`reply longer than ${MAX_REPLY_BYTES} bytes`);
    if (step.check) {
      const w = checksumWidth(step.check);
      const body = reply.slice(0, Math.max(0, reply.length - w));
      const want = checksumText(step.check, body);
      if (reply.length < w || reply.slice(body.length) !== want) {
        throw new StepFailed(`reply "${shownBytes(reply.slice(0, 64))}" fails its ${step.check.name} checksum (want "${shownBytes(want)}")`);
      }
      reply = body;
    }
    const caps = matchPattern(step.pattern, reply);
    if (!caps) throw new StepFailed(`reply "${shownBytes(reply.slice(0, 64))}" does not match "${shownBytes(step.pattern.source)}"`);
    for (const [k, v] of caps) this.captures.set(k, v);
    this.i++;
    this.mode = { kind: 'run' };
    this.advance(now);
  }

  private value(s: Source): string | undefined {
    switch (s.kind) {
      case 'capture': return this.captures.get(s.name);
      case 'var': return this.pending.get(s.name) ?? this.env.get(s.name);
      case 'param': return this.env.param ?? this.block.dfl;
      case 'value': return this.env.value;
      case 'literal': return s.text;
    }
  }

  private operand(o: Operand): number | undefined {
    if (o.kind === 'number') return o.n;
    const v = this.pending.get(o.name) ?? this.env.get(o.name);
    return v === undefined ? undefined : toNumber(v);
  }

  private holds(c: Condition): boolean {
    if (c.kind === 'all') return c.of.every((x) => this.holds(x));
    const v = this.value(c.source);
    if (v === undefined) return false;
    if (c.kind === 'bit') {
      const n = c.radix === 16 ? (/^[0-9a-fA-F]{1,8}$/.test(v) ? Number.parseInt(v, 16) : undefined) : (/^\d{1,10}$/.test(v) ? Number(v) : undefined);
      if (n === undefined) throw new StepFailed(`"${shownBytes(v.slice(0, 64))}" is not a number for a bit test`);
      return (Math.floor(n / 2 ** c.n) % 2 === 1) === c.set;
    }
    const a = toNumber(v);
    let b: number | undefined;
    if (c.against) {
      const w = this.value(c.against.source);
      if (w === undefined) return false;
      b = toNumber(w);
      if (a === undefined || b === undefined) throw new StepFailed(`"${shownBytes((a === undefined ? v : w).slice(0, 64))}" is not a number to compare`);
      b *= c.against.scale;
    } else {
      b = toNumber(c.operand);
    }
    if (a !== undefined && b !== undefined) {
      switch (c.op) {
        case '=': return a === b;
        case '!=': return a !== b;
        case '<': return a < b;
        case '<=': return a <= b;
        case '>': return a > b;
        case '>=': return a >= b;
      }
    }
    if (c.op === '=') return v === c.operand;
    if (c.op === '!=') return v !== c.operand;
    throw new StepFailed(`"${shownBytes(v.slice(0, 64))}" is not a number to compare`);
  }

  private convert(raw: string, conversions: Conversion[]): string | undefined {
    let s = raw;
    let num: number | undefined;
    const asNumber = (): number | undefined => num ?? toNumber(s);
    for (const c of conversions) {
      switch (c.kind) {
        case 'trim': s = trimHashSpace(s); num = undefined; break;
        case 'hex': if (!/^[0-9a-fA-F]{1,8}$/.test(s)) return undefined; num = Number.parseInt(s, 16); s = String(num); break;
        case 'bit': {
          const n = c.radix === 16 ? (/^[0-9a-fA-F]{1,8}$/.test(s) ? Number.parseInt(s, 16) : undefined) : (num ?? (/^\d{1,10}$/.test(s) ? Number(s) : undefined));
          if (n === undefined) return undefined;
          s = String(Math.floor(n / 2 ** c.n) % 2);
          num = undefined;
          break;
        }
        case 'map': { const m = c.entries.get(s); if (m === undefined) return undefined; s = m; num = undefined; break; }
        case 'scale': { const n = asNumber(); if (n === undefined) return undefined; num = n * c.by; s = String(num); break; }
        case 'offset': { const n = asNumber(); if (n === undefined) return undefined; num = n + c.by; s = String(num); break; }
        case 'percent': {
          const n = asNumber();
          const lo = this.operand(c.lo);
          const hi = this.operand(c.hi);
          if (n === undefined || lo === undefined || hi === undefined || hi <= lo) return undefined;
          num = Math.min(100, Math.max(0, (100 * (n - lo)) / (hi - lo)));
          s = String(num);
          break;
        }
        case 'decimals': { const n = asNumber(); if (n === undefined) return undefined; s = n.toFixed(c.n); num = undefined; break; }
      }
    }
    return s;
  }

  private render(parts: TemplatePart[]): string {
    let out = '';
    for (const p of parts) {
      if (p.kind === 'text') { out += p.text; continue; }
      if (p.kind === 'checksum') { out += checksumText(p.sum, out); continue; }
      let v = this.value(p.source);
      if (v === undefined) throw new StepFailed('send: a value it needs is not known');
      if (p.ops.length > 0) {
        let n = toNumber(v);
        if (n === undefined) throw new StepFailed(`send: "${shownBytes(v.slice(0, 64))}" is not a number`);
        let width = 0;
        for (const op of p.ops) {
          if (op.op === 'div') n = Math.trunc(n / op.n);
          else if (op.op === 'mul') n = n * op.n;
          else width = op.n;
        }
        n = Math.trunc(n);
        v = n < 0 ? `-${String(-n).padStart(width, '0')}` : String(n).padStart(width, '0');
      }
      out += v;
    }
    if (out.length > MAX_SEND_BYTES) throw new StepFailed(`send: longer than ${MAX_SEND_BYTES} bytes`);
    return out;
  }
}
