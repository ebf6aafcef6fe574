// scripted-ups as a real process (dist/hardnut.js; as root: dropped to nut, under seccomp) running
// the shipped device scripts against the serial simulators on socat ptys: the megatec script
// publishes what hardnut's nutdrv_qx publishes against an identical simulator, on line and on
// battery; commands and SETs through upsd become the bytes nutdrv_qx sends; -k sends the shutdown
// sequence; apcsmart-basic reads the APC simulator; a device that falls silent, talks garbage or
// vanishes makes the data stale, and the driver recovers without a restart.
import { describe, it, expect, afterEach } from 'vitest';
import { fileURLToPath } from 'node:url';
import { chmodSync, chownSync, mkdirSync, readFileSync, renameSync, symlinkSync } from 'node:fs';
import { isRoot, onPath, requirePeer } from '../../support/peers.js';
import { lookupUser } from '../../../src/sandbox/drop-privileges.js';
import { join } from 'node:path';
import { NutClient } from '../../../src/client/index.js';
import {
  HARDNUT, freePort, makeTestDir, run, runHardnut, startProcess, userArgs, waitFor, writeFiles, type Proc,
} from '../../support/stack.js';
import { startSim } from '../../sim/sim.js';
import { expectFilterWhenRoot, requireSimPeers as peers, startSerialRig, upsConf, type SerialRig } from '../../sim/harness.js';

const MEGATEC = fileURLToPath(new URL('../../../conf/devices/megatec.script', import.meta.url));
const APC = fileURLToPath(new URL('../../../conf/devices/apcsmart-basic.script', import.meta.url));
const POLL = '\tpollinterval = 1\n';

const undo: Array<() => Promise<void> | void> = [];
afterEach(async () => { for (const f of undo.splice(0).reverse()) await f(); });

async function rig(kind: 'q1' | 'apc', driver: string, section: string): Promise<SerialRig> {
  const r = await startSerialRig(kind, { driver, section });
  undo.push(() => r.cleanup());
  await waitFor(`${driver} OL`, async () => (await r.status()) === 'OL', 30_000, 100).catch((e: unknown) => {
    throw new Error(`${(e as Error).message}\n${r.driver.output()}`);
  });
  return r;
}

/** What upsc shows, minus the driver.* lines that name the driver itself. */
async function published(r: SerialRig): Promise<Record<string, string>> {
  const d = await r.dump();
  return Object.fromEntries([...d.vars].filter(([k]) => !k.startsWith('driver.')));
}

