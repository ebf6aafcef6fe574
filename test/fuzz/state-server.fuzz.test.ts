// Fuzz target "state-server": the driver's Unix socket (spec §3.1, §3.3) — DriverState behind a
// real StateServer on a temporary socket, in this process. Random byte streams (Debian upsd's
// recorded requests, mutated; generated commands; garbage; over-long lines) are delivered whole,
// one byte per read (every offset a split point), or cut at random offsets, each piece read by
// the server before the next is sent; then `"#\nPING\n`.
// Invariant: what the client reads is exactly what a model computes from the pure codec and a
// shadow DriverState — every reply, broadcast and TRACKING line in order, ending with PONG —
// unless the stream held an over-long line (then: the replies before it, and a disconnect) or a
// LOGOUT (then: the replies up to `OK Goodbye`, nothing after, as NUT master). Nothing throws,
// nothing is logged as an error. Memory: a flood without LF and a client that never reads are
// cut off at the documented bounds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { bytes, concat, fuzzAsync, splitAt } from './harness.js';
import { dataFileSeeds, transcripts } from './corpus.js';
import { mutated } from './mutate.js';
import { DriverState } from '../../src/driver/dstate.js';
import { DataFileReplay, setDummyVar } from '../../src/driver/drivers/dummy-ups.js';
import {
  MAX_CLIENT_PENDING_BYTES, STAT_HANDLED, STAT_UNKNOWN, StateServer,
} from '../../src/driver/state-server.js';
import {
  MAX_SOCK_LINE_BYTES, SockDecoder, dumpAll, dumpValue, encodeClientMessage, encodeDriverMessage, isValidName,
  parseClientMessage, type ClientMessage,
} from '../../src/protocol/sock/index.js';
import { QuietLogger } from '../support/quiet-logger.js';

const DEV = dataFileSeeds().find((s) => s.name.endsWith('ups1.dev'))?.data ?? bytes('ups.status: OL\n');

/** A driver state as dummy-ups publishes ups1.dev; the same for the server and for the model. */
function populate(state: DriverState): void {
  const r = new DataFileReplay(state, () => 0);
  r.load(DEV);
  r.run();
  state.addCmd('load.off');
  state.dataOk();
}

const handlers = (state: DriverState) => ({
  instcmd: (cmd: string): number => (cmd.toLowerCase() === 'load.off' ? STAT_HANDLED : STAT_UNKNOWN),
  setvar: (name: string, value: string): number => { setDummyVar(state, name, value); return STAT_HANDLED; },
});

let dir = '';
let seq = 0;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'hn-fz-')); });
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

interface Live {
  server: StateServer;
  log: QuietLogger;
  /** Server-side sockets in connection order, with the bytes each has read so far. */
  conns: Array<{ socket: net.Socket; read: number; maxPending: number }>;
}

async function startServer(): Promise<Live> {
  const state = new DriverState();
  populate(state);
  const log = new QuietLogger();
  const server = new StateServer(join(dir, `dummy-ups-f${seq++}`), state, handlers(state), log);
  await server.listen();
  const live: Live = { server, log, conns: [] };
  // Watch the server's own sockets: our 'data' listener runs after StateServer's, so `read`
  // counts bytes the server has already handled.
  const inner: unknown = Reflect.get(server, 'server');
  if (!(inner instanceof net.Server)) throw new Error('StateServer has no net.Server to watch');
  inner.on('connection', (socket: net.Socket) => {
    const c = { socket, read: 0, maxPending: 0 };
    live.conns.push(c);
    socket.on('data', (d: Buffer) => {
      c.read += d.length;
      c.maxPending = Math.max(c.maxPending, socket.writableLength);
    });
  });
  return live;
}

function waitUntil(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (ok()) resolve();
      else if (Date.now() > end) reject(new Error(`timed out waiting for ${what}`));
      else setImmediate(tick);
    };
    tick();
  });
}

interface Conversation { received: string; closed: boolean }

/** Sends the pieces one by one (each read by the server before the next), then collects replies. */
async function converse(live: Live, pieces: Uint8Array[], until: (got: string) => boolean): Promise<Conversation> {
  const before = live.conns.length;
  const client = net.createConnection(live.server.path);
  let received = '';
  let closed = false;
  client.on('data', (d: Buffer) => { received += d.toString('latin1'); });
  client.on('close', () => { closed = true; });
  client.on('error', () => { closed = true; });
  await new Promise<void>((resolve, reject) => { client.once('connect', resolve); client.once('error', reject); });
  await waitUntil('the server to accept', () => live.conns.length > before);
  const conn = live.conns[before]!;
  let sent = 0;
  for (const p of pieces) {
    if (p.length === 0) continue;
    if (closed || conn.socket.destroyed) break;
    client.write(p);
    sent += p.length;
    await waitUntil('server to read the piece', () => conn.read >= sent || conn.socket.destroyed || closed);
  }
  await waitUntil('the reply', () => closed || until(received), 15_000);
  const result = { received, closed };
  client.destroy();
  await waitUntil('server to drop the client', () => live.server.clientCount === 0);
  return result;
}

