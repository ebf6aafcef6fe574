// Shared by the usbhid tests: the recorded UPSes of test/fixtures/hid and an engine on them.
import { readFileSync } from 'node:fs';
import { UsbHidUps, SUBDRIVERS, regexMatcher, FixtureUps, MemoryBus, type HidFixture, type UsbHidOptions } from '../../../src/driver/usbhid/index.js';
import { DriverState } from '../../../src/driver/dstate.js';
import { Logger } from '../../../src/runtime/log.js';

export const FIXTURE_DIR = new URL('../../fixtures/hid/', import.meta.url).pathname;

export function loadFixture(name: string): HidFixture {
  return JSON.parse(readFileSync(`${FIXTURE_DIR}${name}.json`, 'utf8')) as HidFixture;
}

/** A logger that keeps its lines instead of printing them. */
export class Recorder extends Logger {
  readonly lines: string[] = [];
  constructor() { super('usbhid-test'); }
  override error(m: string): void { this.lines.push(`error: ${m}`); }
  override warn(m: string): void { this.lines.push(`warn: ${m}`); }
  override notice(m: string): void { this.lines.push(`notice: ${m}`); }
  override info(m: string): void { this.lines.push(`info: ${m}`); }
  override debug(level: number, m: string): void { if (this.debugLevel >= level) this.lines.push(`debug${level}: ${m}`); }
}

export interface Rig {
  engine: UsbHidUps;
  state: DriverState;
  ups: FixtureUps;
  bus: MemoryBus;
  log: Recorder;
  clock: { now: number };
  /** The published variables, as upsc lists them. */
  vars(): Record<string, string>;
}

export function rig(fixture: HidFixture | FixtureUps, opts: Partial<UsbHidOptions> = {}, match: Record<string, string> = {}): Rig {
  const ups = fixture instanceof FixtureUps ? fixture : new FixtureUps(fixture);
  const state = new DriverState();
  const log = new Recorder();
  const clock = { now: 1_000_000 };
  const bus = new MemoryBus([ups]);
  const engine = new UsbHidUps(state, log, bus, SUBDRIVERS, regexMatcher(match), {
    pollFreqS: 30, pollIntervalS: 2, useInterrupt: true, onlineDischarge: false, interruptOnly: false, maxReport: false,
    productIdGiven: match['productid'] !== undefined, explore: false, nowS: () => clock.now, sleep: async () => undefined, ...opts,
  });
  return { engine, state, ups, bus, log, clock, vars: () => Object.fromEntries(state.tree.vars().map((v) => [v.name, v.value])) };
}

/** NUT's upsc listing of a fixture without what the driver core or the reporter's setup adds. */
export function nutVariables(fx: HidFixture): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(fx.nut?.upsc ?? {})) {
    if (k.startsWith('driver.') || k.startsWith('device.')) continue;
    out[k] = v;
  }
  return { ...out, ...(fx.expect ?? {}) };
}
