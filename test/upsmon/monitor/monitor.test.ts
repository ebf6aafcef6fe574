// The monitor state machine against scripted outages on a fake clock (spec §5.4–§5.7).
import { describe, it, expect } from 'vitest';
import { Monitor, UpsmonPowerError } from '../../../src/upsmon/monitor/monitor.js';
import type { MonitorEffect } from '../../../src/upsmon/shared/types.js';
import { BASE, FakeClock, LOST, REFUSED, Sim, T0, conf, ok, timeline, world } from './sim.js';

const PRIMARY = `${BASE}MONITOR ups@localhost 1 mon secret primary\n`;
const SECONDARY = `${BASE}MONITOR ups@nas.lan 1 mon secret secondary\n`;
const outage = timeline([[0, 'OL'], [30, 'OB DISCHRG'], [60, 'OB LB']]);

function notifies(effects: MonitorEffect[]): string[] {
  return effects.flatMap((e) => (e.kind === 'notify' ? [e.type] : []));
}

describe('an outage on a primary', () => {
  it('notifies ONBATT, LOWBATT, FSD, SHUTDOWN and shuts down FINALDELAY after the low battery', () => {
    const s = new Sim(PRIMARY, world(outage)).run(300);
    expect(s.notifications()).toEqual(['ONBATT', 'LOWBATT', 'FSD', 'SHUTDOWN']);
    expect(s.notifyTime('ONBATT')).toBe(30);
    expect(s.notifyTime('LOWBATT')).toBe(60);
    expect(s.timeOf((e) => e.kind === 'set-fsd')).toBe(60);
    expect(s.shutdownAt).toBe(65); // FINALDELAY 5
    expect(s.monitor.phase).toBe('exited'); // SHUTDOWNEXIT yes
    expect(s.kinds('wall').map((r) => r.effect)).toEqual([{ kind: 'wall', message: 'Executing automatic power-fail shutdown\n' }]);
    expect(s.logs('crit')).toContain('Executing automatic power-fail shutdown');
  });

  it('sends FSD for the UPS by its MONITOR name and notifies FSD only when upsd says OK', () => {
    const s = new Sim(PRIMARY, world(outage, { fsd: () => 'ERR ACCESS-DENIED' })).run(300);
    expect(s.kinds('set-fsd')[0]?.effect).toEqual({ kind: 'set-fsd', ups: ['ups@localhost'] });
    expect(s.notifications()).toEqual(['ONBATT', 'LOWBATT', 'SHUTDOWN']);
    expect(s.logs('err').join('\n')).toContain('FSD set on UPS ups@localhost failed: ERR ACCESS-DENIED');
  });

  it('waits for the secondaries to log out (NUMLOGINS ≤ 1), notifying SHUTDOWN_HOSTSYNC once', () => {
    const s = new Sim(PRIMARY, world(outage, { numlogins: (_u, t) => (t < 70 ? '3' : '1') })).run(300);
    expect(s.notifications()).toEqual(['ONBATT', 'LOWBATT', 'FSD', 'SHUTDOWN_HOSTSYNC', 'SHUTDOWN']);
    expect(s.notifyTime('SHUTDOWN_HOSTSYNC')).toBe(60);
    expect(s.notifyTime('SHUTDOWN')).toBe(70);
    // NUMLOGINS is asked every 250 ms while waiting
    const queries = s.kinds('query-numlogins').filter((r) => r.t >= 60 && r.t < 70);
    expect(queries.length).toBe(40);
    expect(s.shutdownAt).toBe(75);
  });

  it('gives up on the secondaries after HOSTSYNC seconds', () => {
    const s = new Sim(`${PRIMARY}HOSTSYNC 15\n`, world(outage, { numlogins: () => '2' })).run(300);
    expect(s.logs('info')).toContain('Host sync timer expired, forcing shutdown');
    expect(s.notifyTime('SHUTDOWN')).toBe(76); // more than 15 whole seconds after 60
    expect(s.notifications().filter((n) => n === 'SHUTDOWN_HOSTSYNC')).toHaveLength(1);
  });

  it('does not count a failed NUMLOGINS query as a login', () => {
    const s = new Sim(PRIMARY, world(outage, { numlogins: () => null })).run(300);
    expect(s.notifyTime('SHUTDOWN')).toBe(60);
    expect(s.notifications()).not.toContain('SHUTDOWN_HOSTSYNC');
  });

  it('with FINALDELAY 0 shuts down at once', () => {
    const s = new Sim(`${PRIMARY}FINALDELAY 0\n`, world(outage)).run(300);
    expect(s.shutdownAt).toBe(60);
  });

  it('with OBLBDURATION waits that long in OB+LB, polling often enough to see it end', () => {
    const s = new Sim(`${PRIMARY}OBLBDURATION 12\n`, world(outage)).run(300);
    expect(s.notifyTime('SHUTDOWN')).toBe(72);
    // gcd(POLLFREQALERT 5, 12) = 1 s polls while waiting
    const waits = s.kinds('wait').filter((r) => r.t >= 60 && r.t < 72).map((r) => (r.effect as { ms: number }).ms);
    expect(new Set(waits)).toEqual(new Set([1000]));
  });

  it('with OBLBDURATION a short OB+LB that ends in time does not shut down', () => {
    const tl = timeline([[0, 'OL'], [30, 'OB'], [60, 'OB LB'], [66, 'OL CHRG']]);
    const s = new Sim(`${PRIMARY}OBLBDURATION 12\n`, world(tl)).run(300);
    expect(s.shutdownAt).toBeUndefined();
    expect(s.notifications()).toEqual(['ONBATT', 'LOWBATT', 'ONLINE']);
    expect(s.monitor.sleepSeconds).toBe(5);
  });
});

