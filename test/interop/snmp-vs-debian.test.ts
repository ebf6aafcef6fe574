// hardnut's snmp-ups and Debian's /lib/nut/snmp-ups (NUT 2.8.0), one after the other against the
// same SNMP agent (test/sim/snmp-ups-agent.mjs) and the same ups.conf, behind Debian's upsd, with
// the ietf mapping (RFC 1628): the same upsc variables and values, settable variables and
// commands, the same SNMP SETs at the agent for every command and SET VAR, the same status
// changes within one poll; then the same variables over SNMPv3 authPriv (SHA + AES).
import { describe, it, expect, afterEach } from 'vitest';
import { readFileSync } from 'node:fs';
import { requirePeer } from '../support/peers.js';
import { comparable } from '../sim/interop.js';
import { V3_USER } from '../sim/snmp-agent.js';
import { hasSnmpPeers, runSide, startSnmpStack, type SidePlan, type SnmpStack } from '../sim/snmp-interop.js';

const POLL = '\tpollinterval = 1\n\tpollfreq = 1\n\tsnmp_timeout = 1\n\tsnmp_retries = 1\n';
const INITIAL = { power: 'OL', lowBattery: false, overload: false, calibrating: false };
const PLAN: SidePlan = {
  steps: [[{ power: 'OB' }, ['OB']], [{ lowBattery: true }, ['OB', 'LB']], [{ power: 'OL', lowBattery: false }, ['OL']]],
  sets: [['ups.timer.shutdown', '30'], ['device.contact', 'ops@example.org'], ['ups.timer.start', '-1']],
  commands: [
    ['load.off', undefined], ['load.off', '30'], ['load.on', undefined], ['test.battery.start', undefined], ['test.battery.start.quick', undefined],
    ['test.battery.start.deep', undefined], ['test.battery.stop', undefined], ['beeper.disable', undefined], ['beeper.enable', undefined], ['beeper.mute', undefined],
  ],
};
const VERSION = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version as string;

const stacks: SnmpStack[] = [];
afterEach(async () => { for (const s of stacks.splice(0)) await s.cleanup(); });

describe("hardnut snmp-ups and Debian's, same SNMP agent (ietf), through Debian's upsd", () => {
  it('SNMPv1: the same variables, RW variables, commands, status changes and SETs on the wire', async (ctx) => {
    requirePeer(ctx, hasSnmpPeers(), "Debian's NUT with nut-snmp (/lib/nut/snmp-ups, upsd, upsc, upscmd, upsrw) and a build");
    const stack = await startSnmpStack(`\tmibs = ietf\n${POLL}`, { sysoid: 'ietf' });
    stacks.push(stack);
    const debian = await runSide(stack, 'debian', PLAN, INITIAL);
    const ours = await runSide(stack, 'hardnut', PLAN, INITIAL);

    console.log(`snmp-ups ietf: compared variables (${debian.raw.size}): ${[...debian.raw.keys()].join(' ')}`);
    console.log(`snmp-ups ietf: status ms debian ${debian.statusMs.join(',')} hardnut ${ours.statusMs.join(',')}`);
    expect(comparable(ours.raw)).toEqual(comparable(debian.raw));
    // the one difference by design: the software's version
    expect(debian.raw.get('driver.version')).toBe('2.8.0');
    expect(ours.raw.get('driver.version')).toBe(VERSION);
    expect(ours.raw.get('driver.version.data')).toBe('ietf MIB 1.54');
    expect(ours.raw.get('input.bypass.phases')).toBe('1'); // NUT publishes it even without a bypass group
    expect(ours.rw).toBe(debian.rw);
    expect(ours.cmds).toBe(debian.cmds);
    expect(ours.statuses).toEqual(debian.statuses);
    expect(ours.wire).toEqual(debian.wire);
    // what NUT sends, in the agent's words: a string to an INTEGER object, the default 0 for load.off
    expect(ours.wire[0]?.sets).toEqual([{ oid: '1.3.6.1.2.1.33.1.8.2.0', type: 4, value: '30' }]);
    expect(ours.wire.find((w) => w.what === 'load.off')?.sets).toEqual([{ oid: '1.3.6.1.2.1.33.1.8.2.0', type: 2, value: 0 }]);
    expect(ours.wire.find((w) => w.what === 'beeper.mute')?.sets).toEqual([{ oid: '1.3.6.1.2.1.33.1.9.8.0', type: 2, value: 3 }]);
    // pollfreq 1 with a 1 s poll interval: NUT walks every 2 s; a change shows within one walk
    for (const ms of ours.statusMs) expect(ms).toBeLessThanOrEqual(3500);
  }, 90_000);

  it('SNMPv2c and SNMPv3 authPriv (SHA, AES): the same variables and values', async (ctx) => {
    requirePeer(ctx, hasSnmpPeers(), "Debian's NUT with nut-snmp and a build");
    const v3 = `\tsnmp_version = v3\n\tsecLevel = authPriv\n\tsecName = ${V3_USER.name}\n\tauthProtocol = SHA\n\tauthPassword = ${V3_USER.authKey}\n\tprivProtocol = AES\n\tprivPassword = ${V3_USER.privKey}\n`;
    for (const section of [`\tsnmp_version = v2c\n\tmibs = ietf\n${POLL}`, `${v3}\tmibs = ietf\n${POLL}`]) {
      const stack = await startSnmpStack(section, { sysoid: 'ietf' });
      stacks.push(stack);
      const read = async (which: 'debian' | 'hardnut'): Promise<Map<string, string>> => {
        await stack.start(which);
        const m = await stack.upsc();
        await stack.stop();
        return m;
      };
      const debian = await read('debian');
      const ours = await read('hardnut');
      expect(comparable(ours)).toEqual(comparable(debian));
      expect(ours.get('ups.status')).toBe('OL');
      // passwords and names are never published as driver.parameter.*
      for (const k of ours.keys()) expect(k).not.toMatch(/secName|authPassword|privPassword|community/i);
    }
  }, 90_000);
});
