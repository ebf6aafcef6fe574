// Fuzz target "client-reply": the client library's side of the network protocol (spec §2.7,
// §2.8), src/protocol/net/client-codec.ts — ReplyDecoder (bytes → tokenized lines), the reply
// consumers the client runs for each request (expectGet, expectList, expectOk, expectLine) and
// the typed views (parseType, parseTracking, trackingId); and the request encoder.
//
// Seeds: Debian upsd 2.8.0's replies to Debian's upsc/upscmd/upsrw and a scripted session
// (corpus/net/<name>.rep), each with the requests that produced it (<name>.req), so a
// conversation is replayed as NutClient runs it: one consumer per request, in order.
//
// Invariants: only NutError (an ERR reply: code and libupsclient's text) and NutProtocolError
// come out, never another exception; lines and words keep NUT's limits (32 words of 512
// characters, printable bytes, lines ≤ MAX_REPLY_LINE, list items ≤ MAX_LIST_ITEMS, memory ≤ one
// line); an accepted answer echoes its query; the outcome does not depend on how the bytes were
// split; after garbage lines a valid reply still parses to the same values; what upsd's encoders
// write (server-replies.ts) decodes back to what they were given; what the client's request
// encoder writes, upsd's request decoder reads back as the same words.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bytes, concat, ensure, fuzz, latin1, splitAt } from './harness.js';
import { transcripts, type Seed } from './corpus.js';
import { applyEdit, edit } from './mutate.js';
import {
  MAX_LIST_ITEMS, MAX_REPLY_LINE, ReplyDecoder, buildRequest, echoes, expectGet, expectLine, expectList, expectOk,
  parseTracking, parseType, trackingId, type ReplyConsumer, type ReplyLine,
} from '../../src/protocol/net/client-codec.js';
import { NutError, NutProtocolError, NutRequestError } from '../../src/protocol/net/client-errors.js';
import { clientErrorText } from '../../src/protocol/net/errors.js';
import { encodedDesc, listReply, replyLine, storedValue, typeLine } from '../../src/protocol/net/server-replies.js';
import { RequestDecoder } from '../../src/protocol/net/server-request-decoder.js';
import { encodeValue } from '../../src/core/tokenizer.js';

// ---- conversations: the requests of a seed, as the client would consume their replies ----

type Kind = 'get' | 'list' | 'ok' | 'line';
interface Ask { kind: Kind; query: string[] }

/** Words of a GET / LIST query by sub-command (§2.3): what NutClient sends, and upsd echoes. */
const ARITY: Record<string, number> = { UPS: 1, UPSDESC: 2, NUMLOGINS: 2, RW: 2, CMD: 2, CLIENT: 2 };

/** The reply consumer NutClient uses for a request with these words (client.ts). */
function askFor(words: readonly string[]): Ask {
  const cmd = words[0]?.toUpperCase() ?? '';
  const rest = words.slice(1);
  // extra words (a recorded `GET VAR u v ""`) are ignored by upsd and never sent by NutClient
  const query = rest.slice(0, ARITY[rest[0]?.toUpperCase() ?? ''] ?? (cmd === 'LIST' && rest[0]?.toUpperCase() === 'VAR' ? 2 : 3));
  if (cmd === 'GET' && rest[0]?.toUpperCase() !== 'TRACKING') return { kind: 'get', query };
  if (cmd === 'LIST') return { kind: 'list', query };
  if (['USERNAME', 'PASSWORD', 'LOGIN', 'SET', 'INSTCMD', 'PRIMARY', 'MASTER', 'FSD'].includes(cmd)) return { kind: 'ok', query: rest };
  return { kind: 'line', query: rest };
}

function consumer(a: Ask): ReplyConsumer<unknown> {
  switch (a.kind) {
    case 'get': return expectGet(a.query);
    case 'list': return expectList(a.query);
    case 'ok': return expectOk();
    default: return expectLine();
  }
}

/**
 * The requests of a .req transcript that upsd answers: each line read on its own (the recorder
 * sent them one by one), a line the tokenizer rejects gets no reply (§1.4).
 */
function asksOf(req: Uint8Array): Ask[] {
  const d = new RequestDecoder();
  const out: Ask[] = [];
  let start = 0;
  for (let i = 0; i <= req.length; i++) {
    if (i < req.length && req[i] !== 0x0a) continue;
    d.push(req.subarray(start, i + 1));
    start = i + 1;
    for (let e = d.next(); e !== null; e = d.next()) if (e.type === 'line') out.push(askFor(e.words));
  }
  return out;
}

