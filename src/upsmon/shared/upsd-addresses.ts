// How upsmon's processes that talk to upsd find it and secure the connection: every MONITOR host
// resolved before the jail (there is no DNS inside it), CERTPATH read before the jail, and the
// client's TLS options per host (§4.4). Shared by the network child, the rule-action child
// (issue 16) and -p's single process.

import dns from 'node:dns/promises';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import type { Logger } from '../../runtime/log.js';
import type { ClientOptions } from '../../client/client.js';
import type { ServerAddress } from '../../client/ups-spec.js';
import type { UpsmonConf } from '../../core/config/upsmon-conf.js';

/** Every MONITOR's addresses, by system name; a host that does not resolve gets none (logged). */
export async function resolveAll(conf: UpsmonConf, family: 4 | 6 | null, log: Logger): Promise<Map<string, ServerAddress[]>> {
  const out = new Map<string, ServerAddress[]>();
  const byHost = new Map<string, string[]>();
  for (const m of conf.monitors) {
    if (m.local === true) continue; // LOCALMONITOR: a driver socket, no host
    let ips = byHost.get(m.host);
    if (ips === undefined) {
      if (net.isIP(m.host) !== 0) {
        ips = [m.host];
      } else {
        try {
          const found = await dns.lookup(m.host, { all: true, verbatim: true, family: family ?? 0 });
          ips = found.map((a) => a.address);
        } catch (err) {
          log.error(`UPS [${m.system}]: cannot resolve ${m.host}: ${(err as { code?: string }).code ?? String(err)}`);
          ips = [];
        }
      }
      byHost.set(m.host, ips);
    }
    out.set(m.system, ips.map((host) => ({ host, port: m.port })));
  }
  return out;
}

/** CERTPATH's certificates (a bundle file or a directory of PEM files), read before the jail. */
export function loadCa(conf: UpsmonConf): string[] | undefined {
  const wanted = conf.certVerify || conf.certHosts.some((h) => h.verify);
  if (!wanted || conf.certPath === undefined) return undefined;
  const p = conf.certPath;
  if (statSync(p).isDirectory()) {
    return readdirSync(p).filter((f) => /\.(pem|crt)$/.test(f)).map((f) => readFileSync(join(p, f), 'latin1'));
  }
  return [readFileSync(p, 'latin1')];
}

/** FORCESSL / CERTVERIFY, or the host's CERTHOST line (§4.4). */
export function clientOptions(conf: UpsmonConf, host: string, ca: string[] | undefined): ClientOptions {
  const ch = conf.certHosts.find((h) => h.host === host);
  const verify = ch ? ch.verify : conf.certVerify;
  const force = ch ? ch.forceSsl : conf.forceSsl;
  const o: ClientOptions = { startTls: force ? 'require' : 'try' };
  if (verify) o.tls = { rejectUnauthorized: true, ...(ca !== undefined ? { ca } : {}) };
  return o;
}

