// Fuzz target "upsd-socket": hardnut's upsd as a process (dist/hardnut.js, `npm run build` first)
// with a dummy-ups driver, driven through a real TCP socket (spec §2). One upsd per file.
//
// Inputs: request streams from a grammar covering every command of §2.2–§2.3 (USERNAME, PASSWORD,
// LOGIN, SET VAR/TRACKING, INSTCMD, STARTTLS, FSD [CLEAR]… with wrong argument counts, odd case,
// quoting), hostile pieces (control and high bytes, quotes, backslashes, `#`, 33+ words, words of
// 512/513/3000 characters, CRLF, 40 KB–1 MB lines), and Debian's recorded client requests
// (corpus/net/*.req) mutated. Each input goes to upsd three times, each on a fresh connection
// from its own loopback address (the failed-login throttle counts per address): whole, split at
// every offset (one byte per read; long inputs at sampled offsets), and in random pieces. A piece
// is sent only once upsd has read the one before (its read(2) byte count, /proc/<pid>/io), so
// the splits are real reads. After the input every connection sends RESYNC, one valid request
// (PROBES) and one with a unique echo, and half-closes at once (`nc -N`): upsd answers all and
// closes.
//
// Invariants:
// - upsd never dies and closes each conversation;
// - every reply line is well-formed (§2.3, §2.4): OK…, ERR <code of NET_ERRORS>, VAR/TYPE/…,
//   lists framed by BEGIN LIST q … END LIST q; a line is cut at 512 characters as NUT cuts it;
// - the replies are the same however the input was split. NUT drops the rest of a read() after a
//   tokenizer error (§1.4 ⚠), so where that happens depends on the reads; for such inputs a
//   marker request is put before the offending line and the replies must agree up to the
//   marker's answer. Values upsd cannot keep still are masked (variables the input SETs, FSD
//   on ups.status, NUMLOGINS, LIST CLIENT items, tracking ids);
// - after the garbage, the valid request is answered correctly (unless the input said LOGOUT
//   or sent a line over the limit, which close the connection);
// - upsd's resident memory stays bounded over the run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import { bytes, concat, fuzzAsync, latin1, splitAt } from './harness.js';
import { REPO, transcripts, type Seed } from './corpus.js';
import { mutated } from './mutate.js';
import { Tokenizer } from '../../src/core/tokenizer.js';
import { NET_ERRORS } from '../../src/protocol/net/errors.js';
import { HELP_TEXT } from '../../src/protocol/net/server-replies.js';
import { MAX_REQUEST_LINE_BYTES } from '../../src/protocol/net/server-request-decoder.js';
import {
  HARDNUT, freePort, makeTestDir, rssKiB, startHardnutDriver, waitFor, waitForSocket, type Proc, type TestDir,
} from '../support/stack.js';
import { ask, startHardnutUpsd } from '../upsd/support/upsd-stack.js';
import { DAEMON_USER_WHY, requireAll, runsDaemons } from '../support/peers.js';

const USERS = '[admin]\n\tpassword = adminpass\n\tactions = SET FSD\n\tinstcmds = ALL\n\tupsmon primary\n'
  + '[monuser]\n\tpassword = monpass\n\tupsmon secondary\n';
// ups2 has no driver: DRIVER-NOT-CONNECTED
const UPS_CONF = `[ups1]\n\tdriver = dummy-ups\n\tport = ups1.dev\n\tdesc = "Recorded \\"UPS\\" one"\n[ups2]\n\tdriver = dummy-ups\n\tport = ups2.dev\n`;

/** Valid requests sent after every input, with the one right answer (§2.3). */
const PROBES: ReadonlyArray<{ req: string; rep: string }> = [
  { req: 'GET UPSDESC ups1\n', rep: 'UPSDESC ups1 "Recorded \\"UPS\\" one"\n' },
  { req: 'GET TYPE ups1 ups.mfr\n', rep: 'TYPE ups1 ups.mfr RW STRING:32\n' },
  { req: 'LIST UPS\n', rep: 'BEGIN LIST UPS\nUPS ups1 "Recorded \\"UPS\\" one"\nUPS ups2 "Description unavailable"\nEND LIST UPS\n' },
  { req: 'GET VAR ups2 ups.status\n', rep: 'ERR DRIVER-NOT-CONNECTED\n' },
  { req: 'get var Probe server.version\n', rep: 'VAR Probe server.version "2.8.0"\n' },
  { req: 'HELP\n', rep: `${HELP_TEXT}\n` },
];

