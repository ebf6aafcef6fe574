// exporter.conf: NUT's syntax through NUT's tokenizer, bad lines reported as file:line, and the
// sample in conf/ is valid.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseExporterConf } from '../../src/exporter/config.js';

describe('exporter.conf', () => {
  it('reads LISTEN, SERVER (host:port, quoted, credentials), POLLINTERVAL, MAXAGE', () => {
    const { conf, errors } = parseExporterConf('# comment\nLISTEN 0.0.0.0 9100\nSERVER a 10.0.0.1:3494\nSERVER "b" "[::1]:3493"\nSERVER c host.example mon "p w d"\nPOLLINTERVAL 3\nMAXAGE 20\n', 'e.conf');
    expect(errors).toEqual([]);
    expect(conf.listen).toEqual([{ host: '0.0.0.0', port: 9100 }]);
    expect(conf.servers.map((s) => [s.name, s.address, s.user, s.password])).toEqual([
      ['a', { host: '10.0.0.1', port: 3494 }, undefined, undefined],
      ['b', { host: '::1', port: 3493 }, undefined, undefined],
      ['c', { host: 'host.example', port: 3493 }, 'mon', 'p w d'],
    ]);
    expect([conf.pollSeconds, conf.maxAgeSeconds]).toEqual([3, 20]);
  });

  it('refuses a Unix socket SERVER: the exporter\'s empty jail has no path to reach it', () => {
    expect(parseExporterConf('SERVER b /run/nut/upsd.sock\n', 'e.conf').errors[0]?.message).toMatch(/^e\.conf:1: SERVER b: a Unix socket cannot be reached/);
  });

  it('defaults to 127.0.0.1:9199', () => {
    expect(parseExporterConf('SERVER a localhost\n', 'e.conf').conf.listen).toEqual([{ host: '127.0.0.1', port: 9199 }]);
  });

  it('reports each bad line as file:line', () => {
    const { errors } = parseExporterConf('SERVER a localhost\nFROB 1\nLISTEN x 70000\nSERVER a other\nSERVER bad/name h\nPOLLINTERVAL 0\nSERVER "x\n', '/etc/nut/exporter.conf');
    // every bad line is named, in order: the unknown word, the port, the repeated name, the charset, the interval, the open quote
    expect(errors.map((e) => /^\/etc\/nut\/exporter\.conf:(\d+): /.exec(e.message)?.[1])).toEqual(['2', '3', '4', '5', '6', '7']);
    expect(errors.every((e) => e.code === 'ERR_CONFIG')).toBe(true);
    expect(errors.find((e) => e.message.startsWith('/etc/nut/exporter.conf:2:'))?.message).toMatch(/unknown directive 'FROB'/);
  });

  it('refuses no SERVER, and a MAXAGE not longer than POLLINTERVAL', () => {
    expect(parseExporterConf('LISTEN ::1\n', 'e.conf').errors.map((e) => e.message)).toEqual(['e.conf: no SERVER or LOCAL line: nothing to export']);
    expect(parseExporterConf('SERVER a h\nPOLLINTERVAL 10\nMAXAGE 10\n', 'e.conf').errors[0]?.message).toMatch(/^e\.conf:3: MAXAGE \(10\) must be longer/);
  });

  it('the sample conf/exporter.conf is valid', () => {
    const file = fileURLToPath(new URL('../../conf/exporter.conf', import.meta.url));
    expect(parseExporterConf(readFileSync(file), file).errors).toEqual([]);
  });
});
