#!/usr/bin/env node
// npm run bench:mem: the memory of the whole monitoring stack, measured as PSS, beside NUT's.
//
// RSS counts the pages of the node binary and of libc again in every process; PSS
// (/proc/PID/smaps_rollup) divides each shared page among the processes that map it, so a
// stack's PSS adds up to what it really occupies. Also per process: USS (its private pages,
// what its exit would free), and per stack the distinct physical pages all its processes map
// (from /proc/PID/pagemap, root only): its footprint as if nothing else ran. PSS, unlike that,
// shrinks when other node processes (tests, siblings) share the node binary's pages.
//
// The stacks, one after another (never side by side: they would share pages), each a driver,
// upsd and upsmon, all as root dropping to nut, the same static UPS, upsmon a primary:
//   NUT                /lib/nut/dummy-ups, /lib/nut/upsd, /lib/nut/upsmon (root parent + nut child)
//   Node floor         six idle `node -e "setInterval(…)"`: what six Node runtimes cost before
//                      any hardnut code, the floor of a six-process hardnut stack
//   hardnut            dist/hardnut.js: dummy-ups, upsd, upsmon (root supervisor + jailed network
//                      child + dispatcher + notifier)
//   hardnut at REV     the same, built from each revision in BEFORE_REV (comma-separated; default
//                      8150e5b, the last build in which every process loaded the whole 1 MB
//                      bundle; 11afa25, the last with ESM chunks): what a change saved.
//                      BEFORE_REV= (empty) skips them.
// Each stack runs WARM_S (default 8) seconds, then is sampled every 500 ms for IDLE_S (8) seconds;
// figures are medians of the samples. HN_NODE_ARGS adds node flags to every hardnut process
// (e.g. `--max-semi-space-size=1`) to measure a V8 setting. Table to BENCHMARKS.md between
// <!-- bench:mem:begin --> and <!-- bench:mem:end --> unless NO_WRITE=1.
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HARDNUT, buildRevision, freePort, sleep, upsStatus, waitFor, writeBenchBlock } from './lib.mjs';

const NUT = { upsd: '/lib/nut/upsd', dummyUps: '/lib/nut/dummy-ups', upsmon: '/lib/nut/upsmon' };
const WARM_S = Number(process.env.WARM_S ?? 8);
const IDLE_S = Number(process.env.IDLE_S ?? 8);
const BEFORE_REVS = (process.env.BEFORE_REV ?? '8150e5b').split(',').filter(Boolean);
const REV_LABEL = { '8150e5b': 'one bundle', '11afa25': 'ESM chunks' };
const HN_NODE_ARGS = (process.env.HN_NODE_ARGS ?? '').split(' ').filter(Boolean);
const NO_WRITE = process.env.NO_WRITE === '1';
/** Debian's upsmon refuses to start if /run/nut/upsmon.pid names a live process, unless -P names another. */
const NO_SUCH_PID = '4194303';
const PAGE = 4096;
/** hardnut's stack is six Node processes: dummy-ups, upsd, upsmon's supervisor, network child, dispatcher, notifier. */
const FLOOR_PROCS = 6;

for (const f of [HARDNUT, ...Object.values(NUT)]) if (!existsSync(f)) { console.error(`missing ${f} (npm run build; apt-get install nut-server nut-client)`); process.exit(2); }
if (process.getuid?.() !== 0) { console.error('bench:mem needs root: the daemons drop to nut and pagemap needs CAP_SYS_ADMIN'); process.exit(2); }