/**
 * Brings the tokenizer back to the start of a line from any state, without losing the next
 * request (§1.2, §1.4): in a quoted word `"` closes it and `#` starts a comment; otherwise `"#` is
 * a parse error and upsd drops the rest of that read (at most 511 bytes, all spaces here). The
 * LF then ends the line.
 */
const RESYNC = bytes(`"#${' '.repeat(600)}\n`);

// ---- the running stack ----

let dir: TestDir | undefined;
let driver: Proc | undefined;
let upsd: Proc | undefined;
let port = 0;
let upsdPid = 0;
let rssBase = 0;
let rssMax = 0;
let paced = true;

beforeAll(async ({}, suite) => {
  requireAll(suite, runsDaemons(), DAEMON_USER_WHY);
  if (!existsSync(HARDNUT)) throw new Error(`${HARDNUT} is missing: run \`npm run build\` first`);
  port = await freePort();
  dir = makeTestDir({
    'ups.conf': UPS_CONF,
    'upsd.conf': `LISTEN 127.0.0.1 ${String(port)}\n`,
    'upsd.users': USERS,
    'ups1.dev': readFileSync(join(REPO, 'test/fixtures/ups1.dev'), 'latin1'),
  });
  driver = startHardnutDriver(dir, 'dummy-ups', 'ups1');
  await waitForSocket(join(dir.state, 'dummy-ups-ups1'));
  upsd = await startHardnutUpsd(dir, port);
  upsdPid = upsd.child.pid ?? 0;
  await waitFor('driver data in upsd', async () => (await ask(port, 'GET VAR ups1 ups.status\n', /\n/)) === 'VAR ups1 ups.status "OL"\n', 15_000, 50);
  for (const p of PROBES) expect(await ask(port, p.req, /(END LIST UPS|^(?!BEGIN)[^\n]*)\n$/)).toBe(p.rep);
  try {
    readRchar();
  } catch {
    paced = false; // /proc/<pid>/io unreadable: pieces are still sent one by one, only not awaited
    console.log('upsd-socket: /proc/<upsd>/io is not readable; pieces are sent without waiting for upsd to read each');
  }
  rssBase = rssKiB(upsdPid);
  rssMax = rssBase;
}, 60_000);

afterAll(async () => {
  await upsd?.stop();
  await driver?.stop();
  dir?.cleanup();
});

function readRchar(): number {
  const m = /rchar: (\d+)/.exec(readFileSync(`/proc/${String(upsdPid)}/io`, 'latin1'));
  if (!m) throw new Error('no rchar');
  return Number(m[1]);
}

/**
 * A fresh loopback source address per connection, 127.77.1.1 to 127.77.250.250 (upsd's
 * failed-login throttle counts per address over a minute; 62 500 connections take far longer).
 */
