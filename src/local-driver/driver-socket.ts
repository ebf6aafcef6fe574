// LOCALMONITOR's connection to a driver socket, made by root (the supervisor, or upsmon -p) for
// a reader that cannot reach the socket itself: the jailed monitor has an empty root directory.
//
// The state directory is usually writable by the driver's user (Debian: /run/nut root:nut 0770),
// so root must not follow a name there that user controls: the socket is opened O_PATH|O_NOFOLLOW
// (a symlink is refused), checked on the descriptor (a socket, owned by root or the driver's user,
// one link: a hard link to some other daemon's socket has two), and connected through
// /proc/self/fd/N, i.e. to exactly the inode checked. That also lifts sun_path's 108-byte limit.
// The connection is paused as soon as it is made: root reads nothing from a driver.

import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import net from 'node:net';
import { UnsafePathError } from '../core/errors.js';

/** open(2)'s O_PATH (not in fs.constants): a descriptor that names the inode and reads nothing. */
const O_PATH = 0o10000000;

export interface DriverSocketTarget {
  /** `<statepath>/<driver>-<ups>` (NUT's naming). */
  path: string;
  /** Who may own the socket: root and the driver's user. */
  owners: readonly number[];
}

/** The descriptor's problem as a driver socket, or undefined if it may be connected to. */
export function driverSocketProblem(st: { isSocket(): boolean; isSymbolicLink(): boolean; uid: number; nlink: number }, owners: readonly number[]): string | undefined {
  // O_PATH|O_NOFOLLOW opens a symlink itself rather than failing
  if (st.isSymbolicLink()) return 'is a symlink: not followed';
  if (!st.isSocket()) return 'not a socket';
  if (!owners.includes(st.uid)) return `owned by uid ${String(st.uid)}, not by root or the driver's user`;
  if (st.nlink !== 1) return `has ${String(st.nlink)} links (a hard link to another socket?)`;
  return undefined;
}

/**
 * Connects to the driver socket; resolves with the connected, paused socket. Rejects with the
 * errno error of open/connect (ENOENT, ECONNREFUSED…), or UnsafePathError for a socket that is
 * not the driver's.
 */
export function connectDriverSocket(target: DriverSocketTarget): Promise<net.Socket> {
  return new Promise<net.Socket>((resolve, reject) => {
    let fd: number;
    try {
      fd = openSync(target.path, O_PATH | constants.O_NOFOLLOW); // libuv adds O_CLOEXEC
    } catch (err) {
      // O_NOFOLLOW on a symlink: ELOOP
      reject((err as NodeJS.ErrnoException).code === 'ELOOP' ? new UnsafePathError(target.path, 'is a symlink: not followed') : err);
      return;
    }
    let problem: string | undefined;
    try { problem = driverSocketProblem(fstatSync(fd), target.owners); } catch (err) { closeSync(fd); reject(err); return; }
    if (problem !== undefined) { closeSync(fd); reject(new UnsafePathError(target.path, problem)); return; }
    const sock = net.createConnection({ path: `/proc/self/fd/${String(fd)}` });
    const done = (): void => { try { closeSync(fd); } catch { /* closed */ } };
    sock.once('connect', () => {
      done();
      // before Node's first read(0): nothing the driver sends is read here
      sock.pause();
      sock.on('error', () => undefined); // the reader sees the driver's errors, not root
      resolve(sock);
    });
    sock.once('error', (err) => { done(); sock.destroy(); reject(err); });
  });
}
