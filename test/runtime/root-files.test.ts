// Issue 19's attacks on root-started hardnut, rerun against the real processes: "nut" is a
// process running as the nut user (what a parser exploit in upsd or a driver would be). The
// state directory is nut:nut 0770, as Debian's /run/nut. Root only; skipped elsewhere (with the
// reason), required with CI=true.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lookupUser } from '../../src/sandbox/drop-privileges.js';
import { isRoot, requirePeer, type SkipContext } from '../support/peers.js';
import { HARDNUT, freePort, makeTestDir, runHardnut, startHardnutDriver, startProcess, waitFor, type Proc, type TestDir } from '../support/stack.js';
import { SIMPLE_USERS, upsConf } from '../upsd/support/upsd-stack.js';
import { makeUpsmonDir, startHardnutUpsmon } from '../interop/upsmon-stack.js';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });
const track = <T extends Proc>(p: T): T => { cleanups.push(() => p.stop()); return p; };

function needRootAndNut(ctx: SkipContext): { uid: number; gid: number } {
  requirePeer(ctx, isRoot(), 'root (the attacks are on root-started daemons)');
  const nut = lookupUser('nut');
  requirePeer(ctx, nut !== undefined, 'the nut user (apt-get install nut-server)');
  return { uid: (nut as { uid: number }).uid, gid: (nut as { gid: number }).gid };
}

/** Runs `code` (node -e) as nut: the attacker. */
function asNut(nut: { uid: number; gid: number }, code: string, ...args: string[]): void {
  execFileSync(process.execPath, ['-e', code, ...args], { uid: nut.uid, gid: nut.gid, stdio: 'ignore' });
}
const PLANT_LINK = 'const fs=require("fs");try{fs.unlinkSync(process.argv[2])}catch{};fs.symlinkSync(process.argv[1],process.argv[2])';
const REWRITE = 'const fs=require("fs");try{fs.unlinkSync(process.argv[1])}catch{};fs.writeFileSync(process.argv[1],process.argv[2]+"\\n",{mode:0o644})';

/** A root-owned 0600 file with known content, in the test's root-only directory. */
function rootSecret(dir: TestDir, name = 'secret'): string {
  const path = join(dir.root, name);
  writeFileSync(path, 'root only\n', { mode: 0o600 });
  return path;
}
function expectUntouched(path: string): void {
  const st = statSync(path);
  expect({ uid: st.uid, gid: st.gid, mode: st.mode & 0o7777, text: readFileSync(path, 'latin1') }).toEqual({ uid: 0, gid: 0, mode: 0o600, text: 'root only\n' });
}

/** A root process that must survive: `sleep`. Its exit signal tells whether anyone but us killed it. */
function victim(): { pid: number; exitSignal: () => Promise<NodeJS.Signals | null> } {
  const child: ChildProcess = spawn('sleep', ['1000'], { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_c, sig) => resolve(sig)));
  cleanups.push(() => { child.kill('SIGKILL'); });
  return {
    pid: child.pid as number,
    // SIGKILL now: if a SIGTERM had reached it first, that is the signal it died of
    exitSignal: async () => { child.kill('SIGKILL'); return exited; },
  };
}

async function upsdDir(): Promise<TestDir> {
  const dir = makeTestDir({ 'ups.conf': upsConf(['ups1']), 'upsd.conf': `LISTEN 127.0.0.1 ${String(await freePort())}\n`, 'upsd.users': SIMPLE_USERS });
  cleanups.push(() => dir.cleanup());
  return dir;
}
function startUpsd(dir: TestDir): Proc {
  return track(startProcess(process.execPath, [HARDNUT, 'upsd', '-F', '-u', 'nut'], dir.env));
}
async function pidFileOf(p: Proc, file: string): Promise<void> {
  await waitFor(`${file} naming ${String(p.child.pid)}`, () => {
    if (p.child.exitCode !== null) throw new Error(`exited ${String(p.child.exitCode)}:\n${p.output()}`);
    try { return lstatSync(file).isFile() && readFileSync(file, 'latin1').trim() === String(p.child.pid); } catch { return false; }
  }, 20_000);
}

/** nut links `<state>/<name>` to a root-only file; the root-started daemon writes its pid there. */
async function linkAttack(nut: { uid: number; gid: number }, dir: TestDir, name: string, start: () => Proc): Promise<void> {
  const secret = rootSecret(dir);
  const pidFile = join(dir.state, name);
  asNut(nut, PLANT_LINK, secret, pidFile);
  await pidFileOf(track(start()), pidFile);
  expectUntouched(secret);
}

