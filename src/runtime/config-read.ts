// Reading one NUT config file from disk for a daemon or tool: the file checks (type, size,
// ownership and mode, §4.7), the parse, and whether a daemon's user can read it. Split from
// config-files.ts (which re-exports all of it) so a short-lived tool like upssched loads its own
// parser only, not every daemon's and config check's (issue 13: start-up).

import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ConfigError } from '../core/errors.js';
import { confPath } from '../core/paths.js';
import { parseUpsConf, type UpsConf } from '../core/config/ups-conf.js';
import { DiagnosticList, firstError, formatDiagnostic } from '../core/config/diagnostics.js';
import type { ConfigResult, Diagnostic } from '../core/config/diagnostics.js';
import { groupName } from '../sandbox/drop-privileges.js';

export type ConfigParser<T> = (input: Uint8Array | string, file: string) => ConfigResult<T>;

/** Files that hold passwords: nobody but root and the NUT group should read them. */
export const SECRET_FILES: ReadonlySet<string> = new Set(['upsd.users', 'upsmon.conf']);

/** Far beyond any real config; a guard against pointing the reader at something else. */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

export interface ConfigFileContent {
  path: string;
  bytes: Uint8Array;
  /** Whole-file (line 0) warnings about ownership and permissions. */
  diagnostics: Diagnostic[];
}

/**
 * Reads a config file. Symbolic links are followed (packagers use them) and the file they lead to
 * is what gets checked. Throws ConfigError when the file cannot be used at all.
 */
export function readConfigFile(path: string): ConfigFileContent {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (err) {
    throw openError(path, err);
  }
  if (!st.isFile()) {
    throw new ConfigError(path, 0, `is not a regular file (${describeType(st)})`, 'ERR_CONFIG_NOT_FILE');
  }
  let fd: number;
  try {
    // O_NONBLOCK: should the path be swapped for a FIFO after the stat, open() must not hang.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw openError(path, err);
  }
  try {
    const fst = fstatSync(fd);
    if (!fst.isFile()) throw new ConfigError(path, 0, `is not a regular file (${describeType(fst)})`, 'ERR_CONFIG_NOT_FILE');
    if (fst.size > MAX_CONFIG_BYTES) throw new ConfigError(path, 0, `is too large for a config file (${String(fst.size)} bytes)`, 'ERR_CONFIG_TOO_LARGE');
    const bytes = new Uint8Array(fst.size);
    let off = 0;
    while (off < bytes.length) {
      const n = readSync(fd, bytes, off, bytes.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return { path, bytes: bytes.subarray(0, off), diagnostics: permissionDiagnostics(path, fst) };
  } finally {
    closeSync(fd);
  }
}

function openError(path: string, err: unknown): ConfigError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    let dangling = false;
    try { dangling = lstatSync(path).isSymbolicLink(); } catch { /* absent */ }
    return dangling
      ? new ConfigError(path, 0, 'is a symbolic link to a file that does not exist', 'ERR_CONFIG_MISSING')
      : new ConfigError(path, 0, 'cannot open: no such file', 'ERR_CONFIG_MISSING');
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new ConfigError(path, 0, 'cannot open: permission denied (run as root or as a member of the NUT group)', 'ERR_CONFIG_ACCESS');
  }
  if (code === 'ELOOP') return new ConfigError(path, 0, 'cannot open: too many levels of symbolic links', 'ERR_CONFIG_ACCESS');
  return new ConfigError(path, 0, `cannot open: ${(err as Error).message}`, 'ERR_CONFIG_ACCESS');
}

function describeType(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a file';
}

function permissionDiagnostics(path: string, st: Stats): Diagnostic[] {
  const d = new DiagnosticList(path);
  const mode = st.mode & 0o7777;
  const octal = mode.toString(8).padStart(4, '0');
  if ((mode & 0o002) && basename(path) === 'upsd.users') {
    // hardnut difference: NUT only warns, but any local user could add an admin to this file
    d.error(0, `is world-writable (mode ${octal}): any local user could give themselves every right on upsd; refusing it`, `chmod o-w ${path}`);
  } else if (mode & 0o002) {
    d.warning(0, `is world-writable (mode ${octal}): any local user can change it`, `chmod o-w ${path}`);
  } else if (mode & 0o020) {
    d.warning(0, `is group-writable (mode ${octal}): the group can change what the NUT daemons do`, `chmod g-w ${path}`);
  }
  if (SECRET_FILES.has(basename(path)) && (mode & 0o004)) {
    d.warning(0, `is readable by every user (mode ${octal}) and contains passwords`, secretFileFix(path, DAEMON_USER));
  }
  return d.sorted();
}

