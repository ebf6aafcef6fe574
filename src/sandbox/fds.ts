// Descriptors a process inherited without asking: whatever started it (a shell, a service
// manager, a test runner) may have left descriptors open across exec, and Node passes any
// descriptor without FD_CLOEXEC on to the processes it spawns. Node's own descriptors are all
// close-on-exec, so "not close-on-exec" means "inherited". Through koffi: Node has no fcntl.
import { createRequire } from 'node:module';
import { readdirSync } from 'node:fs';

const F_GETFD = 1;
const F_SETFD = 2;
const FD_CLOEXEC = 1;

interface Bound {
  fcntl: (fd: number, cmd: number, ...rest: unknown[]) => number;
  close: (fd: number) => number;
}
let bound: Bound | undefined;

function bind(): Bound {
  if (bound) return bound;
  const koffi = createRequire(import.meta.url)('koffi') as { load(p: string): { func(s: string): (...a: unknown[]) => unknown } };
  const lib = koffi.load('libc.so.6');
  bound = {
    fcntl: lib.func('int fcntl(int fd, int cmd, ...)') as Bound['fcntl'],
    close: lib.func('int close(int fd)') as Bound['close'],
  };
  return bound;
}

function openFds(): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc/self/fd')) {
    const n = Number(name);
    if (Number.isInteger(n)) out.push(n);
  }
  return out;
}

/** Inherited descriptors from `from` upwards: open and not close-on-exec. */
export function inheritedFds(from: number): number[] {
  const l = bind();
  return openFds().filter((fd) => {
    if (fd < from) return false;
    const flags = l.fcntl(fd, F_GETFD);
    return flags >= 0 && (flags & FD_CLOEXEC) === 0;
  });
}

/** Marks every inherited descriptor from `from` upwards close-on-exec: no child of ours gets it. */
export function keepInheritedFdsFromChildren(from = 3): void {
  const l = bind();
  for (const fd of inheritedFds(from)) l.fcntl(fd, F_SETFD, 'int', FD_CLOEXEC);
}

/** Closes every inherited descriptor from `from` upwards (a jailed process keeps none it did not ask for). */
export function closeInheritedFds(from: number): number[] {
  const l = bind();
  const fds = inheritedFds(from);
  for (const fd of fds) l.close(fd);
  return fds;
}
