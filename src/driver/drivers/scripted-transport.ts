// scripted-ups's byte movers: a serial port (src/driver/serial, raw: the script frames replies) or
// a TCP connection, both as a ByteLink. They only move bytes; the engine interprets them. A link
// that fails is reopened by the driver, with a backoff of 1 s doubling to 60 s.

import net from 'node:net';
import { DriverError } from '../../core/errors.js';
import { RAW_TTY, SerialLink, type ByteLink, type NativePort } from '../serial/index.js';
import type { Transport } from '../../protocol/script/index.js';

export const RECONNECT_MIN_MS = 1000;
export const RECONNECT_MAX_MS = 60_000;
/** A TCP connect that takes longer than this has failed. */
export const CONNECT_TIMEOUT_MS = 5000;
/** Bytes one read hands to the engine. */
export const READ_CHUNK = 512;

/** `host:port` (IPv6 as [addr]:port). */
export function parseHostPort(port: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]{2,64})\]|([A-Za-z0-9.-]{1,253})):(\d{1,5})$/.exec(port);
  const n = m ? Number(m[3]) : 0;
  if (!m || n < 1 || n > 65535) throw new DriverError(`port '${port}' is not host:port (the script's transport is tcp)`, 'ERR_SCRIPT');
  return { host: (m[1] ?? m[2]) as string, port: n };
}

export async function openSerial(path: string, t: Transport, lock: boolean): Promise<ByteLink> {
  const link = await SerialLink.open(path, { baudRate: t.baud, parity: t.parity, dataBits: t.dataBits, lock, tty: RAW_TTY });
  // a pty or a 3-wire port has no modem lines: NUT ignores that too
  try { await link.setLines(t.dtr, t.rts); } catch { /* no modem lines */ }
  return link;
}

/** A connected socket as serialport's NativePort: TCP has no modem lines, and a write is drained once written. */
function socketPort(sock: net.Socket): NativePort {
  return {
    get isOpen() { return !sock.destroyed; },
    open: (cb) => cb(null),
    close: (cb) => { sock.destroy(); cb(null); },
    write: (data, cb) => sock.write(data, (e) => cb(e ?? null)),
    drain: (cb) => { if (sock.writableNeedDrain) sock.once('drain', () => cb(null)); else cb(null); },
    set: (_opts, cb) => cb(null),
    // a socket's 'close' passes hadError (a boolean), not an Error: SerialLink gets none
    on: ((event: string, fn: (...args: unknown[]) => void) => (event === 'close' ? sock.on('close', () => fn()) : sock.on(event, fn))) as NativePort['on'],
    removeAllListeners: () => sock.removeAllListeners(),
  };
}

/** Connects to `host:port`; the result is a SerialLink over the socket (raw: the script frames replies). */
export function connectTcp(hostPort: string): Promise<ByteLink> {
  const { host, port } = parseHostPort(hostPort);
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    const t = setTimeout(() => { sock.destroy(); reject(new DriverError(`${hostPort}: connect timed out`, 'ERR_DRIVER')); }, CONNECT_TIMEOUT_MS);
    sock.once('connect', () => {
      clearTimeout(t);
      sock.removeAllListeners('error');
      resolve(SerialLink.over(hostPort, socketPort(sock), RAW_TTY));
    });
    sock.once('error', (e) => { clearTimeout(t); sock.destroy(); reject(new DriverError(`${hostPort}: ${e.message}`, 'ERR_DRIVER')); });
  });
}