let connections = 0;
function sourceAddress(): string {
  const n = connections++ % (250 * 250);
  return `127.77.${String(1 + Math.floor(n / 250))}.${String(1 + (n % 250))}`;
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * One conversation: the pieces in order (with `pace`, each after upsd has read the previous one),
 * then at once a half-close, as `nc -N` does; returns everything upsd sent until it closed.
 */
async function converse(pieces: readonly Uint8Array[], pace: boolean): Promise<string> {
  const s = net.connect({ host: '127.0.0.1', port, localAddress: sourceAddress() });
  s.setNoDelay(true);
  let text = '';
  let over = false; // upsd has closed its side (FIN or reset)
  s.on('data', (d: Buffer) => { text += d.toString('latin1'); });
  s.on('end', () => { over = true; });
  s.on('error', () => { over = true; });
  const closed = new Promise<void>((resolve) => s.once('close', () => { over = true; resolve(); }));
  await new Promise<void>((resolve, reject) => { s.once('connect', resolve); s.once('error', reject); });
  for (const p of pieces) {
    if (p.length === 0) continue;
    if (over) break;
    const before = pace && paced ? readRchar() : 0;
    const written = await new Promise<boolean>((resolve) => s.write(p, (err) => resolve(!err)));
    if (!written) break;
    if (pace && paced) {
      // upsd's read(2) total grows by what it read (its driver socket adds too, rarely: then
      // two pieces may share a read, which is just another split). A held reply pauses upsd's
      // reading for up to 10 s (failed-login throttle); then go on anyway.
      const end = Date.now() + 12_000;
      while (!over && readRchar() < before + p.length && Date.now() < end) await tick();
    } else if (pace) {
      await tick();
    }
  }
  s.end();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([closed.then(() => false), new Promise<boolean>((r) => { timer = setTimeout(() => r(true), 30_000); })]);
  clearTimeout(timer);
  if (timedOut) {
    s.destroy();
    throw new Error(`upsd did not close the conversation within 30 s after the client's FIN; got ${JSON.stringify(text.slice(-300))}`);
  }
  return text;
}

// ---- reply checks ----

const UUID = '[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}';
/** A pconf-encoded value in quotes (§1.5, §2.7). */
const QUOTED = String.raw`"(?:[^"\\#]|\\[#\\"])*"`;
const TRACKING_RESULTS = ['UNKNOWN', 'FAILED']; // GET TRACKING <id> answers besides NET_ERRORS (§2.5)
const LINE_FORMS: readonly RegExp[] = [
  /^OK$/, /^OK (?:Goodbye|STARTTLS|PRIMARY-GRANTED|MASTER-GRANTED|FSD-SET|FSD-CLEARED)$/, new RegExp(`^OK TRACKING ${UUID}$`),
  new RegExp(`^ERR (?:${[...NET_ERRORS, ...TRACKING_RESULTS].join('|')})$`),
  /^(?:ON|OFF|PENDING|SUCCESS)$/, /^1\.3$/, new RegExp(`^${HELP_TEXT}$`),
  /^Network UPS Tools upsd 2\.8\.0 \(hardnut [^)]+\) - https?:\/\/\S+$/,
  // echoed names are printed bare and may hold spaces (the client quoted them): `.+`
  new RegExp(`^(?:VAR|RW|ENUM|UPSDESC) .+ ${QUOTED}$`), new RegExp(`^UPS \\S+ ${QUOTED}$`),
  /^RANGE .+ "-?\d+" "-?\d+"$/, /^CMD .+ \S+$/, /^CLIENT \S+ (?:[\d.]+|[\da-f:]+|unix)$/,
  /^TYPE .+?(?: RW)?(?: ENUM)?(?: RANGE)? (?:STRING:-?\d+|NUMBER)$/,
  /^(?:DESC|CMDDESC) .+ "[^"]*"$/, /^NUMLOGINS .+ \d+$/, /^(?:BEGIN|END) LIST .+$/,
];
/** Replies that echo a client's word and can run past 512 characters (GET VAR x server.*, DESC, CMDDESC). */
const CUT_FORMS = /^(?:VAR|DESC|CMDDESC) /;

/**
 * The reply text as lines. NUT (and hardnut) cut a reply line at 512 characters, LF included, so
 * a cut line has exactly 512 characters and the next reply follows it directly (§2.1 ⚠).
 * Throws on anything malformed.
 */
