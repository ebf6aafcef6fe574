// LOCALMONITOR (issue 14): upsmon reading the driver socket itself, no upsd anywhere. Each test
// runs a real driver (hardnut's dummy-ups, or Debian's /lib/nut/dummy-ups) and a real `hardnut
// upsmon` as root (supervisor → jailed monitor → dispatcher as nut). An observer of our own on the
// driver socket notes when the driver really published each status, so the shutdown is timed from
// the driver's OB LB, not from what upsmon saw.
import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, chownSync, linkSync, lchownSync, mkdirSync, readFileSync, readlinkSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { SockDecoder } from '../../src/protocol/sock/decoder.js';
import type { DriverMessage } from '../../src/protocol/sock/messages.js';
import { parseDriverMessage } from '../../src/protocol/sock/parse.js';
import { hasExecutable, hasRefNut, isRoot, refNut, requirePeer, requireRoot, type SkipContext } from '../support/peers.js';
import { HARDNUT, freePort, run, startHardnutDriver, startProcess, userArgs, waitFor, waitForSocket, type Proc } from '../support/stack.js';
import {
  PRIMARY_LOGIN, hardnutEnv, makeUpsmonDir, recorder, sequence, startUpsd, statusField, timeOf, upsdFiles, upsmonChildren, waitForUpsd, type UpsmonDir,
} from '../interop/upsmon-stack.js';

const FINALDELAY_S = 2;
/** POLLFREQ stays long: every reaction faster than it proves the push reached the decision. */
const POLLFREQ_S = 10;
const DEADTIME_S = 4;
const NOCOMMWARNTIME_S = 4;
const TIMINGS = [`POLLFREQ ${POLLFREQ_S}`, `POLLFREQALERT ${POLLFREQ_S}`, `FINALDELAY ${FINALDELAY_S}`, `DEADTIME ${DEADTIME_S}`, `NOCOMMWARNTIME ${NOCOMMWARNTIME_S}`];
const TYPES = ['ONLINE', 'ONBATT', 'LOWBATT', 'FSD', 'COMMOK', 'COMMBAD', 'NOCOMM', 'SHUTDOWN'];
/** OL while upsmon starts; OB; OB LB; then nothing changes (the shutdown must come once). */
const OUTAGE = 'battery.charge: 100\nups.status: OL\nTIMER 5\nbattery.charge: 40\nups.status: OB DISCHRG\nTIMER 3\nbattery.charge: 5\nups.status: OB DISCHRG LB\nTIMER 300\n';
const STEADY = 'battery.charge: 100\nups.status: OL\n';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });
const track = (p: Proc): Proc => { cleanups.push(() => p.stop()); return p; };

function requireStack(ctx: SkipContext): void {
  requireRoot(ctx, 'root: the monitor is jailed as nobody and the drivers drop to nut (CI runs as root)');
  requirePeer(ctx, hasExecutable(HARDNUT), 'a build (npm run build)');
}

/** A stack directory: ups.conf with one dummy-ups UPS `u` on `file`. */
function stackDir(file: string, text: string): UpsmonDir {
  const d = makeUpsmonDir({ 'ups.conf': `pollinterval = 1\n[u]\n\tdriver = dummy-ups\n\tport = ${file}\n`, [file]: text });
  cleanups.push(() => d.cleanup());
  return d;
}

function startUpsmon(d: UpsmonDir, tag: string, lines: string[] = [], monitors = ['LOCALMONITOR u 1'], args: string[] = [], env: NodeJS.ProcessEnv = {}): Proc {
  const file = writeUpsmonConf(d, tag, lines, monitors);
  return track(startProcess(process.execPath, [HARDNUT, 'upsmon', '-F', '-f', file, ...args], hardnutEnv(d, tag, env)));
}

/** upsmon-<tag>.conf with these MONITOR/LOCALMONITOR lines (written again for a reload). */
function writeUpsmonConf(d: UpsmonDir, tag: string, lines: string[], monitors: string[]): string {
  const r = recorder(d, tag);
  const file = join(d.etc, `upsmon-${tag}.conf`);
  writeFileSync(file, [
    ...monitors, 'MINSUPPLIES 1', `NOTIFYCMD ${r.notify}`, `SHUTDOWNCMD ${r.shutdown}`,
    ...TYPES.map((t) => `NOTIFYFLAG ${t} SYSLOG+EXEC`), ...TIMINGS, ...lines, '',
  ].join('\n'));
  if (isRoot()) { chownSync(file, 0, 0); chmodSync(file, 0o600); }
  return file;
}

