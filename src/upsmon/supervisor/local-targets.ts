// LOCALMONITOR's driver sockets (issue 14): upsmon reads ups.conf (NUT_CONFPATH) to find each
// UPS's driver (local-driver/targets.ts). Read as root by the supervisor, at start and on reload.

import type { UpsmonConf } from '../../core/config/upsmon-conf.js';
import { ConfigError } from '../../core/errors.js';
import type { DriverSocketTarget } from '../../local-driver/driver-socket.js';
import { driverSocketLookup } from '../../local-driver/targets.js';

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
  const lookup = driverSocketLookup(env);
  for (const m of locals) {
    const t = lookup(m.upsName);
    if (typeof t === 'string') throw new ConfigError(upsmonFile, m.line, `LOCALMONITOR ${m.upsName}: ${t}`);
    out.set(m.system, { path: t.path, owners: t.owners });
  }
  return out;
}
