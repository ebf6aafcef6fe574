// hardnut's dummy-ups against Debian's NUT 2.8.0 (issue 2): Debian's upsd serves hardnut's driver
// socket, and for the same .dev hardnut's DUMPALL equals Debian's dummy-ups' (driver.version*
// aside).
import { describe, it, expect, afterEach } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasRefNut, refNut, requirePeer } from '../support/peers.js';
import {
  freePort, makeTestDir, run, startHardnutDriver, startProcess, talk, userArgs, waitFor, waitForSocket,
  type Proc, type TestDir,
} from '../support/stack.js';

const DEV = readFileSync(new URL('../fixtures/ups1.dev', import.meta.url), 'utf8');
const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

function track(p: Proc): Proc { cleanups.push(() => p.stop()); return p; }
function trackDir(d: TestDir): TestDir { cleanups.push(() => d.cleanup()); return d; }

/** Debian's upsd in the foreground on 127.0.0.1:port. */
async function startDebianUpsd(dir: TestDir, port: number): Promise<Proc> {
  const upsd = track(startProcess(refNut.upsd, ['-F', ...userArgs()], dir.env));
  await waitFor('Debian upsd listening', async () => (await run(refNut.upsc, ['-l', `127.0.0.1:${port}`], dir.env)).code === 0, 15_000, 100);
  return upsd;
}

function upsdFiles(port: number, ups: string): Record<string, string> {
  return {
    'ups.conf': `pollinterval = 1\n${ups}`,
    'upsd.conf': `LISTEN 127.0.0.1 ${port}\nMAXAGE 15\n`,
    'upsd.users': '[admin]\n\tpassword = adminpass\n\tactions = SET\n\tinstcmds = ALL\n',
  };
}

/** upsc's "var: value" lines, keyed by variable. */
function upscVars(stdout: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const i = line.indexOf(': ');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 2));
  }
  return m;
}

/** What dummy-ups makes of a .dev line: the value words joined by single spaces (§7.2). */
function devValues(text: string): Map<string, string> {
  const m = new Map<string, string>();
  m.set('x.quoted', 'two  words and "escaped"');
  m.set('x.equals', 'a = b');
  m.set('x.backslash', 'c:\\path');
  for (const line of text.split('\n')) {
    const match = /^([a-z][a-z0-9.]*): (.*)$/.exec(line);
    if (match && !match[1]!.startsWith('x.')) m.set(match[1]!, match[2]!);
  }
  return m;
}

describe('Debian upsd serves hardnut dummy-ups', () => {
  it('upsc through the real upsd prints exactly the .dev values', async (ctx) => {
    requirePeer(ctx, hasRefNut(), "Debian's NUT (apt-get install nut-server nut-client)");
    const port = await freePort();
    const dir = trackDir(makeTestDir({
      ...upsdFiles(port, '[ups1]\n\tdriver = dummy-ups\n\tport = ups1.dev\n\tdesc = "hardnut driver"\n'),
      'ups1.dev': DEV,
    }));
    const drv = track(startHardnutDriver(dir, 'dummy-ups', 'ups1'));
    await waitForSocket(join(dir.state, 'dummy-ups-ups1'));
    await startDebianUpsd(dir, port);
    const out = await waitFor('ups1 data', async () => {
      const r = await run(refNut.upsc, [`ups1@127.0.0.1:${port}`], dir.env);
      return r.code === 0 && !r.stdout.includes('ups.status: WAIT') ? r.stdout : undefined;
    }, 15_000, 200);
    const got = upscVars(out);
    for (const [name, value] of devValues(DEV)) expect(got.get(name), name).toBe(value);
    expect(got.get('driver.name')).toBe('dummy-ups');
    expect(got.get('driver.parameter.port')).toBe('ups1.dev');
    expect(got.get('driver.parameter.mode')).toBe('dummy-once');
    expect(drv.child.exitCode).toBeNull();
  }, 60_000);

  it("a .seq's status changes arrive through the real upsd within one TIMER step", async (ctx) => {
    requirePeer(ctx, hasRefNut(), "Debian's NUT");
    const port = await freePort();
    const seq = 'battery.charge: 100\nups.status: OL\nTIMER 3\nbattery.charge: 50\nups.status: OB\nTIMER 3\nups.status: OB LB\nTIMER 30\n';
    const dir = trackDir(makeTestDir({ ...upsdFiles(port, '[ups2]\n\tdriver = dummy-ups\n\tport = ups2.seq\n'), 'ups2.seq': seq }));
    track(startHardnutDriver(dir, 'dummy-ups', 'ups2'));
    await waitForSocket(join(dir.state, 'dummy-ups-ups2'));
    await startDebianUpsd(dir, port);
    const status = async (): Promise<string> => (await run(refNut.upsc, [`ups2@127.0.0.1:${port}`, 'ups.status'], dir.env)).stdout.trim();
    await waitFor('OL', async () => (await status()) === 'OL', 15_000, 100);
    const t0 = Date.now();
    await waitFor('OB', async () => (await status()) === 'OB', 8_000, 100);
    const t1 = Date.now();
    await waitFor('OB LB', async () => (await status()) === 'OB LB', 8_000, 100);
    const t2 = Date.now();
    // each step is TIMER 3 s; the driver polls every second: a change shows within one step
    expect(t1 - t0).toBeLessThanOrEqual(3000 + 1500);
    expect(t2 - t1).toBeGreaterThanOrEqual(1500);
    expect(t2 - t1).toBeLessThanOrEqual(3000 + 1500);
    expect((await run(refNut.upsc, [`ups2@127.0.0.1:${port}`, 'battery.charge'], dir.env)).stdout.trim()).toBe('50');
  }, 60_000);
});

describe('hardnut dummy-ups answers DUMPALL like Debian dummy-ups', () => {
  it('same lines for the same .dev, driver.version* aside', async (ctx) => {
    requirePeer(ctx, hasRefNut(), "Debian's NUT");
    const ups = '[ups1]\n\tdriver = dummy-ups\n\tport = ups1.dev\n\tdesc = "x"\n\tnolock\n\tmode = dummy-once\n';
    const dirA = trackDir(makeTestDir({ 'ups.conf': ups, 'ups1.dev': DEV }));
    const dirB = trackDir(makeTestDir({ 'ups.conf': ups, 'ups1.dev': DEV }));
    track(startProcess(refNut.dummyUps, ['-a', 'ups1', '-F', ...userArgs()], dirA.env));
    track(startHardnutDriver(dirB, 'dummy-ups', 'ups1'));
    await waitForSocket(join(dirA.state, 'dummy-ups-ups1'));
    await waitForSocket(join(dirB.state, 'dummy-ups-ups1'));
    const dump = async (d: TestDir): Promise<string[]> => (await talk(join(d.state, 'dummy-ups-ups1'), 'DUMPALL\n', /DUMPDONE\n/))
      .split('\n').filter((l) => l !== '' && !/^SETINFO driver\.version/.test(l));
    const [theirs, ours] = [await dump(dirA), await dump(dirB)];
    expect(ours).toEqual(theirs);
    expect(ours).toContain('SETINFO x.quoted "two  words and \\"escaped\\""');
    expect(ours).toContain('SETINFO driver.flag.nolock "enabled"');
  }, 30_000);
});
