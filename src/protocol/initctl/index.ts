// sysvinit's /run/initctl request (initreq.h): encoder and decoder. No I/O here; the writer is
// src/sandbox/initctl.ts.

export {
  DEFAULT_SLEEPTIME, INIT_CMD_RUNLVL, INIT_MAGIC, INIT_REQUEST_BYTES, RUNLEVELS,
  InitRequestError, decodeInitRequest, encodeInitRequest,
} from './request.js';
export type { EncodeOptions, InitRequest } from './request.js';
