// hardnut's apcsmart and Debian's /lib/nut/apcsmart (NUT 2.8.0), one after the other against the
// same APC Smart simulator and the same ups.conf, behind Debian's upsd: the same upsc variables
// and values, the same settable variables (with their enums) and commands, the same bytes on the
// wire for instant commands (the nasty ones confirmed within NUT's window) and SETs, and the
// same status changes within one poll interval.
import { describe, it, expect, afterEach } from 'vitest';
import { sleep } from '../sim/harness.js';
import { observeSide, requireSerialInteropPeers, startInteropStack, wireRecorder, type InteropStack, type SideSeen, type WireRecord } from '../sim/interop.js';

const POLL_S = 2;
const INITIAL = {
  power: 'OL', lowBattery: false, calibrating: false, statusReply: null, lastAction: null,
  vars: { u: '253', c: 'UPS_IDEN', X: 'NO', L: '230.4', G: 'O', f: '100.0' },
};

const stacks: InteropStack[] = [];
afterEach(async () => { for (const s of stacks.splice(0)) await s.cleanup(); });
/** The characters of the regular polls, which run between the commands. */
const POLL_CHARS = /[QCPXLF9GMNOTfBj]/g;

async function side(stack: InteropStack, which: 'debian' | 'hardnut'): Promise<SideSeen & { wire: WireRecord[] }> {
  // the first poll after start-up reads every variable; let it finish
  const seen = await observeSide(stack, which, INITIAL, 'battery.runtime.low');
  const { wire, record } = wireRecorder(stack, 500, (rx) => rx.replace(POLL_CHARS, ''));
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
  return { ...seen, wire };
}

describe("hardnut apcsmart and Debian's, same APC Smart simulator, through Debian's upsd", () => {
  it('publish the same variables, enums and commands, and send the same bytes', async (ctx) => {
    requireSerialInteropPeers(ctx, 'apc');
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