describe('scripted-ups with conf/devices/megatec.script against the Q1 simulator', () => {
  it('publishes the same variables and values as nutdrv_qx against an identical simulator, on line and on battery', async (ctx) => {
    peers(ctx);
    const [qx, sc] = await Promise.all([
      rig('q1', 'nutdrv_qx', `\tprotocol = megatec\n${POLL}`),
      rig('q1', 'scripted-ups', `\tscript = ${MEGATEC}\n${POLL}`),
    ]);
    await expectFilterWhenRoot(sc);
    const ours = await published(sc);
    const theirs = await published(qx);
    console.log(`scripted-ups vs nutdrv_qx, on line: ${Object.keys(theirs).length} variables: ${Object.keys(theirs).sort().join(' ')}`);
    expect(ours).toEqual(theirs);
    expect((await sc.dump()).cmds.sort()).toEqual((await qx.dump()).cmds.sort());
    expect((await sc.dump()).vars.get('driver.version.data')).toBe('Megatec (scripted) 0.01');

    const onBattery = { utilityFail: true, batteryVoltage: 23.1, inputVoltage: 0, load: 37 };
    await Promise.all([qx.sim.set(onBattery), sc.sim.set(onBattery)]);
    // nutdrv_qx reads the measurements every pollfreq (30 s) and the status every poll: compare once both show OB
    await waitFor('both OB', async () => (await qx.status()) === 'OB' && (await sc.status()) === 'OB', 20_000, 100);
    const sOb = await published(sc);
    expect(sOb['ups.status']).toBe('OB');
    expect(sOb['input.voltage']).toBe('0.0');
    expect(sOb['battery.charge']).toBe('44');
    expect(sOb['ups.load']).toBe('37');
    // what nutdrv_qx has refreshed by now (status every poll) must agree
    expect((await published(qx))['ups.status']).toBe(sOb['ups.status']);

    await Promise.all([qx.sim.set({ batteryLow: true }), sc.sim.set({ batteryLow: true })]);
    await waitFor('both OB LB', async () => (await qx.status()) === 'OB LB' && (await sc.status()) === 'OB LB', 20_000, 100);
  }, 120_000);

  it('instant commands and SETs through upsd reach the wire as the bytes nutdrv_qx sends', async (ctx) => {
    peers(ctx);
    const r = await rig('q1', 'scripted-ups', `\tscript = ${MEGATEC}\n${POLL}`);
    const port = await freePort();
    writeFiles(r.dir, {
      'upsd.conf': `LISTEN 127.0.0.1 ${port}\n`,
      'upsd.users': '[admin]\n\tpassword = adminpass\n\tactions = SET\n\tinstcmds = ALL\n',
    });
    const upsd: Proc = startProcess(process.execPath, [HARDNUT, 'upsd', '-F', ...userArgs()], r.dir.env);
    undo.push(async () => { await upsd.stop(); });
    const c = await waitFor('upsd', async () => NutClient.connect({ host: '127.0.0.1', port }).catch(() => undefined), 20_000, 200);
    undo.push(() => c.close());
    await waitFor('upsd serving u', async () => (await c.getVar('u', 'ups.status').catch(() => '')) === 'OL', 20_000, 200);
    await c.authenticate('admin', 'adminpass');
    await c.setTracking(true);
    const done = async (p: Promise<{ tracking?: string }>): Promise<string> => {
      try {
        const { tracking } = await p;
        return (await c.waitTracking(tracking as string, 10_000, 50)).state;
      } catch (err) {
        return `ERR ${(err as { word?: string }).word ?? (err as Error).message}`;
      }
    };
    expect(await done(c.setVar('u', 'ups.delay.shutdown', '125'))).toBe('SUCCESS');
    expect(await done(c.setVar('u', 'ups.delay.start', '61'))).toBe('SUCCESS');
    expect(await c.getVar('u', 'ups.delay.shutdown')).toBe('120');
    expect(await c.getVar('u', 'ups.delay.start')).toBe('60');
    const cases: Array<[string, string | undefined, string]> = [
      ['beeper.toggle', undefined, 'Q\r'], ['test.battery.start.quick', undefined, 'T\r'], ['test.battery.stop', undefined, 'CT\r'],
      ['test.battery.start', '180', 'T03\r'], ['shutdown.return', undefined, 'S02R0001\r'], ['shutdown.stop', undefined, 'C\r'],
      ['shutdown.stayoff', undefined, 'S02R0000\r'], ['load.on', undefined, 'C\r'], ['load.off', undefined, 'S00R0000\r'],
    ];
    for (const [cmd, param, bytes] of cases) {
      await r.sim.clear();
      expect(await done(c.instCmd('u', cmd, param)), cmd).toBe('SUCCESS');
      expect((await r.sim.rx()).replaceAll('Q1\r', ''), cmd).toBe(bytes);
    }
    // a parameter outside the script's rule never reaches the device
    await r.sim.clear();
    expect(await done(c.instCmd('u', 'test.battery.start', '30'))).toBe('ERROR');
    // upsd itself checks the published range before the driver hears of it
    expect(await done(c.setVar('u', 'ups.delay.shutdown', '5'))).toBe('ERR INVALID-VALUE');
    expect(await c.getVar('u', 'ups.delay.shutdown')).toBe('120');
    expect((await r.sim.rx()).replaceAll('Q1\r', '')).toBe('');
  }, 120_000);

  it('parity even with databits 7 reaches the line: the port\'s termios as the driver sets it (strace); the default is 8N1', async (ctx) => {
    peers(ctx);
    requirePeer(ctx, onPath('strace'), 'strace');
    // Linux ptys force CS8 and clear PARENB whatever is asked (pty_set_termios), so stty on the
    // simulator's pty cannot show it: the TCSETS the driver makes is what a real port would get.
    const dir = makeTestDir({ 'megatec-7e1.script': readFileSync(MEGATEC, 'latin1').replace('baud 2400\n', 'baud 2400\nparity even\ndatabits 7\n') });
    undo.push(() => dir.cleanup());
    const sim = await startSim('q1', join(dir.root, 'ups'));
    undo.push(() => sim.stop());
    const termios = async (script: string): Promise<string[]> => {
      writeFiles(dir, { 'ups.conf': upsConf('q1', sim.device, `\tscript = ${script}\n`, 'scripted-ups') });
      const out = join(dir.root, 'strace.out');
      const r = await run('strace', ['-f', '-v', '-qq', '-e', 'trace=ioctl', '-o', out, process.execPath, HARDNUT, 'scripted-ups', '-a', 'u', '-k', ...userArgs()], dir.env, 60_000);
      expect(r.code, r.stderr).toBe(0);
      return readFileSync(out, 'latin1').split('\n').filter((l) => /TCSETS/.test(l)).map((l) => /c_cflag=([A-Z0-9|]+)/.exec(l)?.[1] ?? l);
    };
    // serialport sets the line (size, parity), then the speed from what it reads back: on a pty
    // the second TCSETS carries the kernel's CS8, on a real port the CS7|PARENB it kept
    const e71 = await termios('megatec-7e1.script');
    expect(e71.some((f) => f.split('|').includes('CS7') && f.split('|').includes('PARENB')), e71.join('\n')).toBe(true);
    expect(e71.some((f) => f.split('|').includes('B2400')), e71.join('\n')).toBe(true);
    expect(e71.join('|')).not.toContain('PARODD');
    expect(await sim.rx()).toBe('Q1\rF\rI\rC\rS.5R0003\r');
    const n81 = await termios(MEGATEC);
    expect(n81.length).toBeGreaterThan(0);
    for (const flags of n81) expect(flags.split('|')).toContain('CS8');
    expect(n81.some((f) => f.split('|').includes('B2400')), n81.join('\n')).toBe(true);
    expect(n81.join('|')).not.toContain('PARENB');
  }, 120_000);

  it('-k sends the shutdown sequence (cancel, then SnRm from the kept delays, or ondelay/offdelay from ups.conf) and exits 0', async (ctx) => {
    peers(ctx);
    const dir = makeTestDir({});
    undo.push(() => dir.cleanup());
    const sim = await startSim('q1', join(dir.root, 'ups'));
    undo.push(() => sim.stop());
    writeFiles(dir, { 'ups.conf': upsConf('q1', sim.device, `\tscript = ${MEGATEC}\n`, 'scripted-ups') });
    const res = await runHardnut(['scripted-ups', '-a', 'u', '-k', ...userArgs()], dir.env, 30_000);
    expect(res.code, res.stderr).toBe(0);
    // init (Q1, F, I), then C and S.5R0003 (offdelay 30 s = .5 min, ondelay 180 s = 3 min)
    expect(await sim.rx()).toBe('Q1\rF\rI\rC\rS.5R0003\r');
    expect((await sim.get())['shutdownActive']).toBe(true);
    // ondelay/offdelay in ups.conf, as nutdrv_qx takes them: 300 s = R0005, 130 s → 120 s = S02
    await sim.clear();
    writeFiles(dir, { 'ups.conf': upsConf('q1', sim.device, `\tscript = ${MEGATEC}\n\tondelay = 300\n\toffdelay = 130\n`, 'scripted-ups') });
    const withDelays = await runHardnut(['scripted-ups', '-a', 'u', '-k', ...userArgs()], dir.env, 30_000);
    expect(withDelays.code, withDelays.stderr).toBe(0);
    expect(await sim.rx()).toBe('Q1\rF\rI\rC\rS02R0005\r');
    // one SET would refuse stops the driver before anything is sent to shut down
    await sim.clear();
    writeFiles(dir, { 'ups.conf': upsConf('q1', sim.device, `\tscript = ${MEGATEC}\n\toffdelay = 5\n`, 'scripted-ups') });
    const bad = await runHardnut(['scripted-ups', '-a', 'u', '-k', ...userArgs()], dir.env, 30_000);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("offdelay '5' out of range for ups.delay.shutdown");
    expect(await sim.rx()).not.toMatch(/S/);
  }, 90_000);

  it('a silent, garbling or vanished device: stale data, no crash, fresh again without a restart', async (ctx) => {
    peers(ctx);
    const r = await rig('q1', 'scripted-ups', `\tscript = ${MEGATEC}\n${POLL}`);
    await r.sim.silent(true);
    await waitFor('stale (silent)', async () => (await r.dump()).stale, 20_000, 100);
    await r.sim.silent(false);
    await waitFor('fresh', async () => !(await r.dump()).stale, 20_000, 100);
    await r.sim.garble(true);
    await waitFor('stale (garbage)', async () => (await r.dump()).stale, 20_000, 100);
    await r.sim.garble(false);
    await waitFor('fresh', async () => !(await r.dump()).stale, 20_000, 100);
    await r.sim.unplug();
    await waitFor('stale (unplugged)', async () => (await r.dump()).stale, 20_000, 100);
    await r.sim.replug();
    await r.sim.set({ utilityFail: true });
    await waitFor('fresh OB', async () => { const d = await r.dump(); return !d.stale && d.vars.get('ups.status') === 'OB'; }, 30_000, 200);
    expect(r.driver.child.exitCode).toBeNull();
    expect(r.driver.child.signalCode).toBeNull();
  }, 120_000);

  it('a reply that never ends (a line longer than any frame, no terminator) fails the poll; the next good one is read', async (ctx) => {
    peers(ctx);
    const r = await rig('q1', 'scripted-ups', `\tscript = ${MEGATEC}\n${POLL}`);
    await r.sim.set({ q1Reply: `(${'9'.repeat(100_000)}` });
    await waitFor('stale (endless reply)', async () => (await r.dump()).stale, 20_000, 100);
    await r.sim.set({ q1Reply: null, utilityFail: true });
    await waitFor('fresh OB', async () => { const d = await r.dump(); return !d.stale && d.vars.get('ups.status') === 'OB'; }, 30_000, 200);
    expect(r.driver.child.exitCode).toBeNull();
  }, 90_000);
});

