// Root never follows a path another user can write (project rule): the directory-chain check
// shared by the scripted driver (its script) and upsmon (its shutdown helper, socket and key).
import { realpathSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * The first directory on the way to a file root will use (a driver's script, upsmon's shutdown
 * helper, socket and key) that someone other than root could change, with why, or undefined.
 * Both chains count: the path as written (a symlink in it can be replaced by whoever may write
 * its directory) and the real file's. The file's own directory must be root-only; above it a
 * sticky directory (/tmp) is accepted, as others cannot rename what root owns there. hardnut
 * difference: NUT checks no directories.
 */
export function unsafeDirectory(path: string, opened: string): string | undefined {
  let real: string;
  try { real = realpathSync(opened); } catch (err) { return `${opened}: ${(err as Error).message}`; }
  const chains = [dirname(resolve(path)), dirname(real)];
  for (const first of chains) {
    for (let d = first; ; d = dirname(d)) {
      let st;
      try { st = statSync(d); } catch (err) { return `${d}: ${(err as Error).message}`; }
      const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
      if (st.uid !== 0) return `${d} is owned by uid ${st.uid}, not root`;
      if ((st.mode & 0o022) !== 0 && !(d !== first && (st.mode & 0o1000) !== 0)) return `${d} is writable by group or others, mode ${mode}`;
      if (d === dirname(d)) break;
    }
  }
  return undefined;
}
