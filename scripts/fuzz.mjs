#!/usr/bin/env node
// `npm run fuzz [-- <vitest filters>]`: every fuzz target in test/fuzz, each property for
// FUZZ_SECONDS (default 3), and AFL++ on the C helper's parsers for AFL_SECONDS (default: the
// same), then a table of executions per second per target and per property.
// Long runs: FUZZ_SECONDS=600 npm run fuzz -- test/fuzz/tokenizer.fuzz.test.ts
// upsd-socket drives dist/hardnut.js: `npm run build` first.
// Exit status is vitest's: non-zero if any property failed (its report says how to replay it).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const seconds = process.env.FUZZ_SECONDS && process.env.FUZZ_SECONDS !== '' ? process.env.FUZZ_SECONDS : '3';
const work = mkdtempSync(join(tmpdir(), 'hardnut-fuzz-'));
const report = join(work, 'report.jsonl');
const filters = process.argv.slice(2);
/** The targets: the fast-check ones, and AFL++ on upsshutdown's parsers (it reports to the table too). */
const TARGETS = ['test/fuzz', 'test/helpers/afl-intent.test.ts'];
const started = Date.now();

const code = await new Promise((resolve) => {
  const child = spawn(process.execPath, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', ...(filters.length ? filters : TARGETS)], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, FUZZ_SECONDS: seconds, AFL_SECONDS: process.env.AFL_SECONDS || seconds, FUZZ_REPORT: report },
  });
  child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
});

let rows = [];
try {
  rows = readFileSync(report, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
} catch { /* no property finished */ }
rmSync(work, { recursive: true, force: true });

const failed = rows.filter((r) => r.failed);
const byTarget = new Map();
for (const r of rows.filter((x) => !x.failed)) {
  const t = byTarget.get(r.target) ?? { runs: 0, seconds: 0, props: [] };
  t.runs += r.runs;
  t.seconds += r.seconds;
  t.props.push(r);
  byTarget.set(r.target, t);
}
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const out = [`\nfuzz: ${rows.length} properties (${failed.length} failed), FUZZ_SECONDS=${seconds} each, ${((Date.now() - started) / 1000).toFixed(0)} s in all`];
out.push(`${'target'.padEnd(14)} ${'properties'.padStart(10)} ${'executions'.padStart(12)} ${'exec/s'.padStart(10)}`);
for (const [name, t] of [...byTarget].sort()) {
  out.push(`${name.padEnd(14)} ${String(t.props.length).padStart(10)} ${fmt(t.runs).padStart(12)} ${fmt(t.runs / t.seconds).padStart(10)}`);
}
out.push('\nper property (exec/s):');
for (const [name, t] of [...byTarget].sort()) {
  for (const p of t.props) out.push(`  ${fmt(p.runs / p.seconds).padStart(8)}  ${name}: ${p.name}`);
}
if (failed.length > 0) {
  out.push(`\nFAILED (${failed.length}; the test output above says how to replay each):`);
  for (const f of failed) out.push(`  ${f.target}: ${f.name} (after ${fmt(f.runs)} runs)`);
}
console.log(out.join('\n'));
process.exit(code);
