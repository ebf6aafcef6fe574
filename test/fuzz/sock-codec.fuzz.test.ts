// Fuzz target "sock-codec": the driver-socket codec (spec §3) in both directions — encoders,
// parsers, SockDecoder (bytes in any split), dumpAll/dumpValue of arbitrary state trees — seeded
// with Debian NUT 2.8.0's own socket traffic (corpus/sock, scripts/fuzz-record-corpus.mjs).
import { describe, expect } from 'vitest';
import fc from 'fast-check';
import { bytes, concat, ensure, fuzz as fuzzTarget, splitAt } from './harness.js';
import { transcripts } from './corpus.js';
import { mutated } from './mutate.js';
import { applyToTree, snapshot } from './state-model.js';
import { StateTree } from '../../src/core/state-tree.js';
import {
  MAX_SOCK_LINE_BYTES, SockDecoder, dumpAll, dumpValue, encodeClientMessage, encodeDriverMessage,
  isValidName, parseClientMessage, parseDriverMessage, sanitizeValue,
  type ClientMessage, type DriverMessage, type Malformed,
} from '../../src/protocol/sock/index.js';

const fuzz = <T>(name: string, arb: fc.Arbitrary<T>, predicate: (v: T) => void): void => fuzzTarget('sock-codec', name, arb, predicate);

/** §1.3 as the spec states it. */
const MAX_ARG_LEN = 512;
/** 32 words × (512 chars all escaped + 2 quotes) + 31 spaces (decoder.ts), in bytes. */
const LONGEST_VALID_LINE = 32 * (2 * 512 + 2) + 31;

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
  ensure(typeof r === 'object', () => `result ${String(r)} is not an object`);
  const o = r as Record<string, unknown>;
  const shape = o.type === 'MALFORMED' ? { verb: isStr, reason: isStr } : shapes[o.type as string];
  ensure(shape !== undefined, () => `unexpected type ${String(o.type)}`);
  for (const [k, v] of Object.entries(o)) {
    if (k === 'type') continue;
    const check = shape![k];
    ensure(check !== undefined, () => `unexpected field ${k} in ${String(o.type)}`);
    ensure(check!(v), () => `${String(o.type)}.${k} = ${JSON.stringify(v)}`);
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

// ---- arbitrary state trees, and what a peer rebuilds from their dump ----

type TreeOp =
  | { op: 'setInfo'; name: string; value: string }
  | { op: 'recase'; i: number; value: string }
  | { op: 'addEnum'; i: number; value: string }
  | { op: 'addRange'; i: number; min: number; max: number }
  | { op: 'setAux'; i: number; aux: number }
  | { op: 'setFlags'; i: number; flags: string[] }
  | { op: 'addCmd'; name: string }
  | { op: 'delInfo'; i: number }
  | { op: 'setImmutable'; i: number };

const treeOp: fc.Arbitrary<TreeOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('setInfo' as const), name, value }) },
  fc.record({ op: fc.constant('recase' as const), i: fc.nat(), value }),
  { weight: 2, arbitrary: fc.record({ op: fc.constant('addEnum' as const), i: fc.nat(), value }) },
  fc.record({ op: fc.constant('addRange' as const), i: fc.nat(), min: int32, max: int32 }),
  fc.record({ op: fc.constant('setAux' as const), i: fc.nat(), aux: fc.maxSafeInteger() }),
  fc.record({ op: fc.constant('setFlags' as const), i: fc.nat(), flags: fc.array(fc.constantFrom('RW', 'STRING', 'NUMBER', 'rw', 'Other'), { maxLength: 4 }) }),
  fc.record({ op: fc.constant('addCmd' as const), name }),
  fc.record({ op: fc.constant('delInfo' as const), i: fc.nat() }),
  fc.record({ op: fc.constant('setImmutable' as const), i: fc.nat() }),
);

function buildTree(ops: readonly TreeOp[]): StateTree {
  const t = new StateTree();
  const names: string[] = [];
  const nth = (i: number): string => names[i % Math.max(1, names.length)] ?? 'none';
  for (const o of ops) {
    switch (o.op) {
      case 'setInfo': t.setInfo(o.name, o.value); names.push(o.name); break;
      case 'recase': { const n = nth(o.i); t.setInfo(n === n.toUpperCase() ? n.toLowerCase() : n.toUpperCase(), o.value); break; }
      case 'addEnum': t.addEnum(nth(o.i), o.value); break;
      case 'addRange': t.addRange(nth(o.i), Math.min(o.min, o.max), Math.max(o.min, o.max)); break;
      case 'setAux': t.setAux(nth(o.i), o.aux); break;
      case 'setFlags': t.setFlags(nth(o.i), o.flags); break;
      case 'addCmd': t.addCmd(o.name); break;
      case 'delInfo': t.delInfo(nth(o.i)); break;
      case 'setImmutable': t.setImmutable(nth(o.i)); break;
    }
  }
  return t;
}

