// hardnut's nutdrv_qx and Debian's /lib/nut/nutdrv_qx (NUT 2.8.0), one after the other against
// the same Q1 simulator and the same ups.conf, behind Debian's upsd: the same upsc variables
// and values, the same settable variables and commands, the same bytes on the wire for every
// instant command and SET, the same status changes within one poll interval.
import { describe, it, expect, afterEach } from 'vitest';
import { readFileSync } from 'node:fs';
import { observeSide, requireSerialInteropPeers, startInteropStack, wireRecorder, type InteropStack, type SideSeen, type WireRecord } from '../sim/interop.js';

const POLL_S = 2;
const INITIAL = {
  utilityFail: false, batteryLow: false, testing: false, shutdownActive: false, beeper: true,
  inputVoltage: 230.4, outputVoltage: 230.4, batteryVoltage: 27.2, q1Reply: null,
};
const COMMANDS: Array<[string, string | undefined]> = [
  ['beeper.toggle', undefined], ['test.battery.start.quick', undefined], ['test.battery.stop', undefined],
  ['test.battery.start', '180'], ['test.battery.start', '30'], ['shutdown.return', undefined], ['shutdown.stop', undefined],
  ['shutdown.stayoff', undefined], ['load.off', undefined], ['load.on', undefined], ['beeper.enable', undefined],
];

const stacks: InteropStack[] = [];
afterEach(async () => { for (const s of stacks.splice(0)) await s.cleanup(); });

async function side(stack: InteropStack, which: 'debian' | 'hardnut'): Promise<SideSeen & { wire: WireRecord[] }> {
  const seen = await observeSide(stack, which, INITIAL);
  const { wire, record } = wireRecorder(stack, 300, (rx) => rx.replaceAll('Q1\r', ''));
  await record('SET ups.delay.shutdown=125', () => stack.set('ups.delay.shutdown', '125'));
  await record('SET ups.delay.start=61', () => stack.set('ups.delay.start', '61'));
  for (const [cmd, param] of COMMANDS) await record(`${cmd}${param !== undefined ? ` ${param}` : ''}`, () => stack.upscmd(cmd, param));
  seen.vars['ups.delay.shutdown.after'] = (await stack.upscRaw(['ups.delay.shutdown'])).trim();
  await stack.stop();
  return { ...seen, wire };
}

describe("hardnut nutdrv_qx and Debian's, same Q1 simulator, through Debian's upsd", () => {
  it('publish the same variables and values, the same commands, and send the same bytes', async (ctx) => {
    requireSerialInteropPeers(ctx, 'q1');
    const stack = await startInteropStack('q1', `\tprotocol = megatec\n\tpollinterval = ${POLL_S}\n`);
    stacks.push(stack);
    const debian = await side(stack, 'debian');
    const ours = await side(stack, 'hardnut');

    console.log(`nutdrv_qx: compared variables (${Object.keys(debian.vars).length}): ${Object.keys(debian.vars).join(' ')}`);
    console.log(`nutdrv_qx: wire ${JSON.stringify(ours.wire)}`);
    expect(ours.vars).toEqual(debian.vars);
    // the differences by design: the software's version; no USB library in a serial-only driver
    expect(debian.raw.get('driver.version')).toBe('2.8.0');
    expect(ours.raw.get('driver.version')).toBe(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version);
    expect(debian.raw.get('driver.version.usb')).toMatch(/libusb/);
    expect(ours.raw.has('driver.version.usb')).toBe(false);
    expect(Object.keys(ours.vars)).toContain('battery.charge');
    expect(ours.rw).toBe(debian.rw);
    expect(ours.cmds).toBe(debian.cmds);
    expect(ours.wire).toEqual(debian.wire);
    expect(ours.wire.find((w) => w.what === 'shutdown.return')?.bytes).toBe('S02R0001\r');
    for (const ms of ours.statusMs) expect(ms).toBeLessThanOrEqual(POLL_S * 1000 + 1500);
  }, 240_000);
});
