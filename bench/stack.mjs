#!/usr/bin/env node
// npm run bench:stack: the whole monitoring stack, hardnut's beside NUT's (Debian 2.8.0), in one run.
//
// 1. Memory. Two stacks side by side, each with its own files, replaying the same .seq:
//      NUT      /lib/nut/dummy-ups + /lib/nut/upsd + /lib/nut/upsmon (root parent + nut child)
//      hardnut  dummy-ups + upsd + upsmon (root supervisor + jailed network child + dispatcher
//               + notifier)
//    upsmon is a primary with a NOTIFYCMD. The .seq holds the UPS on line for WARM_S + IDLE_S,
//    then alternates on battery / on line every 3 s (ONBATT/ONLINE, each running NOTIFYCMD) for
//    OUTAGE_S. VmRSS of every process is sampled every 250 ms: the idle figure is the median over
//    the idle window, the outage figure the maximum over the outage window.
// 2. Event latency, driver change → notification. One hardnut dummy-ups (static .dev) serves
//    Debian's upsd and hardnut's upsd through the same socket; Debian's and hardnut's upsmon watch
//    each upsd, all four with POLLFREQ = POLLFREQALERT = POLL; a fifth, hardnut's upsmon with
//    LOCALMONITOR (issue 14), reads the driver socket itself. The bench flips ups.status through
//    the driver socket (SET ups.status, what upsd's SET VAR does) at a random moment, and each
//    upsmon's NOTIFYCMD writes its clock: latency = NOTIFYCMD time − change time, for EVENTS
//    changes (ONBATT and ONLINE alternately). Medians and ratios go to BENCHMARKS.md between
//    <!-- bench:stack:begin --> and <!-- bench:stack:end -->.
//
// Knobs: WARM_S (default 8), IDLE_S (10), OUTAGE_S (24), EVENTS (20), POLL (1 s),
// NO_WRITE=1 (print only). Needs root (upsmon as root is the real process model), Debian's NUT
// (apt-get install nut-server nut-client) and a build (npm run build).
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { HARDNUT, freePort, sleep, upsStatus, waitFor, writeBenchBlock } from './lib.mjs';
const NUT = { upsd: '/lib/nut/upsd', dummyUps: '/lib/nut/dummy-ups', upsmon: '/lib/nut/upsmon' };
const WARM_S = Number(process.env.WARM_S ?? 8);
const IDLE_S = Number(process.env.IDLE_S ?? 10);
const OUTAGE_S = Number(process.env.OUTAGE_S ?? 24);
const EVENTS = Number(process.env.EVENTS ?? 20);
const POLL = Number(process.env.POLL ?? 1);
const NO_WRITE = process.env.NO_WRITE === '1';
/** Debian's upsmon refuses to start if /run/nut/upsmon.pid names a live process, unless -P names another. */
const NO_SUCH_PID = '4194303';

for (const f of [HARDNUT, ...Object.values(NUT)]) if (!existsSync(f)) { console.error(`missing ${f} (npm run build; apt-get install nut-server nut-client)`); process.exit(2); }
if (process.getuid?.() !== 0) { console.error('bench:stack needs root: upsmon as root is the process model being measured'); process.exit(2); }

