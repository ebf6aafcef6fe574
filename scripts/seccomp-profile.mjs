#!/usr/bin/env node
// Profiles a role's real workload under strace and compares it with its seccomp policy.
//
//   node scripts/seccomp-profile.mjs driver-file [--seconds 20]
//   node scripts/seccomp-profile.mjs upsmon [--seconds 12]   (upsmon-net and dispatcher)
//   node scripts/seccomp-profile.mjs driver-serial [--seconds 20]   (nutdrv_qx and apcsmart)
//   node scripts/seccomp-profile.mjs ioctls <role> <trace.txt>   (a kept trace: KEEP=1)
//
// The driver runs with HARDNUT_SECCOMP=log (nothing is killed), under `strace -f`. Every syscall
// made after the seccomp() call that loaded the filter is what the role needs; the script lists
// the ones its policy lacks (exit 1) and the ones the policy allows but the workload never made.
// ioctl is allowed per request (issue 19): the script also lists the requests made after the
// filter loaded and fails on one the role's policy does not name.
// Needs root (the driver drops to nut as in production), strace, and a build (npm run build).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, chownSync, chmodSync, rmSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

/** The ioctl request names (strace's, the last of "A or B") made after the filter loaded, by pid. */
function ioctlsAfterFilter(text) {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /\bseccomp\(SECCOMP_SET_MODE_FILTER, .*\) = 0$/.test(l));
  const used = new Set();
  for (const l of lines.slice(start + 1)) {
    const m = /^\d+\s+ioctl\(\d+, ([^,)]+)/.exec(l);
    if (m) used.add(m[1].replace(/ <unfinished \.\.\.>$/, '').split(' or ').pop().trim());
  }
  return used;
}

/** The requests a role's policy names (its own and those of the policies it extends). */
function allowedIoctls(r) {
  const p = JSON.parse(readFileSync(join(root, 'policy/seccomp', `${r}.json`), 'utf8'));
  const own = p.allowIf?.ioctl?.equals ?? {};
  return [...(p.extends ?? []).flatMap(allowedIoctls), ...(Array.isArray(own) ? own : Object.keys(own))];
}

/** Prints the requests and exits 1 when one is missing from the policy. */
function reportIoctls(r, used) {
  const allowed = new Set(allowedIoctls(r));
  const missing = [...used].filter((x) => !allowed.has(x)).sort();
  console.log(`ioctl requests: ${[...used].sort().join(' ') || '(none)'}`);
  console.log(`ioctl requests allowed but not used here: ${[...allowed].filter((x) => !used.has(x)).sort().join(' ') || '(none)'}`);
  if (missing.length > 0) { console.log(`MISSING ioctl requests: ${missing.join(' ')}`); return false; }
  return true;
}

const [role = 'driver-file', ...rest] = process.argv.slice(2);
if (role === 'ioctls') {
  const [r, trace] = rest;
  if (!r || !trace) { console.error('usage: seccomp-profile.mjs ioctls <role> <trace.txt>'); process.exit(2); }
  process.exit(reportIoctls(r, ioctlsAfterFilter(readFileSync(trace, 'latin1'))) ? 0 : 1);
}
const seconds = rest[0] === '--seconds' ? Number(rest[1]) : 15;
if (role === 'upsmon' || role === 'upsmon-net' || role === 'dispatcher') {
  // upsmon's two roles share one workload: scripts/seccomp-profile-upsmon.mjs
  await import('./seccomp-profile-upsmon.mjs');
  await new Promise(() => undefined); // it exits by itself
}
if (role === 'driver-serial') {
  // the serial drivers against their simulators: scripts/seccomp-profile-serial.mjs
  await import('./seccomp-profile-serial.mjs');
  await new Promise(() => undefined); // it exits by itself
}
if (role !== 'driver-file') { console.error(`no workload for role ${role} yet`); process.exit(2); }
const dir = mkdtempSync('/tmp/hn-prof-');
const etc = join(dir, 'etc');
const state = join(dir, 'state');
execFileSync('mkdir', ['-p', etc, state]);
writeFileSync(join(etc, 'ups.conf'), '[p]\n\tdriver = dummy-ups\n\tport = p.seq\n');
writeFileSync(join(etc, 'p.seq'), 'ups.status: OL\nbattery.charge: 90\nTIMER 1\nups.status: OB\nALARM Test alarm\nTIMER 1\nALARM\nups.status: OL\n');
const nut = readFileSync('/etc/passwd', 'latin1').split('\n').find((l) => l.startsWith('nut:'))?.split(':');
if (!nut) { console.error('needs the nut user'); process.exit(2); }
chmodSync(dir, 0o755);
chownSync(state, Number(nut[2]), Number(nut[3]));
const trace = join(dir, 'trace.txt');
const env = { ...process.env, NUT_CONFPATH: etc, NUT_STATEPATH: state, NUT_ALTPIDPATH: state, HARDNUT_SECCOMP: 'log' };
const drv = spawn('strace', ['-f', '-qq', '-o', trace, process.execPath, join(root, 'dist/hardnut.js'), 'dummy-ups', '-a', 'p', '-F', '-u', 'nut'], { env, stdio: 'inherit' });
const sock = join(state, 'dummy-ups-p');
for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 100));

