// HTTPS and basic auth, as a scraper sees them: Debian's real Prometheus scrapes the exporter
// through TLS (verifying the exporter's certificate against a test CA) with a username and
// password whose scrypt hash, made by `hardnut exporter -P`, is all exporter.conf holds. PromQL
// then returns upsc's battery charge; a second job without credentials is refused (up 0).
// Direct requests: no or wrong credentials get 401 with WWW-Authenticate, the status page too;
// plain HTTP to the HTTPS port gets no HTTP answer; the password never reaches the exporter's log.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { DAEMON_USER_WHY, onPath, requireAll, runsDaemons } from '../support/peers.js';
import { HARDNUT, waitFor } from '../support/stack.js';
import { hasOpenssl } from '../upsd/support/certs.js';
import { Prometheus, sample, scratchDir, startExporterStack, upsc, type ExporterStack } from './stack.js';

const USER = 'prom';
const PASSWORD = 'c0rrect horse:battery staple';
let s: ExporterStack;
let prom: Prometheus;
const query = (q: string): ReturnType<Prometheus['query']> => prom.query(q);
const one = (q: string): ReturnType<Prometheus['one']> => prom.one(q);

beforeAll(async ({}, suite) => {
  requireAll(suite, runsDaemons(), DAEMON_USER_WHY);
  requireAll(suite, onPath('prometheus'), 'Debian\'s prometheus (apt-get install prometheus)');
  requireAll(suite, hasOpenssl(), 'the openssl command (apt-get install openssl)');
  // the hash as a user makes it: the real CLI, the password on stdin
  const made = spawnSync(process.execPath, [HARDNUT, 'exporter', '-P'], { input: `${PASSWORD}\n`, encoding: 'utf8' });
  expect(made.status, made.stderr).toBe(0);
  const hash = made.stdout.trim();
  expect(hash).toMatch(/^scrypt\$/);
  expect(hash).not.toContain(PASSWORD);
  s = await startExporterStack({ https: true, extraConf: `HTTPUSER ${USER} "${hash}"\n`, auth: { user: USER, password: PASSWORD } });
  const dir = scratchDir(s.a.dir, 'prometheus');
  writeFileSync(join(dir, 'password'), PASSWORD);
  const job = (name: string, auth: boolean): string[] => [
    `  - job_name: ${name}`, '    scheme: https',
    '    tls_config:', `      ca_file: ${s.certs?.ca ?? ''}`,
    ...(auth ? ['    basic_auth:', `      username: ${USER}`, `      password_file: ${join(dir, 'password')}`] : []),
    '    static_configs:', `      - targets: ['127.0.0.1:${String(s.port)}']`,
  ];
  prom = await Prometheus.start(dir, [...job('secure', true), ...job('noauth', false)]);
  await prom.waitUntilOne('Prometheus scraping the exporter over HTTPS with basic auth', 'up{job="secure"}');
}, 180_000);

afterAll(async () => {
  await prom?.proc.stop();
  await s?.stop();
}, 60_000);

describe('Prometheus through HTTPS and basic auth', () => {
  it('PromQL returns upsc\'s charge and status for both servers; the job without credentials is down', async () => {
    await prom.agreesWithUpsc(s, 'job="secure",');
    // scraped (it has an up sample) and refused: no series of the exporter under that job
    expect(await waitFor('the noauth job scraped', () => one('up{job="noauth"}'), 20_000, 250)).toBe(0);
    expect(await query('network_ups_tools_up{job="noauth"}')).toEqual([]);
  }, 60_000);
});

describe('the exporter\'s HTTPS listener with HTTPUSER', () => {
  it('no credentials, a wrong password, an unknown user: 401 with a Basic challenge, on every route', async () => {
    for (const path of ['/metrics', '/', '/api/v1/servers']) {
      const r = await s.get(path, { auth: null });
      expect(r.status, path).toBe(401);
      expect(r.headers['www-authenticate']).toMatch(/^Basic realm="hardnut exporter"/);
      expect(r.body).not.toContain('network_ups_tools');
    }
    expect((await s.get('/metrics', { auth: { user: USER, password: `${PASSWORD}x` } })).status).toBe(401);
    expect((await s.get('/metrics', { auth: { user: 'root', password: PASSWORD } })).status).toBe(401);
    const ok = await s.get('/metrics');
    expect(ok.status).toBe(200);
    expect(sample(ok.body, 'network_ups_tools_battery_charge', { server: 'alpha', ups: 'ups1' })).toBe(Number(await upsc(s.a, 'ups1', 'battery.charge')));
  });

  it('a burst of 40 wrong passwords: each is refused (401, or 429 past the cap) and the scraper still gets in', async () => {
    const burst = Array.from({ length: 40 }, (_, i) => s.get('/metrics', { auth: { user: USER, password: `guess-${String(i)}` } }));
    const scraper = s.get('/metrics');
    const statuses = (await Promise.all(burst)).map((r) => r.status);
    expect(statuses.filter((x) => x !== 401 && x !== 429)).toEqual([]);
    expect(statuses).toContain(401);
    const r = await scraper;
    expect(r.status).toBe(200);
    expect(sample(r.body, 'network_ups_tools_up', { server: 'beta', ups: 'ups3' })).toBe(1);
  }, 60_000);

  it('plain HTTP to the HTTPS port gets no HTTP response', async () => {
    const got = await new Promise<string>((resolve) => {
      const req = http.get(`http://127.0.0.1:${String(s.port)}/metrics`, (r) => resolve(`status ${String(r.statusCode)}`));
      req.on('error', (e) => resolve(`error ${e.message}`));
    });
    expect(got).toMatch(/^error /);
  });

  it('the password is in no log line, even at -D -D, after right and wrong attempts', async () => {
    await s.get('/metrics', { auth: { user: USER, password: `${PASSWORD}-wrong` } });
    await s.get('/metrics');
    const out = s.exporter.output();
    expect(out).toMatch(/HTTPS with/); // the log is there, and speaks of TLS
    expect(out).not.toContain(PASSWORD);
    expect(out).not.toContain('battery staple');
    expect(out).not.toContain(Buffer.from(`${USER}:${PASSWORD}`).toString('base64'));
  });
});
