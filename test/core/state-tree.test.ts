import { describe, it, expect } from 'vitest';
import { StateTree } from '../../src/core/state-tree.js';

function tree(...names: string[]): StateTree {
  const t = new StateTree();
  for (const n of names) t.setInfo(n, 'x');
  return t;
}

describe('StateTree: setInfo / getInfo / get', () => {
  it('creates, updates, reports change', () => {
    const t = new StateTree();
    expect(t.setInfo('ups.status', 'OL')).toBe(true);
    expect(t.getInfo('ups.status')).toBe('OL');
    expect(t.setInfo('ups.status', 'OL')).toBe(false);
    expect(t.setInfo('ups.status', 'OB')).toBe(true);
    expect(t.getInfo('ups.status')).toBe('OB');
    expect(t.size).toBe(1);
  });

  it('propagates a case-only value change (hardnut fix of §3.2 ⚠)', () => {
    const t = tree();
    t.setInfo('ups.beeper.status', 'enabled');
    expect(t.setInfo('ups.beeper.status', 'ENABLED')).toBe(true);
    expect(t.getInfo('ups.beeper.status')).toBe('ENABLED');
  });

  it('looks names up case-insensitively and keeps the case of first creation', () => {
    const t = new StateTree();
    t.setInfo('Battery.Charge', '10');
    expect(t.setInfo('BATTERY.CHARGE', '20')).toBe(true);
    expect(t.size).toBe(1);
    expect(t.getInfo('battery.charge')).toBe('20');
    expect(t.get('battery.CHARGE')?.name).toBe('Battery.Charge');
    expect(t.vars().map((v) => v.name)).toEqual(['Battery.Charge']);
  });

  it('folds ASCII only, like strcasecmp in the C locale', () => {
    const t = new StateTree();
    t.setInfo('ı', 'dotless');
    expect(t.getInfo('I')).toBeUndefined();
    expect(t.getInfo('i')).toBeUndefined();
    t.setInfo('ſ', 'long s');
    expect(t.getInfo('s')).toBeUndefined();
  });

  it('new vars have empty metadata', () => {
    const t = tree('a');
    expect(t.get('a')).toEqual({
      name: 'a', value: 'x', aux: 0, enums: [], ranges: [],
      flags: { rw: false, string: false, number: false, immutable: false },
    });
    expect(t.get('b')).toBeUndefined();
    expect(t.getInfo('b')).toBeUndefined();
  });

  it('keeps empty values', () => {
    const t = new StateTree();
    expect(t.setInfo('a', '')).toBe(true);
    expect(t.getInfo('a')).toBe('');
    expect(t.setInfo('a', '')).toBe(false);
  });
});

describe('StateTree: delInfo and immutable', () => {
  it('deletes case-insensitively; false when absent', () => {
    const t = tree('ups.alarm');
    expect(t.delInfo('UPS.ALARM')).toBe(true);
    expect(t.size).toBe(0);
    expect(t.delInfo('ups.alarm')).toBe(false);
  });

  it('an immutable var keeps its value and cannot be deleted', () => {
    const t = new StateTree();
    t.setInfo('battery.charge.low', '30');
    expect(t.setImmutable('battery.charge.low')).toBe(true);
    expect(t.setImmutable('battery.charge.low')).toBe(false);
    expect(t.setImmutable('missing')).toBe(false);
    expect(t.setInfo('battery.charge.low', '10')).toBe(false);
    expect(t.getInfo('battery.charge.low')).toBe('30');
    expect(t.delInfo('battery.charge.low')).toBe(false);
    expect(t.get('battery.charge.low')?.flags.immutable).toBe(true);
  });

  it('clear() forgets everything, immutable vars and commands included', () => {
    const t = tree('a', 'b');
    t.setImmutable('a');
    t.addCmd('load.off');
    t.clear();
    expect(t.size).toBe(0);
    expect(t.vars()).toEqual([]);
    expect(t.cmds()).toEqual([]);
    expect(t.hasCmd('load.off')).toBe(false);
  });
});

