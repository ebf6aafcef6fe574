// hardnut's upsd as a process: privileges, listeners, startup failures, driver staleness, reload,
// MAXCONN, FSD, LOGOUT (issue 3).
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chownSync, mkdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lookupUser } from '../../src/sandbox/drop-privileges.js';
import { isRoot, requirePeer } from '../support/peers.js';
import {
  freePort, makeTestDir, runHardnut, userArgs, waitFor, writeFiles, type Proc, type TestDir,
} from '../support/stack.js';
import { FakeDriver } from './support/fake-driver.js';
import { hasOpenssl, makeCerts } from './support/certs.js';
import { Client, SIMPLE_DUMP, SIMPLE_USERS, ask, startHardnutUpsd, upsConf } from './support/upsd-stack.js';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });
const track = <T extends Proc>(p: T): T => { cleanups.push(() => p.stop()); return p; };

interface Stack { dir: TestDir; port: number; drivers: Map<string, FakeDriver>; upsd: Proc }

async function fake(dir: TestDir, ups: string, dump = SIMPLE_DUMP, dumpDelayMs?: number): Promise<FakeDriver> {
  const d = new FakeDriver(join(dir.state, `dummy-ups-${ups}`), { dump, ...(dumpDelayMs !== undefined ? { dumpDelayMs } : {}) });
  await d.listen();
  cleanups.push(() => d.close());
  return d;
}

async function stack(opts: { ups?: string[]; upsdConf?: string; users?: string; extra?: string[]; driven?: string[] } = {}): Promise<Stack> {
  const port = await freePort();
  const ups = opts.ups ?? ['ups1'];
  const dir = makeTestDir({
    'ups.conf': upsConf(ups),
    'upsd.conf': `LISTEN 127.0.0.1 ${String(port)}\n${opts.upsdConf ?? ''}`,
    'upsd.users': opts.users ?? SIMPLE_USERS,
  });
  cleanups.push(() => dir.cleanup());
  const drivers = new Map<string, FakeDriver>();
  for (const u of opts.driven ?? ups) drivers.set(u, await fake(dir, u));
  const upsd = track(await startHardnutUpsd(dir, port, opts.extra ?? []));
  if (drivers.size > 0) {
    const first = [...drivers.keys()][0] as string;
    await waitFor('driver data', async () => (await ask(port, `GET VAR ${first} ups.status\n`, /\n/)) === `VAR ${first} ups.status "OL"\n`, 10_000, 100);
  }
  return { dir, port, drivers, upsd };
}

/** Starts upsd expecting it to fail; returns exit code and output. */
async function failingStart(dir: TestDir, extra: string[] = [], env: NodeJS.ProcessEnv = dir.env): Promise<{ code: number; out: string }> {
  const r = await runHardnut(['upsd', '-F', ...userArgs(), ...extra], env, 20_000);
  return { code: r.code, out: r.stdout + r.stderr };
}

