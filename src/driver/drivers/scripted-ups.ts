// scripted-ups: a driver whose device protocol is a script file (`script = <file>` in ups.conf),
// NUT's long-planned "generic ASCII driver" (issue 17). The script is root's config: it is read
// and parsed while root, before the drop. The device is opened as root (serial) or connected to
// after the drop (TCP); everything it sends is interpreted by the engine only after the drop,
// under the driver-serial or driver-network seccomp role.
//
// hardnut difference: NUT has no such driver. Language reference: README "Device scripts".

import { statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { DriverError, UsageError } from '../../core/errors.js';
import { readConfigFile } from '../../runtime/config-read.js';
import { unsafeWhy } from '../../sandbox/safe-path.js';
import { STAT_FAILED, STAT_HANDLED, STAT_INVALID, STAT_UNKNOWN } from '../state-server.js';
import { SerialMutex, preloadSerialport, type ByteLink } from '../serial/index.js';
import {
  BlockRun, parseScript, ruleAccepts, ScriptError, shownBytes,
  type Block, type EngineEnv, type Effect, type KeptVariable, type Outcome, type Script,
} from '../../protocol/script/index.js';
import { READ_CHUNK, RECONNECT_MAX_MS, RECONNECT_MIN_MS, connectTcp, openSerial } from './scripted-transport.js';
import type { DriverContext, DriverDefinition, DriverInstance } from '../driver.js';

/** Consecutive failed polls before the data is declared stale and the link is reopened. */
export const FAILED_POLLS_BEFORE_STALE = 2;

/** Where a relative `script =` is looked for: NUT_CONFPATH. */
export function scriptPath(ctx: Pick<DriverContext, 'confPath' | 'vars'>): string {
  const s = ctx.vars.get('script');
  if (s === undefined || s === null || s === '') throw new DriverError('scripted-ups needs script = <file> in ups.conf', 'ERR_SCRIPT');
  return isAbsolute(s) ? s : join(ctx.confPath, s);
}

/**
 * Reads and parses the script. Root reads it before the drop, so it must be root's: a script
 * another user may change would let that user drive the UPS (and shut it down).
 */
export function loadScript(path: string): Script {
  const f = readConfigFile(path);
  if (process.geteuid?.() === 0) {
    // checked on what was opened (readConfigFile follows a packager's symlink to the real file)
    const st = statSync(f.path);
    if (st.uid !== 0 || (st.mode & 0o022) !== 0) {
      throw new ScriptError(path, 0, `must be owned by root and writable by root only (uid ${st.uid}, mode ${(st.mode & 0o7777).toString(8)}): another user could change what the driver sends to the UPS`);
    }
    // the path as written, every symlink hop and the real file (sandbox/safe-path.ts); hardnut
    // difference: NUT checks no directories (it has no script files)
    const dir = unsafeWhy(path);
    if (dir) throw new ScriptError(path, 0, `is in a directory another user can change (${dir}): they could swap the script for their own and drive the UPS`);
  }
  return parseScript(f.bytes, path);
}

/** `--check FILE`: parses a script (for whoever writes one) and says what it has, or file:line: what is wrong. */
export function checkScript(path: string): number {
  try {
    const s = parseScript(readConfigFile(path).bytes, path);
    const blocks = [s.init ? 'init' : '', 'poll', s.shutdown ? 'shutdown' : ''].filter((b) => b !== '');
    process.stdout.write(`${path}: ok: "${s.name}", ${s.transport.kind}, blocks ${blocks.join(' ')}; `
      + `${s.instcmds.size} instant commands${s.instcmds.size ? ` (${[...s.instcmds.keys()].join(' ')})` : ''}; `
      + `${s.variables.size + s.setvars.size} writable variables${s.variables.size + s.setvars.size ? ` (${[...s.variables.keys(), ...s.setvars.keys()].join(' ')})` : ''}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 1;
  }
}

/** What SET (or the variable's ups.conf option) leaves in a kept variable, or undefined if refused. */
export function keptValue(kept: KeptVariable, value: string): string | undefined {
  if (!/^\d{1,9}$/.test(value)) return undefined;
  let n = Number(value);
  if (kept.range && (n < kept.range.min || n > kept.range.max)) return undefined;
  const rule = kept.rounding.find((r) => r.below === undefined || n < r.below);
  if (rule) n -= n % rule.step;
  return String(n);
}

export class ScriptedDriver implements DriverInstance {
  readonly seccompRole: string;
  private readonly script: Script;
  private link: ByteLink | undefined;
  private readonly mutex = new SerialMutex();
  private failures = 0;
  private backoff = RECONNECT_MIN_MS;
  private nextAttempt = 0;
  private lostLogged = false;
  private initEffects: Effect[] = [];
  private readonly trace: boolean;

  constructor(private readonly ctx: DriverContext) {
    this.script = loadScript(scriptPath(ctx));
    this.seccompRole = this.script.transport.kind === 'tcp' ? 'driver-network' : 'driver-serial';
    this.trace = ctx.vars.has('trace');
  }

  /** Serial: open the port as root (nothing read yet). TCP connects after the drop. */
  async openDevice(): Promise<void> {
    if (this.script.transport.kind !== 'serial') return;
    preloadSerialport();
    this.link = await openSerial(this.ctx.port, this.script.transport, this.ctx.state.getInfo('driver.flag.nolock') === undefined);
  }

  private async connect(): Promise<ByteLink> {
    const t = this.script.transport;
    const link = t.kind === 'tcp'
      ? await connectTcp(this.ctx.port)
      : await openSerial(this.ctx.port, t, this.ctx.state.getInfo('driver.flag.nolock') === undefined);
    link.onLost = (reason) => this.ctx.log.warn(`Communications with the UPS lost: ${this.ctx.port}: ${reason}`);
    return link;
  }

  /** The link, reopened with backoff when it went away; undefined while it stays away. */
  private async usable(): Promise<ByteLink | undefined> {
    if (this.link?.isOpen) return this.link;
    if (Date.now() < this.nextAttempt) return undefined;
    try {
      await this.link?.close();
      this.link = undefined;
      this.link = await this.connect();
      if (this.lostLogged) this.ctx.log.notice(`${this.ctx.port} reconnected`);
      this.lostLogged = false;
      this.backoff = RECONNECT_MIN_MS;
      return this.link;
    } catch (err) {
      this.link = undefined;
      if (!this.lostLogged) this.ctx.log.warn((err as Error).message);
      this.lostLogged = true;
      this.nextAttempt = Date.now() + this.backoff;
      this.backoff = Math.min(this.backoff * 2, RECONNECT_MAX_MS);
      return undefined;
    }
  }

  /** Runs one block against the device: the engine decides, this loop only moves bytes and time. */
  private async run(block: Block, extra: Pick<EngineEnv, 'param' | 'value'> = {}): Promise<Outcome> {
    const link = await this.usable();
    if (!link) return { ok: false, line: block.line, reason: 'device not connected' };
    const env: EngineEnv = { get: (n) => this.ctx.state.getInfo(n), ...extra };
    const engine = new BlockRun(this.script.transport, block, env, Date.now());
    link.discardInput();
    let out = engine.start(Date.now());
    for (;;) {
      for (const line of out.trace) this.traced(line);
      try {
        if (out.write !== '') await link.write(out.write);
        if (out.done) return out.done;
        const wait = Math.max(0, (out.wakeAt ?? Date.now()) - Date.now());
        const got = await link.read(wait, READ_CHUNK);
        out = got === null ? engine.timer(Date.now()) : engine.bytes(got, Date.now());
      } catch (err) {
        await link.close().catch(() => undefined);
        return { ok: false, line: block.line, reason: (err as Error).message };
      }
    }
  }

  private traced(line: string): void {
    if (this.trace) this.ctx.log.info(`trace: ${line}`);
    else this.ctx.log.debug(3, shownBytes(line));
  }

  // ---- start-up ----

  async initUps(): Promise<void> {
    const init = this.script.init;
    if (!init) return;
    const r = await this.mutex.run(() => this.run(init));
    if (!r.ok) throw new DriverError(`init failed at ${this.where(r.line)}: ${r.reason}`, 'ERR_SCRIPT_INIT');
    this.initEffects = r.effects;
  }

  private where(line: number): string {
    return `${scriptPath(this.ctx)}:${line}`;
  }

  async initInfo(): Promise<void> {
    const { state } = this.ctx;
    state.setInfo('driver.version.data', this.script.name);
    state.setInfo('device.type', 'ups');
    this.keptDefaults();
    for (const v of this.script.variables.values()) {
      state.setFlags(v.name, ['RW']);
      if (v.range) state.addRange(v.name, v.range.min, v.range.max);
    }
    this.apply(this.initEffects, false);
    for (const name of this.script.instcmds.keys()) state.addCmd(name);
    for (const [name, b] of this.script.setvars) {
      state.setFlags(name, ['RW']);
      if (b.rule.kind === 'range') state.addRange(name, b.rule.min, b.rule.max);
      if (b.rule.kind === 'values') for (const v of b.rule.values) state.addEnum(name, v);
    }
    await this.updateInfo();
  }

  /**
   * Kept variables at their defaults, or what their ups.conf option says (ondelay/offdelay, as
   * nutdrv_qx: a value SET would refuse stops the driver).
   */
  private keptDefaults(): void {
    for (const v of this.script.variables.values()) {
      const opt = v.option === undefined ? undefined : this.ctx.vars.get(v.option);
      const value = opt === undefined || opt === null ? v.dfl : keptValue(v, opt);
      if (value === undefined) throw new UsageError(`${v.option ?? v.name} '${String(opt)}' out of range for ${v.name}`);
      this.ctx.state.setInfo(v.name, value);
    }
  }

  /** Publishes a block's results; a poll also replaces ups.status and ups.alarm. */
  private apply(effects: Effect[], poll: boolean): void {
    const { state } = this.ctx;
    if (poll) { state.statusInit(); state.alarmInit(); }
    const tokens: string[] = [];
    for (const e of effects) {
      if (e.kind === 'set') state.setInfo(e.name, e.value);
      else if (e.kind === 'alarm') state.alarmSet(e.text);
      else if (!tokens.includes(e.token)) tokens.push(e.token);
    }
    if (!poll) return;
    for (const t of tokens) state.statusSet(t);
    state.alarmCommit();
    state.statusCommit();
  }

  // ---- polling ----

  updateInfo(): Promise<void> {
    return this.mutex.run(async () => {
      const r = await this.run(this.script.poll);
      if (r.ok) {
        this.apply(r.effects, true);
        if (this.failures >= FAILED_POLLS_BEFORE_STALE) this.ctx.log.notice('Communications with the UPS re-established');
        this.failures = 0;
        this.ctx.state.dataOk();
        return;
      }
      this.failures++;
      this.ctx.log.debug(1, `poll failed at ${this.where(r.line)}: ${r.reason}`);
      if (this.failures === FAILED_POLLS_BEFORE_STALE) this.ctx.log.warn(`Communications with the UPS lost: ${r.reason}`);
      if (this.failures >= FAILED_POLLS_BEFORE_STALE) {
        this.ctx.state.dataStale();
        // a device that stopped making sense may make sense again after a reconnect
        const l = this.link;
        this.link = undefined;
        await l?.close().catch(() => undefined);
      }
    });
  }

  // ---- instant commands and SET ----

  instcmd(cmd: string, param: string | undefined): Promise<number> {
    return this.mutex.run(async () => {
      const block = this.script.instcmds.get(cmd.toLowerCase());
      if (!block) return STAT_UNKNOWN;
      if (param !== undefined && param !== '' && !ruleAccepts(block.rule, param)) {
        this.ctx.log.warn(`instcmd ${cmd}: parameter '${param}' refused by the script's rule`);
        return STAT_INVALID;
      }
      this.ctx.log.info(`instcmd(${cmd}, ${param ?? '[NULL]'})`);
      const r = await this.run(block, param !== undefined && param !== '' ? { param } : {});
      if (!r.ok) {
        this.ctx.log.error(`instcmd ${cmd} failed at ${this.where(r.line)}: ${r.reason}`);
        return STAT_FAILED;
      }
      this.apply(r.effects, false);
      return STAT_HANDLED;
    });
  }

  setvar(name: string, value: string): Promise<number> {
    return this.mutex.run(async () => {
      const kept = this.script.variables.get(name.toLowerCase());
      if (kept) {
        const n = keptValue(kept, value);
        if (n === undefined) return STAT_INVALID;
        this.ctx.state.setInfo(kept.name, n);
        this.ctx.log.info(`setvar(${name}, ${value}): ${n}`);
        return STAT_HANDLED;
      }
      const block = this.script.setvars.get(name.toLowerCase());
      if (!block) return STAT_UNKNOWN;
      if (!ruleAccepts(block.rule, value)) return STAT_INVALID;
      const r = await this.run(block, { value });
      if (!r.ok) {
        this.ctx.log.error(`setvar ${name} failed at ${this.where(r.line)}: ${r.reason}`);
        return STAT_FAILED;
      }
      this.ctx.state.setInfo(block.name, value);
      this.apply(r.effects, false);
      return STAT_HANDLED;
    });
  }

  // ---- -k and exit ----

  async shutdown(): Promise<void> {
    try {
      const block = this.script.shutdown;
      if (!block) throw new DriverError('the script has no shutdown block', 'ERR_SCRIPT_SHUTDOWN');
      // the shutdown block reads the kept variables (delays): defaults or ondelay/offdelay, as nutdrv_qx -k
      this.keptDefaults();
      const r = await this.mutex.run(() => this.run(block));
      if (!r.ok) throw new DriverError(`shutdown failed at ${this.where(r.line)}: ${r.reason}`, 'ERR_SCRIPT_SHUTDOWN');
      this.ctx.log.notice('Shutdown sequence sent');
    } finally {
      await this.cleanup();
    }
  }

  cleanup(): Promise<void> {
    return this.mutex.run(async () => {
      const l = this.link;
      this.link = undefined;
      await l?.close();
    });
  }
}

export const scriptedUps: DriverDefinition = {
  name: 'scripted-ups',
  version: '0.01',
  description: 'Scripted driver for ASCII devices (hardnut)',
  // a TCP script's instance names driver-network instead (seccompRole above)
  seccompRole: 'driver-serial',
  vars: [
    { name: 'script', kind: 'value', description: 'Device script file (relative to the config directory)' },
    { name: 'trace', kind: 'flag', description: 'Log every step sent and received (for script writers)' },
    // NUT's names; only a script's `variable … option ondelay|offdelay` reads them
    { name: 'ondelay', kind: 'value', description: 'Start delay in seconds, for a script variable with option ondelay' },
    { name: 'offdelay', kind: 'value', description: 'Shutdown delay in seconds, for a script variable with option offdelay' },
  ],
  offline: (argv) => {
    if (argv[0] !== '--check') return undefined;
    if (argv.length !== 2) {
      process.stderr.write('usage: hardnut scripted-ups --check <script>\n');
      return 2;
    }
    return checkScript(argv[1] as string);
  },
  checkPort: (ctx) => {
    try { loadScript(scriptPath(ctx)); } catch (err) { return (err as Error).message; }
    return undefined;
  },
  create: (ctx) => new ScriptedDriver(ctx),
};