describe('an outage on a secondary', () => {
  it('shuts down when the primary sets FSD, without sending FSD itself', () => {
    const tl = timeline([[0, 'OL'], [30, 'OB'], [60, 'OB LB'], [65, 'FSD OB LB']]);
    const s = new Sim(SECONDARY, world(tl)).run(300);
    expect(s.notifications()).toEqual(['ONBATT', 'LOWBATT', 'FSD', 'SHUTDOWN']);
    expect(s.notifyTime('FSD')).toBe(65);
    expect(s.kinds('set-fsd')).toEqual([]);
    expect(s.kinds('query-numlogins')).toEqual([]);
    expect(s.shutdownAt).toBe(70);
  });

  it('seeing FSD first on a poll notifies FSD before ONBATT and LOWBATT (status order)', () => {
    const tl = timeline([[0, 'OL'], [30, 'FSD OB LB']]);
    const s = new Sim(SECONDARY, world(tl)).run(300);
    expect(s.notifications()).toEqual(['FSD', 'ONBATT', 'LOWBATT', 'SHUTDOWN']);
  });

  it('FSD while on line power still shuts the secondary down', () => {
    const s = new Sim(SECONDARY, world(timeline([[0, 'OL'], [20, 'FSD OL']]))).run(300);
    expect(s.notifications()).toEqual(['FSD', 'SHUTDOWN']);
    expect(s.notifyTime('SHUTDOWN')).toBe(20);
  });

  it('without FSD, gives the primary HOSTSYNC seconds after OB+LB began', () => {
    const s = new Sim(SECONDARY, world(outage)).run(300);
    expect(s.notifications()).toEqual(['ONBATT', 'LOWBATT', 'SHUTDOWN']);
    expect(s.notifyTime('SHUTDOWN')).toBe(80); // 80 - 60 > HOSTSYNC 15
    expect(s.logs('warning').join('\n')).toContain('Giving up on the primary for UPS [ups@nas.lan]');
  });

  it('an OB+LB that clears within HOSTSYNC does not shut the secondary down', () => {
    const tl = timeline([[0, 'OL'], [30, 'OB'], [60, 'OB LB'], [70, 'OL']]);
    const s = new Sim(SECONDARY, world(tl)).run(300);
    expect(s.shutdownAt).toBeUndefined();
  });

  it('an OB+LB+CAL UPS is not critical', () => {
    const s = new Sim(PRIMARY, world(timeline([[0, 'OL'], [30, 'OB LB CAL']]))).run(200);
    expect(s.shutdownAt).toBeUndefined();
    expect(s.notifications()).toEqual(['ONBATT', 'LOWBATT', 'CAL']);
  });
});

