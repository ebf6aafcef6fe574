// exporter.conf, in NUT's config style (NUT's tokenizer: quotes, escapes, # comments). Pure: text
// in, settings or file:line errors out.
//
//   LISTEN <address> [<port>]           where /metrics, /api/v1 and / are served
//                                       (default 127.0.0.1 9199; several LISTEN lines allowed)
//   SERVER <name> <host[:port]> [<user> <password>] [FORCESSL 0|1] [CERTVERIFY 0|1] [CERTPATH <path>]
//                                       an upsd to read; <name> is the `server` label; the TLS
//                                       words after it are this server's, in place of the global
//                                       ones below (as upsmon.conf's CERTHOST is per host)
//   LOCAL <ups>                         read this ups.conf UPS straight from its driver's socket,
//                                       no upsd needed (as upsmon's LOCALMONITOR); server label "local"
//   POLLINTERVAL <seconds>              how often each upsd is read (default 2); scrapes between
//                                       two polls are served from the cache
//   MAXAGE <seconds>                    data older than this is stale, never served as fresh (default 15)
//   FORCESSL 0|1                        upsd over TCP only with STARTTLS, never plaintext (upsmon's)
//   CERTVERIFY 0|1                      verify upsd's certificate against CERTPATH; implies TLS
//   CERTPATH <file|directory>           CA certificate(s), PEM, for CERTVERIFY
//                                       (these three: the default of every SERVER)
//   CERTFILE <file>                     serve HTTPS on every LISTEN: certificate and key, PEM (as upsd's)
//   HTTPUSER <user> <scrypt hash>       HTTP basic auth for every route; hash from `hardnut exporter -P`
import { ConfigError } from '../core/errors.js';
import { parseText } from '../core/tokenizer.js';
import { splitAddr, type ServerAddress } from '../client/ups-spec.js';
import { parseHash, type PasswordHash } from './auth.js';

export const DEFAULT_LISTEN = { host: '127.0.0.1', port: 9199 } as const;
export const DEFAULT_POLL_SECONDS = 2;
export const DEFAULT_MAXAGE_SECONDS = 15;
/** Bounds that keep a typo from hammering upsd or serving hour-old data as fresh. */
export const MIN_POLL_SECONDS = 1;
export const MAX_POLL_SECONDS = 3600;
export const MAX_SERVERS = 256;
/** LOCAL lines at most: each is a driver connection and a share of the IPC budget to root. */
export const MAX_UPS_LOCAL = 256;
/** Server names become label values and URL path segments: a restricted charset. */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** HTTPUSER lines at most. */
export const MAX_HTTP_USERS = 64;
/** Basic-auth user names: no ':' (RFC 7617), printable ASCII. */
const HTTP_USER_RE = /^[!-9;-~]{1,64}$/;

export interface ServerConf {
  name: string;
  /** As written (a host, never a socket path); resolved to IP addresses before the jail. */
  address: ServerAddress;
  user?: string;
  password?: string;
  line: number;
  /** This server's own TLS words; what it leaves out comes from the global ones (serverTls). */
  tls?: ServerTls;
}

/** FORCESSL, CERTVERIFY and CERTPATH of one SERVER line, or (all set) in effect for it. */
export interface ServerTls { forceSsl?: boolean; certVerify?: boolean; certPath?: string }

export interface ExporterConf {
  listen: Array<{ host: string; port: number }>;
  servers: ServerConf[];
  pollSeconds: number;
  maxAgeSeconds: number;
  /** FORCESSL: STARTTLS or no connection (TCP servers; a Unix socket is local). */
  forceSsl: boolean;
  /** CERTVERIFY: the certificate must chain to CERTPATH and name the host; implies TLS. */
  certVerify: boolean;
  certPath?: string;
  /** CERTFILE: HTTPS with this certificate and key. */
  certFile?: string;
  httpUsers: Map<string, PasswordHash>;
  /** LOCAL lines: UPSes of ups.conf read from their driver sockets (issue 18). */
  locals: LocalConf[];
}

export interface LocalConf { ups: string; line: number }
/** The `server` label of the UPSes of LOCAL lines; no SERVER may take it. */
export const LOCAL_SERVER_NAME = 'local';

export interface ConfResult { conf: ExporterConf; errors: ConfigError[] }

function seconds(file: string, line: number, word: string, text: string | undefined, min: number, max: number): number | ConfigError {
  if (text === undefined || !/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    return new ConfigError(file, line, `${word} needs whole seconds from ${String(min)} to ${String(max)}`);
  }
  return Number(text);
}