/** Our own client of the driver socket: when each ups.status value was first published. */
async function observe(path: string): Promise<{ firstSeen(pred: (status: string) => boolean, after?: number): number | undefined }> {
  const seen: Array<{ t: number; status: string }> = [];
  const sock = net.createConnection({ path });
  await new Promise<void>((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
  const decoder = new SockDecoder<DriverMessage>(parseDriverMessage);
  sock.on('data', (b: Buffer) => {
    const t = Date.now();
    for (const m of decoder.push(b).messages) if (m.type === 'SETINFO' && m.name === 'ups.status') seen.push({ t, status: m.value });
  });
  sock.on('error', () => undefined);
  sock.write('DUMPALL\n');
  // closed only after the driver is stopped (Debian's 2.8.0 dummy-ups spins after a client leaves)
  cleanups.unshift(() => { sock.destroy(); });
  return { firstSeen: (pred, after = 0) => seen.find((s) => s.t >= after && pred(s.status))?.t };
}

const hasLb = (s: string): boolean => s.split(' ').includes('OB') && s.split(' ').includes('LB');

async function outage(kind: 'hardnut' | 'debian', args: string[] = []): Promise<void> {
  const d = stackDir('u.seq', OUTAGE);
  const sockPath = join(d.state, 'dummy-ups-u');
  const driver = track(kind === 'hardnut' ? startHardnutDriver(d, 'dummy-ups', 'u') : startProcess(refNut.dummyUps, ['-a', 'u', '-F', ...userArgs()], d.env));
  await waitForSocket(sockPath);
  const obs = await observe(sockPath);
  const p = startUpsmon(d, 'lm', [], undefined, args);
  const done = await waitFor('SHUTDOWNCMD', () => timeOf(d.events(), 'lm', 'SHUTDOWNCMD'), 40_000, 50)
    .catch((e: unknown) => { throw new Error(`${(e as Error).message}\n${p.output()}\n${driver.output()}`); });
  const lbAt = obs.firstSeen(hasLb);
  expect(lbAt, 'the driver published OB LB').toBeDefined();
  const ev = d.events();
  expect(sequence(ev, 'lm', TYPES), p.output()).toEqual(['ONBATT', 'FSD', 'LOWBATT', 'SHUTDOWN', 'SHUTDOWNCMD']);
  // the order the monitor decided in (its log), which one NOTIFYCMD per event cannot show
  const order = [...p.output().matchAll(/UPS u on battery|UPS u battery is low|UPS u: forced shutdown in progress|Auto logout and shutdown proceeding/g)].map((m) => m[0]);
  expect(order).toEqual(['UPS u on battery', 'UPS u battery is low', 'UPS u: forced shutdown in progress', 'Auto logout and shutdown proceeding']);
  expect(done - (lbAt as number), 'SHUTDOWNCMD within FINALDELAY + 0.5 s of the driver\'s OB LB').toBeLessThanOrEqual(FINALDELAY_S * 1000 + 500);
  expect(done - (lbAt as number)).toBeGreaterThanOrEqual(FINALDELAY_S * 1000 - 100);
  // ONBATT came from the push too: well before the next POLLFREQ
  const obAt = obs.firstSeen((s) => s.split(' ').includes('OB')) as number;
  expect((timeOf(ev, 'lm', 'ONBATT') as number) - obAt).toBeLessThan(1500);
  await waitFor('upsmon to exit after the shutdown', () => p.child.exitCode !== null, 15_000, 50);
  expect(p.child.exitCode, 'upsmon exits after the shutdown').toBe(0);
  expect(ev.filter((e) => e.type === 'SHUTDOWNCMD')).toHaveLength(1);
}

describe('LOCALMONITOR: an outage straight from the driver socket, no upsd', () => {
  it("hardnut's dummy-ups: ONBATT, LOWBATT, FSD, SHUTDOWN in order; the shutdown FINALDELAY after OB LB", async (ctx) => {
    requireStack(ctx);
    await outage('hardnut');
  }, 90_000);

  it('upsmon -p (one process, NUT compatibility) connects to the socket itself: the same', async (ctx) => {
    requireStack(ctx);
    await outage('hardnut', ['-p']);
  }, 90_000);

  it("Debian's dummy-ups (a real NUT driver): the same", async (ctx) => {
    requireStack(ctx);
    requirePeer(ctx, hasRefNut(), "Debian's NUT (apt-get install nut-server)");
    await outage('debian');
  }, 90_000);
});

describe('LOCALMONITOR: the driver goes away and comes back', () => {
  it('killed: COMMBAD at once, NOCOMM after NOCOMMWARNTIME; restarted: COMMOK with fresh data', async (ctx) => {
    requireStack(ctx);
    const d = stackDir('u.dev', STEADY);
    const sockPath = join(d.state, 'dummy-ups-u');
    const first = startHardnutDriver(d, 'dummy-ups', 'u');
    await waitForSocket(sockPath);
    const p = startUpsmon(d, 'c');
    await waitFor('the monitor connected', () => /connected to the driver socket/.test(p.output()), 20_000, 50);
    const killedAt = Date.now();
    await first.stop('SIGKILL');
    const bad = await waitFor('COMMBAD', () => timeOf(d.events(), 'c', 'COMMBAD'), 20_000, 50);
    expect(bad - killedAt, 'COMMBAD from the lost connection, not at the next POLLFREQ').toBeLessThan(2000);
    const nocomm = await waitFor('NOCOMM', () => timeOf(d.events(), 'c', 'NOCOMM'), 40_000, 100);
    expect(nocomm - killedAt).toBeGreaterThanOrEqual(NOCOMMWARNTIME_S * 1000 - 1000);
    // fresh data: the restarted driver publishes OB, which the monitor must see after COMMOK
    writeFileSync(join(d.etc, 'u.dev'), 'battery.charge: 50\nups.status: OB DISCHRG\n');
    const restartedAt = Date.now();
    track(startHardnutDriver(d, 'dummy-ups', 'u'));
    const ok = await waitFor('COMMOK', () => timeOf(d.events(), 'c', 'COMMOK'), 30_000, 50)
      .catch((e: unknown) => { throw new Error(`${(e as Error).message}\n${p.output()}`); });
    expect(ok).toBeGreaterThan(restartedAt);
    const ob = await waitFor('ONBATT with the new data', () => timeOf(d.events(), 'c', 'ONBATT'), 20_000, 50);
    expect(ob).toBeGreaterThanOrEqual(ok - 600);
    expect(sequence(d.events(), 'c', TYPES)).toEqual(['COMMBAD', 'NOCOMM', 'COMMOK', 'ONBATT']);
  }, 120_000);
});

describe('LOCALMONITOR: the jailed reader', () => {
  it('runs as nobody in its chroot under seccomp, and no upsmon process has an Internet socket', async (ctx) => {
    requireStack(ctx);
    const d = stackDir('u.dev', STEADY);
    track(startHardnutDriver(d, 'dummy-ups', 'u'));
    await waitForSocket(join(d.state, 'dummy-ups-u'));
    const p = startUpsmon(d, 'j');
    const kids = await upsmonChildren(p.child.pid as number);
    await waitFor('the monitor connected', () => /connected to the driver socket/.test(p.output()), 20_000, 50);
    const status = readFileSync(`/proc/${String(kids.net)}/status`, 'latin1');
    expect(statusField(status, 'Seccomp')).toBe('2');
    expect(statusField(status, 'NoNewPrivs')).toBe('1');
    const nobody = readFileSync('/etc/passwd', 'latin1').split('\n').find((l) => l.startsWith('nobody:'))?.split(':')[2];
    expect(statusField(status, 'Uid').split(/\s+/)).toEqual([nobody, nobody, nobody, nobody]);
    expect(readlinkSync(`/proc/${String(kids.net)}/root`)).toBe(join(d.root, 'jail-j'));
    // every socket any upsmon process holds is a Unix socket: none is in /proc/net/tcp*/udp*
    const inet = new Set<string>();
    for (const f of ['tcp', 'tcp6', 'udp', 'udp6', 'raw', 'raw6']) {
      for (const line of readFileSync(`/proc/net/${f}`, 'latin1').split('\n').slice(1)) {
        const inode = line.trim().split(/\s+/)[9];
        if (inode !== undefined && inode !== '0') inet.add(inode);
      }
    }
    const unix = new Set(readFileSync('/proc/net/unix', 'latin1').split('\n').slice(1).map((l) => l.trim().split(/\s+/)[6]).filter((x): x is string => x !== undefined));
    let sockets = 0;
    for (const pid of [p.child.pid as number, kids.net, kids.dispatch, kids.notify]) {
      for (const fd of readdirSync(`/proc/${String(pid)}/fd`)) {
        let target: string;
        try { target = readlinkSync(`/proc/${String(pid)}/fd/${fd}`); } catch { continue; }
        const m = /^socket:\[(\d+)\]$/.exec(target);
        if (!m) continue;
        sockets++;
        expect(inet.has(m[1] as string), `pid ${String(pid)} fd ${fd} is an Internet socket`).toBe(false);
        expect(unix.has(m[1] as string), `pid ${String(pid)} fd ${fd} is a Unix socket`).toBe(true);
      }
    }
    expect(sockets).toBeGreaterThan(2);
  }, 60_000);
});

describe('LOCALMONITOR: root connects only to the driver socket', () => {
  it('a symlink or hard link planted in the state directory (writable by nut) does not lead root to another socket', async (ctx) => {
    requireStack(ctx);
    const d = makeUpsmonDir({ 'ups.conf': '[s]\n\tdriver = dummy-ups\n\tport = s.dev\n[h]\n\tdriver = dummy-ups\n\tport = h.dev\n' });
    cleanups.push(() => d.cleanup());
    // a root-only socket elsewhere: what the attacker wants root to talk to
    const secret = join(d.root, 'secret');
    mkdirSync(secret, { mode: 0o700 });
    const victim = join(secret, 'victim.sock');
    let connections = 0;
    const server = net.createServer((c) => { connections++; c.destroy(); });
    await new Promise<void>((resolve) => server.listen(victim, resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    // the attacker (nut, who owns the state directory) names the driver sockets after it
    const nut = readFileSync('/etc/passwd', 'latin1').split('\n').find((l) => l.startsWith('nut:'))?.split(':').slice(2, 4).map(Number) as [number, number];
    symlinkSync(victim, join(d.state, 'dummy-ups-s'));
    lchownSync(join(d.state, 'dummy-ups-s'), nut[0], nut[1]);
    // (fs.protected_hardlinks stops nut from linking a root-owned socket; root makes the link here to test the check behind it)
    linkSync(victim, join(d.state, 'dummy-ups-h'));
    const p = startUpsmon(d, 'x', [], ['LOCALMONITOR s 1', 'LOCALMONITOR h 0']);
    await waitFor('both refusals', () => /LOCALMONITOR s: not connecting: .*symlink/.test(p.output()) && /LOCALMONITOR h: not connecting: .*2 links/.test(p.output()), 20_000, 50)
      .catch((e: unknown) => { throw new Error(`${(e as Error).message}\n${p.output()}`); });
    // retried with backoff, refused every time
    await waitFor('a retry', () => (p.output().match(/LOCALMONITOR s: not connecting/g) ?? []).length >= 2, 20_000, 50);
    expect(connections, 'root never connected to the planted socket').toBe(0);
    expect(timeOf(d.events(), 'x', 'COMMOK')).toBeUndefined();
    // control: the socket does accept connections
    await new Promise<void>((resolve, reject) => { const c = net.createConnection({ path: victim }, () => { c.destroy(); resolve(); }); c.on('error', reject); });
    await waitFor('the control connection', () => connections === 1, 5_000, 20);
  }, 60_000);
});

describe('LOCALMONITOR beside MONITOR', () => {
  it('one monitor (role upsmon-net) reads upsd for one UPS and a driver socket for the other; a pushed change is seen at once', async (ctx) => {
    requireStack(ctx);
    const port = await freePort();
    const d = makeUpsmonDir({
      'ups.conf': 'pollinterval = 1\n[n]\n\tdriver = dummy-ups\n\tport = n.dev\n[l]\n\tdriver = dummy-ups\n\tport = l.dev\n',
      'n.dev': STEADY, 'l.dev': STEADY, ...upsdFiles(port),
    });
    cleanups.push(() => d.cleanup());
    track(startHardnutDriver(d, 'dummy-ups', 'n'));
    track(startHardnutDriver(d, 'dummy-ups', 'l'));
    await waitForSocket(join(d.state, 'dummy-ups-n'));
    await waitForSocket(join(d.state, 'dummy-ups-l'));
    track(startUpsd('hardnut', d));
    await waitForUpsd(port, ['n'], d.env);
    const p = startUpsmon(d, 'm', [], [`MONITOR n@127.0.0.1:${String(port)} 1 ${PRIMARY_LOGIN[0]} ${PRIMARY_LOGIN[1]} primary`, 'LOCALMONITOR l 1']);
    const kids = await upsmonChildren(p.child.pid as number);
    await waitFor('the monitor connected to l', () => /UPS \[l\]: connected to the driver socket/.test(p.output()), 20_000, 50);
    const status = readFileSync(`/proc/${String(kids.net)}/status`, 'latin1');
    expect(statusField(status, 'Seccomp')).toBe('2');
    const obs = await observe(join(d.state, 'dummy-ups-l'));
    writeFileSync(join(d.etc, 'l.dev'), 'battery.charge: 60\nups.status: OB DISCHRG\n');
    const ob = await waitFor('ONBATT for l', () => d.events().find((e) => e.tag === 'm' && e.type === 'ONBATT' && e.ups === 'l')?.t, 30_000, 50)
      .catch((e: unknown) => { throw new Error(`${(e as Error).message}\n${p.output()}`); });
    const pushed = obs.firstSeen((st) => st.split(' ').includes('OB')) as number;
    expect(ob - pushed, 'ONBATT from the push, not at POLLFREQ').toBeLessThan(1500);
    expect(d.events().filter((e) => e.tag === 'm' && e.type === 'COMMBAD')).toEqual([]);
    expect(p.output()).not.toMatch(/network child ended/);
  }, 90_000);
});

// Issue 14 (localmon2): Node's IPC channel from the jailed child to root is bounded. The attack
// model: code running in the real network child after it confined itself (a module preloaded
// through NODE_OPTIONS, which upsmon's children inherit; no hook in hardnut), writing on its real
// IPC descriptor (fd 4) with the child's own rights when the test signals it.
describe('LOCALMONITOR: the IPC channel to root is bounded', () => {
  it('an endless message or a flood from the jailed child: root reads no more than the bound, kills it and restarts; a message under the bound is served', async (ctx) => {
    requireStack(ctx);
    const d = stackDir('u.dev', STEADY);
    track(startHardnutDriver(d, 'dummy-ups', 'u'));
    await waitForSocket(join(d.state, 'dummy-ups-u'));
    const exploit = join(d.root, 'exploit.mjs');
    writeFileSync(exploit, [
      "import { writeSync } from 'node:fs';",
      "const at = process.argv.indexOf('--role');",
      "if (at >= 0 && process.argv[at + 1] === 'net') {",
      "  const say = (m) => process.stderr.write(`exploit: uid ${process.getuid()} ${m}\\n`);",
      '  // a message that never ends: 64 MiB with no newline, as fast as the socket takes it',
      "  process.on('SIGUSR2', () => {",
      "    const chunk = Buffer.alloc(65536, 0x41);",
      "    chunk.write('{\"t\":\"local-connect\",\"ups\":\"');",
      '    let sent = 0;',
      '    const pump = () => {',
      "      try { sent += writeSync(4, chunk); } catch (e) { if (e.code !== 'EAGAIN') { say(`stopped after ${sent} bytes: ${e.code}`); return; } }",
      "      if (sent < 64 * 1024 * 1024) setImmediate(pump); else say('wrote 64 MiB');",
      '    };',
      "    say('starts an endless message');",
      '    pump();',
      '  });',
      "  // a message just under the bound, then a real request: both must be served",
      "  process.on('SIGURG', () => { process.send({ t: 'local-connect', ups: 'nope', pad: 'x'.repeat(4000) }); process.send({ t: 'local-connect', ups: 'u' }); say('sent a long request'); });",
      "  // many small messages at once",
      "  process.on('SIGWINCH', () => { for (let i = 0; i < 1000; i++) process.send({ t: 'local-connect', ups: 'nope' }); say('sent a flood'); });",
      '}',
      '',
    ].join('\n'));
    const nodeOptions = [process.env['NODE_OPTIONS'], `--import=file://${exploit}`].filter((o) => o).join(' ');
    const p = startUpsmon(d, 'ipc', [], undefined, [], { NODE_OPTIONS: nodeOptions });
    const sup = p.child.pid as number;
    const connects = (): number => (p.output().match(/UPS \[u\]: connected to the driver socket/g) ?? []).length;
    /** The pair once its network child is jailed, filtered and connected: only then is it attacked. */
    const confined = (other?: number): Promise<{ net: number; dispatch: number }> => waitFor('a confined, connected network child', async () => {
      const k = await upsmonChildren(sup);
      if (k.net === other) return undefined;
      let st = '';
      try { st = readFileSync(`/proc/${String(k.net)}/status`, 'latin1'); } catch { return undefined; }
      return statusField(st, 'Seccomp') === '2' && statusField(st, 'Uid').startsWith('65534') && connects() > 0 ? k : undefined;
    }, 30_000, 100);
    const hwm = (): number => Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${String(sup)}/status`, 'latin1'))?.[1]);

    const first = await confined();
    const hwmBefore = hwm();
    process.kill(first.net, 'SIGUSR2');
    await waitFor('the supervisor kills the child', () => /upsmon: the network child sent an IPC message longer than 4096 bytes: killing it/.test(p.output()) || undefined, 20_000, 50)
      .catch((e: unknown) => { throw new Error(`${(e as Error).message}\n${p.output()}`); });
    expect(p.output()).toMatch(/exploit: uid 65534 starts an endless message/);
    expect(p.output()).not.toMatch(/exploit: uid 65534 wrote 64 MiB/);
    // root buffered at most the bound (and a read), not the megabytes the child wrote
    expect(hwm() - hwmBefore, 'the supervisor\'s peak memory grew by less than 16 MiB').toBeLessThan(16 * 1024);
    const before = connects();
    const second = await confined(first.net);
    await waitFor('the new child connected', () => connects() > before || undefined, 20_000, 50);

    // control: a message just under the bound is parsed, and the request after it is served
    const served = connects();
    process.kill(second.net, 'SIGURG');
    await waitFor('the request after the long one served', () => connects() > served || undefined, 20_000, 50)
      .catch((e: unknown) => { throw new Error(`${(e as Error).message}\n${p.output()}`); });
    expect((await upsmonChildren(sup)).net).toBe(second.net);

    // a flood of small messages goes over the per-second budget
    process.kill(second.net, 'SIGWINCH');
    await waitFor('the supervisor kills the flooding child', () => /upsmon: the network child sent more than \d+ IPC messages in a second: killing it/.test(p.output()) || undefined, 20_000, 50)
      .catch((e: unknown) => { throw new Error(`${(e as Error).message}\n${p.output()}`); });
    await confined(second.net);
    // monitoring went on throughout: nothing was lost to the restarts but the connection itself
    expect(d.events().filter((e) => e.tag === 'ipc' && e.type !== 'COMMBAD' && e.type !== 'COMMOK')).toEqual([]);
  }, 120_000);
});

/** The Unix and TCP sockets a process holds; `tcpTo`: its established TCP connections to that port. */
function socketsOf(pid: number, port: number): { inet: number; tcpTo: number } {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${String(pid)}/fd`)) {
    let target = '';
    try { target = readlinkSync(`/proc/${String(pid)}/fd/${fd}`); } catch { continue; }
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m) inodes.add(m[1] as string);
  }
  let inet = 0;
  let tcpTo = 0;
  for (const f of ['tcp', 'tcp6', 'udp', 'udp6']) {
    for (const line of readFileSync(`/proc/net/${f}`, 'latin1').split('\n').slice(1)) {
      const c = line.trim().split(/\s+/);
      if (c[9] === undefined || !inodes.has(c[9])) continue;
      inet++;
      if (f.startsWith('tcp') && c[3] === '01' && Number.parseInt(c[2]?.split(':')[1] ?? '', 16) === port) tcpTo++;
    }
  }
  return { inet, tcpTo };
}

/** A dummy-ups `u` behind hardnut's upsd, and a upsmon reading it first through `first`. */
async function switchStack(tag: string, first: 'local' | 'network', withN = false, extra: string[] = []) {
  const port = await freePort();
  const n = withN ? '[n]\n\tdriver = dummy-ups\n\tport = n.dev\n' : '';
  const d = makeUpsmonDir({ 'ups.conf': `pollinterval = 1\n[u]\n\tdriver = dummy-ups\n\tport = u.dev\n${n}`, 'u.dev': STEADY, 'n.dev': STEADY, ...upsdFiles(port) });
  cleanups.push(() => d.cleanup());
  const dev = join(d.etc, 'u.dev');
  const sockPath = join(d.state, 'dummy-ups-u');
  track(startHardnutDriver(d, 'dummy-ups', 'u'));
  if (withN) track(startHardnutDriver(d, 'dummy-ups', 'n'));
  await waitForSocket(sockPath);
  if (withN) await waitForSocket(join(d.state, 'dummy-ups-n'));
  track(startUpsd('hardnut', d));
  await waitForUpsd(port, withN ? ['u', 'n'] : ['u'], d.env);
  const obs = await observe(sockPath);
  const network = `u@127.0.0.1:${String(port)}`;
  const local = 'LOCALMONITOR u 1';
  const monitor = `MONITOR ${network} 1 ${PRIMARY_LOGIN[0]} ${PRIMARY_LOGIN[1]} primary`;
  /** With n: a MONITOR beside u (power value 0), so the monitor's role is upsmon-net either way. */
  const others = withN ? [`MONITOR n@127.0.0.1:${String(port)} 0 ${PRIMARY_LOGIN[0]} ${PRIMARY_LOGIN[1]} primary`] : [];
  // POLLFREQ 1 while on upsd (a poll is how MONITOR learns); the push needs none
  const lines = ['POLLFREQ 1', 'POLLFREQALERT 1'];
  const p = startUpsmon(d, tag, [...(first === 'local' && !withN ? [] : lines), ...extra], [...others, first === 'local' ? local : monitor]);
  const sup = p.child.pid as number;
  const env = hardnutEnv(d, tag);
  const connects = (): number => (p.output().match(/UPS \[u\]: connected to the driver socket/g) ?? []).length;
  const fail = (e: unknown): never => { throw new Error(`${(e as Error).message}\n${p.output()}`); };
  const events = (): Array<{ t: number; type: string; ups: string }> => d.events().filter((e) => e.tag === tag).map((e) => ({ t: e.t, type: e.type, ups: e.ups }));
  /** The network child once it is jailed and reads `source`; `other`: the child it must not be. */
  const reading = (source: 'local' | 'network', other?: number): Promise<number> => waitFor(`the network child reading ${source}`, async () => {
    let k;
    try { k = await upsmonChildren(sup, 2_000); } catch { return undefined; }
    if (k.net === other) return undefined;
    let st = '';
    let socks;
    try { st = readFileSync(`/proc/${String(k.net)}/status`, 'latin1'); socks = socketsOf(k.net, port); } catch { return undefined; }
    if (statusField(st, 'Seccomp') !== '2') return undefined;
    const base = withN ? 1 : 0;
    if (source === 'network') return socks.tcpTo === base + 1 ? k.net : undefined;
    return socks.inet === base && socks.tcpTo === base && connects() > 0 ? k.net : undefined;
  }, 30_000, 100);
  return { d, p, dev, obs, port, sup, env, network, local, monitor, others, lines, connects, fail, events, reading };
}

// Issue 14 (localmon2): a reload switches a UPS between LOCALMONITOR and MONITOR, both ways, on the
// real upsmon as root: the new source is the one used, the switch itself notifies nothing, each
// later change is notified once through the new source, and an OB LB after it still shuts down.
describe('LOCALMONITOR: a reload switches the source', () => {
  it('LOCALMONITOR → MONITOR (upsmon -c reload) → LOCALMONITOR (SIGHUP): the connection to upsd comes and goes; OB, OL, OB LB are each notified once through the source in use', async (ctx) => {
    requireStack(ctx);
    const { d, p, dev, obs, port, sup, env, network, local, monitor, lines, connects, fail, events, reading } = await switchStack('rl', 'local');

    const first = await reading('local');
    expect(socketsOf(first, port).inet, 'LOCALMONITOR: no Internet socket').toBe(0);

    // → MONITOR, by `upsmon -c reload`
    writeUpsmonConf(d, 'rl', lines, [monitor]);
    expect((await run(process.execPath, [HARDNUT, 'upsmon', '-c', 'reload'], env)).code).toBe(0);
    const second = await reading('network', first).catch(fail);
    // the driver's changes now reach the decision through upsd: once each
    writeFileSync(dev, 'battery.charge: 60\nups.status: OB DISCHRG\n');
    await waitFor('ONBATT through upsd', () => events().some((e) => e.type === 'ONBATT'), 20_000, 50).catch(fail);
    writeFileSync(dev, STEADY);
    await waitFor('ONLINE through upsd', () => events().some((e) => e.type === 'ONLINE'), 20_000, 50).catch(fail);
    expect(socketsOf(second, port).tcpTo, 'one connection to upsd').toBe(1);

    // → LOCALMONITOR again, by SIGHUP
    const before = connects();
    writeUpsmonConf(d, 'rl', [], [local]);
    process.kill(sup, 'SIGHUP');
    const third = await waitFor('the local source again', async () => {
      const n = await reading('local', second);
      return connects() > before ? n : undefined;
    }, 30_000, 100).catch(fail);
    expect(socketsOf(third, port), 'the connection to upsd is gone, no Internet socket').toEqual({ inet: 0, tcpTo: 0 });
    // an outage through the driver socket: pushed, and the shutdown FINALDELAY after OB LB
    const outageAt = Date.now();
    writeFileSync(dev, 'battery.charge: 40\nups.status: OB DISCHRG\n');
    const ob = await waitFor('ONBATT through the driver socket', () => d.events().find((e) => e.tag === 'rl' && e.type === 'ONBATT' && e.ups === 'u')?.t, 20_000, 50).catch(fail);
    const obAt = obs.firstSeen((st) => st === 'OB DISCHRG', outageAt) as number;
    expect(ob - obAt, 'ONBATT from the push, not at POLLFREQ').toBeLessThan(1500);
    writeFileSync(dev, 'battery.charge: 5\nups.status: OB DISCHRG LB\n');
    const done = await waitFor('SHUTDOWNCMD', () => timeOf(d.events(), 'rl', 'SHUTDOWNCMD'), 30_000, 50).catch(fail);
    const lbAt = obs.firstSeen(hasLb) as number;
    expect(done - lbAt, 'SHUTDOWNCMD within FINALDELAY + 0.5 s of the driver\'s OB LB').toBeLessThanOrEqual(FINALDELAY_S * 1000 + 500);
    // every notification once, from the source in use when its change happened; the switches none
    const ev = events().map(({ type, ups }) => ({ type, ups }));
    expect(ev.filter((e) => e.type !== 'FSD' && e.type !== 'LOWBATT' && e.type !== 'SHUTDOWN' && e.type !== 'SHUTDOWNCMD')).toEqual([
      { type: 'ONBATT', ups: network }, { type: 'ONLINE', ups: network }, { type: 'ONBATT', ups: 'u' },
    ]);
    expect(ev.filter((e) => e.type === 'FSD' || e.type === 'LOWBATT').sort((a, b) => a.type.localeCompare(b.type))).toEqual([{ type: 'FSD', ups: 'u' }, { type: 'LOWBATT', ups: 'u' }]);
    expect(ev.filter((e) => e.type === 'SHUTDOWN' || e.type === 'SHUTDOWNCMD').map((e) => e.type)).toEqual(['SHUTDOWN', 'SHUTDOWNCMD']);
    expect(p.output()).not.toMatch(/bad frame|network child ended|network child sent/);
  }, 150_000);

  it('during an outage, LOCALMONITOR → MONITOR: the new MONITOR announces ONBATT once (as NUT does for a newly monitored UPS, and as the dispatcher\'s rule needs), and OB LB then shuts down through upsd', async (ctx) => {
    requireStack(ctx);
    const { d, p, dev, obs, env, network, monitor, lines, fail, events, reading } = await switchStack('ro', 'local');
    const first = await reading('local');
    writeFileSync(dev, 'battery.charge: 40\nups.status: OB DISCHRG\n');
    await waitFor('ONBATT through the driver socket', () => events().some((e) => e.type === 'ONBATT' && e.ups === 'u'), 20_000, 50).catch(fail);
    writeUpsmonConf(d, 'ro', lines, [monitor]);
    expect((await run(process.execPath, [HARDNUT, 'upsmon', '-c', 'reload'], env)).code).toBe(0);
    await reading('network', first).catch(fail);
    await waitFor('ONBATT from the new MONITOR', () => events().some((e) => e.type === 'ONBATT' && e.ups === network), 20_000, 50).catch(fail);
    const lbWritten = Date.now();
    writeFileSync(dev, 'battery.charge: 5\nups.status: OB DISCHRG LB\n');
    const done = await waitFor('SHUTDOWNCMD', () => timeOf(d.events(), 'ro', 'SHUTDOWNCMD'), 30_000, 50).catch(fail);
    const lbAt = obs.firstSeen(hasLb, lbWritten) as number;
    // through upsd: its next poll (POLLFREQALERT 1 s) sees OB LB, then FINALDELAY
    expect(done - lbAt).toBeLessThanOrEqual(FINALDELAY_S * 1000 + 1000 + 1000);
    const ev = events().map(({ type, ups }) => ({ type, ups }));
    expect(ev.filter((e) => e.type === 'ONBATT' || e.type === 'ONLINE' || e.type.startsWith('COMM') || e.type === 'NOCOMM')).toEqual([
      { type: 'ONBATT', ups: 'u' }, { type: 'ONBATT', ups: network },
    ]);
    expect(ev.filter((e) => e.type === 'FSD' || e.type === 'LOWBATT').sort((a, b) => a.type.localeCompare(b.type))).toEqual([{ type: 'FSD', ups: network }, { type: 'LOWBATT', ups: network }]);
    expect(ev.filter((e) => e.type === 'SHUTDOWN' || e.type === 'SHUTDOWNCMD').map((e) => e.type)).toEqual(['SHUTDOWN', 'SHUTDOWNCMD']);
    expect(p.output()).not.toMatch(/bad frame|network child ended|network child sent/);
  }, 150_000);

  it('beside another MONITOR (no restart: the role stays upsmon-net), MONITOR ↔ LOCALMONITOR in the running monitor: the switch notifies nothing, OB LB after it shuts down', async (ctx) => {
    requireStack(ctx);
    const { d, p, dev, obs, port, sup, env, network, local, monitor, others, lines, connects, fail, events, reading } = await switchStack('rm', 'local', true);
    const first = await reading('local');
    writeUpsmonConf(d, 'rm', lines, [...others, monitor]);
    expect((await run(process.execPath, [HARDNUT, 'upsmon', '-c', 'reload'], env)).code).toBe(0);
    await waitFor('the connection to upsd for u', () => socketsOf(first, port).tcpTo === 2 || undefined, 30_000, 50).catch(fail);
    writeFileSync(dev, 'battery.charge: 60\nups.status: OB DISCHRG\n');
    await waitFor('ONBATT through upsd', () => events().some((e) => e.type === 'ONBATT'), 20_000, 50).catch(fail);
    writeFileSync(dev, STEADY);
    await waitFor('ONLINE through upsd', () => events().some((e) => e.type === 'ONLINE'), 20_000, 50).catch(fail);
    const before = connects();
    writeUpsmonConf(d, 'rm', lines, [...others, local]);
    process.kill(sup, 'SIGHUP');
    await waitFor('the driver socket again, u\'s connection to upsd gone', () => (connects() > before && socketsOf(first, port).tcpTo === 1) || undefined, 30_000, 50).catch(fail);
    expect((await upsmonChildren(sup)).net, 'the same network child throughout').toBe(first);
    const outageAt = Date.now();
    writeFileSync(dev, 'battery.charge: 5\nups.status: OB DISCHRG LB\n');
    const done = await waitFor('SHUTDOWNCMD', () => timeOf(d.events(), 'rm', 'SHUTDOWNCMD'), 30_000, 50).catch(fail);
    expect(done - (obs.firstSeen(hasLb, outageAt) as number)).toBeLessThanOrEqual(FINALDELAY_S * 1000 + 500);
    const ev = events().map(({ type, ups }) => ({ type, ups }));
    expect(ev.filter((e) => e.type !== 'FSD' && e.type !== 'LOWBATT' && e.type !== 'SHUTDOWN' && e.type !== 'SHUTDOWNCMD' && e.type !== 'ONBATT')).toEqual([{ type: 'ONLINE', ups: network }]);
    expect(ev.filter((e) => e.type === 'ONBATT')).toEqual([{ type: 'ONBATT', ups: network }, { type: 'ONBATT', ups: 'u' }]);
    // the forced shutdown sets FSD on every primary, n (through upsd) as well as u
    const n = `n@127.0.0.1:${String(port)}`;
    expect(ev.filter((e) => e.type === 'FSD' || e.type === 'LOWBATT').map((e) => `${e.type} ${e.ups}`).sort()).toEqual([`FSD ${n}`, 'FSD u', 'LOWBATT u']);
    expect(p.output()).not.toMatch(/bad frame|network child ended|network child sent/);
  }, 150_000);

  it('a reload that would switch the source during FINALDELAY is ignored: no restart cuts the shutdown short, SHUTDOWN and SHUTDOWNCMD come once, on time', async (ctx) => {
    requireStack(ctx);
    const finalDelayS = 6;
    const { d, p, dev, obs, env, monitor, lines, fail, events, reading } = await switchStack('rf', 'local', false, [`FINALDELAY ${String(finalDelayS)}`]);
    const first = await reading('local');
    const lbWritten = Date.now();
    writeFileSync(dev, 'battery.charge: 5\nups.status: OB DISCHRG LB\n');
    await waitFor('SHUTDOWN', () => events().some((e) => e.type === 'SHUTDOWN'), 20_000, 50).catch(fail);
    writeUpsmonConf(d, 'rf', lines, [monitor]);
    expect((await run(process.execPath, [HARDNUT, 'upsmon', '-c', 'reload'], env)).code).toBe(0);
    await waitFor('the reload ignored', () => /Reload requested during a forced shutdown: ignored/.test(p.output()) || undefined, 10_000, 50).catch(fail);
    expect((await upsmonChildren(p.child.pid as number)).net, 'the same network child').toBe(first);
    const done = await waitFor('SHUTDOWNCMD', () => timeOf(d.events(), 'rf', 'SHUTDOWNCMD'), 30_000, 50).catch(fail);
    const lbAt = obs.firstSeen(hasLb, lbWritten) as number;
    expect(done - lbAt).toBeGreaterThanOrEqual(finalDelayS * 1000 - 100);
    expect(done - lbAt).toBeLessThanOrEqual(finalDelayS * 1000 + 500);
    expect(events().filter((e) => e.type === 'SHUTDOWN' || e.type === 'SHUTDOWNCMD').map((e) => e.type)).toEqual(['SHUTDOWN', 'SHUTDOWNCMD']);
    expect(p.output()).not.toMatch(/restarting the network child|restarting the dispatcher/);
  }, 120_000);
});