const med = (xs) => { const a = [...xs].sort((x, y) => x - y); return a.length === 0 ? NaN : a.length % 2 ? a[(a.length - 1) / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2; };
const idOf = (file, name) => Number(readFileSync(file, 'latin1').split('\n').find((l) => l.startsWith(`${name}:`))?.split(':')[2]);
const NUT_UID = idOf('/etc/passwd', 'nut');
const NUT_GID = idOf('/etc/group', 'nut');
const cmdline = (pid) => { try { return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0'); } catch { return []; } };
function childPids(parent) {
  try {
    return readdirSync(`/proc/${parent}/task`).flatMap((t) => readFileSync(`/proc/${parent}/task/${t}/children`, 'latin1').trim().split(/\s+/)).filter(Boolean).map(Number);
  } catch { return []; }
}

/** RSS, PSS and USS of a process in KiB, from smaps_rollup. */
function memKb(pid) {
  try {
    const t = readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1');
    const f = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(t)?.[1] ?? 0);
    return { rss: f('Rss'), pss: f('Pss'), uss: f('Private_Clean') + f('Private_Dirty') };
  } catch { return undefined; }
}
/** The physical frames a process maps (present pages), read from pagemap for its resident mappings. */
function frames(pid, into) {
  let fd;
  try {
    fd = openSync(`/proc/${pid}/pagemap`, 'r');
    const smaps = readFileSync(`/proc/${pid}/smaps`, 'latin1').split('\n');
    for (let i = 0; i < smaps.length; i++) {
      const m = /^([0-9a-f]+)-([0-9a-f]+) /.exec(smaps[i]);
      if (!m) continue;
      const rss = Number(/^Rss:\s+(\d+)/m.exec(smaps.slice(i, i + 6).join('\n'))?.[1] ?? 0);
      if (rss === 0) continue; // V8 reserves gigabytes it never touches: skip them
      const from = Number.parseInt(m[1], 16) / PAGE;
      const pages = Number.parseInt(m[2], 16) / PAGE - from;
      const buf = Buffer.alloc(pages * 8);
      readSync(fd, buf, 0, buf.length, from * 8);
      for (let p = 0; p < pages; p++) {
        const e = buf.readBigUInt64LE(p * 8);
        if (e >> 63n) into.add(e & ((1n << 55n) - 1n));
      }
    }
  } catch { /* gone */ } finally { if (fd !== undefined) closeSync(fd); }
}

const dir = mkdtempSync('/tmp/hn-bmem-');
chmodSync(dir, 0o755);
const procs = [];
function stopAll() {
  for (const p of procs) {
    for (const k of childPids(p.pid)) try { process.kill(k, 'SIGKILL'); } catch { /* gone */ }
    try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ }
  }
  procs.length = 0;
}
process.on('exit', () => { stopAll(); rmSync(dir, { recursive: true, force: true }); });
process.on('SIGINT', () => process.exit(130));

function stackDir(name, port) {
  const etc = join(dir, `etc-${name}`);
  const state = join(dir, `state-${name}`);
  const run = join(dir, `run-${name}`);
  for (const d of [etc, state, run]) mkdirSync(d);
  const files = {
    'ups.conf': '[u]\n\tdriver = dummy-ups\n\tport = u.dev\n', 'u.dev': 'battery.charge: 100\nups.status: OL\n',
    'upsd.conf': `LISTEN 127.0.0.1 ${port}\n`, 'upsd.users': '[mon]\n\tpassword = monpass\n\tupsmon primary\n',
    'upsmon.conf': `MONITOR u@127.0.0.1:${port} 1 mon monpass primary\nMINSUPPLIES 1\nSHUTDOWNCMD /bin/true\nPOLLFREQ 2\nPOLLFREQALERT 2\n`,
  };
  for (const [f, text] of Object.entries(files)) { writeFileSync(join(etc, f), text); chownSync(join(etc, f), 0, NUT_GID); chmodSync(join(etc, f), 0o640); }
  chownSync(etc, 0, NUT_GID); chmodSync(etc, 0o750);
  chownSync(state, NUT_UID, NUT_GID); chmodSync(state, 0o770);
  chmodSync(run, 0o777);
  return {
    etc, state,
    env: {
      ...process.env, NUT_CONFPATH: etc, NUT_STATEPATH: state, NUT_ALTPIDPATH: run,
      // no shutdown helper here: SHUTDOWNCMD as an argv. The environment, not upsmon.conf's
      // SHUTDOWNMETHOD (372bd9b), so that a BEFORE_REV older than the directive runs too
      HARDNUT_UPSMON_JAIL: join(dir, `jail-${name}`), HARDNUT_WALL_PATH: '/bin/true', HARDNUT_SHUTDOWN_METHOD: 'command',
    },
  };
}
function start(cmd, args, env, tag) {
  const p = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  p.stderr.on('data', (d) => { err = (err + d).slice(-4000); });
  p.on('exit', (code, sig) => { if (procs.includes(p)) console.error(`${tag} exited (${sig ?? code}): ${err.trim().split('\n').slice(-3).join(' | ')}`); });
  procs.push(p);
  return p;
}

/** Starts one stack, waits WARM_S, samples for IDLE_S; returns per-role medians and the distinct frames. */
async function measure(name, kind, hardnut) {
  if (kind === 'floor') return measureFloor(name);
  const port = await freePort();
  const s = stackDir(name, port);
  const node = (args) => [process.execPath, [...HN_NODE_ARGS, hardnut, ...args]];
  const cmd = kind === 'nut'
    ? { driver: [NUT.dummyUps, ['-a', 'u', '-F', '-u', 'nut']], upsd: [NUT.upsd, ['-F', '-u', 'nut']], upsmon: [NUT.upsmon, ['-F', '-P', NO_SUCH_PID]] }
    : { driver: node(['dummy-ups', '-a', 'u', '-F', '-u', 'nut']), upsd: node(['upsd', '-F', '-u', 'nut']), upsmon: node(['upsmon', '-F']) };
  const driver = start(...cmd.driver, s.env, `${name} dummy-ups`);
  await waitFor('driver socket', () => existsSync(join(s.state, 'dummy-ups-u')));
  const upsd = start(...cmd.upsd, s.env, `${name} upsd`);
  await waitFor('upsd serving u', async () => (await upsStatus(port)).startsWith('VAR u ups.status "OL'));
  const upsmon = start(...cmd.upsmon, s.env, `${name} upsmon`);
  const roleOf = (k) => { const c = cmdline(k); const i = c.indexOf('--role'); return i < 0 ? undefined : c[i + 1]; };
  const pids = () => {
    const kids = childPids(upsmon.pid);
    return kind === 'nut'
      ? { 'dummy-ups': driver.pid, upsd: upsd.pid, 'upsmon (root parent)': upsmon.pid, 'upsmon (monitor, nut)': kids.find((k) => cmdline(k)[0]?.endsWith('upsmon')) }
      : {
        'dummy-ups': driver.pid, upsd: upsd.pid, 'upsmon (root supervisor)': upsmon.pid, 'upsmon (network child, jailed)': kids.find((k) => roleOf(k) === 'net'), 'upsmon (dispatcher)': kids.find((k) => roleOf(k) === 'dispatch'),
        // the notifier (issue 20 item 6) exists since 2026-12; older revisions measured here have none
        ...(hardnut === HARDNUT ? { 'upsmon (notifier)': kids.find((k) => roleOf(k) === 'notify') } : {}),
      };
  };
  await waitFor('upsmon processes', () => Object.values(pids()).every((p) => p !== undefined && memKb(p) !== undefined));
  await sleep(WARM_S * 1000);
  const samples = {};
  const totals = [];
  const end = Date.now() + IDLE_S * 1000;
  while (Date.now() < end) {
    const set = new Set();
    for (const [role, pid] of Object.entries(pids())) {
      const m = pid === undefined ? undefined : memKb(pid);
      if (m) (samples[role] ??= []).push(m);
      if (pid !== undefined) frames(pid, set);
    }
    totals.push(set.size * PAGE / 1024);
    await sleep(500);
  }
  stopAll();
  await sleep(500);
  const roles = Object.fromEntries(Object.entries(samples).map(([r, xs]) => [r, { rss: med(xs.map((x) => x.rss)), pss: med(xs.map((x) => x.pss)), uss: med(xs.map((x) => x.uss)) }]));
  return { name, roles, distinct: med(totals) };
}

/** FLOOR_PROCS idle Node processes, sampled like a stack: the floor under hardnut's Node processes. */
async function measureFloor(name) {
  const kids = Array.from({ length: FLOOR_PROCS }, (_, i) => start(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], process.env, `${name} ${i}`));
  for (const k of kids) await waitFor('node started', () => memKb(k.pid) !== undefined);
  await sleep(WARM_S * 1000);
  const samples = {};
  const totals = [];
  for (const end = Date.now() + IDLE_S * 1000; Date.now() < end; await sleep(500)) {
    const set = new Set();
    for (const [i, k] of kids.entries()) {
      const m = memKb(k.pid);
      if (m) (samples[`node -e "setInterval(…)" ${i + 1}`] ??= []).push(m);
      frames(k.pid, set);
    }
    totals.push(set.size * PAGE / 1024);
  }
  stopAll();
  await sleep(500);
  const roles = Object.fromEntries(Object.entries(samples).map(([r, xs]) => [r, { rss: med(xs.map((x) => x.rss)), pss: med(xs.map((x) => x.pss)), uss: med(xs.map((x) => x.uss)) }]));
  return { name, roles, distinct: med(totals) };
}