const med = (xs) => { const a = [...xs].sort((x, y) => x - y); return a.length === 0 ? NaN : a.length % 2 ? a[(a.length - 1) / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2; };
const idOf = (file, name) => Number(readFileSync(file, 'latin1').split('\n').find((l) => l.startsWith(`${name}:`))?.split(':')[2]);
const NUT_UID = idOf('/etc/passwd', 'nut');
const NUT_GID = idOf('/etc/group', 'nut');
function rssKb(pid) {
  try { return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1] ?? 0); } catch { return 0; }
}
/** Direct children of a process (the kernel's list; threads of a process share it). */
function childPids(parent) {
  try {
    return readdirSync(`/proc/${parent}/task`).flatMap((t) => readFileSync(`/proc/${parent}/task/${t}/children`, 'latin1').trim().split(/\s+/)).filter(Boolean).map(Number);
  } catch { return []; }
}
/** Running, not a zombie waiting for a parent that does not reap (pid 1 here may not). */
function alive(pid) {
  try { const stat = readFileSync(`/proc/${pid}/stat`, 'latin1'); return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'; } catch { return false; }
}
const cmdline = (pid) => { try { return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0'); } catch { return []; } };

const dir = mkdtempSync('/tmp/hn-bstack-');
chmodSync(dir, 0o755);
const procs = [];
function cleanup() {
  for (const p of procs) {
    for (const k of childPids(p.pid)) try { process.kill(k, 'SIGKILL'); } catch { /* gone */ }
    try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ }
  }
  procs.length = 0;
  // NUT 2.8.0's upsmon writes /run/nut/upsmon.pid whatever NUT_ALTPIDPATH says: remove it once dead
  try {
    const pid = Number.parseInt(readFileSync('/run/nut/upsmon.pid', 'latin1'), 10);
    if (!alive(pid)) unlinkSync('/run/nut/upsmon.pid');
  } catch { /* none */ }
}
process.on('exit', () => { cleanup(); rmSync(dir, { recursive: true, force: true }); });
process.on('SIGINT', () => process.exit(130));

const rec = join(dir, 'rec');
const bin = join(dir, 'bin');
mkdirSync(rec, { mode: 0o777 });
chmodSync(rec, 0o777); // NOTIFYCMD runs as nut
mkdirSync(bin, { mode: 0o755 });
const events = join(rec, 'events');
writeFileSync(events, '');
chmodSync(events, 0o666);
function recorder(tag) {
  const path = join(bin, `notify-${tag}`);
  writeFileSync(path, `#!/bin/sh\necho "$(date +%s%3N)|${tag}|$NOTIFYTYPE" >> ${events}\n`, { mode: 0o755 });
  return path;
}
function readEvents() {
  return readFileSync(events, 'latin1').split('\n').filter((l) => /^\d+\|/.test(l)).map((l) => { const [t, tag, type] = l.split('|'); return { t: Number(t), tag, type }; });
}

/** A config + state directory pair owned like a real install (root:nut 0750 / nut 0770). */
function stackDir(name, files) {
  const etc = join(dir, `etc-${name}`);
  const state = join(dir, `state-${name}`);
  const pid = join(dir, `pid-${name}`);
  for (const d of [etc, state, pid]) mkdirSync(d);
  for (const [f, text] of Object.entries(files)) { writeFileSync(join(etc, f), text); chownSync(join(etc, f), 0, NUT_GID); chmodSync(join(etc, f), 0o640); }
  chownSync(etc, 0, NUT_GID); chmodSync(etc, 0o750);
  chownSync(state, NUT_UID, NUT_GID); chmodSync(state, 0o770);
  chmodSync(pid, 0o777);
  return { etc, state, env: { ...process.env, NUT_CONFPATH: etc, NUT_STATEPATH: state, NUT_ALTPIDPATH: pid } };
}
const usersFile = '[mon]\n\tpassword = monpass\n\tupsmon primary\n';
/** system null: LOCALMONITOR u (issue 14: the driver socket itself, no upsd). */
function upsmonConf(tag, system, hardnut) {
  return [
    system === null ? 'LOCALMONITOR u 1' : `MONITOR ${system} 1 mon monpass primary`, 'MINSUPPLIES 1', `NOTIFYCMD ${recorder(tag)}`, `SHUTDOWNCMD /bin/true`,
    // hardnut as root would hand the shutdown to its helper; the bench has none: SHUTDOWNCMD as an argv
    ...(hardnut ? ['SHUTDOWNMETHOD command'] : []),
    `POLLFREQ ${POLL}`, `POLLFREQALERT ${POLL}`, 'DEADTIME 60', 'FINALDELAY 1',
    ...['ONLINE', 'ONBATT', 'LOWBATT', 'COMMOK', 'COMMBAD'].map((t) => `NOTIFYFLAG ${t} EXEC`), '',
  ].join('\n');
}

function start(cmd, args, env, tag) {
  const p = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  p.stderr.on('data', (d) => { err = (err + d).slice(-4000); });
  p.on('exit', (code, sig) => { if (!stopping) console.error(`${tag} exited (${sig ?? code}): ${err.trim().split('\n').slice(-3).join(' | ')}`); });
  procs.push(p);
  return p;
}
let stopping = false;
/** One hardnut upsmon's environment: its own pid directory and jail. */
function hnEnv(env, tag) {
  const pidDir = join(dir, `run-${tag}`);
  mkdirSync(pidDir, { recursive: true });
  return { ...env, NUT_ALTPIDPATH: pidDir, HARDNUT_UPSMON_JAIL: join(dir, `jail-${tag}`), HARDNUT_WALL_PATH: '/bin/true' };
}
const upsmonFile = (s, tag, system, hardnut) => { const f = join(s.etc, `upsmon-${tag}.conf`); writeFileSync(f, upsmonConf(tag, system, hardnut)); chownSync(f, 0, NUT_GID); chmodSync(f, 0o640); return f; };
const startHardnutUpsmon = (s, tag, system) => start(process.execPath, [HARDNUT, 'upsmon', '-F', '-f', upsmonFile(s, tag, system, true)], hnEnv(s.env, tag), `hardnut upsmon ${tag}`);
const startNutUpsmon = (s, tag, system) => start(NUT.upsmon, ['-F', '-f', upsmonFile(s, tag, system, false), '-P', NO_SUCH_PID], s.env, `NUT upsmon ${tag}`);


// ---- 1. memory: two full stacks, the same outage replay ---------------------------------------
const cycles = Math.ceil(OUTAGE_S / 6) + 2;
const seq = `battery.charge: 100\nups.status: OL\nTIMER ${WARM_S + IDLE_S}\n${'battery.charge: 60\nups.status: OB DISCHRG\nTIMER 3\nbattery.charge: 90\nups.status: OL CHRG\nTIMER 3\n'.repeat(cycles)}`;
const stacks = {};
for (const name of ['nut', 'hardnut']) {
  const port = await freePort();
  const s = stackDir(name, { 'ups.conf': 'pollinterval = 1\n[u]\n\tdriver = dummy-ups\n\tport = u.seq\n', 'u.seq': seq, 'upsd.conf': `LISTEN 127.0.0.1 ${port}\n`, 'upsd.users': usersFile });
  stacks[name] = { ...s, port };
}
const t0 = Date.now();
const nutDriver = start(NUT.dummyUps, ['-a', 'u', '-F', '-u', 'nut'], stacks.nut.env, 'NUT dummy-ups');
const hnDriver = start(process.execPath, [HARDNUT, 'dummy-ups', '-a', 'u', '-F', '-u', 'nut'], stacks.hardnut.env, 'hardnut dummy-ups');
await waitFor('driver sockets', () => existsSync(join(stacks.nut.state, 'dummy-ups-u')) && existsSync(join(stacks.hardnut.state, 'dummy-ups-u')));
const nutUpsd = start(NUT.upsd, ['-F', '-u', 'nut'], stacks.nut.env, 'NUT upsd');
const hnUpsd = start(process.execPath, [HARDNUT, 'upsd', '-F', '-u', 'nut'], stacks.hardnut.env, 'hardnut upsd');
await waitFor('both upsds serving u', async () => (await upsStatus(stacks.nut.port)).startsWith('VAR u ups.status "OL') && (await upsStatus(stacks.hardnut.port)).startsWith('VAR u ups.status "OL'));
const nutMon = startNutUpsmon(stacks.nut, 'mem-nut', `u@127.0.0.1:${stacks.nut.port}`);
const hnMon = startHardnutUpsmon(stacks.hardnut, 'mem-hardnut', `u@127.0.0.1:${stacks.hardnut.port}`);

/** The processes of each stack, by role (upsmon's children found by their parent). */
function roles() {
  const nutKids = childPids(nutMon.pid).filter((k) => cmdline(k)[0]?.endsWith('upsmon'));
  const hnKids = childPids(hnMon.pid);
  const role = (k) => { const c = cmdline(k); const i = c.indexOf('--role'); return i < 0 ? undefined : c[i + 1]; };
  return {
    nut: { 'dummy-ups': nutDriver.pid, upsd: nutUpsd.pid, 'upsmon (root parent)': nutMon.pid, 'upsmon (monitor, nut)': nutKids[0] },
    hardnut: {
      'dummy-ups': hnDriver.pid, upsd: hnUpsd.pid, 'upsmon (root supervisor)': hnMon.pid,
      'upsmon (network child, jailed)': hnKids.find((k) => role(k) === 'net'), 'upsmon (dispatcher, nut)': hnKids.find((k) => role(k) === 'dispatch'),
      // the notifier (issue 20 item 6) runs NOTIFYCMD, so that the dispatcher has no network
      'upsmon (notifier, nut)': hnKids.find((k) => role(k) === 'notify'),
    },
  };
}
await waitFor('upsmon processes', () => { const r = roles(); return Object.values(r).every((x) => Object.values(x).every((p) => p !== undefined && rssKb(p) > 0)); });
const idleFrom = t0 + WARM_S * 1000;
const outageFrom = t0 + (WARM_S + IDLE_S) * 1000;
const outageTo = outageFrom + OUTAGE_S * 1000;
const samples = { nut: {}, hardnut: {} };
while (Date.now() < outageTo) {
  const now = Date.now();
  const phase = now < idleFrom ? null : now < outageFrom ? 'idle' : 'outage';
  if (phase) {
    for (const [stack, byRole] of Object.entries(roles())) {
      for (const [r, pid] of Object.entries(byRole)) {
        const kb = pid === undefined ? 0 : rssKb(pid);
        ((samples[stack][r] ??= { idle: [], outage: [] })[phase]).push(kb);
      }
    }
  }
  await sleep(250);
}
const memEvents = readEvents();
const notified = (tag) => memEvents.filter((e) => e.tag === tag && (e.type === 'ONBATT' || e.type === 'ONLINE')).length;
const memNotes = { nut: notified('mem-nut'), hardnut: notified('mem-hardnut') };
stopping = true;
cleanup();
await sleep(1000);
stopping = false;

// ---- 2. latency: driver change → NOTIFYCMD, four upsmons on one driver ------------------------
const lat = stackDir('lat', { 'ups.conf': 'pollinterval = 1\n[u]\n\tdriver = dummy-ups\n\tport = u.dev\n', 'u.dev': 'battery.charge: 100\nups.status: OL\n', 'upsd.users': usersFile });
const portNut = await freePort();
const portHn = await freePort();
// one state dir (the shared driver socket), one config dir per upsd
const latHn = { ...lat, etc: join(dir, 'etc-lat-hn') };
mkdirSync(latHn.etc);
for (const f of ['ups.conf', 'u.dev', 'upsd.users']) { writeFileSync(join(latHn.etc, f), readFileSync(join(lat.etc, f))); chownSync(join(latHn.etc, f), 0, NUT_GID); chmodSync(join(latHn.etc, f), 0o640); }
chownSync(latHn.etc, 0, NUT_GID); chmodSync(latHn.etc, 0o750);
writeFileSync(join(lat.etc, 'upsd.conf'), `LISTEN 127.0.0.1 ${portNut}\n`);
writeFileSync(join(latHn.etc, 'upsd.conf'), `LISTEN 127.0.0.1 ${portHn}\n`);
for (const e of [lat.etc, latHn.etc]) { chownSync(join(e, 'upsd.conf'), 0, NUT_GID); chmodSync(join(e, 'upsd.conf'), 0o640); }
latHn.env = { ...lat.env, NUT_CONFPATH: latHn.etc, NUT_ALTPIDPATH: join(dir, 'pid-lat-hn') };
mkdirSync(latHn.env.NUT_ALTPIDPATH, { mode: 0o777 });
start(process.execPath, [HARDNUT, 'dummy-ups', '-a', 'u', '-F', '-u', 'nut'], lat.env, 'latency dummy-ups');
const driverSocket = join(lat.state, 'dummy-ups-u');
await waitFor('driver socket', () => existsSync(driverSocket));
start(NUT.upsd, ['-F', '-u', 'nut'], lat.env, 'NUT upsd (latency)');
start(process.execPath, [HARDNUT, 'upsd', '-F', '-u', 'nut'], latHn.env, 'hardnut upsd (latency)');
await waitFor('both upsds serving u', async () => (await upsStatus(portNut)).startsWith('VAR u ups.status "OL') && (await upsStatus(portHn)).startsWith('VAR u ups.status "OL'));
const MONITORS = [
  { tag: 'nut@nut-upsd', impl: 'nut', port: portNut }, { tag: 'hardnut@nut-upsd', impl: 'hardnut', port: portNut },
  { tag: 'nut@hardnut-upsd', impl: 'nut', port: portHn }, { tag: 'hardnut@hardnut-upsd', impl: 'hardnut', port: portHn },
  // issue 14: hardnut's upsmon reading the same driver socket itself (LOCALMONITOR), no upsd between
  { tag: 'hardnut@localmonitor', impl: 'hardnut', port: null },
];
for (const m of MONITORS) {
  if (m.port === null) startHardnutUpsmon(lat, m.tag, null);
  else (m.impl === 'nut' ? startNutUpsmon : startHardnutUpsmon)(m.impl === 'nut' ? lat : latHn, m.tag, `u@127.0.0.1:${m.port}`);
}
const drv = net.connect(driverSocket);
drv.on('error', (e) => { console.error(`driver socket: ${e.message}`); });
drv.on('data', () => undefined);
await new Promise((r) => drv.once('connect', r));
const setStatus = (s) => drv.write(`SET ups.status "${s}"\n`);

/** Flips the status, waits until every monitor notified it; returns each monitor's latency in ms. */
async function flip(status, type) {
  const before = readEvents().length;
  const at = Date.now();
  setStatus(status);
  let fresh = [];
  await waitFor(`${type} from every upsmon`, () => {
    fresh = readEvents().slice(before);
    return MONITORS.every((m) => fresh.some((e) => e.tag === m.tag && e.type === type));
  }, (POLL * 3 + 10) * 1000);
  return Object.fromEntries(MONITORS.map((m) => [m.tag, fresh.find((e) => e.tag === m.tag && e.type === type).t - at]));
}
// warm-up: every upsmon logged in and notified once (not measured)
await sleep(3000);
await flip('OB DISCHRG', 'ONBATT');
await sleep(POLL * 1000 + 500);
await flip('OL', 'ONLINE');
const latency = Object.fromEntries(MONITORS.map((m) => [m.tag, []]));
for (let i = 0; i < EVENTS; i++) {
  // a random moment relative to every upsmon's poll cycle
  await sleep(POLL * 1000 + Math.floor(Math.random() * POLL * 1000) + 300);
  const [status, type] = i % 2 === 0 ? ['OB DISCHRG', 'ONBATT'] : ['OL', 'ONLINE'];
  const ms = await flip(status, type);
  for (const m of MONITORS) latency[m.tag].push(ms[m.tag]);
  console.error(`event ${i + 1}/${EVENTS} ${type}: ${MONITORS.map((m) => `${m.tag} ${latency[m.tag].at(-1)} ms`).join(', ')}`);
}
drv.destroy();
stopping = true;
cleanup();
await sleep(500);
cleanup(); // again, for NUT's pid file once its upsmon is gone

// ---- report -------------------------------------------------------------------------------
const nutVersion = execFileSync('dpkg-query', ['-W', '-f=${Version}', 'nut-server']).toString();
const lines = [];
lines.push(`Measured ${new Date().toISOString().slice(0, 10)} on ${execFileSync('nproc').toString().trim()} cores, Node ${process.version}, Debian NUT ${nutVersion}, as root (the real process model: every daemon drops to nut; hardnut's upsmon jails its network child).`);
lines.push(`Command: \`WARM_S=${WARM_S} IDLE_S=${IDLE_S} OUTAGE_S=${OUTAGE_S} EVENTS=${EVENTS} POLL=${POLL} npm run bench:stack\` (bench/stack.mjs).`);
lines.push('');
lines.push(`Memory: both stacks at once, each replaying the same .seq (on line for ${IDLE_S} s after ${WARM_S} s of start-up, then on battery / on line every 3 s for ${OUTAGE_S} s; ONBATT/ONLINE notified through NOTIFYCMD: NUT ${memNotes.nut}, hardnut ${memNotes.hardnut} times). VmRSS in KiB: idle = median over the idle window, outage = maximum over the outage window, sampled every 250 ms.`);
lines.push('');
lines.push('| process | NUT idle | NUT outage | hardnut process | hardnut idle | hardnut outage |');
lines.push('|---|---:|---:|---|---:|---:|');
const nutRoles = Object.keys(samples.nut);
const hnRoles = Object.keys(samples.hardnut);
const fig = (s, r, phase) => (s[r] ? (phase === 'idle' ? med(s[r].idle) : Math.max(...s[r].outage)) : NaN);
for (let i = 0; i < Math.max(nutRoles.length, hnRoles.length); i++) {
  const a = nutRoles[i];
  const b = hnRoles[i];
  lines.push(`| ${a ?? ''} | ${a ? fig(samples.nut, a, 'idle') : ''} | ${a ? fig(samples.nut, a, 'outage') : ''} | ${b ?? ''} | ${b ? fig(samples.hardnut, b, 'idle') : ''} | ${b ? fig(samples.hardnut, b, 'outage') : ''} |`);
}
const total = (s, phase) => Object.keys(s).reduce((sum, r) => sum + fig(s, r, phase), 0);
const [ni, no, hi, ho] = [total(samples.nut, 'idle'), total(samples.nut, 'outage'), total(samples.hardnut, 'idle'), total(samples.hardnut, 'outage')];
lines.push(`| **NUT total** | **${ni}** | **${no}** | **hardnut total** | **${hi}** | **${ho}** |`);
lines.push(`| ratio hardnut/NUT | | | | **${(hi / ni).toFixed(1)}×** | **${(ho / no).toFixed(1)}×** |`);
lines.push('');
lines.push(`Event latency, driver change → NOTIFYCMD: one hardnut dummy-ups shared by Debian's upsd and hardnut's upsd; Debian's and hardnut's upsmon on each, all with POLLFREQ = POLLFREQALERT = ${POLL} s; ${EVENTS} changes (ONBATT and ONLINE alternately) at random moments. With polling, about half a poll interval is expected from the poll phase alone.`);
lines.push('');
lines.push('| upsd | NUT upsmon median ms | hardnut upsmon median ms | ratio hardnut/NUT | NUT min–max | hardnut min–max |');
lines.push('|---|---:|---:|---:|---:|---:|');
for (const [name, suffix] of [["Debian's upsd", 'nut-upsd'], ["hardnut's upsd", 'hardnut-upsd']]) {
  const a = latency[`nut@${suffix}`];
  const b = latency[`hardnut@${suffix}`];
  lines.push(`| ${name} | ${med(a)} | ${med(b)} | **${(med(b) / med(a)).toFixed(2)}×** | ${Math.min(...a)}–${Math.max(...a)} | ${Math.min(...b)}–${Math.max(...b)} |`);
}
lines.push('');
lines.push(`The same ${EVENTS} changes for every monitor, with hardnut's LOCALMONITOR (issue 14: upsmon reads the driver socket itself, no upsd) beside them; p99 is the nearest-rank percentile of the ${EVENTS} samples. Target for LOCALMONITOR: p99 under 100 ms.`);
lines.push('');
lines.push('| monitor | path | median ms | p99 ms | min–max ms |');
lines.push('|---|---|---:|---:|---:|');
const p99 = (xs) => { const a = [...xs].sort((x, y) => x - y); return a[Math.min(a.length - 1, Math.ceil(0.99 * a.length) - 1)]; };
const PATHS = { 'nut@nut-upsd': "Debian's upsmon → Debian's upsd", 'hardnut@nut-upsd': "hardnut's upsmon → Debian's upsd", 'nut@hardnut-upsd': "Debian's upsmon → hardnut's upsd", 'hardnut@hardnut-upsd': "hardnut's upsmon (MONITOR) → hardnut's upsd", 'hardnut@localmonitor': "hardnut's upsmon (LOCALMONITOR) → driver socket" };
for (const m of MONITORS) {
  const x = latency[m.tag];
  lines.push(`| ${m.tag} | ${PATHS[m.tag]} | ${med(x)} | ${p99(x)} | ${Math.min(...x)}–${Math.max(...x)} |`);
}
const table = lines.join('\n');
console.log(table);
if (!NO_WRITE) writeBenchBlock('stack', 'Full stack: hardnut vs NUT (driver + upsd + upsmon)', table);
process.exit(0);
