// hardnut exporter end to end: two real hardnut upsd with dummy-ups, the exporter reading both,
// HTTP from outside. /metrics says what upsc says (battery.charge, status flags) for every UPS of
// both servers, with server and ups labels; a UPS whose driver is gone is stale and exports no
// values; the JSON API types values; and the HTTP hardening holds against the real daemon.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import net from 'node:net';
import { DAEMON_USER_WHY, requireAll, runsDaemons } from '../support/peers.js';
import { waitFor } from '../support/stack.js';
import { sample, startExporterStack, upsc, type ExporterStack } from './stack.js';

let s: ExporterStack;

beforeAll(async ({}, suite) => {
  requireAll(suite, runsDaemons(), DAEMON_USER_WHY);
  s = await startExporterStack();
}, 120_000);

afterAll(async () => { await s?.stop(); }, 60_000);

async function metrics(): Promise<string> {
  const r = await fetch(`${s.url}/metrics`);
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return r.text();
}

/** Raw bytes to the exporter; resolves with everything it sent back before closing. */
function raw(send: string | Buffer, opts: { keepOpenMs?: number } = {}): Promise<{ reply: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const c = net.createConnection({ host: '127.0.0.1', port: s.port });
    let reply = '';
    c.on('connect', () => { c.write(send); if (opts.keepOpenMs === undefined) return; });
    c.on('data', (d: Buffer) => { reply += d.toString('latin1'); });
    c.on('close', () => resolve({ reply, ms: Date.now() - started }));
    c.on('error', reject);
  });
}

describe('/metrics against upsc, two upsd servers', () => {
  it('battery.charge and every status flag are what upsc says, for every UPS of both servers', async () => {
    const text = await metrics();
    for (const [srv, server, ups] of [[s.a, 'alpha', 'ups1'], [s.a, 'alpha', 'ups2'], [s.b, 'beta', 'ups3']] as const) {
      const charge = Number(await upsc(srv, ups, 'battery.charge'));
      const status = (await upsc(srv, ups, 'ups.status')).split(' ');
      const id = { server, ups };
      expect(sample(text, 'network_ups_tools_battery_charge', id), `${ups}@${server}`).toBe(charge);
      expect(sample(text, 'network_ups_tools_up', id)).toBe(1);
      expect(sample(text, 'network_ups_tools_stale', id)).toBe(0);
      for (const flag of ['OL', 'OB', 'LB', 'CHRG', 'DISCHRG']) {
        expect(sample(text, 'network_ups_tools_ups_status', { ...id, flag }), `${ups} ${flag}`).toBe(status.includes(flag) ? 1 : 0);
      }
      expect(sample(text, 'network_ups_tools_device_info', { ...id, mfr: await upsc(srv, ups, 'device.mfr'), model: await upsc(srv, ups, 'device.model') })).toBe(1);
      expect(sample(text, 'network_ups_tools_data_age_seconds', id)).toBeLessThan(5);
    }
    // DRuggeri's names: NUT's variable with '.' as '_', raw units
    expect(sample(text, 'network_ups_tools_input_voltage', { server: 'alpha', ups: 'ups1' })).toBe(230.5);
    expect(sample(text, 'network_ups_tools_server_up', { server: 'beta' })).toBe(1);
    // every family has its HELP and TYPE once, before its samples
    const types = text.split('\n').filter((l) => l.startsWith('# TYPE '));
    expect(new Set(types).size).toBe(types.length);
  });

  it('follows a change within a poll interval or two: ups1 goes on battery', async () => {
    s.setDev(s.a, 'ups1', 'ups.status: OB DISCHRG\nbattery.charge: 55\nups.load: 20\ndevice.mfr: Hardnut\ndevice.model: Test OB\n');
    await waitFor('upsc: ups1 on battery', async () => (await upsc(s.a, 'ups1', 'ups.status')) === 'OB DISCHRG', 20_000, 200);
    const text = await waitFor('/metrics: ups1 OB', async () => {
      const t = await metrics();
      return sample(t, 'network_ups_tools_ups_status', { server: 'alpha', ups: 'ups1', flag: 'OB' }) === 1 ? t : undefined;
    }, 10_000, 200);
    expect(sample(text, 'network_ups_tools_ups_status', { server: 'alpha', ups: 'ups1', flag: 'OL' })).toBe(0);
    expect(sample(text, 'network_ups_tools_battery_charge', { server: 'alpha', ups: 'ups1' })).toBe(Number(await upsc(s.a, 'ups1', 'battery.charge')));
  }, 40_000);

  it('JSON API: servers, UPS list, one UPS with typed values and descriptions', async () => {
    const servers = await (await fetch(`${s.url}/api/v1/servers`)).json() as Array<{ name: string; connected: boolean; ups: string[] }>;
    expect(servers.map((x) => [x.name, x.connected, x.ups])).toEqual([['alpha', true, ['ups1', 'ups2']], ['beta', true, ['ups3']]]);
    const one = await (await fetch(`${s.url}/api/v1/ups/beta/ups3`)).json() as { fresh: boolean; status: string[]; variables: Record<string, { value: unknown; description: string | null }> };
    expect(one.fresh).toBe(true);
    expect(one.status).toEqual((await upsc(s.b, 'ups3', 'ups.status')).split(' '));
    expect(one.variables['battery.charge']?.value).toBe(Number(await upsc(s.b, 'ups3', 'battery.charge')));
    expect(one.variables['device.mfr']?.value).toBe(await upsc(s.b, 'ups3', 'device.mfr'));
    expect(one.variables['battery.charge']?.description).toMatch(/charge/i);
    expect((await fetch(`${s.url}/api/v1/ups/beta/nope`)).status).toBe(404);
  });

  it('a UPS whose driver stops goes stale: up 0, stale 1, and no value is served as current', async () => {
    await s.b.drivers.get('ups3')?.stop();
    const text = await waitFor('/metrics: ups3 stale', async () => {
      const t = await metrics();
      return sample(t, 'network_ups_tools_stale', { server: 'beta', ups: 'ups3' }) === 1 ? t : undefined;
    }, 20_000, 200);
    expect(sample(text, 'network_ups_tools_up', { server: 'beta', ups: 'ups3' })).toBe(0);
    expect(sample(text, 'network_ups_tools_battery_charge', { server: 'beta', ups: 'ups3' })).toBeUndefined();
    expect(sample(text, 'network_ups_tools_ups_status', { server: 'beta', ups: 'ups3', flag: 'OB' })).toBeUndefined();
    // the other server's UPSes are unaffected
    expect(sample(text, 'network_ups_tools_up', { server: 'alpha', ups: 'ups2' })).toBe(1);
    const api = await (await fetch(`${s.url}/api/v1/ups`)).json() as Array<{ ups: string; fresh: boolean; stale_reason: string | null; status: string[] }>;
    expect(api.find((u) => u.ups === 'ups3')).toMatchObject({ fresh: false, status: [] });
    expect(api.find((u) => u.ups === 'ups3')?.stale_reason).toMatch(/STALE|DRIVER-NOT-CONNECTED/);
  }, 40_000);
});

