// What the scripted-ups interop tests share: one temp dir with upsd files, one simulator, and each
// side (Debian's driver, then scripted-ups with a script) started behind Debian's upsd in turn.
import { join } from 'node:path';
import { freePort, makeTestDir, writeFiles, type TestDir } from '../support/stack.js';
import { startSim, type Sim, type SimKind } from '../sim/sim.js';
import { upsConf } from '../sim/harness.js';
import { DEBIAN_DRIVER, sideSwitch, upsdFiles } from '../sim/interop.js';

export type Side = 'debian' | 'hardnut';
export interface SideRig { dir: TestDir; sim: Sim; port: number; target: string; env: NodeJS.ProcessEnv }

/**
 * Runs `observe` for Debian's driver (ups.conf lines `debianSection`), then for scripted-ups
 * (`scriptedSection`), on one simulator set to `initial` before each side starts; `own` takes what must be cleaned up afterwards.
 */
export async function bothSides<T>(kind: SimKind, initial: Record<string, unknown>, debianSection: string, scriptedSection: string, own: (f: () => Promise<unknown> | void) => void, observe: (rig: SideRig, side: Side) => Promise<T>): Promise<{ debian: T; ours: T }> {
  const port = await freePort();
  const dir = makeTestDir(upsdFiles(port));
  own(() => dir.cleanup());
  const sim = await startSim(kind, join(dir.root, 'ups'));
  own(() => sim.stop());
  const rig: SideRig = { dir, sim, port, target: `u@127.0.0.1:${port}`, env: dir.env };
  const one = async (side: Side): Promise<T> => {
    const driver = side === 'debian' ? DEBIAN_DRIVER[kind].replace(/^.*\//, '') : 'scripted-ups';
    writeFiles(dir, { 'ups.conf': upsConf(kind, sim.device, side === 'debian' ? debianSection : scriptedSection, driver) });
    await sim.set(initial);
    const sw = sideSwitch(DEBIAN_DRIVER[kind], driver, join(dir.state, `${driver}-u`), rig.target, dir.env);
    await sw.start(side);
    try { return await observe(rig, side); } finally { await sw.stop(); }
  };
  const debian = await one('debian');
  return { debian, ours: await one('hardnut') };
}