/** What the driver must answer: the pure decoder plus a shadow DriverState (§3.3). */
interface Expected {
  out: string;
  ends: 'pong' | 'goodbye' | 'overflow';
  /** Errors the server logs for tracking ids it cannot send back (one per such request). */
  errors: number;
  /**
   * The same, counting requests after a LOGOUT too: hardnut still runs those (its replies are
   * dropped), NUT master does not — test/regression/fuzz-found.test.ts holds that case.
   */
  errorsAfterLogout: number;
}

function model(stream: Uint8Array): Expected {
  const shadow = new DriverState();
  populate(shadow);
  let out = '';
  let broadcast = true;
  shadow.setBroadcast((line) => { if (broadcast) out += line; });
  const h = handlers(shadow);
  const r = new SockDecoder<ClientMessage>(parseClientMessage).push(stream);
  let badIds = 0;
  const track = (id: string | undefined, status: number): void => {
    if (id === undefined) return;
    // A tracking id that cannot be sent back as one word gets no reply (hardnut refuses to write it).
    if (isValidName(id)) out += encodeDriverMessage({ type: 'TRACKING', id, status });
    else badIds++;
  };
  for (const m of r.messages) {
    switch (m.type) {
      case 'DUMPALL': out += dumpAll(shadow.tree, shadow.stale); break;
      case 'DUMPVALUE': out += dumpValue(shadow.tree, m.name, shadow.stale); break;
      case 'DUMPSTATUS': out += dumpValue(shadow.tree, 'ups.status', shadow.stale); break;
      case 'PING': out += 'PONG\n'; break;
      case 'GETPID': out += `PID ${process.pid}\n`; break;
      case 'NOBROADCAST': broadcast = false; break;
      case 'BROADCAST': broadcast = m.enable; break;
      case 'LOGOUT': {
        const rest = r.messages.slice(r.messages.indexOf(m) + 1);
        const later = rest.filter((x) => (x.type === 'SET' || x.type === 'INSTCMD') && x.tracking !== undefined && !isValidName(x.tracking)).length;
        return { out: `${out}OK Goodbye\n`, ends: 'goodbye', errors: badIds, errorsAfterLogout: badIds + later };
      }
      case 'INSTCMD': track(m.tracking, h.instcmd(m.cmd)); break;
      case 'SET': { const s = h.setvar(m.name, m.value); track(m.tracking, s); break; }
    }
  }
  return { out, ends: r.overflow ? 'overflow' : 'pong', errors: badIds, errorsAfterLogout: badIds };
}

// ---- inputs ----

const trackId = fc.oneof(fc.uuid(), fc.constantFrom('id1', 'x"y', 'a b', '#', ''));
const cmdMessage: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom<ClientMessage>({ type: 'DUMPALL' }, { type: 'DUMPSTATUS' }, { type: 'PING' }, { type: 'GETPID' }, { type: 'NOBROADCAST' },
    { type: 'BROADCAST', enable: true }, { type: 'BROADCAST', enable: false }).map(encodeClientMessage),
  fc.constantFrom('DUMPVALUE ups.status\n', 'DUMPVALUE UPS.MFR\n', 'DUMPVALUE "no such"\n', 'LOGOUT\n', 'logout\n', 'BROADCAST -1\n',
    'INSTCMD load.off\n', 'INSTCMD LOAD.OFF x TRACKING t1\n', 'INSTCMD a b c d e f\n', 'SET\n', 'SET x\n', 'SET x y Z w\n'),
  fc.tuple(fc.constantFrom('ups.mfr', 'ups.status', 'x.new', 'UPS.MODEL', 'driver.name', 'bad name', 'a"b', 'n'.repeat(600)),
    fc.string({ unit: 'grapheme-ascii', maxLength: 30 }), fc.option(trackId, { nil: undefined }))
    .map(([n, v, t]) => `SET "${n.replace(/["\\#]/g, '\\$&')}" "${v.replace(/["\\#]/g, '\\$&')}"${t === undefined ? '' : ` TRACKING "${t.replace(/["\\#]/g, '\\$&')}"`}\n`),
);
const garbagePiece = fc.oneof(
  fc.uint8Array({ maxLength: 40 }),
  fc.constantFrom('"', '#', '\\', '\n', '"#\n', ' ', '\r\n', '\x00', '\xff').map(bytes),
);
const generated = fc.array(fc.oneof({ weight: 4, arbitrary: cmdMessage.map(bytes) }, garbagePiece), { maxLength: 12 }).map((ps) => concat(...ps));
const overlong = fc.tuple(generated, fc.integer({ min: MAX_SOCK_LINE_BYTES + 1, max: MAX_SOCK_LINE_BYTES + 5000 }), generated)
  .map(([a, n, b]) => concat(a, bytes('\n'), new Uint8Array(n).fill(0x41), b));
