// The dispatcher's out-of-order rule for the framed pipe (src/protocol/notify-frame/sequence.ts).
import { describe, it, expect } from 'vitest';
import { FrameSequenceValidator, frameTypeByName, type Frame, type FrameTypeName } from '../../../src/protocol/notify-frame/index.js';

const A = 'ups@localhost';
const B = 'b@host';

function f(type: FrameTypeName, name = ''): Frame {
  return { type, code: frameTypeByName(type)?.code ?? -1, name };
}

/** Feeds frames; returns the index of the first rejected one (or -1) and its reason. */
function run(frames: Frame[], setup: (v: FrameSequenceValidator) => void = () => {}): { at: number; reason?: string } {
  const v = new FrameSequenceValidator([A, B]);
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
    const v = new FrameSequenceValidator([A]);
    v.noteUserFsd();
    expect(v.check(f('SHUTDOWN'))).toBeUndefined();
    expect(v.check(f('EXEC_SHUTDOWN'))).toBeUndefined();
    expect(v.finished).toBe(true);
    expect(v.check(f('SUSPEND_STARTING'))).toEqual({ code: 'out-of-order', reason: 'SUSPEND_STARTING after EXEC_SHUTDOWN: nothing may follow it' });
  });
});
