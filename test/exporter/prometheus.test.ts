// Debian's real Prometheus scrapes hardnut's exporter, which reads two real hardnut upsd: a PromQL
// query through Prometheus' HTTP API returns the battery charge and status flags upsc reports, for
// UPSes of both servers; when a UPS's driver stops, Prometheus sees it stale (stale 1, up 0) and
// its charge disappears from instant queries instead of repeating the last value.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { DAEMON_USER_WHY, onPath, requireAll, runsDaemons } from '../support/peers.js';
import { waitFor } from '../support/stack.js';
import { Prometheus, scratchDir, startExporterStack, upsc, type ExporterStack } from './stack.js';

const PROMETHEUS = 'prometheus';
let s: ExporterStack;
let prom: Prometheus;
const query = (q: string): ReturnType<Prometheus['query']> => prom.query(q);
const one = (q: string): ReturnType<Prometheus['one']> => prom.one(q);

beforeAll(async ({}, suite) => {
  requireAll(suite, runsDaemons(), DAEMON_USER_WHY);
  requireAll(suite, onPath(PROMETHEUS), 'Debian\'s prometheus (apt-get install prometheus)');
  s = await startExporterStack({ poll: 1, maxAge: 4 });
  prom = await Prometheus.start(scratchDir(s.a.dir, 'prometheus'), ['  - job_name: hardnut', '    static_configs:', `      - targets: ['127.0.0.1:${String(s.port)}']`]);
  await prom.waitUntilOne('Prometheus scraping the exporter', 'up{job="hardnut"}');
}, 180_000);

afterAll(async () => {
  await prom?.proc.stop();
  await s?.stop();
}, 60_000);

describe('Debian\'s prometheus scraping hardnut exporter', () => {
  it('PromQL returns the battery charge and status upsc reports, for UPSes of two upsd servers', async () => {
    await prom.agreesWithUpsc(s);
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
