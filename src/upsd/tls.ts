// STARTTLS for upsd (spec §2.3, §4.2) with node:tls.
//
// CERTFILE is one PEM file holding the server certificate (then any intermediates) and its private
// key, as NUT's OpenSSL build expects. An encrypted key is opened with CERTIDENT's password (the
// second word; the name is ignored). Client certificates (CERTREQUEST 1 = REQUEST, 2 = REQUIRE)
// are checked against the CA certificates in CERTPATH: a PEM file, or a directory whose *.pem,
// *.crt and *.cer files are read (hardnut's choice; NUT's OpenSSL build has no client checks).
//
// hardnut differences: TLS 1.2 is the minimum (NUT allows older unless DISABLE_WEAK_SSL), and a
// configured certificate that cannot be used — unreadable, expired, not yet valid, no key, key
// not matching — stops upsd at startup (fail closed). NUT logs and serves plaintext only. Read as
// root, CERTFILE and CERTPATH (and every directory and symlink on their way) must be writable by
// root only (sandbox/safe-path.ts); NUT reads them wherever they are.

import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type net from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import { HardnutError } from '../core/errors.js';
import { rootReadRefusal } from '../sandbox/safe-path.js';

export class TlsConfigError extends HardnutError {
  constructor(message: string) {
    super('ERR_TLS_CONFIG', message);
  }
}

/** No handshake may take longer (a client that stalls it is dropped). */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;
export const TLS_MIN_VERSION = 'TLSv1.2';
/** Largest CA bundle or certificate file read (a guard against pointing at something else). */
const MAX_PEM_BYTES = 1024 * 1024;

export interface TlsConfig {
  certFile: string;
  certPath?: string;
  certRequest: 0 | 1 | 2;
  /** CERTIDENT's password: the passphrase of an encrypted key. */
  keyPassword?: string;
}

export interface TlsSettings {
  /** What each STARTTLS handshake is set up with (already checked once at startup). */
  serverOptions: tls.TlsOptions;
  certRequest: 0 | 1 | 2;
  /** Subject and expiry, for the startup log line. */
  subject: string;
  validTo: Date;
}

const PEM_RE = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

function readPem(path: string, what: string): string {
  // root reads these before the drop: a key or CA another user could swap is refused (issue 18)
  const unsafe = rootReadRefusal(path);
  if (unsafe !== undefined) throw new TlsConfigError(`${what} ${unsafe}`);
  let text: string;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new TlsConfigError(`${what} ${path} is not a regular file`);
    if (st.size > MAX_PEM_BYTES) throw new TlsConfigError(`${what} ${path} is too large for a PEM file`);
    text = readFileSync(path, 'latin1');
  } catch (err) {
    if (err instanceof TlsConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new TlsConfigError(`${what} ${path} cannot be read: ${why}`);
  }
  return text;
}

function pemBlocks(text: string): Array<{ label: string; pem: string }> {
  return [...text.matchAll(PEM_RE)].map((m) => ({ label: m[1] as string, pem: m[0] }));
}

/**
 * Reads and checks everything TLS needs, at startup, while upsd can still read the files.
 * Throws TlsConfigError with a message naming the file and the problem.
 */
export function loadTls(conf: TlsConfig, now: Date = new Date()): TlsSettings {
  const file = conf.certFile;
  const blocks = pemBlocks(readPem(file, 'CERTFILE'));
  const certs = blocks.filter((b) => b.label === 'CERTIFICATE').map((b) => b.pem);
  const keys = blocks.filter((b) => /PRIVATE KEY$/.test(b.label)).map((b) => b.pem);
  if (certs.length === 0) throw new TlsConfigError(`CERTFILE ${file} holds no certificate (it must hold the certificate and its private key, PEM)`);
  if (keys.length === 0) throw new TlsConfigError(`CERTFILE ${file} holds no private key (it must hold the certificate and its private key, PEM)`);
  if (keys.length > 1) throw new TlsConfigError(`CERTFILE ${file} holds ${String(keys.length)} private keys; it must hold exactly one`);

  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certs[0] as string);
  } catch (err) {
    throw new TlsConfigError(`CERTFILE ${file}: the certificate cannot be read: ${(err as Error).message}`);
  }
  const validFrom = new Date(cert.validFrom);
  const validTo = new Date(cert.validTo);
  if (now < validFrom) throw new TlsConfigError(`CERTFILE ${file}: the certificate is not valid before ${validFrom.toISOString()}`);
  if (now > validTo) throw new TlsConfigError(`CERTFILE ${file}: the certificate expired on ${validTo.toISOString()}`);

  let key: KeyObject;
  try {
    key = createPrivateKey({ key: keys[0] as string, ...(conf.keyPassword !== undefined ? { passphrase: conf.keyPassword } : {}) });
  } catch (err) {
    const encrypted = /ENCRYPTED/.test(keys[0] as string);
    throw new TlsConfigError(`CERTFILE ${file}: the private key cannot be read${encrypted ? ' (it is encrypted: give its password as the second word of CERTIDENT)' : ''}: ${(err as Error).message}`);
  }
  if (!cert.checkPrivateKey(key)) throw new TlsConfigError(`CERTFILE ${file}: the private key does not belong to the certificate`);

  let ca: string[] | undefined;
  if (conf.certRequest > 0) {
    if (conf.certPath === undefined) {
      throw new TlsConfigError('CERTREQUEST asks for client certificates, but no CERTPATH names the CA certificates to check them against');
    }
    ca = readCaCertificates(conf.certPath);
  }

  const serverOptions: tls.TlsOptions = {
    cert: certs.join('\n'),
    key: keys[0] as string,
    ...(conf.keyPassword !== undefined ? { passphrase: conf.keyPassword } : {}),
    minVersion: TLS_MIN_VERSION,
    ...(ca !== undefined ? { ca } : {}),
  };
  try {
    tls.createSecureContext(serverOptions);
  } catch (err) {
    throw new TlsConfigError(`CERTFILE ${file}: ${(err as Error).message}`);
  }
  return { serverOptions, certRequest: conf.certRequest, subject: cert.subject.replace(/\n/g, ', '), validTo };
}

