// The framed pipe's codec: table, encoder, byte-level decoder (DESIGN.md "the framed pipe").
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { NOTIFY_TYPES } from '../../../src/core/config/upsmon-conf.js';
import {
  ETX, FRAME_TYPES, FrameDecoder, FrameEncodeError, MAX_FRAME_BYTES, MAX_FRAME_NAME_BYTES, STX,
  decodeFrame, encodeFrame, frameNameProblem, frameTypeByCode, isConfiguredName, type Frame, type FrameErrorCode,
} from '../../../src/protocol/notify-frame/index.js';

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
const u8 = (...parts: Array<number | number[] | string>): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'number' ? [p] : typeof p === 'string' ? ascii(p) : p)));

describe('frame table', () => {
  it('has one entry per notification type plus EXEC_SHUTDOWN and the two rule frames, with distinct codes away from STX/ETX', () => {
    expect(FRAME_TYPES).toHaveLength(35);
    expect(new Set(FRAME_TYPES.map((t) => t.code)).size).toBe(35);
    for (const t of NOTIFY_TYPES) expect(FRAME_TYPES.some((f) => f.type === t), t).toBe(true);
    for (const f of FRAME_TYPES) expect([STX, ETX]).not.toContain(f.code);
  });

  it('uses 0x40 + NUT’s NOTIFY_* number, and 0x60 for EXEC_SHUTDOWN', () => {
    expect(frameTypeByCode(0x40)?.type).toBe('ONLINE');
    expect(frameTypeByCode(0x41)?.type).toBe('ONBATT');
    expect(frameTypeByCode(0x46)?.type).toBe('SHUTDOWN');
    expect(frameTypeByCode(0x5a)?.type).toBe('SHUTDOWN_HOSTSYNC');
    expect(frameTypeByCode(0x5f)?.type).toBe('SUSPEND_FINISHED');
    expect(frameTypeByCode(0x60)).toMatchObject({ type: 'EXEC_SHUTDOWN', kind: 'command', scope: 'host' });
    // issue 16: rule frames carry a rule's name; 0x63 and up are still unknown
    expect(frameTypeByCode(0x61)).toMatchObject({ type: 'RULE_FIRE', kind: 'rule', scope: 'rule' });
    expect(frameTypeByCode(0x62)).toMatchObject({ type: 'RULE_CLEAR', kind: 'rule', scope: 'rule' });
    expect(frameTypeByCode(0x63)).toBeUndefined();
  });

  it('host frames are the ones NUT sends without a UPS name', () => {
    const host = FRAME_TYPES.filter((f) => f.scope === 'host').map((f) => f.type).sort();
    expect(host).toEqual(['EXEC_SHUTDOWN', 'NOPARENT', 'SHUTDOWN', 'SHUTDOWN_HOSTSYNC', 'SUSPEND_FINISHED', 'SUSPEND_STARTING', 'SUSPEND_TIMEJUMP_UNEXPECTED']);
  });
});

describe('encodeFrame', () => {
  it('writes STX, type, length, name, ETX', () => {
    expect([...encodeFrame('ONBATT', 'ups@host')]).toEqual([STX, 0x41, 8, ...ascii('ups@host'), ETX]);
    expect([...encodeFrame('SHUTDOWN')]).toEqual([STX, 0x46, 0, ETX]);
    expect([...encodeFrame('EXEC_SHUTDOWN')]).toEqual([STX, 0x60, 0, ETX]);
    expect([...encodeFrame('LOWBATT', 'ups@[::1]:3493')].slice(3, -1)).toEqual(ascii('ups@[::1]:3493'));
  });

  it('refuses what cannot be framed', () => {
    const bad: Array<[Parameters<typeof encodeFrame>[0], string]> = [
      ['ONBATT', ''], ['ONBATT', 'x'.repeat(65)], ['ONBATT', 'ups host'], ['ONBATT', 'ups/../x'], ['ONBATT', 'upsé'],
      ['ONBATT', 'u%s'], ['ONBATT', 'u\n'], ['SHUTDOWN', 'ups@host'], ['NOPE' as 'ONBATT', 'ups'],
    ];
    for (const [type, name] of bad) expect(() => encodeFrame(type, name), `${type} ${JSON.stringify(name)}`).toThrow(FrameEncodeError);
    expect(encodeFrame('ONBATT', 'x'.repeat(64))).toHaveLength(MAX_FRAME_BYTES);
  });

  it('frameNameProblem explains why a MONITOR name cannot be framed', () => {
    expect(frameNameProblem('ups@localhost:3493')).toBeUndefined();
    expect(frameNameProblem('x'.repeat(MAX_FRAME_NAME_BYTES + 1))).toMatch(/longer than 64/);
    expect(frameNameProblem('my ups')).toMatch(/may only contain/);
  });
});

