// STARTTLS end to end (spec §2.3) with node:tls as the client: TLS ≥ 1.2 from a PEM CERTFILE,
// server verification by the client (right CA and name accepted; wrong CA or name refused), and
// client certificates with CERTREQUEST 2 (REQUIRE) and 1 (REQUEST) against CERTPATH, from node:tls
// and from hardnut's client library.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import { NutClient, NutTransportError } from '../../src/client/index.js';
import { DAEMON_USER_WHY, requireAll, requirePeer, runsDaemons } from '../support/peers.js';
import { freePort, makeTestDir, waitFor, type Proc, type TestDir } from '../support/stack.js';
import { hasOpenssl, makeCerts, type CertSet } from './support/certs.js';
import { FakeDriver } from './support/fake-driver.js';
import { SIMPLE_DUMP, SIMPLE_USERS, ask, startHardnutUpsd, upsConf } from './support/upsd-stack.js';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

let certs: CertSet | undefined;
let certRoot: TestDir | undefined;
beforeAll(({}, suite) => {
  requireAll(suite, runsDaemons(), DAEMON_USER_WHY);
  if (!hasOpenssl()) return;
  certRoot = makeTestDir();
  const d = join(certRoot.root, 'certs');
  mkdirSync(d);
  certs = makeCerts(d);
  return () => certRoot?.cleanup();
});

async function server(upsdConf: string): Promise<{ port: number; upsd: Proc }> {
  const port = await freePort();
  const dir = makeTestDir({ 'ups.conf': upsConf(['ups1']), 'upsd.conf': `LISTEN 127.0.0.1 ${String(port)}\n${upsdConf}`, 'upsd.users': SIMPLE_USERS });
  cleanups.push(() => dir.cleanup());
  const d = new FakeDriver(join(dir.state, 'dummy-ups-ups1'), { dump: SIMPLE_DUMP });
  await d.listen();
  cleanups.push(() => d.close());
  const upsd = await startHardnutUpsd(dir, port);
  cleanups.push(() => upsd.stop());
  await waitFor('data', async () => (await ask(port, 'GET VAR ups1 ups.status\n', /\n/)) === 'VAR ups1 ups.status "OL"\n', 10_000, 100);
  return { port, upsd };
}

/** Plain connect, STARTTLS, then a TLS handshake on the same socket; returns what the request got. */
function starttls(port: number, opts: tls.ConnectionOptions, request = 'GET VAR ups1 ups.status\n'): Promise<{ ok: true; reply: string; protocol: string } | { ok: false; error: string }> {
  return new Promise((resolve) => {
    const raw = net.connect(port, '127.0.0.1', () => raw.write('STARTTLS\n'));
    raw.once('data', (d: Buffer) => {
      if (d.toString() !== 'OK STARTTLS\n') { resolve({ ok: false, error: `plaintext reply ${d.toString()}` }); raw.destroy(); return; }
      const t = tls.connect({ socket: raw, ...opts }, () => t.write(request));
      let got = '';
      t.on('data', (x: Buffer) => { got += x.toString(); if (got.endsWith('\n')) { resolve({ ok: true, reply: got, protocol: t.getProtocol() ?? '' }); t.destroy(); } });
      t.on('error', (e: NodeJS.ErrnoException) => resolve({ ok: false, error: e.code ?? e.message }));
      t.on('close', () => resolve({ ok: false, error: `closed after ${JSON.stringify(got)}` }));
    });
    raw.on('error', (e: NodeJS.ErrnoException) => resolve({ ok: false, error: e.code ?? e.message }));
  });
}

const need = (ctx: { skip(note?: string): void }): CertSet => {
  requirePeer(ctx, certs !== undefined, 'the openssl command (apt-get install openssl)');
  return certs as CertSet;
};