export function parseExporterConf(input: Uint8Array | string, file: string): ConfResult {
  const parsed = parseText(input);
  const errors: ConfigError[] = parsed.errors.map((e) => new ConfigError(file, e.line, e.message));
  const conf: ExporterConf = { listen: [], servers: [], pollSeconds: DEFAULT_POLL_SECONDS, maxAgeSeconds: DEFAULT_MAXAGE_SECONDS, forceSsl: false, certVerify: false, httpUsers: new Map(), locals: [] };
  let maxAgeLine = 0;
  for (const { args, line } of parsed.lines) {
    const [word = '', ...rest] = args;
    const fail = (m: string): void => { errors.push(new ConfigError(file, line, m)); };
    switch (word.toUpperCase()) {
      case 'LISTEN': {
        if (rest.length < 1 || rest.length > 2) { fail('LISTEN <address> [<port>]'); break; }
        const port = rest[1] === undefined ? DEFAULT_LISTEN.port : Number(rest[1]);
        if (!/^\d+$/.test(rest[1] ?? '1') || port < 1 || port > 65535) { fail(`LISTEN: bad port ${rest[1] ?? ''}`); break; }
        conf.listen.push({ host: rest[0] as string, port });
        break;
      }
      case 'SERVER': {
        const words = serverWords(rest);
        if (typeof words === 'string') { fail(words); break; }
        const [name, spec, user, password] = words.args as [string, string, string?, string?];
        if (!NAME_RE.test(name)) { fail(`SERVER: name '${name}' must be letters, digits, '_', '.', '-' (up to 64)`); break; }
        if (conf.servers.some((s) => s.name === name)) { fail(`SERVER: name '${name}' given twice`); break; }
        if (conf.servers.length >= MAX_SERVERS) { fail(`more than ${String(MAX_SERVERS)} SERVER lines`); break; }
        let address: ServerAddress;
        try { address = splitAddr(spec); } catch (e) { fail(`SERVER ${name}: ${(e as Error).message} in '${spec}'`); break; }
        // The exporter connects from an empty chroot, where no socket path exists: refused here
        // rather than failing with ENOENT at every poll (found with a real socket, issue 18).
        if ('path' in address) { fail(`SERVER ${name}: a Unix socket cannot be reached from the exporter's empty jail; use upsd's TCP address (LISTEN 127.0.0.1)`); break; }
        conf.servers.push({ name, address, line, ...(user !== undefined ? { user, password: password as string } : {}), ...(Object.keys(words.tls).length > 0 ? { tls: words.tls } : {}) });
        break;
      }
      case 'POLLINTERVAL': {
        const v = seconds(file, line, 'POLLINTERVAL', rest[0], MIN_POLL_SECONDS, MAX_POLL_SECONDS);
        if (v instanceof ConfigError || rest.length !== 1) errors.push(v instanceof ConfigError ? v : new ConfigError(file, line, 'POLLINTERVAL <seconds>'));
        else conf.pollSeconds = v;
        break;
      }
      case 'MAXAGE': {
        const v = seconds(file, line, 'MAXAGE', rest[0], MIN_POLL_SECONDS, MAX_POLL_SECONDS * 4);
        if (v instanceof ConfigError || rest.length !== 1) errors.push(v instanceof ConfigError ? v : new ConfigError(file, line, 'MAXAGE <seconds>'));
        else { conf.maxAgeSeconds = v; maxAgeLine = line; }
        break;
      }
      case 'FORCESSL':
      case 'CERTVERIFY': {
        if (rest.length !== 1 || (rest[0] !== '0' && rest[0] !== '1')) { fail(`${word.toUpperCase()} 0|1`); break; }
        if (word.toUpperCase() === 'FORCESSL') conf.forceSsl = rest[0] === '1';
        else conf.certVerify = rest[0] === '1';
        break;
      }
      case 'CERTPATH':
      case 'CERTFILE': {
        if (rest.length !== 1 || !(rest[0] as string).startsWith('/')) { fail(`${word.toUpperCase()} <absolute path>`); break; }
        if (word.toUpperCase() === 'CERTPATH') conf.certPath = rest[0] as string;
        else conf.certFile = rest[0] as string;
        break;
      }
      case 'HTTPUSER': {
        if (rest.length !== 2) { fail('HTTPUSER <user> <scrypt hash from `hardnut exporter -P`>'); break; }
        const [user, hash] = rest as [string, string];
        if (!HTTP_USER_RE.test(user)) { fail(`HTTPUSER: user '${user}' must be printable ASCII without ':' (up to 64)`); break; }
        if (conf.httpUsers.has(user)) { fail(`HTTPUSER: user '${user}' given twice`); break; }
        if (conf.httpUsers.size >= MAX_HTTP_USERS) { fail(`more than ${String(MAX_HTTP_USERS)} HTTPUSER lines`); break; }
        // the message never repeats the value: a password pasted here by mistake stays out of logs
        const h = parseHash(hash);
        if (typeof h === 'string') { fail(`HTTPUSER ${user}: ${h}`); break; }
        conf.httpUsers.set(user, h);
        break;
      }
      case 'LOCAL': {
        if (rest.length !== 1) { fail('LOCAL <ups> (a UPS of ups.conf)'); break; }
        const ups = rest[0] as string;
        if (!NAME_RE.test(ups)) { fail(`LOCAL: UPS name '${ups}' must be letters, digits, '_', '.', '-' (up to 64)`); break; }
        if (conf.locals.some((l) => l.ups === ups)) { fail(`LOCAL: UPS '${ups}' given twice`); break; }
        if (conf.locals.length >= MAX_UPS_LOCAL) { fail(`more than ${String(MAX_UPS_LOCAL)} LOCAL lines`); break; }
        conf.locals.push({ ups, line });
        break;
      }
      default:
        fail(`unknown directive '${word}'`);
    }
  }
  if (conf.listen.length === 0) conf.listen.push({ ...DEFAULT_LISTEN });
  if (conf.servers.length === 0 && conf.locals.length === 0) errors.push(new ConfigError(file, 0, 'no SERVER or LOCAL line: nothing to export'));
  const clash = conf.locals.length > 0 ? conf.servers.find((x) => x.name === LOCAL_SERVER_NAME) : undefined;
  if (clash) errors.push(new ConfigError(file, clash.line, `SERVER ${LOCAL_SERVER_NAME}: the name is the server label of the LOCAL lines' UPSes`));
  // a cache refreshed less often than it expires would call every UPS stale between polls
  if (conf.maxAgeSeconds <= conf.pollSeconds) errors.push(new ConfigError(file, maxAgeLine, `MAXAGE (${String(conf.maxAgeSeconds)}) must be longer than POLLINTERVAL (${String(conf.pollSeconds)})`));
  if (conf.certVerify && conf.certPath === undefined) errors.push(new ConfigError(file, 0, 'CERTVERIFY 1 needs CERTPATH (the CA to verify upsd against)'));
  for (const s of conf.servers) {
    if (s.tls?.certVerify === true && serverTls(conf, s).certPath === undefined) {
      errors.push(new ConfigError(file, s.line, `SERVER ${s.name}: CERTVERIFY 1 needs CERTPATH (on this line or a global one)`));
    }
  }
  return { conf, errors };
}