interface Conversation { name: string; asks: Ask[]; reply: Uint8Array }

function conversations(): Conversation[] {
  const reqs = new Map(transcripts('net', 'req').map((s: Seed) => [s.name.replace(/\.req$/, ''), s.data]));
  return transcripts('net', 'rep').flatMap((s) => {
    const req = reqs.get(s.name.replace(/\.rep$/, ''));
    return req === undefined ? [] : [{ name: s.name, asks: asksOf(req), reply: s.data }];
  });
}

const CONVERSATIONS = conversations();
const REPLY_SEEDS = CONVERSATIONS.map((c) => c.reply);

// ---- checks ----

const PROTOCOL_CODES = new Set(['ERR_PROTOCOL', 'ERR_PARSE', 'ERR_REPLY_TOO_LONG', 'ERR_LIST_TOO_LONG']);

/** A line as the decoder gives it: NUT's limits (§1.1, §1.3) and this library's line limit. */
function checkLine(l: ReplyLine): void {
  ensure(!l.raw.includes('\n') && l.raw.length <= MAX_REPLY_LINE, () => `line of ${String(l.raw.length)} bytes or with LF`);
  ensure(l.words.length <= 32, () => `${String(l.words.length)} words: ${JSON.stringify(l.raw.slice(0, 200))}`);
  for (const w of l.words) ensure(w.length <= 512 && /^[\x20-\x7f]*$/.test(w), () => `word ${JSON.stringify(w.slice(0, 80))} (${String(w.length)} chars)`);
  ensure(l.parseError === undefined || l.words.length === 0, () => 'words and a parse error');
}

/** An error a consumer returned: typed, and an ERR reply carries its code and libupsclient's text (§2.4). */
function checkError(e: unknown, fatal: boolean): string {
  if (e instanceof NutError) {
    ensure(e.reply.startsWith('ERR'), () => `NutError for ${JSON.stringify(e.reply)}`);
    const after = e.reply.slice(4);
    ensure(e.word === ((after.split(' ')[0] ?? '') || 'UNKNOWN') && e.message === clientErrorText(after), () => `NutError ${e.word}/${e.message} for ${JSON.stringify(e.reply)}`);
    return `ERR ${e.word}${fatal ? ' (fatal)' : ''}`;
  }
  ensure(e instanceof NutProtocolError && PROTOCOL_CODES.has(e.code) && fatal, () => `unexpected error ${String(e)}`);
  return `${(e as NutProtocolError).code} (fatal)`;
}

/** An accepted answer: it echoes the query (upscli's verify_resp, §2.7). */
function checkValue(a: Ask, v: unknown): string {
  switch (a.kind) {
    case 'get': {
      const w = v as string[];
      ensure(echoes(a.query, w), () => `GET answer ${JSON.stringify(w)} does not echo ${JSON.stringify(a.query)}`);
      return `GET ${JSON.stringify(w)}`;
    }
    case 'list': {
      const items = v as string[][];
      ensure(items.length <= MAX_LIST_ITEMS && items.every((w) => echoes(a.query, w)), () => `LIST items do not echo ${JSON.stringify(a.query)}`);
      return `LIST ${JSON.stringify(items)}`;
    }
    case 'ok': {
      const l = v as ReplyLine;
      ensure(l.raw.startsWith('OK'), () => `OK expected, accepted ${JSON.stringify(l.raw)}`);
      return l.raw;
    }
    default: {
      const l = v as ReplyLine;
      ensure(!l.raw.startsWith('ERR'), () => `ERR accepted as an answer: ${JSON.stringify(l.raw)}`);
      return l.raw;
    }
  }
}

/**
 * Replays a conversation as NutClient does (client.ts onData): lines go to the current request's
 * consumer; a fatal error, a decoder error or an unsolicited line ends it. Returns what each
 * request got, as text, and every line decoded.
 */