function replyLines(text: string): string[] {
  const out: string[] = [];
  const segments = text.split('\n');
  const tail = segments.pop() ?? '';
  const take = (seg: string, complete: boolean): void => {
    let s = seg;
    while (s.length >= 512) {
      const cut = s.slice(0, 512);
      if (!CUT_FORMS.test(cut) || !/^[\x20-\x7f]*$/.test(cut)) throw new Error(`malformed 512-character (cut) reply line: ${JSON.stringify(cut)}`);
      out.push(cut);
      s = s.slice(512);
    }
    if (!complete) {
      if (s !== '') throw new Error(`reply ends in a partial line: ${JSON.stringify(s)}`);
      return;
    }
    if (!/^[\x20-\x7f]+$/.test(s) || !LINE_FORMS.some((re) => re.test(s))) throw new Error(`malformed reply line: ${JSON.stringify(s)}`);
    out.push(s);
  };
  for (const seg of segments) take(seg, true);
  take(tail, false);
  // lists: BEGIN LIST q, items that start with q's first word, END LIST q (§2.3)
  let list: string | undefined;
  for (const l of out) {
    if (list === undefined) {
      if (l.startsWith('END LIST ')) throw new Error(`END LIST without BEGIN LIST: ${JSON.stringify(l)}`);
      if (l.startsWith('BEGIN LIST ')) list = l.slice('BEGIN LIST '.length);
    } else if (l === `END LIST ${list}`) {
      list = undefined;
    } else if (!l.startsWith(`${list.split(' ')[0] ?? ''} `) || l.startsWith('BEGIN LIST ') || l.startsWith('END LIST ')) {
      throw new Error(`line inside LIST ${list}: ${JSON.stringify(l)}`);
    }
  }
  if (list !== undefined) throw new Error(`LIST ${list} not ended`);
  return out;
}

/**
 * What must not differ between two deliveries: masked values (SET targets, ups.status with the
 * FSD latch), NUMLOGINS counts, tracking ids; LIST CLIENT items dropped (connections of other
 * deliveries may still be counted for a moment).
 */
function normalize(lines: readonly string[], masked: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const l of lines) {
    if (l.startsWith('CLIENT ')) continue;
    const v = /^(VAR|RW) (\S+) (\S+) "/.exec(l);
    if (v && masked.has((v[3] as string).toLowerCase())) out.push(`${v[1] as string} ${v[2] as string} ${v[3] as string} "*"`);
    else if (l.startsWith('NUMLOGINS ')) out.push(l.replace(/\d+$/, '*'));
    else if (l.startsWith('OK TRACKING ')) out.push('OK TRACKING *');
    else out.push(l);
  }
  return out;
}

// ---- what the input holds (pure tokenizer, §1) ----

interface Prepared {
  data: Uint8Array;
  /** For an input with a tokenizer error: the echo word of the marker request put before it. */
  marker?: string;
  masked: Set<string>;
  /** A raw line runs past upsd's request line limit: the connection is cut there. */
  overflow: boolean;
  /** At most this many failed credential checks (upsd holds back each one after the third, 1 s more each time). */
  failures: number;
  /** Where input offset `i` is in `data` (the marker shifts what follows it). */
  at(i: number): number;
}

const ACCOUNTS = new Map([['admin', 'adminpass'], ['monuser', 'monpass']]);
const NEEDS_USER = new Set(['LOGIN', 'PRIMARY', 'MASTER', 'FSD', 'SET', 'INSTCMD']);

/** Counts the requests that may fail a credential check (§2.2): over-estimates, never under. */
class FailureCount {
  private user: string | undefined;
  private pass: string | undefined;
  count = 0;
  line(w: readonly string[]): void {
    const cmd = w[0]?.toUpperCase() ?? '';
    if (cmd === 'USERNAME' && w.length === 2 && this.user === undefined) this.user = w[1];
    else if (cmd === 'PASSWORD' && w.length === 2 && this.pass === undefined) this.pass = w[1];
    else if (NEEDS_USER.has(cmd) && this.user !== undefined && this.pass !== undefined && ACCOUNTS.get(this.user) !== this.pass) this.count++;
  }
}

/**
 * Variables whose values are masked: ups.status (the FSD latch), and every variable any input so
 * far has SET — a SET changes the driver's value a moment later, so deliveries (and later inputs)
 * see either value.
 */
const masked = new Set(['ups.status']);
let markers = 0;

