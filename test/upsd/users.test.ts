// upsd.users permission checks (spec §2.2, §4.3).
import { describe, expect, it } from 'vitest';
import { parseUpsdUsers } from '../../src/core/config/upsd-users.js';
import { UserDb } from '../../src/upsd/users.js';

const db = new UserDb(parseUpsdUsers(`
[admin]
  password = "Secret pw"
  actions = set FSD
  instcmds = load.off
  instcmds = Beeper.Enable
[all]
  password = x
  instcmds = all
[mon]
  password = m
  upsmon master
[sec]
  password = s
  upsmon slave
[nopw]
  actions = SET
[admin]
  password = other
  actions = LOGIN
`, 'upsd.users').value);

describe('UserDb', () => {
  it('actions, case-insensitive; password and username exact', () => {
    expect(db.checkAction('admin', 'Secret pw', 'SET')).toBe('ok');
    expect(db.checkAction('admin', 'Secret pw', 'fsd')).toBe('ok');
    expect(db.checkAction('admin', 'Secret pw', 'LOGIN')).toBe('not-granted');
    expect(db.checkAction('admin', 'secret pw', 'SET')).toBe('bad-credentials');
    expect(db.checkAction('Admin', 'Secret pw', 'SET')).toBe('bad-credentials');
    expect(db.checkAction('admin', undefined, 'SET')).toBe('bad-credentials');
    expect(db.checkAction(undefined, 'Secret pw', 'SET')).toBe('bad-credentials');
  });
  it('the first section of a name wins; a user without password never matches', () => {
    expect(db.checkAction('admin', 'other', 'LOGIN')).toBe('bad-credentials');
    expect(db.checkAction('nopw', '', 'SET')).toBe('bad-credentials');
    expect(db.size).toBe(4);
  });
  it('upsmon primary/master: LOGIN MASTER FSD; secondary/slave: LOGIN', () => {
    expect(['LOGIN', 'MASTER', 'FSD', 'PRIMARY', 'SET'].map((a) => db.checkAction('mon', 'm', a))).toEqual(['ok', 'ok', 'ok', 'not-granted', 'not-granted']);
    expect(['LOGIN', 'MASTER', 'FSD'].map((a) => db.checkAction('sec', 's', a))).toEqual(['ok', 'not-granted', 'not-granted']);
  });
  it('instant commands: listed (any case) or all', () => {
    expect(db.checkInstcmd('admin', 'Secret pw', 'LOAD.OFF')).toBe('ok');
    expect(db.checkInstcmd('admin', 'Secret pw', 'beeper.enable')).toBe('ok');
    expect(db.checkInstcmd('admin', 'Secret pw', 'load.on')).toBe('not-granted');
    expect(db.checkInstcmd('all', 'x', 'anything')).toBe('ok');
    expect(db.checkInstcmd('all', 'y', 'anything')).toBe('bad-credentials');
  });
  it('comparison time does not depend on how much of the password is right', () => {
    // a timing test would be flaky; instead: every comparison goes through equal-length digests
    const long = 'S'.repeat(10_000);
    expect(db.checkAction('admin', long, 'SET')).toBe('bad-credentials');
    expect(db.checkAction('nobody', long, 'SET')).toBe('bad-credentials');
  });
});
