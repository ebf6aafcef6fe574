// scripted-ups running conf/devices/apcsmart-basic.script and Debian's /lib/nut/apcsmart (NUT
// 2.8.0), one after the other against the same APC Smart simulator, behind Debian's upsd: for
// every variable the script covers, the same value on line and on battery; the simple commands
// the script has send the bytes apcsmart sends.
import { describe, it, expect, afterEach } from 'vitest';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { refNut } from '../support/peers.js';
import { freePort, makeTestDir, run, waitFor, writeFiles, type TestDir } from '../support/stack.js';
import { startSim, type Sim } from '../sim/sim.js';
import { upsConf } from '../sim/harness.js';
import { DEBIAN_DRIVER, UPSCMD, requireSerialInteropPeers, sideSwitch, upscMap, upsdFiles } from '../sim/interop.js';

const APC = fileURLToPath(new URL('../../conf/devices/apcsmart-basic.script', import.meta.url));
/** The characters of apcsmart's and the script's regular polls, which run between the commands. */
const POLL_CHARS = /[QCPXLF9GMNOTfBjn\x01b]/g;
const undo: Array<() => Promise<unknown> | void> = [];
afterEach(async () => { for (const f of undo.splice(0).reverse()) await f(); });

interface Seen { online: Map<string, string>; onBattery: Map<string, string>; wire: Array<[string, string]> }

async function observe(dir: TestDir, sim: Sim, port: number, side: 'debian' | 'hardnut'): Promise<Seen> {
  const target = `u@127.0.0.1:${port}`;
  const env = dir.env;
  const driver = side === 'debian' ? 'apcsmart' : 'scripted-ups';
  writeFiles(dir, { 'ups.conf': upsConf('apc', sim.device, `${side === 'debian' ? '' : `\tscript = ${APC}\n`}\tpollinterval = 1\n`, driver) });
  await sim.set({ power: 'OL', lowBattery: false, calibrating: false, statusReply: null, vars: { L: '230.4', f: '100.0', B: '27.36', P: '023.4' } });
  const sw = sideSwitch(DEBIAN_DRIVER.apc, driver, join(dir.state, `${driver}-u`), target, env);
  await sw.start(side);
  try {
    const upsc = async (): Promise<Map<string, string>> => upscMap((await run(refNut.upsc, [target], env)).stdout);
    await waitFor(`${side}: OL with runtime`, async () => { const m = await upsc(); return m.get('ups.status') === 'OL' && m.has('battery.runtime'); }, 30_000, 100);
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
  } finally {
    await sw.stop();
  }
}

describe("scripted-ups's apcsmart-basic script and Debian's apcsmart, same APC Smart simulator, through Debian's upsd", () => {
  it('the same values for every variable the script covers, on line and on battery; the same bytes for its simple commands', async (ctx) => {
    requireSerialInteropPeers(ctx, 'apc');
    const port = await freePort();
    const dir = makeTestDir(upsdFiles(port));
    undo.push(() => dir.cleanup());
    const sim = await startSim('apc', join(dir.root, 'ups'));
    undo.push(() => sim.stop());
    const debian = await observe(dir, sim, port, 'debian');
    const ours = await observe(dir, sim, port, 'hardnut');
    const covered = [...ours.online.keys()].filter((k) => !k.startsWith('driver.') && k !== 'device.type');
    console.log(`scripted apcsmart-basic vs Debian apcsmart: ${covered.length} variables compared: ${covered.sort().join(' ')}`);
    expect(covered.length).toBeGreaterThanOrEqual(13);
    for (const state of ['online', 'onBattery'] as const) {
      const pick = (m: Map<string, string>): Record<string, string | undefined> => Object.fromEntries(covered.map((k) => [k, m.get(k)]));
      expect(pick(ours[state]), state).toEqual(pick(debian[state]));
    }
    expect(ours.wire).toEqual(debian.wire);
    expect(ours.wire).toEqual([['test.panel.start', 'A'], ['test.battery.start', 'W']]);
  }, 240_000);
});