describe('communications lost (DEADTIME, §5.6)', () => {
  const obThenGone = (lost = false) => timeline([[0, 'OL'], [30, 'OB'], [40, lost ? LOST : null]]);

  it('a primary on battery that stops answering is promoted to LB after DEADTIME and shuts down', () => {
    const s = new Sim(PRIMARY, world(obThenGone(), { fsd: () => null, numlogins: () => null })).run(300);
    expect(s.notifications()).toEqual(['ONBATT', 'COMMBAD', 'SHUTDOWN']);
    expect(s.notifyTime('COMMBAD')).toBe(40);
    // last good poll at 35; 55 - 35 = 20 > DEADTIME 15 (50 - 35 = 15 is not)
    expect(s.notifyTime('SHUTDOWN')).toBe(55);
    expect(s.logs('err').join('\n')).toContain('FSD set on UPS ups@localhost failed');
  });

  it('a secondary likewise, its HOSTSYNC grace already spent since the last good poll', () => {
    const s = new Sim(SECONDARY, world(obThenGone(true))).run(300);
    expect(s.notifyTime('SHUTDOWN')).toBe(55);
  });

  it('a lost connection while on battery is not critical by itself (NUT #2454)', () => {
    const tl = timeline([[0, 'OL'], [30, 'OB'], [40, LOST], [52, 'OB']]);
    const s = new Sim(`${SECONDARY}DEADTIME 15\n`, world(tl)).run(300);
    expect(s.notifications()).toEqual(['ONBATT', 'COMMBAD', 'COMMOK']);
    expect(s.shutdownAt).toBeUndefined();
  });

  it('a UPS on line power that stops answering is not critical', () => {
    const s = new Sim(PRIMARY, world(timeline([[0, 'OL'], [30, null]]))).run(1000);
    expect(s.shutdownAt).toBeUndefined();
  });

  it('DEADTIME counts from the last good poll: longer DEADTIME, later shutdown', () => {
    const s = new Sim(`${PRIMARY}DEADTIME 60\n`, world(obThenGone())).run(300);
    expect(s.notifyTime('SHUTDOWN')).toBe(100); // 100 - 35 = 65 > 60
  });

  it.each([
    ['BYPASS', 'OL BYPASS', '', true],
    ['CAL', 'OL CAL', '', true],
    ['ALARM with ALARMCRITICAL 1', 'OL ALARM', '', true],
    ['ALARM with ALARMCRITICAL 0', 'OL ALARM', 'ALARMCRITICAL 0\n', false],
    ['OVER with OVERDURATION -1 (default)', 'OL OVER', '', false],
    ['OVER with OVERDURATION 0', 'OL OVER', 'OVERDURATION 0\n', true],
    ['OFF with OFFDURATION 30', 'OFF', '', true],
    ['OFF with OFFDURATION -1', 'OFF', 'OFFDURATION -1\n', false],
    ['TRIM', 'OL TRIM', '', false],
    ['BOOST', 'OL BOOST', '', false],
  ])('last known %s, then comms lost: critical at once = %s', (_name, status, extra, critical) => {
    const tl = timeline([[0, 'OL'], [10, status], [20, null]]);
    const s = new Sim(`${PRIMARY}${extra}`, world(tl)).run(400);
    if (critical) expect(s.notifyTime('SHUTDOWN')).toBe(20);
    else expect(s.shutdownAt).toBeUndefined();
  });

  it('OVER with OVERDURATION 30 and comms lost becomes critical 30 s after OVER began', () => {
    const tl = timeline([[0, 'OL'], [10, 'OL OVER'], [15, null]]);
    const s = new Sim(`${PRIMARY}OVERDURATION 30\n`, world(tl)).run(400);
    expect(s.notifyTime('SHUTDOWN')).toBe(40);
  });
});

describe('OFFDURATION while the UPS answers (§5.6 rule 3)', () => {
  const off = timeline([[0, 'OL'], [10, 'OFF']]);
  it('OFF for longer than OFFDURATION (30) is critical', () => {
    const s = new Sim(PRIMARY, world(off)).run(300);
    expect(s.notifyTime('OFF')).toBe(10);
    expect(s.notifyTime('SHUTDOWN')).toBe(45); // 45 - 10 > 30
  });
  it('OFFDURATION 0: critical at once', () => {
    const s = new Sim(`${PRIMARY}OFFDURATION 0\n`, world(off)).run(300);
    expect(s.notifyTime('SHUTDOWN')).toBe(10);
  });
  it('OFFDURATION -1: never', () => {
    const s = new Sim(`${PRIMARY}OFFDURATION -1\n`, world(off)).run(600);
    expect(s.shutdownAt).toBeUndefined();
  });
  it('OFF that ends before OFFDURATION resets the clock', () => {
    const tl = timeline([[0, 'OL'], [10, 'OFF'], [30, 'OL'], [35, 'OFF']]);
    const s = new Sim(PRIMARY, world(tl)).run(300);
    expect(s.notifications().slice(0, 3)).toEqual(['OFF', 'NOTOFF', 'OFF']);
    expect(s.notifyTime('SHUTDOWN')).toBe(70);
  });
});

