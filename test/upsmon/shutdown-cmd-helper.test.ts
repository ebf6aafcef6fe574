// SHUTDOWNCMD naming hardnut's helper (issue 20 item 7): `SHUTDOWNCMD "<path>/upsshutdown poweroff"`
// in upsmon.conf makes a root upsmon hand the shutdown to that helper with a signed intent, ahead
// of the socket it would otherwise find; HARDNUT_SHUTDOWN_METHOD still overrides it; anything but
// `poweroff` after the helper, or a helper that is not there, is refused at start-up.
import { describe, expect, it } from 'vitest';
import { DEFAULT_INTENT_KEY, DEFAULT_SHUTDOWN_SOCKET, namedHelper, selectShutdownPlan, ShutdownMethodError } from '../../src/upsmon/supervisor/shutdown-method.js';

const HELPER = '/usr/lib/hardnut/upsshutdown';
const everything = { isSocket: (p: string) => p === DEFAULT_SHUTDOWN_SOCKET, isExecutable: (p: string) => p === HELPER };
const nothing = { isSocket: () => false, isExecutable: () => false };

describe('SHUTDOWNCMD naming the helper', () => {
  it("NUT's one-word form and hardnut's argv form both pick that helper, as root, even with the socket there", () => {
    for (const shutdownCmd of [[`${HELPER} poweroff`], [HELPER, 'poweroff'], [HELPER]]) {
      const s = selectShutdownPlan({ shutdownCmd }, {}, true, everything);
      expect(s.plan).toEqual({ kind: 'helper', path: HELPER, keyPath: DEFAULT_INTENT_KEY });
      expect(s.warnings).toEqual([]);
    }
  });

  it('the environment overrides it; without root it is not used (no privilege to hand over)', () => {
    const socket = selectShutdownPlan({ shutdownCmd: [`${HELPER} poweroff`] }, { HARDNUT_SHUTDOWN_METHOD: 'socket' }, true, everything);
    expect(socket.plan.kind).toBe('socket');
    expect(socket.warnings.join('\n')).toMatch(/SHUTDOWNCMD is not used: the shutdown goes to/);
    expect(selectShutdownPlan({ shutdownCmd: [`${HELPER} poweroff`] }, {}, false, everything).plan.kind).toBe('command');
  });

  it('another action, extra words, or a helper that is not there: refused with the reason', () => {
    expect(() => selectShutdownPlan({ shutdownCmd: [`${HELPER} reboot`] }, {}, true, everything)).toThrow(/takes one action, poweroff/);
    expect(() => selectShutdownPlan({ shutdownCmd: [HELPER, 'poweroff', 'now'] }, {}, true, everything)).toThrow(ShutdownMethodError);
    expect(() => selectShutdownPlan({ shutdownCmd: [`${HELPER} poweroff`] }, {}, true, nothing)).toThrow(/not there or not executable/);
  });

  it('other commands are not the helper: relative paths, other names', () => {
    expect(namedHelper(['/sbin/shutdown -h +0'])).toBeUndefined();
    expect(namedHelper(['upsshutdown poweroff'])).toBeUndefined();
    expect(namedHelper(['/opt/bin/my-upsshutdown-wrapper'])).toBeUndefined();
    expect(namedHelper(undefined)).toBeUndefined();
  });
});
