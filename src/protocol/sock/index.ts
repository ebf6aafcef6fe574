// Driver ⇄ upsd socket protocol (spec §3): typed messages, encoders, parsers, dumps, a decoder.
// No I/O here; the socket classes live in driver/ and upsd/.

export type { ClientMessage, ClientMessageType, DriverMessage, DriverMessageType, Malformed } from './messages.js';
export { isMalformed } from './messages.js';
export { MAX_NAME_LEN, encodeClientMessage, encodeDriverMessage, isValidName, sanitizeValue } from './encode.js';
export { atoi, parseClientMessage, parseDriverMessage, strtol } from './parse.js';
export { dumpAll, dumpStatus, dumpValue, varLines } from './dump.js';
export { MAX_SOCK_LINE_BYTES, SockDecoder } from './decoder.js';
export type { SockDecodeResult, SockDecoderLimits } from './decoder.js';