describe('MINSUPPLIES and power values (§5.6)', () => {
  const two = (min: number, pvB = 1) => `${BASE}MINSUPPLIES ${String(min)}
MONITOR a@localhost 1 mon secret primary
MONITOR b@localhost ${String(pvB)} mon secret primary
`;
  const bFails = world({ 'a@localhost': timeline([[0, 'OL']]), 'b@localhost': outage });

  it('shuts down when the healthy supplies drop below MINSUPPLIES', () => {
    const s = new Sim(two(2), bFails).run(300);
    expect(s.logs('warning')).toContain('Too few UPS(es) are healthy (1<2), initiating forced shutdown');
    expect(s.notifyTime('SHUTDOWN')).toBe(60);
    // FSD is set on every UPS this system is primary for
    expect(s.kinds('set-fsd')[0]?.effect).toEqual({ kind: 'set-fsd', ups: ['a@localhost', 'b@localhost'] });
  });

  it('stays up while enough supplies remain', () => {
    const s = new Sim(two(1), bFails).run(300);
    expect(s.shutdownAt).toBeUndefined();
    expect(s.notifications(true)).toEqual(['ONBATT b@localhost', 'LOWBATT b@localhost']);
  });

  it('a power value 0 UPS is only monitored', () => {
    const s = new Sim(two(1, 0), world({ 'a@localhost': timeline([[0, 'OL']]), 'b@localhost': outage })).run(300);
    expect(s.shutdownAt).toBeUndefined();
  });

  it('MINSUPPLIES 0 never shuts down', () => {
    const s = new Sim(`${BASE}MINSUPPLIES 0\nMONITOR a@localhost 1 mon secret primary\n`, world(outage)).run(300);
    expect(s.shutdownAt).toBeUndefined();
  });

  it('a UPS never heard from counts as healthy', () => {
    const s = new Sim(two(2), world({ 'a@localhost': timeline([[0, 'OL']]), 'b@localhost': () => REFUSED })).run(300);
    expect(s.shutdownAt).toBeUndefined();
  });

  it('refuses a config whose power values cannot reach MINSUPPLIES', () => {
    const c = conf(`${BASE}MONITOR a@localhost 1 mon secret primary\n`);
    c.minSupplies = 2;
    expect(() => new Monitor(c, new FakeClock())).toThrow(UpsmonPowerError);
  });
});

