// UPS and server specs as NUT's tools take them (§2.8, libupsclient's upscli_splitname and
// upscli_splitaddr): `upsname[@hostname[:port]]`, `hostname[:port]`, IPv6 in brackets.
// Default host localhost, port 3493.
//
// hardnut addition: a host part starting with `/` is the path of a Unix socket (hardnut's upsd
// can listen on one): `myups@/run/nut/upsd.sock`, `upsc -l /run/nut/upsd.sock`.
import { HardnutError } from '../core/errors.js';
import { strtol } from '../protocol/net/client-codec.js';

export const DEFAULT_HOST = 'localhost';
export const NUT_PORT = 3493;
/** upscli copies specs into a 512-byte buffer. */
const SPEC_MAX = 511;

export type ServerAddress = { host: string; port: number } | { path: string };
export type UpsSpec = ServerAddress & { upsName: string };

/**
 * A spec that upscli would refuse. `detail` is the line libupsclient writes to stderr itself
 * (e.g. "upscli_splitaddr: no port specified after ':' separator"), if any; tools print it
 * before their own "Error: invalid UPS definition." line, as NUT's do.
 */
export class SpecError extends HardnutError {
  readonly detail: string | undefined;
  constructor(message: string, detail?: string) {
    super('ERR_UPS_SPEC', message);
    this.detail = detail;
  }
}

/** upscli_splitname: `upsname[@hostname[:port]]` (or `upsname@/path/to/socket`). */
export function splitName(spec: string | undefined): UpsSpec {
  if (spec === undefined) throw new SpecError('no UPS given');
  const tmp = spec.slice(0, SPEC_MAX);
  if (tmp === '') throw new SpecError('empty UPS spec', "upscli_splitname: can't parse empty string");
  const at = tmp.indexOf('@');
  // NUT 2.8.0 takes "@host" as a UPS named after the host; NUT master refuses it, as we do.
  if (at === 0) throw new SpecError('empty UPS name', 'upscli_splitname: got empty upsname string');
  const upsName = at < 0 ? tmp : tmp.slice(0, at);
  if (at < 0) {
    // NUT 2.8.0 would look for a UPS literally named "ups:3493" on localhost; master (and the
    // spec, §2.8) refuse a port without a host.
    if (upsName.includes(':')) throw new SpecError('port without host', 'upscli_splitname: port specified, but not a hostname');
    return { upsName, host: DEFAULT_HOST, port: NUT_PORT };
  }
  return { upsName, ...splitAddr(tmp.slice(at + 1)) };
}

/** upscli_splitaddr: `hostname[:port]`, `[v6addr][:port]` (or `/path/to/socket`). */
export function splitAddr(spec: string): ServerAddress {
  const tmp = spec.slice(0, SPEC_MAX);
  if (tmp === '') throw new SpecError('empty host', "upscli_splitaddr: can't parse empty string");
  if (tmp.startsWith('/')) return { path: tmp };
  let host: string;
  let rest: string;
  if (tmp.startsWith('[')) {
    const close = tmp.indexOf(']');
    if (close < 0) throw new SpecError('unbalanced bracket', 'upscli_splitaddr: missing closing bracket in [domain literal]');
    host = tmp.slice(1, close);
    rest = tmp.slice(close + 1);
    if (host === '') throw new SpecError('empty host', 'upscli_splitaddr: empty [domain literal]');
    // upscli: anything after "]" that does not start with ':' means the default port.
    if (!rest.startsWith(':')) return { host, port: NUT_PORT };
  } else {
    const colon = tmp.indexOf(':');
    // strtok(tmp, ":"): the first run of non-':' characters is the host.
    const first = tmp.split(':').find((p) => p !== '');
    if (first === undefined) throw new SpecError('empty host', "upscli_splitaddr: can't parse empty string");
    host = first;
    if (colon < 0) return { host, port: NUT_PORT };
    rest = tmp.slice(colon);
  }
  const portText = rest.slice(1);
  const port = strtol(portText);
  if (portText === '' || port < 1 || port > 65535) throw new SpecError('bad port', "upscli_splitaddr: no port specified after ':' separator");
  return { host, port };
}

/** `host:port`, `[v6]:port` or the socket path, for messages and %UPSHOST%-like uses. */
export function formatAddress(a: ServerAddress): string {
  if ('path' in a) return a.path;
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
