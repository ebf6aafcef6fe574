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
import { HARDNUT, freePort, startHardnutDriver, startProcess, userArgs, waitFor, waitForSocket, type Proc } from '../support/stack.js';
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

function startUpsmon(d: UpsmonDir, tag: string, lines: string[] = [], monitors = ['LOCALMONITOR u 1'], args: string[] = []): Proc {
  const r = recorder(d, tag);
  const file = join(d.etc, `upsmon-${tag}.conf`);
  writeFileSync(file, [
    ...monitors, 'MINSUPPLIES 1', `NOTIFYCMD ${r.notify}`, `SHUTDOWNCMD ${r.shutdown}`,
    ...TYPES.map((t) => `NOTIFYFLAG ${t} SYSLOG+EXEC`), ...TIMINGS, ...lines, '',
  ].join('\n'));
  if (isRoot()) { chownSync(file, 0, 0); chmodSync(file, 0o600); }
  return track(startProcess(process.execPath, [HARDNUT, 'upsmon', '-F', '-f', file, ...args], hardnutEnv(d, tag)));
}

/** Our own client of the driver socket: when each ups.status value was first published. */
async function observe(path: string): Promise<{ firstSeen(pred: (status: string) => boolean): number | undefined }> {
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
  return { firstSeen: (pred) => seen.find((s) => pred(s.status))?.t };
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
