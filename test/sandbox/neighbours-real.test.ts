// Issue 19 item 5 as the attacker did it, against the real processes: a compromised dummy-ups
// (the attacker's code running inside the real driver once its filter is loaded — a --require
// module standing in for a parser exploit) SIGSTOPs the real upsd or sets its NOFILE to 4; both
// run as nut. With the driver's real filter the driver dies of SIGSYS and upsd answers on with
// its limits unchanged. The control runs the same driver with seccomp off: the attack lands.
// test/sandbox/seccomp-neighbours.test.ts tries every path (tkill, tgkill, pidfd, …) per role.
// Root and the nut user; skipped elsewhere with the reason.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { lookupUser } from '../../src/sandbox/drop-privileges.js';
import { isRoot, requirePeer, type SkipContext } from '../support/peers.js';
import { HARDNUT, freePort, makeTestDir, startProcess, waitFor, type Proc, type TestDir } from '../support/stack.js';
import { SIMPLE_USERS, ask, startHardnutUpsd, upsConf } from '../upsd/support/upsd-stack.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

const KOFFI = createRequire(import.meta.url).resolve('koffi');

/**
 * The attacker's code. /proc/self/status is opened at load (as root, before any filter) and
 * re-read until the process runs as its user with the expected seccomp mode (2: filter loaded);
 * then one attack on HN_VICTIM, announced first, its result after.
 */
function attackModule(dir: TestDir): string {
  const file = join(dir.root, 'neighbour.cjs');
  writeFileSync(file, `
    const fs = require('fs');
    const koffi = require(${JSON.stringify(KOFFI)});
    const prlimit = koffi.load('libc.so.6').func('prlimit', 'int', ['int', 'int', 'void *', 'void *']);
    const statusFd = fs.openSync('/proc/self/status', 'r');
    const victim = Number(process.env.HN_VICTIM), attack = process.env.HN_ATTACK, want = process.env.HN_SECCOMP_MODE;
    const buf = Buffer.alloc(16384);
    const timer = setInterval(() => {
      const st = buf.subarray(0, fs.readSync(statusFd, buf, 0, buf.length, 0)).toString('latin1');
      if (/^Uid:\\s+0\\s/m.test(st) || !new RegExp('^Seccomp:\\\\s+' + want + '$', 'm').test(st)) return;
      clearInterval(timer);
      fs.writeSync(2, 'ATTACK ' + attack + ' on ' + victim + '\\n');
      let rc;
      if (attack === 'sigstop') { try { process.kill(victim, 'SIGSTOP'); rc = 'ok'; } catch (e) { rc = e.code; } }
      else { const lim = Buffer.alloc(16); lim.writeBigUInt64LE(4n, 0); lim.writeBigUInt64LE(4n, 8); rc = prlimit(victim, 7, lim, null) === 0 ? 'ok' : 'errno ' + koffi.errno(); }
      fs.writeSync(2, 'LANDED ' + rc + '\\n');
    }, 5);
    timer.unref();
  `, { mode: 0o644 });
  return file;
}

function needAll(ctx: SkipContext): void {
  requirePeer(ctx, isRoot(), 'root (the daemons are started as root and drop to nut)');
  requirePeer(ctx, lookupUser('nut') !== undefined, 'the nut user (apt-get install nut-server)');
}

function procState(pid: number): string {
  const stat = readFileSync(`/proc/${String(pid)}/stat`, 'latin1');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}
function maxOpenFiles(pid: number): string {
  return (/^Max open files\s+(\S+\s+\S+)/m.exec(readFileSync(`/proc/${String(pid)}/limits`, 'latin1'))?.[1] ?? '').replace(/\s+/, ' ');
}

interface Scene { dir: TestDir; port: number; upsd: Proc; upsdPid: number; limitsBefore: string }

async function scene(): Promise<Scene> {
  const port = await freePort();
  const dir = makeTestDir({ 'ups.conf': upsConf(['ups1']), 'ups1.dev': 'ups.status: OL\n', 'upsd.conf': `LISTEN 127.0.0.1 ${String(port)}\n`, 'upsd.users': SIMPLE_USERS });
  cleanups.push(() => dir.cleanup());
  const upsd = await startHardnutUpsd(dir, port);
  const upsdPid = upsd.child.pid as number;
  cleanups.push(async () => { try { process.kill(upsdPid, 'SIGCONT'); } catch { /* gone */ } await upsd.stop('SIGKILL'); });
  return { dir, port, upsd, upsdPid, limitsBefore: maxOpenFiles(upsdPid) };
}

function compromisedDriver(s: Scene, attack: 'sigstop' | 'nofile', seccomp: 'enforce' | 'off'): Proc {
  const drv = startProcess(process.execPath, ['--require', attackModule(s.dir), HARDNUT, 'dummy-ups', '-a', 'ups1', '-F', '-u', 'nut'],
    { ...s.dir.env, HARDNUT_SECCOMP: seccomp, HN_VICTIM: String(s.upsdPid), HN_ATTACK: attack, HN_SECCOMP_MODE: seccomp === 'off' ? '0' : '2' });
  cleanups.push(() => drv.stop('SIGKILL'));
  return drv;
}

async function upsdAnswers(port: number): Promise<string> {
  return ask(port, 'VER\n', /\n/, 10_000);
}

describe('a compromised driver cannot stop or starve upsd (its neighbour, same user nut)', () => {
  for (const attack of ['sigstop', 'nofile'] as const) {
    it(`control, seccomp off: ${attack} lands on the real upsd`, async (ctx) => {
      needAll(ctx);
      const s = await scene();
      const drv = compromisedDriver(s, attack, 'off');
      await waitFor('the attack\'s result', () => drv.output().includes('LANDED ') || drv.child.exitCode !== null, 30_000);
      expect(drv.output()).toContain('LANDED ok');
      if (attack === 'sigstop') await waitFor('upsd stopped', () => procState(s.upsdPid) === 'T', 10_000);
      else expect(maxOpenFiles(s.upsdPid)).toBe('4 4');
    }, 60_000);

    it(`with the driver's filter: ${attack} kills the driver (SIGSYS); upsd answers on, its limits unchanged`, async (ctx) => {
      needAll(ctx);
      const s = await scene();
      const drv = compromisedDriver(s, attack, 'enforce');
      await waitFor('the driver to end', () => drv.child.exitCode !== null || drv.child.signalCode !== null, 30_000);
      expect(drv.output()).toContain(`ATTACK ${attack} on ${String(s.upsdPid)}`);
      expect(drv.output()).not.toContain('LANDED');
      expect(drv.child.signalCode).toBe('SIGSYS');
      expect(procState(s.upsdPid)).not.toBe('T');
      expect(maxOpenFiles(s.upsdPid)).toBe(s.limitsBefore);
      expect(await upsdAnswers(s.port)).toMatch(/^Network UPS Tools upsd /);
    }, 60_000);
  }
});
