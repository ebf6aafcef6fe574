// Plays golden transcripts (test/interop/golden/transcripts/*.json) against a NUT-protocol server
// and returns the bytes it sent back. A transcript is a list of writes: a string (its characters
// are bytes, latin1), {"pause": ms}, or {"parts": [...]} where a part is a string or
// {"repeat": s, "count": n}. `{{ID}}` / `{{id}}` stand for the last tracking id the server sent on
// this connection (upper / lower case). Between writes the runner waits DEFAULT_PAUSE_MS, so each
// write reaches the server as its own read.

import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';

export type Part = string | { repeat: string; count: number };
export type Step = string | { pause: number } | { parts: Part[] };

export interface Transcript {
  name: string;
  send: Step[];
  /** Touches shared state (FSD latch, logins): played alone, in file order. */
  sequential?: boolean;
  note?: string;
}

export interface Loaded { file: string; transcript: Transcript }

export const DEFAULT_PAUSE_MS = 150;
/** After the last write, how long to wait for the server to close (LOGOUT) before giving up. */
export const CLOSE_WAIT_MS = 4_000;

const DIR = new URL('./transcripts/', import.meta.url);

export function loadTranscripts(): Loaded[] {
  const out: Loaded[] = [];
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.json')).sort()) {
    const list = JSON.parse(readFileSync(new URL(file, DIR), 'utf8')) as Transcript[];
    for (const transcript of list) out.push({ file, transcript });
  }
  return out;
}

const ID_RE = /[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}/g;

function bytesOf(step: Exclude<Step, { pause: number }>, lastId: string | undefined): Buffer {
  const text = typeof step === 'string'
    ? step
    : step.parts.map((p) => (typeof p === 'string' ? p : p.repeat.repeat(p.count))).join('');
  const withId = text.replace(/\{\{ID\}\}/g, lastId ?? 'NO-ID-YET').replace(/\{\{id\}\}/g, (lastId ?? 'no-id-yet').toLowerCase());
  return Buffer.from(withId, 'latin1');
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Plays one transcript on a new connection from `localAddress`; resolves to what came back. */
export async function play(port: number, t: Transcript, localAddress: string): Promise<Buffer> {
  const sock = net.connect({ host: '127.0.0.1', port, localAddress });
  const chunks: Buffer[] = [];
  let closed = false;
  const closedP = new Promise<void>((resolve) => sock.once('close', () => { closed = true; resolve(); }));
  sock.on('data', (d: Buffer) => chunks.push(d));
  sock.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', () => resolve());
    sock.once('error', reject);
  });
  let first = true;
  for (const step of t.send) {
    if (typeof step === 'object' && 'pause' in step) {
      await sleep(step.pause);
      continue;
    }
    if (!first) await sleep(DEFAULT_PAUSE_MS);
    first = false;
    if (closed) break;
    const ids = Buffer.concat(chunks).toString('latin1').match(ID_RE);
    sock.write(bytesOf(step, ids ? ids[ids.length - 1] : undefined));
  }
  await Promise.race([closedP, sleep(CLOSE_WAIT_MS)]);
  sock.destroy();
  return Buffer.concat(chunks);
}

/**
 * The declared differences that show in bytes, undone so the rest can be compared exactly:
 * tracking ids are random (NUT: rand(); hardnut: a CSPRNG), and hardnut names itself in VER and
 * server.info.
 */
export function normalize(reply: string): string {
  return reply.replace(ID_RE, '<TRACKING-ID>').replace(/ \(hardnut [^)]*\) - /g, ' - ');
}

/** Runs `fn` over `items` with at most `limit` running at once. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
