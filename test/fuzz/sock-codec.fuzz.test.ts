// Property tests of the driver-socket codec (spec §3), time-boxed: FUZZ_SECONDS (default 3) per
// property. Each property prints its executions per second.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { fuzz as fuzzTarget } from './harness.js';
import { MAX_ARG_LEN } from '../../src/core/tokenizer.js';
import {
  SockDecoder, encodeClientMessage, encodeDriverMessage, parseClientMessage, parseDriverMessage, sanitizeValue,
  type ClientMessage, type DriverMessage, type Malformed,
} from '../../src/protocol/sock/index.js';


const fuzz = <T>(name: string, arb: fc.Arbitrary<T>, predicate: (v: T) => void): void => fuzzTarget('sock-codec', name, arb, predicate);

// ---- generators ----

const nameChar = fc.constantFrom(
  ...Array.from({ length: 0x7f - 0x21 }, (_, i) => String.fromCharCode(0x21 + i)).filter((c) => !'"#=\\'.includes(c)),
);
const name = fc.oneof(
  { weight: 9, arbitrary: fc.string({ unit: nameChar, minLength: 1, maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: nameChar, minLength: 500, maxLength: MAX_ARG_LEN }) },
);
/** Anything at all: the encoder drops what cannot cross the wire and cuts at 512 characters. */
const value = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 60 }) },
  { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom('"', '#', '\\', '=', ' ', 'T', '\n', '\t', 'é'), maxLength: 60 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 500, maxLength: 700 }) },
);
const int32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });

const driverMessage: fc.Arbitrary<DriverMessage> = fc.oneof(
  fc.record({ type: fc.constantFrom('SETINFO' as const, 'ADDENUM' as const, 'DELENUM' as const), name, value }),
  fc.record({ type: fc.constantFrom('DELINFO' as const, 'ADDCMD' as const, 'DELCMD' as const), name }),
  fc.record({ type: fc.constantFrom('ADDRANGE' as const, 'DELRANGE' as const), name, min: int32, max: int32 }),
  fc.record({ type: fc.constant('SETAUX' as const), name, aux: fc.maxSafeInteger() }),
  fc.record({ type: fc.constant('SETFLAGS' as const), name, flags: fc.array(fc.oneof(fc.constantFrom('RW', 'STRING', 'NUMBER'), name), { minLength: 1, maxLength: 30 }) }),
  fc.record({ type: fc.constantFrom('DUMPDONE' as const, 'PONG' as const, 'DATAOK' as const, 'DATASTALE' as const, 'GOODBYE' as const) }),
  fc.record({ type: fc.constant('TRACKING' as const), id: name, status: int32 }),
  fc.record({ type: fc.constant('PID' as const), pid: name }),
);

const clientMessage: fc.Arbitrary<ClientMessage> = fc.oneof(
  fc.record({ type: fc.constantFrom('DUMPALL' as const, 'DUMPSTATUS' as const, 'PING' as const, 'GETPID' as const, 'NOBROADCAST' as const, 'LOGOUT' as const) }),
  fc.record({ type: fc.constant('DUMPVALUE' as const), name }),
  fc.record({ type: fc.constant('BROADCAST' as const), enable: fc.boolean() }),
  fc.tuple(name, fc.option(value, { nil: undefined }), fc.option(name, { nil: undefined })).map(([cmd, param, tracking]) => {
    const m: ClientMessage = { type: 'INSTCMD', cmd };
    if (param !== undefined) m.param = param;
    if (tracking !== undefined) m.tracking = tracking;
    return m;
  }),
  fc.tuple(name, value, fc.option(name, { nil: undefined })).map(([n, v, tracking]) => {
    const m: ClientMessage = { type: 'SET', name: n, value: v };
    if (tracking !== undefined) m.tracking = tracking;
    return m;
  }),
);

