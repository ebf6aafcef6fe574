// snmp-ups' logic against an in-memory agent: detection, the walk (unique providers, phases,
// NEGINVALID, stale entries), ups.status, and the exact SET for every RW variable and command.
import { describe, it, expect } from 'vitest';
import { ASN, SnmpUps, IETF_TABLE, APCC_TABLE, SU_TYPE_CMD, type SetRequest } from '../../../src/driver/snmp/index.js';
import type { Varbind } from '../../../src/driver/snmp/values.js';
import { STAT_HANDLED, STAT_INVALID, STAT_UNKNOWN } from '../../../src/driver/state-server.js';
import { FakeAgent, QuietLogger, newState } from './fake-agent.js';

const I = (value: number): Varbind => ({ type: ASN.Integer, value });
const S = (value: string): Varbind => ({ type: ASN.OctetString, value: Buffer.from(value) });
const U = '1.3.6.1.2.1.33.1.';
const A = '1.3.6.1.4.1.318.1.1.1.';

function ietfAgent(extra: Array<[string, Varbind]> = []): FakeAgent {
  return new FakeAgent(new Map<string, Varbind>([
    ['1.3.6.1.2.1.1.2.0', { type: ASN.OID, value: '1.3.6.1.2.1.33' }], ['1.3.6.1.2.1.1.1.0', S('sim')],
    [`${U}1.1.0`, S('Mfr')], [`${U}1.2.0`, S('Model')], [`${U}2.1.0`, I(2)], [`${U}2.3.0`, I(10)], [`${U}2.5.0`, I(272)],
    [`${U}3.2.0`, I(1)], [`${U}3.3.1.3.1`, I(230)], [`${U}4.1.0`, I(3)], [`${U}8.2.0`, I(-1)], [`${U}9.8.0`, I(2)], [`${U}7.1.0`, I(1)],
    ...extra,
  ]));
}

async function open(agent: FakeAgent, mibs = 'auto', now = { t: 1000 }): Promise<{ ups: SnmpUps; state: ReturnType<typeof newState> }> {
  const state = newState();
  const ups = await SnmpUps.open(agent, state, new QuietLogger(), mibs, { pollFreq: 1, host: 'sim', upsName: 'u', nowS: () => now.t });
  await ups.initInfo();
  await ups.updateInfo();
  return { ups, state };
}

describe('snmp-ups engine (ietf)', () => {
  it('detects ietf by sysObjectID and publishes converted values and status', async () => {
    const { ups, state } = await open(ietfAgent());
    expect(ups.mapping.name).toBe('ietf');
    expect(state.getInfo('driver.version.data')).toBe('ietf MIB 1.54');
    expect(state.getInfo('battery.runtime')).toBe('600');
    expect(state.getInfo('battery.voltage')).toBe('27.20');
    expect(state.getInfo('input.voltage')).toBe('230');
    expect(state.getInfo('input.phases')).toBe('1');
    expect(state.getInfo('input.L1-N.voltage')).toBeUndefined(); // 3-phase entries filtered out
    expect(state.getInfo('input.bypass.phases')).toBe('1'); // as NUT: published without a bypass group
    expect(state.getInfo('ups.status')).toBe('OL');
    expect(state.tree.cmds()).toEqual(expect.arrayContaining(['load.off', 'beeper.mute', 'test.battery.start']));
    expect(state.stale).toBe(false);
  });

  it('status changes at the next walk, and the data goes stale when the agent stops answering', async () => {
    const agent = ietfAgent();
    const now = { t: 1000 };
    const { ups, state } = await open(agent, 'ietf', now);
    agent.oids.set(`${U}4.1.0`, I(5));
    agent.oids.set(`${U}2.1.0`, I(3));
    now.t += 1;
    await ups.updateInfo();
    expect(state.getInfo('ups.status')).toBe('OL'); // pollfreq not yet passed (NUT: strictly more)
    now.t += 1;
    await ups.updateInfo();
    expect(state.getInfo('ups.status')).toBe('LB OB');
    agent.silent = true;
    now.t += 2;
    await ups.updateInfo();
    expect(state.stale).toBe(true);
    agent.silent = false;
    now.t += 2;
    await ups.updateInfo();
    expect(state.stale).toBe(false);
  });

  it('every ietf command and RW variable becomes the SET NUT sends', async () => {
    const agent = ietfAgent();
    const { ups } = await open(agent);
    const expected: Array<[string, string | undefined, SetRequest]> = [
      ['load.off', undefined, { oid: `${U}8.2.0`, type: 'i', value: 0 }],
      ['load.off', '30', { oid: `${U}8.2.0`, type: 'i', value: 30 }],
      ['load.on', undefined, { oid: `${U}8.3.0`, type: 'i', value: 0 }],
      ['beeper.disable', undefined, { oid: `${U}9.8.0`, type: 'i', value: 1 }],
      ['beeper.mute', undefined, { oid: `${U}9.8.0`, type: 'i', value: 3 }],
      ['test.battery.start.deep', undefined, { oid: `${U}7.1.0`, type: 'i', value: 0 }],
    ];
    for (const [cmd, param, req] of expected) {
      agent.sets.length = 0;
      expect(await ups.instcmd(cmd, param)).toBe(STAT_HANDLED);
      expect(agent.sets).toEqual([req]);
    }
    expect(await ups.instcmd('load.off', 'soon')).toBe(STAT_INVALID);
    expect(await ups.instcmd('no.such.command', undefined)).toBe(STAT_UNKNOWN);
    agent.sets.length = 0;
    expect(await ups.setvar('ups.timer.shutdown', '30')).toBe(STAT_HANDLED);
    expect(agent.sets).toEqual([{ oid: `${U}8.2.0`, type: 's', value: '30' }]);
    // every command of the table has a SET
    for (const e of IETF_TABLE.filter((x) => x.flags & SU_TYPE_CMD)) expect(typeof ups.buildSet('instcmd', e.name, undefined)).toBe('object');
  });
});

