// dummy-ups in repeater mode (§7.1) on hardnut's client library: it mirrors a UPS served by
// Debian's upsd into its own driver socket, follows changes, goes stale while the upstream is
// unreadable and comes back after an upsd restart.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { hasRefNut, isRoot, refNut, requirePeer } from '../support/peers.js';
import {
  CLOSED_PORT, freePort, makeTestDir, startHardnutDriver, startProcess, talk, userArgs, waitFor, waitForSocket,
  type Proc, type TestDir,
} from '../support/stack.js';
import { startDebianStack, type DebianStack } from './clients-stack.js';

const peer = hasRefNut() && isRoot();
const PEER = "Debian's NUT (apt-get install nut-server nut-client) and root";
let stack: DebianStack;
const cleanups: Array<() => Promise<unknown> | void> = [];
beforeAll(async () => { if (peer) stack = await startDebianStack(); }, 90_000);
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await stack?.close();
});

function repeaterDir(section: string): TestDir {
  const dir = makeTestDir({ 'ups.conf': `pollinterval = 1\n${section}` });
  cleanups.push(() => dir.cleanup());
  return dir;
}

function track(p: Proc): Proc { cleanups.push(() => p.stop()); return p; }

async function dump(dir: TestDir, ups: string, driver = 'dummy-ups'): Promise<string[]> {
  return (await talk(join(dir.state, `${driver}-${ups}`), 'DUMPALL\n', /DUMPDONE\n/)).split('\n').filter((l) => l !== '');
}

describe('dummy-ups repeater mode', () => {
  it('mirrors every variable but driver.*, follows changes and deletions, goes stale and recovers', async (ctx) => {
    requirePeer(ctx, peer, PEER);
    const dir = repeaterDir(`[rep]\n\tdriver = dummy-ups\n\tport = rwups@127.0.0.1:${stack.port}\n`);
    const drv = track(startHardnutDriver(dir, 'dummy-ups', 'rep'));
    await waitForSocket(join(dir.state, 'dummy-ups-rep'), 15_000);
    const first = await dump(dir, 'rep');
    expect(first).toContain('SETINFO ups.mfr "Fake \\"Quoted\\" Inc."');
    expect(first).toContain('SETINFO input.transfer.low "160"');
    expect(first).toContain('SETINFO ups.status "OL"');
    expect(first).toContain('SETINFO driver.parameter.mode "repeater"');
    expect(first).toContain('SETINFO driver.name "dummy-ups"');
    expect(first).not.toContain('SETINFO driver.name "fake-driver"');
    expect(first.slice(-2)).toEqual(['DATAOK', 'DUMPDONE']);

    stack.fake.state.setInfo('ups.status', 'OB LB');
    stack.fake.state.setInfo('battery.charge', '12');
    stack.fake.state.delInfo('ups.id');
    await waitFor('the change mirrored', async () => {
      const d = await dump(dir, 'rep');
      return d.includes('SETINFO ups.status "OB LB"') && d.includes('SETINFO battery.charge "12"') && !d.some((l) => l.startsWith('SETINFO ups.id '));
    }, 10_000, 200);

    stack.fake.state.dataStale();
    await waitFor('stale upstream, stale here', async () => (await dump(dir, 'rep'))[0] === 'DATASTALE', 10_000, 200);
    stack.fake.state.dataOk();
    await waitFor('fresh again', async () => (await dump(dir, 'rep')).slice(-2).join(' ') === 'DATAOK DUMPDONE', 10_000, 200);

    // upsd restarted: the repeater reconnects (with backoff) and follows changes again
    await stack.stopUpsd();
    await waitFor('stale while upsd is down', async () => (await dump(dir, 'rep'))[0] === 'DATASTALE', 10_000, 200);
    stack.fake.state.setInfo('ups.status', 'OL CHRG');
    await stack.startUpsd();
    await waitFor('following again after the restart', async () => {
      const d = await dump(dir, 'rep');
      return d.includes('SETINFO ups.status "OL CHRG"') && d[d.length - 2] === 'DATAOK';
    }, 30_000, 300);
    expect(drv.child.exitCode).toBeNull();
    stack.fake.state.setInfo('ups.status', 'OL');
    stack.fake.state.setInfo('ups.id', 'myups');
  }, 90_000);

  it('mirrors what Debian\'s dummy-ups repeater mirrors (driver.* aside)', async (ctx) => {
    requirePeer(ctx, peer, PEER);
    const section = `[rep]\n\tdriver = dummy-ups\n\tport = rwups@127.0.0.1:${stack.port}\n`;
    const ours = repeaterDir(section);
    const theirs = repeaterDir(section);
    track(startHardnutDriver(ours, 'dummy-ups', 'rep'));
    const deb = track(startProcess(refNut.dummyUps, ['-a', 'rep', '-F', ...userArgs()], theirs.env));
    await waitForSocket(join(ours.state, 'dummy-ups-rep'), 15_000);
    await waitForSocket(join(theirs.state, 'dummy-ups-rep'), 15_000);
    // driver.* are each driver's own; device.mfr is copied from ups.mfr by the driver core, and
    // NUT 2.8.0's core re-escapes the already escaped value ("Fake \\\"Quoted…"): not the repeater.
    const strip = (lines: string[]): string[] => lines.filter((l) => !/^SETINFO (driver\.|device\.mfr )/.test(l));
    await waitFor('same mirror', async () => {
      const [a, b] = [strip(await dump(ours, 'rep')), strip(await dump(theirs, 'rep'))];
      return JSON.stringify(a) === JSON.stringify(b) ? true : undefined;
    }, 10_000, 500).catch(async () => {
      expect(strip(await dump(ours, 'rep'))).toEqual(strip(await dump(theirs, 'rep')));
    });
    // Debian's dummy-ups 2.8.0 spins after a socket client leaves: stop it now
    await deb.stop();
  }, 60_000);

  it('a start-up failure is fatal, unless repeater_disable_strict_start', async (ctx) => {
    requirePeer(ctx, peer, PEER);
    const dead = CLOSED_PORT;
    const strict = repeaterDir(`[bad]\n\tdriver = dummy-ups\n\tport = rwups@127.0.0.1:${dead}\n`);
    const p = startHardnutDriver(strict, 'dummy-ups', 'bad');
    const code = await new Promise<number | null>((resolve) => p.child.once('exit', (c) => resolve(c)));
    expect(code).toBe(1);
    expect(p.output()).toContain("Error: Connection failure: Connection refused. Any errors encountered starting the repeater mode result in driver termination, perhaps you want to set the 'repeater_disable_strict_start' option?");

    const lax = repeaterDir(`[lax]\n\tdriver = dummy-ups\n\tport = rwups@127.0.0.1:${dead}\n\trepeater_disable_strict_start\n`);
    const q = track(startHardnutDriver(lax, 'dummy-ups', 'lax'));
    await waitForSocket(join(lax.state, 'dummy-ups-lax'), 15_000);
    const d = await dump(lax, 'lax');
    expect(d[0]).toBe('DATASTALE');
    expect(d).toContain('SETINFO driver.flag.repeater_disable_strict_start "enabled"');
    expect(q.output()).toContain('Warning: Connection failure: Connection refused');

    const bad = repeaterDir('[spec]\n\tdriver = dummy-ups\n\tport = rwups@\n');
    const r = startHardnutDriver(bad, 'dummy-ups', 'spec');
    expect(await new Promise<number | null>((resolve) => r.child.once('exit', (c) => resolve(c)))).toBe(1);
    expect(r.output()).toContain('Error: invalid UPS definition.\nRequired format: upsname[@hostname[:port]]');
  }, 60_000);
});