/** What the peer must read back: values as sanitizeValue() leaves them. */
function expectedDriver(m: DriverMessage): DriverMessage {
  return 'value' in m ? { ...m, value: sanitizeValue(m.value) } : m;
}
function expectedClient(m: ClientMessage): ClientMessage {
  if (m.type === 'SET') return { ...m, value: sanitizeValue(m.value) };
  if (m.type === 'INSTCMD' && m.param !== undefined) return { ...m, param: sanitizeValue(m.param) };
  return m;
}

const enc = new TextEncoder();

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  out.push(bytes.subarray(prev));
  return out;
}

function decodeAll<M>(dec: SockDecoder<M>, chunks: Uint8Array[]): { messages: M[]; malformed: Malformed[]; errors: string[]; overflow: boolean } {
  const all = { messages: [] as M[], malformed: [] as Malformed[], errors: [] as string[], overflow: false };
  for (const c of chunks) {
    const r = dec.push(c);
    all.messages.push(...r.messages);
    all.malformed.push(...r.malformed);
    all.errors.push(...r.errors);
    all.overflow ||= r.overflow;
  }
  return all;
}

// ---- shape checks for "typed results only" ----

const isStr = (x: unknown): boolean => typeof x === 'string';
const isInt = (x: unknown): boolean => typeof x === 'number' && Number.isInteger(x);
const isInt32 = (x: unknown): boolean => isInt(x) && (x as number) >= -0x80000000 && (x as number) <= 0x7fffffff;

function checkShape(r: unknown, shapes: Record<string, Record<string, (x: unknown) => boolean>>): void {
  if (r === null) return;
  expect(typeof r).toBe('object');
  const o = r as Record<string, unknown>;
  const shape = o.type === 'MALFORMED' ? { verb: isStr, reason: isStr } : shapes[o.type as string];
  expect(shape, `unexpected type ${String(o.type)}`).toBeDefined();
  for (const [k, v] of Object.entries(o)) {
    if (k === 'type') continue;
    const check = shape![k];
    expect(check, `unexpected field ${k} in ${String(o.type)}`).toBeDefined();
    expect(check!(v), `${String(o.type)}.${k} = ${JSON.stringify(v)}`).toBe(true);
  }
}

const driverShapes: Record<string, Record<string, (x: unknown) => boolean>> = {
  SETINFO: { name: isStr, value: isStr }, ADDENUM: { name: isStr, value: isStr }, DELENUM: { name: isStr, value: isStr },
  DELINFO: { name: isStr }, ADDCMD: { name: isStr }, DELCMD: { name: isStr },
  ADDRANGE: { name: isStr, min: isInt32, max: isInt32 }, DELRANGE: { name: isStr, min: isInt32, max: isInt32 },
  SETAUX: { name: isStr, aux: isInt },
  SETFLAGS: { name: isStr, flags: (x) => Array.isArray(x) && x.length > 0 && x.every(isStr) },
  DUMPDONE: {}, PONG: {}, DATAOK: {}, DATASTALE: {}, GOODBYE: {},
  TRACKING: { id: isStr, status: isInt32 }, PID: { pid: isStr },
};
const clientShapes: Record<string, Record<string, (x: unknown) => boolean>> = {
  DUMPALL: {}, DUMPSTATUS: {}, PING: {}, GETPID: {}, NOBROADCAST: {}, LOGOUT: {},
  DUMPVALUE: { name: isStr }, BROADCAST: { enable: (x) => typeof x === 'boolean' },
  INSTCMD: { cmd: isStr, param: isStr, tracking: isStr },
  SET: { name: isStr, value: isStr, tracking: isStr },
};

const verbs = [
  'SETINFO', 'DELINFO', 'ADDENUM', 'DELENUM', 'ADDRANGE', 'DELRANGE', 'SETAUX', 'SETFLAGS', 'ADDCMD', 'DELCMD',
  'DUMPDONE', 'PONG', 'DATAOK', 'DATASTALE', 'TRACKING', 'PID', 'OK', 'DUMPALL', 'DUMPVALUE', 'DUMPSTATUS', 'PING',
  'GETPID', 'NOBROADCAST', 'BROADCAST', 'LOGOUT', 'INSTCMD', 'SET',
];
const word = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('TRACKING', 'tracking', 'Goodbye', '0', '-1', '2147483648', '99999999999999999999', ' 7 ', '', '1e3'),
  fc.integer().map(String),
);
const randomCase = (s: string, mask: number): string =>
  [...s].map((c, i) => ((mask >> (i % 30)) & 1 ? c.toLowerCase() : c)).join('');
