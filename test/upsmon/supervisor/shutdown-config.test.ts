// The shutdown configured in upsmon.conf (issue 20 item 7): SHUTDOWNCMD naming hardnut's helper,
// SHUTDOWNMETHOD, SHUTDOWNHELPER, SHUTDOWNSOCKET, INTENTKEY and INITCTL are read by upsmon's own
// config reader (bad values: file:line), and one decision (shutdown-method.ts) turns them, and the
// environment that may still override them (with a warning naming the override), into the method
// upsmon uses and the reason `config check` prints.
import { describe, expect, it } from 'vitest';
import { parseUpsmonConf } from '../../../src/core/config/upsmon-conf.js';
import { formatDiagnostic } from '../../../src/core/config/diagnostics.js';
import { ConfigError } from '../../../src/core/errors.js';
import {
  DEFAULT_INTENT_KEY, DEFAULT_SHUTDOWN_HELPER, DEFAULT_SHUTDOWN_SOCKET, describeDecision, planAccessProblem, selectShutdownPlan, shutdownSettingsKey, ShutdownMethodError, type PathProbe,
} from '../../../src/upsmon/supervisor/shutdown-method.js';

const FILE = '/etc/nut/upsmon.conf';
const MONITOR = 'MONITOR u@localhost 1 mon "Pw-Secret-51" primary';
const read = (...lines: string[]) => parseUpsmonConf([MONITOR, ...lines, ''].join('\n'), FILE);
/** The lines read without errors (the decision's input). */
const conf = (...lines: string[]) => {
  const r = read(...lines);
  expect(r.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic)).toEqual([]);
  return r.value;
};
const probe = (sockets: string[], helpers: string[]): PathProbe => ({ isSocket: (p) => sockets.includes(p), isExecutable: (p) => helpers.includes(p) });
const nothing = probe([], []);
const everything = probe([DEFAULT_SHUTDOWN_SOCKET], [DEFAULT_SHUTDOWN_HELPER, '/usr/lib/hardnut/upsshutdown', '/opt/h/upsshutdown']);

describe('upsmon.conf shutdown directives: the reader', () => {
  it('reads each directive with its line; the shutdown directives are not "invalid"', () => {
    const r = read('SHUTDOWNMETHOD helper', 'SHUTDOWNHELPER /opt/h/upsshutdown', 'SHUTDOWNSOCKET /run/x.sock', 'INTENTKEY /etc/k', 'INITCTL /run/initctl', 'SHUTDOWNCMD "/sbin/shutdown -h +0"');
    expect(r.diagnostics.map(formatDiagnostic).join('\n')).not.toMatch(/invalid directive|SHUTDOWN.*error/);
    expect(r.value.shutdown).toEqual({
      method: { value: 'helper', line: 2 }, helper: { value: '/opt/h/upsshutdown', line: 3 }, socket: { value: '/run/x.sock', line: 4 },
      intentKey: { value: '/etc/k', line: 5 }, initctl: { value: '/run/initctl', line: 6 }, cmdLine: 7,
    });
  });

  it('a method that is not one, or a path that is not absolute: error at file:line, upsmon refuses to start', () => {
    const r = read('SHUTDOWNMETHOD shell', 'SHUTDOWNHELPER upsshutdown', 'INTENTKEY ./key', 'SHUTDOWNMETHOD');
    const text = r.diagnostics.map(formatDiagnostic).join('\n');
    expect(text).toContain(`${FILE}:2: error: SHUTDOWNMETHOD 'shell' is not a shutdown method: upsmon refuses to start`);
    expect(text).toContain('hint: write one of SHUTDOWNMETHOD helper|socket|initctl|command');
    expect(text).toContain(`${FILE}:3: error: SHUTDOWNHELPER needs an absolute path`);
    expect(text).toContain(`${FILE}:4: error: INTENTKEY needs an absolute path`);
    expect(text).toContain(`${FILE}:5: error: SHUTDOWNMETHOD needs a value`);
    expect(r.value.shutdown?.method).toBeUndefined();
  });

  it('no SHUTDOWNCMD is only worth a warning when the method would run it', () => {
    expect(read().diagnostics.map(formatDiagnostic).join('\n')).toContain('no SHUTDOWNCMD');
    expect(read('SHUTDOWNMETHOD socket').diagnostics.map(formatDiagnostic).join('\n')).not.toContain('no SHUTDOWNCMD');
  });
});