/** A copy of megatec.script in a test config dir, the Q1 simulator, and ups.conf naming both (as root). */
async function rootScriptRig(): Promise<{ dir: ReturnType<typeof makeTestDir>; sim: Awaited<ReturnType<typeof startSim>>; script: string; nut: { uid: number; gid: number } }> {
  const dir = makeTestDir({ 'megatec.script': readFileSync(MEGATEC, 'latin1') });
  undo.push(() => dir.cleanup());
  const sim = await startSim('q1', join(dir.root, 'ups'));
  undo.push(() => sim.stop());
  writeFiles(dir, { 'ups.conf': upsConf('q1', sim.device, '\tscript = megatec.script\n', 'scripted-ups') });
  const nut = lookupUser('nut');
  if (!nut) throw new Error('no nut user');
  return { dir, sim, script: join(dir.etc, 'megatec.script'), nut };
}

describe('scripted-ups for script writers: --check and trace', () => {
  it('--check FILE says what a script has, or file:line and the error (exit 1)', async (ctx) => {
    peers(ctx);
    const good = await runHardnut(['scripted-ups', '--check', MEGATEC], process.env);
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/megatec\.script: ok: "Megatec \(scripted\) 0\.01", serial, blocks init poll shutdown; 10 instant commands/);
    const dir = makeTestDir({ 'bad.script': 'poll\n  send "Q1\\r"\n  expect "({v:num}"\n  status ONFIRE when {v} > 1\nend\n' });
    undo.push(() => dir.cleanup());
    const bad = await runHardnut(['scripted-ups', '--check', join(dir.etc, 'bad.script')], process.env);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe(`${join(dir.etc, 'bad.script')}:4: 'ONFIRE' is not a NUT status token (OL OB LB HB RB CHRG DISCHRG BYPASS CAL OFF OVER TRIM BOOST FSD TEST ALARM)`);
  });

  it('as root, a script another user could change is refused before any byte reaches the device', async (ctx) => {
    peers(ctx);
    requirePeer(ctx, isRoot(), 'root (only root\'s driver refuses scripts others can write)');
    const { dir, sim, script, nut } = await rootScriptRig();
    for (const [what, change] of [['owned by nut', () => chownSync(script, nut.uid, nut.gid)], ['group-writable', () => { chownSync(script, 0, 0); chmodSync(script, 0o664); }]] as const) {
      change();
      const r = await runHardnut(['scripted-ups', '-a', 'u', '-F', ...userArgs()], dir.env, 30_000);
      expect(r.code, what).not.toBe(0);
      expect(r.stderr, what).toMatch(/megatec\.script: must be owned by root and writable by root only/);
      expect(await sim.rx(), what).toBe('');
    }
  });

  it('as root, a script in a directory another user could change (as written or where a symlink leads) is refused, naming the directory', async (ctx) => {
    peers(ctx);
    requirePeer(ctx, isRoot(), 'root (only root\'s driver checks the directories)');
    const { dir, sim, script, nut } = await rootScriptRig();
    chmodSync(script, 0o644);
    const start = (): Promise<{ code: number | null; stderr: string }> => runHardnut(['scripted-ups', '-a', 'u', '-F', ...userArgs()], dir.env, 30_000);
    // the script itself is root's 0644, but the nut group may rename another file over it
    chmodSync(dir.etc, 0o770);
    let r = await start();
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`megatec.script: is in a directory another user can change (${dir.etc} is writable by group or others (mode 770))`);
    expect(await sim.rx()).toBe('');
    chmodSync(dir.etc, 0o750);
    // a symlink (root's, in root's directory) to a root-owned script in a directory nut owns
    const theirs = join(dir.root, 'theirs');
    mkdirSync(theirs, { mode: 0o755 });
    chownSync(theirs, nut.uid, nut.gid);
    renameSync(script, join(theirs, 'megatec.script'));
    symlinkSync(join(theirs, 'megatec.script'), script);
    r = await start();
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`(${theirs} is owned by uid ${nut.uid}, not root)`);
    expect(await sim.rx()).toBe('');
    // the same file under root's directories is accepted: the check is not what stops it
    chownSync(theirs, 0, 0);
    const ok = startProcess(process.execPath, [HARDNUT, 'scripted-ups', '-a', 'u', '-F', ...userArgs()], dir.env);
    undo.push(async () => { await ok.stop(); });
    await waitFor('the driver polls', async () => (await sim.rx()).includes('Q1\r'), 30_000, 100);
  });

  it('trace (ups.conf flag or -x trace) logs every step sent and received', async (ctx) => {
    peers(ctx);
    const r = await rig('q1', 'scripted-ups', `\tscript = ${MEGATEC}\n${POLL}\ttrace\n`);
    await waitFor('a traced poll', () => /trace: recv "\(230\.4 230\.4 230\.4 014 50\.0 27\.2 30\.0 00001001"/.test(r.driver.output()), 10_000, 100);
    expect(r.driver.output()).toMatch(/trace: send "Q1\\r"/);
    expect(r.driver.output()).toMatch(/trace: poll: ok/);
  }, 60_000);
});

