// Confinement fails closed (issue 12 items 2 and 6): for each way confinement can fail, the real
// daemon, started as root, ends non-zero within FAIL_MS, serves nothing afterwards (its socket is
// gone or refuses, its port refuses) and nothing presents its data as fresh:
//   a driver -r <dir> that is not root's or is group-writable; libseccomp that cannot be loaded
//   (hidden in a private mount namespace); an install the role's user cannot read; upsmon's
//   required jail owned by another user; an exception nobody caught in a driver's poll loop
//   (its log's reader went away: EPIPE on stderr), after which upsd marks the UPS as not there;
//   and a driver whose poll loop is frozen, which upsd marks stale.
import { describe, it, expect, afterEach } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { lookupUser } from '../../src/sandbox/drop-privileges.js';
import { hasExecutable, onPath, requirePeer, requireRoot, type SkipContext } from '../support/peers.js';
import { HARDNUT, freePort, makeTestDir, runHardnut, startHardnutDriver, startProcess, waitFor, waitForSocket, writeFiles, type TestDir } from '../support/stack.js';
import { hardnutEnv, makeUpsmonDir, upsdFiles, upsmonConf, PRIMARY_LOGIN } from '../interop/upsmon-stack.js';

/** Issue 12: each failure ends the daemon within 5 s. */
const FAIL_MS = 5_000;

const undo: Array<() => Promise<unknown> | void> = [];
afterEach(async () => { for (const f of undo.splice(0).reverse()) await f(); });

function requireBuild(ctx: SkipContext): void {
  requireRoot(ctx);
  requirePeer(ctx, hasExecutable(HARDNUT), 'a build (npm run build)');
}

interface Ended { code: number | null; signal: NodeJS.Signals | null; ms: number; out: string }

/** Runs a daemon in the foreground to its end; one that is still running after `limitMs` is killed and reported as such. */
function runToEnd(cmd: string, args: string[], env: NodeJS.ProcessEnv, limitMs = 20_000): Promise<Ended> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    const timer = setTimeout(() => { out += '\n[still running: killed by the test]'; child.kill('SIGKILL'); }, limitMs);
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, ms: Date.now() - t0, out }); });
  });
}

/** Ended by itself, non-zero, in time. */
function expectFailedClosed(r: Ended, why: RegExp): void {
  process.stdout.write(`ended with ${String(r.code)} after ${String(r.ms)} ms (limit ${String(FAIL_MS)})\n`);
  expect(r.out).toMatch(why);
  expect(r.signal, r.out).toBeNull();
  expect(r.code, r.out).not.toBe(0);
  expect(r.code, r.out).not.toBeNull();
  expect(r.ms, r.out).toBeLessThan(FAIL_MS);
}

/** What a client meets at a TCP port or a Unix socket path: 'refused', 'absent' or 'answered'. */
function probe(target: number | string): Promise<'refused' | 'absent' | 'answered'> {
  return new Promise((resolve) => {
    const s = typeof target === 'number' ? net.createConnection({ host: '127.0.0.1', port: target }) : net.createConnection(target);
    s.setTimeout(3000, () => { s.destroy(); resolve('answered'); });
    s.on('connect', () => { s.destroy(); resolve('answered'); });
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ENOENT' ? 'absent' : e.code === 'ECONNREFUSED' ? 'refused' : 'answered'));
  });
}

function dummyDir(): TestDir {
  const d = makeTestDir({ 'ups.conf': '[u]\n\tdriver = dummy-ups\n\tport = u.dev\n', 'u.dev': 'ups.status: OL\nbattery.charge: 100\n' });
  undo.push(() => d.cleanup());
  return d;
}

function upsdDir(port: number): TestDir {
  const d = makeTestDir({ 'ups.conf': '[u]\n\tdriver = dummy-ups\n\tport = u.dev\n', 'upsd.conf': `LISTEN 127.0.0.1 ${String(port)}\n`, 'upsd.users': '' });
  undo.push(() => d.cleanup());
  return d;
}

const driverArgs = (bundle = HARDNUT): string[] => [bundle, 'dummy-ups', '-a', 'u', '-F'];

