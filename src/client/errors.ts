// Transport errors of the client library. Messages are libupsclient's texts ("Connection
// failure: Connection refused", "No such host", "Server disconnected"…) so that tools print
// what NUT's tools print; the code says what happened for programs.
import { HardnutError } from '../core/errors.js';

export type TransportErrorCode =
  | 'ERR_NO_SUCH_HOST' // name does not resolve
  | 'ERR_CONNECT' // connect() failed or timed out
  | 'ERR_TIMEOUT' // no (complete) reply within the request timeout
  | 'ERR_DISCONNECTED' // the server closed the connection
  | 'ERR_READ' // read error on the socket
  | 'ERR_WRITE' // write error on the socket
  | 'ERR_TLS' // TLS handshake or certificate verification failed
  | 'ERR_TLS_UNAVAILABLE' // TLS was required but the server does not offer STARTTLS
  | 'ERR_CLOSED' // the client was closed while the request waited
  | 'ERR_NOT_CONNECTED'; // ReconnectingClient is waiting before its next attempt

export class NutTransportError extends HardnutError {
  declare readonly code: TransportErrorCode;
  constructor(code: TransportErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** strerror() texts for the errno names Node reports, so messages match C tools. */
const STRERROR: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'Connection refused',
  ETIMEDOUT: 'Connection timed out',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  ECONNRESET: 'Connection reset by peer',
  ECONNABORTED: 'Software caused connection abort',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EADDRINUSE: 'Address already in use',
  EAFNOSUPPORT: 'Address family not supported by protocol',
  EPIPE: 'Broken pipe',
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  ENOTSOCK: 'Socket operation on non-socket',
  ENOTDIR: 'Not a directory',
  EINVAL: 'Invalid argument',
  EMFILE: 'Too many open files',
  ENAMETOOLONG: 'File name too long',
};

/** What C's strerror() would say for a Node system error. */
export function strerror(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && STRERROR[code] !== undefined) return STRERROR[code];
  if (typeof code === 'string') return code;
  return err instanceof Error ? err.message : String(err);
}
