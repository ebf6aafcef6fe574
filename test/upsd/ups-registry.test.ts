// upsd's per-UPS state (spec §2.6, §3.2): WAIT on connect, staleness with PING at MAXAGE/3, the FSD
// latch across reloads, LIST UPS order.
import { describe, expect, it } from 'vitest';
import {
  ENTRY_OVERHEAD_BYTES, MAX_CMDS_PER_UPS, MAX_ENUMS_PER_VAR, MAX_RANGES_PER_VAR, MAX_STATE_BYTES_PER_UPS, MAX_VARS_PER_UPS,
  UpsEntry, UpsRegistry,
} from '../../src/upsd/ups-registry.js';

const T0 = 1_000_000_000;
const s = (n: number): number => T0 + n * 1000;

function connected(): UpsEntry {
  const e = new UpsEntry({ name: 'ups1', driver: 'dummy-ups' }, T0);
  e.connectedAt(T0);
  return e;
}

describe('UpsEntry bounds on a driver', () => {
  it('variables beyond MAX_VARS_PER_UPS are refused, reported once; updates and deletions still work', () => {
    const e = connected();
    const reports: string[] = [];
    for (let i = 0; i < MAX_VARS_PER_UPS + 500; i++) {
      const r = e.apply({ type: 'SETINFO', name: `x.${String(i)}`, value: 'v' }, s(1));
      if (r !== undefined) reports.push(r);
    }
    expect(e.state.size).toBe(MAX_VARS_PER_UPS);
    expect(reports).toEqual([`MAX_VARS_PER_UPS (${String(MAX_VARS_PER_UPS)} variables)`]);
    e.apply({ type: 'SETINFO', name: 'ups.status', value: 'OB' }, s(2));
    expect(e.state.getInfo('ups.status')).toBe('OB');
    e.apply({ type: 'DELINFO', name: 'x.1' }, s(2));
    e.apply({ type: 'SETINFO', name: 'y.new', value: 'v' }, s(2));
    expect(e.state.getInfo('y.new')).toBe('v');
    // a reconnect starts afresh, and reports again
    e.connectedAt(s(3));
    expect(e.chargedBytes).toBe(ENTRY_OVERHEAD_BYTES + 'ups.status'.length + 'WAIT'.length);
  });

  it('commands, enums, ranges and bytes are bounded; charged bytes go back down on deletion', () => {
    const e = connected();
    const base = e.chargedBytes;
    for (let i = 0; i < MAX_CMDS_PER_UPS + 10; i++) e.apply({ type: 'ADDCMD', name: `c.${String(i)}` }, s(1));
    expect(e.state.cmds().length).toBe(MAX_CMDS_PER_UPS);
    for (let i = 0; i < MAX_CMDS_PER_UPS; i++) e.apply({ type: 'DELCMD', name: `C.${String(i)}` }, s(1));
    expect(e.state.cmds().length).toBe(0);
    e.apply({ type: 'SETINFO', name: 'v', value: 'x' }, s(1));
    for (let i = 0; i < MAX_ENUMS_PER_VAR + 10; i++) e.apply({ type: 'ADDENUM', name: 'v', value: String(i) }, s(1));
    for (let i = 0; i < MAX_RANGES_PER_VAR + 10; i++) e.apply({ type: 'ADDRANGE', name: 'v', min: i * 10, max: i * 10 + 5 }, s(1));
    expect(e.state.get('v')?.enums.length).toBe(MAX_ENUMS_PER_VAR);
    expect(e.state.get('v')?.ranges.length).toBe(MAX_RANGES_PER_VAR);
    e.apply({ type: 'DELENUM', name: 'v', value: '0' }, s(1));
    e.apply({ type: 'DELINFO', name: 'v' }, s(1));
    expect(e.chargedBytes).toBe(base);
    // 512-character values: the byte bound comes before the count
    const big = 'x'.repeat(512);
    for (let i = 0; e.state.size < MAX_VARS_PER_UPS && i < MAX_VARS_PER_UPS; i++) e.apply({ type: 'SETINFO', name: `b.${String(i)}`, value: big }, s(1));
    expect(e.chargedBytes).toBeLessThanOrEqual(MAX_STATE_BYTES_PER_UPS);
    expect(e.state.size).toBeLessThan(MAX_VARS_PER_UPS);
    expect(e.state.size).toBeGreaterThan(MAX_STATE_BYTES_PER_UPS / (ENTRY_OVERHEAD_BYTES + 520) - 1);
  });
});

