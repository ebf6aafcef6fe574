// The killpower flag and the late-shutdown snapshot on disk (issue 15). The codecs are flag.ts and
// snapshot.ts; this file only opens, reads and writes, and always as root would want it: in
// root-only directories, O_NOFOLLOW, regular files only (a FIFO is never waited on), bounded reads.
import { closeSync, constants, cpSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, renameSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { UnsafeFileError } from '../runtime/pidfile.js';
import { unsafeWhy } from '../sandbox/safe-path.js';
import { loadUpsConf } from '../runtime/config-read.js';
import { loadIntentKey } from '../sandbox/shutdown-intent.js';
import type { UpsConf } from '../core/config/ups-conf.js';
import { encodeFlag, flagUpsNameProblem, MAX_FLAG_BYTES, publicKeyOf } from './flag.js';
import { decodeManifest, encodeManifest, MAX_MANIFEST_BYTES, renderUpsConf, SnapshotError, type Manifest } from './snapshot.js';

/** Where the dispatcher arms the flag (tmpfiles.d: root:root 0755 on the /run tmpfs). */
export const DEFAULT_KILLPOWER_DIR = '/run/hardnut/killpower';
/** Where `hardnut killpower snapshot` puts what the late hook needs. */
export const DEFAULT_LATE_DIR = '/run/hardnut/late';
/** The flag's signing key (root 0600, 64 bytes; `hardnut killpower keygen`). */
export const DEFAULT_KILLPOWER_KEY = '/etc/hardnut/killpower.key';
export const FLAG_FILE = 'flag';
/** Created O_EXCL by the hook before it sends, holding the boot id: a second run sends nothing. */
export const SENT_FILE = 'sent';
/** Packages the late step loads with require() at run time, outside the bundle: the native bindings
 * and tweetnacl (the flag's signature). Their dependencies come along. */
export const LATE_NATIVE_PACKAGES = ['serialport', 'koffi', 'tweetnacl', 'node-hid'] as const;
/** A dependency closure deeper than this is not a package tree we built. */
const MAX_PACKAGE_DEPTH = 12;

const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW | constants.O_NONBLOCK;

export function killpowerDir(env: Readonly<Record<string, string | undefined>>): string {
  return env['HARDNUT_KILLPOWER_DIR'] || DEFAULT_KILLPOWER_DIR;
}

export function lateDir(env: Readonly<Record<string, string | undefined>>): string {
  return env['HARDNUT_LATE_DIR'] || DEFAULT_LATE_DIR;
}

/** This boot's id, as the kernel gives it. */
export function readBootId(): string {
  return readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim();
}

/** When this boot started (unix seconds), /proc/stat's btime. */
export function readBootTime(): number {
  const m = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'latin1'));
  if (!m) throw new SnapshotError('no btime in /proc/stat');
  return Number(m[1]);
}

function requireRootOnly(dir: string): void {
  const why = unsafeWhy(dir, { createIn: true });
  if (why !== undefined) throw new UnsafeFileError(`${dir}: ${why}: another user could change it; refusing to use it`);
}

/**
 * Reads a root-owned regular file of at most `max` bytes in a root-only directory, without
 * following a link or waiting on a FIFO. undefined: it does not exist.
 */
export function readRootFile(path: string, max: number): Uint8Array | undefined {
  if (!existsSync(dirname(path))) return undefined;
  requireRootOnly(dirname(path));
  let fd: number;
  try { fd = openSync(path, READ_FLAGS); } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw new UnsafeFileError(`${path} is a symbolic link; refusing to follow it`);
    throw err;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new UnsafeFileError(`${path} is not a regular file; refusing it`);
    if (st.uid !== 0 && st.uid !== (process.geteuid?.() ?? 0)) throw new UnsafeFileError(`${path} is owned by uid ${st.uid}, not root`);
    if (st.size > max) throw new UnsafeFileError(`${path} is ${st.size} bytes, more than ${max}`);
    const buf = Buffer.alloc(max + 1);
    const n = readSync(fd, buf, 0, max + 1, 0);
    if (n > max) throw new UnsafeFileError(`${path} is more than ${max} bytes`);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** The flag, armed by the dispatcher while root; write() fills it through the kept descriptor. */
export interface KillpowerArm {
  readonly path: string;
  readonly ups: readonly string[];
  write(nowMs?: number): void;
}

/**
 * Arms the flag: a new empty root-owned file, O_CREAT|O_EXCL|O_NOFOLLOW in a root-only directory,
 * whose descriptor the caller keeps across its privilege drop. NUT's upsmon clears a stale flag at
 * start; so does this (the old name is unlinked first). Call while root, with the key loaded.
 */
export function armKillpower(dir: string, secretKey: Uint8Array, ups: readonly string[], bootId: string = readBootId()): KillpowerArm {
  if (ups.length === 0) throw new SnapshotError('no primary UPS to name in the flag');
  for (const u of ups) { const p = flagUpsNameProblem(u); if (p !== undefined) throw new SnapshotError(p); }
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  requireRootOnly(dir);
  const path = join(dir, FLAG_FILE);
  try { unlinkSync(path); } catch (err) { if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; }
  const fd = openSync(path, CREATE_FLAGS, 0o644);
  let written = false;
  return {
    path, ups,
    write(nowMs = Date.now()): void {
      if (written) return;
      const bytes = encodeFlag({ bootId, time: Math.floor(nowMs / 1000), ups }, secretKey);
      writeSync(fd, bytes, 0, bytes.length, 0);
      written = true;
    },
  };
}

export function readFlag(dir: string): Uint8Array | undefined {
  return readRootFile(join(dir, FLAG_FILE), MAX_FLAG_BYTES);
}

/**
 * Claims this boot's one send: true if the caller is the first, false if a hook already sent (or
 * is sending) in this boot. A marker from another boot is stale and replaced.
 */
export function claimSend(dir: string, bootId: string): boolean {
  requireRootOnly(dir);
  const path = join(dir, SENT_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try { fd = openSync(path, CREATE_FLAGS, 0o644); } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const prior = readRootFile(path, 64);
      if (prior !== undefined && Buffer.from(prior).toString('latin1').trim() === bootId) return false;
      unlinkSync(path);
      continue;
    }
    try { writeSync(fd, `${bootId}\n`); } finally { closeSync(fd); }
    return true;
  }
  return false;
}

