// nutdrv_qx's logic against an in-memory Megatec UPS (no pty): what it publishes, how the
// status follows the UPS, the exact bytes of every instant command, the delays, staleness.
import { describe, it, expect } from 'vitest';
import { QxDriver } from '../../../src/driver/drivers/nutdrv-qx.js';
import type { QxReply, QxTransport } from '../../../src/driver/drivers/nutdrv-qx-transport.js';
import { DriverState } from '../../../src/driver/dstate.js';
import { Logger } from '../../../src/runtime/log.js';
import { STAT_FAILED, STAT_HANDLED, STAT_INVALID, STAT_UNKNOWN } from '../../../src/driver/state-server.js';
import type { DriverContext } from '../../../src/driver/driver.js';

class QuietLog extends Logger {
  readonly lines: string[] = [];
  override error(m: string): void { this.lines.push(m); }
  override warn(m: string): void { this.lines.push(m); }
  override notice(m: string): void { this.lines.push(m); }
  override info(m: string): void { this.lines.push(m); }
  override debug(_l: number, m: string): void { this.lines.push(m); }
}

/** A Megatec unit: Q1/F/I answered, commands silently taken, the rest echoed. */
class FakeQ1 implements QxTransport {
  sent: string[] = [];
  bits = '00001001';
  q1: string | null = null;
  dead = false;
  garbage: (() => string) | null = null;
  async command(cmd: string): Promise<QxReply> {
    this.sent.push(cmd);
    if (this.dead) return { len: 0, answer: '' };
    if (this.garbage) { const g = this.garbage(); return { len: g.length, answer: g }; }
    const c = cmd.slice(0, -1);
    let reply = '';
    if (c === 'Q1') reply = this.q1 ?? `(230.4 230.4 230.4 014 50.0 27.2 30.0 ${this.bits}\r`;
    else if (c === 'F') reply = '#230.0 004 024.0 50.0\r';
    else if (c === 'I') reply = '#HARDNUT SIM     Q1-1000    V2.21     \r';
    else if (!/^(T|TL|T\d\d|CT|Q|S.*|C)$/.test(c)) reply = cmd;
    return { len: reply.length, answer: reply };
  }
  async close(): Promise<void> { /* nothing */ }
}

function rig(vars: Record<string, string | null> = { protocol: 'megatec' }): { drv: QxDriver; ups: FakeQ1; state: DriverState; clock: { now: number }; log: QuietLog } {
  const ups = new FakeQ1();
  const state = new DriverState();
  const log = new QuietLog('nutdrv_qx');
  const clock = { now: 1_000_000 };
  const ctx: DriverContext = { upsName: 'q', port: '/dev/null', confPath: '/tmp', state, log, vars: new Map(Object.entries(vars)) };
  const drv = new QxDriver(ctx, { transport: async () => ups, nowS: () => clock.now });
  return { drv, ups, state, clock, log };
}

async function started(vars?: Record<string, string | null>): Promise<ReturnType<typeof rig>> {
  const r = rig(vars);
  await r.drv.initUps();
  await r.drv.initInfo();
  await r.drv.updateInfo();
  return r;
}

