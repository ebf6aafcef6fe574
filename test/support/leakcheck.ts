// vitest globalSetup: the run fails when a test leaves a process running or a temp directory
// behind (issue 13). Several runs share this machine, so only this run's leftovers count:
// - every process started by the run inherits HN_TEST_RUN=<random> (globalSetup runs before
//   vitest forks its workers, which copy process.env); a process that lost its environment
//   (NOTIFYCMD's fixed environment, the setuid helper's clearenv) is still this run's when its
//   command line, working directory, root or an open file lies in the run's temp directory;
// - TMPDIR points at a fresh per-run directory (os.tmpdir() and test/support/tmp.ts follow it),
//   which must be empty at the end.
// The teardown lists each leftover (pid and command line, path), then kills and removes them so
// that even a failing run leaves the machine clean, and fails the run.

import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The variable every process of this run inherits. */
export const RUN_MARKER = 'HN_TEST_RUN';
/** How long processes a test has just signalled get to exit before they count as left behind. */
export const LEFTOVER_GRACE_MS = 5_000;
const POLL_MS = 100;
/** vitest's own worker processes (they carry the marker too, and close after the teardown). */
const VITEST_WORKER = /[/\\]vitest[/\\]dist[/\\]workers[/\\]/;

export interface Leftover { pid: number; cmdline: string }

function readOr(path: string, fallback: string): string {
  try { return readFileSync(path, 'latin1'); } catch { return fallback; }
}

function linkInside(path: string, dir: string): boolean {
  try {
    const target = readlinkSync(path);
    return target === dir || target.startsWith(`${dir}/`);
  } catch { return false; }
}

/** True if `pid` is this run's: it carries the marker, or its cmdline, cwd, root or an fd is in `dir`. */
function belongsToRun(pid: number, marker: string, dir: string): boolean {
  if (readOr(`/proc/${pid}/environ`, '').split('\0').includes(`${RUN_MARKER}=${marker}`)) return true;
  if (readOr(`/proc/${pid}/cmdline`, '').split('\0').some((a) => a.includes(dir))) return true;
  if (linkInside(`/proc/${pid}/cwd`, dir) || linkInside(`/proc/${pid}/root`, dir)) return true;
  let fds: string[];
  try { fds = readdirSync(`/proc/${pid}/fd`); } catch { return false; }
  return fds.some((fd) => linkInside(`/proc/${pid}/fd/${fd}`, dir));
}

/** Processes of the run identified by `marker` and `dir`, except `self` and vitest's workers. */
export function runProcesses(marker: string, dir: string, self = process.pid): Leftover[] {
  const found: Leftover[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === self) continue;
    // a zombie has already exited: its parent has only to reap it
    if (/^\d+ \(.*\) Z /s.test(readOr(`/proc/${pid}/stat`, ''))) continue;
    if (!belongsToRun(pid, marker, dir)) continue;
    const cmdline = readOr(`/proc/${pid}/cmdline`, '').replace(/\0+$/, '').split('\0').join(' ');
    const ppid = Number(/^\d+ \(.*\) \S (\d+)/s.exec(readOr(`/proc/${pid}/stat`, ''))?.[1]);
    if (ppid === self && VITEST_WORKER.test(cmdline)) continue;
    found.push({ pid, cmdline });
  }
  return found;
}

/** What is still in `dir` (its entries, not their contents). */
export function runTempLeftovers(dir: string): string[] {
  try { return readdirSync(dir).map((e) => join(dir, e)); } catch { return []; }
}

/** Waits until none of the run's processes is left, or the grace period is over; returns those left. */
async function settle(marker: string, dir: string, graceMs: number): Promise<Leftover[]> {
  const end = Date.now() + graceMs;
  for (;;) {
    const left = runProcesses(marker, dir);
    if (left.length === 0 || Date.now() >= end) return left;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

export default function setup(): () => Promise<void> {
  const marker = randomBytes(8).toString('hex');
  // what must outlive the run (fuzz failure reports) goes to the temp dir the run was started with
  process.env['HN_TEST_KEEP_TMPDIR'] ??= tmpdir();
  const dir = mkdtempSync(join(tmpdir(), 'hnr-'));
  // As root, the same mode as /tmp: daemons dropped to nut may create files under it, and every
  // path check that accepts /tmp (a sticky, root-owned ancestor) accepts this directory too.
  if (process.getuid?.() === 0) chmodSync(dir, 0o1777);
  process.env[RUN_MARKER] = marker;
  process.env['TMPDIR'] = dir;

  return async () => {
    const procs = await settle(marker, dir, LEFTOVER_GRACE_MS);
    const paths = runTempLeftovers(dir).map((p) => (isDir(p) ? `${p}/` : p));
    for (const p of procs) { try { process.kill(p.pid, 'SIGKILL'); } catch { /* already gone */ } }
    if (procs.length > 0) await settle(marker, dir, LEFTOVER_GRACE_MS);
    rmSync(dir, { recursive: true, force: true });
    if (procs.length === 0 && paths.length === 0) return;
    const lines = [
      `leakcheck: this run left ${procs.length} process(es) and ${paths.length} temp path(s) behind (now killed and removed):`,
      ...procs.map((p) => `  process ${p.pid}: ${p.cmdline}`),
      ...paths.map((p) => `  path ${p}`),
    ];
    // vitest logs a teardown's error but does not fail the run for it
    process.exitCode = 1;
    throw new Error(lines.join('\n'));
  };
}

function isDir(path: string): boolean {
  try { return statSync(path).isDirectory(); } catch { return false; }
}
