// The one confinement pipeline (DESIGN.md). Every daemon calls confine() once, after it has bound
// its sockets and opened its devices and keys, and before it parses anything a device, an agent
// or a server sent. The order is fixed here and nowhere else:
//   load what the role needs (koffi, libc, rlimits, libseccomp) → a session of its own with no
//   controlling terminal → chroot + chdir("/") → setgroups → setgid → setuid → prove root is gone
//   → [the caller's start-up as that user] → rlimits → no_new_privs → seccomp (TSYNC).
// Any failure logs ONE line and ends the process non-zero at once: a caller holding a listening
// socket never gets control back from a half-confined process (issue #12).
// Not root (a developer's laptop): no drop, no jail, no rlimits; seccomp as seccompMode() says.

import { closeSync, constants, openSync, readFileSync, readdirSync, lstatSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { unsafeWhy } from './safe-path.js';
import { fatal } from './fatal.js';
import { isRoot, lookupGroup, lookupUser, PrivilegeError, type Account } from './drop-privileges.js';
import { chroot, detachTerminal, preloadLibc, setNoNewPrivs, setsid } from './libc.js';
import { preloadRlimits, RLIMIT_CORE, RLIMIT_NOFILE, RLIMIT_NPROC, setRlimit } from './rlimits.js';
import { applySeccomp, preloadSeccomp, seccompMode, type SeccompMode } from './seccomp.js';
import { roleRow, type RlimitName, type RoleRow } from './roles.js';

/** Exit code of a daemon that could not confine itself. */
export const EXIT_NOT_CONFINED = 1;

const RLIMIT_NUMBERS: Readonly<Record<RlimitName, number>> = { RLIMIT_CORE, RLIMIT_NPROC, RLIMIT_NOFILE };

interface PipelineLog { error(message: string): void; warn(message: string): void; debug(level: number, message: string): void }

export interface ConfineOptions {
  /** A row of the role table (roles.ts). */
  role: string;
  log: PipelineLog;
  env: Readonly<Record<string, string | undefined>>;
  /** Overrides the row's default user (-u, ups.conf user =, RUN_AS_USER). */
  user?: string;
  /** Supplementary group names besides the primary one (rows with groups.keep 'primary'). */
  extraGroups?: string[];
  /** The chroot for 'optional' jails (-r), or another directory for a 'required' one. */
  jail?: string;
  /** The value of 'computed' rlimits (upsmon-net's RLIMIT_NOFILE). */
  computed?: Partial<Record<RlimitName, number>>;
  /** Dispatcher only: the shutdown goes through the setuid helper (see RoleRow.noNewPrivs). */
  setuidHelper?: boolean;
  /**
   * Work done as the role's user after the proof and before rlimits and the filter: what the
   * user must own or may do but the policy forbids (a driver binds its socket, so nut owns it,
   * and replaces a duplicate instance; upssched binds PIPEFN). The row's `asUser` says what.
   * A throw or rejection here ends the process like any other step.
   */
  asUser?: () => Promise<void> | void;
}

export interface Confined {
  /** The user the process runs as now, when it was root. */
  account: Account | undefined;
  seccomp: SeccompMode;
  jail: string | undefined;
}

/** The whole pipeline; resolves only when every step succeeded. */
export async function confine(o: ConfineOptions): Promise<Confined> {
  const row = lookupRow(o);
  const root = isRoot();
  const mode = seccompMode(o.env, root);
  const die: (step: string, err: unknown) => never = (step, err) =>
    fatal(o.log, `${row.name}: cannot confine (${step}): ${err instanceof Error ? err.message : String(err)}; exiting`, EXIT_NOT_CONFINED);
  // The caller's own start-up (a driver's first reads, a socket it binds) failing is not a
  // confinement failure: its message is the daemon's, as NUT words it; the exit is the same.
  const startupFailed = (err: unknown): never => fatal(o.log, `Error: ${err instanceof Error ? err.message : String(err)}`, EXIT_NOT_CONFINED);

  // As root the filter is on unless HARDNUT_SECCOMP says otherwise (a debugging and profiling
  // knob, scripts/seccomp-profile*.mjs): say so at every start, so that it cannot stay set unseen.
  if (root && mode !== 'enforce') {
    o.log.warn(`${row.name}: HARDNUT_SECCOMP=${mode}: this process's system calls are ${mode === 'off' ? 'not filtered' : 'only logged, never refused'}; unset HARDNUT_SECCOMP outside debugging`);
  }
  // 1. everything loaded now: after the chroot no module can be found, after seccomp none opened
  try { loadNatives(row, root, mode); } catch (err) { die('loading native libraries', err); }
  if (!root) {
    try { await o.asUser?.(); } catch (err) { startupFailed(err); }
    try { if (mode !== 'off') applySeccomp(row.seccomp, { mode }); } catch (err) { die('seccomp', err); }
    o.log.debug(1, `${row.name}: not root: no privilege drop; seccomp ${mode}`);
    return { account: undefined, seccomp: mode, jail: undefined };
  }

  let who: { account: Account; groups: number[]; jail: string | undefined } | undefined;
  try { who = resolveIdentity(row, o); } catch (err) { die('resolving user, groups and jail', err); }
  const { account, groups, jail } = who;

  // 2. no controlling terminal: a confined process must not TIOCSTI into root's shell (issue #19)
  try { leaveTerminal(); } catch (err) { die('leaving the controlling terminal', err); }

  const helperFirst = row.noNewPrivs === 'unless-setuid-helper' && o.setuidHelper === true;
  // The dispatcher with the setuid helper: filter loaded while root, without no_new_privs.
  if (helperFirst && mode !== 'off') {
    try { applySeccomp(row.seccomp, { mode, noNewPrivs: false }); } catch (err) { die('seccomp', err); }
  }
  // 3. chroot, 4. ids, 5. proof
  try {
    if (jail !== undefined) { chroot(jail); process.chdir('/'); }
  } catch (err) { die(`chroot ${jail ?? ''}`, err); }
  try { dropIds(account, groups); } catch (err) { die('dropping privileges', err); }
  try { if (account.uid !== 0) assertRootIsGone(); } catch (err) { die('proving root is gone', err); }
  try { await o.asUser?.(); } catch (err) { startupFailed(err); }
  // 6. rlimits
  try { applyRlimits(row, o.computed ?? {}); } catch (err) { die('rlimits', err); }
  // 7. no_new_privs, 8. seccomp with TSYNC
  if (!helperFirst) {
    try { setNoNewPrivs(); } catch (err) { die('no_new_privs', err); }
    try { if (mode !== 'off') applySeccomp(row.seccomp, { mode }); } catch (err) { die('seccomp', err); }
  }
  o.log.debug(1, `${row.name}: confined as ${account.name} (uid ${account.uid}, gid ${account.gid}, groups ${groups.join(',') || 'none'})${jail !== undefined ? `, chroot ${jail}` : ''}, seccomp ${row.seccomp} (${mode})`);
  return { account, seccomp: mode, jail };
}

function lookupRow(o: ConfineOptions): RoleRow {
  try { return roleRow(o.role); } catch (err) {
    return fatal(o.log, `${o.role}: cannot confine: ${(err as Error).message}; exiting`, EXIT_NOT_CONFINED);
  }
}

function loadNatives(row: RoleRow, root: boolean, mode: SeccompMode): void {
  // The local time zone, now: ICU detects it on the first local-time call by reading
  // /etc/localtime and resolving links (readlink), which no policy allows and a chroot hides.
  // upslog's %TIME …% (its default format) was killed by SIGSYS at its first line without it.
  new Date().getTimezoneOffset();
  for (const lib of row.natives) {
    if (lib === 'koffi' || lib === 'libc') { if (root) preloadLibc(); }
    else if (lib === 'rlimits') { if (root) preloadRlimits(); }
    else if (mode !== 'off') preloadSeccomp();
  }
}

function resolveIdentity(row: RoleRow, o: ConfineOptions): { account: Account; groups: number[]; jail: string | undefined } {
  const name = o.user ?? row.user.default;
  const missing = o.user === undefined ? row.user.missing : undefined;
  const account = lookupUser(name) ?? (missing !== undefined ? { name, ...missing } : undefined);
  if (!account) throw new PrivilegeError(`user ${name} not found`);
  const groups = resolveGroups(row, account, o.extraGroups ?? []);
  const jail = jailOf(row, o.jail);
  if (jail !== undefined) checkJail(jail, row.jail.kind === 'required');
  checkInstallReadable(process.argv[1], account, groups);
  return { account, groups, jail };
}

function resolveGroups(row: RoleRow, account: Account, extra: readonly string[]): number[] {
  if (row.groups.keep === 'none') return [];
  const out = [account.gid];
  for (const name of extra) {
    const gid = lookupGroup(name);
    if (gid === undefined) throw new PrivilegeError(`group ${name} not found`);
    if (!out.includes(gid)) out.push(gid);
  }
  return out;
}

function jailOf(row: RoleRow, given: string | undefined): string | undefined {
  switch (row.jail.kind) {
    case 'none':
      if (given !== undefined) throw new PrivilegeError(`role ${row.name} has no jail`);
      return undefined;
    case 'optional': return given;
    case 'required': return given ?? row.jail.default;
  }
}

export class JailError extends PrivilegeError {}

/**
 * Root never follows a path another user can write: the jail and every directory above it are
 * owned by root and not writable by group or others, and the path has no symlink. A required
 * jail (upsmon-net) is created if missing and must be empty.
 */
export function checkJail(dir: string, required: boolean): void {
  if (required) mkdirSync(dir, { recursive: true, mode: 0o755 });
  let st;
  try { st = lstatSync(dir); } catch (err) { throw new JailError(`jail ${dir}: ${(err as Error).message}`); }
  if (!st.isDirectory()) throw new JailError(`jail ${dir}: not a directory`);
  if (realpathSync(dir) !== dir) throw new JailError(`jail ${dir}: the path goes through a symlink (give the real path)`);
  const why = unsafeWhy(dir, { createIn: true });
  if (why !== undefined) throw new JailError(`jail ${dir}: ${why}`);
  if (required && readdirSync(dir).length > 0) throw new JailError(`jail ${dir}: not empty`);
}

/**
 * Fails at start, not in the outage: the program must be readable by the role's user, or what
 * the process runs after the drop (a NOTIFYCMD of ours such as upssched, a background restart by
 * the service manager as that user) fails hours later. Checked from the mode bits of every
 * directory on the way (root's own access() would always say yes).
 */
export function checkInstallReadable(program: string | undefined, account: Account, groups: readonly number[]): void {
  if (program === undefined) return;
  const gids = new Set([account.gid, ...groups]);
  const allowed = (path: string, bit: number): boolean => {
    const s = statSync(path);
    if (account.uid === 0) return true;
    if (s.uid === account.uid) return (s.mode & (bit << 6)) !== 0;
    if (gids.has(s.gid)) return (s.mode & (bit << 3)) !== 0;
    return (s.mode & bit) !== 0;
  };
  const real = realpathSync(program);
  for (let d = dirname(real); ; d = dirname(d)) {
    if (!allowed(d, 1)) throw new PrivilegeError(`${account.name} cannot reach ${real}: no search permission on ${d}`);
    if (d === '/') break;
  }
  if (!allowed(real, 4)) throw new PrivilegeError(`${account.name} cannot read ${real}`);
}

/** tty_nr of /proc/self/stat: 0 when the process has no controlling terminal. */
export function controllingTty(): number {
  const stat = readFileSync('/proc/self/stat', 'latin1');
  // the command name (field 2) may hold spaces and parentheses: count from the last ')'
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[4]);
}

