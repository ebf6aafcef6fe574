// Pid files, as NUT's daemons write and use them: writepid(), `<tool> -c reload|stop` and the
// duplicate-instance check — and the small flag files root writes beside them (POWERDOWNFLAG).
//
// Root never follows a path another user can write (issue 19): NUT's pid directory (/run/nut,
// NUT_ALTPIDPATH) belongs to nut. So every file here is created with O_CREAT|O_EXCL|O_NOFOLLOW
// under a fresh name and renamed over the old one (rename does not follow a link); read with
// O_NOFOLLOW|O_NONBLOCK and fstat'ed (a FIFO or device is refused, never waited on); and a pid
// read from such a file is signalled by root only when the process it names is one its writer
// could have signalled itself (trustedPid below) — and the process checked is the one signalled:
// it is held by a pidfd from before the checks until the signal (HeldProcess), so a pid reused in
// between is never hit.

import { closeSync, constants, fchownSync, fstatSync, lstatSync, openSync, readFileSync, readSync, readlinkSync, realpathSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { constants as osConstants } from 'node:os';
import { HardnutError, UsageError } from '../core/errors.js';
import { rootOnlyPath } from '../sandbox/safe-path.js';
import { LibcError, pidfdOpen, pidfdSendSignal } from '../sandbox/libc.js';

/** A pid file or flag file is read up to this size; anything longer is not one of ours. */
export const SMALL_FILE_MAX_BYTES = 4096;

export class UnsafeFileError extends HardnutError {
  constructor(message: string) {
    super('ERR_UNSAFE_FILE', message);
  }
}

const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * Reads a small regular file without following a symlink at its name and without blocking on a
 * FIFO or device; throws UnsafeFileError for anything but a regular file, ENOENT as it comes.
 */
export function readRegularFile(file: string, maxBytes = SMALL_FILE_MAX_BYTES): { text: string; stat: Stats } {
  let fd: number;
  try {
    fd = openSync(file, READ_FLAGS);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new UnsafeFileError(`${file} is a symbolic link; refusing to follow it`);
    throw err;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new UnsafeFileError(`${file} is not a regular file; refusing to use it`);
    const buf = Buffer.alloc(maxBytes);
    const n = readSync(fd, buf, 0, maxBytes, 0);
    return { text: buf.subarray(0, n).toString('latin1'), stat };
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces `file` with a new regular file holding `text`. It is written under a fresh name beside
 * it, created O_EXCL|O_NOFOLLOW (a link planted there makes this fail instead of writing through
 * it), then renamed over `file`: rename replaces whatever is at the name (a symlink, a FIFO, a
 * stale file) without following it, and a reader (the duplicate-instance check, `-c stop`, the
 * late-shutdown hook) sees the old file or the whole new one, never an empty one — as it could
 * between NUT's fopen and fprintf. `owner`: fchown'ed by descriptor.
 */
export function createFileExclusive(file: string, text: string, mode: number, owner?: { uid: number; gid: number }): void {
  // Not secret: a user who can write the directory and guesses the name can only make this
  // fail, which they could already do by putting a directory at `file`.
  const temp = join(dirname(file), `.${basename(file)}.${String(process.pid)}.${Math.random().toString(36).slice(2, 10)}`);
  const fd = openSync(temp, CREATE_FLAGS, mode);
  try {
    try {
      if (owner) fchownSync(fd, owner.uid, owner.gid);
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (err) {
    try { unlinkSync(temp); } catch { /* renamed, or gone */ }
    throw err;
  }
}

/** The pid a pid file names, if it is a regular file holding a sane one. */
export function readPid(file: string): number | undefined {
  let text: string;
  try { text = readRegularFile(file).text; } catch { return undefined; }
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

/**
 * Writes this process's pid as NUT's writepid() does (at most rw-r--r--), but never through a
 * symlink or into a FIFO planted at the name; throws if it cannot.
 */
export function writePidFile(file: string): void {
  createFileExclusive(file, `${String(process.pid)}\n`, 0o644);
}

/** Removes a pid file at exit; quietly, as it may be gone already or no longer ours to remove. */
export function removePidFile(file: string): void {
  try { unlinkSync(file); } catch { /* gone already, or not ours after a privilege drop */ }
}

function isRootEuid(): boolean {
  return typeof process.geteuid === 'function' && process.geteuid() === 0;
}

/** Only root may change it: root-owned and not writable by group or other. */
function rootOnly(st: Stats): boolean {
  return st.uid === 0 && (st.mode & 0o022) === 0;
}

/** Real, effective, saved and filesystem uid of a process, from /proc. */
function processUids(pid: number): number[] | undefined {
  let status: string;
  try { status = readFileSync(`/proc/${String(pid)}/status`, 'latin1'); } catch { return undefined; }
  const m = /^Uid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(status);
  return m ? m.slice(1, 5).map(Number) : undefined;
}

/**
 * A root process is hardnut's `tool` when its executable is this Node and its command line runs
 * this script's `tool` (not an internal --role child). Only root can change a root process's
 * memory, so a non-root writer of the pid file cannot forge this (for a same-uid process it could).
 */
function isOurRootTool(pid: number, tool: string): boolean {
  try {
    if (readlinkSync(`/proc/${String(pid)}/exe`) !== realpathSync(process.execPath)) return false;
    const argv = readFileSync(`/proc/${String(pid)}/cmdline`, 'latin1').split('\0');
    const script = process.argv[1];
    if (script === undefined) return false;
    const ours = realpathSync(script);
    const same = (arg: string): boolean => {
      if (arg === script) return true;
      try { return arg.startsWith('/') && realpathSync(arg) === ours; } catch { return false; }
    };
    const i = argv.findIndex((a, k) => k > 0 && same(a));
    return i > 0 && argv[i + 1] === tool && argv[i + 2] !== '--role';
  } catch {
    return false;
  }
}

/** errno of pidfd_open/pidfd_send_signal when the process has exited (asm-generic errno.h). */
const ESRCH = 3;

/**
 * A process held by a pidfd (pidfd_open(2)), opened before root looks at /proc/<pid>: signals go
 * to that process, or fail with ESRCH once it has exited — never to a process that took its pid
 * between the checks and the signal (issue 19: root signalled whatever a pid file named).
 */
export class HeldProcess {
  private fd: number | undefined;
  private constructor(readonly pid: number, fd: number) { this.fd = fd; }

  /** Holds `pid`; undefined when there is no such process. Other failures throw LibcError. */
  static open(pid: number): HeldProcess | undefined {
    try {
      return new HeldProcess(pid, pidfdOpen(pid));
    } catch (err) {
      if (err instanceof LibcError && err.errno === ESRCH) return undefined;
      throw err;
    }
  }

  /** Sends `signal` to the held process; throws LibcError (errno ESRCH once it has exited). */
  signal(signal: NodeJS.Signals): void {
    pidfdSendSignal(this.descriptor(), osConstants.signals[signal]);
  }

  /** False once the held process has exited (a new process with its pid does not count). */
  alive(): boolean {
    try {
      pidfdSendSignal(this.descriptor(), 0);
      return true;
    } catch (err) {
      if (err instanceof LibcError && err.errno === ESRCH) return false;
      throw err;
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private descriptor(): number {
    if (this.fd === undefined) throw new HardnutError('ERR_LIBC', `process ${String(this.pid)} is no longer held`);
    return this.fd;
  }
}

/** `missing`: no pid file, or none holding a pid (is the daemon running?). */
/** gone: the file names no live process (a stale pid file); nothing is signalled, since the pid may be reused. */
export type PidVerdict = { pid: number; held: HeldProcess } | { refused: string } | { missing: true } | { gone: number };

/** `-P <pid>`: the administrator named the process; it is held all the same, so a reused pid is not hit. */
export function holdPid(pid: number): PidVerdict {
  let held: HeldProcess | undefined;
  try { held = HeldProcess.open(pid); } catch (err) { return { refused: `cannot hold process ${String(pid)}: ${(err as Error).message}` }; }
  return held ? { pid, held } : { gone: pid };
}

/**
 * The pid in `file` that root may signal as hardnut's `tool`, or why not. NUT signals whatever
 * the file says; root does here only when one of these holds:
 *  1. the file is root-only in a directory chain only root can write (NUT_ALTPIDPATH=/run/hardnut,
 *     say): nobody else can have chosen the pid;
 *  2. the process runs entirely (real, effective, saved, fs uid) as a non-root user who owns the
 *     file or its directory: whoever could have written that pid could signal the process anyway;
 *  3. the process runs as root and is `tool` itself (isOurRootTool): upsmon's supervisor stays
 *     root, and its pid file lives in nut's /run/nut like NUT's.
 * Anything else — above all a root process named by a file in a directory nut can write — is
 * refused with the reason. A process that is not root is limited by the kernel, so it signals as
 * NUT does. `-P <pid>` bypasses this: the administrator named the process.
 * The process is held (pidfd) before the checks: if it exits and its pid is reused while they
 * run, they may look at the newcomer, but the signal still goes to the held one and fails.
 * The caller closes `held`.
 */
export function trustedPid(file: string, tool: string): PidVerdict {
  const v = readTrustedPid(file);
  if (!('pid' in v)) return v;
  const held = holdPid(v.pid);
  if (!('held' in held)) return held;
  const why = isRootEuid() ? rootRefusal(file, v.pid, v.stat, tool) : undefined;
  if (why === undefined) return held;
  held.held.close();
  return why;
}

function readTrustedPid(file: string): { pid: number; stat: Stats } | { refused: string } | { missing: true } {
  let text: string;
  let stat: Stats;
  try {
    ({ text, stat } = readRegularFile(file));
  } catch (err) {
    return err instanceof UnsafeFileError ? { refused: err.message } : { missing: true };
  }
  const pid = Number.parseInt(text.trim(), 10);
  return pid > 1 ? { pid, stat } : { missing: true };
}

/** Why root must not signal `pid` named by `file` (stat: the file's), or undefined if it may. */
function rootRefusal(file: string, pid: number, stat: Stats, tool: string): { refused: string } | { gone: number } | undefined {
  if (rootOnly(stat) && rootOnlyPath(dirname(file))) return undefined;
  const uids = processUids(pid);
  if (uids === undefined) return { gone: pid };
  const [uid] = uids as [number];
  if (uids.some((u) => u !== uid)) {
    return { refused: `process ${String(pid)} named by ${file} has mixed user ids (${uids.join(' ')}); refusing to signal it as root` };
  }
  if (uid !== 0) {
    let dirOwner: number | undefined;
    try { dirOwner = lstatSync(dirname(file)).uid; } catch { dirOwner = undefined; }
    if ((uid === stat.uid && (stat.mode & 0o022) === 0) || uid === dirOwner) return undefined;
    return { refused: `process ${String(pid)} named by ${file} runs as uid ${String(uid)}, who neither owns that file nor its directory; refusing to signal it as root` };
  }
  if (isOurRootTool(pid, tool)) return undefined;
  return {
    refused: `${file} names process ${String(pid)}, a root process that is not hardnut ${tool}, and the file is in a directory another user can write; `
      + 'refusing to signal it as root (give the pid with -P, or keep pid files in a root-only NUT_ALTPIDPATH)',
  };
}