/** The TLS words that may follow a SERVER's address and credentials. */
const SERVER_TLS_WORDS = ['FORCESSL', 'CERTVERIFY', 'CERTPATH'] as const;

/**
 * SERVER's words: <name> <host[:port]>, then <user> <password> unless the third word is one of
 * SERVER_TLS_WORDS (a upsd user of that name cannot be given here), then TLS words with values.
 */
function serverWords(rest: readonly string[]): { args: string[]; tls: ServerTls } | string {
  const usage = 'SERVER <name> <host[:port]> [<user> <password>] [FORCESSL 0|1] [CERTVERIFY 0|1] [CERTPATH <path>]';
  const isTlsWord = (w: string | undefined): boolean => w !== undefined && (SERVER_TLS_WORDS as readonly string[]).includes(w.toUpperCase());
  const positional = isTlsWord(rest[2]) ? 2 : Math.min(rest.length, 4);
  if (positional !== 2 && positional !== 4) return usage;
  const tls: ServerTls = {};
  for (let i = positional; i < rest.length; i += 2) {
    const word = (rest[i] as string).toUpperCase();
    const value = rest[i + 1];
    if (!isTlsWord(word)) return `SERVER: unknown word '${rest[i] as string}' (${usage})`;
    if (value === undefined) return `SERVER: ${word} needs a value`;
    if (word === 'CERTPATH') {
      if (tls.certPath !== undefined) return 'SERVER: CERTPATH given twice';
      if (!value.startsWith('/')) return 'SERVER: CERTPATH <absolute path>';
      tls.certPath = value;
      continue;
    }
    if (value !== '0' && value !== '1') return `SERVER: ${word} 0|1`;
    const key = word === 'FORCESSL' ? 'forceSsl' : 'certVerify';
    if (tls[key] !== undefined) return `SERVER: ${word} given twice`;
    tls[key] = value === '1';
  }
  return { args: rest.slice(0, positional), tls };
}

/** What applies to `server`: its own TLS words, else the global ones. */
export function serverTls(conf: Pick<ExporterConf, 'forceSsl' | 'certVerify' | 'certPath'>, server: Pick<ServerConf, 'tls'>): Required<Pick<ServerTls, 'forceSsl' | 'certVerify'>> & Pick<ServerTls, 'certPath'> {
  const certPath = server.tls?.certPath ?? conf.certPath;
  return {
    forceSsl: server.tls?.forceSsl ?? conf.forceSsl,
    certVerify: server.tls?.certVerify ?? conf.certVerify,
    ...(certPath !== undefined ? { certPath } : {}),
  };
}
