// What `upsd -c reload` and `upsmon -c …` need to know about the daemon they are about to signal,
// so they can tell the truth on the terminal. NUT's design has no reply channel for a signal: the
// daemon's reload result goes only to its log. hardnut's control process therefore runs the
// daemon's own checks first — the same loader, on the files the daemon will read (inside its
// chroot), with the permissions of the user the daemon runs as, read from /proc — and refuses to
// signal, with the reason and exit 1, when the daemon would refuse.

import { readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { ReaderAccount } from './config-read.js';
import { LibcError } from '../sandbox/libc.js';

/** The running daemon as its control command sees it. */
export interface DaemonView {
  pid: number;
  /** Its effective user and group (setgroups([]) leaves no others). */
  account: ReaderAccount;
  /** Its root directory: '/' unless it chrooted. */
  root: string;
  /** Its command line, without the node executable. */
  argv: string[];
}

function userName(uid: number): string {
  try {
    for (const line of readFileSync('/etc/passwd', 'latin1').split('\n')) {
      const f = line.split(':');
      if (f.length >= 3 && Number(f[2]) === uid && f[0] !== undefined) return f[0];
    }
  } catch { /* no passwd: the number will do */ }
  return `uid ${String(uid)}`;
}

/** Reads /proc/<pid>; undefined when there is no such process. */
export function daemonView(pid: number): DaemonView | undefined {
  let status: string;
  try { status = readFileSync(`/proc/${String(pid)}/status`, 'latin1'); } catch { return undefined; }
  const uid = Number(/^Uid:\s+\d+\s+(\d+)/m.exec(status)?.[1] ?? Number.NaN);
  const gid = Number(/^Gid:\s+\d+\s+(\d+)/m.exec(status)?.[1] ?? Number.NaN);
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) return undefined;
  let root = '/';
  try { root = readlinkSync(`/proc/${String(pid)}/root`); } catch { /* not ours to look at: assume none */ }
  let argv: string[] = [];
  try { argv = readFileSync(`/proc/${String(pid)}/cmdline`, 'latin1').split('\0').filter((a) => a !== '').slice(1); } catch { /* none */ }
  return { pid, account: { name: userName(uid), uid, gid }, root, argv };
}

/** A path as the daemon sees it, from outside its chroot. */
export function seenBy(view: DaemonView, path: string): string {
  return view.root === '/' ? path : join(view.root, path);
}

/** The terminal message for a failed kill(): a stale pid file says so instead of `kill ESRCH`. */
export function signalFailure(daemon: string, pid: number, pidSource: string, err: unknown): string {
  // pidfd_send_signal (pidfile.ts: HeldProcess) fails with a LibcError carrying errno
  const byErrno: Record<number, string> = { 1: 'EPERM', 3: 'ESRCH' };
  const code = err instanceof LibcError ? byErrno[err.errno] : (err as NodeJS.ErrnoException).code;
  if (code === 'ESRCH') return `${daemon} is not running: no process ${String(pid)} (from ${pidSource})`;
  if (code === 'EPERM') return `not allowed to signal ${daemon} (pid ${String(pid)}): run this as root`;
  return `cannot signal ${daemon} (pid ${String(pid)}): ${(err as Error).message}`;
}
