// How upsmon picks its way to shut the host down (shutdown-method.ts): never a shell line as
// root; the systemd socket, then the setuid helper; SHUTDOWNCMD as an argv only without root;
// refusal otherwise, naming the choices.
import { describe, it, expect } from 'vitest';
import { selectShutdownPlan, ShutdownMethodError, DEFAULT_INTENT_KEY, DEFAULT_SHUTDOWN_HELPER, DEFAULT_SHUTDOWN_SOCKET } from '../../../src/upsmon/supervisor/shutdown-method.js';

const none = { isSocket: () => false, isExecutable: () => false };
const socketOnly = { isSocket: (p: string) => p === DEFAULT_SHUTDOWN_SOCKET, isExecutable: () => false };
const helperOnly = { isSocket: () => false, isExecutable: (p: string) => p === DEFAULT_SHUTDOWN_HELPER };
const both = { isSocket: socketOnly.isSocket, isExecutable: helperOnly.isExecutable };
const cmd = { shutdownCmd: ['/sbin/shutdown', '-h', '+0'] };

describe('shutdown method', () => {
  it('as root: the systemd socket first, then the setuid helper, each with the intent key; SHUTDOWNCMD unused and said so', () => {
    const s = selectShutdownPlan(cmd, {}, true, both);
    expect(s.plan).toEqual({ kind: 'socket', path: DEFAULT_SHUTDOWN_SOCKET, keyPath: DEFAULT_INTENT_KEY });
    expect(s.warnings.join('\n')).toMatch(/SHUTDOWNCMD is not used/);
    expect(selectShutdownPlan(cmd, {}, true, helperOnly).plan).toEqual({ kind: 'helper', path: DEFAULT_SHUTDOWN_HELPER, keyPath: DEFAULT_INTENT_KEY });
  });

  it('as root with neither: refuses, naming every way out', () => {
    expect(() => selectShutdownPlan(cmd, {}, true, none)).toThrow(ShutdownMethodError);
    try { selectShutdownPlan(cmd, {}, true, none); } catch (err) {
      for (const w of ['hardnut-shutdown.socket', DEFAULT_SHUTDOWN_HELPER, 'SHUTDOWNMETHOD initctl', 'SHUTDOWNMETHOD command']) expect((err as Error).message).toContain(w);
    }
  });

  it('without root: SHUTDOWNCMD as an argv, even when a helper is installed; none without SHUTDOWNCMD (NUT\'s warning)', () => {
    expect(selectShutdownPlan(cmd, {}, false, both).plan).toEqual({ kind: 'command', argv: ['/sbin/shutdown', '-h', '+0'] });
    const n = selectShutdownPlan({}, {}, false, none);
    expect(n.plan).toEqual({ kind: 'none' });
    expect(n.warnings).toContain('Warning: no shutdown command defined!');
  });

  it('HARDNUT_SHUTDOWN_METHOD forces a method, with the path knobs', () => {
    const env = { HARDNUT_SHUTDOWN_METHOD: 'helper', HARDNUT_SHUTDOWN_HELPER: '/opt/h', HARDNUT_INTENT_KEY: '/opt/k' };
    expect(selectShutdownPlan(cmd, env, true, none).plan).toEqual({ kind: 'helper', path: '/opt/h', keyPath: '/opt/k' });
    expect(selectShutdownPlan(cmd, { HARDNUT_SHUTDOWN_METHOD: 'initctl' }, true, none).plan).toEqual({ kind: 'initctl', path: null });
    const c = selectShutdownPlan(cmd, { HARDNUT_SHUTDOWN_METHOD: 'command' }, true, both);
    expect(c.plan).toEqual({ kind: 'command', argv: cmd.shutdownCmd });
    expect(c.warnings.join('\n')).toMatch(/not as root/);
    expect(() => selectShutdownPlan(cmd, { HARDNUT_SHUTDOWN_METHOD: 'shell' }, true, none)).toThrow(/use one of/);
  });
});
