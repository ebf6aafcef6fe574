// upsd.users reader (spec §4.3). Pure: bytes in, typed value and diagnostics out.
// These are upsd's own accounts (what upsmon's MONITOR line and upscmd/upsrw log in with), not
// operating-system users. No password ever appears in a diagnostic.
//
// Shapes, in the order NUT's user.c tries them:
//   user …              old file format: ignored
//   key=value …         one word holding '=' (escaped/quoted), further words are more values
//   [name]              starts a user section; a duplicate name is ignored
//   upsmon <type>       without '='
//   key = value …       each further word is applied as another value
// Keys are case-insensitive; usernames and passwords are case-sensitive.

import { DiagnosticList, tokenizeConfig, closest } from './diagnostics.js';
import type { ConfigResult } from './diagnostics.js';

export type UpsmonRole = 'primary' | 'secondary';

export interface UpsdUser {
  name: string;
  line: number;
  password?: string;
  /** As written (NUT compares them case-insensitively). */
  actions: string[];
  /** As written, duplicates (case-insensitive) dropped; `all` grants every command. */
  instcmds: string[];
  upsmon?: UpsmonRole;
}

export interface UpsdUsers { users: UpsdUser[] }

/** Actions upsd checks (§2.3): SET, FSD, LOGIN and PRIMARY/MASTER; anything else does nothing. */
export const KNOWN_ACTIONS = ['SET', 'FSD', 'LOGIN', 'MASTER', 'PRIMARY'] as const;

/**
 * What the user may do, upper-case: the `actions` plus what `upsmon` implies (NUT's
 * set_upsmon_type: primary = LOGIN MASTER FSD, secondary = LOGIN).
 */
export function effectiveActions(user: UpsdUser): Set<string> {
  const out = new Set(user.actions.map((a) => a.toUpperCase()));
  if (user.upsmon === 'primary') { out.add('LOGIN'); out.add('MASTER'); out.add('FSD'); }
  if (user.upsmon === 'secondary') out.add('LOGIN');
  return out;
}

/** Usernames are case-sensitive (§1.6). */
export function findUser(users: UpsdUsers, name: string): UpsdUser | undefined {
  return users.users.find((u) => u.name === name);
}

const KEYS = ['password', 'instcmds', 'actions', 'upsmon', 'allowfrom'];

interface State { current: UpsdUser | null; ignoringDuplicate: boolean }

