// What to say when a daemon, already running as its user, may not use its state directory
// (NUT_STATEPATH, ups.conf statepath): which directory, whose it is, and the commands that fix it,
// instead of a bare `listen EACCES`.

import { statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { groupName } from '../sandbox/drop-privileges.js';

/**
 * A message naming the directory, the running user, the owner and mode, and the fix, when `err`
 * is a permission error; undefined for any other error (the caller reports it as it is).
 */
export function stateDirMessage(dir: string, what: string, err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code !== 'EACCES' && code !== 'EPERM') return undefined;
  let user: string;
  try { user = userInfo().username; } catch { user = `uid ${String(process.getuid?.() ?? -1)}`; }
  const gid = process.getgid?.() ?? -1;
  let group = String(gid);
  try { group = groupName(gid) ?? group; } catch { /* keep the number */ }
  let owner = '';
  try {
    const st = statSync(dir);
    let g = String(st.gid);
    try { g = groupName(st.gid) ?? g; } catch { /* keep the number */ }
    owner = ` (owner uid ${String(st.uid)}, group ${g}, mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')})`;
  } catch { /* cannot even look: the fix is the same */ }
  return `${what}: user ${user} may not write to the state directory ${dir}${owner}. `
    + `Fix: chown root:${group} ${dir}; chmod 0770 ${dir} (or set statepath in ups.conf / NUT_STATEPATH to a directory ${user} owns)`;
}