describe('a driver with -r <dir> that root must not follow', () => {
  const cases: Array<[string, (jail: string) => void, RegExp]> = [
    ['owned by nut', (jail) => { const nut = lookupUser('nut'); chownSync(jail, nut?.uid ?? 0, nut?.gid ?? 0); }, /cannot confine \(resolving user, groups and jail\): jail .* is owned by uid \d+, not root/],
    ['group-writable (root:root 0775)', (jail) => { chmodSync(jail, 0o775); }, /cannot confine \(resolving user, groups and jail\): jail .* is writable by group or others \(mode 775\)/],
  ];
  for (const [what, spoil, why] of cases) {
    it(`${what}: ends non-zero at once; no socket, no pid file`, async (ctx) => {
      requireBuild(ctx);
      const d = dummyDir();
      const jail = join(d.root, 'jail');
      mkdirSync(join(jail, d.state), { recursive: true });
      mkdirSync(join(jail, d.etc), { recursive: true });
      cpSync(join(d.etc, 'u.dev'), join(jail, d.etc, 'u.dev'));
      spoil(jail);
      const r = await runToEnd(process.execPath, [...driverArgs(), '-r', jail], d.env);
      expectFailedClosed(r, why);
      for (const sock of [join(d.state, 'dummy-ups-u'), join(jail, d.state, 'dummy-ups-u')]) expect(await probe(sock)).toBe('absent');
      expect(existsSync(join(d.state, 'dummy-ups-u.pid'))).toBe(false);
    }, 30_000);
  }
});

/** The file libseccomp.so.2 resolves to here (what dlopen would open). */
function libseccompPath(): string | undefined {
  const r = spawnSync('/sbin/ldconfig', ['-p'], { encoding: 'latin1' });
  const m = /\slibseccomp\.so\.2 \([^)]*\) => (\S+)/.exec(r.stdout);
  return m?.[1] ? realpathSync(m[1]) : undefined;
}

/** unshare(1) can give a process a private mount namespace here (root, and not forbidden by a container). */
function canHideFiles(): boolean {
  if (!onPath('unshare')) return false;
  return spawnSync('unshare', ['--mount', '--propagation', 'private', 'mount', '--bind', '/dev/null', '/dev/null'], { stdio: 'ignore' }).status === 0;
}

/** Runs `args` with libseccomp replaced by an empty file, in a mount namespace of its own (the host is untouched). */
function withoutLibseccomp(lib: string, args: string[]): [string, string[]] {
  return ['unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount --bind /dev/null "$1" && shift && exec "$@"', 'sh', lib, ...args]];
}

describe('libseccomp that cannot be loaded', () => {
  const need = (ctx: SkipContext): string => {
    requireBuild(ctx);
    requirePeer(ctx, canHideFiles(), 'a private mount namespace (unshare --mount; a container may forbid it)');
    const lib = libseccompPath();
    requirePeer(ctx, lib !== undefined, 'libseccomp.so.2 (apt-get install libseccomp2)');
    return lib as string;
  };

  it('control: in that namespace the library does not load; outside it does', (ctx) => {
    const lib = need(ctx);
    const load = "require(process.argv[1]).load('libseccomp.so.2'); console.log('LOADED')";
    const koffi = join(dirname(HARDNUT), '..', 'node_modules', 'koffi');
    const [cmd, args] = withoutLibseccomp(lib, [process.execPath, '-e', load, koffi]);
    expect(spawnSync(cmd, args, { encoding: 'utf8' }).stderr).toMatch(/libseccomp\.so\.2: file too short/);
    expect(spawnSync(process.execPath, ['-e', load, koffi], { encoding: 'utf8' }).stdout).toBe('LOADED\n');
  });

  it('upsd ends non-zero before it serves; its port refuses', async (ctx) => {
    const lib = need(ctx);
    const port = await freePort();
    const d = upsdDir(port);
    const [cmd, args] = withoutLibseccomp(lib, [process.execPath, HARDNUT, 'upsd', '-F']);
    const r = await runToEnd(cmd, args, d.env);
    expectFailedClosed(r, /upsd: cannot confine \(loading native libraries\): .*libseccomp\.so\.2/);
    expect(await probe(port)).toBe('refused');
  }, 30_000);

  it('a driver ends non-zero; no socket, no pid file', async (ctx) => {
    const lib = need(ctx);
    const d = dummyDir();
    const [cmd, args] = withoutLibseccomp(lib, [process.execPath, ...driverArgs()]);
    const r = await runToEnd(cmd, args, d.env);
    expectFailedClosed(r, /driver-file: cannot confine \(loading native libraries\): .*libseccomp\.so\.2/);
    expect(await probe(join(d.state, 'dummy-ups-u'))).toBe('absent');
    expect(existsSync(join(d.state, 'dummy-ups-u.pid'))).toBe(false);
  }, 30_000);
});

