// The frame codec of upsmon's one-way pipe (DESIGN.md): `[STX][type][len]<name>[ETX]`.
//
//   STX   0x02
//   type  one byte from the fixed table (table.ts)
//   len   one byte: 1–64 for a `ups` type, 0 for a `host` type
//   name  len bytes of [A-Za-z0-9._@:[]-] (names.ts)
//   ETX   0x03
//
// The decoder is a byte-level state machine: it accepts frames split across reads at any byte,
// keeps at most one frame's name (64 bytes) between reads, and stops at the first malformed byte
// with a typed error — it never resynchronises, since the dispatcher kills the writer on any error.

import { HardnutError } from '../../core/errors.js';
import { frameTypeByCode, frameTypeByName, type FrameTypeName } from './table.js';
import { MAX_FRAME_NAME_BYTES, frameNameProblem, isFrameNameByte } from './names.js';

export const STX = 0x02;
export const ETX = 0x03;
/** STX + type + len + ETX. */
export const FRAME_OVERHEAD_BYTES = 4;
export const MAX_FRAME_BYTES = FRAME_OVERHEAD_BYTES + MAX_FRAME_NAME_BYTES;

export interface Frame {
  type: FrameTypeName;
  code: number;
  /** The UPS (MONITOR system name); '' for host frames. */
  name: string;
}

export type FrameErrorCode =
  | 'bad-start' // a frame does not begin with STX
  | 'unknown-type' // the type byte is not in the table
  | 'bad-length' // length > 64, 0 for a ups frame, or not 0 for a host frame
  | 'bad-char' // a name byte outside the allowed set
  | 'missing-etx' // the byte after the name is not ETX
  | 'truncated' // the stream ended inside a frame
  | 'extra-bytes'; // decodeFrame: bytes after the frame's ETX

export interface FrameError {
  code: FrameErrorCode;
  /** Offset of the offending byte in the whole stream (for `truncated`: the stream length). */
  offset: number;
  /** The offending byte, when there is one. */
  byte?: number;
  message: string;
}

/** encodeFrame was given a type or name that cannot be framed. */
export class FrameEncodeError extends HardnutError {
  constructor(message: string) {
    super('ERR_NOTIFY_FRAME', message);
  }
}

/** Encodes one frame; `name` is the UPS for ups frames and must be omitted (or '') for host frames. */
export function encodeFrame(type: FrameTypeName, name = ''): Uint8Array {
  const info = frameTypeByName(type);
  if (info === undefined) throw new FrameEncodeError(`unknown frame type ${JSON.stringify(type)}`);
  if (info.scope === 'host') {
    if (name !== '') throw new FrameEncodeError(`${type} frames carry no UPS name`);
  } else {
    const problem = frameNameProblem(name);
    if (problem !== undefined) throw new FrameEncodeError(`cannot frame ${type} for this UPS: ${problem}`);
  }
  const out = new Uint8Array(FRAME_OVERHEAD_BYTES + name.length);
  out[0] = STX;
  out[1] = info.code;
  out[2] = name.length;
  for (let i = 0; i < name.length; i++) out[3 + i] = name.charCodeAt(i);
  out[3 + name.length] = ETX;
  return out;
}

export interface FrameDecodeResult {
  /** Complete, well-formed frames in stream order (those before an error included). */
  frames: Frame[];
  /** The first malformed byte; once set, every later push() returns it again and no frames. */
  error?: FrameError;
}

/** Decoder states: waiting for STX, type, length, name bytes, ETX. */
const St = { Start: 0, Type: 1, Len: 2, Name: 3, End: 4 } as const;
type St = (typeof St)[keyof typeof St];

/** Streaming decoder: push() each chunk as read; end() when the stream closes. */
export class FrameDecoder {
  private st: St = St.Start;
  private code = 0;
  private len = 0;
  private got = 0;
  private readonly name = new Uint8Array(MAX_FRAME_NAME_BYTES);
  private offset = 0;
  private failed: FrameError | undefined;

