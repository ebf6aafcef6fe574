// LOCALMONITOR's driver sockets (issue 14): upsmon reads ups.conf (NUT_CONFPATH) to find each
// UPS's driver, and the socket is `<statepath>/<driver>-<ups>` as NUT names it, so Debian's own
// drivers are found as well as hardnut's. Read as root by the supervisor, at start and on reload.

import { join } from 'node:path';
import { loadConfig } from '../../runtime/config-files.js';
import { parseUpsConf, type UpsConf } from '../../core/config/ups-conf.js';
import type { UpsmonConf } from '../../core/config/upsmon-conf.js';
import { ConfigError } from '../../core/errors.js';
import { confPath, statePath } from '../../core/paths.js';
import { lookupUser } from '../../sandbox/drop-privileges.js';
import type { DriverSocketTarget } from '../shared/driver-socket.js';

/** The drivers' user when ups.conf names none (NUT's RUN_AS_USER default on Debian). */
export const DEFAULT_DRIVER_USER = 'nut';

export function hasLocalMonitors(conf: UpsmonConf): boolean {
  return conf.monitors.some((m) => m.local === true);
}

/**
 * Each LOCALMONITOR's socket, by UPS name. Throws ConfigError (naming the upsmon.conf line) for
 * a UPS ups.conf does not define or defines without a driver. With no LOCALMONITOR, ups.conf is
 * not read at all.
 */
export function localTargets(conf: UpsmonConf, upsmonFile: string, env: NodeJS.ProcessEnv): Map<string, DriverSocketTarget> {
  const out = new Map<string, DriverSocketTarget>();
  const locals = conf.monitors.filter((m) => m.local === true);
  if (locals.length === 0) return out;
  const upsConf: UpsConf = loadConfig(confPath(env), 'ups.conf', parseUpsConf).value;
  const state = statePath(env, upsConf.global.statepath);
  for (const m of locals) {
    const s = upsConf.sections.find((x) => x.name === m.upsName);
    if (s === undefined) throw new ConfigError(upsmonFile, m.line, `LOCALMONITOR ${m.upsName}: no [${m.upsName}] section in ${join(confPath(env), 'ups.conf')}`);
    if (s.driver === undefined) throw new ConfigError(upsmonFile, m.line, `LOCALMONITOR ${m.upsName}: [${m.upsName}] in ups.conf has no driver`);
    const owners = new Set<number>([0]);
    for (const name of [DEFAULT_DRIVER_USER, upsConf.global.user, sectionValue(s.entries, 'user')]) {
      const u = name === undefined ? undefined : lookupUser(name);
      if (u !== undefined) owners.add(u.uid);
    }
    out.set(m.system, { path: join(state, `${s.driver}-${s.name}`), owners: [...owners] });
  }
  return out;
}

function sectionValue(entries: ReadonlyArray<{ key: string; value: string | null }>, key: string): string | undefined {
  const e = entries.find((x) => x.key === key);
  return e?.value ?? undefined;
}
