#!/usr/bin/env node
// Profiles upsmon's two sandboxed roles on a real workload, under strace (run through
// `node scripts/seccomp-profile.mjs upsmon [--seconds N] [--tls]`):
//   hardnut dummy-ups (an outage) → hardnut upsd → hardnut upsmon as root, primary, jailed, with
//   HARDNUT_SECCOMP=log (nothing is killed). While on battery upsd is killed and restarted
//   (COMMBAD, reconnects, COMMOK), upsmon is reloaded, then the battery runs low: FSD, NUMLOGINS,
//   SHUTDOWN, the shutdown command, exit. NOTIFYCMD runs for every notification.
// Every syscall a process makes after its seccomp() call is what its role needs:
//   upsmon-net (allowlist): the ones its policy lacks are listed and fail the run;
//   dispatcher (denylist): the refused ones it or its NOTIFYCMDs made are listed and fail the run.
// Needs root, strace, the nut and nobody users, and a build (npm run build).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, chownSync, chmodSync, rmSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';

const args = process.argv.slice(2).filter((a) => a !== 'upsmon');
const seconds = args.includes('--seconds') ? Number(args[args.indexOf('--seconds') + 1]) : 12;
const tls = args.includes('--tls');
const root = new URL('..', import.meta.url).pathname;
const HN = join(root, 'dist/hardnut.js');
const dir = mkdtempSync('/tmp/hn-prof-');
const etc = join(dir, 'etc');
const state = join(dir, 'state');
const out = join(dir, 'out');
const jail = join(dir, 'jail');
for (const d of [etc, state, out]) mkdirSync(d);
const idOf = (user) => readFileSync('/etc/passwd', 'latin1').split('\n').find((l) => l.startsWith(`${user}:`))?.split(':');
const nut = idOf('nut');
if (!nut || !idOf('nobody')) { console.error('needs the nut and nobody users'); process.exit(2); }
const port = await new Promise((resolve) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); }); });
// --tls: upsd with a certificate, upsmon with FORCESSL and CERTVERIFY (a CA read before the jail)
const certDir = join(dir, 'certs');
if (tls) {
  mkdirSync(certDir);
  const ssl = (a) => execFileSync('openssl', a, { cwd: certDir, stdio: 'ignore' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  ssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=profile CA']);
  ssl(['req', ...ec, '-keyout', 'srv.key', '-out', 'srv.csr', '-subj', '/CN=localhost']);
  writeFileSync(join(certDir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  ssl(['x509', '-req', '-in', 'srv.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'srv.crt', '-days', '2', '-extfile', 'ext.cnf']);
  writeFileSync(join(certDir, 'upsd.pem'), readFileSync(join(certDir, 'srv.crt'), 'utf8') + readFileSync(join(certDir, 'srv.key'), 'utf8'));
  chmodSync(certDir, 0o755);
  chmodSync(join(certDir, 'upsd.pem'), 0o644);
}
const files = {
  'ups.conf': 'pollinterval = 1\n[p]\n\tdriver = dummy-ups\n\tport = p.seq\n',
  'p.seq': `ups.status: OL\nTIMER 2\nups.status: OB DISCHRG\nTIMER ${seconds}\nups.status: OB DISCHRG LB\nTIMER 60\n`,
  'upsd.conf': `LISTEN 127.0.0.1 ${port}\n${tls ? `CERTFILE ${join(certDir, 'upsd.pem')}\n` : ''}`,
  'upsd.users': '[mon]\n\tpassword = pass\n\tupsmon primary\n',
  'upsmon.conf': [
    `MONITOR p@127.0.0.1:${port} 1 mon pass primary`, `MONITOR p@localhost:${port} 0 mon pass secondary`,
    `NOTIFYCMD /bin/sh ${out}/notify.sh`, `SHUTDOWNCMD /bin/sh ${out}/notify.sh SHUTDOWNCMD`, 'SHUTDOWNMETHOD command',
    ...(tls ? [`CERTPATH ${join(certDir, 'ca.crt')}`, 'CERTVERIFY 1', 'FORCESSL 1'] : []),
    'POLLFREQ 1', 'POLLFREQALERT 1', 'FINALDELAY 1', 'NOCOMMWARNTIME 2', 'DEADTIME 30', `POWERDOWNFLAG ${out}/killpower`,
    ...['ONLINE', 'ONBATT', 'LOWBATT', 'FSD', 'COMMOK', 'COMMBAD', 'SHUTDOWN', 'NOCOMM'].map((t) => `NOTIFYFLAG ${t} SYSLOG+WALL+EXEC`),
  ].join('\n'),
};
for (const [n, t] of Object.entries(files)) writeFileSync(join(etc, n), `${t}\n`);
writeFileSync(join(out, 'notify.sh'), `echo "$NOTIFYTYPE $UPSNAME $*" >> ${out}/log; logger -t hn-prof "$*" 2>/dev/null; true\n`);
chmodSync(dir, 0o755);
chmodSync(out, 0o777);
chownSync(state, Number(nut[2]), Number(nut[3]));
chownSync(etc, 0, Number(nut[3])); chmodSync(etc, 0o750);
for (const n of Object.keys(files)) { chownSync(join(etc, n), 0, Number(nut[3])); chmodSync(join(etc, n), 0o640); }
const env = { ...process.env, NUT_CONFPATH: etc, NUT_STATEPATH: state, NUT_ALTPIDPATH: state, HARDNUT_UPSMON_JAIL: jail };

const drv = spawn(process.execPath, [HN, 'dummy-ups', '-a', 'p', '-F', '-u', 'nut'], { env, stdio: 'ignore' });
for (let i = 0; i < 100 && !existsSync(join(state, 'dummy-ups-p')); i++) await new Promise((r) => setTimeout(r, 100));
const startUpsd = () => spawn(process.execPath, [HN, 'upsd', '-F', '-u', 'nut'], { env, stdio: 'ignore' });
let upsd = startUpsd();
await new Promise((r) => setTimeout(r, 1500));
const trace = join(dir, 'trace.txt');
const mon = spawn('strace', ['-f', '-qq', '-o', trace, process.execPath, HN, 'upsmon', '-F'], { env: { ...env, HARDNUT_SECCOMP: 'log' }, stdio: 'inherit' });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
await sleep(4000);
upsd.kill('SIGTERM'); // comms lost while on battery
await sleep(3500);
upsd = startUpsd();
await sleep(2500);
execFileSync(process.execPath, [HN, 'upsmon', '-c', 'reload'], { env });
await new Promise((r) => { const t = setTimeout(r, (seconds + 30) * 1000); mon.once('exit', () => { clearTimeout(t); r(); }); });
upsd.kill('SIGTERM');
drv.kill('SIGTERM');
if (mon.exitCode === null) mon.kill('SIGTERM');

// ---- per process: its role, its threads, the calls after its filter ----
const lines = readFileSync(trace, 'latin1').split('\n');
const tgid = new Map(); // tid → process
const role = new Map(); // process → 'net' | 'dispatch' | 'dispatch-child' | other
const filtered = new Set(); // processes whose filter is in force
const unfinished = new Map(); // tid → the first half of a call another thread interrupted
const used = { net: new Set(), dispatch: new Set() };
const socketFamilies = { net: new Set(), dispatch: new Set() };
for (const l of lines) {
  const m = /^(\d+)\s+(.*)$/.exec(l);
  if (!m) continue;
  const tid = Number(m[1]);
  let rest = m[2];
  // strace splits a call that another thread interrupted: join "x(… <unfinished ...>" and "<... x resumed>…)"
  if (rest.endsWith('<unfinished ...>')) { unfinished.set(tid, rest.slice(0, -'<unfinished ...>'.length)); continue; }
  const resumed = /^<\.\.\. [a-z_0-9]+ resumed>(.*)$/.exec(rest);
  if (resumed) { rest = `${unfinished.get(tid) ?? ''}${resumed[1]}`; unfinished.delete(tid); }
  rest = rest.replace(/\s+= (-?\d+|\?)( .*)?$/, ' = $1$2'); // strace pads the result column
  const proc = tgid.get(tid) ?? tid;
  tgid.set(tid, proc);
  const call = /^([a-z_0-9]+)[( ]/.exec(rest)?.[1];
  if (!call || call === 'exited' || call === 'killed') continue;
  const cloned = /^(?:clone3?|fork|vfork)[( ].*\) = (\d+)$/.exec(rest);
  if (cloned) {
    const child = Number(cloned[1]);
    if (/CLONE_THREAD/.test(rest)) tgid.set(child, proc);
    else {
      tgid.set(child, child);
      if (role.get(proc)?.startsWith('dispatch')) role.set(child, 'dispatch-child');
      if (filtered.has(proc)) filtered.add(child);
    }
  }
  if (call === 'execve' && rest.includes('"--role"')) role.set(proc, rest.includes('"net"') ? 'net' : 'dispatch');
  if (call === 'seccomp' && /SECCOMP_SET_MODE_FILTER.*\) = 0$/.test(rest)) { filtered.add(proc); continue; }
  if (!filtered.has(proc)) continue;
  const r = role.get(proc);
  const key = r === 'net' ? 'net' : r?.startsWith('dispatch') ? 'dispatch' : undefined;
  if (!key) continue;
  used[key].add(call);
  const fam = /^socket\((AF_[A-Z0-9]+)/.exec(rest);
  if (fam) socketFamilies[key].add(fam[1]);
}

const policy = (r) => JSON.parse(readFileSync(join(root, 'policy/seccomp', `${r}.json`), 'utf8'));
let failed = false;
// upsmon-net: an allowlist on top of node-base
const allowed = new Set(['node-base', 'upsmon-net'].flatMap((r) => { const p = policy(r); return [...Object.keys(p.allow), ...Object.keys(p.allowIf ?? {})]; }));
allowed.add('clone3');
const missing = [...used.net].filter((s) => !allowed.has(s)).sort();
console.log(`role upsmon-net: ${used.net.size} syscalls after the filter: ${[...used.net].sort().join(' ')}`);
console.log(`  socket families: ${[...socketFamilies.net].join(' ') || '(none)'}`);
console.log(`  allowed but not used here: ${[...allowed].filter((s) => !used.net.has(s)).sort().join(' ')}`);
if (missing.length > 0) { console.log(`  MISSING from the policy: ${missing.join(' ')}`); failed = true; }
// dispatcher: a denylist
const d = policy('dispatcher');
const refused = [...used.dispatch].filter((s) => s in d.deny).sort();
console.log(`role dispatcher (with its NOTIFYCMDs): ${used.dispatch.size} syscalls after the filter: ${[...used.dispatch].sort().join(' ')}`);
console.log(`  socket families: ${[...socketFamilies.dispatch].join(' ') || '(none)'}`);
if (refused.length > 0) { console.log(`  REFUSED by the policy but used: ${refused.join(' ')}`); failed = true; }
const badFamilies = [...socketFamilies.dispatch].filter((f) => f !== 'AF_UNIX');
if (badFamilies.length > 0) { console.log(`  socket families the policy refuses: ${badFamilies.join(' ')}`); failed = true; }
console.log(`notifications: ${existsSync(join(out, 'log')) ? readFileSync(join(out, 'log'), 'utf8').trim().split('\n').map((x) => x.split(' ')[0]).join(' ') : '(none)'}`);
if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
else console.log(`kept ${dir}`);
if (![...filtered].some((p) => role.get(p) === 'net') || ![...filtered].some((p) => role.get(p) === 'dispatch')) { console.error('a role never loaded its filter'); process.exit(1); }
process.exit(failed ? 1 : 0);
