// dummy-ups (spec §7): replays a .dev or .seq file as a UPS. A .dev is read once (and again when
// it changes); a .seq loops; `TIMER n` pauses the replay n seconds, `ALARM text` raises an alarm.
// Repeater mode (port = ups@host) is dummy-ups-repeater.ts, on hardnut's client library.

import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { parseText, type ParsedLine } from '../../core/tokenizer.js';
import { DriverError } from '../../core/errors.js';
import { STAT_HANDLED, STAT_UNKNOWN } from '../state-server.js';
import type { DriverContext, DriverDefinition, DriverInstance } from '../driver.js';
import type { DriverState } from '../dstate.js';
import { RepeaterUps, STRICT_START_FLAG, isRepeater } from './dummy-ups-repeater.js';
import { atoi } from '../../core/c-number.js';

type Flag = 'RW' | 'STRING' | 'NUMBER';
interface KnownVar { flags: Flag[]; aux: number }

const RW_STRING = (aux: number): KnownVar => ({ flags: ['RW', 'STRING'], aux });
const RW: KnownVar = { flags: ['RW'], aux: 0 };

/**
 * Flags and string lengths of the variables dummy-ups knows (NUT 2.8.0's table, as data).
 * Any other variable becomes RW STRING with room for 32 characters.
 */
export const KNOWN_VARS: ReadonlyMap<string, KnownVar> = new Map<string, KnownVar>([
  ['ups.mfr', RW_STRING(32)], ['ups.model', RW_STRING(32)], ['ups.status', RW_STRING(32)],
  ['ups.serial', RW_STRING(32)], ['ups.load', RW], ['ups.alarm', RW_STRING(32)],
  ['ups.time', RW_STRING(16)], ['ups.date', RW_STRING(16)], ['ups.mfr.date', RW_STRING(16)],
  ['ups.firmware', RW_STRING(16)], ['ups.firmware.aux', RW_STRING(16)], ['ups.temperature', RW],
  ['ups.id', RW_STRING(16)], ['ups.delay.start', RW], ['ups.delay.reboot', RW], ['ups.delay.shutdown', RW],
  ['ups.test.interval', RW], ['ups.test.result', RW_STRING(16)],
  ['input.voltage', RW], ['input.voltage.maximum', RW], ['input.voltage.minimum', RW], ['input.voltage.nominal', RW],
  ['input.transfer.reason', RW_STRING(1)], ['input.transfer.low', RW], ['input.transfer.high', RW],
  ['input.sensitivity', RW_STRING(1)], ['input.quality', RW_STRING(6)], ['input.frequency', RW],
  ['input.transfer.boost.low', RW], ['input.transfer.boost.high', RW], ['input.transfer.trim.low', RW], ['input.transfer.trim.high', RW],
  ['output.voltage', RW], ['output.frequency', RW], ['output.current', RW],
  ['battery.charge', RW], ['battery.charge.low', RW], ['battery.voltage', RW], ['battery.current', RW],
  ['battery.runtime', RW], ['battery.runtime.low', RW], ['battery.charge.restart', RW], ['battery.temperature', RW],
  ['battery.voltage.nominal', RW],
  ['ambient.temperature', RW], ['ambient.temperature.alarm', RW], ['ambient.temperature.high', RW], ['ambient.temperature.low', RW],
  ['ambient.humidity', RW], ['ambient.humidity.alarm', RW], ['ambient.humidity.high', RW], ['ambient.humidity.low', RW],
]);
const UNKNOWN_VAR: KnownVar = RW_STRING(32);

/** Published before the data file is read (§7.2). */
const INITIAL: ReadonlyArray<[string, string]> = [['ups.mfr', 'Dummy Manufacturer'], ['ups.model', 'Dummy UPS'], ['ups.status', 'OL']];

export type DummyMode = 'dummy-once' | 'dummy-loop' | 'dummy';

/** The mode published as driver.parameter.mode (§7.1). */
export function resolveMode(port: string, mode: string | null | undefined): DummyMode {
  if (mode === 'dummy-once' || mode === 'dummy-loop') return mode;
  if (mode === 'dummy') return 'dummy-loop';
  if (port.endsWith('.seq')) return 'dummy-loop';
  if (port.endsWith('.dev')) return 'dummy-once';
  return 'dummy';
}

/** Sets a variable as dummy-ups does: status through the status helpers, flags from the table. */
export function setDummyVar(state: DriverState, name: string, value: string): void {
  if (name === 'ups.status') {
    state.statusInit();
    for (const token of value.split(' ')) state.statusSet(token);
    state.statusCommit();
    return;
  }
  if (value === '') { state.delInfo(name); return; }
  state.setInfo(name, value);
  const known = KNOWN_VARS.get(name.toLowerCase()) ?? UNKNOWN_VAR;
  state.setFlags(name, known.flags);
  if (known.flags.includes('STRING')) state.setAux(name, known.aux);
}

/** A parsed data file with a cursor: replay stops at TIMER and resumes there later. */
export class DataFileReplay {
  private lines: ParsedLine[] = [];
  private next = 0;
  private resumeAt = 0;
  private alarms: string[] = [];
  /** True while the replay is inside the file (started, not yet at its end). */
  active = false;

  constructor(private readonly state: DriverState, private readonly now: () => number = Date.now) {}

