// The hardnut client library: NUT's network protocol as a typed promise API (DESIGN.md).
export {
  NutClient, DEFAULT_TIMEOUT_MS, DEFAULT_CONNECT_TIMEOUT_MS, TRACKING_POLL_MS,
  type ClientOptions, type TlsOptions, type StartTls, type UpsInfo, type RangeItem, type CommandResult,
} from './client.js';
export { ReconnectingClient, type ReconnectOptions, type ConnectionEvent } from './reconnecting.js';
export { NutTransportError, type TransportErrorCode } from './errors.js';
export { splitName, splitAddr, formatAddress, SpecError, DEFAULT_HOST, NUT_PORT, type ServerAddress, type UpsSpec } from './ups-spec.js';
export { NutError, NutProtocolError, NutRequestError } from '../protocol/net/client-errors.js';
export type { VarType, TrackingStatus, ReplyLine } from '../protocol/net/client-codec.js';
