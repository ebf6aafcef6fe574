// upsd's listening sockets (spec §2.1, §4.2 LISTEN): TCP from LISTEN lines (or NUT's defaults),
// and hardnut's Unix-socket listener. Bound once, at startup, while upsd is still root; LISTEN
// changes need a restart (NUT ignores them on reload too).
//
// hardnut addition: `LISTEN /path/to/socket` (an address starting with "/") listens on a Unix
// socket. The socket is created with mode 0660, owned by upsd's run-as user and its group: who may
// connect is decided by file permissions (and those of the directory). Clients address it as
// `ups@/path/to/socket`. NUT has no such listener.
//
// Root never chmods or chowns the socket by path where another user can write (issue 19: nut
// swapped a symlink in between listen() and chown() and got a root file). In such a directory
// root binds with its effective uid and gid set to the run-as user's and umask 117: the kernel
// creates the socket with that owner and mode 0660, and bind(2) fails on a planted symlink
// instead of following it. Only in a root-only directory does root bind and then chown by path.

import dns from 'node:dns/promises';
import { chownSync, lstatSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { dirname } from 'node:path';
import type { Logger } from '../runtime/log.js';
import { rootOnlyPath } from '../sandbox/safe-path.js';
import { HardnutError } from '../core/errors.js';
import type { UpsdListen } from '../core/config/upsd-conf.js';
import { NUT_PORT } from '../core/config/upsd-conf.js';

export class ListenError extends HardnutError {
  constructor(message: string) {
    super('ERR_LISTEN', message);
  }
}

/** Pending-connection queue of each listener (NUT uses 16; a burst of clients should not wait on SYN retries). */
export const LISTEN_BACKLOG = 511;
/** Mode of a Unix-socket listener: owner and group may connect, nobody else. */
export const UNIX_SOCKET_MODE = 0o660;

export type ListenSpec =
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'unix'; path: string };

export interface BoundListener {
  spec: ListenSpec;
  server: net.Server;
  /** `127.0.0.1 port 3493`, `/run/nut/upsd.sock`: for log lines. */
  label: string;
}

/** From upsd.conf's LISTEN lines, or NUT's default (::1 and 127.0.0.1 on 3493, within -4/-6). */
export function listenSpecs(listen: readonly UpsdListen[], family?: 4 | 6): ListenSpec[] {
  if (listen.length === 0) {
    const out: ListenSpec[] = [];
    if (family !== 4) out.push({ kind: 'tcp', host: '::1', port: NUT_PORT });
    if (family !== 6) out.push({ kind: 'tcp', host: '127.0.0.1', port: NUT_PORT });
    return out;
  }
  return listen.map((l) => (l.address.startsWith('/') ? { kind: 'unix', path: l.address } : { kind: 'tcp', host: l.address, port: l.port }));
}

function labelOf(spec: ListenSpec): string {
  return spec.kind === 'unix' ? spec.path : `${spec.host} port ${String(spec.port)}`;
}

/** Loopback listeners may fail without stopping upsd (§2.1: e.g. ::1 on a host without IPv6). */
function isLocalhost(spec: ListenSpec): boolean {
  if (spec.kind === 'unix') return false;
  const h = spec.host.toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\./.test(h);
}

function listenOn(options: net.ListenOptions): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    // paused: upsd moves each accepted socket's handle before anything is read (adopt-socket.ts)
    const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true }); // half-open: connection.ts onEnd
    server.once('error', reject);
    server.listen({ backlog: LISTEN_BACKLOG, exclusive: true, ...options }, () => {
      server.removeListener('error', reject);
      resolve(server);
    });
  });
}

export interface BindOptions {
  family?: 4 | 6;
  /** ALLOW_NOT_ALL_LISTENERS: start even if some non-loopback listeners fail. */
  allowNotAll: boolean;
  /** Owner of Unix-socket listeners (upsd's run-as user), when started as root. */
  unixOwner?: { uid: number; gid: number };
  log: Logger;
}

