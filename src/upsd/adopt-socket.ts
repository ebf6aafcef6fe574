// Reads a client socket through a callback into one shared buffer instead of Node's stream 'data'
// events: GET VAR is syscall-bound, and the Readable machinery (a fresh Buffer per read, push,
// emit) costs about 0.8 µs of the ~9 µs a request costs upsd (BENCHMARKS.md, "Where the time goes").
//
// node:net offers this (`onread`) only to sockets it creates itself, not to accepted ones, so the
// accepted socket's handle is moved into a new net.Socket that has it. That relies on the
// `handle` constructor option and the `_handle` field, which node:net has had since v0.x but does
// not document: if either is missing, adoptSocket returns null and the caller keeps the accepted
// socket with ordinary 'data' events (same behaviour, only slower).
//
// The listener must be created with pauseOnConnect, so that no read starts before the move.

import net from 'node:net';

/** One buffer for every connection: callbacks run one at a time and consume (or copy) it at once. */
export const READ_BUFFER_BYTES = 64 * 1024;
const shared = Buffer.allocUnsafe(READ_BUFFER_BYTES);

/** Bytes valid only until the callback returns. */
export type BytesHandler = (bytes: Uint8Array) => void;

interface HandleCarrier { _handle?: object | null }
interface AdoptOptions extends net.SocketConstructorOpts { handle: object; onread: net.OnReadOpts }

export function adoptSocket(accepted: net.Socket, onBytes: BytesHandler): net.Socket | null {
  const carrier = accepted as unknown as HandleCarrier;
  const handle = carrier._handle;
  if (handle === undefined || handle === null || accepted.destroyed) return null;
  const options: AdoptOptions = {
    handle,
    allowHalfOpen: accepted.allowHalfOpen,
    readable: true,
    writable: true,
    onread: { buffer: shared, callback: (n: number, buf: Uint8Array): boolean => { onBytes(buf.subarray(0, n)); return true; } },
  };
  carrier._handle = null;
  const adopted = new net.Socket(options);
  if ((adopted as unknown as HandleCarrier)._handle !== handle) {
    // node:net ignored the option: give the handle back, nothing was read yet
    carrier._handle = handle;
    adopted.destroy();
    return null;
  }
  // The husk has no handle any more: destroying it closes nothing, and the listener stops
  // counting it (upsd counts its connections itself, MAXCONN).
  accepted.destroy();
  return adopted;
}
