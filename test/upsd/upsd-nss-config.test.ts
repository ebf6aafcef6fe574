// Debian's NUT is built with NSS: its upsd.conf names a certificate database (CERTPATH) and a
// certificate in it (CERTIDENT), and no CERTFILE. hardnut reads PEM only, so that file must never
// give a server that quietly answers STARTTLS with FEATURE-NOT-CONFIGURED (issue 20 item 4): upsd
// and `config check` refuse it with file:line and the way out, and the way out (a PEM CERTFILE made
// from a PKCS#12 export, as the hint says) gives a TLS server.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import { isRoot, requirePeer, type SkipContext } from '../support/peers.js';
import { freePort, makeTestDir, runHardnut, userArgs, waitFor, writeFiles, type TestDir } from '../support/stack.js';
import { OPENSSL, hasOpenssl, makeCerts, type CertSet } from './support/certs.js';
import { FakeDriver } from './support/fake-driver.js';
import { SIMPLE_DUMP, SIMPLE_USERS, ask, startHardnutUpsd, upsConf } from './support/upsd-stack.js';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

const DB_PASSWORD = 'Nss-Db-Pw-4417';

/**
 * The TLS part of Debian's shipped upsd.conf (nut-server 2.8.0), with its CERTPATH and CERTIDENT
 * examples uncommented the way its comments tell an admin to: an NSS database directory and the
 * certificate's name and database password.
 */
function debianUpsdConf(port: number, nssdb: string): string {
  return [
    `LISTEN 127.0.0.1 ${String(port)}`,
    '# =======================================================================',
    '# CERTPATH <certificate file or directory>',
    '# CERTPATH /usr/local/ups/etc/cert/upsd',
    '#',
    '# When compiled with SSL support with NSS backend,',
    '# you can enter the certificate path here.',
    '# Certificates are stored in a dedicated database (split into 3 files).',
    '# Specify the path of the database directory.',
    `CERTPATH ${nssdb}`,
    '',
    '# =======================================================================',
    '# CERTIDENT <certificate name> <database password>',
    '# CERTIDENT "my nut server" "MyPasSw0rD"',
    `CERTIDENT "my nut server" "${DB_PASSWORD}"`,
    '',
  ].join('\n');
}

/** An NSS database directory as certutil -N leaves it (the files' contents are not read). */
function nssDatabase(dir: TestDir): string {
  const db = join(dir.root, 'cert');
  mkdirSync(db);
  for (const f of ['cert9.db', 'key4.db', 'pkcs11.txt']) writeFileSync(join(db, f), '');
  return db;
}

/** A test dir with one UPS and users, on a free port. */
async function setup(): Promise<{ port: number; dir: TestDir }> {
  const port = await freePort();
  const dir = makeTestDir({ 'ups.conf': upsConf(['ups1']), 'upsd.users': SIMPLE_USERS });
  cleanups.push(() => dir.cleanup());
  return { port, dir };
}

/** setup() with a CA and a server certificate (needs openssl). */
async function setupWithCerts(ctx: SkipContext): Promise<{ port: number; dir: TestDir; c: CertSet }> {
  requirePeer(ctx, hasOpenssl(), 'the openssl command (apt-get install openssl)');
  const { port, dir } = await setup();
  const certDir = join(dir.root, 'pki');
  mkdirSync(certDir);
  return { port, dir, c: makeCerts(certDir) };
}

/** upsd serving ups1 from a fake driver, once the driver's data is there. */
async function serving(dir: TestDir, port: number): Promise<void> {
  const d = new FakeDriver(join(dir.state, 'dummy-ups-ups1'), { dump: SIMPLE_DUMP });
  await d.listen();
  cleanups.push(() => d.close());
  const upsd = await startHardnutUpsd(dir, port);
  cleanups.push(() => upsd.stop());
  await waitFor('driver data', async () => (await ask(port, 'GET VAR ups1 ups.status\n', /\n/)) === 'VAR ups1 ups.status "OL"\n', 10_000, 100);
}

async function upsdFails(dir: TestDir): Promise<{ code: number; out: string }> {
  const r = await runHardnut(['upsd', '-F', ...userArgs()], dir.env, 20_000);
  return { code: r.code, out: r.stdout + r.stderr };
}

