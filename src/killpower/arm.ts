// upsmon's dispatcher arms the killpower flag while it is still root (issue 15): the key is
// loaded and the empty flag created now; at a power-fail shutdown it fills the flag through the
// descriptor it kept, as nut, in the root-only directory it could no longer create a file in.
import { existsSync } from 'node:fs';
import type { UpsmonConf } from '../core/config/upsmon-conf.js';
import { loadIntentKey } from '../sandbox/shutdown-intent.js';
import { armKillpower, DEFAULT_KILLPOWER_KEY, killpowerDir, type KillpowerArm } from './files.js';

interface ArmLog { error(m: string): void; notice(m: string): void; debug(level: number, m: string): void }

/**
 * The UPSes this host is primary for (the `ups` of each primary MONITOR): those whose power the
 * late hook may cut. undefined when there is nothing to arm: not root, no key, no primary.
 */
export function armForDispatcher(conf: Pick<UpsmonConf, 'monitors'>, env: Readonly<Record<string, string | undefined>>, log: ArmLog): KillpowerArm | undefined {
  if (process.geteuid?.() !== 0) { log.debug(1, 'killpower: not root: no flag armed'); return undefined; }
  const keyPath = env['HARDNUT_KILLPOWER_KEY'] || DEFAULT_KILLPOWER_KEY;
  if (!existsSync(keyPath)) {
    log.notice(`killpower: no signing key ${keyPath} (hardnut killpower keygen): the late shutdown will not cut UPS power`);
    return undefined;
  }
  const ups = [...new Set(conf.monitors.filter((m) => m.role === 'primary').map((m) => m.upsName))];
  if (ups.length === 0) { log.debug(1, 'killpower: primary for no UPS: no flag armed'); return undefined; }
  try {
    return armKillpower(killpowerDir(env), loadIntentKey(keyPath), ups);
  } catch (err) {
    log.error(`killpower: cannot arm the flag: ${(err as Error).message}; the late shutdown will not cut UPS power`);
    return undefined;
  }
}