describe('snmp-ups engine (apcc)', () => {
  const apc = (): FakeAgent => new FakeAgent(new Map<string, Varbind>([
    ['1.3.6.1.2.1.1.2.0', { type: ASN.OID, value: '1.3.6.1.4.1.318.1.3.2.12' }],
    [`${A}1.1.1.0`, S('Smart-UPS 1500')], [`${A}3.3.1.0`, { type: ASN.Gauge, value: 2301 }], [`${A}3.2.1.0`, { type: ASN.Gauge, value: 230 }],
    [`${A}4.3.3.0`, { type: ASN.Gauge, value: -5 }], [`${A}4.2.3.0`, { type: ASN.Gauge, value: 23 }], [`${A}4.1.1.0`, I(3)], [`${A}2.1.1.0`, I(3)],
    [`${A}5.2.10.0`, { type: ASN.TimeTicks, value: 2000 }], [`${A}5.2.7.0`, I(4)], [`${A}5.2.3.0`, I(208)],
  ]));
  it('finds apcc by its model OID, prefers the high-precision OIDs, drops negative ones, reads TimeTicks', async () => {
    const agent = apc();
    const { ups, state } = await open(agent);
    expect(ups.mapping.name).toBe('apcc');
    expect(state.getInfo('ups.mfr')).toBe('APC');
    expect(state.getInfo('input.voltage')).toBe('230.10');
    expect(state.getInfo('ups.load')).toBe('23');
    expect(state.getInfo('ups.status')).toBe('OB LB');
    expect(state.getInfo('ups.delay.shutdown')).toBe('60');
    expect(state.getInfo('input.sensitivity')).toBe('high');
    expect(state.tree.get('input.sensitivity')?.enums).toEqual(['auto', 'low', 'medium', 'high']);
  });
  it('sends TimeTicks for delays (value ÷ 3 × 100, as NUT), strings for string variables, the table value for commands', async () => {
    const agent = apc();
    const { ups } = await open(agent);
    const cases: Array<[string, string, SetRequest]> = [
      ['ups.delay.shutdown', '60', { oid: `.${A}5.2.10.0`, type: 't', value: 2000 }],
      ['input.transfer.low', '200', { oid: `.${A}5.2.3.0`, type: 's', value: '200' }],
      ['input.sensitivity', 'low', { oid: `.${A}5.2.7.0`, type: 's', value: 'low' }],
    ];
    for (const [name, value, req] of cases) expect(ups.buildSet('setvar', name, value)).toEqual(req);
    expect(ups.buildSet('instcmd', 'shutdown.stayoff', undefined)).toEqual({ oid: `.${A}6.2.1.0`, type: 'i', value: 3 });
    expect(ups.buildSet('setvar', 'ups.delay.shutdown', 'x')).toBe(STAT_INVALID);
    for (const e of APCC_TABLE.filter((x) => x.flags & SU_TYPE_CMD)) expect(typeof ups.buildSet('instcmd', e.name, undefined)).toBe('object');
  });
  it('refuses a mapping that does not fit, and an unknown one', async () => {
    await expect(SnmpUps.open(apc(), newState(), new QuietLogger(), 'ietf', { pollFreq: 1, host: 'h', upsName: 'u' })).rejects.toMatchObject({ code: 'ERR_SNMP_MIB' });
    await expect(SnmpUps.open(apc(), newState(), new QuietLogger(), 'mge', { pollFreq: 1, host: 'h', upsName: 'u' })).rejects.toThrow(/Unknown 'mibs' value: mge/);
  });
});