describe('notification rules (§5.5, §5.8)', () => {
  it('the first OL and the first connect are silent; later ones notify', () => {
    const tl = timeline([[0, 'OL'], [10, 'OB'], [20, 'OL'], [30, null], [40, 'OL']]);
    const s = new Sim(PRIMARY, world(tl)).run(60);
    expect(s.notifications()).toEqual(['ONBATT', 'ONLINE', 'COMMBAD', 'COMMOK']);
  });

  it('a UPS already on battery at startup notifies ONBATT at once', () => {
    const s = new Sim(SECONDARY, world(timeline([[0, 'OB']]))).run(20);
    expect(s.notifications()).toEqual(['ONBATT']);
    expect(s.notifyTime('ONBATT')).toBe(0);
  });

  it('NOCOMM after NOCOMMWARNTIME without a good poll, repeated every NOCOMMWARNTIME', () => {
    const s = new Sim(`${PRIMARY}NOCOMMWARNTIME 60\n`, world(timeline([[0, 'OL'], [12, null]]))).run(250);
    expect(s.notifyTime('COMMBAD')).toBe(15);
    const nocomm = s.log.filter((r) => r.effect.kind === 'notify' && r.effect.type === 'NOCOMM').map((r) => r.t);
    // last good poll at 10: first at 70 (≥ 60 s), then each time more than 60 s passed
    expect(nocomm).toEqual([70, 135, 200]);
  });

  it('a UPS that never answered gets NOCOMM on the second failure (NUT counts from the epoch)', () => {
    const s = new Sim(`${PRIMARY}NOCOMMWARNTIME 60\n`, world(() => REFUSED)).run(80);
    expect(s.notifications()).toEqual(['COMMBAD', 'NOCOMM', 'NOCOMM']);
    expect(s.log.filter((r) => r.effect.kind === 'notify').map((r) => r.t)).toEqual([0, 5, 70]);
    expect(s.logs('err')).toContain('UPS [ups@localhost]: connect failed: Connection refused');
  });

  it('REPLBATT at most every RBWARNTIME', () => {
    const s = new Sim(`${PRIMARY}RBWARNTIME 100\n`, world(timeline([[0, 'OL RB']]))).run(250);
    const rb = s.log.filter((r) => r.effect.kind === 'notify' && r.effect.type === 'REPLBATT').map((r) => r.t);
    expect(rb).toEqual([0, 105, 210]);
  });

  it('flags clear by substring: LB gone from the status re-arms LOWBATT', () => {
    const tl = timeline([[0, 'OL'], [10, 'OB LB'], [20, 'OB'], [30, 'OB LB']]);
    const s = new Sim(`${SECONDARY}HOSTSYNC 1000\n`, world(tl)).run(40);
    expect(s.notifications()).toEqual(['ONBATT', 'LOWBATT', 'LOWBATT']);
  });

  it('lower-case tokens are handled but never clear by substring (NUT quirk kept): LOWBATT each poll', () => {
    const s = new Sim(`${SECONDARY}HOSTSYNC 1000\n`, world(timeline([[0, 'ob lb']]))).run(12);
    expect(s.notifications()).toEqual(['ONBATT', 'LOWBATT', 'LOWBATT', 'LOWBATT']);
  });

  it('CAL/OFF/BYPASS/ECO/ALARM/OVER/TRIM/BOOST notify on 0→1 and NOT* on 1→0', () => {
    const s = new Sim(`${PRIMARY}OFFDURATION -1\n`, world(timeline([
      [0, 'OL'], [10, ok('OL CAL BYPASS ECO ALARM OVER TRIM BOOST OFF', { alarm: 'Replace battery!' })], [20, 'OL'],
    ]))).run(25);
    expect(s.notifications()).toEqual([
      'CAL', 'BYPASS', 'ECO', 'ALARM', 'OVER', 'TRIM', 'BOOST', 'OFF',
      'NOTCAL', 'NOTOFF', 'NOTBYPASS', 'NOTALARM', 'NOTOVER', 'NOTTRIM', 'NOTBOOST', 'NOTECO',
    ]);
  });

  it('ALARM carries ups.alarm, is re-notified when it changes, and says n/a when it is missing', () => {
    const s = new Sim(PRIMARY, world(timeline([
      [0, 'OL'], [10, ok('OL ALARM', { alarm: 'Fan failure' })], [20, ok('OL ALARM', { alarm: 'Fan failure' })],
      [25, ok('OL ALARM', { alarm: 'Fan failure, overheat' })], [30, 'OL'], [40, 'OL ALARM'],
    ]))).run(45);
    const msgs = s.log.flatMap(({ effect: e }) => (e.kind === 'notify' ? [e.message] : []));
    expect(msgs).toEqual([
      'UPS ups@localhost: one or more active alarms: [Fan failure]',
      'UPS ups@localhost: one or more active alarms: [Fan failure, overheat]',
      'UPS ups@localhost is no longer in an alarm state (no active alarms)',
      'UPS ups@localhost: one or more active alarms: [n/a]',
    ]);
  });

  it('OTHER lists unknown tokens when their set changes; NOTOTHER when none remain', () => {
    const s = new Sim(PRIMARY, world(timeline([
      [0, 'OL'], [10, 'OL ABC'], [15, 'OL ABC'], [20, 'OL ABC XYZ'], [25, 'OL XYZ'], [30, 'OL'],
    ]))).run(35);
    const others = s.log.flatMap(({ effect: e }) => (e.kind === 'notify' ? [`${e.type}:${e.extra ?? ''}`] : []));
    expect(others).toEqual(['OTHER:ABC', 'OTHER:ABC XYZ', 'OTHER:XYZ', 'NOTOTHER:']);
  });

  it('ECO from buzzwords only when they name an ECO-like mode (hardnut fix of an always-true test)', () => {
    const s = new Sim(PRIMARY, world(timeline([
      [0, ok('OL', { buzzwords: 'vendor:voltronic:freq-converter-on' })],
      [10, ok('OL', { buzzwordsX: 'vendor:eaton:ECO' })],
      [20, 'OL'],
    ]))).run(25);
    expect(s.notifications()).toEqual(['ECO', 'NOTECO']);
    expect(s.notifyTime('ECO')).toBe(10);
  });

  it('NOTIFYFLAG chooses the deliveries; IGNORE suppresses them all; default SYSLOG+WALL', () => {
    const s = new Sim(`${PRIMARY}NOTIFYCMD /usr/sbin/upssched
NOTIFYFLAG ONBATT SYSLOG+WALL+EXEC
NOTIFYFLAG LOWBATT IGNORE
NOTIFYFLAG FSD EXEC
`, world(outage)).run(300);
    const deliver = Object.fromEntries(s.log.flatMap(({ effect: e }) => (e.kind === 'notify' ? [[e.type, e.deliver]] : [])));
    expect(deliver).toEqual({
      ONBATT: { syslog: true, wall: true, exec: true },
      LOWBATT: { syslog: false, wall: false, exec: false },
      FSD: { syslog: false, wall: false, exec: true },
      SHUTDOWN: { syslog: true, wall: true, exec: false },
    });
  });

  it('NOTIFYMSG templates replace the stock text, with the MONITOR name for %s', () => {
    const s = new Sim(`${PRIMARY}NOTIFYMSG ONBATT "Power lost on %s (100%% load)"
NOTIFYMSG SHUTDOWN "Bye at 100%%"
`, world(outage)).run(300);
    const msgs = Object.fromEntries(s.log.flatMap(({ effect: e }) => (e.kind === 'notify' ? [[e.type, e.message]] : [])));
    expect(msgs['ONBATT']).toBe('Power lost on ups@localhost (100% load)');
    expect(msgs['LOWBATT']).toBe('UPS ups@localhost battery is low');
    // without a %s NUT prints the template as is, %% included
    expect(msgs['SHUTDOWN']).toBe('Bye at 100%%');
  });

  it('host notifications carry no UPS', () => {
    const s = new Sim(PRIMARY, world(outage)).run(300);
    const shutdown = s.log.find((r) => r.effect.kind === 'notify' && r.effect.type === 'SHUTDOWN')?.effect;
    expect(shutdown).toMatchObject({ ups: null, message: 'Auto logout and shutdown proceeding' });
  });
});