const stacks = [];
stacks.push(await measure('NUT 2.8.0 (C)', 'nut'));
stacks.push(await measure(`Node floor: ${String(FLOOR_PROCS)} idle node`, 'floor'));
for (const rev of BEFORE_REVS) stacks.push(await measure(`hardnut ${rev}${REV_LABEL[rev] ? ` (${REV_LABEL[rev]})` : ''}`, 'hardnut', buildRevision(rev, dir)));
stacks.push(await measure('hardnut (this build)', 'hardnut', HARDNUT));

const mb = (kb) => (kb / 1024).toFixed(1);
const nutVersion = execFileSync('dpkg-query', ['-W', '-f=${Version}', 'nut-server']).toString();
const lines = [];
lines.push(`Measured ${new Date().toISOString().slice(0, 10)} on ${execFileSync('nproc').toString().trim()} cores, Node ${process.version}, Debian NUT ${nutVersion}, as root (every daemon drops to nut; hardnut's upsmon jails its network child)${HN_NODE_ARGS.length ? `, hardnut's node flags: ${HN_NODE_ARGS.join(' ')}` : ''}.`);
lines.push(`Command: \`WARM_S=${WARM_S} IDLE_S=${IDLE_S}${process.env.BEFORE_REV === undefined ? '' : ` BEFORE_REV=${BEFORE_REVS.join(',')}`}${HN_NODE_ARGS.length ? ` HN_NODE_ARGS='${HN_NODE_ARGS.join(' ')}'` : ''} npm run bench:mem\` (bench/mem.mjs). Each stack alone, idle after ${WARM_S} s, medians of samples every 500 ms over ${IDLE_S} s. MB = MiB.`);
lines.push('');
lines.push('| stack | process | RSS MB | PSS MB | USS MB |');
lines.push('|---|---|---:|---:|---:|');
for (const st of stacks) {
  for (const [role, m] of Object.entries(st.roles)) lines.push(`| ${st.name} | ${role} | ${mb(m.rss)} | ${mb(m.pss)} | ${mb(m.uss)} |`);
  const sum = (k) => Object.values(st.roles).reduce((a, m) => a + m[k], 0);
  lines.push(`| **${st.name}** | **total** (distinct pages: **${mb(st.distinct)}**) | ${mb(sum('rss'))} | **${mb(sum('pss'))}** | ${mb(sum('uss'))} |`);
}
const table = lines.join('\n');
console.log(table);
if (!NO_WRITE) writeBenchBlock('mem', 'Memory of the full stack: PSS, hardnut vs NUT', table);
process.exit(0);
