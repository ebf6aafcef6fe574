// `hardnut exporter`: Prometheus /metrics, a read-only JSON API and a status page for the UPSes
// of one or more upsd, in a process of its own (the HTTP parser never shares one with upsd).
// Started as root it reads exporter.conf, resolves every SERVER's host (there is no DNS in the
// jail), binds its LISTEN sockets, then confines itself (role "exporter": nobody, an empty
// chroot, seccomp) before it connects to upsd or parses a single request.
import dns from 'node:dns/promises';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { confPath } from '../core/paths.js';
import { preloadTls, type ClientOptions } from '../client/client.js';
import { formatAddress, type ServerAddress } from '../client/ups-spec.js';
import { loadTls, readCaCertificates } from '../upsd/tls.js';
import { getopt } from '../runtime/getopt.js';
import { rootReadRefusal } from '../sandbox/safe-path.js';
import { Logger } from '../runtime/log.js';
import { confine } from '../sandbox/confine.js';
import { installFatalHandlers } from '../sandbox/fatal.js';
import { ensureOneArena } from './arena.js';
import { BasicAuth, hashPassword } from './auth.js';
import { parseExporterConf, serverTls } from './config.js';
import { Poller, type ServerSource } from './poller.js';
import { listen, type ServeOptions, type Served } from './server.js';
import { LocalDrivers, isJailedChild, localDescriptions, runLocalParent } from './local.js';
import { LOCAL_SERVER_NAME } from './config.js';

declare const HARDNUT_VERSION: string;
const VERSION = typeof HARDNUT_VERSION === 'string' ? HARDNUT_VERSION : '0.0.0-dev';

/** exporter.conf larger than this is not a config file. */
const MAX_CONF_BYTES = 1 << 20;

