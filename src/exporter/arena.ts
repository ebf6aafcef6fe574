// One malloc arena, set before anything runs: when a thread arena's heap shrinks, glibc reads
// /proc/sys/vm/overcommit_memory once (arena.c, check_may_shrink_heap), an openat the exporter's
// seccomp role kills (seen at its first poll). upsmon's supervisor spawns its jailed child with
// MALLOC_ARENA_MAX=1 for the same reason; the exporter is started directly, and glibc reads the
// variable only at process start, so it re-executes itself (same pid, same argv) with it set.
import { createRequire } from 'node:module';
import { HardnutError } from '../core/errors.js';

export const ARENA_ENV = 'MALLOC_ARENA_MAX';
/** fcntl(2) command: set the descriptor flags (FD_CLOEXEC). */
const F_SETFD = 2;

interface Koffi { load(path: string): { func(signature: string): (...args: unknown[]) => unknown }; errno(): number }

/** Returns only when the variable is already set; otherwise execve replaces this process or throws. */
export function ensureOneArena(env: NodeJS.ProcessEnv): void {
  if (env[ARENA_ENV] === '1') return;
  const koffi = createRequire(import.meta.url)('koffi') as Koffi;
  const libc = koffi.load('libc.so.6');
  const execve = libc.func('int execve(const char *path, const char **argv, const char **envp)');
  // Node marks stdin, stdout and stderr close-on-exec at start-up: without this the new image
  // finds them closed, opens /dev/null in their place, and every log line is lost.
  const fcntl = libc.func('int fcntl(int fd, int cmd, ...)');
  for (const fd of [0, 1, 2]) fcntl(fd, F_SETFD, 'int', 0);
  const vars = Object.entries({ ...env, [ARENA_ENV]: '1' }).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${String(v)}`);
  execve(process.execPath, [process.argv0, ...process.execArgv, ...process.argv.slice(1), null], [...vars, null]);
  throw new HardnutError('ERR_LIBC', `execve(${process.execPath}) to set ${ARENA_ENV}=1 failed (errno ${String(koffi.errno())})`);
}