function replay(asks: readonly Ask[], chunks: readonly Uint8Array[]): { outcomes: string[]; lines: ReplyLine[] } {
  const decoder = new ReplyDecoder();
  const outcomes: string[] = [];
  const all: ReplyLine[] = [];
  let i = 0;
  let current = asks.length > 0 ? consumer(asks[0] as Ask) : undefined;
  for (const chunk of chunks) {
    let lines: ReplyLine[];
    try {
      lines = decoder.push(chunk);
    } catch (e) {
      ensure(e instanceof NutProtocolError && e.code === 'ERR_REPLY_TOO_LONG', () => `decoder threw ${String(e)}`);
      outcomes.push('ERR_REPLY_TOO_LONG (fatal)');
      return { outcomes, lines: all };
    }
    ensure(decoder.pending <= MAX_REPLY_LINE, () => `${String(decoder.pending)} bytes pending`);
    for (const line of lines) {
      checkLine(line);
      all.push(line);
      if (current === undefined) {
        outcomes.push('unsolicited (fatal)');
        return { outcomes, lines: all };
      }
      const step = current.push(line);
      if (!step.done) continue;
      const a = asks[i] as Ask;
      if ('error' in step) {
        outcomes.push(checkError(step.error, step.fatal));
        if (step.fatal) return { outcomes, lines: all };
      } else {
        outcomes.push(checkValue(a, step.value));
      }
      i++;
      current = i < asks.length ? consumer(asks[i] as Ask) : undefined;
    }
  }
  return { outcomes, lines: all };
}

// ---- inputs ----

const conversation = fc.tuple(fc.nat(CONVERSATIONS.length - 1), fc.array(edit, { maxLength: 6 })).map(([i, edits]) => {
  const c = CONVERSATIONS[i] as Conversation;
  let reply = c.reply;
  for (const e of edits) reply = applyEdit(reply, e, REPLY_SEEDS);
  return { ...c, reply };
});
const cuts = fc.array(fc.nat(), { maxLength: 8 });

/** Garbage: reply-like words, hostile bytes, long runs; lines end with LF. */
const garbageLine = fc.oneof(
  fc.uint8Array({ maxLength: 40 }),
  fc.constantFrom('ERR', 'ERR ', 'ERR DRIVER-NOT-CONNECTED extra', 'OK', 'BEGIN LIST VAR ups1', 'END LIST VAR ups1', 'VAR ups1 x "unterminated',
    'VAR ups1 "a#b"', '"#', '\\', '\r', '\x00\xff', `${'w '.repeat(40)}`, `"${'q'.repeat(600)}"`).map(latin1),
  fc.integer({ min: 1, max: MAX_REPLY_LINE }).map((n) => new Uint8Array(n).fill(0x41)),
).map((b) => concat(b.map((x) => (x === 0x0a ? 0x20 : x)), bytes('\n')));

/** Lines of any length around the limit, and bytes with or without LFs. */
const anyBytes = fc.oneof(
  fc.array(fc.oneof(garbageLine, fc.uint8Array({ maxLength: 64 })), { maxLength: 8 }).map((ps) => concat(...ps)),
  fc.tuple(fc.integer({ min: MAX_REPLY_LINE - 2, max: MAX_REPLY_LINE + 2 }), fc.boolean()).map(([n, lf]) => concat(new Uint8Array(n).fill(0x42), lf ? bytes('\n') : new Uint8Array(0))),
  fc.integer({ min: 0, max: 30_000 }).map((n) => new Uint8Array(n).fill(0x22)),
);

// printable ASCII and DEL: what survives NUT's tokenizer filter (§1.1)
const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7f }).map((c) => String.fromCharCode(c)), maxLength: 300 });
const name = fc.stringMatching(/^[A-Za-z0-9_.-]{1,24}$/);

function decodeAll(text: string): ReplyLine[] {
  const d = new ReplyDecoder();
  return d.push(latin1(text));
}

/** Feeds lines to a consumer until it is done; returns the value or throws what it returned. */
function consume<T>(c: ReplyConsumer<T>, lines: readonly ReplyLine[]): T {
  for (const l of lines) {
    const s = c.push(l);
    if (!s.done) continue;
    if ('error' in s) throw s.error;
    return s.value;
  }
  throw new Error('reply not complete');
}

