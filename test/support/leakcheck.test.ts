// The run-wide leak check (test/support/leakcheck.ts) can fail: a nested vitest run over a test
// that leaves a temp directory and two daemonized processes behind (one with the run's
// environment, one with none) exits non-zero, names each of them, and leaves none of them behind;
// a run whose test cleans up passes. The reaper (test/support/reap-children.ts) stops what a test
// that failed or timed out left running, before the leak check has anything to report.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const VITEST = join(REPO, 'node_modules', 'vitest', 'vitest.mjs');
const FIXTURES = join(REPO, 'test', 'fixtures', 'leakcheck');

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'hn-leakcheck-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function nestedVitest(filter: string, report: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [VITEST, 'run', '--root', FIXTURES, filter], {
      cwd: REPO,
      env: { ...process.env, LEAK_REPORT: report, NO_COLOR: '1', CI: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** Running (a killed orphan may stay a zombie until init reaps it). */
function alive(pid: number): boolean {
  try { return !/^\d+ \(.*\) Z /s.test(readFileSync(`/proc/${pid}/stat`, 'latin1')); } catch { return false; }
}

describe('leak check', () => {
  it('fails a run that leaves a process or a temp directory behind, listing each, and cleans them up', async () => {
    const report = join(dir, 'leaky.json');
    const { code, output } = await nestedVitest('leaky', report);
    const leaked = JSON.parse(readFileSync(report, 'utf8')) as { dir: string; pids: [number, number] };
    expect(code, output).not.toBe(0);
    expect(output).toContain(`process ${leaked.pids[0]}: sleep 300`);
    expect(output).toContain(`process ${leaked.pids[1]}: sleep 301`);
    expect(output).toContain(`path ${leaked.dir}/`);
    expect(leaked.pids.filter(alive)).toEqual([]);
    expect(() => readFileSync(leaked.dir)).toThrow(/ENOENT/);
  }, 60_000);

  it('stops the children of a test that failed or timed out (and theirs) before the check', async () => {
    const report = join(dir, 'orphans.txt');
    const { code, output } = await nestedVitest('orphans', report);
    const pids = readFileSync(report, 'utf8').trim().split('\n').map(Number);
    expect(pids).toHaveLength(3);
    expect(output).toContain('failed on purpose');
    expect(output).toMatch(/Test timed out/);
    expect(output).not.toContain('leakcheck:');
    expect(code, output).not.toBe(0);
    expect(pids.filter(alive)).toEqual([]);
  }, 60_000);

  it('passes a run whose test cleans up after itself', async () => {
    const { code, output } = await nestedVitest('tidy', join(dir, 'tidy.json'));
    expect(output).not.toContain('leakcheck:');
    expect(code, output).toBe(0);
  }, 60_000);
});
