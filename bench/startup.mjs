#!/usr/bin/env node
// npm run bench:startup: how long a hardnut tool takes from exec to exit, beside Debian's C upsc
// and a bare `node -e 0` (the floor any Node program pays), in ONE run, rotating between them.
//
//   hardnut upsc u@127.0.0.1:PORT   and  /bin/upsc u@127.0.0.1:PORT   against Debian's upsd
//     (/lib/nut/upsd serving /lib/nut/dummy-ups; no TLS configured, as in most installs), and
//     both again against hardnut's upsd serving the same driver: Debian's upsd 2.8.0 writes a
//     list a line at a time with Nagle on, so either client waits out a delayed ACK (~40 ms)
//     that is the server's, not the client's start-up
//   hardnut upssched ONBATT/ONLINE  as upsmon runs it: UPSNAME/NOTIFYTYPE set, a real
//     upssched.conf whose AT lines start and cancel a timer in the running timer daemon
//   hardnut upsd -h                 the biggest tool's code loaded, nothing served
//   a node:net client doing upsc's exchange with hardnut's upsd: the floor any Node NUT client
//     pays (node:net's load and its first connect, reads and close), beside hardnut's upsc
//
// BEFORE_REV=rev[,rev…] adds the three hardnut rows as built at those revisions (in a scratch
// tree), measured in the same rotation: what a change saved, under the same load.
//
// Each command runs RUNS times (default 40) after WARMUP (3) unmeasured runs; its median and p90
// wall time go beside the ratio of its median to bare Node's. Results go to BENCHMARKS.md between
// <!-- bench:startup:begin --> and <!-- bench:startup:end --> unless NO_WRITE=1.
// Needs Debian's NUT (apt-get install nut-server nut-client) and a build (npm run build).
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HARDNUT, buildRevision, freePort, sleep, writeBenchBlock } from './lib.mjs';
const NUT = { upsd: '/lib/nut/upsd', dummyUps: '/lib/nut/dummy-ups', upsc: '/bin/upsc' };
const RUNS = Number(process.env.RUNS ?? 40);
const WARMUP = Number(process.env.WARMUP ?? 3);
const NO_WRITE = process.env.NO_WRITE === '1';
const BEFORE_REVS = (process.env.BEFORE_REV ?? '').split(',').filter(Boolean);

for (const f of [HARDNUT, ...Object.values(NUT)]) if (!existsSync(f)) { console.error(`missing ${f} (npm run build; apt-get install nut-server nut-client)`); process.exit(2); }

const quantile = (xs, q) => { const a = [...xs].sort((x, y) => x - y); return a[Math.min(a.length - 1, Math.ceil(q * a.length) - 1)]; };

const dir = mkdtempSync('/tmp/hn-bstart-');
chmodSync(dir, 0o755);
const etc = join(dir, 'etc');
const state = join(dir, 'state');
for (const d of [etc, state]) { mkdirSync(d); chmodSync(d, 0o777); }
const procs = [];
function cleanup() {
  for (const p of procs) try { p.kill('SIGKILL'); } catch { /* gone */ }
  // the upssched timer daemon backgrounded itself: find it by the config dir in its environment
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try { if (readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`NUT_CONFPATH=${etc}`)) process.kill(Number(pid), 'SIGKILL'); } catch { /* gone, or not ours to read */ }
  }
}
process.on('exit', () => { cleanup(); rmSync(dir, { recursive: true, force: true }); });
process.on('SIGINT', () => process.exit(130));

