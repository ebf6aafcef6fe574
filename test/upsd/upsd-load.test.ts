// Load and abuse (issue 3): 10,000 concurrent connections held (MAXCONN raised) with upsd's memory
// reported; slowloris clients, 1 MB garbage lines and a client that never reads do not delay a
// well-behaved client beyond a stated bound.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DAEMON_USER_WHY, hasExecutable, isRoot, requireAll, requirePeer, runsDaemons } from '../support/peers.js';
import { HARDNUT, freePort, makeTestDir, rssKiB, startProcess, userArgs, waitFor, type Proc, type TestDir } from '../support/stack.js';
import { FakeDriver } from './support/fake-driver.js';
import { Client, SIMPLE_DUMP, SIMPLE_USERS, ask, upsConf } from './support/upsd-stack.js';

const CONNECTIONS = 10_000;
/**
 * File descriptors for upsd and for the client process (each side holds CONNECTIONS sockets): the
 * current hard limit if it is enough (raising the soft limit to it is always allowed), else 30,000
 * (raising the hard limit needs root outside a restricted container).
 */
const NEEDED_FDS = CONNECTIONS + 2_000;
const hardLimit = ((): number => {
  const m = /^Max open files\s+\S+\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'latin1'));
  return m && m[1] !== 'unlimited' ? Number(m[1]) : Number.MAX_SAFE_INTEGER;
})();
const NOFILE = hardLimit >= NEEDED_FDS ? Math.min(hardLimit, 1 << 20) : 30_000;
const PRLIMIT = '/usr/bin/prlimit';
const MANY = fileURLToPath(new URL('./support/many-clients.mjs', import.meta.url));

/**
 * A well-behaved client's requests must be answered within this, whatever the others do: 9 in 10
 * of them (p90). Not p99: on a loaded 2-core machine the scheduler alone stalls a process now and
 * then (a run beside another test suite saw p50 0.13 ms and two requests of 540 and 641 ms); a
 * stall delays one or two of the client's sequential requests, abusers that starve it delay most.
 */
const GOOD_CLIENT_BOUND_MS = 250;

let dir: TestDir;
let driver: FakeDriver;
let upsd: Proc;
let port = 0;
const canRaise = (isRoot() || hardLimit >= NEEDED_FDS) && hasExecutable(PRLIMIT);

beforeAll(async ({}, suite) => {
  requireAll(suite, runsDaemons(), DAEMON_USER_WHY);
  if (!canRaise) return;
  port = await freePort();
  dir = makeTestDir({ 'ups.conf': upsConf(['ups1']), 'upsd.conf': `LISTEN 127.0.0.1 ${String(port)}\nMAXCONN 12000\n`, 'upsd.users': SIMPLE_USERS });
  driver = new FakeDriver(join(dir.state, 'dummy-ups-ups1'), { dump: SIMPLE_DUMP });
  await driver.listen();
  upsd = startProcess(PRLIMIT, [`--nofile=${String(NOFILE)}:${String(NOFILE)}`, '--', process.execPath, HARDNUT, 'upsd', '-F', ...userArgs()], dir.env);
  await waitFor('upsd', async () => (await ask(port, 'GET VAR ups1 ups.status\n', /\n/).catch(() => '')) === 'VAR ups1 ups.status "OL"\n', 15_000, 100);
}, 30_000);
afterAll(async () => { await upsd?.stop(); await driver?.close(); dir?.cleanup(); });

/** Latencies (ms) of `n` sequential requests from one fresh client. */
async function goodClient(n: number): Promise<number[]> {
  const c = await Client.open(port);
  const out: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const t0 = process.hrtime.bigint();
      const r = await c.request(i % 2 ? 'GET VAR ups1 battery.charge' : 'LIST VAR ups1');
      out.push(Number(process.hrtime.bigint() - t0) / 1e6);
      expect(r.startsWith('ERR')).toBe(false);
    }
  } finally {
    c.close();
  }
  return out;
}
const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] as number;