function prepare(input: Uint8Array): Prepared {
  let failed = false;
  let errorLine: number | undefined;
  const t = new Tokenizer();
  const failures = new FailureCount();
  const sink = {
    line(w: string[]): void {
      failures.line(w);
      if (w.length >= 4 && w[0]?.toUpperCase() === 'SET' && w[1]?.toUpperCase() === 'VAR') masked.add((w[3] as string).toLowerCase());
    },
    // file mode (go on after an error) so that SETs after it are seen too
    error(): boolean { failed = true; return true; },
  };
  let lineStart = 0;
  let pos = 0;
  while (pos < input.length) {
    const nl = input.indexOf(0x0a, pos);
    const end = nl < 0 ? input.length : nl + 1;
    t.feed(input.subarray(pos, end), sink);
    if (failed && errorLine === undefined) errorLine = lineStart;
    if (t.idle) lineStart = end;
    pos = end;
  }
  let longest = 0;
  let since = 0;
  for (const b of input) { since = b === 0x0a ? 0 : since + 1; longest = Math.max(longest, since); }
  const overflow = longest + RESYNC.length > MAX_REQUEST_LINE_BYTES;
  if (errorLine === undefined) return { data: input, masked, overflow, failures: failures.count, at: (i) => i };
  const marker = `mark${String(++markers)}Q`;
  const line = bytes(`GET VAR ${marker} server.version\n`);
  const data = concat(input.subarray(0, errorLine), line, input.subarray(errorLine));
  const from = errorLine;
  return { data, marker, masked, overflow, failures: failures.count, at: (i) => (i < from ? i : i + line.length) };
}

/** The last offset before `limit` at which NUT's tokenizer is at the start of a line (§1.2). */
function lineStartBefore(data: Uint8Array, limit: number): number {
  const t = new Tokenizer();
  const sink = { line: (): void => undefined, error: (): boolean => true };
  let start = 0;
  let pos = 0;
  while (pos < limit) {
    const nl = data.indexOf(0x0a, pos);
    const end = nl < 0 || nl >= limit ? limit : nl + 1;
    t.feed(data.subarray(pos, end), sink);
    if (t.idle && data[end - 1] === 0x0a) start = end;
    pos = end;
  }
  return start;
}

// ---- inputs ----

const UPS_NAMES = ['ups1', 'ups1', 'UPS1', 'ups2', 'nosuch', '', 'u'.repeat(512), 'u'.repeat(600)];
const VAR_NAMES = ['ups.status', 'ups.mfr', 'ups.id', 'battery.charge', 'input.transfer.low', 'x.quoted', 'x.backslash', 'driver.name',
  'server.info', 'SERVER.VERSION', 'server.bogus', 'no.such', 'v'.repeat(512)];
/** Variables SET VAR may change: their values are masked when deliveries are compared. */
const SET_VARS = ['ups.mfr', 'UPS.MFR', 'ups.id', 'ups.delay.shutdown', 'input.transfer.low', 'battery.charge.low', 'x.quoted', 'no.such'];
const CMD_NAMES = ['load.off', 'LOAD.OFF', 'no.such.cmd', 'c'.repeat(520)];
const VALUES = ['1', '170', 'x', '', 'two words', 'q"uote', 'back\\slash', 'hash#', '=', 'v'.repeat(40), '-5'];

const UUID_EXAMPLE = '2DDC5036-F665-4D29-BE4C-0374D091D263';
const anyWord = fc.string({ unit: 'grapheme-ascii', maxLength: 12 });
const pick = (xs: readonly string[]): fc.Arbitrary<string> => fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...xs) }, { weight: 1, arbitrary: anyWord });