describe('UpsEntry', () => {
  it('a new entry is stale and not connected; the socket is <driver>-<ups>', () => {
    const e = new UpsEntry({ name: 'ups1', driver: 'usbhid-ups' }, T0);
    expect(e.availability()).toBe('DRIVER-NOT-CONNECTED');
    expect(e.stale).toBe(true);
    expect(e.socketName).toBe('usbhid-ups-ups1');
  });

  it('on connect: only ups.status = WAIT until the dump arrives', () => {
    const e = connected();
    expect(e.availability()).toBe('ok');
    expect(e.state.vars().map((v) => [v.name, v.value])).toEqual([['ups.status', 'WAIT']]);
    e.apply({ type: 'SETINFO', name: 'ups.status', value: 'OL' }, s(1));
    expect(e.state.getInfo('ups.status')).toBe('OL');
  });

  it('PING once more than MAXAGE/3 seconds passed without a word; stale beyond MAXAGE + 1', () => {
    const e = connected();
    e.apply({ type: 'DATAOK' }, T0);
    e.apply({ type: 'DUMPDONE' }, T0);
    expect(e.checkFreshness(s(5), 15)).toEqual({ ping: false });
    expect(e.checkFreshness(s(6), 15)).toEqual({ ping: true });
    expect(e.checkFreshness(s(8), 15)).toEqual({ ping: false }); // pinged 2 s ago
    expect(e.checkFreshness(s(12), 15).ping).toBe(true);
    expect(e.checkFreshness(s(16), 15).transition).toBeUndefined(); // 1 s grace
    expect(e.checkFreshness(s(17), 15)).toEqual({ ping: false, transition: 'stale' }); // pinged 5 s ago: not more than 5
    expect(e.availability()).toBe('DATA-STALE');
    e.apply({ type: 'PONG' }, s(17));
    expect(e.checkFreshness(s(18), 15)).toEqual({ ping: false, transition: 'fresh' });
  });

  it('lines NUT does not count do not refresh it', () => {
    const e = connected();
    e.apply({ type: 'DATAOK' }, T0);
    e.apply({ type: 'PID', pid: '1' }, s(16));
    e.apply({ type: 'GOODBYE' }, s(16));
    expect(e.checkFreshness(s(17), 15).transition).toBe('stale');
  });

  it('DATASTALE from the driver counts only after DUMPDONE', () => {
    const e = connected();
    e.apply({ type: 'DATASTALE' }, T0);
    expect(e.checkFreshness(s(1), 15).transition).toBeUndefined();
    e.apply({ type: 'DUMPDONE' }, T0);
    expect(e.checkFreshness(s(1), 15).transition).toBe('stale');
    e.apply({ type: 'DATAOK' }, s(2));
    expect(e.checkFreshness(s(2), 15).transition).toBe('fresh');
  });

  it('a dump without DATAOK leaves the data stale, as in NUT (its flag starts false)', () => {
    const e = connected();
    e.apply({ type: 'DUMPDONE' }, T0);
    expect(e.checkFreshness(s(1), 15).transition).toBe('stale');
  });

  it('disconnect forgets the data; reconnect starts over with WAIT', () => {
    const e = connected();
    e.apply({ type: 'SETINFO', name: 'battery.charge', value: '90' }, T0);
    e.disconnected();
    expect(e.availability()).toBe('DRIVER-NOT-CONNECTED');
    expect(e.state.size).toBe(0);
    e.connectedAt(s(3));
    expect(e.state.getInfo('ups.status')).toBe('WAIT');
    expect(e.state.getInfo('battery.charge')).toBeUndefined();
  });

  it('TRACKING results go to the callback', () => {
    const e = connected();
    const got: Array<[string, number]> = [];
    e.apply({ type: 'TRACKING', id: 'abc', status: 3 }, T0, (id, st) => got.push([id, st]));
    expect(got).toEqual([['abc', 3]]);
  });
});

describe('UpsRegistry', () => {
  it('lookups are case-insensitive; LIST UPS keeps ups.conf order', () => {
    const r = new UpsRegistry();
    r.load([{ name: 'b', driver: 'd' }, { name: 'A', driver: 'd' }, { name: 'c', driver: 'd' }], T0);
    expect(r.list().map((e) => e.name)).toEqual(['b', 'A', 'c']);
    expect(r.get('a')?.name).toBe('A');
    expect(r.get('B')?.name).toBe('b');
  });

  it('reload: new UPSes first, removed ones gone, kept ones keep their state and FSD latch', () => {
    const r = new UpsRegistry();
    r.load([{ name: 'a', driver: 'd' }, { name: 'b', driver: 'd', desc: 'old' }], T0);
    const b = r.get('b') as UpsEntry;
    b.fsd = true;
    b.connectedAt(T0);
    const res = r.load([{ name: 'b', driver: 'd', desc: 'new' }, { name: 'x', driver: 'd' }, { name: 'y', driver: 'd' }], s(1));
    expect(res.removed.map((e) => e.name)).toEqual(['a']);
    expect(res.added.map((e) => e.name)).toEqual(['x', 'y']);
    expect(res.redefined).toEqual([]);
    expect(r.list().map((e) => e.name)).toEqual(['x', 'y', 'b']);
    expect(r.get('b')).toBe(b);
    expect(b.fsd).toBe(true);
    expect(b.desc).toBe('new');
    expect(r.get('a')).toBeUndefined();
  });

  it('reload with another driver: redefined', () => {
    const r = new UpsRegistry();
    r.load([{ name: 'a', driver: 'd1' }], T0);
    const res = r.load([{ name: 'a', driver: 'd2' }], T0);
    expect(res.redefined.map((e) => e.socketName)).toEqual(['d2-a']);
  });
});
