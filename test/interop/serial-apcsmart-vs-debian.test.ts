// hardnut's apcsmart and Debian's /lib/nut/apcsmart (NUT 2.8.0), one after the other against the
// same APC Smart simulator and the same ups.conf, behind Debian's upsd: the same upsc variables
// and values, the same settable variables (with their enums) and commands, the same bytes on the
// wire for instant commands (the nasty ones confirmed within NUT's window) and SETs, and the
// same status changes within one poll interval.
import { describe, it, expect, afterEach } from 'vitest';
import { hasExecutable, requirePeer } from '../support/peers.js';
import { HARDNUT, waitFor } from '../support/stack.js';
import { hasSocat } from '../sim/sim.js';
import { comparable, hasSerialPeers, startInteropStack, type InteropStack } from '../sim/interop.js';

const POLL_S = 2;
const INITIAL = {
  power: 'OL', lowBattery: false, calibrating: false, statusReply: null, lastAction: null,
  vars: { u: '253', c: 'UPS_IDEN', X: 'NO', L: '230.4', G: 'O', f: '100.0' },
};

interface SideResult {
  raw: Map<string, string>;
  vars: Record<string, string>;
  rw: string;
  cmds: string;
  statusMs: number[];
  wire: Array<{ what: string; code: number; out: string; bytes: string }>;
}

const stacks: InteropStack[] = [];
afterEach(async () => { for (const s of stacks.splice(0)) await s.cleanup(); });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** The characters of the regular polls, which run between the commands. */
const POLL_CHARS = /[QCPXLF9GMNOTfBj]/g;

async function side(stack: InteropStack, which: 'debian' | 'hardnut'): Promise<SideResult> {
  await stack.sim.set(INITIAL);
  await stack.start(which);
  // the first poll after start-up reads every variable; let it finish
  await waitFor(`${which}: full data`, async () => (await stack.upsc()).has('battery.runtime.low'), 20_000, 200);
  const raw = await stack.upsc();
  const vars = comparable(raw);
  const rw = await stack.upsrw();
  const cmds = await stack.cmdList();
  const statusMs: number[] = [];
  for (const [patch, want] of [[{ power: 'OB' }, 'OB'], [{ lowBattery: true }, 'OB LB'], [{ power: 'OL', lowBattery: false }, 'OL']] as const) {
    await stack.sim.set(patch);
    const t0 = Date.now();
    await waitFor(`${which}: ${want}`, async () => (await stack.upscRaw(['ups.status'])).trim() === want, 15_000, 50);
    statusMs.push(Date.now() - t0);
  }
  const wire: SideResult['wire'] = [];
  const record = async (what: string, fn: () => Promise<{ code: number; out: string }>): Promise<void> => {
    await stack.sim.clear();
    const { code, out } = await fn();
    await sleep(500);
    wire.push({ what, code, out: out.replace(/Init SSL[^\n]*\n?/, '').trim(), bytes: (await stack.sim.rx()).replace(POLL_CHARS, '') });
  };
  await record('SET input.transfer.high=264', () => stack.set('input.transfer.high', '264'));
  await record('SET ups.id=HN1', () => stack.set('ups.id', 'HN1'));
  for (const cmd of ['test.panel.start', 'test.battery.start', 'test.failure.start', 'load.on', 'bypass.start']) {
    await record(cmd, () => stack.upscmd(cmd));
  }
  // nasty: the first request only opens the window, the second (3–15 s later) is carried out
  await record('load.off #1', () => stack.upscmd('load.off'));
  await sleep(3500);
  await record('load.off #2', () => stack.upscmd('load.off'));
  await sleep(16_000);
  await record('shutdown.return at:5 #1', () => stack.upscmd('shutdown.return', 'at:5'));
  await sleep(3500);
  await record('shutdown.return at:5 #2', () => stack.upscmd('shutdown.return', 'at:5'));
  await stack.stop();
  return { raw, vars, rw, cmds, statusMs, wire };
}

describe("hardnut apcsmart and Debian's, same APC Smart simulator, through Debian's upsd", () => {
  it('publish the same variables, enums and commands, and send the same bytes', async (ctx) => {
    requirePeer(ctx, hasSerialPeers('apc'), "Debian's NUT (nut-server, nut-client: /lib/nut/apcsmart, upsd, upsc, upscmd, upsrw)");
    requirePeer(ctx, hasSocat(), 'socat');
    requirePeer(ctx, hasExecutable(HARDNUT), 'a build (npm run build)');
    const stack = await startInteropStack('apc', `\tpollinterval = ${POLL_S}\n`);
    stacks.push(stack);
    const debian = await side(stack, 'debian');
    const ours = await side(stack, 'hardnut');

    console.log(`apcsmart: compared variables (${Object.keys(debian.vars).length}): ${Object.keys(debian.vars).join(' ')}`);
    console.log(`apcsmart: wire ${JSON.stringify(ours.wire)}`);
    expect(ours.vars).toEqual(debian.vars);
    // the one difference by design: the software's version
    expect(debian.raw.get('driver.version')).toBe('2.8.0');
    expect(ours.raw.get('driver.version')).not.toBe('2.8.0');
    expect(ours.rw).toBe(debian.rw);
    expect(ours.cmds).toBe(debian.cmds);
    expect(ours.wire).toEqual(debian.wire);
    expect(ours.wire.find((w) => w.what === 'load.off #2')?.bytes).toBe('ZZ');
    expect(ours.wire.find((w) => w.what === 'load.off #1')?.bytes).toBe('');
    for (const ms of ours.statusMs) expect(ms).toBeLessThanOrEqual(POLL_S * 1000 + 2000);
  }, 300_000);
});
