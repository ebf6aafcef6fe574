// `upsdrvctl -F start` (NUT 2.8.1+, as NUT's tests/NIT/nit.sh runs it): every driver of ups.conf
// in the foreground as upsdrvctl's own child, serving; upsdrvctl stays until they exit, and a
// SIGTERM to it ends them all and it exits 0 (issue 20 item 8).
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HARDNUT, makeTestDir, runHardnut, startProcess, talk, userArgs, waitFor, type Proc, type TestDir } from '../support/stack.js';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

const alive = (pid: number): boolean => { try { process.kill(pid, 0); return true; } catch { return false; } };
function ppidOf(pid: number): number {
  const stat = readFileSync(`/proc/${String(pid)}/stat`, 'latin1');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

describe('upsdrvctl -F', () => {
  it('start: both drivers serve as its children; upsdrvctl stays; SIGTERM ends them and it exits 0', async () => {
    const d: TestDir = makeTestDir({ 'ups.conf': '[a]\n\tdriver = dummy-ups\n\tport = a.dev\n[b]\n\tdriver = dummy-ups\n\tport = b.dev\n', 'a.dev': 'ups.status: OL\n', 'b.dev': 'ups.status: OB\n' });
    cleanups.push(() => d.cleanup());
    // should the test fail half-way, drivers left behind are stopped by their pid files
    cleanups.push(() => runHardnut(['upsdrvctl', 'stop'], d.env));
    const ctl: Proc = startProcess(process.execPath, [HARDNUT, 'upsdrvctl', ...userArgs(), '-F', 'start'], d.env);
    cleanups.push(() => ctl.stop('SIGKILL'));
    for (const u of ['a', 'b']) {
      await waitFor(`driver ${u} serving`, async () => (await talk(join(d.state, `dummy-ups-${u}`), 'PING\n', /PONG/).catch(() => '')) === 'PONG\n', 20_000, 100);
    }
    const pids = await waitFor('pid files', () => {
      try { return ['a', 'b'].map((u) => Number(readFileSync(join(d.state, `dummy-ups-${u}.pid`), 'utf8'))); } catch { return undefined; }
    });
    // foreground: the drivers did not detach; they are upsdrvctl's children, and it is still there
    for (const pid of pids) expect(ppidOf(pid)).toBe(ctl.child.pid);
    expect(ctl.child.exitCode).toBeNull();
    expect(await ctl.stop('SIGTERM')).toBe(0);
    for (const pid of pids) expect(alive(pid)).toBe(false);
  }, 40_000);
});