const stream = fc.oneof(
  { weight: 4, arbitrary: generated },
  { weight: 3, arbitrary: mutated(transcripts('sock', 'req'), 4) },
  { weight: 1, arbitrary: overlong },
);
const delivery = fc.oneof(
  fc.constant({ kind: 'whole' as const, cuts: [] as number[] }),
  fc.constant({ kind: 'bytes' as const, cuts: [] as number[] }),
  fc.record({ kind: fc.constant('cuts' as const), cuts: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }) }),
);

const TRAILER = bytes('"#\nPING\n');

function piecesOf(data: Uint8Array, d: { kind: 'whole' | 'bytes' | 'cuts'; cuts: number[] }): Uint8Array[] {
  if (d.kind === 'whole' || data.length === 0) return [data];
  // one byte per read: every offset is a split point (long streams: every 64th, to stay fast)
  if (d.kind === 'bytes') {
    const step = data.length <= 400 ? 1 : 64;
    return Array.from({ length: Math.ceil(data.length / step) }, (_, i) => data.subarray(i * step, (i + 1) * step));
  }
  return splitAt(data, d.cuts);
}

describe('state-server fuzz (real Unix socket)', () => {
  fuzzAsync('state-server', 'any byte stream, in any pieces: exactly the modelled replies, then PONG (or a clean disconnect)', fc.tuple(stream, delivery), async ([data, d]) => {
    const live = await startServer();
    try {
      const full = concat(data, TRAILER);
      const want = model(full);
      const pieces = [...piecesOf(data, d), TRAILER];
      // a disconnect is awaited as such; otherwise the reply ends with the trailing PING's PONG
      const got = await converse(live, pieces, (s) => want.ends === 'pong' && s.length >= want.out.length && s.endsWith('PONG\n'));
      expect(got.received).toBe(want.out);
      if (want.ends === 'pong') expect(got.closed).toBe(false);
      else expect(got.closed).toBe(true);
      expect(live.log.errors.length).toBeGreaterThanOrEqual(want.errors);
      expect(live.log.errors.length).toBeLessThanOrEqual(want.errorsAfterLogout);
      for (const e of live.log.errors) expect(e).toMatch(/invalid tracking id/);
    } finally {
      await live.server.close();
    }
  });

  it('a client sending 8 MB without a newline is cut off after ~33 KiB; another client is served meanwhile', async () => {
    const live = await startServer();
    try {
      const flood = net.createConnection(live.server.path);
      let closed = false;
      flood.on('close', () => { closed = true; });
      flood.on('error', () => { closed = true; });
      await new Promise<void>((resolve) => flood.once('connect', resolve));
      const chunk = new Uint8Array(64 * 1024).fill(0x7f);
      for (let i = 0; i < 128 && !closed; i++) {
        if (!flood.write(chunk)) await new Promise<void>((resolve) => { flood.once('drain', resolve); flood.once('close', resolve); });
      }
      await waitUntil('the flooding client to be dropped', () => closed);
      const read = live.conns[0]!.read;
      // the server stops parsing at the limit; at most one more read() chunk reaches it
      expect(read).toBeLessThanOrEqual(MAX_SOCK_LINE_BYTES + 256 * 1024);
      const other = await converse(live, [bytes('PING\n')], (s) => s.endsWith('PONG\n'));
      expect(other.received).toBe('PONG\n');
    } finally {
      await live.server.close();
    }
  });

  it('a client that asks for dumps and never reads is cut off near MAX_CLIENT_PENDING_BYTES', async () => {
    const live = await startServer();
    try {
      const lazy = net.createConnection(live.server.path);
      let closed = false;
      lazy.on('close', () => { closed = true; });
      lazy.on('error', () => { closed = true; });
      lazy.pause(); // never read
      await new Promise<void>((resolve) => lazy.once('connect', resolve));
      const heapBefore = process.memoryUsage().heapUsed;
      const asks = bytes('DUMPALL\n'.repeat(512));
      for (let i = 0; i < 400 && !closed; i++) {
        lazy.write(asks);
        await new Promise((r) => setImmediate(r));
      }
      await waitUntil('the non-reading client to be dropped', () => closed || live.server.clientCount === 0);
      const dump = dumpAll(new DriverState().tree, false).length + DEV.length * 4;
      expect(live.conns[0]!.maxPending).toBeLessThanOrEqual(MAX_CLIENT_PENDING_BYTES + 512 * dump);
      expect(live.server.clientCount).toBe(0);
      // 400 × 512 dumps of ~3 KB would be ~600 MB if they were all queued
      expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * 1024 * 1024);
    } finally {
      await live.server.close();
    }
  });
});
