// exporter.conf's per-SERVER TLS words (issue 18): FORCESSL, CERTVERIFY and CERTPATH after a
// SERVER's address (and credentials) are that server's; what a line leaves out comes from the
// global lines, wherever those stand in the file. Bad words are reported as file:line.
import { describe, it, expect } from 'vitest';
import { parseExporterConf, serverTls } from '../../src/exporter/config.js';

const parse = (text: string) => parseExporterConf(text, '/etc/nut/exporter.conf');

describe('exporter.conf: per-SERVER TLS', () => {
  it('a server\'s own words win; the rest come from the global lines, before or after it', () => {
    const { conf, errors } = parse('SERVER a 10.0.0.1 CERTVERIFY 1 CERTPATH /etc/nut/a-ca.pem\n'
      + 'SERVER b 10.0.0.2 mon "p w" forcessl 0\nSERVER c 10.0.0.3\nFORCESSL 1\nCERTPATH /etc/ssl/ca.pem\n');
    expect(errors).toEqual([]);
    const [a, b, c] = conf.servers;
    expect([a?.user, b?.user, b?.password]).toEqual([undefined, 'mon', 'p w']);
    expect(serverTls(conf, a ?? {})).toEqual({ forceSsl: true, certVerify: true, certPath: '/etc/nut/a-ca.pem' });
    expect(serverTls(conf, b ?? {})).toEqual({ forceSsl: false, certVerify: false, certPath: '/etc/ssl/ca.pem' });
    expect(serverTls(conf, c ?? {})).toEqual({ forceSsl: true, certVerify: false, certPath: '/etc/ssl/ca.pem' });
  });

  it('without any TLS word a server takes the global defaults (TLS when offered, no check)', () => {
    const { conf } = parse('SERVER a h\n');
    expect(conf.servers[0]?.tls).toBeUndefined();
    expect(serverTls(conf, conf.servers[0] ?? {})).toEqual({ forceSsl: false, certVerify: false });
  });

  it('CERTVERIFY 1 on a SERVER with no CERTPATH anywhere is an error at that line', () => {
    expect(parse('LISTEN 127.0.0.1\nSERVER a h CERTVERIFY 1\n').errors.map((e) => e.message))
      .toEqual(['/etc/nut/exporter.conf:2: SERVER a: CERTVERIFY 1 needs CERTPATH (on this line or a global one)']);
    // a global CERTPATH later in the file is enough
    expect(parse('SERVER a h CERTVERIFY 1\nCERTPATH /ca.pem\n').errors).toEqual([]);
  });

  it('reports bad TLS words at their line and keeps the server out', () => {
    const cases: Array<[string, RegExp]> = [
      ['SERVER a h FORCESSL 2\n', /:1: SERVER: FORCESSL 0\|1$/],
      ['SERVER a h FORCESSL\n', /:1: SERVER: FORCESSL needs a value$/],
      ['SERVER a h u p CERTPATH rel/ca.pem\n', /:1: SERVER: CERTPATH <absolute path>$/],
      ['SERVER a h CERTVERIFY 1 CERTVERIFY 0 CERTPATH /x\n', /:1: SERVER: CERTVERIFY given twice$/],
      ['SERVER a h u p FROB 1\n', /:1: SERVER: unknown word 'FROB'/],
      ['SERVER a h u\n', /:1: SERVER <name> <host\[:port\]> \[<user> <password>\]/],
    ];
    for (const [text, want] of cases) {
      const r = parse(text);
      expect(r.errors.map((e) => e.message).find((m) => want.test(m)), text).toBeDefined();
      expect(r.conf.servers, text).toEqual([]);
    }
  });
});