export function parseUpsdUsers(input: Uint8Array | string, file: string): ConfigResult<UpsdUsers> {
  const diags = new DiagnosticList(file);
  const lines = tokenizeConfig(input, diags);
  const result: UpsdUsers = { users: [] };
  const st: State = { current: null, ignoringDuplicate: false };
  const upsmonLine = new Map<UpsdUser, number>();

  const setUpsmon = (type: string, line: number): void => {
    const u = target(line, 'upsmon');
    if (!u) return;
    const t = type.toLowerCase();
    const role: UpsmonRole | undefined = t === 'primary' || t === 'master' ? 'primary'
      : t === 'secondary' || t === 'slave' ? 'secondary' : undefined;
    if (!role) {
      diags.error(line, `unknown upsmon type for user [${u.name}]; NUT grants nothing for it`,
        'write upsmon primary (the system that shuts the UPS down) or upsmon secondary');
      return;
    }
    if (u.upsmon && u.upsmon !== role) {
      diags.warning(line, `user [${u.name}] is given both upsmon primary and upsmon secondary (line ${String(upsmonLine.get(u))}); primary rights win`,
        'keep one upsmon line per user');
    }
    if (u.upsmon !== 'primary') u.upsmon = role;
    upsmonLine.set(u, line);
  };

  /** The user a setting applies to, or null (with a warning) outside a usable section. */
  const target = (line: number, what: string): UpsdUser | null => {
    if (st.ignoringDuplicate) return null;
    if (!st.current) {
      diags.warning(line, `${what} outside any [user] section is ignored`,
        'put it below a section header naming the user, e.g. [monuser]');
      return null;
    }
    return st.current;
  };

  const setVar = (key: string, values: string[], line: number): void => {
    const k = key.toLowerCase();
    if (k === 'password') {
      const u = target(line, 'password');
      if (!u) return;
      if (values.length > 1) {
        diags.warning(line, `the password for [${u.name}] is more than one word; NUT keeps only the first`,
          'put the whole password in double quotes');
      }
      if (u.password !== undefined) {
        diags.warning(line, `duplicate password for [${u.name}]; the first one is used`, 'remove the extra password line');
        return;
      }
      u.password = values[0] as string;
      return;
    }
    if (k === 'instcmds') {
      const u = target(line, 'instcmds');
      if (!u) return;
      for (const v of values) if (!u.instcmds.some((c) => c.toLowerCase() === v.toLowerCase())) u.instcmds.push(v);
      return;
    }
    if (k === 'actions') {
      const u = target(line, 'actions');
      if (!u) return;
      for (const v of values) {
        if (!(KNOWN_ACTIONS as readonly string[]).includes(v.toUpperCase())) {
          diags.warning(line, `action '${printable(v)}' for [${u.name}] has no effect`,
            `upsd checks only ${KNOWN_ACTIONS.join(', ')}; for upsmon rights write upsmon primary or upsmon secondary`);
        }
        u.actions.push(v);
      }
      return;
    }
    if (k === 'allowfrom') {
      diags.warning(line, 'allowfrom in upsd.users is no longer used',
        'remove it; limit who can reach upsd with LISTEN in upsd.conf and a firewall');
      return;
    }
    if (k === 'upsmon') {
      for (const v of values) setUpsmon(v, line);
      return;
    }
    const guess = closest(key, KEYS);
    // the key is echoed only when it is a near miss of a real one: else it may be a wrapped password
    diags.warning(line, `unrecognized user setting${guess && /^[A-Za-z_][A-Za-z0-9_]{0,31}$/.test(key) ? ` '${key}'` : ''}; NUT ignores it`,
      guess ? `did you mean ${guess}?` : `settings are ${KEYS.slice(0, 4).join(', ')}`);
  };

  for (const { args, line } of lines) {
    const first = args[0] as string;
    if (first.toLowerCase() === 'user') {
      diags.warning(line, "old-format 'user' line ignored",
        'convert it to a [username] section with password, actions, instcmds and upsmon lines');
      continue;
    }
    const eq = first.indexOf('=');
    if (eq >= 0) {
      const key = first.slice(0, eq);
      setVar(key, [first.slice(eq + 1), ...args.slice(1)], line);
      continue;
    }
    if (first.startsWith('[') && first.endsWith(']') && first.length >= 2) {
      openSection(first.slice(1, -1), line, args.length);
      continue;
    }
    if (first.startsWith('[')) {
      diags.error(line, 'malformed section header: a username is one word in square brackets',
        'write [username] with no spaces, e.g. [monuser]');
      continue;
    }
    if (args.length < 2) {
      // Never echo it: a lone word in this file is often a misplaced password.
      diags.warning(line, 'a single word is not a setting; NUT ignores this line', 'write key = value, e.g. password = "…"');
      continue;
    }
    if (first.toLowerCase() === 'upsmon') {
      // NUT also feeds an `=` here to set_upsmon_type (a spurious "Unknown upsmon type ="); we don't.
      if (args[1] !== '=') {
        setUpsmon(args[1] as string, line);
        if (args.length > 2) diags.warning(line, 'extra words after upsmon <type> are ignored', 'write upsmon primary or upsmon secondary');
        continue;
      }
    }
    if (args.length >= 3 && args[1] === '=') {
      setVar(first, args.slice(2), line);
      continue;
    }
    diags.warning(line, `line ignored: expected key = value${KEYS.includes(first.toLowerCase()) ? ` after ${first}` : ''}`,
      KEYS.includes(first.toLowerCase()) ? `write ${first} = …` : 'write key = value, e.g. actions = SET');
  }

  for (const u of result.users) {
    if (u.password === undefined) {
      diags.warning(u.line, `user [${u.name}] has no password and can never log in`, 'add password = "…" to the section');
    } else if (u.actions.length === 0 && u.instcmds.length === 0 && u.upsmon === undefined) {
      diags.warning(u.line, `user [${u.name}] has no actions, instcmds or upsmon line: it may do nothing an anonymous client cannot`,
        'add upsmon primary|secondary for upsmon, or actions/instcmds for upscmd and upsrw');
    }
  }
  return { value: result, diagnostics: diags.sorted() };

  function openSection(name: string, line: number, nargs: number): void {
    if (nargs > 1) diags.warning(line, `words after the section header [${printable(name)}] are ignored`, 'put each setting on its own line');
    if (name === '') {
      diags.error(line, 'empty username []', 'give the user a name, e.g. [monuser]');
      st.current = null;
      st.ignoringDuplicate = true;
      return;
    }
    const prior = result.users.find((u) => u.name === name);
    if (prior) {
      // NUT ignores the header but keeps adding the following lines to the user before it; we
      // drop them instead, so no setting lands on the wrong account.
      diags.warning(line, `duplicate user [${printable(name)}] (first defined at line ${String(prior.line)}); this section is ignored`,
        'merge the two sections into one');
      st.current = null;
      st.ignoringDuplicate = true;
      return;
    }
    const u: UpsdUser = { name, line, actions: [], instcmds: [] };
    result.users.push(u);
    st.current = u;
    st.ignoringDuplicate = false;
  }
}

function printable(s: string): string {
  return s.length > 64 ? `${s.slice(0, 61)}...` : s;
}
