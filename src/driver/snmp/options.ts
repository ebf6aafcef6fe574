// snmp-ups' ups.conf options (NUT 2.8.0 names and defaults), checked before anything is opened.
// Pure: the driver turns the result into a net-snmp session.
import { UsageError } from '../../core/errors.js';
import { atoi as cAtoi } from '../../core/c-number.js';

export const DEFAULT_SNMP_PORT = 161;
export const DEFAULT_POLLFREQ = 30;
export const DEFAULT_RETRIES = 5;
export const DEFAULT_TIMEOUT_S = 1;

export type SecLevel = 'noAuthNoPriv' | 'authNoPriv' | 'authPriv';
/** NUT's authProtocol names → net-snmp's (RFC 3414 / RFC 7860, as Debian's net-snmp offers them). */
export const AUTH_PROTOCOLS = { MD5: 'md5', SHA: 'sha', SHA256: 'sha256', SHA384: 'sha384', SHA512: 'sha512' } as const;
/**
 * NUT's privProtocol names → net-snmp's. AES256 is net-snmp C's draft-blumenthal variant, so
 * "aes256b"; AES192 has no counterpart in the Node library (hardnut refuses it).
 */
export const PRIV_PROTOCOLS = { DES: 'des', AES: 'aes', AES256: 'aes256b' } as const;

export interface SnmpTarget { host: string; port: number; ipv6Hint: boolean }

export interface SnmpOptions {
  target: SnmpTarget;
  version: 'v1' | 'v2c' | 'v3';
  community: string;
  retries: number;
  timeoutMs: number;
  pollFreq: number;
  mibs: string;
  v3?: {
    level: SecLevel;
    name: string;
    authProtocol: (typeof AUTH_PROTOCOLS)[keyof typeof AUTH_PROTOCOLS];
    authKey?: string;
    privProtocol: (typeof PRIV_PROTOCOLS)[keyof typeof PRIV_PROTOCOLS];
    privKey?: string;
  };
}

/** C's atoi on an option that may be absent (absent reads as "", i.e. 0). */
export function atoi(text: string | undefined): number {
  return cAtoi(text ?? '');
}

/** `port = host[:port]`, also `udp:host:port`, `udp6:[addr]:port`, `[addr]:port` or a bare IPv6 address. */
export function parseTarget(port: string): SnmpTarget {
  let rest = port.trim();
  let ipv6Hint = false;
  const proto = /^(udp6?|tcp6?|udpv6|ipv6):/i.exec(rest);
  if (proto) {
    const p = (proto[1] as string).toLowerCase();
    if (p.startsWith('tcp')) throw new UsageError(`snmp-ups: ${port}: only UDP transports are supported`);
    ipv6Hint = p !== 'udp';
    rest = rest.slice(proto[0].length);
  }
  let host = rest;
  let num = DEFAULT_SNMP_PORT;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (bracket) {
    host = bracket[1] as string;
    ipv6Hint = true;
    if (bracket[2] !== undefined) num = Number(bracket[2]);
  } else if ((rest.match(/:/g) ?? []).length === 1) {
    const i = rest.indexOf(':');
    host = rest.slice(0, i);
    num = Number(rest.slice(i + 1));
  } else if (rest.includes(':')) {
    ipv6Hint = true;
  }
  if (host === '' || !Number.isInteger(num) || num < 1 || num > 65535) throw new UsageError(`snmp-ups: invalid port (host[:port]): ${port}`);
  return { host, port: num, ipv6Hint };
}

/** nut_snmp_init's checks, in NUT's order and with its messages. `get` reads a driver variable. */
export function parseOptions(port: string, get: (name: string) => string | undefined): SnmpOptions {
  const target = parseTarget(port);
  const retriesRaw = get('snmp_retries');
  const timeoutRaw = get('snmp_timeout');
  const pollRaw = get('pollfreq');
  const version = get('snmp_version') ?? 'v1';
  const opts: SnmpOptions = {
    target,
    version: 'v1',
    community: get('community') ?? 'public',
    retries: retriesRaw === undefined ? DEFAULT_RETRIES : Math.max(0, atoi(retriesRaw)),
    timeoutMs: (timeoutRaw === undefined ? DEFAULT_TIMEOUT_S : Math.max(0, atoi(timeoutRaw))) * 1000,
    pollFreq: pollRaw === undefined ? DEFAULT_POLLFREQ : atoi(pollRaw),
    mibs: get('mibs') ?? 'auto',
  };
  if (version === 'v1' || version === 'v2c') {
    opts.version = version;
    return opts;
  }
  if (version !== 'v3') throw new UsageError(`Bad SNMP version: ${version}`);
  opts.version = 'v3';
  const secLevel = get('secLevel') ?? 'noAuthNoPriv';
  if (secLevel !== 'noAuthNoPriv' && secLevel !== 'authNoPriv' && secLevel !== 'authPriv') throw new UsageError(`Bad SNMPv3 securityLevel: ${secLevel}`);
  const name = get('secName');
  if (name === undefined) throw new UsageError('securityName is required for SNMPv3');
  const authKey = get('authPassword');
  const privKey = get('privPassword');
  if (secLevel === 'authNoPriv' && authKey === undefined) throw new UsageError(`authPassword is required for SNMPv3 in ${secLevel} mode`);
  if (secLevel === 'authPriv' && (authKey === undefined || privKey === undefined)) throw new UsageError(`authPassword and privPassword are required for SNMPv3 in ${secLevel} mode`);
  const authName = get('authProtocol') ?? 'MD5';
  const auth = (AUTH_PROTOCOLS as Record<string, (typeof AUTH_PROTOCOLS)[keyof typeof AUTH_PROTOCOLS]>)[authName];
  if (auth === undefined) throw new UsageError(`Bad SNMPv3 authProtocol: ${authName}`);
  const privName = get('privProtocol') ?? 'DES';
  const priv = (PRIV_PROTOCOLS as Record<string, (typeof PRIV_PROTOCOLS)[keyof typeof PRIV_PROTOCOLS]>)[privName];
  if (priv === undefined) throw new UsageError(`Bad SNMPv3 privProtocol: ${privName}`);
  opts.v3 = {
    level: secLevel, name, authProtocol: auth, privProtocol: priv,
    ...(authKey !== undefined ? { authKey } : {}), ...(privKey !== undefined ? { privKey } : {}),
  };
  return opts;
}
