import { describe, it, expect, afterEach, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import {
  NutClient, NutError, NutProtocolError, NutTransportError, ReconnectingClient, type ConnectionEvent,
} from '../../src/client/index.js';
import { startFakeUpsd, simpleUpsd, type FakeUpsd } from './fake-upsd.js';
import { makeCerts, type TestCerts } from './certs.js';
import { freePort } from '../support/stack.js';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });
function track<T extends { close(): Promise<unknown> }>(x: T): T { cleanups.push(() => x.close()); return x; }

async function caught(p: Promise<unknown>): Promise<Error> {
  try { await p; } catch (e) { return e as Error; }
  throw new Error('expected a rejection');
}

describe('NutClient requests and replies', () => {
  it('100 concurrent getVar calls on one connection come back matched, one request at a time on the wire', async () => {
    let outstanding = 0;
    let maxOutstanding = 0;
    const srv = track(await startFakeUpsd((line, conn) => {
      if (line === 'STARTTLS') { conn.write('ERR FEATURE-NOT-CONFIGURED\n'); return; }
      outstanding++;
      maxOutstanding = Math.max(maxOutstanding, outstanding);
      const name = line.split(' ')[3] as string;
      // answer after a random short delay: a client that matched by arrival would mix them up
      setTimeout(() => { outstanding--; conn.write(`VAR ups1 ${name} "value of ${name}"\n`); }, Math.random() * 3);
    }));
    const c = track(await NutClient.connect({ host: '127.0.0.1', port: srv.port }));
    const names = Array.from({ length: 100 }, (_, i) => `x.v${i}`);
    const got = await Promise.all(names.map((n) => c.getVar('ups1', n)));
    expect(got).toEqual(names.map((n) => `value of ${n}`));
    expect(maxOutstanding).toBe(1);
    expect(c.encrypted).toBe(false);
  });

  it('an ERR reply is a NutError with the server code and NUT\'s text; the connection goes on', async () => {
    const srv = track(await startFakeUpsd(simpleUpsd({ 'ups.status': 'OL' })));
    const c = track(await NutClient.connect({ host: '127.0.0.1', port: srv.port }));
    const e = await caught(c.getVar('ups1', 'ups.bogus'));
    expect(e).toBeInstanceOf(NutError);
    expect((e as NutError).word).toBe('VAR-NOT-SUPPORTED');
    expect(e.message).toBe('Variable not supported by UPS');
    expect(await c.getVar('ups1', 'ups.status')).toBe('OL');
  });

  it('a server that never answers: the request times out, queued ones fail too, the connection is dropped', async () => {
    const srv = track(await startFakeUpsd((line, conn) => { if (line === 'STARTTLS') conn.write('ERR FEATURE-NOT-CONFIGURED\n'); }));
    const c = track(await NutClient.connect({ host: '127.0.0.1', port: srv.port }, { timeoutMs: 300 }));
    const t0 = Date.now();
    const [a, b] = await Promise.all([caught(c.getVar('ups1', 'a.b')), caught(c.getVar('ups1', 'c.d'))]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect((a as NutTransportError).code).toBe('ERR_TIMEOUT');
    expect((b as NutTransportError).code).toBe('ERR_TIMEOUT');
    expect(c.connected).toBe(false);
    expect((await caught(c.getVar('ups1', 'a.b'))).message).toBe('Server disconnected');
  });

  it('garbage replies are typed errors, never a crash', async () => {
    const replies = ['VAR other x "1"', 'VAR ups1 x "unbalanced#"', 'BEGIN LIST', '\u0000\u00ff\u0001', 'x'.repeat(9000)];
    for (const reply of replies) {
      const srv = await startFakeUpsd((line, conn) => {
        if (line === 'STARTTLS') { conn.write('ERR FEATURE-NOT-CONFIGURED\n'); return; }
        conn.write(`${reply}\n`);
      });
      const c = await NutClient.connect({ host: '127.0.0.1', port: srv.port });
      const e = await caught(c.getVar('ups1', 'x'));
      expect(e, JSON.stringify(reply.slice(0, 20))).toBeInstanceOf(NutProtocolError);
      expect(c.connected).toBe(false);
      await c.close();
      await srv.close();
    }
  });

  it('an unsolicited line, or the server hanging up, fails what is waiting', async () => {
    const srv = track(await startFakeUpsd((line, conn) => {
      if (line === 'STARTTLS') { conn.write('ERR FEATURE-NOT-CONFIGURED\nSURPRISE\n'); return; }
    }));
    const c = await NutClient.connect({ host: '127.0.0.1', port: srv.port });
    await new Promise((r) => setTimeout(r, 50));
    expect(c.connected).toBe(false);
    const srv2 = track(await startFakeUpsd((line, conn) => {
      if (line === 'STARTTLS') { conn.write('ERR FEATURE-NOT-CONFIGURED\n'); return; }
      conn.destroy();
    }));
    const c2 = await NutClient.connect({ host: '127.0.0.1', port: srv2.port });
    const e = await caught(c2.getVar('ups1', 'x'));
    expect([(e as NutTransportError).code, e.message]).toEqual(['ERR_DISCONNECTED', 'Server disconnected']);
  });

  it('connect failures read like libupsclient\'s', async () => {
    const port = await freePort();
    const refused = await caught(NutClient.connect({ host: '127.0.0.1', port }));
    expect([(refused as NutTransportError).code, refused.message]).toEqual(['ERR_CONNECT', 'Connection failure: Connection refused']);
    const unknown = await caught(NutClient.connect({ host: 'nosuchhost.invalid', port: 3493 }));
    expect([(unknown as NutTransportError).code, unknown.message]).toEqual(['ERR_NO_SUCH_HOST', 'No such host']);
    const nosock = await caught(NutClient.connect({ path: '/nonexistent/upsd.sock' }));
    expect(nosock.message).toBe('Connection failure: No such file or directory');
  });

  it('talks over a Unix socket, without STARTTLS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hn-sock-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const srv = track(await startFakeUpsd(simpleUpsd({ 'ups.status': 'OB' }), { path: join(dir, 'upsd.sock') }));
    const c = track(await NutClient.connect({ path: join(dir, 'upsd.sock') }));
    expect(await c.getVar('ups1', 'ups.status')).toBe('OB');
    expect(srv.lines).toEqual(['GET VAR ups1 ups.status']);
  });

  it('requests are encoded as upscli does; PRIMARY falls back to MASTER; close() says LOGOUT', async () => {
    const srv = track(await startFakeUpsd((line, conn) => {
      if (line.startsWith('PRIMARY')) { conn.write('ERR UNKNOWN-COMMAND\n'); return; }
      if (line.startsWith('MASTER')) { conn.write('OK MASTER-GRANTED\n'); return; }
      if (line.startsWith('STARTTLS')) { conn.write('ERR FEATURE-NOT-CONFIGURED\n'); return; }
      conn.write('OK\n');
    }));
    const c = await NutClient.connect({ host: '127.0.0.1', port: srv.port });
    await c.authenticate('admin', 'pass with "spaces" # and = signs');
    await c.primary('ups1');
    await c.setVar('ups1', 'ups.id', 'my ups');
    await c.instCmd('ups1', 'test.battery.start.deep', '60');
    await c.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(srv.lines).toEqual([
      'STARTTLS',
      'USERNAME admin',
      'PASSWORD "pass with \\"spaces\\" \\# and = signs"',
      'PRIMARY ups1',
      'MASTER ups1',
      'SET VAR ups1 ups.id "my ups"',
      'INSTCMD ups1 test.battery.start.deep 60',
      'LOGOUT',
    ]);
  });

  it('TRACKING follow-up: polls GET TRACKING while PENDING, stops at the answer or the deadline', async () => {
    const id = '0B7C3E3A-1F2A-4C5D-9E8F-0123456789AB';
    let polls = 0;
    const srv = track(await startFakeUpsd((line, conn) => {
      if (line === 'STARTTLS') conn.write('ERR FEATURE-NOT-CONFIGURED\n');
      else if (line === 'SET TRACKING ON') conn.write('OK\n');
      else if (line.startsWith('INSTCMD')) conn.write(`OK TRACKING ${id}\n`);
      else if (line === `GET TRACKING ${id}`) conn.write(++polls < 3 ? 'PENDING\n' : 'ERR INVALID-ARGUMENT\n');
      else if (line === 'GET TRACKING NEVER') conn.write('PENDING\n');
    }));
    const c = track(await NutClient.connect({ host: '127.0.0.1', port: srv.port }));
    await c.setTracking(true);
    const r = await c.instCmd('ups1', 'load.off');
    expect(r.tracking).toBe(id);
    expect(await c.waitTracking(id, 5000, 20)).toEqual({ state: 'ERROR', reply: 'ERR INVALID-ARGUMENT', code: 'INVALID-ARGUMENT' });
    expect(polls).toBe(3);
    const e = await caught(c.waitTracking('NEVER', 200, 20));
    expect((e as NutError).code).toBe('ERR_TRACKING_TIMEOUT');
  });
});

