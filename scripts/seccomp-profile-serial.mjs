#!/usr/bin/env node
// Profiles the driver-serial role (run through `node scripts/seccomp-profile.mjs driver-serial
// [--seconds N]`): hardnut's nutdrv_qx and apcsmart, each against its simulator on a socat pty
// pair (test/sim), backgrounded, as root dropping to nut, with HARDNUT_SECCOMP=log (nothing is killed), under
// strace. The workload: polls, power changes OL → OB → OB LB → OL (alert characters for APC),
// instant commands and SETs through the driver socket, silence, garbage, and the pty unplugged
// and replugged (the driver reopens the port: open, flock, termios and modem-line ioctls).
// Every syscall made after the seccomp() call that loaded the filter is what the role needs.
// Needs root, strace, socat, the nut user and a build (npm run build).
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, existsSync, chownSync, chmodSync, rmSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';

const args = process.argv.slice(2).filter((a) => a !== 'driver-serial');
const seconds = args[0] === '--seconds' ? Number(args[1]) : 20;
const root = new URL('..', import.meta.url).pathname;
const HN = join(root, 'dist/hardnut.js');
const nut = readFileSync('/etc/passwd', 'latin1').split('\n').find((l) => l.startsWith('nut:'))?.split(':');
if (!nut) { console.error('needs the nut user'); process.exit(2); }
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One JSON request to a simulator's control socket. */
const control = (path, req) => new Promise((resolve) => {
  const s = net.createConnection(path);
  let buf = '';
  s.on('connect', () => s.write(`${JSON.stringify(req)}\n`));
  s.on('data', (d) => { buf += d; if (buf.includes('\n')) { s.destroy(); resolve(JSON.parse(buf)); } });
  s.on('error', () => resolve(undefined));
  setTimeout(() => { s.destroy(); resolve(undefined); }, 10_000);
});

/** Lines to the driver socket; whatever comes back within `ms`. */
const talk = (sock, text, ms = 400) => new Promise((resolve) => {
  const s = net.createConnection(sock);
  s.on('connect', () => s.write(text));
  s.on('error', () => resolve());
  setTimeout(() => { s.destroy(); resolve(); }, ms);
});