describe('StateTree: enums', () => {
  it('adds in insertion order, rejects exact duplicates and missing vars', () => {
    const t = tree('input.transfer.low');
    expect(t.addEnum('input.transfer.low', '103')).toBe(true);
    expect(t.addEnum('input.transfer.low', '100')).toBe(true);
    expect(t.addEnum('INPUT.TRANSFER.LOW', '106')).toBe(true);
    expect(t.addEnum('input.transfer.low', '100')).toBe(false);
    expect(t.get('input.transfer.low')?.enums).toEqual(['103', '100', '106']);
    expect(t.addEnum('nope', '1')).toBe(false);
  });

  it('duplicate check is exact, so case variants are distinct enums', () => {
    const t = tree('v');
    expect(t.addEnum('v', 'on')).toBe(true);
    expect(t.addEnum('v', 'ON')).toBe(true);
    expect(t.get('v')?.enums).toEqual(['on', 'ON']);
  });

  it('delEnum matches case-insensitively and removes the first match (§3.2)', () => {
    const t = tree('v');
    t.addEnum('v', 'on');
    t.addEnum('v', 'ON');
    t.addEnum('v', 'off');
    expect(t.delEnum('v', 'On')).toBe(true);
    expect(t.get('v')?.enums).toEqual(['ON', 'off']);
    expect(t.delEnum('v', 'maybe')).toBe(false);
    expect(t.delEnum('missing', 'on')).toBe(false);
  });
});

describe('StateTree: ranges', () => {
  it('adds in insertion order; min > max and missing var rejected', () => {
    const t = tree('v');
    expect(t.addRange('v', 1, 10)).toBe(true);
    expect(t.addRange('v', 20, 30)).toBe(true);
    expect(t.addRange('v', 5, 4)).toBe(false);
    expect(t.addRange('v', 7, 7)).toBe(true);
    expect(t.addRange('nope', 1, 2)).toBe(false);
    expect(t.get('v')?.ranges).toEqual([{ min: 1, max: 10 }, { min: 20, max: 30 }, { min: 7, max: 7 }]);
  });

  it('reproduces NUT: a range sharing EITHER bound with an existing one is a duplicate (§3.2 ⚠)', () => {
    const t = tree('v');
    t.addRange('v', 1, 10);
    expect(t.addRange('v', 1, 20)).toBe(false); // same min
    expect(t.addRange('v', 0, 10)).toBe(false); // same max
    expect(t.addRange('v', 2, 9)).toBe(true);
    expect(t.get('v')?.ranges).toEqual([{ min: 1, max: 10 }, { min: 2, max: 9 }]);
  });

  it('delRange removes the first range matching either bound (§3.2 ⚠)', () => {
    const t = tree('v');
    t.addRange('v', 1, 10);
    t.addRange('v', 2, 20);
    expect(t.delRange('v', 99, 20)).toBe(true);
    expect(t.get('v')?.ranges).toEqual([{ min: 1, max: 10 }]);
    expect(t.delRange('v', 1, 999)).toBe(true);
    expect(t.get('v')?.ranges).toEqual([]);
    expect(t.delRange('v', 1, 10)).toBe(false);
    expect(t.delRange('nope', 1, 10)).toBe(false);
  });

  it('refuses non-integers and values outside C int', () => {
    const t = tree('v');
    expect(t.addRange('v', 1.5, 3)).toBe(false);
    expect(t.addRange('v', 0, 2 ** 31)).toBe(false);
    expect(t.addRange('v', -(2 ** 31), 2 ** 31 - 1)).toBe(true);
    expect(t.addRange('v', Number.NaN, 1)).toBe(false);
  });
});

