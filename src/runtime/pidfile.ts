// Pid files, as NUT's daemons write and use them: writepid(), `<tool> -c reload|stop` and the
// duplicate-instance check.
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

/** NUT's writepid() naming: a name starting with '/' is the file itself, else `<dir>/<name>.pid`. */
export function pidFileFor(dir: string, name: string): string {
  return name.startsWith('/') ? name : join(dir, `${name}.pid`);
}

/** Writes this process's pid as NUT's writepid() does (umask 022: at most rw-r--r--); throws if it cannot. */
export function writePidFile(file: string): void {
  writeFileSync(file, `${String(process.pid)}\n`, { mode: 0o644 });
}

/** Removes a pid file at exit; quietly, as it may be gone already or no longer ours to remove. */
export function removePidFile(file: string): void {
  try { unlinkSync(file); } catch { /* gone already, or not ours after a privilege drop */ }
}