  load(text: Uint8Array | string): void {
    this.lines = parseText(text).lines;
    this.next = 0;
    this.resumeAt = 0;
    this.active = true;
  }

  /** Runs lines until a TIMER or the end of the file. Returns true at the end of the file. */
  run(): boolean {
    if (this.now() < this.resumeAt) return false;
    while (this.next < this.lines.length) {
      const { args } = this.lines[this.next++] as ParsedLine;
      const first = args[0] as string;
      // NUT matches the keyword by its first five characters.
      if (first.startsWith('TIMER')) {
        const secs = atoi(args[1] ?? ''); // NUT: atoi(arg)
        this.resumeAt = this.now() + secs * 1000;
        return false;
      }
      if (first === 'ALARM') {
        if (args.length === 1) this.alarms = [];
        else this.alarms.push(args.slice(1).join(' '));
        this.state.alarmInit();
        for (const a of this.alarms) this.state.alarmSet(a);
        this.state.alarmCommit();
        const status = this.state.getInfo('ups.status') ?? '';
        setDummyVar(this.state, 'ups.status', status.split(' ').filter((t) => t !== 'ALARM').join(' '));
        continue;
      }
      const colon = first.indexOf(':');
      const name = colon >= 0 ? first.slice(0, colon) : first;
      if (name.startsWith('driver.')) continue;
      setDummyVar(this.state, name, args.slice(1).join(' '));
    }
    this.active = false;
    return true;
  }
}

/** A relative port is a file in the config directory, as in NUT. */
export function dataFilePath(port: string, confPath: string): string {
  return isAbsolute(port) || port.startsWith('./') || port.startsWith('../') ? port : join(confPath, port);
}

function readDataFile(file: string): { text: Buffer; mtimeMs: number } {
  try {
    return { text: readFileSync(file), mtimeMs: statSync(file).mtimeMs };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new DriverError(`Can't open dummy-ups definition file ${file}: ${why}`, 'ERR_DATA_FILE');
  }
}

class DummyUps implements DriverInstance {
  private readonly mode: DummyMode;
  private readonly file: string;
  private readonly replay: DataFileReplay;
  private mtimeMs = -1;

  constructor(private readonly ctx: DriverContext) {
    this.mode = resolveMode(ctx.port, ctx.vars.get('mode'));
    this.file = dataFilePath(ctx.port, ctx.confPath);
    this.replay = new DataFileReplay(ctx.state);
  }

  initUps(): void {
    this.ctx.log.debug(1, `Dummy (simulation) mode using data ${this.mode === 'dummy-once' ? 'read once' : 'read in a loop'} from ${this.file}`);
    // Read now, while the file is certainly reachable (before a privilege drop or chroot).
    this.readFile();
  }

  initInfo(): void {
    const { state } = this.ctx;
    state.setInfo('driver.parameter.mode', this.mode);
    // NUT publishes these directly (not through the status helpers), with their table flags.
    for (const [name, value] of INITIAL) {
      state.setInfo(name, value);
      const known = KNOWN_VARS.get(name) ?? UNKNOWN_VAR;
      state.setFlags(name, known.flags);
      state.setAux(name, known.aux);
    }
    this.replay.run();
    state.addCmd('load.off');
    state.dataOk();
  }

  updateInfo(): void {
    const { state } = this.ctx;
    if (this.replay.active) {
      this.replay.run();
    } else if (this.mode !== 'dummy-once') {
      this.readFile();
      this.replay.run();
    } else if (this.changedOnDisk()) {
      this.ctx.log.debug(2, 'upsdrv_updateinfo: input file was already read once to the end, but changed later - re-reading');
      this.readFile();
      this.replay.run();
    } else {
      this.ctx.log.debug(2, 'upsdrv_updateinfo: NO-OP: input file was already read once to the end');
    }
    state.dataOk();
  }

  setvar(name: string, value: string): number {
    setDummyVar(this.ctx.state, name, value);
    return STAT_HANDLED;
  }

  instcmd(cmd: string, param: string | undefined): number {
    this.ctx.log.notice(`instcmd: unknown command [${cmd}] [${param ?? '(null)'}]`);
    return STAT_UNKNOWN;
  }

  private readFile(): void {
    const { text, mtimeMs } = readDataFile(this.file);
    this.mtimeMs = mtimeMs;
    this.replay.load(text);
  }

  private changedOnDisk(): boolean {
    try { return statSync(this.file).mtimeMs !== this.mtimeMs; } catch { return false; }
  }
}

export const dummyUps: DriverDefinition = {
  name: 'dummy-ups',
  version: '0.15',
  description: 'Device simulation and repeater driver',
  seccompRole: 'driver-file',
  vars: [
    { name: 'mode', kind: 'value', description: 'Specify mode instead of guessing it from port value (dummy = dummy-loop, dummy-once, repeater)' },
    { name: STRICT_START_FLAG, kind: 'flag', description: 'Do not terminate the driver encountering errors when starting the repeater mode' },
  ],
  checkPort: (ctx) => {
    if (isRepeater(ctx)) return undefined;
    try { readDataFile(dataFilePath(ctx.port, ctx.confPath)); } catch (err) { return (err as Error).message; }
    return undefined;
  },
  create: (ctx) => (isRepeater(ctx) ? new RepeaterUps(ctx, (name, value) => setDummyVar(ctx.state, name, value)) : new DummyUps(ctx)),
};