const talk = (text, ms = 300) => new Promise((resolve) => {
  const s = net.createConnection(sock);
  s.on('connect', () => s.write(text));
  s.on('error', () => resolve());
  setTimeout(() => { s.destroy(); resolve(); }, ms);
});
const end = Date.now() + seconds * 1000;
while (Date.now() < end) {
  await talk('DUMPALL\nPING\nGETPID\nDUMPVALUE ups.status\nDUMPSTATUS\n');
  await talk('SET battery.charge "50" TRACKING x1\nINSTCMD load.off TRACKING x2\nSET new.var "v"\n');
  await talk('NOBROADCAST\nBROADCAST 1\nLOGOUT\n');
  await talk(`GARBAGE \x01\x02\xff "a#b"\nPING\n`);
  await talk('A'.repeat(40_000)); // over-long line: cut off
}
// signal the driver itself (strace does not pass SIGTERM on), then wait for strace to finish
process.kill(Number(readFileSync(join(state, 'dummy-ups-p.pid'), 'latin1')), 'SIGTERM');
await new Promise((r) => drv.once('exit', r));

const lines = readFileSync(trace, 'latin1').split('\n');
// libseccomp probes the kernel first; the filter is in force after the call that succeeds
const start = lines.findIndex((l) => /\bseccomp\(SECCOMP_SET_MODE_FILTER, .*\) = 0$/.test(l));
if (start < 0) { console.error('the driver never loaded a seccomp filter'); process.exit(1); }
const used = new Set();
for (const l of lines.slice(start + 1)) {
  const m = /^\d+\s+(?:<\.\.\. )?([a-z_0-9]+)[( ]/.exec(l);
  if (m && !['exited', 'killed'].includes(m[1])) used.add(m[1]);
}
const policies = ['node-base', role].map((r) => JSON.parse(readFileSync(join(root, 'policy/seccomp', `${r}.json`), 'utf8')));
const allowed = new Set(policies.flatMap((p) => [...Object.keys(p.allow), ...Object.keys(p.allowIf ?? {})]));
allowed.add('clone3'); // answered with ENOSYS by design
const missing = [...used].filter((s) => !allowed.has(s)).sort();
const unused = [...allowed].filter((s) => !used.has(s)).sort();
console.log(`role ${role}: ${used.size} syscalls used after the filter loaded (${seconds} s of workload)`);
console.log(`used: ${[...used].sort().join(' ')}`);
console.log(`allowed but not used here: ${unused.join(' ') || '(none)'}`);
const ioctlsCovered = reportIoctls(role, ioctlsAfterFilter(lines.join('\n')));
if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
if (missing.length > 0) { console.log(`MISSING from the policy: ${missing.join(' ')}`); process.exit(1); }
if (!ioctlsCovered) process.exit(1);
console.log('the policy covers the workload');