describe('nutdrv_qx (megatec) against an in-memory UPS', () => {
  it("publishes NUT's variables with NUT's formats", async () => {
    const { state } = await started();
    const vars = Object.fromEntries(state.tree.vars().map((v) => [v.name, v.value]));
    expect(vars).toEqual({
      'battery.charge': '100', 'battery.voltage': '27.20', 'battery.voltage.high': '26.00', 'battery.voltage.low': '20.80',
      'battery.voltage.nominal': '24.0', 'device.mfr': 'HARDNUT SIM', 'device.model': 'Q1-1000', 'driver.parameter.pollfreq': '30',
      'driver.version.data': 'Megatec 0.06', 'input.current.nominal': '4.0', 'input.frequency': '50.0', 'input.frequency.nominal': '50',
      'input.voltage': '230.4', 'input.voltage.fault': '230.4', 'input.voltage.nominal': '230', 'output.voltage': '230.4',
      'ups.beeper.status': 'enabled', 'ups.delay.shutdown': '30', 'ups.delay.start': '180', 'ups.firmware': 'V2.21', 'ups.load': '14',
      'ups.status': 'OL', 'ups.temperature': '30.0', 'ups.type': 'offline / line interactive',
    });
    expect(state.tree.cmds()).toEqual(['beeper.toggle', 'load.off', 'load.on', 'shutdown.return', 'shutdown.stayoff', 'shutdown.stop',
      'test.battery.start', 'test.battery.start.deep', 'test.battery.start.quick', 'test.battery.stop']);
    expect(state.tree.get('ups.delay.start')?.flags.rw).toBe(true);
    expect(state.stale).toBe(false);
  });

  it('follows the status bits at every poll: OL → OB → OB LB → OL', async () => {
    const { drv, ups, state } = await started();
    ups.bits = '10001001';
    await drv.updateInfo();
    expect(state.getInfo('ups.status')).toBe('OB');
    ups.bits = '11001001';
    await drv.updateInfo();
    expect(state.getInfo('ups.status')).toBe('OB LB');
    ups.bits = '00001001';
    await drv.updateInfo();
    expect(state.getInfo('ups.status')).toBe('OL');
    // quick polls send only Q1
    expect(ups.sent.slice(-3)).toEqual(['Q1\r', 'Q1\r', 'Q1\r']);
  });

  it('refreshes the other values and alarms only at the full update, every pollfreq', async () => {
    const { drv, ups, state, clock } = await started();
    ups.q1 = '(200.0 230.4 230.4 014 50.0 27.2 30.0 00011011\r';
    await drv.updateInfo();
    expect(state.getInfo('input.voltage')).toBe('230.4');
    expect(state.getInfo('ups.status')).toBe('OL FSD');
    clock.now += 31;
    await drv.updateInfo();
    expect(state.getInfo('input.voltage')).toBe('200.0');
    expect(state.getInfo('ups.alarm')).toBe('UPS selftest failed! Shutdown imminent!');
    expect(state.getInfo('ups.status')).toBe('ALARM OL FSD');
  });

  it('sends the exact bytes of each instant command and takes silence as success', async () => {
    const { drv, ups } = await started();
    const cases: Array<[string, string | undefined, string]> = [
      ['beeper.toggle', undefined, 'Q\r'], ['load.off', undefined, 'S00R0000\r'], ['load.on', undefined, 'C\r'],
      ['shutdown.return', undefined, 'S.5R0003\r'], ['shutdown.stayoff', undefined, 'S.5R0000\r'], ['shutdown.stop', undefined, 'C\r'],
      ['test.battery.start', '120', 'T02\r'], ['test.battery.start', undefined, 'T10\r'], ['test.battery.start.deep', undefined, 'TL\r'],
      ['test.battery.start.quick', undefined, 'T\r'], ['test.battery.stop', undefined, 'CT\r'],
    ];
    for (const [cmd, param, bytes] of cases) {
      ups.sent = [];
      expect(await drv.instcmd(cmd, param), cmd).toBe(STAT_HANDLED);
      expect(ups.sent, cmd).toEqual([bytes]);
    }
    expect(await drv.instcmd('test.battery.start', '30')).toBe(STAT_FAILED);
    expect(await drv.instcmd('beeper.enable', undefined)).toBe(STAT_INVALID);
    expect(await drv.instcmd('beeper.on', undefined)).toBe(STAT_INVALID);
  });

  it('a command echoed back is a refusal', async () => {
    const { drv, ups } = await started();
    ups.command = async (cmd: string): Promise<QxReply> => { ups.sent.push(cmd); return { len: cmd.length, answer: cmd }; };
    expect(await drv.instcmd('load.on', undefined)).toBe(STAT_FAILED);
  });

  it('keeps the delays server-side, rounded to what Sn can say, and uses them in shutdown.return', async () => {
    const { drv, ups, state } = await started();
    expect(await drv.setvar('ups.delay.shutdown', '125')).toBe(STAT_HANDLED);
    expect(state.getInfo('ups.delay.shutdown')).toBe('120');
    expect(await drv.setvar('ups.delay.start', '300')).toBe(STAT_HANDLED);
    expect(await drv.setvar('ups.delay.shutdown', '601')).toBe(STAT_UNKNOWN);
    expect(await drv.setvar('ups.delay.shutdown', 'abc')).toBe(STAT_UNKNOWN);
    expect(await drv.setvar('ups.load', '1')).toBe(STAT_UNKNOWN);
    ups.sent = [];
    await drv.instcmd('shutdown.return', undefined);
    expect(ups.sent).toEqual(['S02R0005\r']);
  });

  it('ondelay/offdelay from ups.conf are applied and checked at start-up', async () => {
    const { state } = await started({ protocol: 'megatec', offdelay: '59', ondelay: '0' });
    expect(state.getInfo('ups.delay.shutdown')).toBe('54');
    expect(state.getInfo('ups.delay.start')).toBe('0');
    await expect(started({ protocol: 'megatec', offdelay: '5' })).rejects.toThrow(/Shutdown delay '5' out of range/);
  });

  it('calls the data stale after MAXTRIES+1 failed polls, and fresh again at the first good one', async () => {
    const { drv, ups, state } = await started();
    ups.dead = true;
    for (let i = 0; i < 4; i++) {
      await drv.updateInfo();
      expect(state.stale, `after ${i + 1} failures`).toBe(false);
    }
    await drv.updateInfo();
    expect(state.stale).toBe(true);
    ups.dead = false;
    await drv.updateInfo();
    expect(state.stale).toBe(false);
  });

  it('survives garbage replies (stale, never an exception)', async () => {
    const { drv, ups, state } = await started();
    let n = 0;
    ups.garbage = () => ['(\0\0\r', '(' + 'x'.repeat(60) + '\r', '\xff\xfe', '(230.4 230.4 230.4 014 50.0 27.2 30.0 2222222\r', ''][n++ % 5] as string;
    for (let i = 0; i < 10; i++) await drv.updateInfo();
    expect(state.stale).toBe(true);
    ups.garbage = null;
    await drv.updateInfo();
    expect(state.stale).toBe(false);
    expect(state.getInfo('ups.status')).toBe('OL');
  });

  it('autodetects megatec, or q1 for a unit without I; refuses other protocols with a clear error', async () => {
    const { state } = await started({});
    expect(state.getInfo('driver.version.data')).toBe('Megatec 0.06');
    const r = rig({});
    const orig = r.ups.command.bind(r.ups);
    r.ups.command = async (cmd: string) => (cmd === 'I\r' ? { len: 2, answer: 'I\r' } : orig(cmd));
    await r.drv.initUps();
    await r.drv.initInfo();
    expect(r.state.getInfo('driver.version.data')).toBe('Q1 0.07');
    expect(r.state.getInfo('device.mfr')).toBeUndefined();
    await expect(rig({ protocol: 'voltronic' }).drv.initUps()).rejects.toThrow(/not supported by hardnut/);
    await expect(rig({ protocol: 'megatec', vendorid: '0665' }).drv.initUps()).rejects.toThrow(/USB/);
  });

  it('-k: reads the status, cancels a pending shutdown, then shutdown.return (or stayoff on battery)', async () => {
    const a = rig({ protocol: 'megatec' });
    await a.drv.initUps();
    a.ups.sent = [];
    await a.drv.shutdown();
    expect(a.ups.sent).toEqual(['Q1\r', 'C\r', 'S.5R0003\r']);
    const b = rig({ protocol: 'megatec', stayoff: null, offdelay: '120' });
    await b.drv.initUps();
    b.ups.bits = '10001001'; // utility fail: on battery
    b.ups.sent = [];
    await b.drv.shutdown();
    expect(b.ups.sent).toEqual(['Q1\r', 'C\r', 'S02R0000\r']);
  });

  it('-k on line power (mains back mid-shutdown): shutdown.return even with stayoff, and the output returns after at least a minute', async () => {
    const b = rig({ protocol: 'megatec', stayoff: null, offdelay: '120' });
    await b.drv.initUps();
    b.ups.sent = [];
    await b.drv.shutdown();
    expect(b.ups.sent).toEqual(['Q1\r', 'C\r', 'S02R0003\r']);
    const c = rig({ protocol: 'megatec', ondelay: '0' });
    await c.drv.initUps();
    c.ups.sent = [];
    await c.drv.shutdown();
    expect(c.ups.sent).toEqual(['Q1\r', 'C\r', 'S.5R0001\r']);
    // on battery, ondelay 0 stays NUT's plain `S.5` (the UPS returns when mains do)
    const d = rig({ protocol: 'megatec', ondelay: '0' });
    await d.drv.initUps();
    d.ups.bits = '10001001';
    d.ups.sent = [];
    await d.drv.shutdown();
    expect(d.ups.sent).toEqual(['Q1\r', 'C\r', 'S.5\r']);
  });

  it('-k dry run: the shutdown commands are printed, not sent', async () => {
    const a = rig({ protocol: 'megatec' });
    await a.drv.initUps();
    a.ups.sent = [];
    const printed: string[] = [];
    await a.drv.shutdown({ dryRun: (bytes) => printed.push(bytes) });
    expect(a.ups.sent).toEqual(['Q1\r']);
    expect(printed).toEqual(['C\r', 'S.5R0003\r']);
  });
});