export function readCaCertificates(path: string): string[] {
  let paths: string[];
  // a directory another user can add a CA to is refused before it is listed
  const unsafe = rootReadRefusal(path);
  if (unsafe !== undefined) throw new TlsConfigError(`CERTPATH ${unsafe}`);
  try {
    paths = statSync(path).isDirectory()
      ? readdirSync(path).filter((n) => /\.(pem|crt|cer)$/i.test(n)).sort().map((n) => join(path, n))
      : [path];
  } catch (err) {
    throw new TlsConfigError(`CERTPATH ${path} cannot be read: ${(err as Error).message}`);
  }
  const out: string[] = [];
  for (const p of paths) {
    for (const b of pemBlocks(readPem(p, 'CERTPATH'))) {
      if (b.label !== 'CERTIFICATE') continue;
      try {
        new X509Certificate(b.pem);
      } catch (err) {
        throw new TlsConfigError(`CERTPATH ${p}: a certificate cannot be read: ${(err as Error).message}`);
      }
      out.push(b.pem);
    }
  }
  if (out.length === 0) {
    // NUT's NSS build (Debian's) names its certificate database here; say how to get PEM out of it.
    const nss = paths.length === 0 && ['cert9.db', 'cert8.db'].some((db) => existsSync(join(path, db)));
    throw new TlsConfigError(nss
      ? `CERTPATH ${path} is an NSS certificate database (NUT's NSS build); hardnut reads PEM CA certificates: `
        + `export each CA with certutil -L -d ${path} -n '<CA name>' -a > ${join(path, 'ca.pem')} (apt libnss3-tools)`
      : `CERTPATH ${path} holds no CA certificate`);
  }
  return out;
}

/**
 * Starts the server side of the handshake on a socket that has just been sent `OK STARTTLS`.
 * `done` is called once: with the TLS socket when the handshake succeeded (with CERTREQUEST, the
 * client's certificate has been checked: REQUIRE refuses a missing or untrusted one, REQUEST only
 * an untrusted one), or with an error (the socket is then destroyed).
 *
 * The handshake runs through a tls.Server of its own that never listens: that is the node:tls path
 * that verifies client certificates (a bare TLSSocket does not).
 */
export function startTls(socket: net.Socket, settings: TlsSettings, done: (err: Error | null, secure?: tls.TLSSocket) => void): void {
  const server = tls.createServer({
    ...settings.serverOptions,
    requestCert: settings.certRequest > 0,
    rejectUnauthorized: settings.certRequest === 2,
    handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS,
  });
  let finished = false;
  const finish = (err: Error | null, secure?: tls.TLSSocket): void => {
    if (finished) return;
    finished = true;
    server.removeAllListeners();
    socket.removeListener('close', onClose);
    if (err) {
      socket.destroy();
      done(err);
    } else {
      done(null, secure);
    }
  };
  const onClose = (): void => finish(new Error('connection closed during the TLS handshake'));
  server.once('secureConnection', (t: tls.TLSSocket) => {
    // Client-initiated TLS 1.2 renegotiation costs the server a full handshake each time, and
    // node:tls allows 3 per 10 minutes per connection; upsd needs none (issue #19): refused, the
    // attempt is an error that closes the connection.
    t.disableRenegotiation();
    // node:tls only emits the error; the handshake would go on unless the socket is closed
    t.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'ERR_TLS_RENEGOTIATION_DISABLED') t.destroy(); });
    if (settings.certRequest === 1 && !t.authorized && Object.keys(t.getPeerCertificate()).length > 0) {
      t.destroy();
      finish(new Error(`client certificate not accepted: ${String(t.authorizationError)}`));
      return;
    }
    finish(null, t);
  });
  server.once('tlsClientError', (err: Error) => finish(err));
  socket.once('close', onClose);
  server.emit('connection', socket);
}