describe('client-reply fuzz (client codec)', () => {
  it('every recorded conversation of Debian upsd parses without a protocol error', () => {
    expect(CONVERSATIONS.length).toBeGreaterThanOrEqual(10);
    for (const c of CONVERSATIONS) {
      const { outcomes } = replay(c.asks, [c.reply]);
      expect(outcomes.filter((o) => o.includes('fatal')), c.name).toEqual([]);
      expect(outcomes.length, c.name).toBeGreaterThan(0);
    }
  });

  fuzz('client-reply', 'recorded conversations, replies mutated, bytes in any pieces: typed errors only, limits hold, same outcome for any split',
    fc.tuple(conversation, cuts), ([c, at]) => {
      const whole = replay(c.asks, [c.reply]);
      const split = replay(c.asks, splitAt(c.reply, at));
      ensure(JSON.stringify(split.outcomes) === JSON.stringify(whole.outcomes),
        () => `split changes the outcome:\n${JSON.stringify(split.outcomes)}\nvs whole:\n${JSON.stringify(whole.outcomes)}`);
    });

  fuzz('client-reply', 'any bytes in any pieces: lines ≤ MAX_REPLY_LINE and pending ≤ one line; only ERR_REPLY_TOO_LONG, exactly when a line is too long',
    fc.tuple(anyBytes, cuts), ([data, at]) => {
      const d = new ReplyDecoder();
      const got: ReplyLine[] = [];
      let threw = false;
      for (const piece of splitAt(data, at)) {
        try {
          got.push(...d.push(piece));
        } catch (e) {
          ensure(e instanceof NutProtocolError && e.code === 'ERR_REPLY_TOO_LONG', () => `decoder threw ${String(e)}`);
          threw = true;
          break;
        }
        ensure(d.pending <= MAX_REPLY_LINE, () => `${String(d.pending)} bytes pending`);
      }
      const text = Buffer.from(data).toString('latin1');
      const segments = text.split('\n');
      const tooLong = segments.some((s) => s.length > MAX_REPLY_LINE);
      ensure(threw === tooLong, () => `threw ${String(threw)}, longest line ${String(Math.max(...segments.map((s) => s.length)))}`);
      const complete = segments.slice(0, -1);
      ensure(got.length <= complete.length, () => 'more lines than LFs');
      got.forEach((l, i) => {
        checkLine(l);
        ensure(l.raw === complete[i], () => `line ${String(i)}: ${JSON.stringify(l.raw.slice(0, 80))} vs ${JSON.stringify(complete[i]?.slice(0, 80))}`);
      });
      if (!threw) ensure(got.length === complete.length, () => `${String(got.length)} lines for ${String(complete.length)} LFs`);
    });

  fuzz('client-reply', 'after garbage lines (answered as errors or ignored), a recorded reply still parses to the same values',
    fc.tuple(fc.array(garbageLine, { minLength: 1, maxLength: 6 }), fc.nat(CONVERSATIONS.length - 1), cuts), ([garbage, i, at]) => {
      const c = CONVERSATIONS[i] as Conversation;
      const junk = concat(...garbage);
      // the garbage answers requests of its own (expectLine: whatever comes); then the recorded ones
      const junkAsks: Ask[] = garbage.map(() => ({ kind: 'line', query: [] }));
      const mixed = replay([...junkAsks, ...c.asks], splitAt(concat(junk, c.reply), at));
      const clean = replay(c.asks, [c.reply]);
      ensure(JSON.stringify(mixed.outcomes.slice(garbage.length)) === JSON.stringify(clean.outcomes),
        () => `after garbage: ${JSON.stringify(mixed.outcomes.slice(garbage.length))}\nalone: ${JSON.stringify(clean.outcomes)}`);
      const tail = mixed.lines.slice(garbage.length);
      ensure(tail.length === clean.lines.length && tail.every((l, k) => JSON.stringify(l) === JSON.stringify(clean.lines[k])), () => 'lines differ after garbage');
    });

  fuzz('client-reply', "upsd's reply encoders → client decoders: values, lists, TYPE, descriptions and tracking ids come back as sent",
    fc.record({
      ups: name, vars: fc.array(fc.tuple(name, printable), { minLength: 1, maxLength: 5 }), desc: fc.string({ unit: fc.integer({ min: 0x20, max: 0x7f }).map((c) => String.fromCharCode(c)), maxLength: 200 }),
      type: fc.record({ rw: fc.boolean(), hasEnum: fc.boolean(), hasRange: fc.boolean(), string: fc.boolean(), aux: fc.nat(1_000_000) }),
      id: fc.uuid().map((u) => u.toUpperCase()),
    }), ({ ups, vars, desc, type, id }) => {
      const [v0, x0] = vars[0] as [string, string];
      // GET VAR: a value escaped into NUT's 256-byte buffer comes back whole when it fits (§1.5, §2.7)
      const got = consume(expectGet(['VAR', ups, v0]), decodeAll(replyLine(`VAR ${ups} ${v0} "${storedValue(x0)}"\n`)))[3] ?? '';
      if (encodeValue(x0).length <= 255) ensure(got === x0, () => `GET VAR value ${JSON.stringify(got)} vs ${JSON.stringify(x0)}`);
      else ensure(x0.startsWith(got) && got.length < x0.length, () => `cut value ${JSON.stringify(got)} is not a prefix`);
      // LIST VAR
      const short = vars.filter(([, x]) => encodeValue(x).length <= 255);
      const items = consume(expectList(['VAR', ups]), decodeAll(listReply(`VAR ${ups}`, short.map(([n, x]) => `VAR ${ups} ${n} "${storedValue(x)}"`))));
      ensure(JSON.stringify(items.map((w) => [w[2], w[3]])) === JSON.stringify(short), () => `LIST VAR ${JSON.stringify(items)}`);
      // LIST UPS with a description
      const upsList = consume(expectList(['UPS']), decodeAll(listReply('UPS', [`UPS ${ups} "${encodedDesc(desc)}"`])));
      ensure(upsList.length === 1 && upsList[0]?.[2] === desc, () => `UPS description ${JSON.stringify(upsList)}`);
      // GET TYPE
      const t = parseType(consume(expectGet(['TYPE', ups, v0]), decodeAll(typeLine(ups, v0, type))));
      ensure(t.rw === type.rw && t.enum === type.hasEnum && t.range === type.hasRange && t.kind === (type.string ? 'STRING' : 'NUMBER')
        && (!type.string || t.maxLength === type.aux), () => `TYPE ${JSON.stringify(t)} vs ${JSON.stringify(type)}`);
      // tracking (§2.5)
      const ok = consume(expectOk(), decodeAll(`OK TRACKING ${id}\n`));
      ensure(trackingId(ok) === id, () => `tracking id ${String(trackingId(ok))}`);
      for (const [reply, state] of [['PENDING', 'PENDING'], ['SUCCESS', 'SUCCESS'], ['ERR FAILED', 'ERROR']] as const) {
        const line = decodeAll(`${reply}\n`)[0] as ReplyLine;
        ensure(parseTracking(line).state === state, () => `GET TRACKING ${reply}`);
      }
    });

  fuzz('client-reply', "the request encoder → upsd's request decoder: the same words, or a typed refusal",
    fc.tuple(fc.oneof(fc.constantFrom('GET', 'SET', 'USERNAME', 'PASSWORD', 'INSTCMD', 'LIST'), fc.string({ maxLength: 8 })),
      fc.array(fc.oneof(printable.map((s) => s.replace(/\x7f/g, '')), fc.string({ unit: 'binary', maxLength: 20 }), fc.constantFrom('', ' ', '=', '#', '"', '\\', 'a b', '"#"')), { maxLength: 31 })),
    ([cmd, args]) => {
      let line: string;
      try {
        line = buildRequest(cmd, args);
      } catch (e) {
        ensure(e instanceof NutRequestError && e.code === 'ERR_BAD_REQUEST', () => `buildRequest threw ${String(e)}`);
        const printableOnly = args.every((a) => /^[\x20-\x7e]*$/.test(a));
        ensure(!/^[A-Za-z]+$/.test(cmd) || !printableOnly, () => `refused ${JSON.stringify([cmd, ...args])}`);
        return;
      }
      ensure(/^[A-Za-z]+$/.test(cmd) && line.endsWith('\n') && line.indexOf('\n') === line.length - 1, () => `one line: ${JSON.stringify(line)}`);
      const d = new RequestDecoder();
      d.push(latin1(line));
      const ev = d.next();
      ensure(ev !== null && ev.type === 'line' && d.next() === null, () => `decoded as ${JSON.stringify(ev)}`);
      const words = (ev as { words: string[] }).words;
      const want = [cmd, ...args.map((a) => a.slice(0, 512))];
      ensure(JSON.stringify(words) === JSON.stringify(want), () => `${JSON.stringify(words)} vs ${JSON.stringify(want)}`);
    });
});
