// Issue 19, the driver's half of item 2: a driver given a socket group (-g, ups.conf group) sets
// it after the bind, in the state directory nut can write. Done by path, root (a driver run with
// -u root) would chgrp whatever a nut process swapped in there — a root-only file made readable
// by the group. The group is now set through an O_PATH|O_NOFOLLOW descriptor checked to be the
// socket. The window between bind and group change is opened for real: the driver is held by
// strace at listen(2) (after the bind), nut swaps in a link to a root file, the driver goes on.
// Root, the nut user and strace; skipped elsewhere with the reason.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { lstatSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lookupGroup, lookupUser } from '../../src/sandbox/drop-privileges.js';
import { isRoot, onPath, requirePeer, type SkipContext } from '../support/peers.js';
import { HARDNUT, makeTestDir, startProcess, waitFor, type TestDir } from '../support/stack.js';
import { startHeldAt, STRACE_WHY } from '../sandbox/support/syscall-window.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

function needAll(ctx: SkipContext): { uid: number; gid: number } {
  requirePeer(ctx, isRoot(), 'root (the attack is on a driver running as root)');
  const nut = lookupUser('nut');
  requirePeer(ctx, nut !== undefined, 'the nut user (apt-get install nut-server)');
  requirePeer(ctx, onPath('strace'), STRACE_WHY);
  return nut as { uid: number; gid: number };
}

function driverDir(): TestDir {
  const dir = makeTestDir({ 'ups.conf': '[ups1]\n\tdriver = dummy-ups\n\tport = ups1.dev\n', 'ups1.dev': 'ups.status: OL\n' });
  cleanups.push(() => dir.cleanup());
  return dir;
}

/** dummy-ups as root (-u root) with socket group nut, in the foreground. */
const DRIVER_ARGS = [HARDNUT, 'dummy-ups', '-a', 'ups1', '-F', '-u', 'root', '-g', 'nut'];

describe('a driver\'s socket group is set by descriptor, never through a path nut can change', () => {
  it('nut swaps a symlink to a root-only file in after the bind: the file keeps its group; the driver says it left the group alone', async (ctx) => {
    const nut = needAll(ctx);
    const dir = driverDir();
    const secret = join(dir.root, 'secret');
    writeFileSync(secret, 'root only\n', { mode: 0o600 });
    const sock = join(dir.state, 'dummy-ups-ups1');
    const held = await startHeldAt('listen', process.execPath, DRIVER_ARGS, dir.env, cleanups);
    expect(lstatSync(sock).isSocket()).toBe(true); // bound: the name exists, the group is not set yet
    // the attacker, as nut: the state directory is nut's
    execFileSync(process.execPath, ['-e', 'const fs=require("fs");fs.unlinkSync(process.argv[2]);fs.symlinkSync(process.argv[1],process.argv[2])', secret, sock],
      { uid: nut.uid, gid: nut.gid, stdio: 'ignore' });
    await held.release();
    await waitFor('the driver to give up on the group', () => {
      if (held.proc.child.exitCode !== null) throw new Error(`driver exited ${String(held.proc.child.exitCode)}:\n${held.proc.output()}`);
      return held.proc.output().includes('WARNING: could not give group nut access to');
    }, 30_000);
    expect(held.proc.output()).toContain(`${sock}: not the socket this driver bound (a symbolic link); its group is left alone`);
    const st = statSync(secret);
    expect({ uid: st.uid, gid: st.gid, mode: st.mode & 0o7777, text: readFileSync(secret, 'latin1') }).toEqual({ uid: 0, gid: 0, mode: 0o600, text: 'root only\n' });
  }, 120_000);

  it('without an attack the socket gets the group: root-owned, group nut, 0660, and nut can connect', async (ctx) => {
    const nut = needAll(ctx);
    const dir = driverDir();
    const sock = join(dir.state, 'dummy-ups-ups1');
    const drv = startProcess(process.execPath, DRIVER_ARGS, dir.env);
    cleanups.push(() => drv.stop());
    await waitFor('the driver\'s pid file', () => {
      if (drv.child.exitCode !== null) throw new Error(`driver exited ${String(drv.child.exitCode)}:\n${drv.output()}`);
      try { return readFileSync(join(dir.state, 'dummy-ups-ups1.pid'), 'latin1').trim() === String(drv.child.pid); } catch { return false; }
    }, 30_000);
    const st = lstatSync(sock);
    expect({ sock: st.isSocket(), uid: st.uid, gid: st.gid, mode: st.mode & 0o777 }).toEqual({ sock: true, uid: 0, gid: lookupGroup('nut'), mode: 0o660 });
    // nut (upsd's user) reaches the root driver through the group
    const reply = execFileSync(process.execPath, ['-e', `
      const s = require('net').createConnection(process.argv[1], () => s.write('PING\\n'));
      s.on('data', (d) => { process.stdout.write(d); s.destroy(); });
      s.on('error', (e) => { process.stdout.write('ERR ' + e.code); });`, sock], { uid: nut.uid, gid: nut.gid, encoding: 'latin1', timeout: 20_000 });
    expect(reply).toBe('PONG\n');
    expect(drv.output()).not.toContain('could not give group');
  }, 60_000);
});
