// What a test may need from the machine (root, the nut system user, Debian's NUT, socat, a C
// compiler…). The one place that decides whether a test runs: locally a missing need skips the
// test and says why (the reason is printed by the summary reporter); with CI=true a missing need
// fails it, because CI must run everything (.ci/run installs what CI needs).
//
//   in a test:        requirePeer(ctx, onPath('socat'), 'socat (apt-get install socat)')
//   needs root:       requireRoot(ctx)   (root, and as root the nut user the daemons drop to)
//   starts daemons:   nothing to do: makeTestDir() calls requireDaemonUser()
//   in a beforeAll:   beforeAll(async ({}, suite) => { requireAll(suite, runsDaemons(), DAEMON_USER_WHY); …
//                     skips every test of the file or block with the reason (afterAll still runs)
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import type { RunnerTestCase, RunnerTestFile, RunnerTestSuite } from 'vitest';
import { getCurrentTest } from 'vitest/suite';

export interface SkipContext { skip(note?: string): void }

export const inCI = process.env['CI'] === 'true' || process.env['CI'] === '1';
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export function hasExecutable(path: string): boolean {
  try { accessSync(path, constants.X_OK); return true; } catch { return false; }
}

export function onPath(cmd: string): boolean {
  try { execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }); return true; } catch { return false; }
}

/** Skip (locally) or fail (in CI) unless `ok`. Call first thing in a test with its context. */
export function requirePeer(ctx: SkipContext, ok: boolean, what: string): void {
  if (ok) return;
  if (inCI) throw new Error(`CI must run this test, but ${what} is missing`);
  ctx.skip(`needs ${what}`);
}

/**
 * requirePeer for a whole file or describe block, called first thing in its beforeAll with the
 * suite vitest passes to it: locally every test in it is skipped with the reason, and the rest of
 * the beforeAll does not run; in CI it fails.
 */
export function requireAll(suite: Readonly<RunnerTestSuite | RunnerTestFile>, ok: boolean, what: string): void {
  if (ok) return;
  if (inCI) throw new Error(`CI must run these tests, but ${what} is missing`);
  const note = `needs ${what}`;
  const tests: RunnerTestCase[] = [];
  const collect = (s: Readonly<RunnerTestSuite | RunnerTestFile>): void => {
    for (const t of s.tasks) { if (t.type === 'suite') collect(t); else if (t.type === 'test') tests.push(t); }
  };
  collect(suite);
  // vitest keeps a result's note when it marks a suite's tests skipped after its beforeAll stopped
  for (const t of tests) t.result = Object.assign({ ...t.result, state: 'skip' as const }, { note });
  // a test context's skip() throws vitest's own "skipped" signal: thrown from beforeAll it skips
  // the suite instead of failing it
  tests[0]?.context.skip(note);
  throw new Error(note);
}

/** The system account hardnut's and NUT's daemons drop to when a test starts them as root. */
export const DAEMON_USER = 'nut';
export const DAEMON_USER_WHY = `the ${DAEMON_USER} system user and group (apt-get install nut-server creates them): as root, every daemon a test starts drops to it`;

function hasEntry(file: string, name: string): boolean {
  try { return readFileSync(file, 'latin1').split('\n').some((l) => l.startsWith(`${name}:`)); } catch { return false; }
}

/** The nut user and group exist (tests as root need them; tests as an ordinary user do not). */
export function hasDaemonUser(): boolean {
  return hasEntry('/etc/passwd', DAEMON_USER) && hasEntry('/etc/group', DAEMON_USER);
}

/** Root, and (as root) the nut user the daemons drop to. */
export function requireRoot(ctx: SkipContext, why = 'root (CI runs as root)'): void {
  requirePeer(ctx, isRoot(), why);
  requirePeer(ctx, hasDaemonUser(), DAEMON_USER_WHY);
}

/**
 * For helpers that set up daemons (makeTestDir): as root without the nut user, skip the test that
 * called it with the reason, or fail in CI. As an ordinary user nothing is needed: the daemons
 * run as that user. Outside a test (beforeAll) it throws with the reason: such a beforeAll starts
 * with requireAll(suite, runsDaemons(), DAEMON_USER_WHY).
 */
export function requireDaemonUser(): void {
  if (!isRoot() || hasDaemonUser()) return;
  const test = getCurrentTest();
  if (test !== undefined && !inCI) test.context.skip(`needs ${DAEMON_USER_WHY}`);
  throw new Error(`${inCI ? 'CI must run this test, but it needs' : 'needs'} ${DAEMON_USER_WHY}`);
}

/** Daemons can be started here: as an ordinary user, or as root with the nut user. */
export function runsDaemons(): boolean {
  return !isRoot() || hasDaemonUser();
}

/** A shared library the dynamic linker finds (ldconfig's cache, as `dlopen` uses it). */
export function hasLibrary(soname: string): boolean {
  try { return execFileSync('/sbin/ldconfig', ['-p'], { encoding: 'latin1' }).includes(`${soname} `); } catch { return false; }
}

/** node-hid's native addon (usbhid-ups) links libusb. */
export const LIBUSB = 'libusb-1.0 (apt-get install libusb-1.0-0)';
export function hasLibusb(): boolean { return hasLibrary('libusb-1.0.so.0'); }

/** What `make -C helpers` needs: the setuid helper is C against libsodium. */
export const HELPER_BUILD = 'a C compiler, make and libsodium (apt-get install gcc make libsodium-dev)';
export function canBuildHelpers(): boolean {
  return onPath('cc') && onPath('make') && existsSync('/usr/include/sodium.h');
}

/** Root, and what building the setuid helper needs. */
export function requireHelperBuild(ctx: SkipContext): void {
  requirePeer(ctx, isRoot(), 'root');
  requirePeer(ctx, canBuildHelpers(), HELPER_BUILD);
}

export const refNut = {
  upsd: '/lib/nut/upsd',
  dummyUps: '/lib/nut/dummy-ups',
  upsc: '/bin/upsc',
  scripts: new URL('../../../shared/refnut/', import.meta.url).pathname,
};

/** Debian's NUT is installed and its daemons can run here (as root they drop to nut). */
export function hasRefNut(): boolean {
  return hasExecutable(refNut.upsd) && hasExecutable(refNut.dummyUps) && hasExecutable(refNut.upsc) && runsDaemons();
}