describe('poll interval (POLLFREQ / POLLFREQALERT)', () => {
  it('polls at POLLFREQ on line power and POLLFREQALERT on battery', () => {
    const tl = timeline([[0, 'OL'], [20, 'OB'], [30, 'OL']]);
    const s = new Sim(`${SECONDARY}POLLFREQ 10\nPOLLFREQALERT 2\n`, world(tl)).run(60);
    const waits = s.kinds('wait').map((r) => [r.t, (r.effect as { ms: number }).ms]);
    expect(waits.slice(0, 8)).toEqual([[0, 10000], [10, 10000], [20, 2000], [22, 2000], [24, 2000], [26, 2000], [28, 2000], [30, 10000]]);
  });

  it('stays at POLLFREQALERT while any UPS needs it (hardnut: derived from every UPS each cycle)', () => {
    const s = new Sim(`${BASE}POLLFREQ 10\nPOLLFREQALERT 2\nMINSUPPLIES 1
MONITOR a@h 1 mon secret secondary
MONITOR b@h 1 mon secret secondary
`, world({ 'a@h': timeline([[0, 'OB']]), 'b@h': timeline([[0, 'OL']]) })).run(20);
    const ms = new Set(s.kinds('wait').map((r) => (r.effect as { ms: number }).ms));
    expect(ms).toEqual(new Set([2000]));
  });
});

describe('signals', () => {
  it('upsmon -c fsd on a secondary with everything on line shuts down at once', () => {
    const s = new Sim(SECONDARY, world(timeline([[0, 'OL']]))).at(12, { type: 'user-fsd' }).run(100);
    expect(s.logs('warning')).toContain('Got an FSD signal, initiating forced shutdown');
    expect(s.notifications()).toEqual(['SHUTDOWN']);
    expect(s.notifyTime('SHUTDOWN')).toBe(12);
    expect(s.kinds('set-fsd')).toEqual([]);
  });

  it('upsmon -c fsd on a primary sets FSD first', () => {
    const s = new Sim(PRIMARY, world(timeline([[0, 'OL']]))).at(12, { type: 'user-fsd' }).run(100);
    expect(s.notifications()).toEqual(['FSD', 'SHUTDOWN']);
    expect(s.timeOf((e) => e.kind === 'set-fsd')).toBe(12);
  });

  it('an FSD signal during a poll takes effect when the poll cycle ends', () => {
    const m = new Monitor(conf(SECONDARY), new FakeClock());
    expect(m.start().at(-1)).toEqual({ kind: 'poll', ups: ['ups@nas.lan'] });
    expect(notifies(m.handle({ type: 'user-fsd' }))).toEqual([]);
    const eff = m.handle({ type: 'polled', results: [{ ups: 'ups@nas.lan', ...ok('OL') }] });
    expect(notifies(eff)).toEqual(['SHUTDOWN']);
  });

  it('stop exits from the sleep, and after the cycle when it comes mid-poll', () => {
    const m = new Monitor(conf(SECONDARY), new FakeClock());
    m.start();
    m.handle({ type: 'stop' });
    expect(m.phase).toBe('polling');
    const eff = m.handle({ type: 'polled', results: [{ ups: 'ups@nas.lan', ...ok('OL') }] });
    expect(eff.at(-1)).toEqual({ kind: 'exit', code: 0 });
    expect(m.handle({ type: 'timer' })).toEqual([]);
  });

  it('NOPARENT at most every 120 s', () => {
    const s = new Sim(SECONDARY, world(timeline([[0, 'OL']])))
      .at(1, { type: 'parent-gone' }).at(61, { type: 'parent-gone' }).at(121, { type: 'parent-gone' }).run(130);
    expect(s.log.filter((r) => r.effect.kind === 'notify').map((r) => r.t)).toEqual([1, 121]);
    expect(s.notifications()).toEqual(['NOPARENT', 'NOPARENT']);
    expect(s.logs('alert')).toContain('Parent died - shutdown impossible');
  });
});

