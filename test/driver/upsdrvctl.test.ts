// upsdrvctl with real drivers: they background themselves, write pid files, and stop on request.
import { describe, it, expect, afterEach } from 'vitest';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HARDNUT, makeTestDir, runHardnut, runUntilExit, talk, userArgs, waitFor, type TestDir } from '../support/stack.js';

const dirs: TestDir[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) {
    await runHardnut(['upsdrvctl', 'stop'], d.env);
    d.cleanup();
  }
});

const DEV = 'ups.status: OL\n';
function setup(ups: string): TestDir {
  const d = makeTestDir({ 'ups.conf': ups, 'a.dev': DEV, 'b.dev': DEV });
  dirs.push(d);
  return d;
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

describe('upsdrvctl', () => {
  it('start runs every driver in the background; stop ends them and removes their sockets', async () => {
    const d = setup('[a]\n\tdriver = dummy-ups\n\tport = a.dev\n[b]\n\tdriver = dummy-ups\n\tport = b.dev\n');
    const t0 = Date.now();
    const r = await runHardnut(['upsdrvctl', ...userArgs(), 'start'], d.env);
    expect(r.code, r.stderr).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    const pids = ['a', 'b'].map((u) => Number(readFileSync(join(d.state, `dummy-ups-${u}.pid`), 'utf8')));
    for (const [i, u] of ['a', 'b'].entries()) {
      expect(alive(pids[i] as number)).toBe(true);
      expect(await talk(join(d.state, `dummy-ups-${u}`), 'PING\n', /PONG/)).toBe('PONG\n');
    }
    const s = await runHardnut(['upsdrvctl', 'stop', 'a'], d.env);
    expect(s.code, s.stderr).toBe(0);
    expect(alive(pids[0] as number)).toBe(false);
    expect(existsSync(join(d.state, 'dummy-ups-a'))).toBe(false);
    expect(alive(pids[1] as number)).toBe(true);
    expect((await runHardnut(['upsdrvctl', 'stop'], d.env)).code).toBe(1); // a's pid file is gone: reported
    expect(alive(pids[1] as number)).toBe(false);
  }, 30_000);

  it('a driver that fails is retried maxretry times, retrydelay apart, and reported', async () => {
    const d = setup('maxretry = 2\nretrydelay = 1\n[a]\n\tdriver = dummy-ups\n\tport = missing.dev\n');
    const t0 = Date.now();
    const r = await runHardnut(['upsdrvctl', ...userArgs(), 'start'], d.env);
    expect(r.code).toBe(1);
    expect(r.stderr.match(/Driver failed to start \(exit status=1\)/g)).toHaveLength(2);
    expect(r.stderr).toMatch(/missing\.dev/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
  }, 30_000);

  it('start with one good and one broken driver: exits non-zero and names the one that did not come up; the good one serves', async () => {
    const d = setup('[a]\n\tdriver = dummy-ups\n\tport = a.dev\n[b]\n\tdriver = dummy-ups\n\tport = missing.dev\n');
    const r = await runHardnut(['upsdrvctl', ...userArgs(), 'start'], d.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Driver dummy-ups for UPS [b] did not come up');
    expect(r.stderr.trim().split('\n').pop()).toBe('upsdrvctl: not started: dummy-ups for UPS [b]');
    expect(r.stderr).not.toMatch(/UPS \[a\]/);
    expect(await talk(join(d.state, 'dummy-ups-a'), 'PING\n', /PONG/)).toBe('PONG\n');
    expect(existsSync(join(d.state, 'dummy-ups-b'))).toBe(false);
    expect(existsSync(join(d.state, 'dummy-ups-b.pid'))).toBe(false);
  }, 30_000);

  it('maxstartdelay bounds the wait for a driver that never backgrounds', async () => {
    const d = setup('');
    writeFileSync(join(d.root, 'slowdrv'), '#!/bin/sh\nexec sleep 6\n');
    chmodSync(join(d.root, 'slowdrv'), 0o755);
    writeFileSync(join(d.etc, 'ups.conf'), `maxstartdelay = 1\ndriverpath = ${d.root}\n[a]\n\tdriver = slowdrv\n\tport = x\n`);
    const t0 = Date.now();
    const r = await runUntilExit(process.execPath, [HARDNUT, 'upsdrvctl', 'start'], d.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Startup timer elapsed/);
    expect(Date.now() - t0).toBeLessThan(5000);
  }, 30_000);

  it('shutdown runs each driver with -k in sdorder; -t only prints', async () => {
    const d = setup('');
    const log = join(d.root, 'order.log');
    // the earlier one in sdorder is the slower one: started together, they would log in the wrong order
    writeFileSync(join(d.root, 'fakedrv'), `#!/bin/sh\ncase "$*" in *second*) sleep 0.5;; esac\necho "$*" >> ${log}\n`);
    chmodSync(join(d.root, 'fakedrv'), 0o755);
    writeFileSync(join(d.etc, 'ups.conf'), `driverpath = ${d.root}\n[first]\n\tdriver = fakedrv\n\tport = x\n\tsdorder = 2\n[second]\n\tdriver = fakedrv\n\tport = x\n[skip]\n\tdriver = fakedrv\n\tport = x\n\tsdorder = -1\n`);
    const t = await runHardnut(['upsdrvctl', '-t', 'shutdown'], d.env);
    expect(t.code).toBe(0);
    expect(existsSync(log)).toBe(false);
    expect(t.stderr).toMatch(/exec: .*fakedrv -a second -k/);
    const r = await runHardnut(['upsdrvctl', 'shutdown'], d.env);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(log, 'utf8')).toBe('-a second -k\n-a first -k\n');
  });

  it('a UPS not in ups.conf, and a bad command, are errors', async () => {
    const d = setup('[a]\n\tdriver = dummy-ups\n\tport = a.dev\n');
    const r = await runHardnut(['upsdrvctl', 'start', 'zzz'], d.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/UPS zzz not found in ups.conf/);
    expect((await runHardnut(['upsdrvctl', 'frobnicate'], d.env)).code).toBe(1);
    // stop: nothing running, then a stale pid file: exit 1 with the reason, not an errno
    const none = await runHardnut(['upsdrvctl', 'stop', 'a'], d.env);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`Can't stop the driver of [a]: it is not running (no pid file ${join(d.state, 'dummy-ups-a.pid')})`);
    writeFileSync(join(d.state, 'dummy-ups-a.pid'), '999999999\n');
    const stale = await runHardnut(['upsdrvctl', 'stop', 'a'], d.env);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain(`Can't stop the driver of [a]: dummy-ups is not running: no process 999999999 (from ${join(d.state, 'dummy-ups-a.pid')})`);
    await waitFor('nothing started', () => !existsSync(join(d.state, 'dummy-ups-a')));
  });
});
