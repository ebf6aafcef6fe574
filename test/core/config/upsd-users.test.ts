import { describe, it, expect } from 'vitest';
import { parseUpsdUsers, effectiveActions, findUser } from '../../../src/core/config/upsd-users.js';
import type { Diagnostic } from '../../../src/core/config/diagnostics.js';

const F = '/etc/nut/upsd.users';
const errors = (ds: Diagnostic[]): Diagnostic[] => ds.filter((d) => d.severity === 'error');
const warnings = (ds: Diagnostic[]): Diagnostic[] => ds.filter((d) => d.severity === 'warning');

describe('parseUpsdUsers', () => {
  it('reads users, passwords, actions, instcmds and upsmon roles', () => {
    const r = parseUpsdUsers([
      '[admin]', '  password = "adm pass"', '  actions = SET FSD', '  instcmds = all', '',
      '[mon]', '  password = p1', '  upsmon master', '',
      '[sec]', '  password=p2', '  upsmon = slave',
      '[cmd]', '  password = p3', '  instcmds = test.battery.start', '  instcmds = beeper.toggle TEST.BATTERY.START',
    ].join('\n') + '\n', F);
    expect(r.diagnostics).toEqual([]);
    expect(r.value.users).toEqual([
      { name: 'admin', line: 1, password: 'adm pass', actions: ['SET', 'FSD'], instcmds: ['all'] },
      { name: 'mon', line: 6, password: 'p1', actions: [], instcmds: [], upsmon: 'primary' },
      { name: 'sec', line: 10, password: 'p2', actions: [], instcmds: [], upsmon: 'secondary' },
      { name: 'cmd', line: 13, password: 'p3', actions: [], instcmds: ['test.battery.start', 'beeper.toggle'] },
    ]);
  });

  it('effectiveActions adds what upsmon implies; findUser is case-sensitive', () => {
    const r = parseUpsdUsers('[mon]\npassword = x\nupsmon primary\n[s]\npassword = y\nupsmon secondary\nactions = set\n', F);
    const mon = findUser(r.value, 'mon');
    expect(mon && [...effectiveActions(mon)].sort()).toEqual(['FSD', 'LOGIN', 'MASTER']);
    const s = findUser(r.value, 's');
    expect(s && [...effectiveActions(s)].sort()).toEqual(['LOGIN', 'SET']);
    expect(findUser(r.value, 'MON')).toBeUndefined();
  });

  it('first password wins, duplicates warn', () => {
    const r = parseUpsdUsers('[u]\npassword = first\npassword = second\nupsmon primary\n', F);
    expect(r.value.users[0]?.password).toBe('first');
    expect(warnings(r.diagnostics)[0]).toMatchObject({ line: 3 });
    expect(warnings(r.diagnostics)[0]?.message).toMatch(/duplicate password for \[u\]/);
  });

  it('a multi-word unquoted password keeps the first word, warns to quote', () => {
    const r = parseUpsdUsers('[u]\npassword = correct horse\nupsmon primary\n', F);
    expect(r.value.users[0]?.password).toBe('correct');
    expect(warnings(r.diagnostics)[0]?.hint).toMatch(/double quotes/);
  });

  it('duplicate sections are ignored with a warning, and their settings go nowhere', () => {
    const r = parseUpsdUsers('[a]\npassword = pa\nupsmon secondary\n[b]\npassword = pb\nupsmon secondary\n[a]\nupsmon primary\nactions = SET\n', F);
    expect(r.value.users).toHaveLength(2);
    expect(warnings(r.diagnostics)[0]).toMatchObject({ line: 7 });
    expect(warnings(r.diagnostics)[0]?.message).toMatch(/duplicate user \[a\]/);
    expect(r.value.users[0]?.upsmon).toBe('secondary');
    expect(r.value.users[1]?.actions).toEqual([]);
  });

  it('usernames are case-sensitive: [A] and [a] are different users', () => {
    const r = parseUpsdUsers('[a]\npassword = x\nupsmon primary\n[A]\npassword = y\nupsmon primary\n', F);
    expect(r.value.users.map((u) => u.name)).toEqual(['a', 'A']);
    expect(r.diagnostics).toEqual([]);
  });

  it('a user without password can never log in (warning at its header)', () => {
    const r = parseUpsdUsers('[nopw]\nupsmon primary\n', F);
    expect(warnings(r.diagnostics)[0]).toMatchObject({ line: 1 });
    expect(warnings(r.diagnostics)[0]?.message).toMatch(/can never log in/);
  });

  it('allowfrom is obsolete (warning); old "user" lines are ignored (warning)', () => {
    const r = parseUpsdUsers('[u]\npassword = x\nallowfrom = localhost\nupsmon primary\nuser x y\n', F);
    const w = warnings(r.diagnostics);
    expect(w.map((d) => d.line)).toEqual([3, 5]);
    expect(w[0]?.message).toMatch(/allowfrom/);
  });

  it('unknown upsmon type is an error; unknown actions and settings warn', () => {
    const r = parseUpsdUsers('[u]\npassword = x\nupsmon primay\nactions = SETT\npasword = y\n', F);
    expect(errors(r.diagnostics)[0]).toMatchObject({ line: 3 });
    expect(errors(r.diagnostics)[0]?.hint).toMatch(/upsmon primary/);
    const w = warnings(r.diagnostics);
    expect(w[0]).toMatchObject({ line: 4 });
    expect(w[1]).toMatchObject({ line: 5 });
    expect(w[1]?.hint).toBe('did you mean password?');
  });

  it('settings before any section are ignored with a warning', () => {
    const r = parseUpsdUsers('password = x\nupsmon primary\n[u]\npassword = y\nupsmon primary\n', F);
    expect(warnings(r.diagnostics).map((d) => d.line)).toEqual([1, 2]);
    expect(r.value.users[0]?.password).toBe('y');
  });

  it('NEVER puts a password into a diagnostic', () => {
    const text = [
      'password = TopSecret1', // outside a section
      '[u]', 'password = TopSecret2 TopSecret3', 'password = TopSecret4', 'TopSecret5',
      'pasword = TopSecret6', 'TopSecret7 TopSecret8', '[u]', 'password = TopSecret9',
    ].join('\n') + '\n';
    const r = parseUpsdUsers(text, F);
    expect(r.diagnostics.length).toBeGreaterThanOrEqual(6);
    expect(JSON.stringify(r.diagnostics)).not.toMatch(/TopSecret/);
  });
});