describe('STARTTLS and certificate verification', () => {
  let certs: TestCerts;
  beforeAll(() => { certs = makeCerts(); });
  afterAll(() => certs.cleanup());

  const tlsServer = async (): Promise<FakeUpsd> => track(await startFakeUpsd(simpleUpsd({ 'ups.status': 'OL' }), { tls: { key: certs.key, cert: certs.cert } }));

  it('the right CA and name: encrypted, and requests work over TLS', async () => {
    const srv = await tlsServer();
    const c = track(await NutClient.connect({ host: '127.0.0.1', port: srv.port }, { startTls: 'require', tls: { ca: certs.ca, servername: 'localhost' } }));
    expect(c.encrypted).toBe(true);
    expect(await c.getVar('ups1', 'ups.status')).toBe('OL');
    // the address itself is in the certificate too
    const c2 = track(await NutClient.connect({ host: '127.0.0.1', port: srv.port }, { tls: { ca: certs.ca } }));
    expect(c2.encrypted).toBe(true);
  });

  it('a wrong CA is refused', async () => {
    const srv = await tlsServer();
    const e = await caught(NutClient.connect({ host: '127.0.0.1', port: srv.port }, { startTls: 'require', tls: { ca: certs.otherCa, servername: 'localhost' } }));
    expect((e as NutTransportError).code).toBe('ERR_TLS');
    expect(e.message).toMatch(/^SSL error: /);
  });

  it('a wrong name is refused', async () => {
    const srv = await tlsServer();
    const e = await caught(NutClient.connect({ host: '127.0.0.1', port: srv.port }, { startTls: 'require', tls: { ca: certs.ca, servername: 'ups.example.org' } }));
    expect((e as NutTransportError).code).toBe('ERR_TLS');
  });

  it('without verification options TLS is used unverified, as NUT\'s tools do', async () => {
    const srv = await tlsServer();
    const c = track(await NutClient.connect({ host: '127.0.0.1', port: srv.port }));
    expect(c.encrypted).toBe(true);
  });

  it('a server without TLS: "try" goes on in plaintext, "require" and verification refuse', async () => {
    const srv = track(await startFakeUpsd(simpleUpsd({ 'ups.status': 'OL' })));
    const plain = track(await NutClient.connect({ host: '127.0.0.1', port: srv.port }, { startTls: 'try' }));
    expect(plain.encrypted).toBe(false);
    expect(await plain.getVar('ups1', 'ups.status')).toBe('OL');
    const req = await caught(NutClient.connect({ host: '127.0.0.1', port: srv.port }, { startTls: 'require' }));
    expect([(req as NutTransportError).code, req.message]).toEqual(['ERR_TLS_UNAVAILABLE', 'SSL is not available']);
    const verify = await caught(NutClient.connect({ host: '127.0.0.1', port: srv.port }, { tls: { ca: certs.ca } }));
    expect((verify as NutTransportError).code).toBe('ERR_TLS_UNAVAILABLE');
  });
});

