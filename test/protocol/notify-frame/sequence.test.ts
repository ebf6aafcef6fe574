// The dispatcher's out-of-order rule for the framed pipe (src/protocol/notify-frame/sequence.ts).
import { describe, it, expect } from 'vitest';
import { FrameSequenceValidator, frameTypeByName, type Frame, type FrameTypeName, type SupplyRule } from '../../../src/protocol/notify-frame/index.js';

const A = 'ups@localhost';
const B = 'b@host';

/** The dispatcher's own upsmon.conf, as far as rule 2 reads it (NUT's defaults but MINSUPPLIES). */
function rule(minSupplies: number, powers: Record<string, number>, more: Partial<SupplyRule> = {}): SupplyRule {
  return {
    monitors: Object.entries(powers).map(([system, powerValue]) => ({ system, powerValue })),
    minSupplies, alarmCritical: true, overDuration: -1, offDuration: 30, ...more,
  };
}
/** Two supplies, both needed: losing either one is a reason. */
const BOTH_NEEDED = rule(2, { [A]: 1, [B]: 1 });

function f(type: FrameTypeName, name = ''): Frame {
  return { type, code: frameTypeByName(type)?.code ?? -1, name };
}

/** Feeds frames; returns the index of the first rejected one (or -1) and its reason. */
function run(frames: Frame[], setup: (v: FrameSequenceValidator) => void = () => {}, conf: SupplyRule = BOTH_NEEDED): { at: number; reason?: string } {
  const v = new FrameSequenceValidator(conf);
  setup(v);
  for (let i = 0; i < frames.length; i++) {
    const p = v.check(frames[i] as Frame);
    if (p !== undefined) return { at: i, reason: p.reason };
  }
  return { at: -1 };
}

describe('sequences the monitor produces are accepted', () => {
  it.each<[string, Frame[]]>([
    ['primary outage', [f('ONBATT', A), f('LOWBATT', A), f('FSD', A), f('SHUTDOWN'), f('EXEC_SHUTDOWN')]],
    ['primary waiting for secondaries', [f('ONBATT', A), f('LOWBATT', A), f('FSD', A), f('SHUTDOWN_HOSTSYNC'), f('SHUTDOWN'), f('EXEC_SHUTDOWN')]],
    ['secondary seeing FSD', [f('ONBATT', A), f('LOWBATT', A), f('FSD', A), f('SHUTDOWN'), f('EXEC_SHUTDOWN')]],
    ['FSD first in a status', [f('FSD', A), f('ONBATT', A), f('LOWBATT', A), f('SHUTDOWN'), f('EXEC_SHUTDOWN')]],
    ['dead UPS on battery', [f('ONBATT', A), f('COMMBAD', A), f('SHUTDOWN'), f('EXEC_SHUTDOWN')]],
    ['bypass and comms lost', [f('BYPASS', A), f('COMMBAD', A), f('SHUTDOWN'), f('EXEC_SHUTDOWN')]],
    ['OFF too long', [f('OFF', A), f('SHUTDOWN'), f('EXEC_SHUTDOWN')]],
    ['everyday life', [f('ONBATT', A), f('ONLINE', A), f('COMMBAD', B), f('NOCOMM', B), f('NOCOMM', B), f('COMMOK', B),
      f('ALARM', A), f('ALARM', A), f('NOTALARM', A), f('OTHER', B), f('OTHER', B), f('NOTOTHER', B), f('REPLBATT', A),
      f('CAL', A), f('NOTCAL', A), f('TRIM', A), f('NOTTRIM', A), f('NOPARENT'), f('SUSPEND_STARTING')]],
    ['ONLINE after a wake-up', [f('SUSPEND_TIMEJUMP_UNEXPECTED'), f('SUSPEND_FINISHED'), f('ONLINE', A), f('ONLINE', B)]],
  ])('%s', (_what, frames) => {
    expect(run(frames)).toEqual({ at: -1 });
  });

  it('a shutdown the user asked for (upsmon -c fsd)', () => {
    expect(run([f('SHUTDOWN'), f('EXEC_SHUTDOWN')], (v) => v.noteUserFsd())).toEqual({ at: -1 });
  });
});