/** A bare-word name (§1.2): printable ASCII 0x21–0x7E but `"` `#` `=` `\\`, 1–512 characters, spelt out. */
const SPEC_NAME_CHARS = Array.from({ length: 0x7f - 0x21 }, (_, i) => String.fromCharCode(0x21 + i)).filter((c) => !'"#=\\'.includes(c)).join('');
const specName = (n: string): boolean => n.length >= 1 && n.length <= MAX_ARG_LEN && [...n].every((c) => SPEC_NAME_CHARS.includes(c));

describe('sock codec fuzz', () => {
  fuzz('isValidName accepts exactly the spec\'s bare-word names', fc.oneof(name,
    fc.string({ unit: fc.constantFrom('a', 'Z', '"', '#', '=', '\\', ' ', '<', '>', '[', ']', '\x7f', '\x20', '\x21', 'é'), maxLength: 6 }),
    fc.string({ unit: 'binary', maxLength: 8 }), fc.string({ unit: nameChar, minLength: 510, maxLength: 514 })), (n) => {
    expect(isValidName(n), JSON.stringify(n)).toBe(specName(n));
  });

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
  // driverSide: upsd reading a driver's replies; otherwise a driver reading upsd's requests
  const traffic = fc.oneof(
    mutated(transcripts('sock', 'rep')).map((data) => ({ driverSide: true, data })),
    mutated(transcripts('sock', 'req')).map((data) => ({ driverSide: false, data })),
  );
  fuzz('mutated Debian socket traffic: never throws, typed results, split-invariant, then resyncs', fc.tuple(
    traffic, fc.array(fc.nat(), { maxLength: 12 }), driverMessage, clientMessage,
  ), ([{ driverSide, data }, cuts, dm, cm]) => {
    const parse = driverSide ? parseDriverMessage : parseClientMessage;
    const shapes = driverSide ? driverShapes : clientShapes;
    const whole = decodeAll(new SockDecoder<DriverMessage | ClientMessage>(parse), [data]);
    expect(decodeAll(new SockDecoder<DriverMessage | ClientMessage>(parse), splitAt(data, cuts))).toEqual(whole);
    for (const m of [...whole.messages, ...whole.malformed]) checkShape(m, shapes);
    // `"#\n` ends whatever state the garbage left (§1.2/§1.4); the next line parses.
    const next = driverSide ? encodeDriverMessage(dm) : encodeClientMessage(cm);
    const after = decodeAll(new SockDecoder<DriverMessage | ClientMessage>(parse), [concat(data, bytes('"#\n'), bytes(next))]);
    if (after.overflow) {
      expect(whole.overflow || data.length + 3 > MAX_SOCK_LINE_BYTES).toBe(true);
    } else {
      expect(after.messages.at(-1)).toEqual(driverSide ? expectedDriver(dm) : expectedClient(cm));
    }
  });

  fuzz('dumpAll/dumpValue of any state tree: bounded lines, NUT framing, decode rebuilds the tree', fc.tuple(
    fc.array(treeOp, { maxLength: 40 }), fc.boolean(), fc.nat(), name, fc.array(fc.nat(), { maxLength: 8 }),
  ), ([ops, stale, pick, absent, cuts]) => {
    const tree = buildTree(ops);
    const text = dumpAll(tree, stale);
    for (const line of text.split('\n')) ensure(line.length <= LONGEST_VALID_LINE, () => `a dump line of ${line.length} bytes`);
    const r = decodeAll(new SockDecoder(parseDriverMessage), splitAt(enc.encode(text), cuts));
    expect(r.malformed).toEqual([]);
    expect(r.errors).toEqual([]);
    expect(r.overflow).toBe(false);
    const types = r.messages.map((m) => m.type);
    expect(types.at(-1)).toBe('DUMPDONE');
    expect(types.filter((t) => t === 'DUMPDONE')).toHaveLength(1);
    expect(types[0] === 'DATASTALE').toBe(stale);
    expect(types.includes('DATASTALE')).toBe(stale);
    expect(types.at(-2) === 'DATAOK').toBe(!stale);
    expect(types.includes('DATAOK')).toBe(!stale);
    const rebuilt = new StateTree();
    for (const m of r.messages) applyToTree(rebuilt, m);
    expect(snapshot(rebuilt)).toEqual(snapshot(tree));

    // DUMPVALUE: the same framing around exactly one var (any case), or nothing for an absent one
    const vars = tree.vars();
    const target = vars.length > 0 ? (vars[pick % vars.length] as { name: string }).name : absent;
    const asked = pick % 2 === 0 ? target.toUpperCase() : target;
    const one = new StateTree();
    const rv = decodeAll(new SockDecoder(parseDriverMessage), [enc.encode(dumpValue(tree, asked, stale))]);
    for (const m of rv.messages) applyToTree(one, m);
    const want = snapshot(tree).vars.filter((v) => v.name.toLowerCase() === asked.toLowerCase());
    expect(snapshot(one).vars).toEqual(want);
    expect(rv.messages.at(-1)?.type).toBe('DUMPDONE');
  });
});