describe('ReconnectingClient', () => {
  it('backs off while the server is down (capped), reconnects when it is back, and after it drops', async () => {
    const port = await freePort();
    const events: ConnectionEvent[] = [];
    const rc = track(new ReconnectingClient({ host: '127.0.0.1', port }, { initialDelayMs: 100, maxDelayMs: 400, onEvent: (e) => events.push(e) }));
    const codes: string[] = [];
    for (let i = 0; i < 25; i++) {
      try { await rc.run((c) => c.getVar('ups1', 'ups.status')); } catch (e) { codes.push((e as NutTransportError).code); }
      await new Promise((r) => setTimeout(r, 60));
    }
    const waits = events.filter((e) => e.type === 'connect-failed').map((e) => (e as { retryInMs: number }).retryInMs);
    expect(waits.slice(0, 4)).toEqual([100, 200, 400, 400]);
    // between attempts calls fail at once, without touching the network
    expect(codes).toContain('ERR_NOT_CONNECTED');
    expect(codes).toContain('ERR_CONNECT');

    let srv = await startFakeUpsd(simpleUpsd({ 'ups.status': 'OL' }), { port });
    const t0 = Date.now();
    const first = await waitForValue(() => rc.run((c) => c.getVar('ups1', 'ups.status')), 3000);
    expect(first).toBe('OL');
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(events.some((e) => e.type === 'connected')).toBe(true);

    await srv.close();
    await caught(rc.run((c) => c.getVar('ups1', 'ups.status')));
    expect(events.some((e) => e.type === 'disconnected')).toBe(true);
    srv = await startFakeUpsd(simpleUpsd({ 'ups.status': 'OB' }), { port });
    expect(await waitForValue(() => rc.run((c) => c.getVar('ups1', 'ups.status')), 3000)).toBe('OB');
    await srv.close();
  });

  it('an ERR reply does not drop the connection', async () => {
    const srv = track(await startFakeUpsd(simpleUpsd({})));
    const rc = track(new ReconnectingClient({ host: '127.0.0.1', port: srv.port }));
    await caught(rc.run((c) => c.getVar('ups1', 'a.b')));
    await caught(rc.run((c) => c.getVar('ups1', 'a.b')));
    expect(srv.connections).toBe(1);
  });
});

async function waitForValue<T>(fn: () => Promise<T>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try { return await fn(); } catch (e) { if (Date.now() > end) throw e; }
    await new Promise((r) => setTimeout(r, 50));
  }
}
