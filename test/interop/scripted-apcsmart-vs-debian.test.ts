// scripted-ups running conf/devices/apcsmart-basic.script and Debian's /lib/nut/apcsmart (NUT
// 2.8.0), one after the other against the same APC Smart simulator, behind Debian's upsd: for
// every variable the script covers (29: settings, dates, transfer points, min/max input voltage,
// test result too), the same value on line and on battery; the simple commands
// the script has send the bytes apcsmart sends.
import { describe, it, expect, afterEach } from 'vitest';
import { fileURLToPath } from 'node:url';
import { refNut } from '../support/peers.js';
import { run, waitFor } from '../support/stack.js';
import { UPSCMD, requireSerialInteropPeers, upscMap } from '../sim/interop.js';
import { bothSides, type Side, type SideRig } from './scripted-sides.js';

const APC = fileURLToPath(new URL('../../conf/devices/apcsmart-basic.script', import.meta.url));
/** The characters of apcsmart's and the script's regular polls, which run between the commands. */
const POLL_CHARS = /[QCPXLF9GMNOTfBjn\x01b]/g;
// X: the first side's battery test leaves the simulator's test result at OK
const INITIAL = { power: 'OL', lowBattery: false, calibrating: false, statusReply: null, vars: { L: '230.4', f: '100.0', B: '27.36', P: '023.4', X: 'NO' } };
const undo: Array<() => Promise<unknown> | void> = [];
afterEach(async () => { for (const f of undo.splice(0).reverse()) await f(); });

interface Seen { online: Map<string, string>; onBattery: Map<string, string>; wire: Array<[string, string]> }

/** Called once the side's driver serves. */
async function observe({ sim, target, env }: SideRig, side: Side): Promise<Seen> {
  const upsc = async (): Promise<Map<string, string>> => upscMap((await run(refNut.upsc, [target], env)).stdout);
  await waitFor(`${side}: OL with runtime`, async () => { const m = await upsc(); return m.get('ups.status') === 'OL' && m.has('battery.runtime') && m.get('battery.charge') === '100.0'; }, 30_000, 100);
  const online = await upsc();
  await sim.set({ power: 'OB', vars: { L: '000.0', f: '071.0', B: '24.10', P: '041.0' } });
  await waitFor(`${side}: OB with fresh values`, async () => { const m = await upsc(); return m.get('ups.status') === 'OB' && m.get('battery.charge') === '071.0' && m.get('ups.load') === '041.0'; }, 30_000, 100);
  const onBattery = await upsc();
  const wire: Array<[string, string]> = [];
  for (const cmd of ['test.panel.start', 'test.battery.start']) {
    await sim.clear();
    const r = await run(UPSCMD, ['-u', 'admin', '-p', 'adminpass', '-w', '-t', '20', target, cmd], env, 30_000);
    expect(r.code, `${side} ${cmd}: ${r.stdout}${r.stderr}`).toBe(0);
    wire.push([cmd, (await sim.rx()).replace(POLL_CHARS, '')]);
  }
  return { online, onBattery, wire };
}

describe("scripted-ups's apcsmart-basic script and Debian's apcsmart, same APC Smart simulator, through Debian's upsd", () => {
  it('the same values for every variable the script covers, on line and on battery; the same bytes for its simple commands', async (ctx) => {
    requireSerialInteropPeers(ctx, 'apc');
    const { debian, ours } = await bothSides('apc', INITIAL, '\tpollinterval = 1\n', `\tscript = ${APC}\n\tpollinterval = 1\n`, (f) => undo.push(f), observe);
    const covered = [...ours.online.keys()].filter((k) => !k.startsWith('driver.') && k !== 'device.type');
    console.log(`scripted apcsmart-basic vs Debian apcsmart: ${covered.length} variables compared: ${covered.sort().join(' ')}`);
    expect(covered.length).toBeGreaterThanOrEqual(29);
    for (const state of ['online', 'onBattery'] as const) {
      const pick = (m: Map<string, string>): Record<string, string | undefined> => Object.fromEntries(covered.map((k) => [k, m.get(k)]));
      expect(pick(ours[state]), state).toEqual(pick(debian[state]));
    }
    expect(ours.wire).toEqual(debian.wire);
    expect(ours.wire).toEqual([['test.panel.start', 'A'], ['test.battery.start', 'W']]);
  }, 240_000);
});
