// Tests that change the system's accounts (the .deb's postinst/purge, scripts/install.mjs, a test
// that creates nutshutdown) must not overlap: one adding nut to nutshutdown while another compares
// nut's groups before and after made the .deb test fail (expected 'nut', got 'nut nutshutdown').
// A lock directory in /run (root-only tests), held across vitest's worker processes and runs; a
// holder that died (a killed run) is recognised by its pid and its lock taken over.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const LOCK_DIR = '/run/hardnut-test-accounts.lock';
/** Longest a holder keeps it: the .deb install + purge, or shutdown-e2e's file (≈ 30 s idle). */
export const ACCOUNTS_LOCK_WAIT_MS = 180_000;
const STEP_MS = 100;

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** Waits (synchronously: the tests around it are) for the lock; returns its release. */
export function holdAccountsLock(timeoutMs = ACCOUNTS_LOCK_WAIT_MS): () => void {
  const end = Date.now() + timeoutMs;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      mkdirSync(LOCK_DIR, { mode: 0o700 });
      writeFileSync(join(LOCK_DIR, 'pid'), String(process.pid));
      let released = false;
      return () => { if (!released) { released = true; rmSync(LOCK_DIR, { recursive: true, force: true }); } };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder = NaN;
    try { holder = Number(readFileSync(join(LOCK_DIR, 'pid'), 'latin1')); } catch { /* being created or removed */ }
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && !alive(holder)) {
      rmSync(LOCK_DIR, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > end) throw new Error(`the accounts lock ${LOCK_DIR} is still held (pid ${String(holder)}) after ${timeoutMs} ms`);
    Atomics.wait(sleeper, 0, 0, STEP_MS);
  }
}
