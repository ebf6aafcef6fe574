// sysvinit's control request (initreq.h), the 384 bytes `telinit <level>` writes to init's FIFO
// (/run/initctl, formerly /dev/initctl). Pure: encodes and decodes bytes, no I/O.
//
//   struct init_request {             offset
//     int magic;      0x03091969         0
//     int cmd;        INIT_CMD_RUNLVL=1  4
//     int runlevel;   the level's ASCII  8   (e.g. '0' = 48 for halt/power-off)
//     int sleeptime;  seconds TERM→KILL 12   (telinit sends 5 unless -t)
//     union { struct init_request_bsd; char data[368]; } i;   16, zeroed
//   };                                  384
// The ints are native-endian (init reads the struct straight from the pipe).
import { HardnutError } from '../../core/errors.js';

export const INIT_REQUEST_BYTES = 384;
export const INIT_MAGIC = 0x03091969;
export const INIT_CMD_RUNLVL = 1;
/** What `telinit` sends without -t (sysvinit's init.c: sltime = 5). */
export const DEFAULT_SLEEPTIME = 5;
/** The levels telinit accepts. */
export const RUNLEVELS = '0123456789SsQqAaBbCcUu';

export class InitRequestError extends HardnutError {
  constructor(message: string) {
    super('ERR_INITCTL', message);
  }
}

export interface InitRequest { magic: number; cmd: number; runlevel: string; sleeptime: number }

export interface EncodeOptions {
  sleeptime?: number;
  /** Byte order of init's ints: the host's (os.endianness() === 'LE' on every Linux Node runs on but s390x). */
  littleEndian?: boolean;
}

export function encodeInitRequest(runlevel: string, opts: EncodeOptions = {}): Uint8Array {
  if (runlevel.length !== 1 || !RUNLEVELS.includes(runlevel)) throw new InitRequestError(`bad runlevel '${runlevel}'`);
  const sleeptime = opts.sleeptime ?? DEFAULT_SLEEPTIME;
  if (!Number.isInteger(sleeptime) || sleeptime < 0 || sleeptime > 0x7fffffff) throw new InitRequestError(`bad sleeptime ${sleeptime}`);
  const le = opts.littleEndian ?? true;
  const bytes = new Uint8Array(INIT_REQUEST_BYTES);
  const view = new DataView(bytes.buffer);
  view.setInt32(0, INIT_MAGIC, le);
  view.setInt32(4, INIT_CMD_RUNLVL, le);
  view.setInt32(8, runlevel.charCodeAt(0), le);
  view.setInt32(12, sleeptime, le);
  return bytes;
}

/** For tests and diagnostics: the fields of a request; throws on a wrong size. */
export function decodeInitRequest(bytes: Uint8Array, littleEndian = true): InitRequest {
  if (bytes.length !== INIT_REQUEST_BYTES) throw new InitRequestError(`an init request is ${INIT_REQUEST_BYTES} bytes, got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    magic: view.getInt32(0, littleEndian),
    cmd: view.getInt32(4, littleEndian),
    runlevel: String.fromCharCode(view.getInt32(8, littleEndian) & 0xff),
    sleeptime: view.getInt32(12, littleEndian),
  };
}
