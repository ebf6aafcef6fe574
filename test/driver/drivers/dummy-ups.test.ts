import { describe, it, expect } from 'vitest';
import { DriverState } from '../../../src/driver/dstate.js';
import { DataFileReplay, resolveMode, setDummyVar } from '../../../src/driver/drivers/dummy-ups.js';

function replay(text: string) {
  let now = 0;
  const state = new DriverState();
  const r = new DataFileReplay(state, () => now);
  r.load(text);
  return { state, r, advance: (ms: number) => { now += ms; } };
}

describe('dummy-ups data files (spec §7.2)', () => {
  it('TIMER pauses the replay; it resumes at the next line once the time has passed', () => {
    const { state, r, advance } = replay('ups.status: OL\nTIMER 5\nups.status: OB\nTIMER 2\nups.status: OB LB\n');
    expect(r.run()).toBe(false);
    expect(state.getInfo('ups.status')).toBe('OL');
    advance(4999);
    expect(r.run()).toBe(false);
    expect(state.getInfo('ups.status')).toBe('OL');
    advance(1);
    r.run();
    expect(state.getInfo('ups.status')).toBe('OB');
    advance(2000);
    expect(r.run()).toBe(true);
    expect(state.getInfo('ups.status')).toBe('OB LB');
    expect(r.active).toBe(false);
  });

  it('joins value words with single spaces, strips the colon, skips driver.* lines', () => {
    const { state, r } = replay('a.b:   two    words\nx: k=v\ndriver.name: evil\nups.mfr:Acme # comment\n');
    r.run();
    expect(state.getInfo('a.b')).toBe('two words');
    expect(state.getInfo('x')).toBe('k = v');
    expect(state.getInfo('driver.name')).toBeUndefined();
    expect(state.getInfo('ups.mfr')).toBeUndefined(); // "ups.mfr:Acme" is one word: name ups.mfr, no value → delete
  });

  it('known variables take their table flags; unknown ones become RW STRING 32', () => {
    const { state, r } = replay('battery.charge: 5\nups.test.result: done\nmy.var: x\ninput.quality: good\n');
    r.run();
    const flags = (n: string) => { const v = state.tree.get(n); return v ? [v.flags.rw, v.flags.string, v.aux] : undefined; };
    expect(flags('battery.charge')).toEqual([true, false, 0]);
    expect(flags('ups.test.result')).toEqual([true, true, 16]);
    expect(flags('my.var')).toEqual([true, true, 32]);
    expect(flags('input.quality')).toEqual([true, true, 6]);
  });

  it('ALARM lines raise ups.alarm and the ALARM status token; a bare ALARM clears them', () => {
    const { state, r, advance } = replay('ups.status: OL\nALARM Replace battery!\nTIMER 1\nALARM\n');
    r.run();
    expect(state.getInfo('ups.alarm')).toBe('Replace battery!');
    expect(state.getInfo('ups.status')).toBe('ALARM OL');
    advance(1000);
    r.run();
    expect(state.getInfo('ups.alarm')).toBeUndefined();
    expect(state.getInfo('ups.status')).toBe('OL');
  });

  it('an empty value deletes the variable (SET with "" does the same)', () => {
    const { state, r } = replay('x.y: 1\n');
    r.run();
    expect(state.getInfo('x.y')).toBe('1');
    setDummyVar(state, 'x.y', '');
    expect(state.getInfo('x.y')).toBeUndefined();
  });

  it('mode follows driver.parameter.mode, else the file suffix (§7.1)', () => {
    expect(resolveMode('a.seq', undefined)).toBe('dummy-loop');
    expect(resolveMode('a.dev', undefined)).toBe('dummy-once');
    expect(resolveMode('a.txt', undefined)).toBe('dummy');
    expect(resolveMode('a.seq', 'dummy-once')).toBe('dummy-once');
    expect(resolveMode('a.dev', 'dummy')).toBe('dummy-loop');
  });
});