  /** Name bytes held for the frame in progress (never more than MAX_FRAME_NAME_BYTES). */
  get bufferedBytes(): number {
    return this.got;
  }

  /** True between frames: end() now would not report `truncated`. */
  get idle(): boolean {
    return this.st === St.Start && this.failed === undefined;
  }

  get error(): FrameError | undefined {
    return this.failed;
  }

  push(chunk: Uint8Array): FrameDecodeResult {
    const frames: Frame[] = [];
    if (this.failed !== undefined) return { frames, error: this.failed };
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] as number;
      const err = this.byte(b, frames);
      this.offset++;
      if (err !== undefined) {
        this.failed = err;
        this.got = 0;
        return { frames, error: err };
      }
    }
    return { frames };
  }

  /** The stream closed: an error if it ended inside a frame (or had failed before). */
  end(): FrameError | undefined {
    if (this.failed !== undefined) return this.failed;
    if (this.st !== St.Start) {
      this.failed = { code: 'truncated', offset: this.offset, message: 'the stream ended inside a frame' };
      this.got = 0;
    }
    return this.failed;
  }

  private byte(b: number, frames: Frame[]): FrameError | undefined {
    switch (this.st) {
      case St.Start:
        if (b !== STX) return this.fail('bad-start', b, 'expected STX (0x02) at the start of a frame');
        this.st = St.Type;
        return undefined;
      case St.Type: {
        const info = frameTypeByCode(b);
        if (info === undefined) return this.fail('unknown-type', b, 'the type byte is not in the frame table');
        this.code = b;
        this.st = St.Len;
        return undefined;
      }
      case St.Len: {
        const info = frameTypeByCode(this.code);
        const host = info?.scope === 'host';
        if (b > MAX_FRAME_NAME_BYTES) return this.fail('bad-length', b, `the name length is over ${String(MAX_FRAME_NAME_BYTES)}`);
        if (host && b !== 0) return this.fail('bad-length', b, `${String(info?.type)} frames carry no name`);
        if (!host && b === 0) return this.fail('bad-length', b, `${String(info?.type)} frames need a UPS name`);
        this.len = b;
        this.got = 0;
        this.st = b === 0 ? St.End : St.Name;
        return undefined;
      }
      case St.Name:
        if (!isFrameNameByte(b)) return this.fail('bad-char', b, 'a name byte is outside the allowed characters');
        this.name[this.got++] = b;
        if (this.got === this.len) this.st = St.End;
        return undefined;
      case St.End: {
        if (b !== ETX) return this.fail('missing-etx', b, 'expected ETX (0x03) after the name');
        const info = frameTypeByCode(this.code);
        if (info === undefined) return this.fail('unknown-type', this.code, 'the type byte is not in the frame table');
        frames.push({ type: info.type, code: this.code, name: String.fromCharCode(...this.name.subarray(0, this.got)) });
        this.got = 0;
        this.st = St.Start;
        return undefined;
      }
    }
  }

  private fail(code: FrameErrorCode, byte: number, message: string): FrameError {
    return { code, offset: this.offset, byte, message };
  }
}

/** Decodes exactly one frame from `bytes` (no more, no less). */
export function decodeFrame(bytes: Uint8Array): { frame: Frame } | { error: FrameError } {
  const d = new FrameDecoder();
  let frame: Frame | undefined;
  for (let i = 0; i < bytes.length; i++) {
    const r = d.push(bytes.subarray(i, i + 1));
    if (r.error !== undefined) return { error: r.error };
    if (r.frames.length > 0) {
      frame = r.frames[0] as Frame;
      if (i + 1 < bytes.length) {
        return { error: { code: 'extra-bytes', offset: i + 1, byte: bytes[i + 1] as number, message: 'bytes follow the frame' } };
      }
    }
  }
  if (frame !== undefined) return { frame };
  const e = d.end();
  return { error: e ?? { code: 'truncated', offset: bytes.length, message: 'no frame' } };
}
