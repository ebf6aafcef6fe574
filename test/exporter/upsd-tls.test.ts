// The exporter reads upsd over STARTTLS, with upsmon's options: hardnut's real upsd with a
// CERTFILE (alpha) beside one without TLS (beta). CERTVERIFY with the right CA reads alpha and
// refuses beta rather than fall back to plaintext; CERTVERIFY with another CA refuses alpha (so
// the handshake and the check really happen); FORCESSL alone reads alpha and refuses beta.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { DAEMON_USER_WHY, requireAll, runsDaemons } from '../support/peers.js';
import { HARDNUT, freePort, makeTestDir, startProcess, waitFor, type Proc, type TestDir } from '../support/stack.js';
import { hasOpenssl } from '../upsd/support/certs.js';
import { httpGet, sample, startExporterStack, upsc, type ExporterStack } from './stack.js';

let s: ExporterStack;
const extra: Array<{ p: Proc; d: TestDir }> = [];

interface ServerInfo { name: string; connected: boolean; error: string | null; ups: string[] }

beforeAll(async ({}, suite) => {
  requireAll(suite, runsDaemons(), DAEMON_USER_WHY);
  requireAll(suite, hasOpenssl(), 'the openssl command (apt-get install openssl)');
  s = await startExporterStack({
    upsdConf: { a: (c) => `CERTFILE ${c.server}\n` },
    extraConf: (c) => `CERTVERIFY 1\nCERTPATH ${c.ca}\n`,
    expectUp: ['alpha:ups1', 'alpha:ups2'],
  });
}, 120_000);

afterAll(async () => {
  for (const e of extra) { await e.p.stop(); e.d.cleanup(); }
  await s?.stop();
}, 60_000);

/**
 * Another exporter on the same two upsd, with these TLS lines; resolves once its servers say
 * `ready` (a first poll fills the UPS list one by one: a half-filled list is not an answer).
 */
const settled = (want: Record<string, number>) => (m: Map<string, ServerInfo>): boolean =>
  Object.entries(want).every(([name, n]) => (n === 0 ? m.get(name)?.error != null : m.get(name)?.ups.length === n));
async function exporterWith(lines: string, ready: (m: Map<string, ServerInfo>) => boolean, own: { alpha?: string; beta?: string } = {}): Promise<{ servers: Map<string, ServerInfo>; metrics: string; output: string }> {
  const port = await freePort();
  const d = makeTestDir({ 'exporter.conf': `LISTEN 127.0.0.1 ${String(port)}\nSERVER alpha 127.0.0.1:${String(s.a.port)} ${own.alpha ?? ''}\nSERVER beta 127.0.0.1:${String(s.b.port)} ${own.beta ?? ''}\nPOLLINTERVAL 1\nMAXAGE 5\n${lines}` });
  const p = startProcess(process.execPath, [HARDNUT, 'exporter', '-r', join(d.root, 'jail')], d.env);
  extra.push({ p, d });
  const url = `http://127.0.0.1:${String(port)}`;
  const servers = await waitFor(`servers settled (${lines.trim()})`, async () => {
    if (p.child.exitCode !== null) throw new Error(`exporter exited: ${p.output()}`);
    try {
      const list = JSON.parse((await httpGet(`${url}/api/v1/servers`)).body) as ServerInfo[];
      const m = new Map(list.map((x) => [x.name, x]));
      return ready(m) ? m : undefined;
    } catch { return undefined; }
  }, 30_000, 200);
  return { servers, metrics: (await httpGet(`${url}/metrics`)).body, output: p.output() };
}