describe('out of order', () => {
  it.each<[string, Frame[], number]>([
    ['SHUTDOWN out of nowhere', [f('SHUTDOWN')], 0],
    ['SHUTDOWN_HOSTSYNC out of nowhere', [f('SHUTDOWN_HOSTSYNC')], 0],
    ['SHUTDOWN after the power came back', [f('ONBATT', A), f('LOWBATT', A), f('ONLINE', A), f('SHUTDOWN')], 3],
    ['SHUTDOWN after comms came back', [f('COMMBAD', A), f('COMMOK', A), f('SHUTDOWN')], 2],
    ['LOWBATT alone is no reason (LB on line power)', [f('LOWBATT', A), f('SHUTDOWN')], 1],
    ['EXEC_SHUTDOWN without SHUTDOWN', [f('ONBATT', A), f('EXEC_SHUTDOWN')], 1],
    ['anything after EXEC_SHUTDOWN', [f('FSD', A), f('SHUTDOWN'), f('EXEC_SHUTDOWN'), f('ONLINE', A)], 3],
    ['a second EXEC_SHUTDOWN', [f('FSD', A), f('SHUTDOWN'), f('EXEC_SHUTDOWN'), f('EXEC_SHUTDOWN')], 3],
    ['a notification between SHUTDOWN and EXEC_SHUTDOWN', [f('FSD', A), f('SHUTDOWN'), f('ONBATT', A)], 2],
    ['a second SHUTDOWN', [f('FSD', A), f('SHUTDOWN'), f('SHUTDOWN')], 2],
    ['anything but SHUTDOWN after SHUTDOWN_HOSTSYNC', [f('FSD', A), f('SHUTDOWN_HOSTSYNC'), f('FSD', A)], 2],
    ['EXEC_SHUTDOWN straight after SHUTDOWN_HOSTSYNC', [f('FSD', A), f('SHUTDOWN_HOSTSYNC'), f('EXEC_SHUTDOWN')], 2],
    ['ONLINE without ONBATT (the first OL is never notified)', [f('ONLINE', A)], 0],
    ['ONLINE for another UPS', [f('ONBATT', A), f('ONLINE', B)], 1],
    ['ONLINE twice', [f('ONBATT', A), f('ONLINE', A), f('ONLINE', A)], 2],
    ['COMMOK without COMMBAD (the first connect is never notified)', [f('COMMOK', A)], 0],
    ['NOCOMM without COMMBAD', [f('NOCOMM', A)], 0],
    ['NOTOFF without OFF', [f('NOTOFF', A)], 0],
    ['NOTOTHER without OTHER', [f('NOTOTHER', B)], 0],
    ['NOTALARM twice', [f('ALARM', A), f('NOTALARM', A), f('NOTALARM', A)], 2],
    ['a wake-up allows one ONLINE per UPS, not two', [f('SUSPEND_FINISHED'), f('ONLINE', A), f('ONLINE', A)], 2],
  ])('%s', (_what, frames, at) => {
    const r = run(frames);
    expect(r.at).toBe(at);
    expect(r.reason).toBeTypeOf('string');
  });

  it('stays finished', () => {
    const v = new FrameSequenceValidator(rule(1, { [A]: 1 }));
    v.noteUserFsd();
    expect(v.check(f('SHUTDOWN'))).toBeUndefined();
    expect(v.check(f('EXEC_SHUTDOWN'))).toBeUndefined();
    expect(v.finished).toBe(true);
    expect(v.check(f('SUSPEND_STARTING'))).toEqual({ code: 'out-of-order', reason: 'SUSPEND_STARTING after EXEC_SHUTDOWN: nothing may follow it' });
  });
});

