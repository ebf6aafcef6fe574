// upsd.users permission checks (spec §2.2, §4.3), over what parseUpsdUsers read.
//
// NUT compares credentials only when a command needs a permission (LOGIN, PRIMARY/MASTER, FSD,
// SET, INSTCMD): the user is found by exact name, the password must match exactly, then the action
// (or instant command) must be granted. A user without a password never matches.
//
// hardnut difference: passwords are compared in constant time (SHA-256 of both, then
// timingSafeEqual on the equal-length digests), and an unknown user costs the same comparison, so
// response time tells nothing about the password or whether the user exists. NUT uses strcmp.

import { createHash, timingSafeEqual } from 'node:crypto';
import { effectiveActions, type UpsdUser, type UpsdUsers } from '../core/config/upsd-users.js';

/** The outcome of a permission check; the caller replies ACCESS-DENIED for anything but 'ok'. */
export type CheckResult = 'ok' | 'bad-credentials' | 'not-granted';

interface CompiledUser {
  digest: Buffer;
  /** Upper-case action names, upsmon-implied ones included. */
  actions: ReadonlySet<string>;
  /** Lower-case instant-command names; 'all' grants every command. */
  instcmds: ReadonlySet<string>;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'latin1').digest();
}

/** Compared against when the user is unknown, so that path costs the same. */
const DUMMY_DIGEST = digest('\u0000hardnut: no such user\u0000');

export class UserDb {
  private readonly users = new Map<string, CompiledUser>();

  constructor(conf: UpsdUsers) {
    for (const u of conf.users) {
      // NUT skips users without a password; the first section of a name wins (duplicates ignored).
      if (u.password === undefined || this.users.has(u.name)) continue;
      this.users.set(u.name, compile(u, u.password));
    }
  }

  get size(): number {
    return this.users.size;
  }

  /** NUT's user_checkaction; `action` is compared case-insensitively. */
  checkAction(username: string | undefined, password: string | undefined, action: string): CheckResult {
    const u = this.authenticate(username, password);
    if (u === undefined) return 'bad-credentials';
    return u.actions.has(action.toUpperCase()) ? 'ok' : 'not-granted';
  }

  /** NUT's user_checkinstcmd: the command, or `all`, among the user's instcmds (case-insensitive). */
  checkInstcmd(username: string | undefined, password: string | undefined, cmd: string): CheckResult {
    const u = this.authenticate(username, password);
    if (u === undefined) return 'bad-credentials';
    return u.instcmds.has(cmd.toLowerCase()) || u.instcmds.has('all') ? 'ok' : 'not-granted';
  }

  private authenticate(username: string | undefined, password: string | undefined): CompiledUser | undefined {
    if (username === undefined || password === undefined) return undefined;
    const u = this.users.get(username);
    const given = digest(password);
    const match = timingSafeEqual(given, u ? u.digest : DUMMY_DIGEST);
    return u !== undefined && match ? u : undefined;
  }
}

function compile(u: UpsdUser, password: string): CompiledUser {
  return {
    digest: digest(password),
    actions: effectiveActions(u),
    instcmds: new Set(u.instcmds.map((c) => c.toLowerCase())),
  };
}