describe('SHUTDOWNEXIT (§5.7 step 5)', () => {
  it('no: keeps asking upsd for NUMLOGINS every second until stopped', () => {
    const s = new Sim(`${PRIMARY}SHUTDOWNEXIT no\n`, world(outage)).at(100, { type: 'stop' }).run(200);
    expect(s.shutdownAt).toBe(65);
    const pings = s.kinds('query-numlogins').filter((r) => r.t >= 65);
    expect(pings.length).toBe(36); // 65 … 100
    expect(pings[0]?.effect).toEqual({ kind: 'query-numlogins', ups: ['ups@localhost'] });
    expect(s.timeOf((e) => e.kind === 'exit')).toBe(100);
  });

  it('N: exits more than N seconds after the shutdown command', () => {
    const s = new Sim(`${PRIMARY}SHUTDOWNEXIT 10\n`, world(outage)).run(200);
    expect(s.timeOf((e) => e.kind === 'exit')).toBe(76);
    expect(s.monitor.phase).toBe('exited');
  });

  it('yes: exits right after the shutdown command', () => {
    const s = new Sim(`${PRIMARY}SHUTDOWNEXIT yes\n`, world(outage)).run(200);
    const i = s.log.findIndex((r) => r.effect.kind === 'shutdown');
    expect(s.log.slice(i).map((r) => r.effect.kind)).toEqual(['shutdown', 'log', 'exit']);
  });
});

describe('sleep, wake and clock jumps', () => {
  it('a sleep much longer than the poll interval is a clock jump: statuses are forgotten', () => {
    const clock = new FakeClock();
    const m = new Monitor(conf(`${SECONDARY}HOSTSYNC 15\n`), clock);
    m.start();
    m.handle({ type: 'polled', results: [{ ups: 'ups@nas.lan', ...ok('OB LB') }] });
    clock.ms += 5000;
    m.handle({ type: 'timer' });
    m.handle({ type: 'polled', results: [{ ups: 'ups@nas.lan', ...ok('OB LB') }] });
    // the host sleeps for an hour: on wake-up the stale OB+LB must not shut it down at once
    clock.ms += 3_600_000;
    const wake = m.handle({ type: 'timer' });
    expect(notifies(wake)).toEqual(['SUSPEND_TIMEJUMP_UNEXPECTED', 'SUSPEND_FINISHED']);
    const jump = wake.find((e) => e.kind === 'notify' && e.type === 'SUSPEND_TIMEJUMP_UNEXPECTED');
    expect(jump).toMatchObject({ ups: null, message: 'Unexpected clock change by 3600.000000 seconds, treating as wake up from sleep' });
    expect(wake).toContainEqual({ kind: 'reconnect', ups: 'ups@nas.lan' });
    expect(wake.at(-1)).toEqual({ kind: 'poll', ups: ['ups@nas.lan'] });
    const after = m.handle({ type: 'polled', results: [{ ups: 'ups@nas.lan', ...ok('OB LB') }] });
    expect(notifies(after)).toEqual(['ONBATT', 'LOWBATT']);
    expect(after.some((e) => e.kind === 'shutdown' || (e.kind === 'notify' && e.type === 'SHUTDOWN'))).toBe(false);
  });

  it('os-sleep / os-wake notify SUSPEND_STARTING and SUSPEND_FINISHED and pause polling', () => {
    const clock = new FakeClock();
    const m = new Monitor(conf(PRIMARY), clock);
    m.start();
    m.handle({ type: 'polled', results: [{ ups: 'ups@localhost', ...ok('OL') }] });
    expect(notifies(m.handle({ type: 'os-sleep' }))).toEqual(['SUSPEND_STARTING']);
    expect(m.phase).toBe('suspended');
    clock.ms += 5000;
    // a poll timer that was pending when the OS went to sleep is ignored
    expect(m.handle({ type: 'timer' }).filter((e) => e.kind !== 'log')).toEqual([]);
    const w = m.handle({ type: 'os-wake' });
    expect(notifies(w)).toEqual(['SUSPEND_FINISHED']);
    expect(w.at(-1)).toEqual({ kind: 'poll', ups: ['ups@localhost'] });
  });
});

