// Test certificates made with the openssl CLI at test time: a CA, a server certificate it
// signed (localhost, 127.0.0.1), and an unrelated second CA.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

export interface TestCerts {
  dir: string;
  ca: string;
  otherCa: string;
  key: string;
  cert: string;
  /** cert + key in one PEM file, as NUT's upsd CERTFILE wants it. */
  certFilePath: string;
  cleanup(): void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'ignore' });
}

export function makeCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'hn-certs-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=hardnut test CA'], dir);
  openssl(['req', '-x509', ...ec, '-keyout', 'other.key', '-out', 'other.crt', '-days', '2', '-subj', '/CN=someone else'], dir);
  openssl(['req', ...ec, '-keyout', 'srv.key', '-out', 'srv.csr', '-subj', '/CN=localhost'], dir);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl(['x509', '-req', '-in', 'srv.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'srv.crt', '-days', '2', '-extfile', 'ext.cnf'], dir);
  const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
  const certFilePath = join(dir, 'upsd.pem');
  writeFileSync(certFilePath, read('srv.crt') + read('srv.key'));
  return {
    dir, ca: read('ca.crt'), otherCa: read('other.crt'), key: read('srv.key'), cert: read('srv.crt'), certFilePath,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