/** NUT's RUN_AS_USER on Debian: upsd and the drivers read their files as this user after the drop. */
export const DAEMON_USER = 'nut';

/** How a file with passwords is meant to be: readable by root and the daemons' group only. */
function secretFileFix(path: string, group: string): string {
  return `chown root:${group} ${path}; chmod 0640 ${path}`;
}

/** The account a daemon reads its files as once it has dropped root (setgroups([]): primary group only). */
export interface ReaderAccount { name: string; uid: number; gid: number }

/** Does `st` grant `reader` the permission `bit` (4 read, 1 search)? Mode bits only, as the kernel checks them without ACLs. */
function permits(st: Stats, reader: ReaderAccount, bit: number): boolean {
  if (reader.uid === 0) return true;
  if (st.uid === reader.uid) return ((st.mode >> 6) & bit) !== 0;
  if (st.gid === reader.gid) return ((st.mode >> 3) & bit) !== 0;
  return (st.mode & bit) !== 0;
}

function ownerText(st: Stats): string {
  const g = groupName(st.gid) ?? String(st.gid);
  return `owner uid ${String(st.uid)}, group ${g}, mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')}`;
}

/**
 * Whether `reader` can read `path`: search permission on every directory above it, read
 * permission on the file. An error diagnostic (naming `daemon`, what fails and the fix) if not.
 * upsd re-reads its files as its user on reload; a file only root can read works at start-up
 * and then makes every reload fail, so this is checked before either.
 */
export function readableByDiagnostics(path: string, reader: ReaderAccount, daemon: string, severity: 'error' | 'warning' = 'error'): Diagnostic[] {
  const d = new DiagnosticList(path);
  const report = (message: string, hint: string): Diagnostic[] => {
    if (severity === 'error') d.error(0, message, hint); else d.warning(0, message, hint);
    return d.sorted();
  };
  const group = groupName(reader.gid) ?? String(reader.gid);
  const abs = resolve(path);
  const dirs: string[] = [];
  for (let dir = dirname(abs); ; dir = dirname(dir)) {
    dirs.unshift(dir);
    if (dir === dirname(dir)) break;
  }
  try {
    for (const dir of dirs) {
      const st = statSync(dir);
      if (!permits(st, reader, 0o1)) {
        return report(`user ${reader.name} (${daemon}) cannot reach this file: it may not enter ${dir} (${ownerText(st)})`,
          `chgrp ${group} ${dir}; chmod g+x ${dir}`);
      }
    }
    const st = statSync(abs);
    if (!permits(st, reader, 0o4)) {
      return report(`user ${reader.name} (${daemon}) cannot read this file (${ownerText(st)})`,
        SECRET_FILES.has(basename(abs)) ? secretFileFix(path, group) : `chgrp ${group} ${path}; chmod g+r ${path}`);
    }
  } catch {
    return []; // a missing file is reported where it is read
  }
  return [];
}

export interface LoadedConfig<T> {
  value: T;
  /** Warnings, plus the errors when loaded with `strict: false`. */
  warnings: Diagnostic[];
}

export interface LoadOptions {
  /** Default true: the first error is thrown. False: errors are returned with the warnings. */
  strict?: boolean;
}

/**
 * For daemons: reads and parses `<dir>/<name>`. Throws ConfigError for an unreadable file and
 * (unless `strict: false`) for the first error; returns the value and the warnings to log.
 */
export function loadConfig<T>(dir: string, name: string, parser: ConfigParser<T>, options: LoadOptions = {}): LoadedConfig<T> {
  const path = join(dir, name);
  const file = readConfigFile(path);
  const parsed = parser(file.bytes, path);
  const diagnostics = [...file.diagnostics, ...parsed.diagnostics];
  if (options.strict ?? true) {
    const err = firstError({ diagnostics });
    if (err) throw err;
  }
  return { value: parsed.value, warnings: diagnostics };
}

/** The files upsd reads, at start and on every reload. */
export const UPSD_FILES: readonly string[] = ['upsd.conf', 'ups.conf', 'upsd.users'];

/**
 * ups.conf for drivers and upsdrvctl: strict — the first error (file:line) stops them before
 * anything starts, as issue 2 requires; warnings go to `onWarning` (stderr by default).
 */
export function loadUpsConf(dir: string = confPath(process.env), onWarning: (message: string) => void = (m) => process.stderr.write(`${m}\n`)): UpsConf {
  const r = loadConfig(dir, 'ups.conf', parseUpsConf);
  for (const w of r.warnings) onWarning(formatDiagnostic(w));
  return r.value;
}