/** The send failed: a later hook (the exitrd after systemd-shutdown) may try again. */
export function releaseSend(dir: string): void {
  try { unlinkSync(join(dir, SENT_FILE)); } catch { /* already gone */ }
}

export interface Snapshot {
  dir: string;
  manifest: Manifest;
  upsConf: UpsConf;
}

export function readSnapshot(dir: string): Snapshot {
  const bytes = readRootFile(join(dir, 'manifest'), MAX_MANIFEST_BYTES);
  if (bytes === undefined) throw new SnapshotError(`no late-shutdown snapshot in ${dir} (run hardnut killpower snapshot)`);
  const manifest = decodeManifest(bytes);
  const upsConf = loadUpsConf(dir, () => undefined);
  return { dir, manifest, upsConf };
}

export interface SnapshotOptions {
  dir: string;
  /** Where ups.conf is read (NUT_CONFPATH). */
  confDir: string;
  keyPath: string;
  /** Sections to keep; all with sdorder >= 0 when empty. */
  ups: readonly string[];
  /** hardnut.js of the running install. */
  program: string;
  node: string;
}

/**
 * Writes the snapshot as a whole (built beside it, then renamed in): the manifest, ups.conf, the
 * program's dist/ (no source maps) and the native packages' closure. Root only, in a root-only
 * parent. Returns the UPS names it holds.
 */
export function writeSnapshot(o: SnapshotOptions): string[] {
  const parent = dirname(o.dir);
  mkdirSync(parent, { recursive: true, mode: 0o755 });
  requireRootOnly(parent);
  const conf = loadUpsConf(o.confDir);
  const sections = conf.sections.filter((s) => (o.ups.length === 0 ? (s.sdorder ?? 0) >= 0 : o.ups.includes(s.name)));
  const missing = o.ups.filter((u) => !conf.sections.some((s) => s.name === u));
  if (missing.length > 0) throw new SnapshotError(`UPS ${missing.join(', ')} not in ${join(o.confDir, 'ups.conf')}`);
  if (sections.length === 0) throw new SnapshotError(`no UPS in ${join(o.confDir, 'ups.conf')} to snapshot`);
  const publicKey = publicKeyOf(loadIntentKey(o.keyPath));
  const tmp = `${o.dir}.new-${String(process.pid)}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { mode: 0o755 });
  try {
    writeFileSync(join(tmp, 'manifest'), encodeManifest({ node: o.node, publicKey }), { mode: 0o644, flag: 'wx' });
    writeFileSync(join(tmp, 'ups.conf'), renderUpsConf(sections), { mode: 0o644, flag: 'wx' });
    mkdirSync(join(tmp, 'state'), { mode: 0o755 });
    const dist = dirname(o.program);
    mkdirSync(join(tmp, 'dist'), { mode: 0o755 });
    for (const f of readdirSync(dist)) if (f.endsWith('.js')) cpSync(join(dist, f), join(tmp, 'dist', f));
    for (const [name, from] of nativeClosure(o.program)) cpSync(from, join(tmp, 'node_modules', name), { recursive: true, dereference: true });
    rmSync(o.dir, { recursive: true, force: true });
    renameSync(tmp, o.dir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return sections.map((s) => s.name);
}

/** The directory of package `name` as Node would resolve it from `from` (exports may hide package.json). */
function packageDir(name: string, from: string): string | undefined {
  const req = createRequire(join(from, 'x.js'));
  let entry: string;
  try { return dirname(req.resolve(`${name}/package.json`)); } catch { /* hidden by exports, or absent */ }
  try { entry = req.resolve(name); } catch { return undefined; }
  for (let d = dirname(entry); d !== dirname(d); d = dirname(d)) {
    try {
      if ((JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')) as { name?: string }).name === name) return d;
    } catch { /* not the package root yet */ }
  }
  return undefined;
}

/** Package name → directory, for LATE_NATIVE_PACKAGES and everything they depend on. */
function nativeClosure(program: string): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (name: string, from: string, depth: number, optional: boolean): void => {
    if (out.has(name) || depth > MAX_PACKAGE_DEPTH) return;
    const dir = packageDir(name, from);
    if (dir === undefined) {
      if (optional) return;
      throw new SnapshotError(`package ${name} not found from ${from}`);
    }
    const pkgJson = join(dir, 'package.json');
    out.set(name, dir);
    const meta = JSON.parse(readFileSync(pkgJson, 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    for (const dep of Object.keys(meta.dependencies ?? {})) visit(dep, dir, depth + 1, false);
    for (const dep of Object.keys(meta.optionalDependencies ?? {})) visit(dep, dir, depth + 1, true);
  };
  // node-hid needs libusb from the system: optional, like usbhid-ups itself
  for (const name of LATE_NATIVE_PACKAGES) visit(name, dirname(program), 0, name === 'node-hid');
  return out;
}