describe('pid files: a symlink planted by nut is replaced, never written through', () => {
  it('upsd (root, before the drop): the root-only target keeps owner, mode and content', async (ctx) => {
    const nut = needRootAndNut(ctx);
    const dir = await upsdDir();
    await linkAttack(nut, dir, 'upsd.pid', () => startUpsd(dir));
  }, 30_000);

  it('upsmon (the supervisor stays root): the root-only target keeps owner, mode and content', async (ctx) => {
    const nut = needRootAndNut(ctx);
    const d = makeUpsmonDir({});
    cleanups.push(() => d.cleanup());
    await linkAttack(nut, d, 'upsmon.pid', () => startHardnutUpsmon(d, 'pl', { system: 'u@127.0.0.1:9', role: 'secondary', login: ['x', 'y'] }, [], { NUT_ALTPIDPATH: d.state }));
  }, 30_000);

  it('a driver (writes it as nut): a file the link points to keeps its content', async (ctx) => {
    const nut = needRootAndNut(ctx);
    const dir = makeTestDir({ 'ups.conf': '[ups1]\n\tdriver = dummy-ups\n\tport = ups1.dev\n', 'ups1.dev': 'ups.status: OL\n' });
    cleanups.push(() => dir.cleanup());
    // a file nut may write, or the driver (nut after its drop) would fail with EACCES either way
    const target = join(dir.state, 'nut-notes');
    asNut(nut, REWRITE, target, 'notes');
    const pidFile = join(dir.state, 'dummy-ups-ups1.pid');
    asNut(nut, PLANT_LINK, target, pidFile);
    const drv = track(startHardnutDriver(dir, 'dummy-ups', 'ups1'));
    await pidFileOf(drv, pidFile);
    expect(readFileSync(target, 'latin1')).toBe('notes\n');
  }, 30_000);

  it('upslog (root, before the drop): the root-only target keeps owner, mode and content', async (ctx) => {
    const nut = needRootAndNut(ctx);
    const dir = await upsdDir();
    const log = join(dir.root, 'ups.log');
    await linkAttack(nut, dir, 'upslog.pid', () => startProcess(process.execPath, [HARDNUT, 'upslog', '-F', '-s', 'ups1@127.0.0.1:9', '-l', log, '-i', '1', '-u', 'nut'], dir.env));
  }, 30_000);
});