/** The words of one request of §2.3 (arguments possibly wrong in number or kind). */
const requestWords: fc.Arbitrary<readonly string[]> = fc.oneof(
  fc.constantFrom<readonly string[]>(['VER'], ['NETVER'], ['PROTVER'], ['HELP'], ['STARTTLS'], ['STARTTLS', 'x'], ['BOGUS'], []),
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom('VAR', 'TYPE', 'DESC', 'CMDDESC', 'UPSDESC', 'NUMLOGINS', 'NUMATTACH', 'ENUM'), pick(UPS_NAMES), pick(VAR_NAMES)).map(([s, u, v]) => ['GET', s, u, v]) },
  fc.tuple(pick(UPS_NAMES)).map(([u]) => ['GET', 'UPSDESC', u]),
  fc.tuple(fc.option(fc.constantFrom(UUID_EXAMPLE, 'x', ''), { nil: undefined })).map(([id]) => (id === undefined ? ['GET', 'TRACKING'] : ['GET', 'TRACKING', id])),
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('UPS', 'VAR', 'RW', 'CMD', 'CLIENT', 'ENUM', 'RANGE', 'CLIENTS'), pick(UPS_NAMES), pick(VAR_NAMES)).map(([s, u, v]) => ['LIST', s, u, v]) },
  { weight: 2, arbitrary: fc.constantFrom('admin', 'admin', 'admin', 'ADMIN', 'monuser', 'nobody').map((u) => ['USERNAME', u]) },
  { weight: 2, arbitrary: fc.constantFrom('adminpass', 'adminpass', 'adminpass', 'monpass', 'Wr0ngPass').map((p) => ['PASSWORD', p]) },
  fc.tuple(fc.constantFrom('LOGIN', 'PRIMARY', 'MASTER', 'FSD'), pick(UPS_NAMES)).map(([c, u]) => [c, u]),
  fc.tuple(pick(UPS_NAMES)).map(([u]) => ['FSD', u, 'CLEAR']),
  { weight: 3, arbitrary: fc.tuple(pick(UPS_NAMES), fc.constantFrom(...SET_VARS), pick(VALUES)).map(([u, v, x]) => ['SET', 'VAR', u, v, x]) },
  fc.constantFrom('ON', 'OFF', 'on', 'maybe').map((v) => ['SET', 'TRACKING', v]),
  { weight: 2, arbitrary: fc.tuple(pick(UPS_NAMES), pick(CMD_NAMES), fc.option(pick(VALUES), { nil: undefined })).map(([u, c, p]) => (p === undefined ? ['INSTCMD', u, c] : ['INSTCMD', u, c, p])) },
  { weight: 1, arbitrary: fc.constant<readonly string[]>(['LOGOUT']) },
);

/** One word as a client might write it: bare, quoted and escaped (§1.5), or with odd case. */
function writeWord(w: string, style: number): string {
  switch (style % 4) {
    case 0: return w === '' ? '""' : w;
    case 1: return `"${w.replace(/[\\"#]/g, '\\$&')}"`;
    case 2: return w.toLowerCase() === w ? w.toUpperCase() : w.toLowerCase();
    default: return w.replace(/[\\"#= ]/g, '\\$&') || '""';
  }
}

const requestLine: fc.Arbitrary<string> = fc.tuple(
  requestWords,
  fc.array(fc.nat(7), { minLength: 6, maxLength: 6 }),
  fc.integer({ min: -2, max: 3 }), // fewer or extra words
  fc.constantFrom('\n', '\n', '\n', '\r\n', '\t\n', ' # comment\n'),
).map(([words, styles, more, eol]) => {
  const ws = more < 0 ? words.slice(0, Math.max(0, words.length + more)) : [...words, ...Array.from({ length: more }, (_, i) => `extra${String(i)}`)];
  return ws.map((w, i) => writeWord(w, styles[i % styles.length] ?? 0)).join(' ') + eol;
});

const hostile: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 24 }),
  fc.constantFrom('"', '\\', '#', '\r\n', '\t', '=', '\\\n', '"#', '""', '\x00', '\x7f', '\x80', '\xff', '\n').map(latin1),
  fc.tuple(fc.integer({ min: 33, max: 40 }), fc.constantFrom('GET VAR ups1 ups.status', 'LIST VAR ups1', 'USERNAME admin')).map(([n, head]) => bytes(`${head}${' w'.repeat(n)}\n`)),
  fc.tuple(fc.constantFrom(511, 512, 513, 3000), fc.constantFrom('GET VAR ups1 ', 'GET VAR ', 'GET DESC ups1 ', 'GET CMDDESC ups1 ', 'SET VAR ups1 ups.id ', 'USERNAME ', 'LIST ENUM ups1 '), fc.boolean())
    .map(([n, head, quoted]) => bytes(`${head}${quoted ? `"${'w'.repeat(n)}"` : 'w'.repeat(n)} server.info\n`)),
);