describe('the decision: method and reason from upsmon.conf and the environment', () => {
  it('SHUTDOWNCMD naming the helper: that helper, with the reason naming file:line', () => {
    const s = selectShutdownPlan(conf('SHUTDOWNCMD "/usr/lib/hardnut/upsshutdown poweroff"'), {}, true, everything, FILE);
    expect(s.plan).toEqual({ kind: 'helper', path: '/usr/lib/hardnut/upsshutdown', keyPath: DEFAULT_INTENT_KEY });
    expect(describeDecision(s)).toBe(`shutdown: helper /usr/lib/hardnut/upsshutdown (SHUTDOWNCMD names hardnut's helper, ${FILE}:2)`);
    expect(s.warnings).toEqual([]);
    expect(s.origins.path).toEqual({ line: 2, label: `SHUTDOWNCMD, ${FILE}:2` });
  });

  it('each SHUTDOWNMETHOD, with its path directives', () => {
    const helper = selectShutdownPlan(conf('SHUTDOWNMETHOD helper', 'SHUTDOWNHELPER /opt/h/upsshutdown', 'INTENTKEY /etc/k'), {}, true, nothing, FILE);
    expect(helper.plan).toEqual({ kind: 'helper', path: '/opt/h/upsshutdown', keyPath: '/etc/k' });
    expect(helper.reason).toBe(`SHUTDOWNMETHOD helper, ${FILE}:2`);
    expect(helper.origins).toEqual({ path: { line: 3, label: `SHUTDOWNHELPER, ${FILE}:3` }, key: { line: 4, label: `INTENTKEY, ${FILE}:4` } });
    // the socket even though a helper is installed and SHUTDOWNCMD is an ordinary command (said so)
    const socket = selectShutdownPlan(conf('SHUTDOWNMETHOD socket', 'SHUTDOWNSOCKET /run/s.sock', 'SHUTDOWNCMD "/sbin/shutdown -h +0"'), {}, true, everything, FILE);
    expect(socket.plan).toEqual({ kind: 'socket', path: '/run/s.sock', keyPath: DEFAULT_INTENT_KEY });
    expect(socket.warnings.join('\n')).toMatch(/SHUTDOWNCMD is not used: the shutdown goes to \/run\/s\.sock/);
    const initctl = selectShutdownPlan(conf('SHUTDOWNMETHOD initctl', 'INITCTL /dev/initctl'), {}, true, nothing, FILE);
    expect(initctl.plan).toEqual({ kind: 'initctl', path: '/dev/initctl' });
    expect(describeDecision(initctl)).toBe(`shutdown: initctl /dev/initctl (SHUTDOWNMETHOD initctl, ${FILE}:2)`);
    expect(selectShutdownPlan(conf('SHUTDOWNMETHOD initctl'), {}, true, nothing, FILE).plan).toEqual({ kind: 'initctl', path: null });
    const command = selectShutdownPlan(conf('SHUTDOWNMETHOD command', 'SHUTDOWNCMD "/sbin/poweroff"'), {}, true, everything, FILE);
    expect(command.plan).toEqual({ kind: 'command', argv: ['/sbin/poweroff'] });
    expect(command.warnings.join('\n')).toContain(`SHUTDOWNMETHOD command, ${FILE}:2: SHUTDOWNCMD runs as the dispatcher's user, not as root`);
  });

  it('no directive: socket, then helper, found on this host; the reason says so', () => {
    expect(describeDecision(selectShutdownPlan(conf(), {}, true, everything, FILE))).toBe(
      `shutdown: socket ${DEFAULT_SHUTDOWN_SOCKET} (no SHUTDOWNMETHOD; hardnut-shutdown.socket's socket is there, path from the default)`);
    expect(selectShutdownPlan(conf(), {}, true, probe([], [DEFAULT_SHUTDOWN_HELPER]), FILE).reason).toMatch(/the helper is installed, path from the default$/);
    const err = (() => { try { selectShutdownPlan(conf(), {}, true, nothing, FILE); } catch (e) { return e as Error; } return undefined; })();
    expect(err).toBeInstanceOf(ShutdownMethodError);
    for (const way of ['hardnut-shutdown.socket', 'SHUTDOWNCMD "<helper path> poweroff"', 'SHUTDOWNMETHOD initctl', 'SHUTDOWNMETHOD command', FILE]) expect(err?.message).toContain(way);
    // without root there is nothing to hand over to: SHUTDOWNCMD as an argv, and why
    const user = selectShutdownPlan(conf('SHUTDOWNCMD "/usr/lib/hardnut/upsshutdown poweroff"'), {}, false, everything, FILE);
    expect(user.plan.kind).toBe('command');
    expect(user.reason).toMatch(/not started as root/);
  });

  it('the environment overrides the file, each override warned with what it replaced', () => {
    const c = conf('SHUTDOWNMETHOD helper', 'SHUTDOWNHELPER /opt/h/upsshutdown', 'INTENTKEY /etc/k');
    const s = selectShutdownPlan(c, { HARDNUT_SHUTDOWN_METHOD: 'socket', HARDNUT_SHUTDOWN_SOCKET: '/run/e.sock', HARDNUT_INTENT_KEY: '/etc/ek' }, true, nothing, FILE);
    expect(s.plan).toEqual({ kind: 'socket', path: '/run/e.sock', keyPath: '/etc/ek' });
    expect(s.reason).toBe('HARDNUT_SHUTDOWN_METHOD=socket in the environment');
    expect(s.warnings).toContain(`HARDNUT_SHUTDOWN_METHOD=socket in the environment overrides SHUTDOWNMETHOD helper (${FILE}:2); put SHUTDOWNMETHOD in ${FILE} instead`);
    expect(s.warnings).toContain(`HARDNUT_INTENT_KEY=/etc/ek in the environment overrides INTENTKEY /etc/k (${FILE}:4); put INTENTKEY in ${FILE} instead`);
    expect(s.warnings).toContain(`HARDNUT_SHUTDOWN_SOCKET=/run/e.sock in the environment overrides upsmon.conf (no SHUTDOWNSOCKET there); put SHUTDOWNSOCKET in ${FILE} instead`);
    expect(s.origins.key).toEqual({ line: 0, label: 'HARDNUT_INTENT_KEY in the environment' });
    // an empty variable is no override
    const quiet = selectShutdownPlan(c, { HARDNUT_SHUTDOWN_METHOD: '', HARDNUT_SHUTDOWN_HELPER: '' }, true, nothing, FILE);
    expect(quiet.plan).toEqual({ kind: 'helper', path: '/opt/h/upsshutdown', keyPath: '/etc/k' });
    expect(quiet.warnings).toEqual([]);
    // a bad value from the environment names the variable
    expect(() => selectShutdownPlan(c, { HARDNUT_SHUTDOWN_METHOD: 'shell' }, true, nothing, FILE)).toThrow(/HARDNUT_SHUTDOWN_METHOD=shell: use one of .*\(HARDNUT_SHUTDOWN_METHOD in the environment\)/);
  });

  it('what the file chose and cannot work is a ConfigError at its line', () => {
    const at = (lines: string[], p: PathProbe): ConfigError => {
      try { selectShutdownPlan(conf(...lines), {}, true, p, FILE); } catch (e) { if (e instanceof ConfigError) return e; throw e; }
      throw new Error('accepted');
    };
    const missing = at(['SHUTDOWNCMD "/usr/lib/hardnut/upsshutdown poweroff"'], nothing);
    expect([missing.line, missing.code]).toEqual([2, 'ERR_SHUTDOWN_NOT_INSTALLED']);
    expect(missing.message).toBe(`${FILE}:2: SHUTDOWNCMD names the shutdown helper /usr/lib/hardnut/upsshutdown, which is not there or not executable`);
    const action = at(['SHUTDOWNCMD "/usr/lib/hardnut/upsshutdown reboot"'], everything);
    expect(action.message).toMatch(new RegExp(`^${FILE}:2: SHUTDOWNCMD .*takes one action, poweroff`));
    const conflict = at(['SHUTDOWNCMD "/usr/lib/hardnut/upsshutdown poweroff"', 'SHUTDOWNHELPER /opt/h/upsshutdown'], everything);
    expect(conflict.message).toMatch(new RegExp(`^${FILE}:3: SHUTDOWNHELPER /opt/h/upsshutdown is not the helper SHUTDOWNCMD names`));
  });
});

