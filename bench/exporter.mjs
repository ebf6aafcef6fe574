#!/usr/bin/env node
// npm run bench:exporter: what a Prometheus scrape of 50 UPSes costs through `hardnut exporter`,
// beside the equivalent upsc calls (issue 18). DRuggeri/nut_exporter publishes no figures and is
// not packaged for Debian (nor reachable offline), so the NUT-world baseline is the cost of the
// same data read with Debian's C upsc: one `upsc <ups>@host` per UPS, as a script would.
//
// Setup: 50 Debian dummy-ups drivers (C, light) on .dev files of 24 variables each, hardnut's
// upsd on them, hardnut's exporter (POLLINTERVAL 2) on that upsd, all on loopback, as root with
// the real process model (upsd as nut; the exporter jailed as nobody under seccomp).
// Measures (CPU from /proc/<pid>/stat, utime + stime):
//   - background: exporter and upsd CPU per second while nobody scrapes (the polling);
//   - scrape: SCRAPES sequential GET /metrics: latency (median, p95) and exporter CPU per scrape
//     net of the background rate (the cache means upsd does no work per scrape);
//   - upsc sweep: upsc for each of the 50 UPSes, SWEEPS times: wall time per sweep, and the CPU of
//     the 50 upsc processes plus upsd's.
// Knobs: SCRAPES (default 300), SWEEPS (5), IDLE_S (10), NO_WRITE=1 (print only). Needs root,
// Debian's NUT (apt-get install nut-server nut-client) and a build (npm run build).
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { HARDNUT, freePort, sleep, waitFor, writeBenchBlock } from './lib.mjs';

const N = 50;
const SCRAPES = Number(process.env.SCRAPES ?? 300);
const SWEEPS = Number(process.env.SWEEPS ?? 5);
const IDLE_S = Number(process.env.IDLE_S ?? 10);
const TICK_MS = 10; // USER_HZ is 100 on Linux
const NUT_DUMMY = '/lib/nut/dummy-ups';
const UPSC = '/usr/bin/upsc';
const nut = spawnSync('id', ['-u', 'nut'], { encoding: 'utf8' });
if (process.getuid?.() !== 0 || nut.status !== 0) { console.error('bench:exporter needs root and the nut user'); process.exit(2); }
const NUT_UID = Number(nut.stdout.trim());
const NUT_GID = Number(spawnSync('id', ['-g', 'nut'], { encoding: 'utf8' }).stdout.trim());

const dir = mkdtempSync(join(tmpdir(), 'hn-bench-exp-'));
const etc = join(dir, 'etc');
const state = join(dir, 'state');
mkdirSync(etc); mkdirSync(state);
chownSync(dir, 0, NUT_GID); chmodSync(dir, 0o750); // the nut user reaches etc/ and state/
const names = Array.from({ length: N }, (_, i) => `ups${String(i + 1).padStart(2, '0')}`);
const dev = (i) => [
  'device.mfr: Bench', `device.model: Model ${String(i)}`, `device.serial: SN${String(1000 + i)}`, 'device.type: ups',
  'ups.status: OL CHRG', `ups.load: ${String(10 + (i % 60))}`, 'ups.realpower.nominal: 900', 'ups.power.nominal: 1500', 'ups.beeper.status: enabled',
  `battery.charge: ${String(50 + (i % 50))}`, 'battery.charge.low: 10', 'battery.runtime: 1800', 'battery.runtime.low: 120', 'battery.voltage: 27.1', 'battery.voltage.nominal: 24', 'battery.type: PbAc',
  'input.voltage: 230.4', 'input.voltage.nominal: 230', 'input.frequency: 50.0', 'input.transfer.low: 170', 'input.transfer.high: 280',
  'output.voltage: 229.8', 'output.frequency: 50.0', 'output.current: 1.2', '',
].join('\n');
const upsPort = await freePort();
const expPort = await freePort();
const files = {
  'ups.conf': `pollinterval = 2\n${names.map((n) => `[${n}]\n\tdriver = dummy-ups\n\tport = ${n}.dev\n\tdesc = "bench ${n}"\n`).join('')}`,
  'upsd.conf': `LISTEN 127.0.0.1 ${String(upsPort)}\nMAXAGE 15\n`,
  'upsd.users': '[admin]\n\tpassword = x\n\tactions = SET\n',
  'exporter.conf': `LISTEN 127.0.0.1 ${String(expPort)}\nSERVER bench 127.0.0.1:${String(upsPort)}\nPOLLINTERVAL 2\nMAXAGE 10\n`,
  ...Object.fromEntries(names.map((n, i) => [`${n}.dev`, dev(i)])),
};
for (const [f, text] of Object.entries(files)) { writeFileSync(join(etc, f), text); chownSync(join(etc, f), 0, NUT_GID); chmodSync(join(etc, f), 0o640); }
chownSync(etc, 0, NUT_GID); chmodSync(etc, 0o750);
chownSync(state, NUT_UID, NUT_GID); chmodSync(state, 0o770);
const env = { ...process.env, NUT_CONFPATH: etc, NUT_STATEPATH: state, NUT_ALTPIDPATH: state };