describe('STARTTLS', () => {
  it('with the right CA and name the client gets TLS ≥ 1.2 and the same protocol inside; a second STARTTLS is refused', async (ctx) => {
    const c = need(ctx);
    const { port } = await server(`CERTFILE ${c.server}\n`);
    const r = await starttls(port, { ca: readFileSync(c.ca), servername: 'localhost' });
    expect(r).toMatchObject({ ok: true, reply: 'VAR ups1 ups.status "OL"\n' });
    expect(['TLSv1.2', 'TLSv1.3']).toContain((r as { protocol: string }).protocol);
    const again = await starttls(port, { ca: readFileSync(c.ca), servername: 'localhost' }, 'STARTTLS\n');
    expect(again).toMatchObject({ ok: true, reply: 'ERR ALREADY-SSL-MODE\n' });
  });

  it('the client refuses a server certificate from another CA, or for another name', async (ctx) => {
    const c = need(ctx);
    const { port } = await server(`CERTFILE ${c.server}\n`);
    expect(await starttls(port, { ca: readFileSync(c.otherCa), servername: 'localhost' })).toMatchObject({ ok: false });
    const wrong = await server(`CERTFILE ${c.wrongName}\n`);
    const r = await starttls(wrong.port, { ca: readFileSync(c.ca), servername: 'localhost' });
    expect(r).toMatchObject({ ok: false, error: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it('TLS renegotiation is refused: the first attempt closes the connection; other clients go on', async (ctx) => {
    const c = need(ctx);
    const { port } = await server(`CERTFILE ${c.server}\n`);
    // TLS 1.2: renegotiation does not exist in 1.3; node:tls alone would allow 3 per 10 minutes
    const outcome = await new Promise<string>((resolve) => {
      const raw = net.connect(port, '127.0.0.1', () => raw.write('STARTTLS\n'));
      raw.once('data', () => {
        const t = tls.connect({ socket: raw, ca: readFileSync(c.ca), servername: 'localhost', maxVersion: 'TLSv1.2' }, () => {
          t.write('NETVER\n');
          t.once('data', () => {
            const asked = t.renegotiate({}, (err) => { if (!err) resolve('renegotiated'); });
            if (!asked) resolve('not sent');
          });
        });
        t.on('error', () => undefined);
        t.on('close', () => resolve('closed'));
      });
      raw.on('error', () => undefined);
    });
    expect(outcome).toBe('closed');
    const r = await starttls(port, { ca: readFileSync(c.ca), servername: 'localhost' });
    expect(r).toMatchObject({ ok: true, reply: 'VAR ups1 ups.status "OL"\n' });
  });

  it('TLS 1.1 is refused', async (ctx) => {
    const c = need(ctx);
    const { port } = await server(`CERTFILE ${c.server}\n`);
    // the client is allowed to offer TLS 1.1 (SECLEVEL=0); upsd's minimum is 1.2
    const r = await starttls(port, { ca: readFileSync(c.ca), servername: 'localhost', minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' });
    expect(r.ok).toBe(false);
  });

  it('CERTREQUEST REQUIRE: a client certificate from the CA in CERTPATH is needed', async (ctx) => {
    const c = need(ctx);
    const { port } = await server(`CERTFILE ${c.server}\nCERTPATH ${c.ca}\nCERTREQUEST REQUIRE\n`);
    const base = { ca: readFileSync(c.ca), servername: 'localhost' };
    expect(await starttls(port, { ...base, cert: readFileSync(c.clientCert), key: readFileSync(c.clientKey) }))
      .toMatchObject({ ok: true, reply: 'VAR ups1 ups.status "OL"\n' });
    expect((await starttls(port, base)).ok).toBe(false);
    expect((await starttls(port, { ...base, cert: readFileSync(c.strangerCert), key: readFileSync(c.strangerKey) })).ok).toBe(false);
  });

  it('CERTREQUEST REQUIRE with hardnut\'s client library: its cert/key options are what gets it in', async (ctx) => {
    const c = need(ctx);
    const { port } = await server(`CERTFILE ${c.server}\nCERTPATH ${c.ca}\nCERTREQUEST REQUIRE\n`);
    const tlsBase = { ca: readFileSync(c.ca), servername: 'localhost' };
    const ask1 = async (extra: { cert?: Buffer; key?: Buffer }): Promise<string> => {
      const client = await NutClient.connect({ host: '127.0.0.1', port }, { startTls: 'require', tls: { ...tlsBase, ...extra } });
      try { return await client.getVar('ups1', 'ups.status'); } finally { await client.close().catch(() => undefined); }
    };
    expect(await ask1({ cert: readFileSync(c.clientCert), key: readFileSync(c.clientKey) })).toBe('OL');
    // TLS 1.3: the server's refusal may come after the client's side of the handshake is done,
    // so it shows on connect or on the first request, never as an answer
    await expect(ask1({})).rejects.toBeInstanceOf(NutTransportError);
    await expect(ask1({ cert: readFileSync(c.strangerCert), key: readFileSync(c.strangerKey) })).rejects.toBeInstanceOf(NutTransportError);
  });

  it('CERTREQUEST REQUEST: no certificate is fine, an untrusted one is not', async (ctx) => {
    const c = need(ctx);
    const { port } = await server(`CERTFILE ${c.server}\nCERTPATH ${c.ca}\nCERTREQUEST 1\n`);
    const base = { ca: readFileSync(c.ca), servername: 'localhost' };
    expect(await starttls(port, base)).toMatchObject({ ok: true, reply: 'VAR ups1 ups.status "OL"\n' });
    expect(await starttls(port, { ...base, cert: readFileSync(c.clientCert), key: readFileSync(c.clientKey) })).toMatchObject({ ok: true });
    expect((await starttls(port, { ...base, cert: readFileSync(c.strangerCert), key: readFileSync(c.strangerKey) })).ok).toBe(false);
  });

  it('plaintext pipelined after STARTTLS is never answered (no command injection into the TLS session)', async (ctx) => {
    const c = need(ctx);
    const { port } = await server(`CERTFILE ${c.server}\n`);
    const reply = await new Promise<string>((resolve) => {
      const raw = net.connect(port, '127.0.0.1', () => raw.write('STARTTLS\nUSERNAME injected\n'));
      raw.once('data', () => {
        const t = tls.connect({ socket: raw, ca: readFileSync(c.ca), servername: 'localhost' }, () => t.write('USERNAME mine\n'));
        t.on('data', (d: Buffer) => { resolve(d.toString()); t.destroy(); });
        t.on('error', (e) => resolve(`error ${e.message}`));
      });
    });
    // had "USERNAME injected" been run, this would be ERR ALREADY-SET-USERNAME
    expect(reply).toBe('OK\n');
  });
});