describe('what another user could change is refused (planAccessProblem, before the directory chain)', () => {
  const who = { uid: 100, gids: [101, 102] };
  it('a helper group or others may write runs their code as root; a socket not root\'s may be someone else\'s listener', () => {
    const helper = { kind: 'helper', path: '/opt/h/upsshutdown', keyPath: '/etc/k' } as const;
    expect(planAccessProblem(helper, { uid: 0, gid: 102, mode: 0o104750 }, who)).toBeUndefined();
    expect(planAccessProblem(helper, { uid: 0, gid: 102, mode: 0o104770 }, who)).toMatch(/writable by group or others/);
    const socket = { kind: 'socket', path: '/run/s.sock', keyPath: '/etc/k' } as const;
    expect(planAccessProblem(socket, { uid: 0, gid: 102, mode: 0o140660 }, who)).toBeUndefined();
    expect(planAccessProblem(socket, { uid: 1000, gid: 102, mode: 0o140660 }, who)).toMatch(/not owned by root/);
  });
});

describe('a reload that changes the shutdown directives', () => {
  it('is told apart from one that only moves them (the supervisor warns: restart upsmon)', () => {
    const a = conf('SHUTDOWNMETHOD helper', 'SHUTDOWNHELPER /opt/h/upsshutdown');
    const moved = conf('', 'SHUTDOWNHELPER /opt/h/upsshutdown', 'SHUTDOWNMETHOD helper');
    expect(shutdownSettingsKey(moved)).toBe(shutdownSettingsKey(a));
    expect(shutdownSettingsKey(conf('SHUTDOWNMETHOD socket', 'SHUTDOWNHELPER /opt/h/upsshutdown'))).not.toBe(shutdownSettingsKey(a));
    expect(shutdownSettingsKey(conf('SHUTDOWNMETHOD helper', 'SHUTDOWNHELPER /opt/h2/upsshutdown'))).not.toBe(shutdownSettingsKey(a));
  });
});