/**
 * dist/ copied into a directory only root can enter (like a clone in /root). Inside the repo, so
 * the bundle still finds koffi in node_modules the way the real install does.
 */
function privateInstall(): string {
  const cache = join(dirname(HARDNUT), '..', 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, 'hn-install-'));
  undo.push(() => rmSync(dir, { recursive: true, force: true }));
  chmodSync(dir, 0o700);
  cpSync(dirname(HARDNUT), join(dir, 'dist'), { recursive: true });
  return join(dir, 'dist', 'hardnut.js');
}

describe('an install the role\'s user cannot read', () => {
  it('a driver ends non-zero and says why; no socket', async (ctx) => {
    requireBuild(ctx);
    const bundle = privateInstall();
    const d = dummyDir();
    const r = await runToEnd(process.execPath, driverArgs(bundle), d.env);
    expectFailedClosed(r, /driver-file: cannot confine \(resolving user, groups and jail\): nut cannot reach .*hardnut\.js: no search permission on .*hn-install-/);
    expect(await probe(join(d.state, 'dummy-ups-u'))).toBe('absent');
  }, 30_000);

  it('upsd ends non-zero and says why; its port refuses', async (ctx) => {
    requireBuild(ctx);
    const bundle = privateInstall();
    const port = await freePort();
    const d = upsdDir(port);
    const r = await runToEnd(process.execPath, [bundle, 'upsd', '-F'], d.env);
    expectFailedClosed(r, /upsd: cannot confine \(resolving user, groups and jail\): nut cannot reach/);
    expect(await probe(port)).toBe('refused');
  }, 30_000);
});

describe('an install without its native modules (koffi not found)', () => {
  it('upsdrvctl start exits non-zero and names the UPS; no driver stays behind, nothing serves', async (ctx) => {
    requireBuild(ctx);
    // dist/ alone, readable by everyone, with no node_modules on the way up: koffi cannot be found
    const dir = mkdtempSync('/tmp/hn-nokoffi-');
    undo.push(() => rmSync(dir, { recursive: true, force: true }));
    chmodSync(dir, 0o755);
    cpSync(dirname(HARDNUT), join(dir, 'dist'), { recursive: true });
    const bundle = join(dir, 'dist', 'hardnut.js');
    const d = dummyDir();
    const r = await runToEnd(process.execPath, [bundle, 'upsdrvctl', 'start'], d.env);
    expectFailedClosed(r, /cannot confine \(loading native libraries\): .*koffi/);
    expect(r.out).toContain('upsdrvctl: not started: dummy-ups for UPS [u]');
    expect(await probe(join(d.state, 'dummy-ups-u'))).toBe('absent');
    expect(existsSync(join(d.state, 'dummy-ups-u.pid'))).toBe(false);
    expect(processesRunning(bundle)).toEqual([]);
  }, 30_000);
});

/** Pids of processes whose command line names `path`. */
function processesRunning(path: string): number[] {
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).filter((n) => {
    try { return readFileSync(`/proc/${n}/cmdline`, 'latin1').split('\0').includes(path); } catch { return false; }
  }).map(Number);
}