describe('10,000 concurrent connections', () => {
  it('are held and served; upsd\'s memory is reported', async (ctx) => {
    requirePeer(ctx, canRaise, 'root and prlimit (util-linux) to raise the fd limit');
    const pid = await waitFor('upsd pid', () => {
      const ps = (upsd.child.pid ?? 0);
      return ps > 0 ? ps : undefined;
    });
    // prlimit execs node: the pid is upsd's own
    const before = rssKiB(pid);
    const many: ChildProcess = spawn(PRLIMIT, [`--nofile=${String(NOFILE)}:${String(NOFILE)}`, '--', process.execPath, MANY, String(port), String(CONNECTIONS), '500'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines: string[] = [];
    let buf = '';
    many.stdout?.on('data', (d: Buffer) => { buf += d.toString(); let i; while ((i = buf.indexOf('\n')) >= 0) { lines.push(buf.slice(0, i)); buf = buf.slice(i + 1); } });
    try {
      const opened = JSON.parse(await waitFor('all open', () => lines[0], 120_000, 100)) as { open: number; failed: number; ms: number };
      expect(opened).toMatchObject({ open: CONNECTIONS, failed: 0 });
      const held = rssKiB(pid);
      // a newcomer is still served promptly
      const lat = await goodClient(20);
      many.stdin?.write('ping\n');
      const pinged = JSON.parse(await waitFor('all answered', () => lines[1], 120_000, 100)) as { answered: number };
      expect(pinged.answered).toBe(CONNECTIONS);
      const after = rssKiB(pid);
      console.log(`upsd RSS: ${String(before)} KiB idle, ${String(held)} KiB with ${String(CONNECTIONS)} connections open `
        + `(${(((held - before) * 1024) / CONNECTIONS).toFixed(0)} bytes each), ${String(after)} KiB after each answered again; `
        + `opened in ${String(opened.ms)} ms; newcomer p50 ${pct(lat, 0.5).toFixed(2)} ms, max ${Math.max(...lat).toFixed(2)} ms`);
      expect(held).toBeLessThan(600 * 1024); // a leak guard, far above what is measured
      expect(Math.max(...lat)).toBeLessThan(1000);
    } finally {
      many.stdin?.write('quit\n');
      await new Promise((r) => { if (many.exitCode !== null) r(null); else many.once('exit', r); });
    }
  }, 300_000);
});

describe('abusive clients do not delay a good one', () => {
  it(`slowloris, 1 MB lines and a reader that never reads: 9 in 10 of a good client's requests stay under ${String(GOOD_CLIENT_BOUND_MS)} ms`, async (ctx) => {
    requirePeer(ctx, canRaise, 'root and prlimit (util-linux) to raise the fd limit');
    // the test before closed 10,000 connections at once: let upsd finish those closes first, or
    // the baseline printed below measures them (one CI run showed a 108 ms request here)
    await goodClient(20);
    const base = await goodClient(50);
    const abusers: net.Socket[] = [];
    const timers: NodeJS.Timeout[] = [];
    const closedByServer: Array<Promise<number>> = [];
    try {
      // abusers come from other addresses than the good client, 8 per address: upsd gives one
      // address only a few connections that have not logged in (upsd-attacks.test.ts)
      // 300 slowloris clients: one byte every 200 ms, never a newline
      for (let i = 0; i < 300; i++) {
        const s = net.connect({ port, host: '127.0.0.1', localAddress: `127.3.0.${String((i >> 3) + 1)}` });
        s.on('error', () => undefined);
        abusers.push(s);
        timers.push(setInterval(() => { if (!s.destroyed) s.write('G'); }, 200));
      }
      // 8 clients each sending a 1 MB line as fast as they can: cut off after 33 KiB
      for (let i = 0; i < 8; i++) {
        const s = net.connect({ port, host: '127.0.0.1', localAddress: '127.4.0.1' });
        s.on('error', () => undefined);
        abusers.push(s);
        const t0 = Date.now();
        closedByServer.push(new Promise((resolve) => s.once('close', () => resolve(Date.now() - t0))));
        s.once('connect', () => s.write(Buffer.alloc(1 << 20, 0x41)));
      }
      // 4 clients pipelining a megabyte of requests each and never reading a reply
      for (let i = 0; i < 4; i++) {
        const s = net.connect({ port, host: '127.0.0.1', localAddress: '127.5.0.1' });
        s.on('error', () => undefined);
        s.once('connect', () => { s.pause(); s.write('LIST VAR ups1\n'.repeat(75_000)); });
        abusers.push(s);
      }
      // the good client starts once every abuser is connected (or already turned away by upsd)
      await Promise.all(abusers.map((s) => new Promise((r) => { if (!s.connecting) r(null); else { s.once('connect', r); s.once('close', r); } })));
      const lat = await goodClient(200);
      const cut = await Promise.all(closedByServer);
      console.log(`good client alone: p50 ${pct(base, 0.5).toFixed(2)} ms, p99 ${pct(base, 0.99).toFixed(2)} ms; `
        + `with 300 slowloris + 8 × 1 MB lines + 4 non-readers: p50 ${pct(lat, 0.5).toFixed(2)} ms, p90 ${pct(lat, 0.9).toFixed(2)} ms, p99 ${pct(lat, 0.99).toFixed(2)} ms, max ${Math.max(...lat).toFixed(2)} ms; `
        + `1 MB senders cut off after ${String(Math.max(...cut))} ms at most`);
      expect(pct(lat, 0.9)).toBeLessThan(GOOD_CLIENT_BOUND_MS);
      expect(Math.max(...cut)).toBeLessThan(5000);
      const st = upsd.child.pid ? rssKiB(upsd.child.pid) : 0;
      expect(st).toBeLessThan(600 * 1024);
    } finally {
      for (const t of timers) clearInterval(t);
      for (const s of abusers) s.destroy();
    }
  }, 120_000);
});