/**
 * No controlling terminal afterwards. TIOCNOTTY on /dev/tty first: it detaches a process that
 * is not a session leader, and keeps it in its process group, so Ctrl-C in the foreground still
 * reaches it. Else setsid() (fails for a group leader). Proven from /proc/self/stat.
 */
function leaveTerminal(): void {
  if (controllingTty() === 0) return;
  let fd: number | undefined;
  try {
    fd = openSync('/dev/tty', constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
    detachTerminal(fd);
  } catch {
    setsid();
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  const left = controllingTty();
  if (left !== 0) throw new PrivilegeError(`still attached to terminal ${left}`);
}

interface PosixIds {
  setgroups: (groups: number[]) => void;
  setgid: (id: number) => void;
  setuid: (id: number) => void;
}

function posix(): PosixIds {
  const { setgroups, setgid, setuid } = process;
  if (!setgroups || !setgid || !setuid) throw new PrivilegeError('this platform cannot change user or group ids');
  return { setgroups, setgid, setuid };
}

/** setgroups, setgid, setuid: the only place in hardnut that changes ids. */
function dropIds(account: Account, groups: number[]): void {
  const { setgroups, setgid, setuid } = posix();
  setgroups(groups);
  setgid(account.gid);
  setuid(account.uid);
}

/**
 * The drop alone, for the death-test harnesses (test/sandbox) that then load a policy the table
 * has no row for: setgroups, setgid, setuid, then the proof. Daemons use confine().
 */
export function dropToUser(account: Account, groups: number[] = []): void {
  dropIds(account, groups);
  if (account.uid !== 0) assertRootIsGone();
}

/** Proves the drop: setuid(0) and setgid(0) must both fail now. */
function assertRootIsGone(): void {
  const { setgid, setuid } = posix();
  for (const [what, fn] of [['setuid', () => setuid(0)], ['setgid', () => setgid(0)]] as const) {
    let regained = true;
    try { fn(); } catch { regained = false; }
    if (regained) throw new PrivilegeError(`${what}(0) succeeded after dropping privileges`);
  }
  if (process.getuid?.() === 0 || process.geteuid?.() === 0) throw new PrivilegeError('still uid 0 after the drop');
}

function applyRlimits(row: RoleRow, computed: Partial<Record<RlimitName, number>>): void {
  for (const r of row.rlimits) {
    const value = r.value === 'computed' ? computed[r.resource] : r.value;
    if (value === undefined) throw new PrivilegeError(`${r.resource}: no value computed by the caller`);
    setRlimit(RLIMIT_NUMBERS[r.resource], value);
  }
}