describe('scripted-ups with conf/devices/apcsmart-basic.script against the APC Smart simulator', () => {
  it('reads status, battery, input, output and load as NUT names them; a command gets its OK', async (ctx) => {
    peers(ctx);
    const r = await rig('apc', 'scripted-ups', `\tscript = ${APC}\n${POLL}`);
    await expectFilterWhenRoot(r);
    const v = await published(r);
    expect(v).toMatchObject({
      'device.model': 'Smart-UPS 1500', 'device.serial': 'QS1234567890', 'ups.firmware': '601.3.I', 'device.mfr': 'APC',
      'battery.charge': '100.0', 'battery.voltage': '27.36', 'battery.runtime': '7800', 'input.voltage': '230.4',
      'input.frequency': '50.00', 'output.voltage': '230.4', 'ups.load': '023.4', 'ups.temperature': '029.2', 'ups.status': 'OL',
    });
    await r.sim.set({ power: 'OB' });
    await waitFor('OB', async () => (await r.status()) === 'OB', 20_000, 100);
    await r.sim.set({ lowBattery: true });
    await waitFor('OB LB', async () => (await r.status()) === 'OB LB', 20_000, 100);
    await r.sim.clear();
    const reply = await r.ask('INSTCMD test.battery.start TRACKING w1', /TRACKING w1 \d/);
    expect(reply).toContain('TRACKING w1 0');
    expect(await r.sim.rx()).toContain('W');
    // K twice, 1.5 s apart (a delay step): the UPS carries it out only then
    await r.sim.clear();
    const k = await r.ask('INSTCMD shutdown.stayoff TRACKING k1', /TRACKING k1 \d/);
    expect(k).toContain('TRACKING k1 0');
    expect((await r.sim.rx()).replace(/[QfBjLFOPCMNX]/g, '')).toBe('KK');
    expect((await r.sim.get())['lastAction']).toBe('K');
  }, 90_000);
});
