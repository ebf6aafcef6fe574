// Where a UPS's driver socket is, as NUT names it: `<statepath>/<driver>-<ups>` from ups.conf
// (NUT_CONFPATH), so Debian's own drivers are found as well as hardnut's. Read as root, before
// any jail; shared by upsmon's LOCALMONITOR (issue 14) and the exporter's LOCAL lines (issue 18).

import { join } from 'node:path';
import { loadConfig } from '../runtime/config-read.js';
import { parseUpsConf, type UpsConf } from '../core/config/ups-conf.js';
import { confPath, statePath } from '../core/paths.js';
import { lookupUser } from '../sandbox/drop-privileges.js';
import type { DriverSocketTarget } from './driver-socket.js';

/** The drivers' user when ups.conf names none (NUT's RUN_AS_USER default on Debian). */
export const DEFAULT_DRIVER_USER = 'nut';

/**
 * Reads ups.conf (throws ConfigError for a bad one) and returns a lookup: a UPS's socket, who
 * may own it and its `desc`, or why there is none (for the caller's file:line error).
 */
export function driverSocketLookup(env: NodeJS.ProcessEnv): (ups: string) => (DriverSocketTarget & { desc?: string }) | string {
  const upsConf: UpsConf = loadConfig(confPath(env), 'ups.conf', parseUpsConf).value;
  const state = statePath(env, upsConf.global.statepath);
  const file = join(confPath(env), 'ups.conf');
  return (ups) => {
    const s = upsConf.sections.find((x) => x.name === ups);
    if (s === undefined) return `no [${ups}] section in ${file}`;
    if (s.driver === undefined) return `[${ups}] in ups.conf has no driver`;
    const owners = new Set<number>([0]);
    for (const name of [DEFAULT_DRIVER_USER, upsConf.global.user, sectionValue(s.entries, 'user')]) {
      const u = name === undefined ? undefined : lookupUser(name);
      if (u !== undefined) owners.add(u.uid);
    }
    const desc = sectionValue(s.entries, 'desc');
    return { path: join(state, `${s.driver}-${s.name}`), owners: [...owners], ...(desc !== undefined ? { desc } : {}) };
  };
}

function sectionValue(entries: ReadonlyArray<{ key: string; value: string | null }>, key: string): string | undefined {
  const e = entries.find((x) => x.key === key);
  return e?.value ?? undefined;
}
