// dummy-ups repeater mode (spec §7.1): port = upsname@host[:port]. The driver is a client of
// another upsd and mirrors that UPS: every poll, LIST VAR, and each variable except driver.*
// is set here as dummy-ups sets variables (§7.2 flags). A lost connection is re-made with
// backoff; meanwhile the data is marked stale. A failure at start-up is fatal unless the
// `repeater_disable_strict_start` flag is set (NUT master).
//
// hardnut differences: variables that disappear upstream are deleted here too (NUT keeps the
// last value for ever), and the data is marked stale while the upstream cannot be read (NUT
// 2.8.0 keeps reporting it as fresh).
import { ReconnectingClient } from '../../client/reconnecting.js';
import { preloadTls } from '../../client/client.js';
import { splitName, type UpsSpec } from '../../client/ups-spec.js';
import { DriverError } from '../../core/errors.js';
import { STAT_UNKNOWN } from '../state-server.js';
import type { DriverContext, DriverInstance } from '../driver.js';

export const STRICT_START_FLAG = 'repeater_disable_strict_start';
/** Reconnect backoff: first wait and cap. */
export const REPEATER_RETRY_MIN_MS = 1_000;
export const REPEATER_RETRY_MAX_MS = 15_000;

/** True when dummy-ups must run as a repeater (§7.1): mode=repeater, or an '@' in port. */
export function isRepeater(ctx: Pick<DriverContext, 'port' | 'vars'>): boolean {
  const mode = ctx.vars.get('mode');
  return mode === 'repeater' || ((mode === undefined || mode === null) && ctx.port.includes('@'));
}

/** Applies one upstream variable; `set` is dummy-ups' own setter (setDummyVar). */
export type SetVar = (name: string, value: string) => void;

export class RepeaterUps implements DriverInstance {
  /** A network client: it reconnects to upsd after start-up (policy/seccomp/driver-network.json). */
  readonly seccompRole = 'driver-network';
  private readonly target: UpsSpec;
  private readonly conn: ReconnectingClient;
  private readonly strict: boolean;
  /** Names mirrored at the last successful poll, to delete what vanishes upstream. */
  private mirrored = new Set<string>();
  private failing = false;

  constructor(private readonly ctx: DriverContext, private readonly setVar: SetVar) {
    try {
      this.target = splitName(ctx.port);
    } catch {
      throw new DriverError('invalid UPS definition.\nRequired format: upsname[@hostname[:port]]', 'ERR_UPS_SPEC');
    }
    this.strict = !ctx.vars.has(STRICT_START_FLAG);
    this.conn = new ReconnectingClient(this.target, {
      initialDelayMs: REPEATER_RETRY_MIN_MS,
      maxDelayMs: REPEATER_RETRY_MAX_MS,
      onEvent: (e) => {
        if (e.type === 'connected') this.ctx.log.debug(1, `Connected to ${ctx.port}${e.encrypted ? ' (TLS)' : ''}`);
        else if (e.type === 'disconnected') this.ctx.log.debug(1, `Lost ${ctx.port}: ${e.error.message}`);
        else this.ctx.log.debug(1, `Error reconnecting: ${e.error.message} (next try in ${Math.round(e.retryInMs / 1000)} s)`);
      },
    });
  }

  async initUps(): Promise<void> {
    // The network connection is made in initInfo, after the privilege drop (and any chroot):
    // TLS, which it may negotiate, is loaded now, while modules can still be loaded.
    await preloadTls();
  }

  async initInfo(): Promise<void> {
    const { state } = this.ctx;
    state.setInfo('driver.parameter.mode', 'repeater');
    state.addCmd('load.off');
    try {
      await this.mirror();
    } catch (err) {
      const msg = (err as Error).message;
      if (this.strict) {
        throw new DriverError(`${msg}. Any errors encountered starting the repeater mode result in driver termination, perhaps you want to set the '${STRICT_START_FLAG}' option?`, 'ERR_REPEATER_START');
      }
      this.ctx.log.warn(`Warning: ${msg}`);
      state.dataStale();
    }
  }

  async updateInfo(): Promise<void> {
    try {
      await this.mirror();
      if (this.failing) this.ctx.log.info(`${this.ctx.port}: data available again`);
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.ctx.log.warn(`${this.ctx.port}: ${(err as Error).message}; data is stale until it comes back`);
      this.failing = true;
      this.ctx.state.dataStale();
    }
  }

  /** One LIST VAR, applied: every variable but driver.* set, the vanished ones deleted. */
  private async mirror(): Promise<void> {
    const vars = await this.conn.run((c) => c.listVar(this.target.upsName));
    const seen = new Set<string>();
    for (const [name, value] of vars) {
      // do not override the driver's own collection (NUT's check is case-sensitive too)
      if (name.startsWith('driver.')) continue;
      seen.add(name);
      this.setVar(name, value);
    }
    for (const name of this.mirrored) if (!seen.has(name)) this.ctx.state.delInfo(name);
    this.mirrored = seen;
    this.ctx.state.dataOk();
  }

  instcmd(cmd: string, param: string | undefined): number {
    // NUT's repeater does not forward commands (a FIXME upstream): the answer is "unknown".
    this.ctx.log.notice(`instcmd: unknown command [${cmd}] [${param ?? '(null)'}]`);
    return STAT_UNKNOWN;
  }

  async cleanup(): Promise<void> {
    await this.conn.close();
  }
}
