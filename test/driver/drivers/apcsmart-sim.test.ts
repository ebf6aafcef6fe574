// hardnut's apcsmart as a real process against the APC Smart simulator on a pty: status from Q
// and from alert characters, the confirmation window of nasty commands, the exact bytes of
// commands and SETs, and recovery from a silent, vanished or garbled UPS — under seccomp.
import { describe, it, expect, afterEach } from 'vitest';
import { waitFor } from '../../support/stack.js';
import { startSim } from '../../sim/sim.js';
import {
  backgroundedUnderFilter, expectFilterWhenRoot, requireSimPeers as peers, serialRigs, sleep, timeUntilStatus, withOneShot, type SerialRig,
} from '../../sim/harness.js';

const POLL_S = 2;
const rigs = serialRigs('apc', `\tpollinterval = ${POLL_S}\n`);
afterEach(() => rigs.cleanup());

const rig = (section = ''): Promise<SerialRig> => rigs.start({ section });

describe('apcsmart against the APC Smart simulator', () => {
  it('goes OL → OB → OB LB → OL within one poll interval (alerts and Q), under seccomp', async (ctx) => {
    peers(ctx);
    const r = await rig();
    await expectFilterWhenRoot(r);
    const d = await r.dump();
    expect(d.vars.get('ups.model')).toBe('Smart-UPS 1500');
    expect(d.vars.get('battery.runtime')).toBe('7800');
    const limit = POLL_S * 1000 + 2500;
    await r.sim.set({ power: 'OB', vars: { L: '000.0', G: 'L' } });
    expect(await timeUntilStatus(r, 'OB', limit + 500)).toBeLessThanOrEqual(limit);
    await r.sim.set({ lowBattery: true, vars: { f: '009.0' } });
    expect(await timeUntilStatus(r, 'OB LB', limit + 500)).toBeLessThanOrEqual(limit);
    await r.sim.set({ power: 'OL', lowBattery: false, vars: { L: '230.4' } });
    expect(await timeUntilStatus(r, 'OL', limit + 500)).toBeLessThanOrEqual(limit);
    await waitFor('reason', async () => (await r.dump()).vars.get('input.transfer.reason') === 'low utility voltage', limit);
    expect(r.driver.child.exitCode).toBeNull();
    expect(r.driver.child.signalCode).toBeNull();
  }, 60_000);

  it('simple commands go out as one character and need the UPS to say OK', async (ctx) => {
    peers(ctx);
    const r = await rig();
    const run = async (cmd: string, id: string): Promise<{ code: string; rx: string }> => {
      await r.sim.clear();
      const reply = await r.ask(`INSTCMD ${cmd} TRACKING ${id}`, new RegExp(`TRACKING ${id} \\d`), 15_000);
      await sleep(300); // the last byte may still be on its way through the pty pair
      const rx = (await r.sim.rx()).replace(/Q|[CPXLF9GMNOTfBj]/g, ''); // the polls in between
      return { code: (/TRACKING \S+ (\d)/.exec(reply) as RegExpExecArray)[1] as string, rx };
    };
    expect(await run('test.panel.start', 'a')).toEqual({ code: '0', rx: 'A' });
    expect(await run('test.battery.start', 'b')).toEqual({ code: '0', rx: 'W' });
    expect(await run('test.failure.start', 'c')).toEqual({ code: '0', rx: 'U' });
    expect(await run('calibrate.start', 'd')).toEqual({ code: '0', rx: 'D' });
    expect((await r.sim.get())['calibrating']).toBe(true);
    expect(await run('load.on', 'e')).toEqual({ code: '0', rx: '\x0e\x0e' });
    expect(await run('bypass.start', 'f')).toEqual({ code: '2', rx: '' }); // not in this UPS's command set
  }, 60_000);

  it('nasty commands run only when asked again 3–15 s later, then go out twice (ZZ, KK)', async (ctx) => {
    peers(ctx);
    const r = await rig();
    await r.sim.clear();
    expect(await r.ask('INSTCMD load.off TRACKING z1', /TRACKING z1 \d/)).toContain('TRACKING z1 0');
    expect(await r.sim.rx()).not.toContain('Z');
    await sleep(3500);
    expect(await r.ask('INSTCMD load.off TRACKING z2', /TRACKING z2 \d/, 15_000)).toContain('TRACKING z2 0');
    expect((await r.sim.rx()).replace(/[^Z]/g, '')).toBe('ZZ');
    expect((await r.sim.get())['lastAction']).toBe('Z');
    await sleep(16_000); // out of the shared window again
    await r.sim.clear();
    await r.ask('INSTCMD shutdown.stayoff TRACKING k1', /TRACKING k1 \d/);
    await sleep(3500);
    expect(await r.ask('INSTCMD shutdown.stayoff TRACKING k2', /TRACKING k2 \d/, 15_000)).toContain('TRACKING k2 0');
    expect((await r.sim.rx()).replace(/[^K]/g, '')).toBe('KK');
    await sleep(3500);
    await r.sim.clear();
    expect(await r.ask('INSTCMD shutdown.return at:5 TRACKING h', /TRACKING h \d/, 15_000)).toContain('TRACKING h 0');
    expect(await r.sim.rx()).toContain('@005');
  }, 90_000);

  it('SET steps an enumerated value with - and writes the 8-character strings', async (ctx) => {
    peers(ctx);
    const r = await rig();
    await r.sim.clear();
    expect(await r.ask('SET input.transfer.high "271" TRACKING s1', /TRACKING s1 \d/, 15_000)).toContain('TRACKING s1 0');
    expect(((await r.sim.get())['vars'] as Record<string, string>)['u']).toBe('271');
    expect(await r.sim.rx()).toContain('u-u-u');
    await waitFor('new value', async () => (await r.dump()).vars.get('input.transfer.high') === '271', 5000);
    await r.sim.clear();
    expect(await r.ask('SET ups.id "HN1" TRACKING s2', /TRACKING s2 \d/, 15_000)).toContain('TRACKING s2 0');
    expect(await r.sim.rx()).toContain('c-HN1\r\r\r\r\r');
    expect(((await r.sim.get())['vars'] as Record<string, string>)['c']).toBe('HN1');
    expect(await r.ask('SET ups.id "TOOLONGID" TRACKING s3', /TRACKING s3 \d/)).toContain('TRACKING s3 3');
    expect(await r.ask('SET ups.load "5" TRACKING s4', /TRACKING s4 \d/)).toContain('TRACKING s4 1');
  }, 60_000);

  // Deliberate difference: NUT nudges a stale UPS only every 10th poll (and never reopens the
  // port); hardnut reopens it and asks for smart mode at the next poll.
  it('unplugged → stale; replugged (a UPS back in dumb mode) → smart mode again and fresh within a few polls', async (ctx) => {
    peers(ctx);
    const r = await rig();
    await r.sim.unplug();
    await waitFor('stale', async () => (await r.dump()).stale, 30_000, 200);
    await sleep(POLL_S * 2000);
    await r.sim.replug();
    const t0 = Date.now();
    await waitFor('fresh', async () => !(await r.dump()).stale, 30_000, 200);
    expect(Date.now() - t0).toBeLessThanOrEqual(POLL_S * 3000 + 3000);
    expect(await r.status()).toBe('OL');
    expect(r.driver.child.exitCode).toBeNull();
  }, 90_000);

  it('simulator killed and started again at the same path → the driver recovers', async (ctx) => {
    peers(ctx);
    const r = await rig();
    await r.sim.stop();
    await waitFor('stale', async () => (await r.dump()).stale, 30_000, 200);
    const again = await startSim('apc', r.sim.device, { state: { power: 'OB' } });
    try {
      await waitFor('fresh OB', async () => { const d = await r.dump(); return !d.stale && d.vars.get('ups.status') === 'OB'; }, 40_000, 200);
    } finally {
      await again.stop();
    }
  }, 90_000);

  it('garbage and silence never crash it', async (ctx) => {
    peers(ctx);
    const r = await rig();
    await r.sim.garble(true);
    await r.sim.send('\x00\xff!$%*\n' + '#'.repeat(3000) + '\r\n');
    await sleep(POLL_S * 3000);
    await r.sim.garble(false);
    await r.sim.set({ statusReply: 'ZZZZ' });
    await sleep(POLL_S * 2000);
    await r.sim.set({ statusReply: null });
    await r.sim.silent(true);
    await waitFor('stale', async () => (await r.dump()).stale, 30_000, 200);
    await r.sim.silent(false);
    await waitFor('fresh', async () => !(await r.dump()).stale, 60_000, 300);
    expect(r.driver.child.exitCode).toBeNull();
    expect(r.driver.child.signalCode).toBeNull();
  }, 120_000);

  // NUT 2.8.0 accepts only a one-character status reply here, so it always assumes OB+LB and
  // sends S, which a UPS on line ignores; hardnut reads the status and hibernates with @000.
  for (const [power, sent, action] of [['OL', 'YQ@000R', '@000'], ['OB', 'YQSR', 'S']] as const) {
    it(`-k on ${power}: smart mode, status, then ${action} (and back to dumb mode)`, async (ctx) => {
      peers(ctx);
      await withOneShot('apc', { power }, async ({ sim, conf, driver }) => {
        conf();
        const r = await driver(['-k']);
        expect(r.code, r.stderr).toBe(0);
        expect(await sim.rx()).toBe(sent);
        expect((await sim.get())['lastAction']).toBe(action);
      });
    }, 30_000);
  }

  it('backgrounded (syslog) under its filter: a power cycle and an unplugged port do not get it killed', backgroundedUnderFilter('apc', '\tpollinterval = 1\n'), 90_000);

  // Deliberate difference: NUT 2.8.0 exits ("nument or entlen out of range") on a capability
  // string it cannot parse; hardnut keeps what it understood and runs without those enums.
  it('a malformed ^Z capability string is ignored from where it breaks, not fatal', async (ctx) => {
    peers(ctx);
    const r = await rigs.start({ simState: { capsOverride: '#e44200153090u4' } });
    const d = await r.dump();
    expect(d.vars.get('input.transfer.high')).toBe('253');
    expect(d.vars.get('battery.charge.restart')).toBe('00');
    expect(r.driver.output()).toMatch(/capability string ignored from here on/);
    expect(await r.ask('SET battery.charge.restart "15" TRACKING e', /TRACKING e \d/, 15_000)).toContain('TRACKING e 0');
    expect(await r.ask('SET input.transfer.high "264" TRACKING u', /TRACKING u \d/)).toContain('TRACKING u 1');
  }, 30_000);

  it('ttymode = raw reads the same UPS the same way', async (ctx) => {
    peers(ctx);
    const r = await rig('\tttymode = raw\n');
    const d = await r.dump();
    expect(d.vars.get('ups.model')).toBe('Smart-UPS 1500');
    expect(d.vars.get('input.transfer.reason')).toBe('no transfers yet since turnon');
    expect(d.vars.get('driver.parameter.ttymode')).toBe('raw');
  }, 30_000);

  it('cable = 940-0095B needs DTR/RTS: on a port without modem lines it refuses to start, as NUT does', async (ctx) => {
    peers(ctx);
    await withOneShot('apc', undefined, async ({ conf, driver }) => {
      conf('\tcable = 940-0095B\n');
      const r = await driver(['-F']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/cannot set DTR\/RTS/);
    });
  }, 30_000);
});