describe('FrameDecoder', () => {
  it('decodes frames in a stream, a host frame with an empty name', () => {
    const d = new FrameDecoder();
    const r = d.push(u8(...encodeFrame('ONBATT', 'a@h'), ...encodeFrame('SHUTDOWN'), ...encodeFrame('EXEC_SHUTDOWN')));
    expect(r.error).toBeUndefined();
    expect(r.frames).toEqual([
      { type: 'ONBATT', code: 0x41, name: 'a@h' },
      { type: 'SHUTDOWN', code: 0x46, name: '' },
      { type: 'EXEC_SHUTDOWN', code: 0x60, name: '' },
    ]);
    expect(d.idle).toBe(true);
    expect(d.end()).toBeUndefined();
  });

  const malformed: Array<[string, Uint8Array, FrameErrorCode, number]> = [
    ['not STX first', u8(0x41, 0x41, 1, 'a', ETX), 'bad-start', 0],
    ['NUL first', u8(0), 'bad-start', 0],
    ['ETX first', u8(ETX), 'bad-start', 0],
    ['garbage after a good frame', u8(...encodeFrame('ONBATT', 'a'), 'x'), 'bad-start', 5],
    ['type 0x00', u8(STX, 0x00, 1, 'a', ETX), 'unknown-type', 1],
    ['type 0x3f', u8(STX, 0x3f, 1, 'a', ETX), 'unknown-type', 1],
    ['type 0x63', u8(STX, 0x63, 0, ETX), 'unknown-type', 1],
    ['length 0 for a rule frame', u8(STX, 0x61, 0, ETX), 'bad-length', 2],
    ['type 0xff', u8(STX, 0xff, 0, ETX), 'unknown-type', 1],
    ['type STX', u8(STX, STX, 0, ETX), 'unknown-type', 1],
    ['length 65', u8(STX, 0x41, 65), 'bad-length', 2],
    ['length 255', u8(STX, 0x41, 255), 'bad-length', 2],
    ['length 0 for a UPS frame', u8(STX, 0x41, 0, ETX), 'bad-length', 2],
    ['a name on a host frame', u8(STX, 0x46, 1, 'a', ETX), 'bad-length', 2],
    ['a name on EXEC_SHUTDOWN', u8(STX, 0x60, 3, 'a@h', ETX), 'bad-length', 2],
    ['space in the name', u8(STX, 0x41, 3, 'a h', ETX), 'bad-char', 4],
    ['slash in the name', u8(STX, 0x41, 3, 'a/h', ETX), 'bad-char', 4],
    ['NUL in the name', u8(STX, 0x41, 3, 'a', 0, 'h', ETX), 'bad-char', 4],
    ['high byte in the name', u8(STX, 0x41, 2, 'a', 0xe9, ETX), 'bad-char', 4],
    ['DEL in the name', u8(STX, 0x41, 1, 0x7f, ETX), 'bad-char', 3],
    ['ETX inside the name (length too long)', u8(STX, 0x41, 5, 'a@h', ETX), 'bad-char', 6],
    ['STX inside the name', u8(STX, 0x41, 2, 'a', STX), 'bad-char', 4],
    ['no ETX (length too short)', u8(STX, 0x41, 2, 'a@h', ETX), 'missing-etx', 5],
    ['STX instead of ETX', u8(STX, 0x41, 1, 'a', STX), 'missing-etx', 4],
    ['host frame without ETX', u8(STX, 0x46, 0, 0), 'missing-etx', 3],
  ];
  it.each(malformed)('rejects %s', (_what, bytes, code, offset) => {
    const d = new FrameDecoder();
    const r = d.push(bytes);
    expect(r.error).toMatchObject({ code, offset });
    // latched: nothing more is ever decoded
    expect(d.push(encodeFrame('ONBATT', 'a'))).toEqual({ frames: [], error: r.error });
    expect(d.end()).toEqual(r.error);
    expect(d.bufferedBytes).toBe(0);
  });

  it('reports a stream that ends inside a frame as truncated', () => {
    const f = encodeFrame('ONBATT', 'ups@h');
    for (let cut = 1; cut < f.length; cut++) {
      const d = new FrameDecoder();
      expect(d.push(f.subarray(0, cut)).frames).toEqual([]);
      expect(d.idle).toBe(false);
      expect(d.end()).toMatchObject({ code: 'truncated', offset: cut });
    }
  });

  it('returns the good frames that came before an error in the same chunk', () => {
    const d = new FrameDecoder();
    const r = d.push(u8(...encodeFrame('ONBATT', 'a'), ...encodeFrame('LOWBATT', 'a'), STX, 0x41, 0));
    expect(r.frames.map((f) => f.type)).toEqual(['ONBATT', 'LOWBATT']);
    expect(r.error?.code).toBe('bad-length');
  });

  it('accepts a stream split at every offset, and byte by byte', () => {
    const frames: Array<[Frame['type'], string]> = [['ONBATT', 'ups@localhost'], ['SHUTDOWN_HOSTSYNC', ''], ['FSD', 'x'.repeat(64)], ['EXEC_SHUTDOWN', '']];
    const stream = u8(...frames.flatMap(([t, n]) => [...encodeFrame(t, n)]));
    const want = frames.map(([type, name]) => ({ type, name }));
    for (let cut = 0; cut <= stream.length; cut++) {
      const d = new FrameDecoder();
      const got = [...d.push(stream.subarray(0, cut)).frames, ...d.push(stream.subarray(cut)).frames];
      expect(got.map(({ type, name }) => ({ type, name })), `cut at ${String(cut)}`).toEqual(want);
      expect(d.end()).toBeUndefined();
    }
    const d = new FrameDecoder();
    const got: Frame[] = [];
    for (const b of stream) {
      got.push(...d.push(Uint8Array.of(b)).frames);
      expect(d.bufferedBytes).toBeLessThanOrEqual(MAX_FRAME_NAME_BYTES);
    }
    expect(got.map(({ type, name }) => ({ type, name }))).toEqual(want);
  });

  it('round-trips every type and any valid name', () => {
    const nameChar = fc.constantFrom(...'abcXYZ019._@:-[]'.split(''));
    const ups = FRAME_TYPES.filter((t) => t.scope === 'ups').map((t) => t.type);
    const host = FRAME_TYPES.filter((t) => t.scope === 'host').map((t) => t.type);
    const frame = fc.oneof(
      fc.record({ type: fc.constantFrom(...ups), name: fc.string({ unit: nameChar, minLength: 1, maxLength: 64 }) }),
      fc.record({ type: fc.constantFrom(...host), name: fc.constant('') }),
    );
    fc.assert(fc.property(frame, ({ type, name }) => {
      const r = decodeFrame(encodeFrame(type, name));
      expect(r).toEqual({ frame: { type, code: frameTypeByCode(encodeFrame(type, name)[1] as number)?.code, name } });
    }), { numRuns: 500 });
  });

  it('keeps at most one name in memory, however long the stream', () => {
    const d = new FrameDecoder();
    const f = encodeFrame('ONBATT', 'u'.repeat(64));
    const chunk = new Uint8Array(f.length * 1000);
    for (let i = 0; i < chunk.length; i += f.length) chunk.set(f, i);
    let frames = 0;
    for (let round = 0; round < 20; round++) {
      // cut each chunk at an odd place, so a frame straddles two reads
      const cut = 1 + round * 31;
      frames += d.push(chunk.subarray(0, cut)).frames.length;
      expect(d.bufferedBytes).toBeLessThanOrEqual(MAX_FRAME_NAME_BYTES);
      frames += d.push(chunk.subarray(cut)).frames.length;
      expect(d.bufferedBytes).toBe(0);
    }
    expect(frames).toBe(20_000);
    // an endless name: the decoder stops at byte 64 of it
    const e = new FrameDecoder();
    const r = e.push(u8(STX, 0x41, 64, 'a'.repeat(1 << 20)));
    expect(r.error).toMatchObject({ code: 'missing-etx', offset: 3 + 64 });
    expect(e.bufferedBytes).toBe(0);
  });

  it('1 MB of random bytes holds a configured frame exactly where one was planted', () => {
    // A seeded generator: the test is reproducible.
    let seed = 0x2545f491;
    const rand = (): number => {
      seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
      return (seed >>> 0) & 0xff;
    };
    const data = new Uint8Array(1 << 20);
    for (let i = 0; i < data.length; i++) data[i] = rand();
    // bias: many STX and valid type bytes, so the decoder gets past the first bytes often
    for (let i = 0; i < data.length; i += 97) { data[i] = STX; data[i + 1] = 0x41 + (i % 7); }
    const monitors = ['ups@localhost', 'a@h', 'x'];
    const planted = new Map<number, string>();
    for (let k = 0; k < 50; k++) {
      const at = 1000 + k * 20_011;
      const name = monitors[k % monitors.length] as string;
      data.set(encodeFrame('LOWBATT', name), at);
      planted.set(at, name);
    }
    const found = new Map<number, string>();
    let accepted = 0;
    for (let i = 0; i < data.length; i++) {
      if (data[i] !== STX) continue;
      const r = decodeFrame(data.subarray(i, i + MAX_FRAME_BYTES).subarray(0, frameLength(data, i)));
      if (!('frame' in r)) continue;
      accepted++;
      if (r.frame.name !== '' && isConfiguredName(r.frame.name, monitors)) found.set(i, r.frame.name);
    }
    expect(found).toEqual(planted);
    expect(accepted).toBeGreaterThanOrEqual(planted.size);
    // the streaming decoder, from the start, stops at the first malformed byte and names nothing
    // configured (the first planted frame is far away)
    const d = new FrameDecoder();
    const r = d.push(data);
    expect(r.error).toBeDefined();
    expect(r.frames.filter((f) => isConfiguredName(f.name, monitors))).toEqual([]);
  });
});

/** Bytes a frame starting at i would take (header-driven; at most MAX_FRAME_BYTES). */
function frameLength(data: Uint8Array, i: number): number {
  const len = data[i + 2] ?? 0;
  return Math.min(MAX_FRAME_BYTES, 4 + (len <= MAX_FRAME_NAME_BYTES ? len : 0));
}
