// The one privilege drop every daemon uses (DESIGN.md): chroot → setgroups → setgid → setuid,
// then proof that root cannot be regained. Seccomp and rlimits are layered on by the sandbox
// issue; this is the part every daemon needs from day one.
import { chroot, preloadLibc } from './libc.js';
import { HardnutError } from '../core/errors.js';
import { readFileSync } from 'node:fs';

export class PrivilegeError extends HardnutError {
  constructor(message: string) {
    super('ERR_PRIVILEGE', message);
  }
}

export interface Account { name: string; uid: number; gid: number }

/** Looks a user up in /etc/passwd (before any chroot, which hides it). */
export function lookupUser(name: string, passwd = '/etc/passwd'): Account | undefined {
  for (const line of readFileSync(passwd, 'latin1').split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 4) return { name, uid: Number(f[2]), gid: Number(f[3]) };
  }
  return undefined;
}

/** Looks a group up in /etc/group; returns its gid. */
export function lookupGroup(name: string, group = '/etc/group'): number | undefined {
  for (const line of readFileSync(group, 'latin1').split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 3) return Number(f[2]);
  }
  return undefined;
}

/** The name of a group id, from /etc/group. */
export function groupName(gid: number, group = '/etc/group'): string | undefined {
  for (const line of readFileSync(group, 'latin1').split('\n')) {
    const f = line.split(':');
    if (f.length >= 3 && Number(f[2]) === gid) return f[0];
  }
  return undefined;
}

export interface DropOptions {
  user: Account;
  /** Extra group ids to keep (e.g. the shutdown group for the dispatcher). */
  groups?: number[];
  chrootDir?: string;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * Drops root for good. Not root: nothing to drop, returns false. Throws PrivilegeError if any
 * step fails or if root can be regained afterwards.
 */
export function dropPrivileges(opts: DropOptions): boolean {
  if (!isRoot()) return false;
  const { user } = opts;
  if (opts.chrootDir !== undefined) {
    preloadLibc();
    chroot(opts.chrootDir);
    process.chdir('/');
  }
  const { setgroups, setgid, setuid } = posix();
  setgroups(opts.groups ?? []);
  setgid(user.gid);
  setuid(user.uid);
  if (user.uid !== 0) assertRootIsGone();
  return true;
}

interface PosixIds {
  setgroups: (groups: number[]) => void;
  setgid: (id: number) => void;
  setuid: (id: number) => void;
}

function posix(): PosixIds {
  const { setgroups, setgid, setuid } = process;
  if (!setgroups || !setgid || !setuid) throw new PrivilegeError('this platform cannot change user or group ids');
  return { setgroups, setgid, setuid };
}

/** Proves the drop: setuid(0) and setgid(0) must both fail now. */
export function assertRootIsGone(): void {
  const { setgid, setuid } = posix();
  for (const [what, fn] of [['setuid', () => setuid(0)], ['setgid', () => setgid(0)]] as const) {
    let regained = true;
    try { fn(); } catch { regained = false; }
    if (regained) throw new PrivilegeError(`${what}(0) succeeded after dropping privileges`);
  }
  if (process.getuid?.() === 0 || process.geteuid?.() === 0) throw new PrivilegeError('still uid 0 after the drop');
}