describe('exporter → upsd over STARTTLS', () => {
  it('CERTVERIFY with the right CA: alpha (TLS) is read and matches upsc; beta (no TLS) is refused, not read in plaintext', async () => {
    // a scrape in which alpha's last poll succeeded: on a loaded 2-core machine one poll of alpha
    // (a TLS round trip) has timed out and shown server_up 0 for that poll (seen in a full run)
    const text = await waitFor('a scrape with alpha up', async () => {
      const t = (await s.get('/metrics')).body;
      return sample(t, 'network_ups_tools_server_up', { server: 'alpha' }) === 1 ? t : undefined;
    }, 30_000, 200);
    expect(sample(text, 'network_ups_tools_battery_charge', { server: 'alpha', ups: 'ups2' })).toBe(Number(await upsc(s.a, 'ups2', 'battery.charge')));
    expect(sample(text, 'network_ups_tools_server_up', { server: 'beta' })).toBe(0);
    // nothing of beta's UPS was read: no value, no up series
    expect(sample(text, 'network_ups_tools_battery_charge', { server: 'beta', ups: 'ups3' })).toBeUndefined();
    expect(sample(text, 'network_ups_tools_up', { server: 'beta', ups: 'ups3' }) ?? 0).toBe(0);
    const servers = JSON.parse((await s.get('/api/v1/servers')).body) as ServerInfo[];
    expect(servers.find((x) => x.name === 'beta')).toMatchObject({ ups: [], error: expect.stringMatching(/SSL is not available/) as unknown });
  });

  it('CERTVERIFY with another CA: alpha\'s certificate is refused, so nothing is read from it', async () => {
    const other = await exporterWith(`CERTVERIFY 1\nCERTPATH ${s.certs?.otherCa ?? ''}\n`, settled({ alpha: 0, beta: 0 }));
    expect(other.servers.get('alpha')?.ups).toEqual([]);
    expect(other.servers.get('alpha')?.error).toMatch(/SSL error/);
    expect(other.servers.get('beta')?.error).toMatch(/SSL is not available/);
    expect(sample(other.metrics, 'network_ups_tools_server_up', { server: 'alpha' })).toBe(0);
  }, 60_000);

  it('FORCESSL without CERTVERIFY: alpha is read over TLS, beta refused', async () => {
    const forced = await exporterWith('FORCESSL 1\n', settled({ alpha: 2, beta: 0 }));
    expect(forced.servers.get('alpha')?.ups).toEqual(['ups1', 'ups2']);
    expect(forced.servers.get('beta')?.ups).toEqual([]);
    expect(forced.servers.get('beta')?.error).toMatch(/SSL is not available/);
    expect(sample(forced.metrics, 'network_ups_tools_battery_charge', { server: 'alpha', ups: 'ups1' })).toBe(Number(await upsc(s.a, 'ups1', 'battery.charge')));
  }, 60_000);

  it('without FORCESSL or CERTVERIFY both are read (TLS where offered, as upsmon)', async () => {
    const plain = await exporterWith('', settled({ alpha: 2, beta: 1 }));
    expect(plain.servers.get('alpha')?.ups).toEqual(['ups1', 'ups2']);
    expect(plain.servers.get('beta')?.ups).toEqual(['ups3']);
  }, 60_000);
});

describe('exporter → upsd: TLS words per SERVER', () => {
  it('alpha verified against its own CERTPATH, beta (no TLS) read plainly beside it', async () => {
    const mixed = await exporterWith('', settled({ alpha: 2, beta: 1 }), { alpha: `CERTVERIFY 1 CERTPATH ${s.certs?.ca ?? ''}` });
    expect(mixed.servers.get('alpha')?.error).toBeNull();
    expect(mixed.servers.get('beta')?.ups).toEqual(['ups3']);
    expect(sample(mixed.metrics, 'network_ups_tools_battery_charge', { server: 'alpha', ups: 'ups2' })).toBe(Number(await upsc(s.a, 'ups2', 'battery.charge')));
    expect(sample(mixed.metrics, 'network_ups_tools_battery_charge', { server: 'beta', ups: 'ups3' })).toBe(Number(await upsc(s.b, 'ups3', 'battery.charge')));
  }, 60_000);

  it('alpha\'s own CERTPATH is really checked (another CA: refused); beta\'s own FORCESSL 1 never falls back to plaintext', async () => {
    const strict = await exporterWith('', settled({ alpha: 0, beta: 0 }), { alpha: `CERTVERIFY 1 CERTPATH ${s.certs?.otherCa ?? ''}`, beta: 'FORCESSL 1' });
    expect(strict.servers.get('alpha')?.error).toMatch(/SSL error/);
    expect(strict.servers.get('beta')?.error).toMatch(/SSL is not available/);
    expect(sample(strict.metrics, 'network_ups_tools_up', { server: 'beta', ups: 'ups3' }) ?? 0).toBe(0);
    expect(sample(strict.metrics, 'network_ups_tools_battery_charge', { server: 'beta', ups: 'ups3' })).toBeUndefined();
  }, 60_000);

  it('global FORCESSL 1 CERTVERIFY 1 as the default; beta\'s own FORCESSL 0 CERTVERIFY 0 lets it be read plainly', async () => {
    const dflt = await exporterWith(`FORCESSL 1\nCERTVERIFY 1\nCERTPATH ${s.certs?.ca ?? ''}\n`, settled({ alpha: 2, beta: 1 }), { beta: 'FORCESSL 0 CERTVERIFY 0' });
    expect(dflt.servers.get('alpha')?.ups).toEqual(['ups1', 'ups2']);
    expect(dflt.servers.get('beta')?.ups).toEqual(['ups3']);
  }, 60_000);
});