const argsArb = fc.tuple(fc.constantFrom(...verbs), fc.nat(), fc.boolean(), fc.array(word, { maxLength: 40 })).map(
  ([verb, mask, known, rest]) => [known ? randomCase(verb, mask) : (rest[0] ?? ''), ...rest],
);

describe('sock codec fuzz', () => {
  fuzz('DriverMessage: encode → bytes in random splits → decode round-trips', fc.tuple(fc.array(driverMessage, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 })), ([msgs, cuts]) => {
    const bytes = enc.encode(msgs.map(encodeDriverMessage).join(''));
    const r = decodeAll(new SockDecoder(parseDriverMessage), splitAt(bytes, cuts));
    expect(r).toEqual({ messages: msgs.map(expectedDriver), malformed: [], errors: [], overflow: false });
  });

  fuzz('ClientMessage: encode → bytes in random splits → decode round-trips', fc.tuple(fc.array(clientMessage, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 })), ([msgs, cuts]) => {
    const bytes = enc.encode(msgs.map(encodeClientMessage).join(''));
    const r = decodeAll(new SockDecoder(parseClientMessage), splitAt(bytes, cuts));
    expect(r).toEqual({ messages: msgs.map(expectedClient), malformed: [], errors: [], overflow: false });
  });

  fuzz('parse of arbitrary args never throws and returns typed results only', argsArb, (args) => {
    checkShape(parseDriverMessage(args), driverShapes);
    checkShape(parseClientMessage(args), clientShapes);
  });

  const streamPart = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.constantFrom('\n', '"', '#', '\\', 'PONG\n', 'SETINFO a "b"\n', 'SET x "y" TRACKING z\n').map((s) => enc.encode(s)),
    fc.integer({ min: 1, max: 3000 }).map((n) => new Uint8Array(n).fill(0x61)),
  );
  fuzz('decoder: overflow exactly when a physical line exceeds the limit; nothing past it is parsed', fc.tuple(fc.array(streamPart, { maxLength: 30 }), fc.integer({ min: 1, max: 2000 })), ([parts, limit]) => {
    const dec = new SockDecoder<DriverMessage>(parseDriverMessage, { maxLineBytes: limit });
    const r = decodeAll(dec, parts);
    // Model: find where the first over-long physical line starts.
    const all = Uint8Array.from(parts.flatMap((p) => [...p]));
    let lineStart = 0;
    let cut = -1;
    for (let i = 0; i <= all.length; i++) {
      if (i === all.length || all[i] === 0x0a) {
        if (i - lineStart > limit) { cut = lineStart; break; }
        lineStart = i + 1;
      } else if (i - lineStart >= limit) {
        cut = lineStart;
        break;
      }
    }
    expect(r.overflow).toBe(cut >= 0);
    expect(dec.overflow).toBe(cut >= 0);
    // Only lines before the over-long one are delivered. (Its first bytes, fed before the limit
    // was crossed, can still raise a tokenizer error: an unescaped `#` in quotes.)
    const ref = decodeAll(new SockDecoder<DriverMessage>(parseDriverMessage, { maxLineBytes: Number.MAX_SAFE_INTEGER }), [cut >= 0 ? all.subarray(0, cut) : all]);
    expect(r.messages).toEqual(ref.messages);
    expect(r.malformed).toEqual(ref.malformed);
    expect(r.errors.slice(0, ref.errors.length)).toEqual(ref.errors);
    if (cut < 0) expect(r.errors).toEqual(ref.errors);
  });
});