describe('root never signals a pid a sandboxed role wrote', () => {
  it('upsd -c stop: a pid file rewritten by nut to name a root process is refused with the reason; the victim lives; the real upsd still stops', async (ctx) => {
    const nut = needRootAndNut(ctx);
    const dir = await upsdDir();
    const upsd = startUpsd(dir);
    const pidFile = join(dir.state, 'upsd.pid');
    await pidFileOf(upsd, pidFile);
    const v = victim();
    asNut(nut, REWRITE, pidFile, String(v.pid));
    const r = await runHardnut(['upsd', '-c', 'stop'], dir.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Not signalling upsd: ${pidFile} names process ${String(v.pid)}, a root process that is not hardnut upsd`);
    expect(await v.exitSignal()).toBe('SIGKILL');
    expect(upsd.child.exitCode).toBeNull();
    // naming upsd itself, which runs as nut, is honoured: nut could signal it anyway
    asNut(nut, REWRITE, pidFile, String(upsd.child.pid));
    expect((await runHardnut(['upsd', '-c', 'stop'], dir.env)).code).toBe(0);
    await waitFor('upsd to stop on its SIGTERM', () => upsd.output().includes('Signal SIGTERM: exiting'), 15_000);
  }, 40_000);

  it('upsdrvctl stop: a driver pid file naming a root process is refused with the reason; the victim lives', async (ctx) => {
    const nut = needRootAndNut(ctx);
    const dir = makeTestDir({ 'ups.conf': '[ups1]\n\tdriver = dummy-ups\n\tport = ups1.dev\n' });
    cleanups.push(() => dir.cleanup());
    const v = victim();
    const pidFile = join(dir.state, 'dummy-ups-ups1.pid');
    asNut(nut, REWRITE, pidFile, String(v.pid));
    const r = await runHardnut(['upsdrvctl', 'stop', 'ups1'], dir.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Not stopping the driver for ups1: ${pidFile} names process ${String(v.pid)}, a root process that is not hardnut dummy-ups`);
    expect(await v.exitSignal()).toBe('SIGKILL');
  }, 30_000);

  it('upsmon -c stop: a rewritten pid file naming a root process is refused; the root supervisor, named again, is stopped', async (ctx) => {
    const nut = needRootAndNut(ctx);
    const d = makeUpsmonDir({});
    cleanups.push(() => d.cleanup());
    const env = { NUT_ALTPIDPATH: d.state };
    const p = track(startHardnutUpsmon(d, 'sig', { system: 'u@127.0.0.1:9', role: 'secondary', login: ['x', 'y'] }, [], env));
    const pidFile = join(d.state, 'upsmon.pid');
    await pidFileOf(p, pidFile);
    const v = victim();
    asNut(nut, REWRITE, pidFile, String(v.pid));
    const envAll = { ...d.env, ...env };
    const r = await runHardnut(['upsmon', '-c', 'stop'], envAll);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Not signalling upsmon: ${pidFile} names process ${String(v.pid)}, a root process that is not hardnut upsmon`);
    expect(await v.exitSignal()).toBe('SIGKILL');
    expect(p.child.exitCode).toBeNull();
    // nut can name the real supervisor too: it is root, and really hardnut upsmon, so it is stopped
    asNut(nut, REWRITE, pidFile, String(p.child.pid));
    expect((await runHardnut(['upsmon', '-c', 'stop'], envAll)).code).toBe(0);
    expect(await p.stop()).toBe(0);
  }, 40_000);
});

describe('POWERDOWNFLAG', () => {
  it('a FIFO planted there: root upsmon starts at once, disabling the flag with a clear error; -K answers without blocking', async (ctx) => {
    const nut = needRootAndNut(ctx);
    const d = makeUpsmonDir({});
    cleanups.push(() => d.cleanup());
    const flag = join(d.state, 'killpower');
    execFileSync('mkfifo', [flag], { uid: nut.uid, gid: nut.gid });
    const m = { system: 'u@127.0.0.1:9', role: 'secondary' as const, login: ['x', 'y'] as [string, string], extra: [`POWERDOWNFLAG ${flag}`] };
    const p = track(startHardnutUpsmon(d, 'ff', m, [], { NUT_ALTPIDPATH: d.state }));
    await pidFileOf(p, join(d.state, 'upsmon.pid'));
    expect(p.output()).toContain(`POWERDOWNFLAG (${flag}) does not contain the upsmon magic string, or is not a regular file - disabling!`);
    const k = await runHardnut(['upsmon', '-K', '-f', join(d.etc, 'upsmon-ff.conf')], d.env, 10_000);
    expect(k.code).toBe(1);
    expect(k.stderr).toContain('or is not a regular file');
    expect(lstatSync(flag).isFIFO()).toBe(true); // left as it is: not ours
  }, 30_000);
});

describe('upsd Unix socket: root makes no chmod/chown by path', () => {
  it('nut swapping a symlink in at the socket path while upsd starts as root: the root-only target keeps owner, mode, content', async (ctx) => {
    const nut = needRootAndNut(ctx);
    const dir = await upsdDir();
    const sock = join(dir.state, 'upsd.sock');
    writeFileSync(join(dir.etc, 'upsd.conf'), `LISTEN ${sock}\n`);
    const secret = rootSecret(dir);
    // the racer: whenever a socket appears, replace it with a link to the secret, as fast as it can
    const racer = spawn(process.execPath, ['-e', `
      const fs = require('fs');
      const [target, path] = process.argv.slice(1);
      let swaps = 0;
      for (;;) {
        try { if (fs.lstatSync(path).isSocket()) { fs.unlinkSync(path); fs.symlinkSync(target, path); swaps++; process.stdout.write('swap ' + swaps + '\\n'); } } catch {}
      }`, secret, sock], { uid: nut.uid, gid: nut.gid, stdio: ['ignore', 'pipe', 'ignore'] });
    let swaps = 0;
    racer.stdout?.on('data', (b: Buffer) => { swaps += b.toString().split('\n').filter((l) => l.startsWith('swap')).length; });
    cleanups.push(() => { racer.kill('SIGKILL'); });
    for (let round = 1; round <= 3; round++) {
      const before = swaps;
      const upsd = startUpsd(dir);
      // upsd either serves (its socket was swapped away after the bind) or refuses the link it found
      await waitFor(`round ${String(round)}: the racer swapped upsd's socket`, () => swaps > before || upsd.child.exitCode !== null, 20_000);
      await waitFor('upsd to be up or gone', () => upsd.output().includes('listening on') || upsd.child.exitCode !== null, 20_000);
      await upsd.stop();
      expectUntouched(secret);
      try { if (lstatSync(sock).isSymbolicLink()) execFileSync('rm', ['-f', sock]); } catch { /* nothing there */ }
    }
    expect(swaps).toBeGreaterThan(0);
  }, 90_000);

  it('the socket is created nut-owned and 0660 in the nut-writable directory, and in a root-only one', async (ctx) => {
    const nut = needRootAndNut(ctx);
    const dir = await upsdDir();
    const rootOnly = join(dir.root, 'sockdir');
    mkdirSync(rootOnly, { mode: 0o755 });
    const a = join(dir.state, 'a.sock');
    const b = join(rootOnly, 'b.sock');
    writeFileSync(join(dir.etc, 'upsd.conf'), `LISTEN ${a}\nLISTEN ${b}\n`);
    const upsd = startUpsd(dir);
    await waitFor('both listeners', () => upsd.output().includes(`listening on ${b}`) || upsd.child.exitCode !== null, 20_000);
    for (const s of [a, b]) {
      const st = lstatSync(s);
      expect({ sock: st.isSocket(), uid: st.uid, gid: st.gid, mode: st.mode & 0o777 }).toEqual({ sock: true, uid: nut.uid, gid: nut.gid, mode: 0o660 });
    }
  }, 30_000);
});
