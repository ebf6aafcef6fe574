// Test certificates, made at test time with the openssl CLI (argv, no shell): a CA, a server
// certificate for localhost/127.0.0.1, a client certificate, a second CA with its own client, and
// an expired server certificate. Each file is PEM; `<name>.both.pem` holds certificate and key.

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasExecutable } from '../../support/peers.js';

export const OPENSSL = '/usr/bin/openssl';
export const hasOpenssl = (): boolean => hasExecutable(OPENSSL);

function ossl(dir: string, args: string[]): void {
  execFileSync(OPENSSL, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

export interface CertSet {
  dir: string;
  ca: string;
  otherCa: string;
  /** certificate + key, for CERTFILE */
  server: string;
  expired: string;
  /** certificate and key for a client signed by `ca` */
  clientCert: string;
  clientKey: string;
  /** a client signed by `otherCa` */
  strangerCert: string;
  strangerKey: string;
  /** the server certificate for another name (wrong name for 127.0.0.1/localhost) */
  wrongName: string;
}

function leaf(dir: string, name: string, cn: string, signer: string, days: string, san?: string): void {
  ossl(dir, ['req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
  const ext: string[] = [];
  if (san) {
    writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\n`);
    ext.push('-extfile', `${name}.ext`);
  }
  ossl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${signer}.pem`, '-CAkey', `${signer}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', days, ...ext]);
  writeFileSync(join(dir, `${name}.both.pem`), readFileSync(join(dir, `${name}.pem`), 'latin1') + readFileSync(join(dir, `${name}.key`), 'latin1'));
}

export function makeCerts(dir: string): CertSet {
  ossl(dir, ['req', '-x509', ...EC, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '3', '-subj', '/CN=hardnut test CA']);
  ossl(dir, ['req', '-x509', ...EC, '-keyout', 'other.key', '-out', 'other.pem', '-days', '3', '-subj', '/CN=another CA']);
  leaf(dir, 'server', 'localhost', 'ca', '2', 'DNS:localhost,IP:127.0.0.1');
  leaf(dir, 'expired', 'localhost', 'ca', '-1', 'DNS:localhost,IP:127.0.0.1');
  leaf(dir, 'client', 'client', 'ca', '2');
  leaf(dir, 'stranger', 'stranger', 'other', '2');
  leaf(dir, 'wrongname', 'ups.example.org', 'ca', '2', 'DNS:ups.example.org');
  return {
    dir,
    ca: join(dir, 'ca.pem'),
    otherCa: join(dir, 'other.pem'),
    server: join(dir, 'server.both.pem'),
    expired: join(dir, 'expired.both.pem'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client.key'),
    strangerCert: join(dir, 'stranger.pem'),
    strangerKey: join(dir, 'stranger.key'),
    wrongName: join(dir, 'wrongname.both.pem'),
  };
}
