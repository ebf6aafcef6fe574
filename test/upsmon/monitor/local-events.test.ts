// LOCALMONITOR in the monitor state machine (issue 14): the same decisions as for a MONITOR
// line, reached when the driver pushes a change (ups-changed), not at the next POLLFREQ.
import { describe, expect, it } from 'vitest';
import { Monitor } from '../../../src/upsmon/monitor/monitor.js';
import type { MonitorEffect } from '../../../src/upsmon/shared/types.js';
import { BASE, FakeClock, Sim, conf, ok, timeline, world } from './sim.js';

const LOCAL = `${BASE}LOCALMONITOR u 1\nPOLLFREQ 60\nPOLLFREQALERT 60\n`;

describe('LOCALMONITOR: the monitor reacts to the push', () => {
  it('an outage pushed by the driver: ONBATT, LOWBATT, FSD, SHUTDOWN when each change arrives, not at POLLFREQ', () => {
    const s = new Sim(LOCAL, world(timeline([[0, 'OL'], [7, 'OB DISCHRG'], [9, 'OB DISCHRG LB']])))
      .at(7, { type: 'ups-changed' }).at(9, { type: 'ups-changed' }).run(120);
    expect(s.notifications()).toEqual(['ONBATT', 'LOWBATT', 'FSD', 'SHUTDOWN']);
    expect(s.notifyTime('ONBATT')).toBe(7);
    expect(s.notifyTime('LOWBATT')).toBe(9);
    expect(s.shutdownAt).toBe(14); // FINALDELAY 5 after the push
  });

  it('without the push the same outage is seen only at the next POLLFREQ (control)', () => {
    const s = new Sim(LOCAL, world(timeline([[0, 'OL'], [7, 'OB DISCHRG'], [9, 'OB DISCHRG LB']]))).run(120);
    expect(s.notifyTime('ONBATT')).toBe(60);
  });

  it('a change pushed during a poll cycle starts another cycle right after it', () => {
    const m = new Monitor(conf(LOCAL), new FakeClock());
    const steps = (effects: MonitorEffect[]): string[] => effects.filter((e) => ['poll', 'wait'].includes(e.kind)).map((e) => e.kind);
    expect(steps(m.start())).toEqual(['poll']);
    expect(steps(m.handle({ type: 'ups-changed' }))).toEqual([]); // the poll in flight may predate it
    expect(steps(m.handle({ type: 'polled', results: [{ ups: 'u', ...ok('OL') }] }))).toEqual(['poll']);
    expect(steps(m.handle({ type: 'polled', results: [{ ups: 'u', ...ok('OL') }] }))).toEqual(['wait']);
    expect(steps(m.handle({ type: 'ups-changed' }))).toEqual(['poll']); // cuts the sleep short
  });

  it('LOCALMONITOR and MONITOR power values count together toward MINSUPPLIES', () => {
    const text = (min: number): string => `${BASE}LOCALMONITOR u 1\nMONITOR v@nas 1 mon pw secondary\nMINSUPPLIES ${String(min)}\n`;
    const c = conf(text(2));
    expect(c.monitors.map((m) => [m.system, m.local === true, m.role])).toEqual([['u', true, 'primary'], ['v@nas', false, 'secondary']]);
    // the network UPS goes critical, the local one stays on line
    const w = (): ReturnType<typeof world> => world({ u: timeline([[0, 'OL']]), 'v@nas': timeline([[0, 'OL'], [10, 'FSD OB LB']]) });
    expect(new Sim(text(2), w()).run(60).notifications()).toContain('SHUTDOWN'); // 1 healthy < 2
    expect(new Sim(text(1), w()).run(60).notifications()).not.toContain('SHUTDOWN'); // the local UPS suffices
  });
});
