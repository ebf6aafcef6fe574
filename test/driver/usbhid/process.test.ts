// The real usbhid-ups process (dist/hardnut.js, dropped to nut and under its seccomp role when
// started as root) on a recorded APC BK650M2-CH selected with HARDNUT_USBHID_FIXTURE, served by
// hardnut's upsd: upsc sees NUT's variables, commands reach the UPS as NUT's feature reports,
// an unplug makes the data stale and a replug brings it back.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NutClient } from '../../../src/client/index.js';
import { DAEMON_USER_WHY, hasExecutable, hasLibusb, isRoot, LIBUSB, requireAll, requirePeer, runsDaemons } from '../../support/peers.js';
import {
  HARDNUT, freePort, makeTestDir, startHardnutDriver, startProcess, userArgs, waitFor, waitForSocket, writeFiles, type Proc, type TestDir,
} from '../../support/stack.js';
import { loadFixture, nutVariables } from './fixtures.js';
import { FIXTURE_ENV } from '../../../src/driver/drivers/usbhid-ups.js';

const USERS = '[admin]\n\tpassword = adminpass\n\tactions = SET\n\tinstcmds = ALL\n';
const built = hasExecutable(HARDNUT);
let dir: TestDir;
let port = 0;
let fixture = '';
const procs: Proc[] = [];

async function client(): Promise<NutClient> {
  return NutClient.connect({ host: '127.0.0.1', port });
}

async function read(name: string): Promise<string> {
  const c = await client();
  try { return await c.getVar('bk', name); } catch (err) { return `ERR ${(err as { word?: string }).word ?? (err as Error).message}`; } finally { await c.close(); }
}

beforeAll(async ({}, suite) => {
  requireAll(suite, runsDaemons(), DAEMON_USER_WHY); requireAll(suite, hasLibusb(), LIBUSB);
  if (!built) return;
  port = await freePort();
  dir = makeTestDir({
    'ups.conf': '[bk]\n\tdriver = usbhid-ups\n\tport = auto\n\tvendorid = 051d\n\tproduct = "BK650.*"\n\tpollinterval = 1\n\tpollfreq = 2\n',
    'upsd.users': USERS,
  });
  writeFiles(dir, { 'upsd.conf': `LISTEN 127.0.0.1 ${port}\nMAXAGE 4\n` });
  // the state dir belongs to the driver's user: it reads the fixture and appends its writes there
  fixture = join(dir.state, 'bk650.json');
  writeFileSync(fixture, JSON.stringify(loadFixture('apc-bk650m2-ch')));
  chmodSync(fixture, 0o644);
  const env = { ...dir.env, [FIXTURE_ENV]: fixture };
  procs.push(startProcess(process.execPath, [HARDNUT, 'usbhid-ups', '-a', 'bk', '-F', ...userArgs()], env));
  await waitForSocket(join(dir.state, 'usbhid-ups-bk'), 20_000).catch((e: unknown) => {
    throw new Error(`${(e as Error).message}\n${procs.map((p) => p.output()).join('\n')}`);
  });
  procs.push(startProcess(process.execPath, [HARDNUT, 'upsd', '-F', ...userArgs()], dir.env));
  await waitFor('upsd serving bk', async () => (await read('ups.status').catch(() => '')) === 'OL DISCHRG', 20_000, 200).catch((e: unknown) => {
    throw new Error(`${(e as Error).message}\n${procs.map((p) => p.output()).join('\n')}`);
  });
}, 60_000);

afterAll(async () => {
  for (const p of procs.reverse()) await p.stop();
  dir?.cleanup();
});

describe('usbhid-ups process on a recorded BK650M2-CH, through hardnut upsd', () => {
  it('upsc lists the variables NUT listed for this unit', async (ctx) => {
    requirePeer(ctx, built, 'a build (npm run build)');
    const c = await client();
    try {
      const vars = Object.fromEntries(await c.listVar('bk'));
      const expected = nutVariables(loadFixture('apc-bk650m2-ch'));
      for (const [k, v] of Object.entries(expected)) expect(vars[k], k).toBe(v);
      expect(vars['device.model']).toBe('BK650M2-CH');
      expect(vars['driver.name']).toBe('usbhid-ups');
      expect(vars['driver.version.data']).toBe('APC HID 0.98');
      expect(vars['driver.parameter.pollfreq']).toBe('2');
      expect(vars['driver.parameter.vendorid']).toBe('051d');
      expect(await c.listCmd('bk')).toContain('test.battery.start.quick');
    } finally { await c.close(); }
  });

  it('runs under seccomp as nut when started as root', (ctx) => {
    requirePeer(ctx, built && isRoot(), 'root and a build');
    const st = readFileSync(`/proc/${procs[0]?.child.pid}/status`, 'latin1');
    expect(st).toMatch(/^Seccomp:\s+2$/m);
    expect(st).toMatch(/^NoNewPrivs:\s+1$/m);
    expect(st).toMatch(/^CapEff:\s+0+$/m);
  });

  it('an instant command and a SET reach the UPS as the feature reports NUT writes', async (ctx) => {
    requirePeer(ctx, built, 'a build (npm run build)');
    const c = await client();
    try {
      await c.authenticate('admin', 'adminpass');
      await c.setTracking(true);
      const a = await c.instCmd('bk', 'beeper.enable');
      expect(await c.waitTracking(a.tracking as string, 10_000, 100)).toMatchObject({ state: 'SUCCESS' });
      const b = await c.setVar('bk', 'input.transfer.high', '280');
      expect(await c.waitTracking(b.tracking as string, 10_000, 100)).toMatchObject({ state: 'SUCCESS' });
    } finally { await c.close(); }
    const writes = readFileSync(`${fixture}.writes`, 'latin1').trim().split('\n');
    expect(writes).toEqual(['18 02', `33 18 01${' 00'.repeat(30)}`]);
  });

  it('unplugged: upsd reports stale data; plugged in again: the values come back', async (ctx) => {
    requirePeer(ctx, built, 'a build (npm run build)');
    const away = `${fixture}.away`;
    renameSync(fixture, away);
    try {
      await waitFor('data stale', async () => (await read('ups.status')) === 'ERR DATA-STALE', 15_000, 200);
      expect(procs[0]?.child.exitCode).toBeNull();
      // the UPS comes back on battery, charge lower
      const fx = JSON.parse(readFileSync(away, 'utf8')) as { reports: Record<string, string> };
      fx.reports['16'] = '16 0a 00';
      fx.reports['13'] = '13 00';
      fx.reports['0c'] = '0c 5a';
      writeFileSync(away, JSON.stringify(fx));
    } finally {
      renameSync(away, fixture);
    }
    await waitFor('fresh data', async () => (await read('ups.status')) === 'OB DISCHRG', 15_000, 200);
    expect(await read('battery.charge')).toBe('90');
    expect(existsSync(fixture)).toBe(true);
  }, 40_000);
});
