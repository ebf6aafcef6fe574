#!/usr/bin/env node
// Records the fuzz seed corpus test/fuzz/corpus/{net,sock} from the real Debian NUT 2.8.0 on this
// machine (README "Seed corpora"). Run as root after `npm run build`:
//
//   node scripts/fuzz-record-corpus.mjs [OUTDIR]      (default test/fuzz/corpus)
//
// What it records, byte for byte:
//   sock/debian-dummy-ups.{req,rep}   a client's lines to Debian's dummy-ups and its replies
//                                     (DUMPALL of test/fixtures/ups1.dev, PING, SET/INSTCMD …)
//   sock/debian-upsd.{req,rep}        what Debian's upsd sends to a driver socket (DUMPALL, PING,
//                                     SET/INSTCMD with TRACKING) and hardnut dummy-ups' replies,
//                                     through a recording proxy on the socket path upsd opens
//   net/<client>.{req,rep}            Debian's upsc/upsrw/upscmd talking to Debian's upsd over
//                                     TCP, through a recording proxy
//   net/scripted.{req,rep}            one session of protocol commands (errors, LIST, GET, SET,
//                                     INSTCMD, TRACKING, a parse error) to Debian's upsd
//   dummy-ups/upsc-ups{1,2}.dev       upsc's output for both UPSes (the .dev format, §7.2)
// Every process it starts is stopped by pid at the end; everything lives in a /tmp/hn-rec-* dir.

import { spawn, execFile } from 'node:child_process';
import {
  chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync,
} from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = process.argv[2] ?? join(ROOT, 'test/fuzz/corpus');
const HARDNUT = join(ROOT, 'dist/hardnut.js');
const NUT = { upsd: '/lib/nut/upsd', dummyUps: '/lib/nut/dummy-ups', upsc: '/bin/upsc', upsrw: '/bin/upsrw', upscmd: '/bin/upscmd' };
const USER = 'nut';

if (process.getuid?.() !== 0) { console.error('fuzz-record-corpus: run as root (the daemons drop to user nut)'); process.exit(2); }
for (const p of [...Object.values(NUT), HARDNUT]) {
  if (!existsSync(p)) { console.error(`fuzz-record-corpus: missing ${p}`); process.exit(2); }
}

const idOf = (file, name) => {
  for (const line of readFileSync(file, 'latin1').split('\n')) {
    const f = line.split(':');
    if (f[0] === name) return Number(f[2]);
  }
  throw new Error(`no ${name} in ${file}`);
};
const UID = idOf('/etc/passwd', USER);
const GID = idOf('/etc/group', USER);

const procs = [];
const dirs = [];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function dir(files) {
  const root = mkdtempSync('/tmp/hn-rec-');
  dirs.push(root);
  const etc = join(root, 'etc');
  const state = join(root, 'state');
  mkdirSync(etc);
  mkdirSync(state);
  chmodSync(root, 0o755);
  chownSync(etc, 0, GID); chmodSync(etc, 0o750);
  chownSync(state, UID, GID); chmodSync(state, 0o770);
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(etc, name), text);
    chownSync(join(etc, name), 0, GID); chmodSync(join(etc, name), 0o640);
  }
  return { root, etc, state, env: { ...process.env, NUT_CONFPATH: etc, NUT_STATEPATH: state, NUT_ALTPIDPATH: state } };
}

function start(cmd, args, env) {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const exited = new Promise((r) => child.once('exit', r));
  const p = {
    child,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
  procs.push(p);
  return p;
}

async function waitFor(what, fn, ms = 15_000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function run(cmd, args, env) {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, timeout: 20_000 }, (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }));
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/** A proxy that records both directions of every connection into `log` (in connection order). */
function recordingProxy(listenArgs, target, log) {
  const server = net.createServer((c) => {
    const entry = { req: [], rep: [] };
    log.push(entry);
    const u = net.createConnection(target);
    c.on('data', (d) => { entry.req.push(d); u.write(d); });
    u.on('data', (d) => { entry.rep.push(d); c.write(d); });
    c.on('close', () => u.destroy());
    u.on('close', () => c.destroy());
    c.on('error', () => u.destroy());
    u.on('error', () => c.destroy());
  });
  return new Promise((resolve) => server.listen(listenArgs, () => resolve(server)));
}

/** Sends each line, waits for its reply (to END LIST, one line, or quiet), returns both sides. */
async function session(target, lines) {
  const s = net.createConnection(target);
  await new Promise((r, j) => { s.once('connect', r); s.once('error', j); });
  let buf = Buffer.alloc(0);
  s.on('data', (d) => { buf = Buffer.concat([buf, d]); });
  const req = [];
  for (const line of lines) {
    const start = buf.length;
    s.write(line);
    req.push(Buffer.from(line, 'latin1'));
    const done = () => {
      const got = buf.subarray(start).toString('latin1');
      if (/^BEGIN LIST/.test(got)) return /\nEND LIST[^\n]*\n/.test(got);
      return got.includes('\n');
    };
    const end = Date.now() + 400;
    while (!done() && Date.now() < end) await sleep(10);
  }
  s.end();
  await sleep(100);
  s.destroy();
  return { req: Buffer.concat(req), rep: buf };
}

