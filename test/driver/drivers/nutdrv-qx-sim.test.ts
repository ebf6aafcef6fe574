// hardnut's nutdrv_qx as a real process against the Q1 simulator on a pty: status changes
// within one poll interval, exact command bytes on the wire, stale data while the UPS is
// silent, gone or talking garbage, and recovery when it comes back — under its seccomp filter.
import { describe, it, expect, afterEach } from 'vitest';
import { isRoot, requirePeer } from '../../support/peers.js';
import { waitFor } from '../../support/stack.js';
import { startSim } from '../../sim/sim.js';
import {
  backgroundedUnderFilter, expectFilterWhenRoot, requireSimPeers as peers, seccompState, serialRigs, sleep, timeUntilStatus, withOneShot, type SerialRig,
} from '../../sim/harness.js';

const POLL_S = 2;
const rigs = serialRigs('q1', `\tprotocol = megatec\n\tpollinterval = ${POLL_S}\n`);
afterEach(() => rigs.cleanup());

/** The driver on the simulator, publishing OL. */
const rig = (section = ''): Promise<SerialRig> => rigs.start({ section });

describe('nutdrv_qx against the Q1 simulator', () => {
  it('goes OL → OB → OB LB → OL, each change published within one poll interval, under seccomp', async (ctx) => {
    peers(ctx);
    const r = await rig();
    await expectFilterWhenRoot(r);
    const limit = POLL_S * 1000 + 1500;
    await r.sim.set({ utilityFail: true, batteryVoltage: 24.0, inputVoltage: 0 });
    expect(await timeUntilStatus(r, 'OB', limit + 500)).toBeLessThanOrEqual(limit);
    await r.sim.set({ batteryLow: true });
    expect(await timeUntilStatus(r, 'OB LB', limit + 500)).toBeLessThanOrEqual(limit);
    await r.sim.set({ utilityFail: false, batteryLow: false, inputVoltage: 230.4 });
    expect(await timeUntilStatus(r, 'OL', limit + 500)).toBeLessThanOrEqual(limit);
    expect(r.driver.child.exitCode).toBeNull();
    expect(r.driver.child.signalCode).toBeNull();
  }, 60_000);

  it('sends each instant command as the exact bytes NUT sends, and reports the result with TRACKING', async (ctx) => {
    peers(ctx);
    const r = await rig('\toffdelay = 120\n\tondelay = 300\n');
    const cases: Array<[string, string]> = [
      ['beeper.toggle', 'Q\r'], ['test.battery.start.quick', 'T\r'], ['test.battery.stop', 'CT\r'],
      ['test.battery.start 180', 'T03\r'], ['shutdown.return', 'S02R0005\r'], ['shutdown.stop', 'C\r'],
      ['shutdown.stayoff', 'S02R0000\r'], ['load.on', 'C\r'], ['load.off', 'S00R0000\r'],
    ];
    for (const [i, [cmd, bytes]] of cases.entries()) {
      await r.sim.clear();
      const id = `t${i}`;
      const reply = await r.ask(`INSTCMD ${cmd} TRACKING ${id}`, new RegExp(`TRACKING ${id} \\d`));
      expect(reply, cmd).toContain(`TRACKING ${id} 0`);
      const rx = await r.sim.rx();
      expect(rx, cmd).toContain(bytes);
      expect(rx.replaceAll('Q1\r', ''), cmd).toBe(bytes);
    }
    const bad = await r.ask('INSTCMD test.battery.start 30 TRACKING bad', /TRACKING bad \d/);
    expect(bad).toContain('TRACKING bad 3');
  }, 90_000);

  it('silent UPS → data stale; talking again → fresh, without a restart', async (ctx) => {
    peers(ctx);
    const r = await rig();
    await r.sim.silent(true);
    await waitFor('stale', async () => (await r.dump()).stale, 30_000, 200);
    await r.sim.silent(false);
    await waitFor('fresh', async () => !(await r.dump()).stale, 15_000, 200);
    expect(r.driver.child.exitCode).toBeNull();
  }, 60_000);

  it('unplugged (the pty vanishes) → stale; replugged → reopened and fresh', async (ctx) => {
    peers(ctx);
    const r = await rig();
    await r.sim.unplug();
    await waitFor('stale', async () => (await r.dump()).stale, 30_000, 200);
    await sleep(POLL_S * 1000);
    await r.sim.replug();
    await r.sim.set({ utilityFail: true });
    await waitFor('fresh OB', async () => { const d = await r.dump(); return !d.stale && d.vars.get('ups.status') === 'OB'; }, 20_000, 200);
    expect(r.driver.output()).toMatch(/reopened/);
    expect(r.driver.child.exitCode).toBeNull();
  }, 60_000);

  it('simulator killed and started again at the same path → stale, then the driver reopens and recovers', async (ctx) => {
    peers(ctx);
    const r = await rig();
    await r.sim.stop();
    await waitFor('stale', async () => (await r.dump()).stale, 30_000, 200);
    const again = await startSim('q1', r.sim.device, { state: { utilityFail: true } });
    try {
      await waitFor('fresh OB', async () => { const d = await r.dump(); return !d.stale && d.vars.get('ups.status') === 'OB'; }, 20_000, 200);
    } finally {
      await again.stop();
    }
    expect(r.driver.child.exitCode).toBeNull();
  }, 60_000);

  it('garbage replies and unsolicited junk never crash it', async (ctx) => {
    peers(ctx);
    const r = await rig();
    await r.sim.garble(true);
    for (let i = 0; i < 4; i++) {
      await r.sim.send('\x00\xff(\r\n' + 'x'.repeat(5000) + '\r');
      await sleep(700);
    }
    await r.sim.set({ q1Reply: '(230.4 230.4 230.4 014 50.0 27.2 30.0 0000100\r' });
    await r.sim.garble(false);
    await waitFor('stale', async () => (await r.dump()).stale, 30_000, 200);
    await r.sim.set({ q1Reply: null });
    await waitFor('fresh', async () => !(await r.dump()).stale, 15_000, 200);
    expect(await r.status()).toBe('OL');
    expect(r.driver.child.exitCode).toBeNull();
    expect(r.driver.child.signalCode).toBeNull();
  }, 60_000);

  it('-k reads the status (the power race, issue 15), cancels a pending shutdown, then sends shutdown.return with the configured delays', async (ctx) => {
    peers(ctx);
    await withOneShot('q1', undefined, async ({ sim, conf, driver }) => {
      conf('\tprotocol = megatec\n\toffdelay = 120\n\tondelay = 300\n');
      const r = await driver(['-k']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/Shutting down in 120 seconds/);
      expect(await sim.rx()).toBe('Q1\rI\rQ1\rC\rS02R0005\r');
      expect((await sim.get())['shutdownActive']).toBe(true);
    });
  }, 30_000);

  it('backgrounded (syslog) under its filter: a power cycle and an unplugged port do not get it killed', backgroundedUnderFilter('q1', '\tprotocol = megatec\n\tpollinterval = 1\n'), 90_000);

  // Deliberate difference: NUT 2.8.0 drops to the driver's user before it opens the port, so
  // the port must belong to that user; hardnut opens it first (as OpenSSH-style daemons do).
  it('opens a root-only port before dropping to nut', async (ctx) => {
    peers(ctx);
    requirePeer(ctx, isRoot(), 'root');
    const r = await rigs.start({ simUser: null });
    const st = await import('node:fs').then((fs) => fs.statSync(fs.realpathSync(r.sim.device)));
    expect(st.uid).toBe(0);
    expect(st.mode & 0o006).toBe(0);
    expect(seccompState(r.driver.child.pid as number).seccomp).toBe('2');
  }, 30_000);

  it("cablepower: NUT's values only; a port without modem lines is fine (NUT ignores that failure too)", async (ctx) => {
    peers(ctx);
    await withOneShot('q1', undefined, async ({ conf, driver }) => {
      conf('\tcablepower = sideways\n');
      const bad = await driver(['-F']);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toMatch(/Value 'sideways' not valid for 'cablepower'/);
      conf('\tcablepower = both\n\tprotocol = megatec\n');
      const ok = await driver(['-k']);
      expect(ok.code, ok.stderr).toBe(0);
    });
  }, 30_000);
});