describe('HTTP hardening, against the running exporter', () => {
  it('POST, PUT and unknown methods are refused; GET and HEAD answer with security headers', async () => {
    expect((await raw('POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n')).reply).toMatch(/^HTTP\/1\.1 405 [^\r]*\r\n(?:.*\r\n)*Allow: GET, HEAD\r\n/);
    expect((await raw('PUT / HTTP/1.1\r\nHost: x\r\n\r\n')).reply).toMatch(/^HTTP\/1\.1 405 /);
    expect((await raw('FROB / HTTP/1.1\r\nHost: x\r\n\r\n')).reply).toMatch(/^HTTP\/1\.1 501 /);
    const head = (await raw('HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n')).reply;
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(head.endsWith('\r\n\r\n')).toBe(true); // no body after the head
    const r = await fetch(`${s.url}/`);
    expect(r.headers.get('content-security-policy')).toMatch(/default-src 'none'.*frame-ancestors 'none'/);
    expect(r.headers.get('x-frame-options')).toBe('DENY');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('no file is served: traversal and unknown paths are 400 or 404', async () => {
    expect((await raw('GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n')).reply).toMatch(/^HTTP\/1\.1 400 /);
    expect((await raw('GET /static/%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n')).reply).toMatch(/^HTTP\/1\.1 400 /);
    expect((await fetch(`${s.url}/etc/passwd`)).status).toBe(404);
    expect((await fetch(`${s.url}/static/`)).status).toBe(404);
  });

  it('oversized heads: a 3000-byte request line is 414, 9000 bytes of headers 431, 100 header fields 431', async () => {
    expect((await raw(`GET /${'a'.repeat(3000)} HTTP/1.1\r\nHost: x\r\n\r\n`)).reply).toMatch(/^HTTP\/1\.1 414 /);
    expect((await raw(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(9000)}\r\n\r\n`)).reply).toMatch(/^HTTP\/1\.1 431 /);
    const many = Array.from({ length: 100 }, (_, i) => `X-${String(i)}: y\r\n`).join('');
    expect((await raw(`GET / HTTP/1.1\r\nHost: x\r\n${many}\r\n`)).reply).toMatch(/^HTTP\/1\.1 431 /);
    // a body on a GET is refused, and the exporter still serves afterwards
    expect((await raw('GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello')).reply).toMatch(/^HTTP\/1\.1 400 /);
    expect((await fetch(`${s.url}/metrics`)).status).toBe(200);
  });

  it('slow loris: a head that keeps trickling is cut off at the head timeout, not kept open by each byte', async () => {
    const { HEAD_TIMEOUT_MS } = await import('../../src/exporter/server.js');
    const started = Date.now();
    const result = await new Promise<{ reply: string; ms: number; sent: number }>((resolve, reject) => {
      const c = net.createConnection({ host: '127.0.0.1', port: s.port });
      let reply = '';
      let sent = 0;
      const head = `GET / HTTP/1.1\r\nHost: x\r\n${'X-Slow: 1\r\n'.repeat(1000)}`;
      // one byte every 100 ms, far below any limit's size: only the deadline can end it
      const t = setInterval(() => { if (sent < head.length && !c.destroyed) c.write(head[sent++] as string); }, 100);
      c.on('data', (d: Buffer) => { reply += d.toString('latin1'); });
      c.on('close', () => { clearInterval(t); resolve({ reply, ms: Date.now() - started, sent }); });
      c.on('error', (e) => { clearInterval(t); reject(e); });
    });
    expect(result.reply).toMatch(/^HTTP\/1\.1 408 /);
    expect(result.ms).toBeGreaterThanOrEqual(HEAD_TIMEOUT_MS - 200);
    expect(result.ms).toBeLessThan(HEAD_TIMEOUT_MS + 10_000);
    expect(result.sent).toBeGreaterThan(10);
    expect((await fetch(`${s.url}/metrics`)).status).toBe(200);
  }, 40_000);
});