describe('StateTree: aux and flags', () => {
  it('setAux reports changes only', () => {
    const t = tree('v');
    expect(t.setAux('v', 32)).toBe(true);
    expect(t.setAux('V', 32)).toBe(false);
    expect(t.get('v')?.aux).toBe(32);
    expect(t.setAux('v', 0)).toBe(true);
    expect(t.setAux('nope', 1)).toBe(false);
    expect(t.setAux('v', 1.5)).toBe(false);
  });

  it('setFlags replaces rw/string/number from case-insensitive words, ignores others', () => {
    const t = tree('v');
    expect(t.setFlags('v', ['rw', 'String', 'BOGUS'])).toBe(true);
    expect(t.get('v')?.flags).toEqual({ rw: true, string: true, number: false, immutable: false });
    expect(t.setFlags('v', ['STRING', 'RW'])).toBe(false);
    expect(t.setFlags('v', ['NUMBER'])).toBe(true);
    expect(t.get('v')?.flags).toEqual({ rw: false, string: false, number: true, immutable: false });
    expect(t.setFlags('v', [])).toBe(true);
    expect(t.get('v')?.flags).toEqual({ rw: false, string: false, number: false, immutable: false });
    expect(t.setFlags('nope', ['RW'])).toBe(false);
  });

  it('setFlags keeps immutable', () => {
    const t = tree('v');
    t.setImmutable('v');
    expect(t.setFlags('v', ['RW'])).toBe(true);
    expect(t.get('v')?.flags).toEqual({ rw: true, string: false, number: false, immutable: true });
  });
});

describe('StateTree: commands', () => {
  it('are unique case-insensitively and keep the first case', () => {
    const t = new StateTree();
    expect(t.addCmd('Load.Off')).toBe(true);
    expect(t.addCmd('load.off')).toBe(false);
    expect(t.hasCmd('LOAD.OFF')).toBe(true);
    expect(t.cmds()).toEqual(['Load.Off']);
    expect(t.delCmd('LOAD.off')).toBe(true);
    expect(t.delCmd('load.off')).toBe(false);
    expect(t.hasCmd('load.off')).toBe(false);
    expect(t.size).toBe(0); // commands are not vars
  });

  it('are listed sorted case-insensitively', () => {
    const t = new StateTree();
    for (const c of ['test.battery.start', 'beeper.on', 'Load.on', 'load.off', 'beeper.disable', 'shutdown.return']) t.addCmd(c);
    expect(t.cmds()).toEqual(['beeper.disable', 'beeper.on', 'load.off', 'Load.on', 'shutdown.return', 'test.battery.start']);
  });
});

describe('StateTree: vars() order', () => {
  it('sorts like strcasecmp: lowercased, by code unit (`_` < letters, digits < letters, `.` < digits)', () => {
    const t = tree('ups_x', 'UPS.Status', 'ups.mfr', 'Battery.charge', 'battery.charge.low', 'ups1', 'UPSB', 'ups.9', 'a', 'ZZ', 'ups[', 'ups.model');
    expect(t.vars().map((v) => v.name)).toEqual([
      'a', 'Battery.charge', 'battery.charge.low', 'ups.9', 'ups.mfr', 'ups.model', 'UPS.Status',
      'ups1', 'ups[', 'ups_x', 'UPSB', 'ZZ',
    ]);
  });

  it('is kept in sync through creates, deletes and value updates, and returns a fresh copy', () => {
    const t = tree('b', 'c');
    const first = t.vars();
    expect(first.map((v) => v.name)).toEqual(['b', 'c']);
    first.reverse();
    first.push(first[0]!);
    expect(t.vars().map((v) => v.name)).toEqual(['b', 'c']);
    t.setInfo('A', '1');
    expect(t.vars().map((v) => v.name)).toEqual(['A', 'b', 'c']);
    t.setInfo('b', 'changed');
    expect(t.vars().map((v) => `${v.name}=${v.value}`)).toEqual(['A=1', 'b=changed', 'c=x']);
    t.delInfo('B');
    expect(t.vars().map((v) => v.name)).toEqual(['A', 'c']);
  });

  it('returns the live entries that get() returns', () => {
    const t = tree('a');
    expect(t.vars()[0]).toBe(t.get('a'));
  });

  it('stays fast: 10 000 LIST VARs of 200 vars', () => {
    const t = new StateTree();
    for (let i = 0; i < 200; i++) t.setInfo(`var.${(i * 7919) % 200}.x`, String(i));
    const start = performance.now();
    let total = 0;
    for (let i = 0; i < 10_000; i++) total += t.vars().length;
    expect(total).toBe(2_000_000);
    expect(performance.now() - start).toBeLessThan(2_000);
  });
});
