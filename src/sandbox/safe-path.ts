// The one rule for "root never follows a path another user can write" (project brief; issue 18).
// A path is walked one component at a time, as the kernel resolves it, and every symlink hop is
// followed by hand, so the directories that hold each link and each link's target count as well
// as the real file's. For every entry met on the way, and the directory it is in:
//   - the directory must be owned by root (or the allowed owner) and writable by no one else —
//     except that a sticky directory (/tmp) may be writable by others when the entry in it is
//     root's (or the allowed owner's): the kernel lets only the entry's owner rename or remove it;
//   - the final entry must be owned by root (or the allowed owner) and not writable by group or
//     others, sticky or not (a sticky directory still takes new entries from anyone).
// Any group write counts (also a root group): stricter than needed, never looser.
import { lstatSync, readlinkSync, type Stats } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

/** The hint for a refusal: what makes the path safe. */
export const SAFE_PATH_FIX = 'make it and every directory and symlink on its way root\'s and writable by root only';

/** Symlink hops followed at most, as Linux's MAXSYMLINKS (path_resolution(7)); beyond: ELOOP. */
export const MAX_SYMLINK_HOPS = 40;

/** A component that is absent (in a directory only root can write): the reader reports it. */
export const ABSENT = 'does not exist';

const GROUP_OR_OTHER_WRITE = 0o022;
const STICKY = 0o1000;

export interface SafePathOptions {
  /** A uid trusted besides root (a daemon's own user for the files it owns). */
  owner?: number;
  /** The path is a directory root creates entries in: it must not be writable by others at all. */
  createIn?: boolean;
  /**
   * Check the way to the file (every directory and symlink hop) but not the file's own owner and
   * mode: for a file whose user checks those by a rule of its own (upsmon's shutdown helper is
   * 4750 root:nutshutdown, its socket 0660 root:nutshutdown).
   */
  wayOnly?: boolean;
}

/** The first component another user could change, and why. */
export interface WritableComponent {
  path: string;
  why: string;
}

/** Stable text for a report: `<path> <why>`. */
export function describeWritable(w: WritableComponent): string {
  return `${w.path} ${w.why}`;
}

function mode(st: Stats): string {
  return (st.mode & 0o7777).toString(8);
}

function trustedOwner(st: Stats, opts: SafePathOptions): boolean {
  return st.uid === 0 || (opts.owner !== undefined && st.uid === opts.owner);
}

function ownerWhy(st: Stats, opts: SafePathOptions): string {
  return `is owned by uid ${String(st.uid)}, not root${opts.owner !== undefined ? ` or uid ${String(opts.owner)}` : ''}`;
}

/** Why `dir` lets another user replace `entry` in it (entry undefined: add one), or undefined. */
function directoryWhy(dir: Stats, entry: Stats | undefined, opts: SafePathOptions): string | undefined {
  if (!trustedOwner(dir, opts)) return ownerWhy(dir, opts);
  if ((dir.mode & GROUP_OR_OTHER_WRITE) === 0) return undefined;
  if ((dir.mode & STICKY) !== 0 && entry !== undefined && trustedOwner(entry, opts)) return undefined;
  return `is writable by group or others (mode ${mode(dir)})`;
}

function lstatOrWhy(path: string): Stats | string {
  try { return lstatSync(path); } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? ABSENT : `cannot be examined (${code ?? String(err)})`;
  }
}

/**
 * The first component of `path` (a directory of its chain, a symlink, a symlink target's chain,
 * or the file itself) that a user other than root or `opts.owner` can write; undefined if none.
 * A component that does not exist or cannot be examined is reported too (fail closed).
 */
export function writableByOthers(path: string, opts: SafePathOptions = {}): WritableComponent | undefined {
  const todo = resolve(path).split('/').filter((c) => c !== '');
  let cur = '/';
  let curStat = lstatOrWhy(cur);
  if (typeof curStat === 'string') return { path: cur, why: curStat };
  let hops = 0;
  for (;;) {
    const name = todo.shift();
    if (name === undefined) break;
    if (name === '.') continue;
    // `cur` never holds a symlink (each was replaced by its target), so its parent is the one
    // the walk came through, already checked.
    if (name === '..') { cur = resolve(cur, '..'); curStat = lstatSync(cur); continue; }
    const next = join(cur, name);
    const st = lstatOrWhy(next);
    // an absent entry is reported as such only where no one else could create it meanwhile
    const inDir = directoryWhy(curStat, typeof st === 'string' ? undefined : st, opts);
    if (inDir !== undefined) return { path: cur, why: inDir };
    if (typeof st === 'string') return { path: next, why: st };
    if (st.isSymbolicLink()) {
      if (++hops > MAX_SYMLINK_HOPS) return { path: next, why: `leads through more than ${String(MAX_SYMLINK_HOPS)} symbolic links` };
      const target = readlinkSync(next);
      todo.unshift(...target.split('/').filter((c) => c !== ''));
      if (isAbsolute(target)) { cur = '/'; curStat = lstatSync(cur); }
      continue;
    }
    if (todo.length > 0 && !st.isDirectory()) return { path: next, why: 'is not a directory' };
    cur = next;
    curStat = st;
  }
  if (opts.wayOnly === true) return undefined;
  if (!trustedOwner(curStat, opts)) return { path: cur, why: ownerWhy(curStat, opts) };
  if ((curStat.mode & GROUP_OR_OTHER_WRITE) !== 0) {
    // the final entry itself: a sticky directory still takes new entries from anyone
    return { path: cur, why: `is writable by group or others (mode ${mode(curStat)})` };
  }
  if (opts.createIn === true && !curStat.isDirectory()) return { path: cur, why: 'is not a directory' };
  return undefined;
}

/** writableByOthers in words ("<component> is owned by …"), or undefined: what a refusal quotes. */
export function unsafeWhy(path: string, opts: SafePathOptions = {}): string | undefined {
  const w = writableByOthers(path, opts);
  return w === undefined ? undefined : describeWritable(w);
}

/**
 * Why root must not read `path` (naming the component another user can change), or undefined:
 * not root, nothing unsafe, or the file is absent where nobody else can create it (the read says so).
 */
export function rootReadRefusal(path: string): string | undefined {
  const why = rootReadProblem(path);
  return why === undefined ? undefined : `${path}: ${why}`;
}

/** rootReadRefusal without the leading `<path>: ` (for a ConfigError, which names the file). */
export function rootReadProblem(path: string): string | undefined {
  if (process.geteuid?.() !== 0) return undefined;
  const w = writableByOthers(path);
  if (w === undefined || w.why === ABSENT) return undefined;
  return `${describeWritable(w)}: another user could change what root reads here; refusing it`;
}

/** Only root (or `owner`) can add or replace an entry in `dir`, or change anything on its way. */
export function rootOnlyPath(dir: string, owner?: number): boolean {
  return writableByOthers(dir, { createIn: true, ...(owner !== undefined ? { owner } : {}) }) === undefined;
}
