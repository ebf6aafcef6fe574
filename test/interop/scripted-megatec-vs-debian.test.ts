// scripted-ups running conf/devices/megatec.script and Debian's /lib/nut/nutdrv_qx (NUT 2.8.0),
// one after the other against the same Q1 simulator, behind Debian's upsd: the same upsc
// variables and values on line and on battery (driver.* aside: they name the driver), the same
// instant commands, and the same bytes on the wire for every command and the SETs before them.
import { describe, it, expect, afterEach } from 'vitest';
import { fileURLToPath } from 'node:url';
import { refNut } from '../support/peers.js';
import { run, waitFor } from '../support/stack.js';
import { UPSCMD, UPSRW, requireSerialInteropPeers, upscMap } from '../sim/interop.js';
import { bothSides, type Side, type SideRig } from './scripted-sides.js';

const MEGATEC = fileURLToPath(new URL('../../conf/devices/megatec.script', import.meta.url));
const COMMANDS: Array<[string, string | undefined]> = [
  ['beeper.toggle', undefined], ['test.battery.start.quick', undefined], ['test.battery.stop', undefined],
  ['test.battery.start', '180'], ['shutdown.return', undefined], ['shutdown.stop', undefined],
  ['shutdown.stayoff', undefined], ['load.off', undefined], ['load.on', undefined],
];
const INITIAL = { utilityFail: false, batteryLow: false, inputVoltage: 230.4, batteryVoltage: 27.2, load: 14, shutdownActive: false, testing: false, beeper: true };
const undo: Array<() => Promise<unknown> | void> = [];
afterEach(async () => { for (const f of undo.splice(0).reverse()) await f(); });

interface Seen { online: Record<string, string>; onBattery: Record<string, string>; bypass: Array<[string, string]>; cmds: string; wire: Array<[string, string]> }

/** upsc without the driver.* lines (they name the driver and its options). */
const published = (m: Map<string, string>): Record<string, string> => Object.fromEntries([...m].filter(([k]) => !k.startsWith('driver.')));

/** Called once the side's driver serves. */
async function observe({ sim, target, env }: SideRig, side: Side): Promise<Seen> {
  const upsc = async (): Promise<Map<string, string>> => upscMap((await run(refNut.upsc, [target], env)).stdout);
  await waitFor(`${side}: OL`, async () => (await upsc()).get('ups.status') === 'OL' && (await upsc()).get('input.voltage') === '230.4', 20_000, 100);
  const online = published(await upsc());
  const cmds = (await run(UPSCMD, ['-l', target], env)).stdout;
  await sim.set({ utilityFail: true, inputVoltage: 0, batteryVoltage: 23.1, load: 37 });
  await waitFor(`${side}: OB with fresh values`, async () => { const m = await upsc(); return m.get('ups.status') === 'OB' && m.get('input.voltage') === '0.0' && m.get('ups.load') === '37'; }, 20_000, 100);
  const onBattery = published(await upsc());
  // bit 5 on line: TRIM, BYPASS or BOOST from output/input voltage (beyond 0.5…1.5 × both fail
  // the poll: the test in test/protocol/script; Debian's values are published before it fails)
  const bypass: Array<[string, string]> = [];
  for (const ov of [207, 230.4, 253]) {
    await sim.set({ utilityFail: false, inputVoltage: 230.4, outputVoltage: ov, bypassActive: true, batteryVoltage: 27.2, load: 14 });
    const shown = ov.toFixed(1);
    const m = await waitFor(`${side}: output.voltage ${shown}`, async () => { const x = await upsc(); return x.get('output.voltage') === shown && x.get('input.voltage') === '230.4' ? x : undefined; }, 20_000, 100);
    bypass.push([shown, m.get('ups.status') ?? '']);
  }
  await sim.set({ outputVoltage: 230.4, bypassActive: false });
  const wire: Array<[string, string]> = [];
  const act = async (what: string, args: string[]): Promise<void> => {
    await sim.clear();
    const r = await run(args[0] as string, args.slice(1), env, 30_000);
    expect(r.code, `${side} ${what}: ${r.stdout}${r.stderr}`).toBe(0);
    // the bytes went out before the tool's -w returned; a poll begun after that comes after them
    const polls = (x: string): number => x.split('Q1\r').length - 1;
    const before = polls(await sim.rx());
    const rx = await waitFor(`${side}: a poll after ${what}`, async () => { const x = await sim.rx(); return polls(x) > before ? x : undefined; }, 10_000, 50);
    wire.push([what, rx.replaceAll('Q1\r', '')]);
  };
  const auth = ['-u', 'admin', '-p', 'adminpass', '-w', '-t', '20'];
  await act('SET ups.delay.shutdown=125', [UPSRW, ...auth, '-s', 'ups.delay.shutdown=125', target]);
  await act('SET ups.delay.start=61', [UPSRW, ...auth, '-s', 'ups.delay.start=61', target]);
  for (const [cmd, param] of COMMANDS) await act(`${cmd}${param ? ` ${param}` : ''}`, [UPSCMD, ...auth, target, cmd, ...(param ? [param] : [])]);
  return { online, onBattery, bypass, cmds, wire };
}

describe("scripted-ups's megatec script and Debian's nutdrv_qx, same Q1 simulator, through Debian's upsd", () => {
  it('publish the same variables and values on line and on battery, the same commands, and send the same bytes', async (ctx) => {
    requireSerialInteropPeers(ctx, 'q1');
    // Debian's nutdrv_qx reads the measurements every pollfreq: 1 s here, so both refresh every poll
    // ondelay/offdelay as nutdrv_qx takes them (offdelay 45 is rounded down to 42, like a SET)
    const delays = '\tondelay = 300\n\toffdelay = 45\n';
    const { debian, ours } = await bothSides('q1', INITIAL, `\tprotocol = megatec\n\tpollinterval = 1\n\tpollfreq = 1\n${delays}`, `\tscript = ${MEGATEC}\n\tpollinterval = 1\n${delays}`, (f) => undo.push(f), observe);
    console.log(`scripted megatec vs Debian nutdrv_qx: ${Object.keys(debian.online).length} variables compared: ${Object.keys(debian.online).sort().join(' ')}`);
    expect(ours.online).toEqual(debian.online);
    expect([ours.online['ups.delay.start'], ours.online['ups.delay.shutdown']]).toEqual(['300', '42']);
    expect(ours.onBattery).toEqual(debian.onBattery);
    expect(ours.bypass).toEqual(debian.bypass);
    expect(ours.bypass.map(([, st]) => st)).toEqual(['OL TRIM', 'OL BYPASS', 'OL BOOST']);
    expect(ours.cmds).toBe(debian.cmds);
    expect(ours.wire).toEqual(debian.wire);
    expect(ours.wire.find(([w]) => w === 'shutdown.return')?.[1]).toBe('S02R0001\r');
  }, 240_000);
});
