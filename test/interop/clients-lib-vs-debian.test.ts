// hardnut's client library against Debian's upsd 2.8.0 (issue 3, item 4): every command, the
// error codes, TRACKING, concurrency, timeouts and reconnecting after an upsd restart.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import {
  NutClient, NutError, NutTransportError, ReconnectingClient, type ConnectionEvent,
} from '../../src/client/index.js';
import { hasRefNut, isRoot, refNut, requirePeer } from '../support/peers.js';
import { run, waitFor } from '../support/stack.js';
import { startDebianStack, type DebianStack } from './clients-stack.js';

const peer = hasRefNut() && isRoot();
let stack: DebianStack;
beforeAll(async () => { if (peer) stack = await startDebianStack(); }, 90_000);
afterAll(async () => { await stack?.close(); });

async function connect(): Promise<NutClient> {
  return NutClient.connect({ host: '127.0.0.1', port: stack.port });
}

async function nutError(p: Promise<unknown>): Promise<NutError> {
  try { await p; } catch (e) {
    expect(e).toBeInstanceOf(NutError);
    return e as NutError;
  }
  throw new Error('expected an ERR reply');
}

const PEER = "Debian's NUT (apt-get install nut-server nut-client) and root";

describe('hardnut client library against Debian upsd', () => {
  it('reads: VER, NETVER, HELP, LIST UPS/VAR/RW/CMD/ENUM/RANGE, GET VAR/TYPE/DESC/CMDDESC/UPSDESC/NUMLOGINS', async (ctx) => {
    requirePeer(ctx, peer, PEER);
    const c = await connect();
    try {
      expect(await c.ver()).toMatch(/^Network UPS Tools upsd 2\.8\.0/);
      expect(await c.netVer()).toBe('1.3');
      expect(await c.protVer()).toBe('1.3');
      expect(await c.help()).toMatch(/^Commands: HELP VER/);
      expect(await c.listUps()).toEqual([{ name: 'ups1', description: 'hardnut driver' }, { name: 'rwups', description: 'simulated in the test' }]);

      // LIST VAR equals what Debian's upsc prints
      const vars = await c.listVar('ups1');
      const upsc = await run(refNut.upsc, [`ups1@${stack.host}`], stack.dir.env);
      expect([...vars].map(([k, v]) => `${k}: ${v}\n`).join('')).toBe(upsc.stdout);
      expect(await c.getVar('ups1', 'ups.status')).toBe('OL');
      expect(await c.getVar('rwups', 'ups.mfr')).toBe('Fake "Quoted" Inc.');
      expect(await c.getVar('ups1', 'server.version')).toBe('2.8.0');

      expect(await c.getType('rwups', 'input.transfer.low')).toMatchObject({ rw: true, enum: true, range: false, kind: 'NUMBER' });
      expect(await c.getType('rwups', 'ups.id')).toMatchObject({ rw: true, kind: 'STRING', maxLength: 8 });
      expect(await c.getType('rwups', 'ups.delay.shutdown')).toMatchObject({ rw: true, range: true, kind: 'NUMBER' });
      expect(await c.getType('rwups', 'battery.charge')).toMatchObject({ rw: false, kind: 'NUMBER' });
      expect(await c.getDesc('ups1', 'battery.charge')).toBe('Battery charge (percent of full)');
      expect(await c.getCmdDesc('ups1', 'load.off')).toBe('Turn off the load immediately');
      expect(await c.getUpsDesc('ups1')).toBe('hardnut driver');
      expect(await c.getNumLogins('ups1')).toBe(0);

      expect(await c.listCmd('rwups')).toEqual(['beeper.toggle', 'test.battery.start.quick']);
      expect([...(await c.listRw('rwups')).keys()]).toEqual(['input.sensitivity', 'input.transfer.low', 'ups.delay.shutdown', 'ups.id', 'ups.test.interval']);
      expect(await c.listEnum('rwups', 'input.transfer.low')).toEqual(['150', '160', '170']);
      expect(await c.listRange('rwups', 'ups.delay.shutdown')).toEqual([{ min: '0', max: '60' }, { min: '120', max: '300' }]);
    } finally {
      await c.close();
    }
  });

  it('the error codes, as codes and as NUT\'s texts', async (ctx) => {
    requirePeer(ctx, peer, PEER);
    const c = await connect();
    try {
      expect((await nutError(c.getVar('nope', 'ups.status'))).word).toBe('UNKNOWN-UPS');
      const e = await nutError(c.getVar('ups1', 'ups.bogus'));
      expect([e.word, e.message]).toEqual(['VAR-NOT-SUPPORTED', 'Variable not supported by UPS']);
      expect((await nutError(c.getVar('ups1', 'server.bogus'))).word).toBe('VAR-NOT-SUPPORTED');
      expect((await nutError(c.setVar('ups1', 'ups.id', 'x'))).word).toBe('USERNAME-REQUIRED');
      expect((await nutError(c.command('FROBNICATE'))).word).toBe('UNKNOWN-COMMAND');
      expect((await nutError(c.getTracking('0B7C3E3A-1F2A-4C5D-9E8F-0123456789AB'))).word).toBe('FEATURE-NOT-CONFIGURED');
      await c.username('admin');
      expect((await nutError(c.username('admin'))).word).toBe('ALREADY-SET-USERNAME');
      expect((await nutError(c.setVar('ups1', 'ups.id', 'x'))).word).toBe('PASSWORD-REQUIRED');
      await c.password('adminpass');
      expect((await nutError(c.password('adminpass'))).word).toBe('ALREADY-SET-PASSWORD');
      expect((await nutError(c.setVar('rwups', 'battery.charge', '5'))).word).toBe('READONLY');
      expect((await nutError(c.setVar('rwups', 'input.transfer.low', '155'))).word).toBe('INVALID-VALUE');
      expect((await nutError(c.setVar('rwups', 'ups.delay.shutdown', '90'))).word).toBe('INVALID-VALUE');
      expect((await nutError(c.setVar('rwups', 'ups.id', 'far too long'))).word).toBe('TOO-LONG');
      expect((await nutError(c.setVar('rwups', 'no.such', '1'))).word).toBe('VAR-NOT-SUPPORTED');
      expect((await nutError(c.instCmd('rwups', 'no.such.cmd'))).word).toBe('CMD-NOT-SUPPORTED');
      await c.login('ups1');
      expect((await nutError(c.login('ups1'))).word).toBe('ALREADY-LOGGED-IN');
    } finally {
      await c.close();
    }
    const reader = await connect();
    try {
      await reader.authenticate('reader', 'readerpass');
      expect((await nutError(reader.instCmd('ups1', 'load.off'))).word).toBe('ACCESS-DENIED');
      expect((await nutError(reader.primary('ups1'))).word).toBe('ACCESS-DENIED');
    } finally {
      await reader.close();
    }
    const wrong = await connect();
    try {
      await wrong.authenticate('admin', 'wrong password');
      const denied = await nutError(wrong.setVar('ups1', 'ups.id', 'x'));
      expect([denied.word, denied.message]).toEqual(['ACCESS-DENIED', 'Access denied']);
    } finally {
      await wrong.close();
    }
  });

  it('auth, LOGIN, PRIMARY, LIST CLIENT, NUMLOGINS, FSD, LOGOUT', async (ctx) => {
    requirePeer(ctx, peer, PEER);
    const mon = await connect();
    await mon.authenticate('admin', 'adminpass');
    await mon.login('rwups');
    await mon.primary('rwups');
    const c = await connect();
    try {
      expect(await c.getNumLogins('rwups')).toBe(1);
      expect(await c.listClient('rwups')).toEqual(['127.0.0.1']);
      await c.authenticate('admin', 'adminpass');
      await c.fsd('rwups');
      expect(await c.getVar('rwups', 'ups.status')).toBe('FSD OL');
      await mon.logout();
      expect(mon.connected).toBe(false);
      await waitFor('the login to go', async () => (await c.getNumLogins('rwups')) === 0, 10_000, 200);
    } finally {
      await c.close();
    }
  });

  it('TRACKING: SET on hardnut dummy-ups ends SUCCESS, INSTCMD ends ERR UNKNOWN; a refused SET is ERR INVALID-ARGUMENT', async (ctx) => {
    requirePeer(ctx, peer, PEER);
    const c = await connect();
    try {
      await c.authenticate('admin', 'adminpass');
      await c.setTracking(true);
      expect(await c.trackingEnabled()).toBe(true);
      const set = await c.setVar('ups1', 'ups.delay.shutdown', '25');
      expect(set.tracking).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
      expect(await c.waitTracking(set.tracking as string, 10_000, 100)).toEqual({ state: 'SUCCESS', reply: 'SUCCESS' });
      expect(await c.getVar('ups1', 'ups.delay.shutdown')).toBe('25');
      const cmd = await c.instCmd('ups1', 'load.off');
      expect(await c.waitTracking(cmd.tracking as string, 10_000, 100)).toMatchObject({ state: 'ERROR', reply: 'ERR UNKNOWN' });
      const refused = await c.setVar('rwups', 'ups.test.interval', '7');
      expect(await c.waitTracking(refused.tracking as string, 10_000, 100)).toMatchObject({ state: 'ERROR', code: 'INVALID-ARGUMENT' });
      const withParam = await c.instCmd('rwups', 'test.battery.start.quick', '30');
      expect(await c.waitTracking(withParam.tracking as string, 10_000, 100)).toMatchObject({ state: 'SUCCESS' });
      expect(stack.fake.received).toContain('INSTCMD test.battery.start.quick 30');
      await c.setTracking(false);
      expect((await c.setVar('ups1', 'ups.delay.shutdown', '20')).tracking).toBeUndefined();
    } finally {
      await c.close();
    }
  });

  it('100 concurrent getVar calls on one connection come back matched', async (ctx) => {
    requirePeer(ctx, peer, PEER);
    const c = await connect();
    try {
      const expected = await c.listVar('ups1');
      const names = [...expected.keys()];
      const asked = Array.from({ length: 100 }, (_, i) => names[i % names.length] as string);
      const got = await Promise.all(asked.map((n) => c.getVar('ups1', n)));
      expect(got).toEqual(asked.map((n) => expected.get(n)));
    } finally {
      await c.close();
    }
  });

  it('DATA-STALE and DRIVER-NOT-CONNECTED as the driver goes stale and away', async (ctx) => {
    requirePeer(ctx, peer, PEER);
    const c = await connect();
    try {
      stack.fake.state.dataStale();
      const stale = await waitFor('DATA-STALE', async () => {
        try { await c.getVar('rwups', 'ups.status'); return false; } catch (e) { return e as NutError; }
      }, 10_000, 100);
      expect([stale.word, stale.message]).toEqual(['DATA-STALE', 'Data stale']);
      stack.fake.state.dataOk();
      await waitFor('fresh data', async () => (await c.getVar('rwups', 'ups.status').catch(() => '')) !== '', 10_000, 100);
      await stack.fake.stop();
      const gone = await waitFor('DRIVER-NOT-CONNECTED', async () => {
        try { await c.getVar('rwups', 'ups.status'); return false; } catch (e) { return e as NutError; }
      }, 10_000, 100);
      expect([gone.word, gone.message]).toEqual(['DRIVER-NOT-CONNECTED', 'Driver not connected']);
    } finally {
      await c.close();
      await stack.fake.start();
      await waitFor('rwups back', async () => (await run(refNut.upsc, [`rwups@${stack.host}`, 'ups.status'], stack.dir.env)).code === 0, 20_000, 200);
    }
  });

  it('STARTTLS: Debian upsd without a certificate refuses, "try" goes on in plaintext, "require" fails', async (ctx) => {
    requirePeer(ctx, peer, PEER);
    const c = await connect();
    expect(c.encrypted).toBe(false);
    await c.close();
    let err: unknown;
    try { await NutClient.connect({ host: '127.0.0.1', port: stack.port }, { startTls: 'require' }); } catch (e) { err = e; }
    expect((err as NutTransportError).code).toBe('ERR_TLS_UNAVAILABLE');
  });

  it('ReconnectingClient rides out an upsd restart with backoff', async (ctx) => {
    requirePeer(ctx, peer, PEER);
    const events: ConnectionEvent[] = [];
    const rc = new ReconnectingClient({ host: '127.0.0.1', port: stack.port }, {
      initialDelayMs: 200, maxDelayMs: 1000, onEvent: (e) => events.push(e),
      onConnect: async (c) => { await c.authenticate('admin', 'adminpass'); await c.login('ups1'); },
    });
    try {
      expect(await rc.run((c) => c.getVar('ups1', 'ups.status'))).toBe('OL');
      await stack.stopUpsd();
      const failures: string[] = [];
      const downUntil = Date.now() + 3000;
      while (Date.now() < downUntil) {
        try { await rc.run((c) => c.getVar('ups1', 'ups.status')); } catch (e) { failures.push((e as NutTransportError).code); }
        await new Promise((r) => setTimeout(r, 100));
      }
      const waits = events.filter((e) => e.type === 'connect-failed').map((e) => (e as { retryInMs: number }).retryInMs);
      expect(waits.slice(0, 4)).toEqual([200, 400, 800, 1000]);
      expect(failures).toContain('ERR_NOT_CONNECTED');
      await stack.startUpsd();
      const back = await waitFor('reconnected', async () => rc.run((c) => c.getVar('ups1', 'ups.status')).catch(() => undefined), 10_000, 100);
      expect(back).toBe('OL');
      // onConnect ran again on the new connection: the login counts
      const c = await connect();
      expect(await c.getNumLogins('ups1')).toBe(1);
      await c.close();
    } finally {
      await rc.close();
    }
  }, 60_000);
});
