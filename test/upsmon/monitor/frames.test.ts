// What the monitor would send the dispatcher over the framed pipe, end to end on the fake clock.
import { describe, it, expect } from 'vitest';
import { frameOf } from '../../../src/upsmon/monitor/frames.js';
import { needsAlarmQuery } from '../../../src/upsmon/monitor/ups-state.js';
import { FrameDecoder, FrameSequenceValidator, type Frame } from '../../../src/protocol/notify-frame/index.js';
import { BASE, Sim, conf, timeline, world } from './sim.js';

function frames(s: Sim): Frame[] {
  const d = new FrameDecoder();
  const out: Frame[] = [];
  for (const { effect } of s.log) {
    const bytes = frameOf(effect);
    if (bytes === undefined) continue;
    const r = d.push(bytes);
    expect(r.error).toBeUndefined();
    out.push(...r.frames);
  }
  return out;
}

describe('frames of an outage', () => {
  it('primary: ONBATT, LOWBATT, FSD, SHUTDOWN_HOSTSYNC, SHUTDOWN, EXEC_SHUTDOWN — accepted by the dispatcher’s check', () => {
    const text = `${BASE}MONITOR ups@localhost:3493 1 mon secret primary\n`;
    const s = new Sim(text,
      world(timeline([[0, 'OL'], [30, 'OB'], [60, 'OB LB']]), { numlogins: (_u, t) => (t < 62 ? '2' : '1') })).run(300);
    const f = frames(s);
    expect(f.map((x) => `${x.type}${x.name ? ` ${x.name}` : ''}`)).toEqual([
      'ONBATT ups@localhost:3493', 'LOWBATT ups@localhost:3493', 'FSD ups@localhost:3493', 'SHUTDOWN_HOSTSYNC', 'SHUTDOWN', 'EXEC_SHUTDOWN',
    ]);
    const v = new FrameSequenceValidator(conf(text)); // the dispatcher's own copy of upsmon.conf
    expect(f.map((x) => v.check(x))).toEqual(f.map(() => undefined));
  });

  it('notifications with NOTIFYFLAG IGNORE are still framed (the dispatcher applies the flags)', () => {
    const s = new Sim(`${BASE}NOTIFYFLAG ONBATT IGNORE\nMONITOR u@h 1 mon secret secondary\n`, world(timeline([[0, 'OL'], [10, 'OB']]))).run(20);
    expect(frames(s).map((x) => x.type)).toEqual(['ONBATT']);
  });

  it('logs, walls and steps stay in the monitor', () => {
    expect(frameOf({ kind: 'log', level: 'crit', message: 'x' })).toBeUndefined();
    expect(frameOf({ kind: 'wall', message: 'x' })).toBeUndefined();
    expect(frameOf({ kind: 'poll', ups: ['u@h'] })).toBeUndefined();
  });
});

describe('needsAlarmQuery', () => {
  it('is true when the status has an ALARM token, in any case', () => {
    expect(needsAlarmQuery('OL ALARM')).toBe(true);
    expect(needsAlarmQuery('alarm')).toBe(true);
    expect(needsAlarmQuery('OL ALARMS')).toBe(false);
    expect(needsAlarmQuery('OL')).toBe(false);
  });
});
