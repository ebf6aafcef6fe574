// upsd.conf reader (spec §4.2). Pure: bytes in, typed value and diagnostics out.
// Directive keywords are case-sensitive (NUT uses strcmp), except DEBUG_MIN. An unknown directive
// is "invalid directive" in NUT: logged, counted, ignored; a warning here.
// Environment overrides (NUT_STATEPATH, ALLOW_NO_DEVICE, ALLOW_NOT_ALL_LISTENERS) are applied by
// the daemon, not here: this reader only knows the file.

import {
  DiagnosticList, tokenizeConfig, parseBoolean, parseCount, directiveLabel, closest,
} from './diagnostics.js';
import type { ConfigResult } from './diagnostics.js';

export const NUT_PORT = 3493;

export interface UpsdListen { address: string; port: number; line: number }

export interface UpsdConf {
  maxAge: number;
  trackingDelay: number;
  allowNoDevice: boolean;
  allowNotAllListeners: boolean;
  statePath?: string;
  dataPath?: string;
  /** In file order; empty = NUT's default (localhost, both families where available). */
  listen: UpsdListen[];
  maxConn: number;
  certFile?: string;
  certPath?: string;
  certIdent?: { name: string; password: string };
  /** 0 = no client certificate, 1 = request, 2 = require. */
  certRequest: 0 | 1 | 2;
  disableWeakSsl: boolean;
  debugMin?: number;
}

export const UPSD_CONF_DEFAULTS = {
  maxAge: 15,
  trackingDelay: 3600,
  allowNoDevice: false,
  allowNotAllListeners: false,
  maxConn: 1024,
  certRequest: 0,
  disableWeakSsl: false,
} as const;

const DIRECTIVES = [
  'MAXAGE', 'TRACKINGDELAY', 'ALLOW_NO_DEVICE', 'ALLOW_NOT_ALL_LISTENERS', 'STATEPATH', 'DATAPATH',
  'LISTEN', 'MAXCONN', 'CERTFILE', 'CERTPATH', 'CERTIDENT', 'CERTREQUEST', 'DISABLE_WEAK_SSL',
  'DEBUG_MIN', 'ACCEPT', 'REJECT', 'ACL',
];

/**
 * NUT reads these numbers with "first character is a digit, then atoi": `15s` is 15. We accept
 * what NUT accepts, warn about trailing junk, and refuse what NUT refuses.
 */
function leadingNumber(word: string): { n: number; junk: boolean } | undefined {
  const m = /^(\d{1,15})(.*)$/.exec(word);
  if (!m) return undefined;
  return { n: Number.parseInt(m[1] as string, 10), junk: (m[2] as string) !== '' };
}

