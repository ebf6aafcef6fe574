// AFL++ on upsshutdown's parsers (helpers/afl_intent.c: the checks of the libFuzzer target
// fuzz_intent.c in AFL++'s persistent mode, under ASan + UBSan), issue 6. Builds the harness
// with `make afl` (afl-clang-fast) into a temp dir and runs afl-fuzz for AFL_SECONDS (default
// 30, `-V`) from helpers/fuzz-seeds; prints executions per second, and adds a row to
// `npm run fuzz`'s table (FUZZ_REPORT, as test/fuzz/harness.ts does). Takes AFL_SECONDS + ~3 s.
import { execFile } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { canBuildHelpers, HELPER_BUILD, onPath, requirePeer } from '../support/peers.js';
import { HELPERS_DIR, make } from './support.js';

const SECONDS = Math.max(1, Number(process.env['AFL_SECONDS'] ?? 30) || 30);

const dir = mkdtempSync(join(tmpdir(), 'hn-afl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, timeout: timeoutMs, maxBuffer: 64 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

/** fuzzer_stats: `key : value` lines. */
function stats(file: string): Map<string, string> {
  return new Map(readFileSync(file, 'utf8').split('\n').map((l) => l.split(/\s*:\s*/, 2)).filter((kv): kv is [string, string] => kv.length === 2));
}

describe('upsshutdown intent/config parsers under AFL++', () => {
  it(`afl-fuzz for ${SECONDS} s (persistent mode, ASan + UBSan): no crash, no hang`, async (ctx) => {
    requirePeer(ctx, onPath('afl-fuzz') && onPath('afl-clang-fast'), 'AFL++ (apt afl++: afl-fuzz, afl-clang-fast)'); requirePeer(ctx, canBuildHelpers(), HELPER_BUILD);
    make(['afl', `O=${dir}`]);
    const out = join(dir, 'afl-out');
    const started = Date.now();
    const { code, output } = await run('afl-fuzz', [
      '-i', join(HELPERS_DIR, 'fuzz-seeds'), '-o', out, '-V', String(SECONDS), '-t', '1000', '-m', 'none', '--', join(dir, 'afl_intent'),
    ], {
      ...process.env,
      // a container or a shared CI machine: no CPU governor to check, core dumps go to a pipe,
      // and other jobs use the cores (no pinning); no curses UI in a log
      AFL_SKIP_CPUFREQ: '1', AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES: '1', AFL_NO_AFFINITY: '1', AFL_NO_UI: '1',
    }, (SECONDS + 120) * 1000);
    const elapsed = (Date.now() - started) / 1000;
    const s = stats(join(out, 'default', 'fuzzer_stats'));
    const num = (k: string): number => Number(s.get(k) ?? NaN);
    const crashes = readdirSync(join(out, 'default', 'crashes')).filter((f) => f.startsWith('id:'));
    const hangs = readdirSync(join(out, 'default', 'hangs')).filter((f) => f.startsWith('id:'));
    console.log(`afl_intent: ${String(num('execs_done'))} execs in ${elapsed.toFixed(1)} s, ${String(Math.round(num('execs_per_sec')))} exec/s, `
      + `corpus ${String(num('corpus_count'))} inputs, ${String(num('saved_crashes'))} crashes, ${String(num('saved_hangs'))} hangs`);

    const report = process.env['FUZZ_REPORT'];
    if (report) {
      appendFileSync(report, `${JSON.stringify({ target: 'afl-intent', name: 'afl-fuzz, persistent mode, ASan + UBSan', runs: num('execs_done'), seconds: num('run_time'), failed: code !== 0 || crashes.length + hangs.length > 0 })}\n`);
    }

    expect(code, output.slice(-3000)).toBe(0);
    expect(output).toMatch(/persistent mode/i);
    expect(crashes, `replay: ${join(dir, 'afl_intent')} < ${join(out, 'default', 'crashes', crashes[0] ?? '')}`).toEqual([]);
    expect(hangs).toEqual([]);
    expect(num('saved_crashes')).toBe(0);
    expect(num('saved_hangs')).toBe(0);
    expect(num('run_time')).toBeGreaterThanOrEqual(SECONDS - 1);
    expect(num('execs_done')).toBeGreaterThan(SECONDS * 100);
  }, (SECONDS + 180) * 1000);
});
