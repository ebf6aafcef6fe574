// The libFuzzer target for upsshutdown's parsers (helpers/fuzz_intent.c) under ASan + UBSan, for
// at least 60 s per CI run (issue 5). Takes about 65 s: ~1 s to build, 60 s of fuzzing, teardown.
// HELPER_FUZZ_SECONDS raises the time (never below 60 under CI; locally it may be lowered).
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { canBuildHelpers, HELPER_BUILD, inCI, onPath, requirePeer } from '../support/peers.js';
import { HELPERS_DIR, make } from './support.js';

const MIN_CI_SECONDS = 60;
const requested = Number(process.env['HELPER_FUZZ_SECONDS'] ?? MIN_CI_SECONDS);
const SECONDS = inCI ? Math.max(MIN_CI_SECONDS, requested) : Math.max(1, requested);

const dir = mkdtempSync(join(tmpdir(), 'hn-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

describe('upsshutdown intent/config parsers under libFuzzer', () => {
  it(`run ${SECONDS} s under ASan and UBSan with zero crashes`, async (ctx) => {
    requirePeer(ctx, onPath('clang') && canBuildHelpers(), `clang with libFuzzer (apt-get install clang libclang-rt-14-dev) and ${HELPER_BUILD}`);
    make(['fuzz', `O=${dir}`]);
    const corpus = join(dir, 'corpus');
    mkdirSync(corpus);
    const started = Date.now();
    const { code, output } = await run(join(dir, 'fuzz_intent'), [
      `-max_total_time=${SECONDS}`, '-max_len=512', '-print_final_stats=1', `-artifact_prefix=${dir}/`,
      corpus, join(HELPERS_DIR, 'fuzz-seeds'),
    ], (SECONDS + 60) * 1000);
    const elapsed = (Date.now() - started) / 1000;

    const stat = (name: string): number => Number(new RegExp(`stat::${name}:\\s+(\\d+)`).exec(output)?.[1] ?? NaN);
    const runs = stat('number_of_executed_units');
    const perSecond = stat('average_exec_per_sec');
    console.log(`fuzz_intent: ${runs} runs in ${elapsed.toFixed(1)} s, ${perSecond} exec/s, corpus ${readdirSync(corpus).length} inputs`);

    expect(output).not.toMatch(/ERROR: (AddressSanitizer|libFuzzer)|runtime error:|deadly signal/);
    expect(readdirSync(dir).filter((f) => /^(crash|leak|timeout|oom)-/.test(f))).toEqual([]);
    expect(code).toBe(0);
    expect(elapsed).toBeGreaterThanOrEqual(SECONDS);
    expect(runs).toBeGreaterThan(SECONDS * 1000);
  }, (SECONDS + 120) * 1000);
});
