// The part of the whole-driver fuzz properties (q1, apcsmart) that is the same for every driver:
// start it on faulty replies, play a plan of polls, commands, SETs and clock steps, then check
// what it published.
import { ensure } from './harness.js';
import { DriverError } from '../../src/core/errors.js';
import { isValidName } from '../../src/protocol/sock/index.js';
import type { DriverState } from '../../src/driver/dstate.js';

export type PlanStep =
  | readonly ['poll']
  | readonly ['cmd', string, string | undefined]
  | readonly ['set', string, string]
  | readonly ['clock', number];

export interface PlannedDriver {
  initUps(): Promise<void>;
  initInfo(): Promise<void>;
  updateInfo(): Promise<void>;
  instcmd(name: string, extra: string | undefined): Promise<number>;
  setvar(name: string, value: string): Promise<number>;
}

/** False if start-up failed (only a DriverError may); otherwise plays `plan` with its results checked. */
export async function playPlan(drv: PlannedDriver, clock: { now: number }, plan: readonly PlanStep[]): Promise<boolean> {
  try {
    await drv.initUps();
    await drv.initInfo();
    await drv.updateInfo();
  } catch (err) {
    ensure(err instanceof DriverError, () => `start-up threw ${String(err)}`);
    return false;
  }
  for (const op of plan) {
    if (op[0] === 'poll') await drv.updateInfo();
    else if (op[0] === 'cmd') ensure([0, 1, 2, 3].includes(await drv.instcmd(op[1], op[2])), () => 'instcmd result');
    else if (op[0] === 'set') ensure([0, 1, 2, 3].includes(await drv.setvar(op[1], op[2])), () => 'setvar result');
    else clock.now += op[1];
  }
  return true;
}

/** Published names are valid, values fit NUT's 255 characters, ups.status uses only `tokens`. */
export function checkPublished(state: DriverState, tokens: ReadonlySet<string>): void {
  for (const v of state.tree.vars()) {
    ensure(isValidName(v.name), () => `name ${v.name}`);
    ensure(v.value.length <= 255, () => `${v.name} too long`);
  }
  const status = state.getInfo('ups.status');
  if (status !== undefined) for (const t of status.split(' ')) ensure(tokens.has(t), () => `status token ${t}`);
}