function procStatus(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(`/proc/${String(pid)}/status`, 'latin1').split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

describe('privileges', () => {
  it('started as root: binds, reads its files, then runs as nut with no supplementary groups and cannot regain root', async (ctx) => {
    requirePeer(ctx, isRoot(), 'root');
    const s = await stack();
    const pid = s.upsd.child.pid as number;
    const st = procStatus(pid);
    const nut = lookupUser('nut');
    expect(nut).toBeDefined();
    const ids = (v: string | undefined): string[] => (v ?? '').split(/\s+/);
    expect(ids(st['Uid'])).toEqual(Array(4).fill(String(nut?.uid)));
    expect(ids(st['Gid'])).toEqual(Array(4).fill(String(nut?.gid)));
    expect(st['Groups']).toBe('');
    expect(s.upsd.output()).toMatch(/Running as nut \(uid \d+, gid \d+/);
    // it still serves, and checks users read before the drop
    expect(await ask(s.port, 'USERNAME sec\nPASSWORD secpass\nLOGIN ups1\n', /OK\nOK\nOK\n/)).toBe('OK\nOK\nOK\n');
  });

  it('-r DIR: chroots after binding; every configured path is inside DIR; reload still works there', async (ctx) => {
    requirePeer(ctx, isRoot(), 'root');
    const port = await freePort();
    const dir = makeTestDir({ 'ups.conf': upsConf(['ups1']), 'upsd.conf': `LISTEN 127.0.0.1 ${String(port)}\nLISTEN /state/upsd.sock\n`, 'upsd.users': SIMPLE_USERS });
    cleanups.push(() => dir.cleanup());
    await fake(dir, 'ups1');
    const env = { ...dir.env, NUT_CONFPATH: '/etc', NUT_STATEPATH: '/state', NUT_ALTPIDPATH: join(dir.root, 'run') };
    const upsd = track(await startHardnutUpsd(dir, port, ['-r', dir.root], env));
    const pid = upsd.child.pid as number;
    expect(readlinkSync(`/proc/${String(pid)}/root`)).toBe(dir.root);
    expect(procStatus(pid)['Uid']?.split(/\s+/)[0]).toBe(String(lookupUser('nut')?.uid));
    await waitFor('data through the chroot', async () => (await ask(port, 'GET VAR ups1 ups.status\n', /\n/)) === 'VAR ups1 ups.status "OL"\n', 10_000, 100);
    expect(await ask(join(dir.state, 'upsd.sock'), 'GET VAR ups1 battery.charge\n', /\n/)).toBe('VAR ups1 battery.charge "100"\n');
    writeFiles(dir, { 'ups.conf': upsConf(['ups1', 'ups2']) });
    upsd.child.kill('SIGHUP');
    await waitFor('reloaded inside the chroot', async () => (await ask(port, 'LIST UPS\n', /END LIST UPS\n/)).includes('UPS ups2'), 10_000, 100);
  });
});

describe('listeners', () => {
  it('several LISTEN lines, and a Unix socket (mode 0660, owned by nut) that only permitted users can open', async (ctx) => {
    const port2 = await freePort();
    const sock = join(tmpdir(), 'hn-upsd-sock-') + String(process.pid) + '-' + String(Date.now() % 100000);
    const s = await stack({ upsdConf: `LISTEN 127.0.0.1 ${String(port2)}\nLISTEN ${sock}\n` });
    expect(await ask(s.port, 'GET VAR ups1 ups.status\n', /\n/)).toBe('VAR ups1 ups.status "OL"\n');
    expect(await ask(port2, 'GET VAR ups1 ups.status\n', /\n/)).toBe('VAR ups1 ups.status "OL"\n');
    expect(await ask(sock, 'GET VAR ups1 ups.status\n', /\n/)).toBe('VAR ups1 ups.status "OL"\n');
    const st = statSync(sock);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o660);
    // a client of the Unix socket appears as "unix" in LIST CLIENT
    const c = await Client.open(sock);
    cleanups.push(() => c.close());
    expect(await c.request('USERNAME sec')).toBe('OK\n');
    await c.request('PASSWORD secpass');
    expect(await c.request('LOGIN ups1')).toBe('OK\n');
    expect(await ask(s.port, 'LIST CLIENT ups1\n', /END LIST/)).toBe('BEGIN LIST CLIENT ups1\nCLIENT ups1 unix\nEND LIST CLIENT ups1\n');
    if (isRoot()) {
      const nut = lookupUser('nut');
      expect([st.uid, st.gid]).toEqual([nut?.uid, nut?.gid]);
      // nobody (not in group nut) is refused by the file permissions
      const nobody = lookupUser('nobody');
      const code = await new Promise<string>((resolve) => {
        const child = spawn(process.execPath, ['-e', `require('net').connect(${JSON.stringify(sock)}).on('connect',()=>{console.log('CONNECTED');process.exit(0)}).on('error',(e)=>{console.log(e.code);process.exit(0)})`],
          { uid: nobody?.uid as number, gid: nobody?.gid as number, stdio: ['ignore', 'pipe', 'ignore'] });
        let out = '';
        child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
        child.on('exit', () => resolve(out.trim()));
      });
      expect(code).toBe('EACCES');
    }
    await s.upsd.stop();
    expect(() => statSync(sock)).toThrow(); // removed at exit
  });

  it('a listener on an address that cannot be bound stops startup, unless ALLOW_NOT_ALL_LISTENERS', async () => {
    const port = await freePort();
    const dir = makeTestDir({ 'ups.conf': upsConf(['ups1']), 'upsd.conf': `LISTEN 127.0.0.1 ${String(port)}\nLISTEN 192.0.2.1 ${String(port)}\n`, 'upsd.users': SIMPLE_USERS });
    cleanups.push(() => dir.cleanup());
    const r = await failingStart(dir);
    expect(r.code).toBe(1);
    expect(r.out).toContain('not listening on 192.0.2.1');
    expect(r.out).toContain('ALLOW_NOT_ALL_LISTENERS');
    const upsd = track(await startHardnutUpsd(dir, port, [], { ...dir.env, ALLOW_NOT_ALL_LISTENERS: 'true' }));
    expect(upsd.child.exitCode).toBeNull();
  });

  it('a LISTEN path that is not a socket is never replaced', async () => {
    const dir = makeTestDir({ 'ups.conf': upsConf(['ups1']), 'upsd.users': SIMPLE_USERS });
    cleanups.push(() => dir.cleanup());
    const path = join(dir.root, 'not-a-socket');
    writeFileSync(path, 'precious');
    writeFiles(dir, { 'upsd.conf': `LISTEN ${path}\n` });
    const r = await failingStart(dir);
    expect(r.code).toBe(1);
    expect(r.out).toContain('exists and is not a socket');
    expect(readFileSync(path, 'latin1')).toBe('precious');
  });
});

describe('startup fails closed', () => {
  it('a config error: exit 1 with file:line', async () => {
    const dir = makeTestDir({ 'ups.conf': upsConf(['ups1']), 'upsd.conf': 'MAXAGE 15\nLISTEN 127.0.0.1 99999\n', 'upsd.users': SIMPLE_USERS });
    cleanups.push(() => dir.cleanup());
    const r = await failingStart(dir);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${join(dir.etc, 'upsd.conf')}:2:`);
  });

  it('no UPS defined: exit 1 unless ALLOW_NO_DEVICE', async () => {
    const port = await freePort();
    const dir = makeTestDir({ 'ups.conf': '# nothing\n', 'upsd.conf': `LISTEN 127.0.0.1 ${String(port)}\n`, 'upsd.users': SIMPLE_USERS });
    cleanups.push(() => dir.cleanup());
    const r = await failingStart(dir);
    expect(r.code).toBe(1);
    expect(r.out).toContain('at least one UPS must be defined');
    writeFiles(dir, { 'upsd.conf': `LISTEN 127.0.0.1 ${String(port)}\nALLOW_NO_DEVICE true\n` });
    track(await startHardnutUpsd(dir, port));
    expect(await ask(port, 'LIST UPS\n', /END LIST UPS\n/)).toBe('BEGIN LIST UPS\nEND LIST UPS\n');
  });

  it('an expired, missing or unusable certificate stops startup', async (ctx) => {
    requirePeer(ctx, hasOpenssl(), 'the openssl command');
    const port = await freePort();
    const dir = makeTestDir({ 'ups.conf': upsConf(['ups1']), 'upsd.users': SIMPLE_USERS });
    cleanups.push(() => dir.cleanup());
    const certDir = join(dir.root, 'certs');
    mkdirSync(certDir);
    const c = makeCerts(certDir);
    for (const [file, why] of [[c.expired, /expired on/], [join(certDir, 'missing.pem'), /cannot be read/], [join(certDir, 'server.pem'), /no private key/]] as const) {
      writeFiles(dir, { 'upsd.conf': `LISTEN 127.0.0.1 ${String(port)}\nCERTFILE ${file}\n` });
      const r = await failingStart(dir);
      expect(r.code, r.out).toBe(1);
      expect(r.out).toMatch(why);
      expect(r.out).not.toContain('listening on');
    }
  });

  it('a second upsd with the same pid file refuses to start', async () => {
    const s = await stack(); // the pid file is written in the foreground too
    const pidFile = join(s.dir.state, 'upsd.pid');
    await waitFor('pid file', () => { try { return readFileSync(pidFile, 'latin1').trim() === String(s.upsd.child.pid); } catch { return false; } });
    const r = await failingStart(s.dir);
    expect(r.code).toBe(1);
    expect(r.out).toContain('A previous upsd instance is already running');
  });
});

describe('drivers', () => {
  it('driver gone: DRIVER-NOT-CONNECTED; back: WAIT until its dump arrives, then data', async () => {
    const s = await stack();
    await (s.drivers.get('ups1') as FakeDriver).close();
    await waitFor('not connected', async () => (await ask(s.port, 'GET VAR ups1 ups.status\n', /\n/)) === 'ERR DRIVER-NOT-CONNECTED\n', 5000, 50);
    expect(await ask(s.port, 'LIST VAR ups1\n', /\n/)).toBe('ERR DRIVER-NOT-CONNECTED\n');
    await fake(s.dir, 'ups1', SIMPLE_DUMP, 2500);
    // upsd retries every 2 s; until the dump arrives only ups.status = WAIT exists
    await waitFor('WAIT', async () => (await ask(s.port, 'LIST VAR ups1\n', /END LIST|ERR/)) === 'BEGIN LIST VAR ups1\nVAR ups1 ups.status "WAIT"\nEND LIST VAR ups1\n', 6000, 50);
    await waitFor('data again', async () => (await ask(s.port, 'GET VAR ups1 battery.charge\n', /\n/)) === 'VAR ups1 battery.charge "100"\n', 6000, 100);
  });

  it('a driver that stops answering: PING at MAXAGE/3, DATA-STALE after MAXAGE, fresh again when it answers', async () => {
    const s = await stack({ upsdConf: 'MAXAGE 3\n' });
    const d = s.drivers.get('ups1') as FakeDriver;
    d.silent = true;
    const t0 = Date.now();
    await waitFor('stale', async () => (await ask(s.port, 'GET VAR ups1 ups.status\n', /\n/)) === 'ERR DATA-STALE\n', 12_000, 100);
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(3000);
    expect(took).toBeLessThan(9000);
    expect(d.pings).toBeGreaterThan(0);
    expect(await ask(s.port, 'GET NUMLOGINS ups1\nLIST CMD ups1\n', /\n.*\n/)).toBe('ERR DATA-STALE\nERR DATA-STALE\n');
    expect(s.upsd.output()).toContain('Data for UPS [ups1] is stale - check driver');
    d.silent = false;
    await waitFor('fresh', async () => (await ask(s.port, 'GET VAR ups1 ups.status\n', /\n/)) === 'VAR ups1 ups.status "OL"\n', 8000, 100);
    expect(s.upsd.output()).toContain('UPS [ups1] data is no longer stale');
  });

  it('a driver that says DATASTALE: DATA-STALE until DATAOK; updates are pushed through', async () => {
    const s = await stack();
    const d = s.drivers.get('ups1') as FakeDriver;
    d.broadcast('SETINFO battery.charge "55"');
    await waitFor('update', async () => (await ask(s.port, 'GET VAR ups1 battery.charge\n', /\n/)) === 'VAR ups1 battery.charge "55"\n', 3000, 50);
    d.broadcast('DATASTALE');
    await waitFor('stale', async () => (await ask(s.port, 'GET VAR ups1 ups.status\n', /\n/)) === 'ERR DATA-STALE\n', 5000, 100);
    d.broadcast('DATAOK');
    await waitFor('fresh', async () => (await ask(s.port, 'GET VAR ups1 ups.status\n', /\n/)) === 'VAR ups1 ups.status "OL"\n', 5000, 100);
  });
});

describe('reload', () => {
  it('SIGHUP and `upsd -c reload`: UPSes added and removed (their clients kicked), users re-read, after the privilege drop', async () => {
    const s = await stack({ ups: ['ups1', 'old'] });
    const pidFile = join(s.dir.state, 'upsd.pid');
    await waitFor('pid file', () => { try { return readFileSync(pidFile, 'latin1').trim() !== ''; } catch { return false; } });
    await fake(s.dir, 'new');
    const onOld = await Client.open(s.port);
    cleanups.push(() => onOld.close());
    await onOld.request('USERNAME sec');
    await onOld.request('PASSWORD secpass');
    expect(await onOld.request('LOGIN old')).toBe('OK\n');
    const onUps1 = await Client.open(s.port);
    cleanups.push(() => onUps1.close());
    await onUps1.request('USERNAME sec');
    await onUps1.request('PASSWORD secpass');
    expect(await onUps1.request('LOGIN ups1')).toBe('OK\n');

    writeFiles(s.dir, {
      'ups.conf': upsConf(['ups1', 'new']),
      'upsd.users': SIMPLE_USERS.replace('adminpass', 'newpass'),
    });
    s.upsd.child.kill('SIGHUP');
    await waitFor('reloaded', async () => (await ask(s.port, 'LIST UPS\n', /END LIST UPS\n/)) === 'BEGIN LIST UPS\nUPS new "UPS new"\nUPS ups1 "UPS ups1"\nEND LIST UPS\n', 10_000, 100);
    expect(await onOld.waitClosed(5000)).toBe(true);
    expect(onUps1.closed).toBe(false);
    expect(await onUps1.request('GET NUMLOGINS ups1')).toBe('NUMLOGINS ups1 1\n');
    await waitFor('new driver', async () => (await ask(s.port, 'GET VAR new ups.status\n', /\n/)) === 'VAR new ups.status "OL"\n', 10_000, 100);
    expect(await ask(s.port, 'USERNAME admin\nPASSWORD adminpass\nSET VAR ups1 ups.id a\n', /(.*\n){3}/)).toBe('OK\nOK\nERR ACCESS-DENIED\n');
    expect(await ask(s.port, 'USERNAME admin\nPASSWORD newpass\nSET VAR ups1 ups.id a\n', /(.*\n){3}/)).toBe('OK\nOK\nOK\n');

    // the same through `upsd -c reload`, reading the pid file
    await fake(s.dir, 'third');
    writeFiles(s.dir, { 'ups.conf': upsConf(['ups1', 'new', 'third']) });
    const r = await runHardnut(['upsd', '-c', 'reload'], s.dir.env);
    expect(r.code).toBe(0);
    await waitFor('reloaded again', async () => (await ask(s.port, 'LIST UPS\n', /END LIST UPS\n/)).startsWith('BEGIN LIST UPS\nUPS third'), 10_000, 100);

    // a broken file: the reload is refused, nothing changes
    writeFiles(s.dir, { 'ups.conf': '[broken\n' });
    s.upsd.child.kill('SIGHUP');
    await waitFor('refusal logged', () => s.upsd.output().includes('Reload failed'), 5000);
    expect(await ask(s.port, 'LIST UPS\n', /END LIST UPS\n/)).toContain('UPS third');
    expect(s.upsd.child.exitCode).toBeNull();
  });

  it('without -F upsd goes to the background once it listens (exit 0), writes its pid file; -c stop ends it', async () => {
    const port = await freePort();
    const dir = makeTestDir({ 'ups.conf': upsConf(['ups1']), 'upsd.conf': `LISTEN 127.0.0.1 ${String(port)}\n`, 'upsd.users': SIMPLE_USERS });
    cleanups.push(() => dir.cleanup());
    await fake(dir, 'ups1');
    const pidFile = join(dir.state, 'upsd.pid');
    cleanups.push(() => { try { process.kill(Number(readFileSync(pidFile, 'latin1')), 'SIGTERM'); } catch { /* gone */ } });
    const r = await runHardnut(['upsd', ...userArgs()], dir.env);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('listening on 127.0.0.1');
    const pid = Number(readFileSync(pidFile, 'latin1'));
    expect(pid).toBeGreaterThan(1);
    expect(await ask(port, 'NETVER\n', /\n/)).toBe('1.3\n');
    expect((await runHardnut(['upsd', '-c', 'stop'], dir.env)).code).toBe(0);
    await waitFor('stopped', () => { try { process.kill(pid, 0); return false; } catch { return true; } }, 5000);
    expect(() => statSync(pidFile)).toThrow();
  });

  it('`upsd -c reload` refuses, exit 1 and the reason on the terminal, what upsd would refuse: it is not signalled', async (ctx) => {
    requirePeer(ctx, isRoot(), 'root and the nut user (CI runs as root)');
    const s = await stack();
    const pidFile = join(s.dir.state, 'upsd.pid');
    await waitFor('pid file', () => { try { return readFileSync(pidFile, 'latin1').trim() !== ''; } catch { return false; } });

    writeFiles(s.dir, { 'ups.conf': '[broken\n' });
    const bad = await runHardnut(['upsd', '-c', 'reload'], s.dir.env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`upsd -c reload: not reloading; upsd (pid ${readFileSync(pidFile, 'latin1').trim()}) keeps the configuration it has:\n${join(s.dir.etc, 'ups.conf')}:1:`);

    writeFiles(s.dir, { 'ups.conf': upsConf(['ups1']) });
    const users = join(s.dir.etc, 'upsd.users');
    chownSync(users, 0, 0); // root:root 0640: upsd, now nut, could not read it on reload
    const unreadable = await runHardnut(['upsd', '-c', 'reload'], s.dir.env);
    expect(unreadable.code).toBe(1);
    expect(unreadable.stderr).toContain(`${users}: error: user nut (upsd reads it as this user on reload) cannot read this file (owner uid 0, group root, mode 0640)`);
    expect(unreadable.stderr).toContain(`hint: chown root:nut ${users}; chmod 0640 ${users}`);

    writeFiles(s.dir, { 'upsd.users': SIMPLE_USERS });
    const good = await runHardnut(['upsd', '-c', 'reload'], s.dir.env);
    expect(good.code).toBe(0);
    expect(good.stderr).toBe('');
    await waitFor('reloaded', () => s.upsd.output().includes('Reloaded:'), 10_000);
    // only the good reload reached upsd
    expect(s.upsd.output().split('SIGHUP: reloading').length - 1).toBe(1);
  });

  it('`upsd -c reload|stop` on a stale pid file: exit 1, "not running", not `kill ESRCH`', async () => {
    const dir = makeTestDir();
    cleanups.push(() => dir.cleanup());
    const gone = spawn(process.execPath, ['-e', '']);
    const pid = await new Promise<number>((resolve) => gone.once('exit', () => resolve(gone.pid ?? 0)));
    writeFileSync(join(dir.state, 'upsd.pid'), `${String(pid)}\n`);
    for (const cmd of ['reload', 'stop']) {
      const r = await runHardnut(['upsd', '-c', cmd], dir.env);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`upsd -c ${cmd}: upsd is not running: no process ${String(pid)} (from ${join(dir.state, 'upsd.pid')})`);
    }
  });

  it('`upsd -c reload` without a running upsd fails; -c stop stops it', async () => {
    const s = await stack();
    const other = makeTestDir();
    cleanups.push(() => other.cleanup());
    expect((await runHardnut(['upsd', '-c', 'reload'], other.env)).code).toBe(1);
    await waitFor('pid file', () => { try { return readFileSync(join(s.dir.state, 'upsd.pid'), 'latin1') !== ''; } catch { return false; } });
    expect((await runHardnut(['upsd', '-c', 'stop'], s.dir.env)).code).toBe(0);
    await waitFor('stopped', () => s.upsd.child.exitCode !== null, 5000);
    expect(s.upsd.child.exitCode).toBe(0);
    expect(() => statSync(join(s.dir.state, 'upsd.pid'))).toThrow();
  });
});

describe('connections', () => {
  it('LOGOUT: OK Goodbye, then the server closes at once', async () => {
    const s = await stack();
    const c = await Client.open(s.port);
    cleanups.push(() => c.close());
    const t0 = Date.now();
    expect(await c.request('LOGOUT')).toBe('OK Goodbye\n');
    expect(await c.waitClosed(1500)).toBe(true);
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it('MAXCONN is a fixed bound: beyond it a client is accepted and closed at once, and counted in the log', async () => {
    const s = await stack({ upsdConf: 'MAXCONN 5\n' });
    const held: Client[] = [];
    for (let i = 0; i < 5; i++) {
      const c = await Client.open(s.port);
      cleanups.push(() => c.close());
      expect(await c.request('NETVER')).toBe('1.3\n');
      // logged in: a connection that has not could be replaced by a newer one (server.ts)
      c.send('USERNAME mon\nPASSWORD monpass\n');
      expect(await c.until(/OK\nOK\n$/)).toBe('OK\nOK\n');
      expect(await c.request('LOGIN ups1')).toBe('OK\n');
      held.push(c);
    }
    for (let i = 0; i < 4; i++) {
      const extra = await Client.open(s.port);
      cleanups.push(() => extra.close());
      extra.send('NETVER\n');
      expect(await extra.waitClosed(3000)).toBe(true);
      await expect(extra.until(/\n/, 100)).rejects.toThrow(/closed/);
    }
    await waitFor('refusals counted', () => /\(4 refused so far\)/.test(s.upsd.output()), 10_000);
    expect(s.upsd.output()).toContain('Refused connection from 127.0.0.1: MAXCONN (5) connections are open (1 refused so far)');
    // the held ones still work; a freed slot is usable again
    expect(await (held[0] as Client).request('VER')).toMatch(/^Network UPS Tools upsd/);
    (held[4] as Client).close();
    await waitFor('slot free', async () => (await ask(s.port, 'NETVER\n', /\n/)) === '1.3\n', 5000, 100);
  });

  it('FSD latch end to end, and FSD CLEAR once the UPS is back on line power', async () => {
    const s = await stack();
    const d = s.drivers.get('ups1') as FakeDriver;
    const c = await Client.open(s.port);
    cleanups.push(() => c.close());
    await c.request('USERNAME mon');
    await c.request('PASSWORD monpass');
    expect(await c.request('FSD ups1')).toBe('OK FSD-SET\n');
    d.broadcast('SETINFO ups.status "OB LB"');
    await waitFor('OB', async () => (await ask(s.port, 'GET VAR ups1 ups.status\n', /\n/)) === 'VAR ups1 ups.status "FSD OB LB"\n', 3000, 50);
    expect(await c.request('FSD ups1 CLEAR')).toBe('ERR INVALID-VALUE\n');
    d.broadcast('SETINFO ups.status "OL CHRG"');
    await waitFor('OL', async () => (await ask(s.port, 'GET VAR ups1 ups.status\n', /\n/)) === 'VAR ups1 ups.status "FSD OL CHRG"\n', 3000, 50);
    expect(await c.request('FSD ups1 CLEAR')).toBe('OK FSD-CLEARED\n');
    expect(await ask(s.port, 'GET VAR ups1 ups.status\n', /\n/)).toBe('VAR ups1 ups.status "OL CHRG"\n');
    expect(s.upsd.output()).toContain('cleared FSD on UPS [ups1]');
  });
});
