// Reading NUT config files from disk: the one place where the config readers meet the file
// system. Permission checks (§4.7: NUT warns about overly open files), loading for the daemons
// (first error is fatal), and `hardnut config check`'s whole-directory validation with
// cross-file checks (MONITOR users against upsd.users, UPS names against ups.conf, nut.conf MODE).

import { lstatSync, readFileSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { ConfigError } from '../core/errors.js';
import { statePath } from '../core/paths.js';
import { programOf } from '../core/config/command-line.js';
import { DiagnosticList, hasErrors } from '../core/config/diagnostics.js';
import type { ConfigResult, Diagnostic } from '../core/config/diagnostics.js';
import { parseNutConf } from '../core/config/nut-conf.js';
import type { NutConf } from '../core/config/nut-conf.js';
import { parseUpsConf } from '../core/config/ups-conf.js';
import type { UpsConf } from '../core/config/ups-conf.js';
import { NUT_PORT, parseUpsdConf } from '../core/config/upsd-conf.js';
import type { UpsdConf } from '../core/config/upsd-conf.js';
import { effectiveActions, parseUpsdUsers } from '../core/config/upsd-users.js';
import type { UpsdUsers } from '../core/config/upsd-users.js';
import { parseUpsmonConf } from '../core/config/upsmon-conf.js';
import type { UpsmonConf } from '../core/config/upsmon-conf.js';
import { parseUpsschedConf } from '../core/config/upssched-conf.js';
import type { UpsschedConf } from '../core/config/upssched-conf.js';
import { rootReadProblem, rootReadRefusal, SAFE_PATH_FIX } from '../sandbox/safe-path.js';

/** The files `config check` looks for, in the order it reports them. */
export const CONFIG_FILES = ['nut.conf', 'ups.conf', 'upsd.conf', 'upsd.users', 'upsmon.conf', 'upssched.conf', 'exporter.conf'] as const;
export type ConfigFileName = (typeof CONFIG_FILES)[number];

// reading one file: config-read.ts (re-exported, so every importer keeps one name for it)
export {
  DAEMON_USER, SECRET_FILES, UPSD_FILES, loadConfig, loadUpsConf, readConfigFile, readableByDiagnostics,
  type ConfigFileContent, type ConfigParser, type LoadedConfig, type LoadOptions, type ReaderAccount,
} from './config-read.js';
import { UPSD_FILES, loadConfig, readConfigFile, readableByDiagnostics, type ConfigFileContent, type ReaderAccount } from './config-read.js';


// ---------------------------------------------------------------------------------------------
// hardnut config check

export interface CheckOptions {
  /** Where OS accounts are listed (for the "that is an OS user" hint). */
  passwdFile?: string;
  /** Extra names that mean "this machine" in a MONITOR host. */
  localHostNames?: readonly string[];
  /** upsd's user: upsd.conf, ups.conf and upsd.users must be readable by it (reload). */
  upsdReader?: ReaderAccount;
  /** The NUT user for upsmon.conf (a warning: hardnut's upsmon reloads as root, NUT's packages expect root:nut 0640). */
  upsmonReader?: ReaderAccount;
  /** What each driver would refuse in ups.conf (src/tools/config-check.ts runs the drivers' own code). */
  checkUpsConf?: (path: string, conf: UpsConf) => Diagnostic[];
  /** What upsmon would refuse in upsmon.conf beyond its reader: its shutdown method (src/tools/config-check.ts). */
  checkUpsmonConf?: (path: string, conf: UpsmonConf) => Diagnostic[];
  /**
   * exporter.conf's own reader (src/tools/config-check.ts passes exporter/check.ts): a hook, as
   * runtime/ must not import a daemon's folder (test/layout.test.ts: no folder-level cycle).
   */
  checkExporterConf?: (bytes: Uint8Array, path: string) => Diagnostic[];
  /** NUT_STATEPATH and friends, for LOCALMONITOR's socket directory (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

/** Files whose daemon, started as root, refuses them when another user could change them (issue 18). */
const ROOT_READ_REFUSED_BY: Partial<Record<ConfigFileName, string>> = { 'upsd.users': 'upsd', 'exporter.conf': 'the exporter' };

/** As root: an error if `daemon` would refuse `path` because another user could change it. */
function rootReadDiagnostics(path: string, daemon: string): Diagnostic[] {
  const why = rootReadProblem(path);
  if (why === undefined) return [];
  const d = new DiagnosticList(path);
  d.error(0, `${why}: ${daemon} refuses to start`, SAFE_PATH_FIX);
  return d.sorted();
}

/** The files upsd reads again, as its user, on reload. */

export interface CheckResult {
  diagnostics: Diagnostic[];
  /** Paths of the files that were present and checked, in CONFIG_FILES order. */
  filesChecked: string[];
}

interface Parsed {
  nut?: NutConf;
  ups?: UpsConf;
  upsd?: UpsdConf;
  users?: UpsdUsers;
  upsmon?: UpsmonConf;
  upssched?: UpsschedConf;
}

/**
 * Validates every NUT config file present in `dir`, then checks the files against each other.
 * Throws ConfigError only when `dir` itself is unusable.
 */
export async function checkConfigDir(dir: string, options: CheckOptions = {}): Promise<CheckResult> {
  let st: Stats;
  try {
    st = statSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(dir, 0, code === 'ENOENT' ? 'no such directory' : `cannot open: ${(err as Error).message}`, 'ERR_CONFIG_DIR');
  }
  if (!st.isDirectory()) throw new ConfigError(dir, 0, 'is not a directory', 'ERR_CONFIG_DIR');

  const diagnostics: Diagnostic[] = [];
  const filesChecked: string[] = [];
  const parsed: Parsed = {};
  const paths = new Map<ConfigFileName, string>();

  if (st.mode & 0o002 && !(st.mode & 0o1000)) {
    const d = new DiagnosticList(dir);
    d.warning(0, 'the config directory is world-writable: any local user can replace the files in it', `chmod o-w ${dir}`);
    diagnostics.push(...d.sorted());
  }

  for (const name of CONFIG_FILES) {
    const path = join(dir, name);
    if (!exists(path)) continue;
    filesChecked.push(path);
    paths.set(name, path);
    let file: ConfigFileContent;
    try {
      file = readConfigFile(path);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const d = new DiagnosticList(path);
      d.error(0, err.message.startsWith(`${path}: `) ? err.message.slice(path.length + 2) : err.message,
        'every NUT daemon needs to read this file');
      diagnostics.push(...d.sorted());
      continue;
    }
    diagnostics.push(...file.diagnostics);
    const refuses = ROOT_READ_REFUSED_BY[name];
    // one error per file: a world-writable upsd.users is already one
    if (refuses !== undefined && !hasErrors(file.diagnostics)) diagnostics.push(...rootReadDiagnostics(path, refuses));
    if (options.upsdReader && UPSD_FILES.includes(name)) {
      diagnostics.push(...readableByDiagnostics(path, options.upsdReader, 'upsd reads it as this user on reload'));
    }
    if (options.upsmonReader && name === 'upsmon.conf') {
      diagnostics.push(...readableByDiagnostics(path, options.upsmonReader, 'the NUT group should read it', 'warning'));
    }
    switch (name) {
      case 'nut.conf': diagnostics.push(...take(parseNutConf(file.bytes, path), (v) => { parsed.nut = v; })); break;
      case 'ups.conf': diagnostics.push(...take(parseUpsConf(file.bytes, path), (v) => { parsed.ups = v; })); break;
      case 'upsd.conf': diagnostics.push(...take(parseUpsdConf(file.bytes, path), (v) => { parsed.upsd = v; })); break;
      case 'upsd.users': diagnostics.push(...take(parseUpsdUsers(file.bytes, path), (v) => { parsed.users = v; })); break;
      case 'upsmon.conf': diagnostics.push(...take(parseUpsmonConf(file.bytes, path), (v) => { parsed.upsmon = v; })); break;
      case 'upssched.conf': diagnostics.push(...take(parseUpsschedConf(file.bytes, path), (v) => { parsed.upssched = v; })); break;
      case 'exporter.conf': if (options.checkExporterConf) diagnostics.push(...options.checkExporterConf(file.bytes, path)); break;
    }
  }

  const upsPath = paths.get('ups.conf');
  if (options.checkUpsConf && parsed.ups && upsPath) diagnostics.push(...options.checkUpsConf(upsPath, parsed.ups));
  const upsmonPath = paths.get('upsmon.conf');
  if (options.checkUpsmonConf && parsed.upsmon && upsmonPath) diagnostics.push(...options.checkUpsmonConf(upsmonPath, parsed.upsmon));
  diagnostics.push(...crossCheck(dir, parsed, paths, options));
  return { diagnostics, filesChecked };
}

function take<T>(r: ConfigResult<T>, set: (v: T) => void): Diagnostic[] {
  set(r.value);
  return r.diagnostics;
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Login names of operating-system accounts; empty if the file cannot be read. */
function osAccounts(passwdFile: string): Set<string> {
  try {
    const text = readFileSync(passwdFile, 'utf8');
    return new Set(text.split('\n').map((l) => l.split(':')[0] ?? '').filter((n) => n !== '' && !n.startsWith('#')));
  } catch {
    return new Set();
  }
}

function isLocalHost(host: string, extra: readonly string[]): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h === 'localhost.localdomain' || h === 'ip6-localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)) return true;
  let own = '';
  try { own = hostname().toLowerCase(); } catch { /* none */ }
  if (own !== '' && (h === own || h === own.split('.')[0])) return true;
  return extra.some((x) => x.toLowerCase() === h);
}

/**
 * LOCALMONITOR (issue 14): upsmon refuses to start without the UPS's [section] and driver in
 * ups.conf; a missing socket directory means no driver can create the socket it reads.
 */
function localMonitorDiagnostics(monPath: string, p: Parsed, env: NodeJS.ProcessEnv): Diagnostic[] {
  const d = new DiagnosticList(monPath);
  const locals = p.upsmon?.monitors.filter((m) => m.local === true) ?? [];
  if (locals.length === 0) return [];
  if (!p.ups) {
    for (const m of locals) d.error(m.line, `LOCALMONITOR ${m.upsName}: there is no ups.conf here to find its driver in: upsmon refuses to start`, 'add ups.conf with a section for this UPS');
    return d.sorted();
  }
  const dir = statePath(env, p.ups.global.statepath);
  let dirProblem: string | undefined;
  try { if (!statSync(dir).isDirectory()) dirProblem = 'is not a directory'; } catch { dirProblem = 'does not exist'; }
  for (const m of locals) {
    const s = p.ups.sections.find((x) => x.name === m.upsName);
    if (s === undefined) {
      d.error(m.line, `LOCALMONITOR ${m.upsName}: there is no UPS [${m.upsName}] in ups.conf: upsmon refuses to start`,
        `use one of the ups.conf section names${p.ups.sections.length > 0 ? ` (${p.ups.sections.map((x) => x.name).slice(0, 5).join(', ')})` : ''}, or add a [${m.upsName}] section`);
    } else if (s.driver !== undefined && dirProblem !== undefined) {
      d.warning(m.line, `LOCALMONITOR ${m.upsName}: the socket directory ${dir} ${dirProblem}, so ${join(dir, `${s.driver}-${s.name}`)} cannot be there`,
        'create it (owned by the drivers\' user, e.g. install -d -o nut -g nut -m 0770), or set statepath in ups.conf / NUT_STATEPATH');
    }
  }
  return d.sorted();
}

function crossCheck(dir: string, p: Parsed, paths: Map<ConfigFileName, string>, options: CheckOptions): Diagnostic[] {
  const out: Diagnostic[] = [];

  // nut.conf MODE against the files that mode needs.
  const nutPath = paths.get('nut.conf');
  if (p.nut && nutPath) {
    const d = new DiagnosticList(nutPath);
    const mode = p.nut.mode;
    const needs: ConfigFileName[] = mode === 'standalone' || mode === 'netserver'
      ? ['ups.conf', 'upsd.conf', 'upsd.users', 'upsmon.conf']
      : mode === 'netclient' ? ['upsmon.conf'] : [];
    for (const f of needs) {
      if (!paths.has(f)) {
        d.warning(p.nut.modeLine, `MODE=${mode} needs ${f}, which is not in ${dir}`, `create ${join(dir, f)} (see the samples in hardnut's conf/)`);
      }
    }
    if ((mode === 'standalone' || mode === 'netserver') && p.ups && p.ups.sections.length === 0
      && !(p.upsd?.allowNoDevice ?? false) && !(p.nut.allowNoDevice ?? false)) {
      d.error(p.nut.modeLine, `MODE=${mode} starts upsd, but ups.conf defines no UPS: upsd refuses to start`,
        'add a [ups] section to ups.conf, or set ALLOW_NO_DEVICE true in upsd.conf');
    }
    out.push(...d.sorted());
  }

  // upsd reads CERTFILE (and CERTPATH with CERTREQUEST) as root and refuses them when another user could change them
  const upsdPath = paths.get('upsd.conf');
  if (p.upsd && upsdPath && p.upsd.certFile !== undefined) {
    const d = new DiagnosticList(upsdPath);
    const tlsFiles: Array<[string, string | undefined]> = [['CERTFILE', p.upsd.certFile], ['CERTPATH', p.upsd.certRequest > 0 ? p.upsd.certPath : undefined]];
    for (const [word, file] of tlsFiles) {
      const why = file !== undefined ? rootReadRefusal(file) : undefined;
      if (why !== undefined) d.error(0, `${word} ${why}: upsd refuses to start`, SAFE_PATH_FIX);
    }
    out.push(...d.sorted());
  }

  const monPath = paths.get('upsmon.conf');
  if (p.upsmon && monPath) {
    const d = new DiagnosticList(monPath);
    const listenPorts = new Set((p.upsd?.listen.length ?? 0) > 0 ? (p.upsd as UpsdConf).listen.map((l) => l.port) : [NUT_PORT]);
    const accounts = osAccounts(options.passwdFile ?? '/etc/passwd');
    out.push(...localMonitorDiagnostics(monPath, p, options.env ?? process.env));
    for (const m of p.upsmon.monitors) {
      if (m.local === true) continue;
      if (!isLocalHost(m.host, options.localHostNames ?? []) || !listenPorts.has(m.port)) continue;
      // This MONITOR talks to the upsd configured in this directory.
      if (p.ups && !p.ups.sections.some((s) => s.name.toLowerCase() === m.upsName.toLowerCase())) {
        d.error(m.line, `MONITOR ${m.system}: there is no UPS [${m.upsName}] in ups.conf`,
          `use one of the ups.conf section names${p.ups.sections.length > 0 ? ` (${p.ups.sections.map((s) => s.name).slice(0, 5).join(', ')})` : ''}, or add a [${m.upsName}] section`);
      }
      if (!p.users) continue;
      const user = p.users.users.find((u) => u.name === m.user);
      if (!user) {
        const other = p.users.users.find((u) => u.name.toLowerCase() === m.user.toLowerCase());
        let hint: string;
        if (other) {
          hint = `usernames are case-sensitive: upsd.users has [${other.name}]`;
        } else if (accounts.has(m.user)) {
          hint = `'${m.user}' is an operating-system account, not an upsd.users user: upsmon logs in to upsd with a [user] section of upsd.users — add e.g. [upsmon] with a password and "upsmon ${m.role}" there, and put that name and password in this MONITOR line`;
        } else {
          hint = `add a [${m.user}] section with the same password and "upsmon ${m.role}" to upsd.users`;
        }
        d.error(m.line, `MONITOR ${m.system}: user '${m.user}' is not defined in upsd.users, so upsd will refuse the login`, hint);
        continue;
      }
      if (user.password === undefined) {
        d.error(m.line, `MONITOR ${m.system}: user [${m.user}] has no password in upsd.users`, 'add the same password to that section of upsd.users');
        continue;
      }
      if (user.password !== m.password) {
        d.error(m.line, `MONITOR ${m.system}: the password does not match the one of [${m.user}] in upsd.users`,
          'make them identical (passwords are case-sensitive)');
        continue;
      }
      const acts = effectiveActions(user);
      if (m.role === 'primary' && !(acts.has('LOGIN') && (acts.has('MASTER') || acts.has('PRIMARY')))) {
        d.error(m.line, `MONITOR ${m.system} is primary, but user [${m.user}] may not act as primary in upsd.users`,
          `add "upsmon primary" to the [${m.user}] section of upsd.users`);
      } else if (m.role === 'secondary' && !acts.has('LOGIN')) {
        d.error(m.line, `MONITOR ${m.system} is secondary, but user [${m.user}] may not log in to a UPS in upsd.users`,
          `add "upsmon secondary" to the [${m.user}] section of upsd.users`);
      }
    }
    const usesUpssched = p.upsmon.notifyCmds.some((c) => basename(programOf(c) ?? '') === 'upssched');
    if (usesUpssched && !paths.has('upssched.conf')) {
      d.warning(0, `NOTIFYCMD runs upssched, but there is no upssched.conf in ${dir}`, `create ${join(dir, 'upssched.conf')}`);
    }
    out.push(...d.sorted());
  }
  return out;
}