describe('upsmon whose required jail is not root\'s', () => {
  it('ends non-zero: no network child keeps running, no notification is run', async (ctx) => {
    requireBuild(ctx);
    const port = await freePort();
    const d = makeUpsmonDir({ 'ups.conf': '[u]\n\tdriver = dummy-ups\n\tport = u.dev\n', 'u.dev': 'ups.status: OB\n', ...upsdFiles(port) });
    undo.push(() => d.cleanup());
    const env = hardnutEnv(d, 'j');
    const jail = env['HARDNUT_UPSMON_JAIL'] as string;
    mkdirSync(jail);
    const nut = lookupUser('nut');
    chownSync(jail, nut?.uid ?? 0, nut?.gid ?? 0);
    const file = join(d.etc, 'upsmon-j.conf');
    writeFiles(d, { 'upsmon-j.conf': upsmonConf(d, 'j', { system: `u@127.0.0.1:${String(port)}`, role: 'primary', login: PRIMARY_LOGIN }, 'hardnut') });
    const r = await runToEnd(process.execPath, [HARDNUT, 'upsmon', '-F', '-f', file], env);
    expectFailedClosed(r, /jail .* is owned by uid \d+, not root/);
    expect(d.events()).toEqual([]);
  }, 30_000);
});

describe('no half-alive driver', () => {
  /** dummy-ups behind hardnut upsd (MAXAGE 4), both as root; `driverArgs` extra. */
  async function stack(extra: string[]): Promise<{ d: TestDir; port: number; driver: ReturnType<typeof startHardnutDriver>; get(): Promise<string> }> {
    const port = await freePort();
    const d = makeTestDir({ 'ups.conf': '[u]\n\tdriver = dummy-ups\n\tport = u.dev\n', 'u.dev': 'ups.status: OL\n', 'upsd.conf': `LISTEN 127.0.0.1 ${String(port)}\nMAXAGE 4\n`, 'upsd.users': '' });
    undo.push(() => d.cleanup());
    const driver = startHardnutDriver(d, 'dummy-ups', 'u', extra);
    undo.push(() => driver.stop());
    await waitForSocket(join(d.state, 'dummy-ups-u'), 20_000);
    const upsd = startProcess(process.execPath, [HARDNUT, 'upsd', '-F'], d.env);
    undo.push(() => upsd.stop());
    // upsc's answer: the status, or its error (Driver not connected, Data stale)
    const get = async (): Promise<string> => { const r = await runHardnut(['upsc', `u@127.0.0.1:${String(port)}`, 'ups.status'], d.env); return `${r.stdout}${r.stderr}`.trim(); };
    await waitFor('upsd serving u as OL', async () => (await get()) === 'OL', 30_000, 200);
    return { d, port, driver, get };
  }

  it('an exception nobody caught in the poll loop (EPIPE: its log reader went away) ends the driver non-zero; upsd then serves no data for it', async (ctx) => {
    requireBuild(ctx);
    // -D: the poll loop logs a line per poll, to stderr, in the foreground
    const s = await stack(['-D', '-i', '1']);
    const exited = new Promise<{ code: number | null; at: number }>((resolve) => s.driver.child.once('exit', (code) => resolve({ code, at: Date.now() })));
    const closedAt = Date.now();
    s.driver.child.stderr?.destroy();
    const end = await exited;
    expect(end.code).not.toBe(0);
    expect(end.code).not.toBeNull();
    expect(end.at - closedAt).toBeLessThan(FAIL_MS);
    expect(await probe(join(s.d.state, 'dummy-ups-u'))).not.toBe('answered');
    // upsd: the driver is gone, so no status at all — never the old OL as if fresh
    const seen = await waitFor('upsd no longer serving u', async () => { const v = await s.get(); return v !== 'OL' ? v : undefined; }, 15_000, 200);
    expect(seen).toMatch(/Driver not connected|Data stale/);
  }, 60_000);

  it('a frozen poll loop (SIGSTOP) is marked stale by upsd after MAXAGE', async (ctx) => {
    requireBuild(ctx);
    const s = await stack([]);
    const pid = s.driver.child.pid as number;
    process.kill(pid, 'SIGSTOP');
    undo.push(() => { try { process.kill(pid, 'SIGCONT'); } catch { /* gone */ } });
    const t0 = Date.now();
    const seen = await waitFor('stale', async () => { const v = await s.get(); return v !== 'OL' ? v : undefined; }, 20_000, 200);
    expect(seen).toMatch(/Data stale/);
    // MAXAGE 4 plus NUT's 1 s grace, and one check interval
    expect(Date.now() - t0).toBeLessThan(10_000);
  }, 60_000);
});