// Issue 19 item 7: a compromised child must not shut the host down unless its frames satisfy NUT's
// rule: the power of the supplies that may still be healthy below MINSUPPLIES (§5.6).
describe('a shutdown needs MINSUPPLIES to fail (the dispatcher\'s own upsmon.conf)', () => {
  const ONE = rule(1, { [A]: 1 });
  const TWO_OF_ONE = rule(1, { [A]: 1, [B]: 1 });
  const shut = [f('SHUTDOWN'), f('EXEC_SHUTDOWN')];

  it.each<[string, SupplyRule, Frame[], number]>([
    ['OL then SHUTDOWN (the UPS was never off line)', ONE, [...shut], 0],
    ['OL then SHUTDOWN, after an outage ended', ONE, [f('ONBATT', A), f('ONLINE', A), ...shut], 2],
    ['ONBATT then SHUTDOWN (on battery, but the battery is not low)', ONE, [f('ONBATT', A), ...shut], 1],
    ['ONBATT then SHUTDOWN_HOSTSYNC', ONE, [f('ONBATT', A), f('SHUTDOWN_HOSTSYNC'), ...shut], 1],
    ['LOWBATT without ONBATT, two supplies, MINSUPPLIES 1', TWO_OF_ONE, [f('LOWBATT', A), ...shut], 1],
    ['OB+LB on one of two supplies, MINSUPPLIES 1: the other still feeds the host', TWO_OF_ONE, [f('ONBATT', A), f('LOWBATT', A), ...shut], 2],
    ['OB+LB on the UPS, LOWBATT alone on the other', TWO_OF_ONE, [f('ONBATT', A), f('LOWBATT', A), f('LOWBATT', B), ...shut], 3],
    ['FSD on one of two supplies, MINSUPPLIES 1', TWO_OF_ONE, [f('FSD', A), ...shut], 1],
    ['dead on battery: one of two supplies, MINSUPPLIES 1', TWO_OF_ONE, [f('ONBATT', A), f('COMMBAD', A), ...shut], 2],
    ['comms lost on line power', ONE, [f('COMMBAD', A), f('NOCOMM', A), ...shut], 2],
    ['OB+LB on a UPS of power value 0 (monitoring only)', rule(1, { [A]: 0, [B]: 1 }), [f('ONBATT', A), f('LOWBATT', A), ...shut], 2],
    ['MINSUPPLIES 0: upsmon never shuts down by itself', rule(0, { [A]: 1 }), [f('ONBATT', A), f('LOWBATT', A), f('FSD', A), ...shut], 3],
    ['a UPS on battery came back on line before its battery went low', ONE, [f('ONBATT', A), f('ONLINE', A), f('LOWBATT', A), ...shut], 3],
    ['ALARM and comms lost with ALARMCRITICAL 0', rule(1, { [A]: 1 }, { alarmCritical: false }), [f('ALARM', A), f('COMMBAD', A), ...shut], 2],
    ['OVER and comms lost with OVERDURATION -1', ONE, [f('OVER', A), f('COMMBAD', A), ...shut], 2],
    ['OFF with OFFDURATION -1', rule(1, { [A]: 1 }, { offDuration: -1 }), [f('OFF', A), ...shut], 1],
    ['comms lost while trimming (NUT only logs it)', ONE, [f('TRIM', A), f('COMMBAD', A), ...shut], 2],
    ['bypass, comms back', ONE, [f('BYPASS', A), f('COMMBAD', A), f('COMMOK', A), ...shut], 3],
  ])('refused: %s', (_what, conf, frames, at) => {
    const r = run(frames, () => {}, conf);
    expect(r.at).toBe(at);
    expect(r.reason).toMatch(/MINSUPPLIES/);
  });

  it.each<[string, SupplyRule, Frame[]]>([
    ['OB+LB, one supply', ONE, [f('ONBATT', A), f('LOWBATT', A), ...shut]],
    ['OB+LB on both of two supplies, MINSUPPLIES 1', TWO_OF_ONE, [f('ONBATT', A), f('LOWBATT', A), f('ONBATT', B), f('LOWBATT', B), ...shut]],
    ['one supply of power value 2 OB+LB, MINSUPPLIES 1', rule(1, { [A]: 2 }), [f('ONBATT', A), f('LOWBATT', A), ...shut]],
    ['LB on line power, then on battery (no new LOWBATT: the LB flag never cleared)', ONE, [f('LOWBATT', A), f('ONBATT', A), ...shut]],
    ['FSD on both supplies', TWO_OF_ONE, [f('FSD', A), f('FSD', B), ...shut]],
    ['one dead on battery, the other OB+LB', TWO_OF_ONE, [f('ONBATT', A), f('COMMBAD', A), f('ONBATT', B), f('LOWBATT', B), ...shut]],
    ['dead on battery, comms back with OB LB (promotion set LB: no LOWBATT)', ONE, [f('ONBATT', A), f('COMMBAD', A), f('COMMOK', A), ...shut]],
    ['ALARM and comms lost with ALARMCRITICAL 1', ONE, [f('ALARM', A), f('COMMBAD', A), ...shut]],
    ['OVER and comms lost with OVERDURATION 0', rule(1, { [A]: 1 }, { overDuration: 0 }), [f('OVER', A), f('COMMBAD', A), ...shut]],
    ['CAL and comms lost', ONE, [f('CAL', A), f('COMMBAD', A), ...shut]],
    ['OFF with OFFDURATION -1, comms lost', rule(1, { [A]: 1 }, { offDuration: -1 }), [f('OFF', A), f('COMMBAD', A), ...shut]],
    ['the host UPS OB+LB, the monitoring-only one on line', rule(1, { [A]: 1, [B]: 0 }), [f('ONBATT', A), f('LOWBATT', A), ...shut]],
  ])('accepted: %s', (_what, conf, frames) => {
    expect(run(frames, () => {}, conf)).toEqual({ at: -1 });
  });

  it('a reload raising MINSUPPLIES counts at once (the child may already use it)', () => {
    const frames = [f('ONBATT', A), f('LOWBATT', A), ...shut];
    expect(run(frames, () => {}, TWO_OF_ONE).at).toBe(2);
    expect(run(frames, (v) => v.addRule(rule(2, { [A]: 1, [B]: 1 })), TWO_OF_ONE)).toEqual({ at: -1 });
  });

  it('the old configuration still counts after a reload (the child applies it at its next poll)', () => {
    expect(run([f('ONBATT', A), f('LOWBATT', A), ...shut], (v) => v.addRule(TWO_OF_ONE), ONE)).toEqual({ at: -1 });
  });

  it('a MONITOR the configuration does not have adds no power and cannot be lost', () => {
    expect(run([f('ONBATT', B), f('LOWBATT', B), ...shut], () => {}, ONE).at).toBe(2);
  });
});
