// hardnut's snmp-ups and Debian's against the same agent through the APC PowerNet MIB, found by
// mibs=auto (the agent's sysObjectID is an APC one, which no mapping lists: both fall back to the
// model OID, apcc first), over SNMPv2c: the same variables and values (high-precision OIDs
// winning over the plain ones), RW variables with their enum, commands, status changes and the
// exact SETs (TimeTicks for the delays, strings for the transfer points, as NUT sends them).
import { describe, it, expect, afterEach } from 'vitest';
import { requirePeer } from '../support/peers.js';
import { comparable } from '../sim/interop.js';
import { hasSnmpPeers, runSide, startSnmpStack, type SidePlan, type SnmpStack } from '../sim/snmp-interop.js';

const INITIAL = { power: 'OL', lowBattery: false, replaceBattery: false, calibrating: false };
const PLAN: SidePlan = {
  steps: [[{ power: 'OB' }, ['OB']], [{ lowBattery: true }, ['OB', 'LB']], [{ power: 'OL', lowBattery: false, replaceBattery: true }, ['OL', 'RB']], [{ replaceBattery: false }, ['OL']]],
  sets: [['ups.delay.shutdown', '60'], ['input.transfer.low', '200'], ['input.sensitivity', 'low'], ['battery.runtime.low', '180'], ['ups.id', 'HN']],
  commands: [
    ['load.off', undefined], ['load.on', undefined], ['shutdown.stayoff', undefined], ['shutdown.return', undefined], ['test.failure.start', undefined],
    ['test.panel.start', undefined], ['bypass.start', undefined], ['bypass.stop', undefined], ['test.battery.start', undefined],
    ['calibrate.start', undefined], ['calibrate.stop', undefined], ['reset.input.minmax', undefined],
  ],
};

const stacks: SnmpStack[] = [];
afterEach(async () => { for (const s of stacks.splice(0)) await s.cleanup(); });

describe("hardnut snmp-ups and Debian's, same SNMP agent (APC PowerNet, mibs=auto, v2c)", () => {
  it('the same variables, RW variables, commands, status changes and SETs on the wire', async (ctx) => {
    requirePeer(ctx, hasSnmpPeers(), "Debian's NUT with nut-snmp (/lib/nut/snmp-ups, upsd, upsc, upscmd, upsrw) and a build");
    const stack = await startSnmpStack('\tsnmp_version = v2c\n\tpollinterval = 1\n\tpollfreq = 1\n\tsnmp_timeout = 1\n\tsnmp_retries = 1\n', { sysoid: 'apc' });
    stacks.push(stack);
    const debian = await runSide(stack, 'debian', PLAN, INITIAL);
    const ours = await runSide(stack, 'hardnut', PLAN, INITIAL);

    console.log(`snmp-ups apcc: compared variables (${debian.raw.size}): ${[...debian.raw.keys()].join(' ')}`);
    expect(comparable(ours.raw)).toEqual(comparable(debian.raw));
    expect(ours.raw.get('driver.version.data')).toBe('apcc MIB 1.6');
    expect(ours.raw.get('input.voltage')).toBe('230.10'); // the high-precision OID won
    expect(ours.raw.get('ups.delay.shutdown')).toBe('60'); // 20 s in TimeTicks, times NUT's "length" 3
    expect(ours.rw).toBe(debian.rw);
    expect(ours.cmds).toBe(debian.cmds);
    expect(ours.statuses).toEqual(debian.statuses);
    expect(ours.wire).toEqual(debian.wire);
    expect(ours.wire.find((w) => w.what === 'SET ups.delay.shutdown=60')?.sets).toEqual([{ oid: '1.3.6.1.4.1.318.1.1.1.5.2.10.0', type: 67, value: 2000 }]);
    expect(ours.wire.find((w) => w.what === 'SET input.transfer.low=200')?.sets).toEqual([{ oid: '1.3.6.1.4.1.318.1.1.1.5.2.3.0', type: 4, value: '200' }]);
    expect(ours.wire.find((w) => w.what === 'shutdown.stayoff')?.sets).toEqual([{ oid: '1.3.6.1.4.1.318.1.1.1.6.2.1.0', type: 2, value: 3 }]);
    for (const ms of ours.statusMs) expect(ms).toBeLessThanOrEqual(3500);
  }, 90_000);
});