/** Started daemons; a failed wait prints the stderr tail of those that died. */
const procs = [];
function start(cmd, args, tag) {
  const p = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const entry = { p, tag, tail: '' };
  p.stderr.on('data', (d) => { entry.tail = (entry.tail + d).slice(-2000); });
  procs.push(entry);
  return p;
}
const deadTails = () => procs.filter((e) => e.p.exitCode !== null || e.p.signalCode !== null).map((e) => `${e.tag}: ${e.tail.trim()}`).join('\n');
const waitOrSay = (what, fn, ms) => waitFor(what, fn, ms).catch((e) => { throw new Error(`${e.message}\n${deadTails()}`); });
async function cleanup() {
  for (const { p } of procs.reverse()) { if (p.exitCode === null && p.signalCode === null) { p.kill('SIGTERM'); await new Promise((r) => p.once('exit', r)); } }
  rmSync(dir, { recursive: true, force: true });
}
process.on('SIGINT', () => { void cleanup().then(() => process.exit(130)); });

/** CPU ticks (utime + stime) of a pid so far. */
/** Fields of /proc/<pid>/stat after the command name (field 3 is index 0). */
const statFields = (pid) => { const t = readFileSync(`/proc/${String(pid)}/stat`, 'utf8'); return t.slice(t.lastIndexOf(')') + 2).split(' '); };
const cpuMs = (pid) => { const f = statFields(pid); return (Number(f[11]) + Number(f[12])) * TICK_MS; };
/** CPU of this process's waited-for children so far (cutime + cstime). */
const childrenCpuMs = () => { const f = statFields('self'); return (Number(f[13]) + Number(f[14])) * TICK_MS; };
const get = (path) => new Promise((resolve, reject) => {
  http.get(`http://127.0.0.1:${String(expPort)}${path}`, (r) => { let b = ''; r.setEncoding('utf8'); r.on('data', (d) => { b += d; }); r.on('end', () => resolve({ status: r.statusCode, body: b })); }).on('error', reject);
});
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };

try {
  for (const n of names) start(NUT_DUMMY, ['-a', n, '-F', '-u', 'nut'], `dummy-ups ${n}`);
  const upsd = start(process.execPath, [HARDNUT, 'upsd', '-F', '-u', 'nut'], 'hardnut upsd');
  await waitOrSay('upsd serving 50 UPSes', () => spawnSync(UPSC, [`${names[N - 1]}@127.0.0.1:${String(upsPort)}`, 'ups.status'], { encoding: 'utf8' }).stdout.trim() === 'OL CHRG'
    && spawnSync(UPSC, ['-l', `127.0.0.1:${String(upsPort)}`], { encoding: 'utf8' }).stdout.trim().split('\n').length === N, 60_000);
  const exporter = start(process.execPath, [HARDNUT, 'exporter', '-r', join(dir, 'jail')], 'hardnut exporter');
  let body = '';
  await waitOrSay('the exporter serving 50 UPSes', async () => {
    try { body = (await get('/metrics')).body; } catch { return false; }
    return body.split('\n').filter((l) => l.startsWith('network_ups_tools_up{') && l.endsWith(' 1')).length === N;
  }, 60_000);
  await sleep(3000); // past the first poll's description and type reads

  // background: polling only
  let [e0, u0, t0] = [cpuMs(exporter.pid), cpuMs(upsd.pid), Date.now()];
  await sleep(IDLE_S * 1000);
  const idleS = (Date.now() - t0) / 1000;
  const expIdle = (cpuMs(exporter.pid) - e0) / idleS;
  const upsdIdle = (cpuMs(upsd.pid) - u0) / idleS;

  // scrapes
  const lat = [];
  [e0, u0, t0] = [cpuMs(exporter.pid), cpuMs(upsd.pid), Date.now()];
  for (let i = 0; i < SCRAPES; i++) {
    const s = process.hrtime.bigint();
    const r = await get('/metrics');
    lat.push(Number(process.hrtime.bigint() - s) / 1e6);
    if (r.status !== 200) throw new Error(`scrape ${String(i)}: ${String(r.status)}`);
    body = r.body;
  }
  const scrapeS = (Date.now() - t0) / 1000;
  const expScrape = (cpuMs(exporter.pid) - e0 - expIdle * scrapeS) / SCRAPES;
  const upsdDuringScrape = (cpuMs(upsd.pid) - u0) / scrapeS;

  // the same data with upsc: one process per UPS
  const sweeps = [];
  const c0 = childrenCpuMs();
  u0 = cpuMs(upsd.pid);
  const s0 = Date.now();
  for (let k = 0; k < SWEEPS; k++) {
    const s = process.hrtime.bigint();
    for (const n of names) {
      const r = spawnSync(UPSC, [`${n}@127.0.0.1:${String(upsPort)}`], { encoding: 'utf8' });
      if (r.status !== 0 || !r.stdout.includes('battery.charge:')) throw new Error(`upsc ${n}: ${r.stderr}`);
    }
    sweeps.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  const sweepS = (Date.now() - s0) / 1000;
  const upscCpu = (childrenCpuMs() - c0) / SWEEPS;
  const upsdSweep = (cpuMs(upsd.pid) - u0 - upsdIdle * sweepS) / SWEEPS;

  const load = loadavg()[0] ?? 0;
  const lines = body.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
  const f1 = (x) => x.toFixed(1);
  const f2 = (x) => x.toFixed(2);
  const table = [
    `50 UPSes (24 variables each, Debian dummy-ups) behind one hardnut upsd; the exporter polls every 2 s. Exporter /metrics: ${String(lines)} samples, ${String(Math.round(body.length / 1024))} KiB.`,
    '',
    '| | wall time | CPU |',
    '| --- | --- | --- |',
    `| one scrape of /metrics (${String(SCRAPES)} sequential) | median ${f2(pct(lat, 0.5))} ms, p95 ${f2(pct(lat, 0.95))} ms | exporter ${f2(expScrape)} ms per scrape (net of polling); upsd ${Math.abs(upsdDuringScrape - upsdIdle) < 1 ? 'no measurable change from idle (served from the cache)' : `${f2(upsdDuringScrape - upsdIdle)} ms/s more than idle`} |`,
    `| polling (nobody scraping) | every 2 s | exporter ${f1(expIdle)} ms/s, upsd ${f1(upsdIdle)} ms/s |`,
    `| Debian's upsc for each of the 50 UPSes (${String(SWEEPS)} sweeps) | median ${f1(pct(sweeps, 0.5))} ms per sweep | 50 upsc ${f1(upscCpu)} ms + upsd ${f1(upsdSweep)} ms per sweep |`,
    '',
    `Machine: ${String(cpus().length)} CPUs, load average ${load.toFixed(1)} at the end of the run (other work shares them): wall times move with that load, CPU figures much less.`,
    '',
    `Command: \`SCRAPES=${String(SCRAPES)} SWEEPS=${String(SWEEPS)} IDLE_S=${String(IDLE_S)} npm run bench:exporter\` (bench/exporter.mjs, as root). CPU from /proc/<pid>/stat (10 ms ticks). DRuggeri/nut_exporter publishes no figures and is not available offline. By its source (collectors/nut_collector.go) it connects to upsd on every scrape and serves one UPS per scrape (\`?ups=\` for more than one), so 50 UPSes are 50 scrape targets, each a upsd connection and a variable read: per scrape interval, about the upsd column of the upsc row, without the 50 process starts.`,
  ].join('\n');
  console.log(table);
  if (process.env.NO_WRITE !== '1') writeBenchBlock('exporter', 'Exporter: a scrape of 50 UPSes (bench:exporter)', table);
} finally {
  await cleanup();
}
