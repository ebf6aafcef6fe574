// vitest setupFile: whatever a test file starts dies with its test, even when the test fails or
// times out (a failed run once left the SNMP simulator running). After a test that failed or
// timed out, every child the test worker started during that test is stopped with its whole
// process tree (a passing test may restart a daemon the file shares, e.g. Debian's upsd in
// clients-repeater); after the file every child is; a worker that exits kills what is left.
// It runs after the file's own afterEach/afterAll (vitest runs hooks in reverse), so a test's
// own cleanup always comes first; this is the net under it. A daemon that left its parent
// (daemonized) escapes it, and the run-wide check (test/support/leakcheck.ts) reports it.

import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, afterEach, beforeEach } from 'vitest';

/** How long a stopped child gets to exit on SIGTERM before SIGKILL. */
export const STOP_GRACE_MS = 3_000;
const POLL_MS = 50;

interface ProcInfo { ppid: number; zombie: boolean }

function processTable(): Map<number, ProcInfo> {
  const table = new Map<number, ProcInfo>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try { stat = readFileSync(`/proc/${name}/stat`, 'latin1'); } catch { continue; }
    // comm may hold spaces and parentheses: the fields after it follow the last ')'
    const m = /\) (\S) (\d+)/.exec(stat.slice(stat.lastIndexOf(')')));
    if (m) table.set(Number(name), { ppid: Number(m[2]), zombie: m[1] === 'Z' });
  }
  return table;
}

/** The worker's live children, and each one's live descendants, children first. */
function descendants(of: number, table = processTable()): number[][] {
  const kids = (pid: number): number[] => [...table].filter(([, p]) => p.ppid === pid && !p.zombie).map(([c]) => c);
  return kids(of).map((child) => {
    const tree = [child];
    for (let i = 0; i < tree.length; i++) tree.push(...kids(tree[i]!));
    return tree;
  });
}

function signal(pids: number[], sig: NodeJS.Signals): void {
  for (const pid of pids) { try { process.kill(pid, sig); } catch { /* gone, or not ours to signal */ } }
}

function running(pid: number, table: Map<number, ProcInfo>): boolean {
  const p = table.get(pid);
  return p !== undefined && !p.zombie;
}

/** SIGTERM to each tree, then SIGKILL to what is still running after the grace period. */
async function stopTrees(trees: number[][]): Promise<void> {
  const pids = trees.flat();
  if (pids.length === 0) return;
  signal(pids, 'SIGTERM');
  const end = Date.now() + STOP_GRACE_MS;
  for (;;) {
    const table = processTable();
    const left = pids.filter((pid) => running(pid, table));
    if (left.length === 0) return;
    if (Date.now() >= end) { signal(left, 'SIGKILL'); return; }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

let fileScope = new Set<number>();

beforeEach(() => {
  fileScope = new Set(descendants(process.pid).map((tree) => tree[0]!));
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state !== 'fail') return;
  await stopTrees(descendants(process.pid).filter((tree) => !fileScope.has(tree[0]!)));
});

afterAll(async () => {
  await stopTrees(descendants(process.pid));
});

process.on('exit', () => signal(descendants(process.pid).flat(), 'SIGKILL'));
