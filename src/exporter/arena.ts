// One malloc arena, set before anything runs: when a thread arena's heap shrinks, glibc reads
// /proc/sys/vm/overcommit_memory once (arena.c, check_may_shrink_heap), an openat the exporter's
// seccomp role kills (seen at its first poll). upsmon's supervisor spawns its jailed child with
// MALLOC_ARENA_MAX=1 for the same reason; the exporter is started directly, and glibc reads the
// variable only at process start, so it re-executes itself (same pid, same argv) with it set.
import { createRequire } from 'node:module';
import { HardnutError } from '../core/errors.js';

export const ARENA_ENV = 'MALLOC_ARENA_MAX';

interface Koffi { load(path: string): { func(signature: string): (...args: unknown[]) => unknown }; errno(): number }

/** Returns only when the variable is already set; otherwise execve replaces this process or throws. */
export function ensureOneArena(env: NodeJS.ProcessEnv): void {
  if (env[ARENA_ENV] === '1') return;
  const koffi = createRequire(import.meta.url)('koffi') as Koffi;
  const execve = koffi.load('libc.so.6').func('int execve(const char *path, const char **argv, const char **envp)');
  const vars = Object.entries({ ...env, [ARENA_ENV]: '1' }).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${String(v)}`);
  execve(process.execPath, [process.argv0, ...process.execArgv, ...process.argv.slice(1), null], [...vars, null]);
  throw new HardnutError('ERR_LIBC', `execve(${process.execPath}) to set ${ARENA_ENV}=1 failed (errno ${String(koffi.errno())})`);
}
