// Pid files, as NUT's daemons use them: `<tool> -c reload|stop` and the duplicate-instance check.
import { readFileSync } from 'node:fs';
import { UsageError } from '../core/errors.js';

/** The pid a pid file names, if it holds a sane one. */
export function readPid(file: string): number | undefined {
  let text: string;
  try { text = readFileSync(file, 'latin1'); } catch { return undefined; }
  const n = Number.parseInt(text.trim(), 10);
  return n > 1 ? n : undefined;
}

/** True if a process with this pid exists (EPERM: it exists, but is not ours to signal). */
export function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** The value of `-P <pid>` (NUT's -c tools): a process id, or a usage error. */
export function parsePidOption(v: string): number {
  const n = /^\d+$/.test(v) ? Number(v) : Number.NaN;
  if (!(n > 1)) throw new UsageError(`-P needs a process id, not '${v}'`);
  return n;
}
