// The few libc calls Node does not offer, bound with koffi (DESIGN.md: ffi-napi does not build on
// Node 20). Loaded lazily: tools that never chroot or log to syslog never load the native module.
import { createRequire } from 'node:module';
import { HardnutError } from '../core/errors.js';

interface KoffiLib { func(signature: string): (...args: unknown[]) => unknown }
interface Koffi { load(path: string): KoffiLib; errno(): number }

export class LibcError extends HardnutError {
  readonly errno: number;
  constructor(call: string, errno: number) {
    super('ERR_LIBC', `${call} failed (errno ${errno})`);
    this.errno = errno;
  }
}

let bound: {
  koffi: Koffi;
  chroot: (path: string) => number;
  openlog: (ident: Buffer, option: number, facility: number) => void;
  syslog: (priority: number, fmt: string, ...rest: unknown[]) => void;
  setsid: () => number;
  ioctl: (fd: number, request: number, ...rest: unknown[]) => number;
  prctl: (option: number, a: number, b: number, c: number, d: number) => number;
  syscall: (number: number, ...rest: unknown[]) => number;
  fchownat: (dirfd: number, path: string, owner: number, group: number, flags: number) => number;
} | undefined;

function libc(): NonNullable<typeof bound> {
  if (bound) return bound;
  // createRequire: koffi is CommonJS with a native addon, kept outside the bundle.
  const koffi = createRequire(import.meta.url)('koffi') as Koffi;
  const lib = koffi.load('libc.so.6');
  bound = {
    koffi,
    chroot: lib.func('int chroot(const char *path)') as (path: string) => number,
    openlog: lib.func('void openlog(void *ident, int option, int facility)') as (i: Buffer, o: number, f: number) => void,
    syslog: lib.func('void syslog(int priority, const char *fmt, ...)') as (p: number, f: string, ...r: unknown[]) => void,
    setsid: lib.func('int setsid(void)') as () => number,
    ioctl: lib.func('int ioctl(int fd, unsigned long request, ...)') as (fd: number, request: number, ...r: unknown[]) => number,
    prctl: lib.func('int prctl(int option, unsigned long a, unsigned long b, unsigned long c, unsigned long d)') as (o: number, a: number, b: number, c: number, d: number) => number,
    syscall: lib.func('long syscall(long number, ...)') as (n: number, ...r: unknown[]) => number,
    fchownat: lib.func('int fchownat(int dirfd, const char *path, uint32_t owner, uint32_t group, int flags)') as (d: number, p: string, o: number, g: number, f: number) => number,
  };
  return bound;
}

/** Loads the bindings now (before a chroot, after which no module can be loaded). */
export function preloadLibc(): void {
  libc();
}

export function chroot(path: string): void {
  const l = libc();
  if (l.chroot(path) !== 0) throw new LibcError(`chroot(${path})`, l.koffi.errno());
}

/** asm-generic/ioctls.h (x86_64 and aarch64 alike): give up the controlling terminal. */
export const TIOCNOTTY = 0x5422;
const PR_SET_NO_NEW_PRIVS = 38;

/** setsid(2): a session of our own, hence no controlling terminal. Fails (EPERM) for a group leader. */
export function setsid(): void {
  const l = libc();
  if (l.setsid() < 0) throw new LibcError('setsid()', l.koffi.errno());
}

/** ioctl(fd, TIOCNOTTY): detaches this process from its controlling terminal `fd`. */
export function detachTerminal(fd: number): void {
  const l = libc();
  if (l.ioctl(fd, TIOCNOTTY) !== 0) throw new LibcError('ioctl(TIOCNOTTY)', l.koffi.errno());
}

/** prctl(PR_SET_NO_NEW_PRIVS): no exec of ours can gain privileges again (setuid bits, file caps). */
export function setNoNewPrivs(): void {
  const l = libc();
  if (l.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) !== 0) throw new LibcError('prctl(PR_SET_NO_NEW_PRIVS)', l.koffi.errno());
}

// asm-generic unistd.h: the same numbers on x86_64 and aarch64 (every arch since 5.1/5.3).
const SYS_PIDFD_SEND_SIGNAL = 424;
const SYS_PIDFD_OPEN = 434;
/** open(2) O_PATH (x86_64 and aarch64): a descriptor naming a file, usable with *at(AT_EMPTY_PATH). */
export const O_PATH = 0o10000000;
const AT_EMPTY_PATH = 0x1000;

/**
 * pidfd_open(2): a descriptor for the process `pid` is now. Signals through it reach that process
 * or fail with ESRCH once it has exited, never a process that reused its pid.
 */
export function pidfdOpen(pid: number): number {
  const l = libc();
  const fd = Number(l.syscall(SYS_PIDFD_OPEN, 'int', pid, 'unsigned int', 0));
  if (fd < 0) throw new LibcError(`pidfd_open(${String(pid)})`, l.koffi.errno());
  return fd;
}

/** pidfd_send_signal(2) with no siginfo: kill(2) for the process the pidfd was opened for. */
export function pidfdSendSignal(pidfd: number, signal: number): void {
  const l = libc();
  if (Number(l.syscall(SYS_PIDFD_SEND_SIGNAL, 'int', pidfd, 'int', signal, 'void *', null, 'unsigned int', 0)) !== 0) {
    throw new LibcError(`pidfd_send_signal(${String(signal)})`, l.koffi.errno());
  }
}

/**
 * fchownat(fd, "", uid, gid, AT_EMPTY_PATH): changes the owner of the file `fd` names (an O_PATH
 * descriptor, say) without resolving any path again. -1 leaves a field as it is.
 */
export function fchownDescriptor(fd: number, uid: number, gid: number): void {
  const l = libc();
  if (l.fchownat(fd, '', uid >>> 0, gid >>> 0, AT_EMPTY_PATH) !== 0) throw new LibcError('fchownat(AT_EMPTY_PATH)', l.koffi.errno());
}

export const LOG_PID = 0x01;
export const LOG_NDELAY = 0x08;
export const LOG_DAEMON = 3 << 3;

// openlog keeps the ident pointer: the buffer must live as long as the process.
let identBuffer: Buffer | undefined;

export function openSyslog(ident: string): void {
  const l = libc();
  identBuffer = Buffer.from(`${ident}\0`, 'latin1');
  l.openlog(identBuffer, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

export function syslog(priority: number, message: string): void {
  // "%s" with the message as an argument: a message is never a format string.
  libc().syslog(priority, '%s', 'const char *', message);
}