describe('reload', () => {
  it('keeps state by UPS, appends new UPSes, drops removed ones, reconnects a new primary', () => {
    const clock = new FakeClock();
    const m = new Monitor(conf(`${BASE}MONITOR a@h 1 mon secret secondary\nMONITOR b@h 1 mon secret secondary\n`), clock);
    m.start();
    m.handle({ type: 'polled', results: [{ ups: 'a@h', ...ok('OB') }, { ups: 'b@h', ...ok('OL') }] });
    const eff = m.handle({
      type: 'reload',
      conf: conf(`${BASE}MONITOR c@h 1 mon secret secondary\nMONITOR a@h 2 mon secret primary\n`),
    });
    expect(eff).toContainEqual({ kind: 'reconnect', ups: 'a@h' });
    expect(eff.at(-1)).toEqual({ kind: 'poll', ups: ['a@h', 'c@h'] });
    expect(m.upsState('a@h')).toMatchObject({ role: 'primary', powerValue: 2, flags: { onbatt: true } });
    expect(m.upsState('b@h')).toBeUndefined();
    // a@h is still on battery: no second ONBATT
    const next = m.handle({ type: 'polled', results: [{ ups: 'a@h', ...ok('OB') }, { ups: 'c@h', ...ok('OL') }] });
    expect(notifies(next)).toEqual([]);
  });

  it('says when it applies a reload: at the loop top, before the reconnects and the poll of the new list; a reload asked mid-poll waits for the next loop top', () => {
    const m = new Monitor(conf(`${BASE}LOCALMONITOR u 1\n`), new FakeClock());
    m.start();
    const next = conf(`${BASE}MONITOR u@h 1 mon secret primary\n`);
    // mid-poll: nothing yet (the poll in flight reads the old sources)
    expect(m.handle({ type: 'reload', conf: next }).map((e) => e.kind)).not.toContain('reloaded');
    expect(m.handle({ type: 'polled', results: [{ ups: 'u', ...ok('OL') }] }).map((e) => e.kind)).toEqual(['wait']);
    // the loop top (NUT's: after the sleep) applies it
    const eff = m.handle({ type: 'timer' }).map((e) => e.kind);
    expect(eff).toContain('reloaded');
    expect(eff.indexOf('reloaded')).toBeLessThan(eff.indexOf('poll'));
    // during the forced shutdown a reload is ignored, and so the connections stay as they are
    const s = new Monitor(conf(`${BASE}LOCALMONITOR u 1\n`), new FakeClock());
    s.start();
    s.handle({ type: 'polled', results: [{ ups: 'u', ...ok('OB LB') }] });
    expect(s.phase).not.toBe('sleeping');
    expect(s.handle({ type: 'reload', conf: next }).map((e) => e.kind)).not.toContain('reloaded');
  });

  it('exits when the reloaded power values cannot reach MINSUPPLIES', () => {
    const m = new Monitor(conf(`${BASE}MONITOR a@h 1 mon secret secondary\n`), new FakeClock());
    m.start();
    m.handle({ type: 'polled', results: [{ ups: 'a@h', ...ok('OL') }] });
    const bad = conf(`${BASE}MONITOR a@h 1 mon secret secondary\n`);
    bad.minSupplies = 3;
    const eff = m.handle({ type: 'reload', conf: bad });
    expect(eff.at(-1)).toEqual({ kind: 'exit', code: 1 });
  });
});

describe('determinism', () => {
  it('the same timeline gives the same effects', () => {
    const a = new Sim(PRIMARY, world(outage)).run(300).log;
    const b = new Sim(PRIMARY, world(outage)).run(300).log;
    expect(a).toEqual(b);
    expect(a[0]?.t).toBe(0);
    expect(T0).toBeGreaterThan(0);
  });
});
