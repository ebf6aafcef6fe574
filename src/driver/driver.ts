// What a driver implements; the runtime (runtime.ts) does everything NUT's drivers/main.c does
// around it: flags, ups.conf, socket, privileges, pid file, poll loop.

import type { DriverState } from './dstate.js';
import type { Logger } from '../runtime/log.js';

/** A `-x name=value` / ups.conf variable a driver accepts (NUT's addvar). */
export interface DriverVar {
  name: string;
  /** value: `name = value`; flag: a bare word; sensitive: a value never published as driver.parameter.* */
  kind: 'value' | 'flag' | 'sensitive';
  description: string;
}

export interface DriverContext {
  readonly upsName: string;
  /** ups.conf `port` (or -x port=…), as written. */
  readonly port: string;
  /** NUT_CONFPATH, against which relative data files resolve. */
  readonly confPath: string;
  readonly state: DriverState;
  readonly log: Logger;
  /** Driver variables from ups.conf and -x, by lower-cased name; flags map to null. */
  readonly vars: ReadonlyMap<string, string | null>;
}

export interface DriverInstance {
  /** Overrides the definition's seccomp role when a mode needs other syscalls (repeater: network). */
  readonly seccompRole?: string;
  /**
   * Opens the device, socket or key while root, and parses nothing it sent (DESIGN.md: open as
   * root, parse as nobody). A driver that has it gets initUps after the privilege drop.
   */
  openDevice?(): Promise<void> | void;
  /**
   * NUT's upsdrv_initups: first talk to the device. After the drop when openDevice exists; else
   * it opens the device too, and runs before the drop.
   */
  initUps(): Promise<void> | void;
  /** Publishes the first data (upsdrv_initinfo). */
  initInfo(): Promise<void> | void;
  /** One poll (upsdrv_updateinfo). */
  updateInfo(): Promise<void> | void;
  /** Result per STAT_* of state-server.ts. */
  instcmd?(cmd: string, param: string | undefined): Promise<number> | number;
  setvar?(name: string, value: string): Promise<number> | number;
  /** Kill UPS power (-k). Throwing means the UPS could not be told. */
  shutdown?(opts?: ShutdownOptions): Promise<void> | void;
  /** The driver honours ShutdownOptions.dryRun (the late hook's -n refuses drivers that do not). */
  readonly shutdownDryRun?: boolean;
  cleanup?(): Promise<void> | void;
}

/** How -k runs (issue 15: the late-shutdown hook). */
export interface ShutdownOptions {
  /** Print each shutdown command's bytes instead of sending them; status queries are still sent. */
  dryRun?: (bytes: string) => void;
}

export interface DriverDefinition {
  /** Program name, as in ups.conf `driver =`: names the socket and the subcommand. */
  name: string;
  /** Published as driver.version.internal. */
  version: string;
  description: string;
  vars: DriverVar[];
  /**
   * What initUps would refuse about the port (a missing data file, a device path that is not
   * there), as a message, without opening the device; `hardnut config check` runs it.
   */
  checkPort?(ctx: Pick<DriverContext, 'upsName' | 'port' | 'confPath' | 'vars'>): string | undefined;
  /** Its seccomp allowlist, policy/seccomp/<role>.json (src/sandbox/seccomp.ts). */
  seccompRole: string;
  /**
   * A mode of the command that talks to no device and needs no ups.conf (scripted-ups --check
   * FILE): its exit code, or undefined to run the driver as usual.
   */
  offline?(argv: readonly string[]): Promise<number | undefined> | number | undefined;
  create(ctx: DriverContext): DriverInstance;
}
