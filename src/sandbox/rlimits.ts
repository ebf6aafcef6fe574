// Resource limits for a sandboxed process (DESIGN.md: "then rlimits, PR_SET_NO_NEW_PRIVS,
// seccomp"). Node has no setrlimit: it is called through koffi. Soft and hard limits are set to
// the same value, so the process cannot raise them again.
import { createRequire } from 'node:module';
import { readdirSync } from 'node:fs';
import { HardnutError } from '../core/errors.js';

/** Linux resource numbers (asm-generic/resource.h; the same on x86_64 and aarch64). */
export const RLIMIT_CORE = 4;
export const RLIMIT_NPROC = 6;
export const RLIMIT_NOFILE = 7;

export class RlimitError extends HardnutError {
  constructor(message: string) {
    super('ERR_RLIMIT', message);
  }
}

interface Bound {
  koffi: { errno(): number };
  setrlimit: (resource: number, limit: { rlim_cur: bigint; rlim_max: bigint }) => number;
}

let bound: Bound | undefined;

function bind(): Bound {
  if (bound) return bound;
  const koffi = createRequire(import.meta.url)('koffi') as {
    load(p: string): { func(s: string): (...a: unknown[]) => unknown };
    struct(name: string, def: Record<string, string>): unknown;
    errno(): number;
  };
  const lib = koffi.load('libc.so.6');
  koffi.struct('hardnut_rlimit', { rlim_cur: 'uint64', rlim_max: 'uint64' });
  bound = {
    koffi,
    setrlimit: lib.func('int setrlimit(int resource, const hardnut_rlimit *rlim)') as Bound['setrlimit'],
  };
  return bound;
}

/** Loads the binding now (before a chroot, after which no library can be loaded). */
export function preloadRlimits(): void {
  bind();
}

export function setRlimit(resource: number, value: number): void {
  const l = bind();
  const v = BigInt(value);
  if (l.setrlimit(resource, { rlim_cur: v, rlim_max: v }) !== 0) {
    throw new RlimitError(`setrlimit(${resource}, ${value}) failed (errno ${l.koffi.errno()})`);
  }
}

/** The highest file descriptor open now (from /proc/self/fd; call it before a chroot). */
export function highestOpenFd(): number {
  let max = 2;
  for (const name of readdirSync('/proc/self/fd')) {
    const n = Number(name);
    if (Number.isInteger(n) && n > max) max = n;
  }
  return max;
}
