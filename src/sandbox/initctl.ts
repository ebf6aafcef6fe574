// initctl mode (DESIGN.md, issue 5 item 3): on a sysvinit host upsmon's dispatcher opens init's
// FIFO while it is root and keeps only that fd; at SHUTDOWN it writes the 384-byte request for
// runlevel 0. No setuid helper is involved: the open fd is the whole privilege, and it can do
// nothing but ask init to change runlevel.
import { closeSync, constants, fstatSync, openSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';
import { HardnutError, UnsafePathError } from '../core/errors.js';
import { INIT_REQUEST_BYTES, encodeInitRequest } from '../protocol/initctl/index.js';

/** Where sysvinit listens: /run/initctl since sysvinit 2.93, /dev/initctl before (and as a symlink). */
export const DEFAULT_INITCTL_PATHS = ['/run/initctl', '/dev/initctl'] as const;

export class InitctlError extends HardnutError {
  constructor(message: string) {
    super('ERR_INITCTL', message);
  }
}

export class InitctlChannel {
  private fd: number | undefined;

  private constructor(readonly path: string, fd: number) {
    this.fd = fd;
  }

  /**
   * Opens init's FIFO for writing (call while root). Without a path, the first of
   * DEFAULT_INITCTL_PATHS that exists. O_NONBLOCK: fails at once (ENXIO) instead of hanging when
   * nothing reads the FIFO, i.e. init is not sysvinit. Symlinks are followed (Debian's
   * /dev/initctl is one); what is opened must be a FIFO owned by root (or by us, when not root)
   * and not writable by group or others.
   */
  static open(path?: string): InitctlChannel {
    const candidates = path !== undefined ? [path] : [...DEFAULT_INITCTL_PATHS];
    let lastError: unknown;
    for (const p of candidates) {
      let fd: number;
      try {
        fd = openSync(p, constants.O_WRONLY | constants.O_NONBLOCK);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        lastError = code === 'ENXIO' ? new InitctlError(`${p}: nothing reads it (is init sysvinit?)`) : new InitctlError(`${p}: cannot open (${code ?? String(err)})`);
        if (code === 'ENOENT') continue;
        throw lastError;
      }
      try {
        const st = fstatSync(fd);
        const euid = process.geteuid?.() ?? 0;
        if (!st.isFIFO()) throw new UnsafePathError(p, 'not a FIFO');
        if (st.uid !== 0 && st.uid !== euid) throw new UnsafePathError(p, `owned by uid ${st.uid}, not root`);
        if ((st.mode & 0o022) !== 0) throw new UnsafePathError(p, `mode ${(st.mode & 0o777).toString(8)}: writable by group or others`);
      } catch (err) {
        closeSync(fd);
        throw err;
      }
      return new InitctlChannel(p, fd);
    }
    throw lastError ?? new InitctlError('no initctl FIFO');
  }

  /** Asks init for a runlevel ('0': halt and power off). One write of 384 bytes (≤ PIPE_BUF: atomic). */
  requestRunlevel(runlevel = '0', sleeptime?: number): void {
    if (this.fd === undefined) throw new InitctlError(`${this.path}: closed`);
    const request = encodeInitRequest(runlevel, { littleEndian: endianness() === 'LE', ...(sleeptime !== undefined ? { sleeptime } : {}) });
    let written: number;
    try {
      written = writeSync(this.fd, request);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') throw new InitctlError(`${this.path}: init no longer reads it (re-executed?)`);
      if (code === 'EAGAIN') throw new InitctlError(`${this.path}: pipe full, init is not reading`);
      throw new InitctlError(`${this.path}: write failed (${code ?? String(err)})`);
    }
    if (written !== INIT_REQUEST_BYTES) throw new InitctlError(`${this.path}: short write (${written} of ${INIT_REQUEST_BYTES})`);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