/** Binds every listener; throws ListenError when upsd must not start (§2.1). */
export async function bindAll(specs: readonly ListenSpec[], opts: BindOptions): Promise<BoundListener[]> {
  const bound: BoundListener[] = [];
  const failed: ListenSpec[] = [];
  for (const spec of specs) {
    try {
      const servers = spec.kind === 'unix' ? [await bindUnix(spec.path, opts)] : await bindTcp(spec, opts.family);
      for (const server of servers) bound.push({ spec, server, label: labelOf(spec) });
      opts.log.info(`listening on ${labelOf(spec)}`);
    } catch (err) {
      if (err instanceof ListenError) {
        for (const b of bound) b.server.close();
        throw err;
      }
      failed.push(spec);
      opts.log.error(`not listening on ${labelOf(spec)}: ${(err as Error).message}`);
    }
  }
  if (bound.length === 0) throw new ListenError('no listening interface available');
  const serious = failed.filter((s) => !isLocalhost(s));
  if (serious.length > 0 && !opts.allowNotAll) {
    for (const b of bound) b.server.close();
    throw new ListenError(`not listening on ${serious.map(labelOf).join(', ')}; fix LISTEN in upsd.conf, or set ALLOW_NOT_ALL_LISTENERS true to start without ${serious.length > 1 ? 'them' : 'it'}`);
  }
  return bound;
}

/**
 * One LISTEN line: NUT binds the first address the name resolves to that can be bound. `*` means
 * every interface: `::` (IPv6 only) and `0.0.0.0`, each optional as long as one binds.
 */
async function bindTcp(spec: Extract<ListenSpec, { kind: 'tcp' }>, family?: 4 | 6): Promise<net.Server[]> {
  if (spec.host === '*') {
    const out: net.Server[] = [];
    let lastErr: unknown;
    if (family !== 4) {
      try { out.push(await listenOn({ host: '::', port: spec.port, ipv6Only: true })); } catch (e) { lastErr = e; }
    }
    if (family !== 6) {
      try { out.push(await listenOn({ host: '0.0.0.0', port: spec.port })); } catch (e) { lastErr = e; }
    }
    if (out.length === 0) throw lastErr instanceof Error ? lastErr : new Error('cannot bind');
    return out;
  }
  let addrs: Array<{ address: string; family: number }>;
  try {
    addrs = await dns.lookup(spec.host, { all: true, verbatim: true, ...(family !== undefined ? { family } : {}) });
  } catch (err) {
    // NUT: a getaddrinfo failure is fatal
    throw new ListenError(`LISTEN ${spec.host}: cannot resolve the address (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let lastErr: unknown = new Error('no address');
  for (const a of addrs) {
    try {
      return [await listenOn({ host: a.address, port: spec.port, ...(a.family === 6 ? { ipv6Only: true } : {}) })];
    } catch (e) {
      lastErr = e;
    }
  }
  throw lastErr instanceof Error ? lastErr : new Error(String(lastErr));
}

async function bindUnix(path: string, opts: BindOptions): Promise<net.Server> {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    st = undefined;
  }
  if (st) {
    if (!st.isSocket()) throw new ListenError(`LISTEN ${path}: the path exists and is not a socket; upsd will not replace it`);
    unlinkSync(path); // left over from an earlier run
  }
  const owner = opts.unixOwner;
  const asOwner = owner !== undefined && !rootOnlyPath(dirname(path));
  // umask 117: the socket is UNIX_SOCKET_MODE from the first moment; no chmod afterwards
  const old = process.umask(0o777 & ~UNIX_SOCKET_MODE);
  const egid = process.getegid?.();
  let server: net.Server;
  try {
    if (asOwner) { process.setegid?.(owner.gid); process.seteuid?.(owner.uid); }
    server = await listenOn({ path });
  } finally {
    if (asOwner) { process.seteuid?.(0); if (egid !== undefined) process.setegid?.(egid); }
    process.umask(old);
  }
  // root-only directory: nobody else can put a link at `path`, and the run-as user could not bind here
  if (owner && !asOwner) chownSync(path, owner.uid, owner.gid);
  return server;
}

/** Removes a Unix-socket listener's file (at stop), if it is still a socket. */
export function unlinkUnixSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch { /* gone, or not ours to remove any more */ }
}
