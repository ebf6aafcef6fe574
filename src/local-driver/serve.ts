// Root's half of reading a driver socket from a jail (upsmon's LOCALMONITOR, issue 14; the
// exporter's LOCAL lines, issue 18): the jailed child asks over Node's IPC channel with
// `{t:'local-connect', ups}` (one request per UPS in flight; anything else is ignored) and gets
// `{t:'local-socket', ups}` with the connected descriptor (SCM_RIGHTS), or with `error`. Root
// connects (driver-socket.ts: no path another user controls is followed) and reads nothing from
// the driver; what the child sends is bounded by ipc-guard.ts before Node parses it.

import type { ChildProcess } from 'node:child_process';
import type net from 'node:net';
import { connectDriverSocket, type DriverSocketTarget } from './driver-socket.js';

import type { LocalSocketReply } from './messages.js';

/**
 * Answers the child's requests for the driver sockets in `targets` (by the name the child uses).
 * `refused` is told of a socket that is not the driver's (UnsafePathError), for root's log.
 */
export function serveDriverSockets(child: ChildProcess, targets: () => ReadonlyMap<string, DriverSocketTarget>, refused: (ups: string, why: string) => void): void {
  const inFlight = new Set<string>();
  child.on('message', (m: unknown, handle: unknown) => {
    // nothing the child hands over is kept open in root
    const h = handle as { destroy?: () => void; close?: () => void } | null | undefined;
    if (h?.destroy) h.destroy(); else h?.close?.();
    const ups = typeof m === 'object' && m !== null && (m as { t?: unknown }).t === 'local-connect' ? (m as { ups?: unknown }).ups : undefined;
    const target = typeof ups === 'string' ? targets().get(ups) : undefined;
    if (typeof ups !== 'string' || target === undefined || inFlight.has(ups)) return;
    inFlight.add(ups);
    const reply = (msg: LocalSocketReply, sock?: net.Socket): void => {
      inFlight.delete(ups);
      if (!child.connected) { sock?.destroy(); return; }
      try { child.send(msg, sock); } catch { sock?.destroy(); }
    };
    connectDriverSocket(target).then(
      (sock) => reply({ t: 'local-socket', ups }, sock),
      (err: unknown) => {
        const e = err as { code?: string; message?: string };
        if (e.code === 'ERR_UNSAFE_PATH') refused(ups, e.message ?? '');
        reply({ t: 'local-socket', ups, error: e.code ?? String(err) });
      },
    );
  });
  child.on('error', () => undefined);
}