/** Small streams: at most ~16 KB, so that no line comes near the 33 KiB limit by accident. */
const generated = fc.array(fc.oneof({ weight: 5, arbitrary: requestLine.map(bytes) }, { weight: 2, arbitrary: hostile }), { maxLength: 10 })
  .map((parts) => concat(...parts));
/**
 * An input: bytes, or bytes around a line far past the limit (40 KB to 1 MB without LF, kept as
 * its length and byte so that a counterexample stays readable): upsd must cut the connection,
 * not buffer.
 */
interface Stream { head: Uint8Array; run?: { bytes: number; fill: number }; tail?: Uint8Array }
const huge: fc.Arbitrary<Stream> = fc.record({
  head: generated,
  run: fc.record({ bytes: fc.integer({ min: 40_000, max: 1_100_000 }), fill: fc.constantFrom(0x41, 0x22, 0x20, 0x5c) }),
  tail: generated,
});

function streamBytes(s: Stream): Uint8Array {
  return s.run === undefined ? s.head : concat(s.head, new Uint8Array(s.run.bytes).fill(s.run.fill), s.tail ?? new Uint8Array(0));
}

/** The recorded requests, also without their final LOGOUT (so that the probe is reached). */
function netSeeds(): Seed[] {
  const out: Seed[] = [];
  for (const s of transcripts('net', 'req')) {
    out.push(s);
    const text = new TextDecoder('latin1').decode(s.data);
    if (text.endsWith('LOGOUT\n')) out.push({ name: `${s.name} (no LOGOUT)`, data: bytes(text.slice(0, -'LOGOUT\n'.length)) });
  }
  return out;
}

const stream: fc.Arbitrary<Stream> = fc.oneof(
  { weight: 5, arbitrary: generated.map((head) => ({ head })) },
  { weight: 3, arbitrary: mutated(netSeeds(), 4).map((head) => ({ head })) },
  { weight: 1, arbitrary: huge },
);

const input = fc.record({
  data: stream,
  probe: fc.nat(PROBES.length - 1),
  /** Offsets for inputs too long to split at every one. */
  sampled: fc.array(fc.nat(), { minLength: 16, maxLength: 48 }),
  /** Random pieces. */
  cuts: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
  /** 0: an input that upsd's failed-login throttle slows down is kept (1 in 16). */
  slow: fc.nat(15),
});

/** Inputs up to this long are split at every offset (one byte per read); longer ones at sampled offsets. */
const EVERY_OFFSET_MAX = 256;

function everyOffset(data: Uint8Array, sampled: readonly number[]): Uint8Array[] {
  if (data.length <= EVERY_OFFSET_MAX) return Array.from({ length: data.length }, (_, i) => data.subarray(i, i + 1));
  return splitAt(data, sampled);
}

/** One conversation's reply lines, checked for form; and upsd must still be running. */
async function transcript(how: string, pieces: readonly Uint8Array[], pace: boolean): Promise<string[]> {
  const text = await converse(pieces, pace);
  if (upsd?.child.exitCode !== null) throw new Error(`upsd exited (${String(upsd?.child.exitCode)}):\n${upsd?.output().slice(-3000) ?? ''}`);
  try {
    return replyLines(text);
  } catch (e) {
    throw new Error(`${how}: ${(e as Error).message}`);
  }
}

/**
 * The lines two deliveries must agree on: up to `OK Goodbye` (the rest of that read is answered
 * or not, as reads fall) and, for an input with a tokenizer error, up to the marker's answer;
 * normalized.
 */
function comparable(lines: readonly string[], p: Prepared): string[] {
  const goodbye = lines.indexOf('OK Goodbye');
  let cut = goodbye < 0 ? lines.length : goodbye + 1;
  if (p.marker !== undefined) {
    const m = lines.findIndex((l) => l.startsWith(`VAR ${p.marker as string} `));
    if (m >= 0) cut = Math.min(cut, m + 1);
  }
  return normalize(lines.slice(0, cut), p.masked);
}