/** STARTTLS then a request inside TLS; the reply, or what went wrong. */
function starttls(port: number, ca: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const raw = net.connect(port, '127.0.0.1', () => raw.write('STARTTLS\n'));
    raw.once('data', (d: Buffer) => {
      if (d.toString() !== 'OK STARTTLS\n') { resolve(`plaintext: ${d.toString()}`); raw.destroy(); return; }
      const t = tls.connect({ socket: raw, ca, servername: 'localhost' }, () => t.write('GET VAR ups1 ups.status\n'));
      t.once('data', (x: Buffer) => { resolve(x.toString()); t.destroy(); });
      t.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });
    raw.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

describe("Debian's NSS TLS configuration", () => {
  it('CERTPATH <nssdb> + CERTIDENT without CERTFILE: upsd exits 1 before listening, naming file:line and the export commands', async () => {
    const { port, dir } = await setup();
    const db = nssDatabase(dir);
    writeFiles(dir, { 'upsd.conf': debianUpsdConf(port, db) });
    const r = await upsdFails(dir);
    expect(r.code, r.out).toBe(1);
    expect(r.out).toContain(`${join(dir.etc, 'upsd.conf')}:10:`); // the CERTPATH line
    expect(r.out).toContain("NUT's NSS TLS configuration");
    expect(r.out).toContain(`pk12util -d ${db} -n 'my nut server'`);
    expect(r.out).toContain('CERTFILE /etc/nut/upsd.pem');
    expect(r.out).not.toContain('listening on');
    expect(r.out).not.toContain(DB_PASSWORD);
    // and nothing answers on the port: no plaintext server was left behind
    expect(await ask(port, 'NETVER\n', /\n/, 2000).catch((e: NodeJS.ErrnoException) => e.code)).toBe('ECONNREFUSED');
  });

  it('CERTIDENT alone, or CERTREQUEST REQUIRE alone, is refused the same way; CERTREQUEST NO is not', async () => {
    const { port, dir } = await setup();
    for (const [line, word] of [[`CERTIDENT upsd "${DB_PASSWORD}"`, 'CERTIDENT'], ['CERTREQUEST REQUIRE', 'CERTREQUEST']] as const) {
      writeFiles(dir, { 'upsd.conf': `LISTEN 127.0.0.1 ${String(port)}\n${line}\n` });
      const r = await upsdFails(dir);
      expect(r.code, r.out).toBe(1);
      expect(r.out).toContain(`${join(dir.etc, 'upsd.conf')}:2: ${word} without CERTFILE`);
    }
    writeFiles(dir, { 'upsd.conf': `LISTEN 127.0.0.1 ${String(port)}\nCERTREQUEST NO\n` });
    await serving(dir, port);
    expect(await ask(port, 'STARTTLS\n', /\n/)).toBe('ERR FEATURE-NOT-CONFIGURED\n');
  });

  it('`hardnut config check` refuses the same file with the same line and hint', async () => {
    const { dir } = await setup();
    writeFiles(dir, { 'upsd.conf': debianUpsdConf(3493, nssDatabase(dir)) });
    const r = await runHardnut(['config', 'check', dir.etc], dir.env, 20_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${join(dir.etc, 'upsd.conf')}:10: error: CERTPATH and CERTIDENT without CERTFILE`);
    expect(r.stderr).toContain('pk12util');
    expect(r.stdout + r.stderr).not.toContain(DB_PASSWORD);
  });

  it('the way out: a PKCS#12 export turned into a PEM CERTFILE as the hint says gives a TLS server', async (ctx) => {
    const { port, dir, c } = await setupWithCerts(ctx);
    const certDir = c.dir;
    // what pk12util -o writes: the certificate and its key, PKCS#12, under the database password
    const p12 = join(certDir, 'upsd.p12');
    execFileSync(OPENSSL, ['pkcs12', '-export', '-in', join(certDir, 'server.pem'), '-inkey', join(certDir, 'server.key'),
      '-name', 'my nut server', '-out', p12, '-passout', `pass:${DB_PASSWORD}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    // the hint's second command (the password given on the command line instead of at the prompt)
    const pem = join(dir.etc, 'upsd.pem');
    execFileSync(OPENSSL, ['pkcs12', '-in', p12, '-nodes', '-out', pem, '-passin', `pass:${DB_PASSWORD}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    if (isRoot()) chownSync(pem, 0, 0);
    writeFiles(dir, { 'upsd.conf': `LISTEN 127.0.0.1 ${String(port)}\nCERTFILE ${pem}\n` });
    await serving(dir, port);
    expect(await starttls(port, readFileSync(c.ca))).toBe('VAR ups1 ups.status "OL"\n');
  });

  it('CERTFILE with CERTREQUEST and an NSS database as CERTPATH: refused, saying how to export the CA as PEM', async (ctx) => {
    const { port, dir, c } = await setupWithCerts(ctx);
    const certDir = c.dir;
    const db = nssDatabase(dir);
    writeFiles(dir, { 'upsd.conf': `LISTEN 127.0.0.1 ${String(port)}\nCERTFILE ${c.server}\nCERTPATH ${db}\nCERTREQUEST REQUIRE\n` });
    const r = await upsdFails(dir);
    expect(r.code, r.out).toBe(1);
    expect(r.out).toContain(`CERTPATH ${db} is an NSS certificate database`);
    expect(r.out).toContain(`certutil -L -d ${db}`);
  });
});