function save(name, data) {
  const path = join(OUT, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, data);
  console.log(`  ${name}: ${data.length} bytes`);
}

const DEV = readFileSync(join(ROOT, 'test/fixtures/ups1.dev'), 'latin1');
const SEQ = 'ups.mfr: Seq Maker\nbattery.charge: 100\nups.status: OL\nTIMER 1\nALARM Replace battery!\nbattery.charge: 40\nups.status: OB DISCHRG\nTIMER 1\nALARM\nups.status: OB LB\nTIMER 1\n';

async function main() {
  // 1. Debian's dummy-ups answering a client on its socket.
  {
    const d = dir({ 'ups.conf': '[ups1]\n\tdriver = dummy-ups\n\tport = ups1.dev\n\tmode = dummy-once\n', 'ups1.dev': DEV });
    const drv = start(NUT.dummyUps, ['-a', 'ups1', '-F', '-u', USER], d.env);
    const sock = join(d.state, 'dummy-ups-ups1');
    await waitFor('Debian dummy-ups socket', () => existsSync(sock));
    await sleep(300);
    const r = await session(sock, [
      'DUMPALL\n', 'PING\n', 'DUMPVALUE ups.status\n', 'DUMPSTATUS\n',
      'SET ups.mfr "New \\"Maker\\" #1" TRACKING 7e3c9a1f-0000-4000-8000-000000000001\n',
      'INSTCMD load.off TRACKING 7e3c9a1f-0000-4000-8000-000000000002\n', 'INSTCMD bogus.cmd\n',
      'NOBROADCAST\n', 'BROADCAST 1\n', 'PING\n',
    ]);
    save('sock/debian-dummy-ups.req', r.req);
    save('sock/debian-dummy-ups.rep', r.rep);
    await drv.stop(); // 2.8.0 spins after a client leaves: stop it now
  }

  // 2. Debian's upsd, reading hardnut's dummy-ups through a recording proxy on the driver socket.
  const port = await freePort();
  const users = '[admin]\n\tpassword = adminpass\n\tactions = SET FSD\n\tinstcmds = ALL\n[monuser]\n\tpassword = monpass\n\tupsmon primary\n';
  const upsConf = 'pollinterval = 1\n[ups1]\n\tdriver = dummy-ups\n\tport = ups1.dev\n\tdesc = "Recorded \\"UPS\\" one"\n[ups2]\n\tdriver = dummy-ups\n\tport = ups2.seq\n';
  const drvDir = dir({ 'ups.conf': upsConf, 'ups1.dev': DEV, 'ups2.seq': SEQ });
  const upsdDir = dir({ 'ups.conf': upsConf, 'upsd.conf': `LISTEN 127.0.0.1 ${port}\n`, 'upsd.users': users });
  for (const ups of ['ups1', 'ups2']) start(process.execPath, [HARDNUT, 'dummy-ups', '-a', ups, '-F', '-u', USER], drvDir.env);
  const sockLog = [];
  for (const ups of ['ups1', 'ups2']) {
    const target = join(drvDir.state, `dummy-ups-${ups}`);
    await waitFor(`hardnut dummy-ups ${ups}`, () => existsSync(target));
    const path = join(upsdDir.state, `dummy-ups-${ups}`);
    await recordingProxy(path, target, ups === 'ups1' ? sockLog : []);
    chmodSync(path, 0o666);
  }
  start(NUT.upsd, ['-F', '-u', USER], upsdDir.env);
  await waitFor('Debian upsd', async () => (await run(NUT.upsc, ['-l', `127.0.0.1:${port}`], upsdDir.env)).code === 0);
  await waitFor('ups1 data', async () => {
    const r = await run(NUT.upsc, [`ups1@127.0.0.1:${port}`, 'ups.status'], upsdDir.env);
    return r.code === 0 && !r.stdout.includes('WAIT');
  });

  // 3. Debian's clients through a recording TCP proxy.
  const proxyPort = await freePort();
  const tcpLog = [];
  await recordingProxy({ port: proxyPort, host: '127.0.0.1' }, { port, host: '127.0.0.1' }, tcpLog);
  const at = (ups) => `${ups}@127.0.0.1:${proxyPort}`;
  const clients = [
    ['upsc-list', NUT.upsc, ['-l', `127.0.0.1:${proxyPort}`]],
    ['upsc-listall', NUT.upsc, ['-L', `127.0.0.1:${proxyPort}`]],
    ['upsc-all', NUT.upsc, [at('ups1')]],
    ['upsc-var', NUT.upsc, [at('ups1'), 'ups.status']],
    ['upsc-bogus', NUT.upsc, [at('ups1'), 'ups.bogus.value']],
    ['upsc-nosuchups', NUT.upsc, [at('nosuch')]],
    ['upsc-clients', NUT.upsc, ['-c', at('ups1')]],
    ['upsrw-list', NUT.upsrw, [at('ups1')]],
    ['upsrw-set', NUT.upsrw, ['-s', 'x.quoted=new "val" #1 \\ end', '-u', 'admin', '-p', 'adminpass', '-w', at('ups1')]],
    ['upsrw-badpass', NUT.upsrw, ['-s', 'ups.mfr=x', '-u', 'admin', '-p', 'wrong', at('ups1')]],
    ['upscmd-list', NUT.upscmd, ['-l', at('ups1')]],
    ['upscmd-run', NUT.upscmd, ['-u', 'admin', '-p', 'adminpass', '-w', at('ups1'), 'load.off']],
    ['upscmd-unknown', NUT.upscmd, ['-u', 'admin', '-p', 'adminpass', at('ups1'), 'no.such.cmd']],
  ];
  for (const [name, cmd, args] of clients) {
    const before = tcpLog.length;
    await run(cmd, args, upsdDir.env);
    await sleep(100);
    const conns = tcpLog.slice(before);
    save(`net/${name}.req`, Buffer.concat(conns.flatMap((c) => c.req)));
    save(`net/${name}.rep`, Buffer.concat(conns.flatMap((c) => c.rep)));
  }

  // upsc's output is the .dev format (spec §7.2): seeds for the dummy-ups target.
  for (const ups of ['ups1', 'ups2']) {
    const r = await run(NUT.upsc, [`${ups}@127.0.0.1:${port}`], upsdDir.env);
    save(`dummy-ups/upsc-${ups}.dev`, Buffer.from(`# upsc ${ups} (Debian NUT 2.8.0 upsd serving hardnut dummy-ups), recorded by scripts/fuzz-record-corpus.mjs\n${r.stdout}`));
  }

  // 4. One scripted session straight to upsd: the protocol's corners.
  const scripted = await session({ port, host: '127.0.0.1' }, [
    'VER\n', 'NETVER\n', 'PROTVER\n', 'HELP\n', 'LIST UPS\n', 'LIST VAR ups1\n', 'LIST VAR ups2\n', 'LIST RW ups1\n',
    'LIST CMD ups1\n', 'LIST ENUM ups1 ups.status\n', 'LIST RANGE ups1 ups.load\n', 'LIST CLIENT ups1\n',
    'GET NUMLOGINS ups1\n', 'GET UPSDESC ups1\n', 'GET VAR ups1 ups.status\n', 'GET VAR ups1 x.quoted\n',
    'GET TYPE ups1 ups.mfr\n', 'GET TYPE ups1 battery.charge\n', 'GET DESC ups1 ups.status\n', 'GET CMDDESC ups1 load.off\n',
    'GET VAR nosuch ups.status\n', 'GET VAR ups1 no.such.var\n', 'LIST VAR\n', 'BOGUS command\n', 'get var ups1 ups.status\n',
    'GET VAR ups1 "a#b"\n', 'GET VAR ups1 ups.load \\\n', '\n', 'SET VAR ups1 ups.mfr x\n', 'INSTCMD ups1 load.off\n',
    'USERNAME admin\n', 'USERNAME again\n', 'PASSWORD adminpass\n', 'LOGIN ups1\n', 'SET VAR ups1 ups.mfr "hello \\"world\\""\n',
    'SET VAR ups1 nosuch.var 1\n', 'INSTCMD ups1 load.off\n', 'INSTCMD ups1 no.such.cmd\n', 'SET TRACKING ON\n',
    'SET VAR ups1 ups.model "Tracked"\n', 'INSTCMD ups1 load.off\n', 'GET TRACKING\n', 'GET TRACKING 00000000-0000-0000-0000-000000000000\n',
    'SET TRACKING OFF\n', 'STARTTLS\n', 'GET VAR ups1 ups.model\n', 'LOGOUT\n',
  ]);
  save('net/scripted.req', scripted.req);
  save('net/scripted.rep', scripted.rep);

  // What Debian's upsd said to the driver (first connection to ups1) and what the driver answered.
  await sleep(1500);
  save('sock/debian-upsd.req', Buffer.concat(sockLog.flatMap((c) => c.req)));
  save('sock/debian-upsd.rep', Buffer.concat(sockLog.flatMap((c) => c.rep)));
}

try {
  await main();
} finally {
  for (const p of procs.reverse()) await p.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
process.exit(0);
