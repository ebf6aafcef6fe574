// `npm run interop:nit` (scripts/nit.mjs) runs NUT's own tests/NIT/nit.sh against hardnut. NUT's
// script cannot be in this repository nor fetched in CI, so `npm run interop:nit` is a separate
// command (README, "NUT's integration test script") and this test covers the runner itself: the
// program names nit.sh looks up under NUT's build-tree layout are hardnut's tools, the variables
// NUT's Makefile passes arrive, and a failed case, a dead upsmon or a missing summary never reads
// as a pass. The stand-in script below only does what nit.sh does to find the programs (nit.sh,
// "PATH_ADD") and prints nit.sh's summary line; its verdict is whatever the test asks of it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../support/stack.js';

const RUNNER = fileURLToPath(new URL('../../scripts/nit.mjs', import.meta.url));

// nit.sh's PATH rule, its program check, then a report decided by FAKE_* variables
const STAND_IN = `#!/bin/sh
PATH="$abs_builddir:$abs_top_builddir/clients:$abs_top_builddir/drivers:$abs_top_builddir/server:$PATH"
for PROG in upsd upsc dummy-ups upsdrvctl upsmon upslog upssched ; do
  command -v $PROG >/dev/null || { echo "Useless setup: $PROG not found" ; exit 1 ; }
done
echo "cwd=$(pwd) top_src=$abs_top_srcdir user=$BUILTIN_RUN_AS_USER method=$HARDNUT_SHUTDOWN_METHOD case=$NIT_CASE"
upsd -h 2>&1 | head -1
upsdrvctl -h 2>&1 | head -1
case "$NIT_CASE" in
  testgroup_sandbox_upsmon_master)
    if [ -n "$FAKE_UPSMON_DIES" ] ; then echo "[ERROR] [sandbox] UPSMON PID 4242 is not alive after a short while"
    else echo "User dummy-admin-m@127.0.0.1 logged into UPS [dummy]" ; fi ;;
esac
[ -n "$FAKE_NO_SUMMARY" ] && exit 3
echo "[INFO] OVERALL: PASSED=$FAKE_PASSED FAILED=$FAKE_FAILED SKIPPED=1"
[ "$FAKE_FAILED" = 0 ]
`;

let base = '';
let nutSource = '';
let runnerTmp = '';

function makeSource(withUpsmonCase: boolean): void {
  const nitDir = join(nutSource, 'tests', 'NIT');
  mkdirSync(nitDir, { recursive: true });
  // nit.sh defines the upsmon group as a shell function; the runner looks for it
  const text = withUpsmonCase ? `${STAND_IN}\ntestgroup_sandbox_upsmon_master() {\n  :\n}\n` : STAND_IN;
  writeFileSync(join(nitDir, 'nit.sh'), text);
  chmodSync(join(nitDir, 'nit.sh'), 0o755);
}

function runner(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const clean = { ...process.env };
  delete clean['NIT_CASE'];
  delete clean['HARDNUT_SHUTDOWN_METHOD'];
  delete clean['NIT_UPSMON'];
  delete clean['NUT_NIT_SH'];
  return run(process.execPath, [RUNNER], { ...clean, TMPDIR: runnerTmp, NUT_SOURCE: nutSource, FAKE_PASSED: '2', FAKE_FAILED: '0', ...env }, 60_000);
}

describe('npm run interop:nit (scripts/nit.mjs)', () => {
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'hn-nitrun-'));
    nutSource = join(base, 'nut');
    runnerTmp = join(base, 'tmp');
    mkdirSync(runnerTmp);
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it("nit.sh finds hardnut's tools under NUT's names, gets NUT's Makefile variables, and a clean report passes", async () => {
    makeSource(true);
    const r = await runner({});
    expect(r.stderr).not.toContain('Useless setup');
    expect(r.code).toBe(0);
    // both passes ran from the throw-away build tree's tests/NIT, with the source tree known
    expect(r.stdout).toMatch(/cwd=\S*\/hardnut-nit-[^/]+\/build\/tests\/NIT top_src=\S*\/nut user=nut method=command case=\n/);
    expect(r.stdout).toContain('case=testgroup_sandbox_upsmon_master');
    expect(r.stdout).toContain('Network UPS Tools upsd 2.8.0 (hardnut ');
    expect(r.stdout).toContain('Network UPS Tools - UPS driver controller (hardnut ');
    expect(r.stdout).toMatch(/ok {3}default groups: PASSED=2 FAILED=0 SKIPPED=1\n/);
    expect(r.stdout).toMatch(/ok {3}NIT_CASE=testgroup_sandbox_upsmon_master: PASSED=2 FAILED=0 SKIPPED=1; upsd logged upsmon's LOGIN: yes\n/);
    // the build trees are gone
    expect(readdirSync(runnerTmp)).toEqual([]);
  });

  it('a failed case fails the run', async () => {
    makeSource(false);
    const r = await runner({ FAKE_FAILED: '1' });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('no upsmon pass');
    expect(r.stdout).toMatch(/FAIL default groups: PASSED=2 FAILED=1 SKIPPED=1 \(1 case\(s\) failed; nit.sh exited 1\)/);
    expect(readdirSync(runnerTmp)).toEqual([]);
  });

  it('a nit.sh that stops before its summary fails the run', async () => {
    makeSource(false);
    const r = await runner({ FAKE_NO_SUMMARY: '1' });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FAIL default groups: no summary (nit.sh printed no OVERALL line; nit.sh exited 3)');
  });

  it('upsmon dying in the sandbox fails its pass although nit.sh does not count it', async () => {
    makeSource(true);
    const r = await runner({ FAKE_UPSMON_DIES: '1' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/ok {3}default groups/);
    expect(r.stdout).toContain("FAIL NIT_CASE=testgroup_sandbox_upsmon_master: PASSED=2 FAILED=0 SKIPPED=1 (upsmon died after start-up); upsd logged upsmon's LOGIN: no");
  });

  it('without NUT_SOURCE or NUT_NIT_SH it says what to set', async () => {
    const r = await runner({ NUT_SOURCE: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('set NUT_SOURCE=/path/to/nut (a NUT source tree) or NUT_NIT_SH=/path/to/nit.sh');
  });
});