export function parseUpsdConf(input: Uint8Array | string, file: string): ConfigResult<UpsdConf> {
  const diags = new DiagnosticList(file);
  const lines = tokenizeConfig(input, diags);
  const conf: UpsdConf = { ...UPSD_CONF_DEFAULTS, listen: [] };
  /** Where each TLS directive was last given, for the NSS check after the loop. */
  const tlsLines: { CERTPATH?: number; CERTIDENT?: number; CERTREQUEST?: number } = {};

  // CERTIDENT's password must never be echoed, even by an "invalid directive" message.
  const secrets = new Set<string>();
  for (const { args } of lines) if (args[0] === 'CERTIDENT' && args[2] !== undefined) secrets.add(args[2]);

  const numeric = (line: number, key: string, word: string, example: string): number | undefined => {
    const r = leadingNumber(word);
    if (!r) {
      diags.error(line, `${key} has a non-numeric value; NUT ignores the line`, `write ${key} ${example}`);
      return undefined;
    }
    if (r.junk) diags.warning(line, `${key}: characters after the number are ignored`, `write ${key} ${String(r.n)}`);
    return r.n;
  };
  const bool = (line: number, key: string, word: string, numbersToo: boolean): boolean | undefined => {
    // ALLOW_*: a leading digit means atoi() != 0 (§4.2).
    if (numbersToo) {
      const r = leadingNumber(word);
      if (r) return r.n !== 0;
    }
    const b = parseBoolean(word);
    if (b === undefined) {
      diags.error(line, `${key} is not a boolean; NUT ignores the line`, `write ${key} true (or false; yes/no, on/off, 1/0)`);
    }
    return b;
  };

  for (const { args, line } of lines) {
    const key = args[0] as string;
    const arg1 = args[1];
    const n = args.length;

    if (key.toUpperCase() === 'DEBUG_MIN') {
      if (arg1 === undefined) { missing(line, 'DEBUG_MIN', '1'); continue; }
      const v = parseCount(arg1);
      if (v === undefined) {
        diags.warning(line, 'DEBUG_MIN is not a whole number (0 or more); NUT ignores it', 'write DEBUG_MIN 1');
      } else {
        conf.debugMin = v;
      }
      continue;
    }

    switch (key) {
      case 'MAXAGE': {
        if (arg1 === undefined) { missing(line, key, '15'); break; }
        const v = numeric(line, key, arg1, '15');
        if (v !== undefined) {
          if (v === 0) diags.warning(line, 'MAXAGE 0 makes every UPS stale at once', 'write MAXAGE 15 (the default)');
          conf.maxAge = v;
        }
        extra(line, key, n, 2);
        break;
      }
      case 'TRACKINGDELAY': {
        if (arg1 === undefined) { missing(line, key, '3600'); break; }
        const v = numeric(line, key, arg1, '3600');
        if (v !== undefined) conf.trackingDelay = v;
        extra(line, key, n, 2);
        break;
      }
      case 'MAXCONN': {
        if (arg1 === undefined) { missing(line, key, '1024'); break; }
        const v = numeric(line, key, arg1, '1024');
        if (v !== undefined) {
          if (v === 0) diags.error(line, 'MAXCONN 0 accepts no client at all', 'write MAXCONN 1024 (the default)');
          conf.maxConn = v;
        }
        extra(line, key, n, 2);
        break;
      }
      case 'ALLOW_NO_DEVICE':
      case 'ALLOW_NOT_ALL_LISTENERS': {
        if (arg1 === undefined) { missing(line, key, 'true'); break; }
        const b = bool(line, key, arg1, true);
        if (b !== undefined) {
          if (key === 'ALLOW_NO_DEVICE') conf.allowNoDevice = b;
          else conf.allowNotAllListeners = b;
        }
        extra(line, key, n, 2);
        break;
      }
      case 'DISABLE_WEAK_SSL': {
        if (arg1 === undefined) { missing(line, key, 'true'); break; }
        const b = bool(line, key, arg1, false);
        if (b !== undefined) conf.disableWeakSsl = b;
        extra(line, key, n, 2);
        break;
      }
      case 'STATEPATH':
      case 'DATAPATH':
      case 'CERTFILE':
      case 'CERTPATH': {
        if (arg1 === undefined || arg1 === '') { missing(line, key, key === 'CERTFILE' ? '/etc/nut/upsd.pem' : '/path'); break; }
        if (key === 'STATEPATH') conf.statePath = arg1;
        else if (key === 'DATAPATH') conf.dataPath = arg1;
        else if (key === 'CERTFILE') conf.certFile = arg1;
        else { conf.certPath = arg1; tlsLines.CERTPATH = line; }
        extra(line, key, n, 2);
        break;
      }
      case 'CERTREQUEST': {
        if (arg1 === undefined) { missing(line, key, 'REQUIRE'); break; }
        const named: Record<string, 0 | 1 | 2> = { NO: 0, REQUEST: 1, REQUIRE: 2 };
        const v = /^[012]$/.test(arg1) ? (Number(arg1) as 0 | 1 | 2) : named[arg1];
        if (v === undefined) {
          diags.error(line, 'CERTREQUEST must be 0, 1, 2, NO, REQUEST or REQUIRE', 'write CERTREQUEST REQUIRE (upper case)');
        } else {
          conf.certRequest = v;
          tlsLines.CERTREQUEST = line;
        }
        extra(line, key, n, 2);
        break;
      }
      case 'CERTIDENT': {
        if (n < 3) {
          diags.warning(line, 'CERTIDENT needs a certificate name and a password; NUT ignores the line',
            'write CERTIDENT "<certificate name>" "<database password>"');
          break;
        }
        conf.certIdent = { name: arg1 as string, password: args[2] as string };
        tlsLines.CERTIDENT = line;
        extra(line, key, n, 3);
        break;
      }
      case 'LISTEN': {
        if (arg1 === undefined || arg1 === '') { missing(line, key, '127.0.0.1 3493'); break; }
        let port: number = NUT_PORT;
        if (args[2] !== undefined) {
          const p = parseCount(args[2]);
          if (p === undefined || p < 1 || p > 65535) {
            diags.error(line, 'LISTEN port must be a number from 1 to 65535', `write LISTEN ${arg1} ${String(NUT_PORT)}`);
            break;
          }
          port = p;
        }
        const dup = conf.listen.find((l) => l.address === arg1 && l.port === port);
        if (dup) {
          diags.warning(line, `LISTEN ${arg1} ${String(port)} repeats line ${String(dup.line)}`, 'remove one of the two lines');
          break;
        }
        conf.listen.push({ address: arg1, port, line });
        extra(line, key, n, 3);
        break;
      }
      case 'ACCEPT':
      case 'REJECT':
      case 'ACL':
        diags.warning(line, `${key} in upsd.conf is no longer supported and has no effect`,
          'remove it; choose the addresses upsd binds with LISTEN, and restrict access with a firewall');
        break;
      default: {
        const name = directiveLabel(key, DIRECTIVES, secrets);
        const label = name ? ` ${name}` : '';
        const guess = name ? closest(name, DIRECTIVES) : undefined;
        const hint = guess
          ? `did you mean ${guess}? (directive names are case-sensitive)`
          : `upsd.conf directives are: ${DIRECTIVES.filter((d) => !['ACCEPT', 'REJECT', 'ACL'].includes(d)).join(', ')}`;
        diags.warning(line, `invalid directive${label}; NUT ignores it`, hint);
      }
    }
  }
  nssWithoutCertFile(conf, tlsLines, diags);
  return { value: conf, diagnostics: diags.sorted() };

  function missing(line: number, key: string, example: string): void {
    diags.warning(line, `invalid directive: ${key} needs a value; NUT ignores it`, `write ${key} ${example}`);
  }
  function extra(line: number, key: string, n: number, used: number): void {
    if (n > used) diags.warning(line, `extra words after ${key} are ignored`, 'quote values that contain spaces');
  }
}

