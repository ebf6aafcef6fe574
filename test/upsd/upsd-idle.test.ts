// The 60-second idle timeout (spec §2.1): a client that sends no complete line for more than 60 s is
// disconnected; partial lines do not count (a slowloris client is dropped too). A client that has not
// logged in and never sent a complete line goes after PRELOGIN_IDLE_TIMEOUT_MS (upsd-attacks.test.ts). No test knob: the
// test waits the real minute, so it lives in its own file and runs beside the others.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { IDLE_TIMEOUT_MS, TICK_MS } from '../../src/upsd/server.js';
import { freePort, makeTestDir, waitFor, type Proc, type TestDir } from '../support/stack.js';
import { FakeDriver } from './support/fake-driver.js';
import { Client, SIMPLE_DUMP, SIMPLE_USERS, ask, startHardnutUpsd, upsConf } from './support/upsd-stack.js';
import { DAEMON_USER_WHY, requireAll, runsDaemons } from '../support/peers.js';

let dir: TestDir;
let upsd: Proc;
let driver: FakeDriver;
let port = 0;

beforeAll(async ({}, suite) => {
  requireAll(suite, runsDaemons(), DAEMON_USER_WHY);
  port = await freePort();
  dir = makeTestDir({ 'ups.conf': upsConf(['ups1']), 'upsd.conf': `LISTEN 127.0.0.1 ${String(port)}\n`, 'upsd.users': SIMPLE_USERS });
  driver = new FakeDriver(join(dir.state, 'dummy-ups-ups1'), { dump: SIMPLE_DUMP });
  await driver.listen();
  upsd = await startHardnutUpsd(dir, port);
  await waitFor('data', async () => (await ask(port, 'GET VAR ups1 ups.status\n', /\n/)) === 'VAR ups1 ups.status "OL"\n', 10_000, 100);
});
afterAll(async () => { await upsd?.stop(); await driver?.close(); dir?.cleanup(); });

describe('idle clients', () => {
  it('are disconnected after 60 s without a complete line; a partial line does not count; an active client stays', async () => {
    expect(IDLE_TIMEOUT_MS).toBe(60_000);
    const idle = await Client.open(port);
    const slow = await Client.open(port);
    const active = await Client.open(port);
    // each says something first: one that never completes a line is cut much earlier (upsd-attacks.test.ts)
    for (const c of [idle, slow, active]) expect(await c.request('NETVER')).toBe('1.3\n');
    const t0 = Date.now();
    // the slow client trickles bytes of a line it never finishes
    const trickle = setInterval(() => { if (!slow.closed) slow.send('x'); }, 5_000);
    const keepAlive = setInterval(() => { if (!active.closed) active.send('NETVER\n'); }, 10_000);
    try {
      await new Promise((r) => setTimeout(r, IDLE_TIMEOUT_MS - 5_000));
      expect(idle.closed).toBe(false);
      expect(slow.closed).toBe(false);
      const ok = await Promise.all([idle.waitClosed(5_000 + TICK_MS + 5_000), slow.waitClosed(5_000 + TICK_MS + 5_000)]);
      expect(ok).toEqual([true, true]);
      const took = Date.now() - t0;
      expect(took).toBeGreaterThan(IDLE_TIMEOUT_MS - 1_000);
      expect(took).toBeLessThan(IDLE_TIMEOUT_MS + TICK_MS + 3_000);
      expect(active.closed).toBe(false);
      active.send('VER\n');
      expect(await active.until(/(^|\n)Network UPS Tools upsd [^\n]*\n$/)).toMatch(/^(1\.3\n)*Network UPS Tools upsd/);
    } finally {
      clearInterval(trickle);
      clearInterval(keepAlive);
      idle.close(); slow.close(); active.close();
    }
  }, 90_000);
});