function help(): string {
  return [
    'usage: hardnut exporter [-h] [-V] [-D] [-P] [-c <file>] [-r <dir>]',
    '',
    '  -c <file>  config file (default $NUT_CONFPATH/exporter.conf)',
    '  -r <dir>   the empty root-owned directory to chroot into (default /run/hardnut/exporter/empty)',
    '  -D         more debugging output (repeat for more)',
    '  -V         version',
    '  -P         read a password on stdin, print its hash for an HTTPUSER line, exit',
    '',
    'Serves /metrics (Prometheus), /api/v1/ (JSON) and / (status page). Runs in the foreground.',
    'With LOCAL lines a small root parent stays, connecting to the driver sockets for the jail.',
    '',
  ].join('\n');
}

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const log = new Logger('exporter');
  let file = join(confPath(env), 'exporter.conf');
  let jail: string | undefined;
  // LOCAL lines: started by the root parent (local.ts), with its IPC channel
  const jailedChild = isJailedChild(argv);
  const opts = jailedChild ? argv.slice(2) : argv;
  let args;
  try { args = getopt(opts, 'hVDPc:r:'); } catch (e) { process.stderr.write(`exporter: ${(e as Error).message}\n${help()}`); return 2; }
  for (const o of args.options) {
    if (o.flag === 'h') { process.stdout.write(help()); return 0; }
    if (o.flag === 'V') { process.stdout.write(`hardnut exporter ${VERSION}\n`); return 0; }
    if (o.flag === 'P') return printHash();
    if (o.flag === 'D') log.debugLevel++;
    if (o.flag === 'c') file = o.value as string;
    if (o.flag === 'r') jail = o.value as string;
  }
  // before any thread allocates: see arena.ts
  try { ensureOneArena(env); } catch (e) { log.error(`exporter: ${(e as Error).message}`); return 1; }
  // Root never reads a file another user can change (issue 18); CERTFILE and CERTPATH: upsd/tls.ts.
  const unsafe = rootReadRefusal(file);
  if (unsafe !== undefined) { log.error(`exporter: ${unsafe}`); return 1; }
  let text: Buffer;
  try { text = readFileSync(file); } catch (e) { log.error(`exporter: cannot read ${file}: ${(e as Error).message}`); return 1; }
  if (text.length > MAX_CONF_BYTES) { log.error(`exporter: ${file}: larger than ${String(MAX_CONF_BYTES)} bytes`); return 1; }
  const { conf, errors } = parseExporterConf(text, file);
  if (errors.length > 0) { for (const e of errors) log.error(e.message); return 1; }
  if (conf.locals.length > 0 && !jailedChild) return runLocalParent(opts, conf.locals, file, env, log);
  const send = process.send?.bind(process);
  if (conf.locals.length > 0 && send === undefined) { log.error('exporter: LOCAL lines, but no channel to the root parent'); return 1; }

  // Certificates are read now: the jail has no files. node:tls is loaded now for the same reason.
  // CA certificates by CERTPATH, for every server that verifies (its own CERTPATH or the global one)
  const cas = new Map<string, string[]>();
  const serve: ServeOptions = {};
  try {
    for (const s of conf.servers) {
      const t = serverTls(conf, s);
      if (t.certVerify && t.certPath !== undefined && !cas.has(t.certPath)) cas.set(t.certPath, readCaCertificates(t.certPath));
    }
    if (conf.certFile !== undefined) {
      const t = loadTls({ certFile: conf.certFile, certRequest: 0 });
      serve.tls = { cert: Buffer.from(String(t.serverOptions.cert)), key: Buffer.from(String(t.serverOptions.key)) };
      log.info(`exporter: HTTPS with ${t.subject}, valid until ${t.validTo.toISOString()}`);
    }
  } catch (e) { log.error(`exporter: ${(e as Error).message}`); return 1; }
  await preloadTls();
  if (conf.httpUsers.size > 0) serve.auth = new BasicAuth(conf.httpUsers);

  // Resolved now: the jail has no resolver files and the policy allows no DNS.
  const sources: ServerSource[] = [];
  for (const s of conf.servers) {
    let addresses: ServerAddress[];
    if ('path' in s.address) addresses = [s.address];
    else if (net.isIP(s.address.host) !== 0) addresses = [s.address];
    else {
      const port = s.address.port;
      try { addresses = (await dns.lookup(s.address.host, { all: true, verbatim: true })).map((a) => ({ host: a.address, port })); } catch (e) {
        log.error(`exporter: SERVER ${s.name}: cannot resolve ${s.address.host}: ${(e as { code?: string }).code ?? String(e)}`);
        return 1;
      }
    }
    sources.push({ name: s.name, addresses, display: formatAddress(s.address), tls: upsdTls(serverTls(conf, s), s.address, cas), ...(s.user !== undefined ? { user: s.user, password: s.password ?? '' } : {}) });
  }

  let poller: Poller | undefined;
  const listeners: Served[] = [];
  for (const l of conf.listen) {
    try { listeners.push(await listen(l.host, l.port, () => poller, (m) => log.error(`exporter: ${m}`), serve)); } catch (e) {
      log.error(`exporter: cannot listen on ${l.host}:${String(l.port)}: ${(e as Error).message}`);
      return 1;
    }
  }
  const localDesc = send !== undefined && conf.locals.length > 0 ? localDescriptions(conf.locals, env) : new Map<string, string>();
  installFatalHandlers('exporter', log);
  await confine({ role: 'exporter', log, env, ...(jail !== undefined ? { jail } : {}) });

  poller = new Poller(sources, conf.pollSeconds * 1000, conf.maxAgeSeconds * 1000);
  let parentGone: (() => void) | undefined;
  const local = send === undefined || conf.locals.length === 0 ? undefined
    : new LocalDrivers(conf.locals, localDesc, send, log, () => parentGone?.());
  if (local) poller.addLocal(LOCAL_SERVER_NAME, local.upses);
  for (const l of listeners) { const a = l.address(); log.info(`exporter: listening on ${a.address}:${String(a.port)}`); }
  await poller.start();
  log.debug(1, 'exporter: first poll done');
  const code = await new Promise<number>((resolve) => {
    const stop = (): void => { resolve(0); };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    parentGone = () => resolve(1);
  });
  local?.close();
  await poller.stop();
  for (const l of listeners) await l.close();
  return code;
}

/**
 * upsmon's rules, per SERVER (its own words, else the global ones): a Unix socket is local and
 * never TLS; FORCESSL or CERTVERIFY refuse a upsd that does not STARTTLS (never a quiet fall-back
 * to plaintext); otherwise TLS when offered.
 */
function upsdTls(t: ReturnType<typeof serverTls>, address: ServerAddress, cas: ReadonlyMap<string, string[]>): Pick<ClientOptions, 'startTls' | 'tls'> {
  if ('path' in address) return { startTls: 'never' };
  const o: Pick<ClientOptions, 'startTls' | 'tls'> = { startTls: t.forceSsl || t.certVerify ? 'require' : 'try' };
  const ca = t.certPath !== undefined ? cas.get(t.certPath) : undefined;
  if (t.certVerify) o.tls = { rejectUnauthorized: true, ...(ca !== undefined ? { ca } : {}) };
  return o;
}

/** -P: the hash for an HTTPUSER line, from the password on stdin (its first line; never echoed). */
function printHash(): number {
  let input: string;
  try { input = readFileSync(0, 'utf8'); } catch (e) { process.stderr.write(`exporter: cannot read stdin: ${(e as Error).message}\n`); return 1; }
  const password = input.split(/\r?\n/)[0] ?? '';
  if (password === '') { process.stderr.write('exporter: -P reads a password on stdin; it was empty\n'); return 2; }
  process.stdout.write(`${hashPassword(password)}\n`);
  return 0;
}