const port = await freePort();
// NODE_EXTRA_CA_CERTS (set on some machines, this one included) makes every Node process read and
// parse a CA bundle at start-up, bare Node too: about 50 ms that no hardnut tool needs and a
// user's machine need not pay. It would pad every row alike and flatter the ratios: unset.
const { NODE_EXTRA_CA_CERTS: _extraCa, ...baseEnv } = process.env;
const env = { ...baseEnv, NUT_CONFPATH: etc, NUT_STATEPATH: state, NUT_ALTPIDPATH: state };
writeFileSync(join(etc, 'ups.conf'), '[u]\n\tdriver = dummy-ups\n\tport = u.dev\n');
writeFileSync(join(etc, 'u.dev'), 'battery.charge: 100\nups.status: OL\nups.mfr: bench\n');
writeFileSync(join(etc, 'upsd.conf'), `LISTEN 127.0.0.1 ${port}\n`);
writeFileSync(join(etc, 'upsd.users'), '');
writeFileSync(join(dir, 'cmd.sh'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
// upssched's timer daemon, started by root, drops to nut (src/sandbox/roles.ts) and binds PIPEFN
// as nut: its directory is nut's, as /run/nut is (upsmon's notifier, which runs it, is nut too)
const run = join(dir, 'run');
mkdirSync(run, { mode: 0o770 });
const nutIds = process.getuid?.() === 0 ? spawnSync('id', ['-u', 'nut'], { encoding: 'utf8' }) : undefined;
if (nutIds?.status === 0) chownSync(run, Number(nutIds.stdout), Number(spawnSync('id', ['-g', 'nut'], { encoding: 'utf8' }).stdout));
writeFileSync(join(etc, 'upssched.conf'), [
  `CMDSCRIPT ${join(dir, 'cmd.sh')}`, `PIPEFN ${join(run, 'upssched.pipe')}`, `LOCKFN ${join(run, 'upssched.lock')}`,
  'AT ONBATT * START-TIMER onbatt 300', 'AT ONLINE * CANCEL-TIMER onbatt', '',
].join('\n'));
// NUT's daemons as root need -u; as anyone else they run as that user
const asUser = process.getuid?.() === 0 ? ['-u', 'root'] : [];
const start = (cmd, args, e = env) => { const p = spawn(cmd, args, { env: e, stdio: 'ignore' }); procs.push(p); return p; };
start(NUT.dummyUps, ['-a', 'u', '-F', ...asUser]);
for (let i = 0; !existsSync(join(state, 'dummy-ups-u')); i++) { if (i > 200) throw new Error('dummy-ups did not start'); await sleep(50); }
start(NUT.upsd, ['-F', ...asUser]);
const target = `u@127.0.0.1:${port}`;
for (let i = 0; ; i++) {
  const r = spawnSync(NUT.upsc, [target, 'ups.status'], { env, encoding: 'utf8' });
  if (r.stdout.trim() === 'OL') break;
  if (i > 200) throw new Error(`upsd did not serve u: ${r.stderr}`);
  await sleep(50);
}

// hardnut's upsd on the same driver socket; its files in a directory only root can write (as
// root it refuses an upsd.users another user could change)
const hnPort = await freePort();
const hnEtc = join(dir, 'etc-hardnut');
mkdirSync(hnEtc, { mode: 0o755 });
writeFileSync(join(hnEtc, 'ups.conf'), '[u]\n\tdriver = dummy-ups\n\tport = u.dev\n');
writeFileSync(join(hnEtc, 'upsd.conf'), `LISTEN 127.0.0.1 ${hnPort}\n`);
writeFileSync(join(hnEtc, 'upsd.users'), '');
start(process.execPath, [HARDNUT, 'upsd', '-F', ...asUser], { ...env, NUT_CONFPATH: hnEtc, NUT_ALTPIDPATH: hnEtc });
const targetHn = `u@127.0.0.1:${hnPort}`;
let flip = 0;
for (let i = 0; ; i++) {
  const r = spawnSync(NUT.upsc, [targetHn, 'ups.status'], { env, encoding: 'utf8' });
  if (r.stdout.trim() === 'OL') break;
  if (i > 200) throw new Error(`hardnut's upsd did not serve u: ${r.stderr}`);
  await sleep(50);
}

const hardnutCases = (hn, label) => [
  { name: `hardnut${label} upsc u@host (Debian's upsd)`, cmd: process.execPath, args: () => [hn, 'upsc', target], ok: (r) => /ups\.status: OL/.test(r.stdout) },
  { name: `hardnut${label} upsc u@host (hardnut's upsd)`, cmd: process.execPath, args: () => [hn, 'upsc', targetHn], ok: (r) => /ups\.status: OL/.test(r.stdout) },
  {
    name: `hardnut${label} upssched (as NOTIFYCMD, timer start/cancel)`, cmd: process.execPath, args: () => [hn, 'upssched', 'UPS u on battery'],
    env: () => ({ ...env, UPSNAME: 'u', NOTIFYTYPE: flip++ % 2 === 0 ? 'ONBATT' : 'ONLINE' }), ok: (r) => r.status === 0,
  },
  { name: `hardnut${label} upsd -h`, cmd: process.execPath, args: () => [hn, 'upsd', '-h'], ok: (r) => /usage/i.test(r.stdout) },
];
// Node's own floor for a NUT client: node:net alone doing what hardnut's upsc does on the wire
// (connect, STARTTLS refused, LIST VAR, LOGOUT and wait for upsd to close), with no parsing
// beyond finding the reply's end. What hardnut's upsc costs beyond this row is hardnut's code.
const netFloor = (p) => [
  "const s = require('node:net').connect(" + p + ", '127.0.0.1'); let b = ''; let step = 0; s.setEncoding('latin1');",
  "s.on('connect', () => s.write('STARTTLS\\n'));",
  "s.on('data', (d) => { b += d;",
  "  if (step === 0 && b.endsWith('\\n')) { step = 1; b = ''; s.write('LIST VAR u\\n'); }",
  "  else if (step === 1 && b.endsWith('END LIST VAR u\\n')) { step = 2; process.stdout.write(b); s.end('LOGOUT\\n'); } });",
].join('\n');
const CASES = [
  { name: 'bare Node (`node -e 0`)', cmd: process.execPath, args: () => ['-e', '0'], ok: () => true },
  { name: "Node's floor for a NUT client (node:net alone, hardnut upsc's exchange, hardnut's upsd)", cmd: process.execPath, args: () => ['-e', netFloor(hnPort)], ok: (r) => /VAR u ups\.status "OL"/.test(r.stdout) },
  { name: "Debian's C upsc (`/bin/upsc u@host`, Debian's upsd)", cmd: NUT.upsc, args: () => [target], ok: (r) => /ups\.status: OL/.test(r.stdout) },
  { name: "Debian's C upsc (`/bin/upsc u@host`, hardnut's upsd)", cmd: NUT.upsc, args: () => [targetHn], ok: (r) => /ups\.status: OL/.test(r.stdout) },
  ...hardnutCases(HARDNUT, ''),
  ...BEFORE_REVS.flatMap((rev) => hardnutCases(buildRevision(rev, dir), ` at ${rev}`)),
];
const times = CASES.map(() => []);
// CPU time of waited-for children (utime+stime, /proc/self/stat fields 16 and 17, in clock ticks):
// less disturbed by other load on the machine than wall time; a mean, the tick being 10 ms
const childTicks = () => { const f = readFileSync('/proc/self/stat', 'latin1'); const x = f.slice(f.lastIndexOf(')') + 2).split(' '); return Number(x[13]) + Number(x[14]); };
const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK']).toString());
const cpu = CASES.map(() => 0);
for (let round = 0; round < WARMUP + RUNS; round++) {
  for (const [i, c] of CASES.entries()) {
    const c0 = childTicks();
    const t0 = process.hrtime.bigint();
    const r = spawnSync(c.cmd, c.args(), { env: c.env?.() ?? env, encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (round >= WARMUP) cpu[i] += (childTicks() - c0) * TICK_MS;
    if (r.status !== 0 || !c.ok(r)) throw new Error(`${c.name} failed (exit ${r.status}): ${r.stdout}${r.stderr}`);
    if (round >= WARMUP) times[i].push(ms);
  }
}
cleanup();

const floor = quantile(times[0], 0.5);
const nutVersion = execFileSync('dpkg-query', ['-W', '-f=${Version}', 'nut-client']).toString();
const lines = [];
lines.push(`Measured ${new Date().toISOString().slice(0, 10)} on ${execFileSync('nproc').toString().trim()} cores (load average ${readFileSync('/proc/loadavg', 'latin1').split(' ').slice(0, 3).join(' ')} at the end), Node ${process.version}, Debian NUT ${nutVersion}.`);
lines.push(`Command: \`RUNS=${RUNS}${BEFORE_REVS.length ? ` BEFORE_REV=${BEFORE_REVS.join(',')}` : ''} npm run bench:startup\` (bench/startup.mjs): ${RUNS} runs of each command, rotating, after ${WARMUP} unmeasured; wall time from spawn to exit; CPU = the child's user+system time.`);
lines.push('');
lines.push('| command | median ms | p90 ms | median / bare Node | CPU ms (mean) | CPU / bare Node |');
lines.push('|---|---:|---:|---:|---:|---:|');
for (const [i, c] of CASES.entries()) {
  const m = quantile(times[i], 0.5);
  lines.push(`| ${c.name} | ${m.toFixed(1)} | ${quantile(times[i], 0.9).toFixed(1)} | **${(m / floor).toFixed(2)}×** | ${(cpu[i] / RUNS).toFixed(1)} | ${(cpu[i] / cpu[0]).toFixed(2)}× |`);
}
const table = lines.join('\n');
console.log(table);
if (!NO_WRITE) writeBenchBlock('startup', "Tool start-up: hardnut vs bare Node vs NUT's C upsc", table);
process.exit(0);