/**
 * NUT's NSS build (Debian's) configures TLS with CERTPATH <NSS database directory> and CERTIDENT
 * <certificate name> <database password>, and no CERTFILE. hardnut reads PEM only (CERTFILE), so
 * such a file would give a server that answers STARTTLS with FEATURE-NOT-CONFIGURED and lets every
 * client fall back to plaintext unnoticed. hardnut difference: that configuration is an error
 * (upsd does not start, `config check` fails), and the hint says how to export the certificate.
 */
function nssWithoutCertFile(
  conf: UpsdConf,
  lines: { CERTPATH?: number; CERTIDENT?: number; CERTREQUEST?: number },
  diags: DiagnosticList,
): void {
  if (conf.certFile !== undefined) return;
  const given = (['CERTPATH', 'CERTIDENT', 'CERTREQUEST'] as const)
    .filter((k) => lines[k] !== undefined && (k !== 'CERTREQUEST' || conf.certRequest > 0));
  if (given.length === 0) return;
  const line = Math.min(...given.map((k) => lines[k] as number));
  const db = conf.certPath ?? '/etc/nut/cert/upsd';
  // The name goes into the hint only when it is plainly a name (never the password, even by accident).
  const ident = conf.certIdent;
  const name = ident !== undefined && /^[\w .@-]{1,64}$/.test(ident.name) && ident.name !== ident.password ? ident.name : '<certificate name>';
  diags.error(line,
    `${given.join(' and ')} without CERTFILE is NUT's NSS TLS configuration (a certificate database); `
    + 'hardnut reads a PEM CERTFILE only, and would serve plaintext: not starting',
    `export the certificate and its key from the NSS database (apt libnss3-tools): `
    + `pk12util -d ${db} -n '${name}' -o /etc/nut/upsd.p12 (it asks for the database password), then `
    + 'openssl pkcs12 -in /etc/nut/upsd.p12 -nodes -out /etc/nut/upsd.pem; chown root:nut /etc/nut/upsd.pem; '
    + 'chmod 0640 /etc/nut/upsd.pem; rm /etc/nut/upsd.p12; then write CERTFILE /etc/nut/upsd.pem and remove '
    + 'CERTPATH (keep it only for CERTREQUEST, as a directory or bundle of PEM CA certificates) and CERTIDENT '
    + '(keep it only for the password of an encrypted key)');
}
