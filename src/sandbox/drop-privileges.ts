// Users and groups for the privilege drop. The drop itself (setgroups, setgid, setuid and the
// proof that root is gone) happens in one place only: the pipeline, src/sandbox/confine.ts.
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

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}