async function profile(driver, sim, section, workload) {
  const dir = mkdtempSync('/tmp/hn-prof-');
  const etc = join(dir, 'etc');
  const state = join(dir, 'state');
  mkdirSync(etc);
  mkdirSync(state);
  chmodSync(dir, 0o755);
  chownSync(state, Number(nut[2]), Number(nut[3]));
  const device = join(dir, 'ups');
  writeFileSync(join(etc, 'ups.conf'), `[p]\n\tdriver = ${driver}\n\tport = ${device}\n\tpollinterval = 1\n${section}`);
  const simProc = spawn(process.execPath, [join(root, 'test/sim', sim), '--device', device, '--user', 'nut'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => simProc.stdout.once('data', resolve));
  const ctl = `${device}.ctl`;
  const trace = join(dir, 'trace.txt');
  const env = { ...process.env, NUT_CONFPATH: etc, NUT_STATEPATH: state, NUT_ALTPIDPATH: state, HARDNUT_SECCOMP: 'log' };
  // backgrounded, as upsdrvctl starts it: the driver then logs through syslog(3)
  const drv = spawn('strace', ['-f', '-qq', '-o', trace, process.execPath, HN, driver, '-a', 'p', '-u', 'nut'], { env, stdio: 'inherit' });
  const sock = join(state, `${driver}-p`);
  for (let i = 0; i < 300 && !existsSync(sock); i++) await sleep(100);
  const end = Date.now() + seconds * 1000;
  let round = 0;
  while (Date.now() < end) await workload({ sock, ctl, round: round++ });
  process.kill(Number(readFileSync(join(state, `${driver}-p.pid`), 'latin1')), 'SIGTERM');
  await new Promise((r) => drv.once('exit', r));
  simProc.kill('SIGTERM');
  await new Promise((r) => simProc.once('exit', r));
  const used = syscallsAfterFilter(readFileSync(trace, 'latin1'));
  if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
  else console.log(`kept ${dir}`);
  return used;
}

function syscallsAfterFilter(text) {
  const lines = text.split('\n');
  // libseccomp probes the kernel first; the filter is in force after the call that succeeds
  const start = lines.findIndex((l) => /\bseccomp\(SECCOMP_SET_MODE_FILTER, .*\) = 0$/.test(l));
  if (start < 0) { console.error('the driver never loaded a seccomp filter'); process.exit(1); }
  const used = new Set();
  for (const l of lines.slice(start + 1)) {
    const m = /^\d+\s+(?:<\.\.\. )?([a-z_0-9]+)[( ]/.exec(l);
    if (m && !['exited', 'killed'].includes(m[1])) used.add(m[1]);
  }
  return used;
}

const qx = await profile('nutdrv_qx', 'q1-ups.mjs', '\tprotocol = megatec\n\tpollfreq = 3\n', async ({ sock, ctl, round }) => {
  await talk(sock, 'DUMPALL\nPING\nINSTCMD beeper.toggle TRACKING a\nSET ups.delay.shutdown "120" TRACKING b\n', 1500);
  await control(ctl, { cmd: 'set', state: { utilityFail: true } });
  await sleep(1200);
  await control(ctl, { cmd: 'set', state: { batteryLow: true } });
  await sleep(1200);
  await control(ctl, { cmd: 'set', state: { utilityFail: false, batteryLow: false } });
  await talk(sock, 'INSTCMD test.battery.start.quick TRACKING c\nINSTCMD shutdown.stop\n', 2500);
  if (round % 2 === 0) {
    await control(ctl, { cmd: 'garble', on: true });
    await control(ctl, { cmd: 'send', data: '\x00\xff(garbage\r' });
    await sleep(2500);
    await control(ctl, { cmd: 'garble', on: false });
  } else {
    await control(ctl, { cmd: 'unplug' });
    await sleep(3000);
    await control(ctl, { cmd: 'replug' });
    await sleep(2500);
  }
});

const apc = await profile('apcsmart', 'apc-smart-ups.mjs', '', async ({ sock, ctl, round }) => {
  await talk(sock, 'DUMPALL\nPING\nINSTCMD test.panel.start TRACKING a\nSET input.transfer.high "264" TRACKING b\nSET ups.id "HN" TRACKING c\n', 3000);
  await control(ctl, { cmd: 'set', state: { power: 'OB' } });
  await sleep(1200);
  await control(ctl, { cmd: 'set', state: { lowBattery: true } });
  await sleep(1200);
  await control(ctl, { cmd: 'set', state: { power: 'OL', lowBattery: false } });
  await talk(sock, 'INSTCMD load.off TRACKING d\n', 500);
  await sleep(3500);
  await talk(sock, 'INSTCMD load.off TRACKING e\nINSTCMD load.on TRACKING f\n', 6000);
  if (round % 2 === 0) {
    await control(ctl, { cmd: 'silent', on: true });
    await sleep(4000);
    await control(ctl, { cmd: 'silent', on: false });
    await control(ctl, { cmd: 'send', data: '!$%+#?=*\n\x00\xff' });
  } else {
    await control(ctl, { cmd: 'unplug' });
    await sleep(3000);
    await control(ctl, { cmd: 'replug' });
    await sleep(4000);
  }
});

const used = new Set([...qx, ...apc]);
const policy = (r) => JSON.parse(readFileSync(join(root, 'policy/seccomp', `${r}.json`), 'utf8'));
const allowed = new Set(['node-base', 'driver-serial'].flatMap((r) => { const p = policy(r); return [...Object.keys(p.allow), ...Object.keys(p.allowIf ?? {})]; }));
allowed.add('clone3'); // answered with ENOSYS by design
const missing = [...used].filter((s) => !allowed.has(s)).sort();
console.log(`role driver-serial: ${used.size} syscalls used after the filter loaded (${seconds} s per driver)`);
console.log(`nutdrv_qx: ${[...qx].sort().join(' ')}`);
console.log(`apcsmart:  ${[...apc].sort().join(' ')}`);
console.log(`allowed but not used here: ${[...allowed].filter((s) => !used.has(s)).sort().join(' ') || '(none)'}`);
if (missing.length > 0) { console.log(`MISSING from the policy: ${missing.join(' ')}`); process.exit(1); }
console.log('the policy covers the workload');
process.exit(0);
