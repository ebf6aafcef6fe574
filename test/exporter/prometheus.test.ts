// Debian's real Prometheus scrapes hardnut's exporter, which reads two real hardnut upsd: a PromQL
// query through Prometheus' HTTP API returns the battery charge and status flags upsc reports, for
// UPSes of both servers; when a UPS's driver stops, Prometheus sees it stale (stale 1, up 0) and
// its charge disappears from instant queries instead of repeating the last value.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DAEMON_USER_WHY, onPath, requireAll, runsDaemons } from '../support/peers.js';
import { freePort, startProcess, waitFor, type Proc } from '../support/stack.js';
import { scratchDir, startExporterStack, upsc, type ExporterStack } from './stack.js';

const PROMETHEUS = 'prometheus';
let s: ExporterStack;
let prom: Proc;
let promUrl: string;

interface Vector { metric: Record<string, string>; value: [number, string] }

async function query(q: string): Promise<Vector[]> {
  const r = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = await r.json() as { status: string; data: { resultType: string; result: Vector[] } };
  expect(body.status).toBe('success');
  return body.data.result;
}

async function one(q: string): Promise<number | undefined> {
  const r = await query(q);
  return r.length === 1 ? Number(r[0]?.value[1]) : undefined;
}

beforeAll(async ({}, suite) => {
  requireAll(suite, runsDaemons(), DAEMON_USER_WHY);
  requireAll(suite, onPath(PROMETHEUS), 'Debian\'s prometheus (apt-get install prometheus)');
  s = await startExporterStack({ poll: 1, maxAge: 4 });
  const dir = scratchDir(s.a.dir, 'prometheus');
  const port = await freePort();
  promUrl = `http://127.0.0.1:${String(port)}`;
  writeFileSync(join(dir, 'prometheus.yml'), [
    'global:', '  scrape_interval: 1s', '  scrape_timeout: 1s',
    'scrape_configs:', '  - job_name: hardnut', '    static_configs:', `      - targets: ['127.0.0.1:${String(s.port)}']`, '',
  ].join('\n'));
  prom = startProcess(PROMETHEUS, [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${String(port)}`, '--log.level=warn',
  ], process.env);
  await waitFor('Prometheus scraping the exporter', async () => {
    try {
      if (prom.child.exitCode !== null) throw new Error(`prometheus exited ${String(prom.child.exitCode)}: ${prom.output()}`);
      return (await one('up{job="hardnut"}')) === 1;
    } catch (e) { if ((e as Error).message.startsWith('prometheus exited')) throw e; return false; }
  }, 60_000, 250).catch((e: unknown) => { throw new Error(`${(e as Error).message}\n${prom.output()}`); });
}, 180_000);

afterAll(async () => {
  await prom?.stop();
  await s?.stop();
}, 60_000);

describe('Debian\'s prometheus scraping hardnut exporter', () => {
  it('PromQL returns the battery charge and status upsc reports, for UPSes of two upsd servers', async () => {
    for (const [srv, server, ups] of [[s.a, 'alpha', 'ups2'], [s.b, 'beta', 'ups3']] as const) {
      const charge = Number(await upsc(srv, ups, 'battery.charge'));
      const status = (await upsc(srv, ups, 'ups.status')).split(' ');
      const sel = `server="${server}",ups="${ups}"`;
      expect(await waitFor(`${ups}@${server} charge in Prometheus`, () => one(`network_ups_tools_battery_charge{${sel}}`), 20_000, 250)).toBe(charge);
      const flags = await query(`network_ups_tools_ups_status{${sel}} == 1`);
      expect(flags.map((f) => f.metric['flag']).sort()).toEqual([...status].sort());
    }
    // one query over both servers: every UPS of the fleet, each with its server label
    const all = await query('network_ups_tools_up == 1');
    expect(all.map((v) => `${v.metric['ups'] ?? ''}@${v.metric['server'] ?? ''}`).sort()).toEqual(['ups1@alpha', 'ups2@alpha', 'ups3@beta']);
  }, 60_000);

  it('a UPS whose driver stops: Prometheus sees stale 1 and up 0, and no charge for it', async () => {
    await s.b.drivers.get('ups3')?.stop();
    const sel = 'server="beta",ups="ups3"';
    await waitFor('stale in Prometheus', async () => (await one(`network_ups_tools_stale{${sel}}`)) === 1, 30_000, 250);
    expect(await one(`network_ups_tools_up{${sel}}`)).toBe(0);
    // the series ended at the exporter: Prometheus' staleness marker hides it from instant queries
    await waitFor('no charge for ups3', async () => (await query(`network_ups_tools_battery_charge{${sel}}`)).length === 0, 30_000, 250);
    expect(await one('network_ups_tools_battery_charge{server="alpha",ups="ups2"}')).toBe(Number(await upsc(s.a, 'ups2', 'battery.charge')));
  }, 80_000);
});
