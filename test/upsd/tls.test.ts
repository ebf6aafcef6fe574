// TLS settings for STARTTLS: checked once at startup, fail closed (hardnut difference).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTls, TlsConfigError } from '../../src/upsd/tls.js';
import { requirePeer } from '../support/peers.js';
import { hasOpenssl, makeCerts, type CertSet } from './support/certs.js';

let certs: CertSet | undefined;
let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hn-tls-'));
  if (hasOpenssl()) certs = makeCerts(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const need = (ctx: { skip(note?: string): void }): CertSet => {
  requirePeer(ctx, certs !== undefined, 'the openssl command (apt-get install openssl)');
  return certs as CertSet;
};
const fails = (f: () => unknown, re: RegExp): void => {
  expect(f).toThrow(TlsConfigError);
  expect(f).toThrow(re);
};

describe('loadTls', () => {
  it('a certificate with its key in one PEM file is accepted; TLS 1.2 is the minimum', (ctx) => {
    const c = need(ctx);
    const t = loadTls({ certFile: c.server, certRequest: 0 });
    expect(t.subject).toContain('CN=localhost');
    expect(t.validTo.getTime()).toBeGreaterThan(Date.now());
    expect(t.serverOptions.minVersion).toBe('TLSv1.2');
  });

  it('an expired certificate stops startup', (ctx) => {
    const c = need(ctx);
    fails(() => loadTls({ certFile: c.expired, certRequest: 0 }), /expired on/);
  });

  it('a missing, unreadable or non-file CERTFILE stops startup', (ctx) => {
    const c = need(ctx);
    fails(() => loadTls({ certFile: join(c.dir, 'nope.pem'), certRequest: 0 }), /cannot be read: no such file/);
    mkdirSync(join(c.dir, 'adir'), { recursive: true });
    fails(() => loadTls({ certFile: join(c.dir, 'adir'), certRequest: 0 }), /not a regular file/);
  });

  it('a CERTFILE without key, without certificate, with a foreign key or garbage stops startup', (ctx) => {
    const c = need(ctx);
    fails(() => loadTls({ certFile: join(c.dir, 'server.pem'), certRequest: 0 }), /no private key/);
    fails(() => loadTls({ certFile: join(c.dir, 'server.key'), certRequest: 0 }), /no certificate/);
    const mixed = join(c.dir, 'mixed.pem');
    writeFileSync(mixed, readFileSync(join(c.dir, 'server.pem'), 'latin1') + readFileSync(c.clientKey, 'latin1'));
    fails(() => loadTls({ certFile: mixed, certRequest: 0 }), /does not belong to the certificate/);
    const junk = join(c.dir, 'junk.pem');
    writeFileSync(junk, '-----BEGIN CERTIFICATE-----\nbm9wZQ==\n-----END CERTIFICATE-----\n' + readFileSync(c.clientKey, 'latin1'));
    fails(() => loadTls({ certFile: junk, certRequest: 0 }), /cannot be read/);
  });

  it('client certificates need CERTPATH with CA certificates', (ctx) => {
    const c = need(ctx);
    fails(() => loadTls({ certFile: c.server, certRequest: 2 }), /no CERTPATH/);
    fails(() => loadTls({ certFile: c.server, certRequest: 1, certPath: join(c.dir, 'none') }), /CERTPATH .* cannot be read/);
    expect(loadTls({ certFile: c.server, certRequest: 2, certPath: c.ca }).certRequest).toBe(2);
    const cadir = join(c.dir, 'cadir');
    mkdirSync(cadir, { recursive: true });
    writeFileSync(join(cadir, 'a.crt'), readFileSync(c.ca));
    expect(loadTls({ certFile: c.server, certRequest: 1, certPath: cadir }).serverOptions.ca).toHaveLength(1);
  });
});
