// The time-boxed fuzz runner shared by every target in test/fuzz (README.md there).
//
// Each property runs for FUZZ_SECONDS (default 1 under `npm test`; `npm run fuzz` passes 3) and
// prints its executions per second. Replay a failure with FUZZ_SEED (and FUZZ_PATH) from the
// report fast-check prints; then add the counterexample to test/regression/fuzz-found.test.ts.
// With FUZZ_REPORT=<file>, one JSON line per property is appended there (scripts/fuzz.mjs reads
// it to print the per-target table).
import { it, expect } from 'vitest';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';

/** Default seconds per property when FUZZ_SECONDS is not set: keeps `npm test` short. */
export const DEFAULT_FUZZ_SECONDS = 1;

function envNumber(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

const SECONDS = envNumber('FUZZ_SECONDS') ?? DEFAULT_FUZZ_SECONDS;
export const FUZZ_MS = Math.max(100, Math.round(SECONDS * 1000));
const SEED = envNumber('FUZZ_SEED');
const PATH = process.env['FUZZ_PATH'];
const REPORT = process.env['FUZZ_REPORT'];

export interface FuzzOptions<T> {
  /** Values checked first on every run: seeds worth keeping, and counterexamples found before. */
  examples?: T[];
}

interface Counter { runs: number }

function params<T>(opts: FuzzOptions<T>): fc.Parameters<[T]> {
  const p: fc.Parameters<[T]> = {
    numRuns: Number.MAX_SAFE_INTEGER,
    plugins: [fc.interruptAfterTimeLimit(FUZZ_MS) as fc.Plugin<[T]>],
  };
  if (opts.examples !== undefined) p.examples = opts.examples.map((e): [T] => [e]);
  if (SEED !== undefined) p.seed = SEED;
  if (PATH !== undefined) p.path = PATH;
  return p;
}

function report(target: string, name: string, c: Counter, start: number, failed = false): void {
  const secs = (performance.now() - start) / 1000;
  const perSec = Math.round(c.runs / secs);
  if (!failed) console.log(`fuzz ${target}: ${name}: ${c.runs} runs in ${secs.toFixed(1)} s = ${perSec}/s`);
  if (REPORT) appendFileSync(REPORT, `${JSON.stringify({ target, name, runs: c.runs, seconds: secs, failed })}\n`);
}

/** Longest counterexample text put in the test output; the whole one goes to a file. */
const MAX_SHOWN = 1500;

/**
 * A failure, readable: seed and path to replay it, the error, the (shrunk) counterexample cut to
 * MAX_SHOWN characters — inputs can be megabytes — and the file holding all of it.
 */
/** Bytes as a latin1 string, in slices: a spread of a counterexample of ~120 KB overflows the stack. */
function latin1Of(bytes: number[]): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192) out += String.fromCharCode(...bytes.slice(i, i + 8192));
  return out;
}

function failure<T>(target: string, name: string, d: fc.RunDetails<[T]>): Error {
  const err = d.errorInstance instanceof Error ? d.errorInstance.message : String(d.errorInstance);
  // Bytes shown as latin1("…") (the helper below gives them back exactly), not as number lists.
  const example = fc.stringify(d.counterexample).replace(/Uint8Array\.from\(\[([\d,]*)\]\)/g,
    (_, nums: string) => `latin1(${JSON.stringify(nums === '' ? '' : latin1Of(nums.split(',').map(Number)))})`);
  // outside the run's own temp dir, which the leak check empties (test/support/leakcheck.ts)
  const dir = join(process.env['HN_TEST_KEEP_TMPDIR'] ?? tmpdir(), 'hardnut-fuzz-failures');
  const file = join(dir, `${target}--${name.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 80)}.txt`);
  const replay = `FUZZ_SEED=${d.seed} FUZZ_PATH=${JSON.stringify(d.counterexamplePath ?? '')}`;
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, `${target}: ${name}\nreplay: ${replay}\nerror: ${err}\ncounterexample:\n${example}\n`);
  } catch { /* the report below is enough */ }
  const shown = example.length > MAX_SHOWN ? `${example.slice(0, MAX_SHOWN)}… (${example.length} chars, all in ${file})` : example;
  return new Error(`fuzz ${target}: ${name}: failed after ${d.numRuns} runs (${d.numShrinks} shrinks)\n`
    + `replay: ${replay}\ncounterexample: ${shown}\nerror: ${err.length > 4 * MAX_SHOWN ? `${err.slice(0, 4 * MAX_SHOWN)}…` : err}`);
}

/** Declares a test that checks `predicate` on generated values until FUZZ_MS elapse. */
export function fuzz<T>(target: string, name: string, arb: fc.Arbitrary<T>, predicate: (v: T) => void, opts: FuzzOptions<T> = {}): void {
  it(name, () => {
    const c: Counter = { runs: 0 };
    const start = performance.now();
    const d = fc.check(fc.property(arb, (v) => { c.runs++; predicate(v); }), params(opts));
    report(target, name, c, start, d.failed);
    if (d.failed) throw failure(target, name, d);
    expect(c.runs).toBeGreaterThan(0);
  }, FUZZ_MS + 60_000);
}

/** The same for properties that do I/O (a real socket): each check is awaited before the next. */
export function fuzzAsync<T>(target: string, name: string, arb: fc.Arbitrary<T>, predicate: (v: T) => Promise<void>, opts: FuzzOptions<T> = {}): void {
  it(name, async () => {
    const c: Counter = { runs: 0 };
    const start = performance.now();
    const d = await fc.check(fc.asyncProperty(arb, async (v) => { c.runs++; await predicate(v); }), params(opts));
    report(target, name, c, start, d.failed);
    if (d.failed) throw failure(target, name, d);
    expect(c.runs).toBeGreaterThan(0);
  }, FUZZ_MS + 120_000);
}

/**
 * A check for hot loops: costs nothing when it holds (expect() allocates on every call, which
 * halves the executions per second of a property that checks every word of every line).
 */
export function ensure(ok: boolean, what: () => string): void {
  if (!ok) throw new Error(what());
}

// ---- byte helpers shared by the targets ----

const encoder = new TextEncoder();

export function bytes(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Latin-1: one byte per char code 0–255, so generated strings can carry any byte. */
export function latin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let i = 0;
  for (const p of parts) {
    out.set(p, i);
    i += p.length;
  }
  return out;
}

/** Splits at the given offsets (taken modulo length + 1, deduplicated, sorted). */
export function splitAt(data: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(data.subarray(prev, p));
    prev = p;
  }
  out.push(data.subarray(prev));
  return out;
}

/** Number of lines a reader may cite for this input: LFs + 1 (a last line without LF counts). */
export function lineCount(input: Uint8Array): number {
  let n = 1;
  for (const b of input) if (b === 0x0a) n++;
  return n;
}