function sameReplies(what: string, got: readonly string[], want: readonly string[]): void {
  const i = got.findIndex((l, k) => l !== want[k]);
  if (i < 0 && got.length === want.length) return;
  const at = i >= 0 ? i : Math.min(got.length, want.length);
  throw new Error(`${what}: reply line ${String(at)} differs: ${JSON.stringify(got[at])} vs ${JSON.stringify(want[at])}`
    + ` (${String(got.length)} vs ${String(want.length)} lines compared; before: ${JSON.stringify(want.slice(Math.max(0, at - 3), at))})`);
}

describe('upsd-socket fuzz (hardnut upsd + dummy-ups, real TCP)', () => {
  fuzzAsync('upsd-socket', 'any request stream, whole / at every offset / in pieces: well-formed replies, the same for every split, then the valid request is answered',
    input, async ({ data, probe, sampled, cuts, slow }) => {
      const p = prepare(streamBytes(data));
      // the failed-login throttle holds replies back for seconds: keep a few such inputs, with
      // at most two held replies (1 s + 2 s)
      fc.pre(p.failures <= 3 || (slow === 0 && p.failures <= 5));
      const pr = PROBES[probe] as { req: string; rep: string };
      // a last request with a unique echo: shows that nothing after an over-long line is answered
      const last = `end${String(++markers)}Q`;
      const tail = `${pr.rep}VAR ${last} server.version "2.8.0"\n`;
      const full = concat(p.data, RESYNC, bytes(`${pr.req}GET VAR ${last} server.version\n`));
      const deliveries: Array<[string, Uint8Array[], boolean]> = [
        ['whole', [full], false],
        [full.length <= EVERY_OFFSET_MAX ? 'every offset' : 'sampled offsets', everyOffset(full, sampled), true],
        ['random pieces', splitAt(full, cuts), true],
      ];
      let reference: string[] | undefined;
      for (const [how, pieces, pace] of deliveries) {
        const lines = await transcript(how, pieces, pace);
        const text = lines.join('\n');
        if (p.overflow && text.includes(`VAR ${last} `)) throw new Error(`${how}: upsd went on reading after a line longer than ${String(MAX_REQUEST_LINE_BYTES)} bytes`);
        // after garbage the valid request is answered, unless the input ended the connection
        if (!lines.includes('OK Goodbye') && !p.overflow && !`${text}\n`.endsWith(tail)) {
          throw new Error(`${how}: the valid requests ${JSON.stringify(pr.req)} after the input were not answered with ${JSON.stringify(tail)}; replies end ${JSON.stringify(text.slice(-600))}`);
        }
        const got = comparable(lines, p);
        if (reference === undefined) reference = got;
        else sameReplies(`${how} vs whole`, got, reference);
      }
      if (data.run !== undefined && p.overflow && reference !== undefined) {
        // what came before the over-long line is answered in full before upsd cuts the connection:
        // the same as for those lines alone, followed by a request with a unique echo
        const end = `end${String(++markers)}Q`;
        const endReply = `VAR ${end} server.version "2.8.0"`;
        const before = p.data.subarray(0, lineStartBefore(p.data, p.at(data.head.length)));
        const alone = await transcript('the lines before the over-long one', [concat(before, bytes(`GET VAR ${end} server.version\n`))], false);
        const want = comparable(alone.at(-1) === endReply ? alone.slice(0, -1) : alone, p);
        sameReplies('whole vs the lines before the over-long one alone', reference, want);
      }
      rssMax = Math.max(rssMax, rssKiB(upsdPid));
    });

  it('upsd stayed up, and its resident memory stayed bounded over the run', () => {
    expect(upsd?.child.exitCode).toBeNull();
    console.log(`upsd-socket: upsd RSS ${String(Math.round(rssBase / 1024))} MiB at the start, at most ${String(Math.round(rssMax / 1024))} MiB`);
    // 1 MB lines are cut off at 33 KiB and nothing a client sent is kept after its connection:
    // V8's heap sizing alone accounts for the growth (it levels off at +35–50 MiB in 5-minute runs)
    expect(rssMax - rssBase).toBeLessThan(96 * 1024);
  });
});
