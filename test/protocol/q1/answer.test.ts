import { describe, it, expect } from 'vitest';
import { MEGATEC, findItem, processAnswer, infoValue, statusBit, type QxItem } from '../../../src/protocol/q1/index.js';

// NUT's own test reply for the megatec subdriver
const Q1 = '(215.0 195.0 230.0 014 49.0 22.7 30.0 00000000\r';
const item = (name: string, col?: number): QxItem => {
  const found = MEGATEC.items.find((i) => i.name === name && (col === undefined || i.from === col));
  if (!found) throw new Error(name);
  return found;
};
const value = (name: string, reply = Q1, col?: number): string => {
  const it = item(name, col);
  const r = processAnswer(it, reply, reply.length);
  if (!r.ok) throw new Error(r.reason);
  const v = infoValue(it, r.value, { input: '215.0', output: '230.0' });
  return v.kind === 'set' ? v.value : v.kind === 'status' ? v.token : v.kind === 'alarm' ? v.text : v.kind;
};

describe('Q1 replies to NUT values (§10.1)', () => {
  it('cuts each value from its columns and formats it as NUT does', () => {
    expect(value('input.voltage')).toBe('215.0');
    expect(value('input.voltage.fault')).toBe('195.0');
    expect(value('output.voltage')).toBe('230.0');
    expect(value('ups.load')).toBe('14');
    expect(value('input.frequency')).toBe('49.0');
    expect(value('battery.voltage')).toBe('22.70');
    expect(value('ups.temperature')).toBe('30.0');
    expect(value('ups.type')).toBe('online');
    expect(value('ups.beeper.status')).toBe('disabled');
  });

  it('maps the status bits to tokens: utility fail, low battery, test, shutdown active', () => {
    const bits = '(215.0 195.0 230.0 014 49.0 22.7 30.0 11001110\r';
    expect(value('ups.status', bits, 38)).toBe('!OL');
    expect(value('ups.status', bits, 39)).toBe('LB');
    expect(value('ups.alarm', bits, 41)).toBe('nothing');
    expect(value('ups.type', bits, 42)).toBe('offline / line interactive');
    expect(value('ups.status', bits, 43)).toBe('CAL');
    expect(value('ups.status', bits, 44)).toBe('FSD');
    expect(value('ups.status', Q1, 38)).toBe('OL');
    expect(value('ups.alarm', '(215.0 195.0 230.0 014 49.0 22.7 30.0 00010000\r', 41)).toBe('UPS selftest failed!');
  });

  it('decides TRIM, BYPASS or BOOST from the output/input voltage ratio', () => {
    const v = (out: string): string => { const r = statusBit(40, '1', { input: '230.0', output: out }); return r.ok ? r.value : 'error'; };
    expect(v('200.0')).toBe('TRIM');
    expect(v('230.0')).toBe('BYPASS');
    expect(v('250.0')).toBe('BOOST');
    expect(v('100.0')).toBe('error');
    expect(v('400.0')).toBe('error');
    expect(statusBit(40, '0', { input: '230', output: '1' })).toEqual({ ok: true, value: '' });
    expect(statusBit(38, 'x', { input: undefined, output: undefined }).ok).toBe(false);
  });

  it('refuses short replies, a wrong first character, and non-numeric values', () => {
    const iv = findItem(MEGATEC.items, 'input.voltage') as QxItem;
    expect(processAnswer(iv, '(215.0\r', 7).ok).toBe(false);
    expect(processAnswer(iv, Q1.replace('(', '#'), 47).ok).toBe(false);
    const r = processAnswer(iv, Q1.replace('215.0', '2-5.0'), 47);
    expect(r.ok && infoValue(iv, r.value, { input: undefined, output: undefined }).kind).toBe('error');
    // a NUL ends the C string the value is cut from
    const nul = processAnswer(iv, `(21\0.0${Q1.slice(6)}`, 47);
    expect(nul).toEqual({ ok: true, value: '21' });
  });

  it('trims the vendor fields of I', () => {
    const reply = '#HARDNUT SIM     Q1-1000    V2.21     \r';
    expect(value('device.mfr', reply)).toBe('HARDNUT SIM');
    expect(value('device.model', reply)).toBe('Q1-1000');
    expect(value('ups.firmware', reply)).toBe('V2.21');
    expect(value('input.voltage.nominal', '#230.0 004 024.0 50.0\r')).toBe('230');
    expect(value('input.current.nominal', '#230.0 004 024.0 50.0\r')).toBe('4.0');
    expect(value('battery.voltage.nominal', '#230.0 004 024.0 50.0\r')).toBe('24.0');
    expect(value('input.frequency.nominal', '#230.0 004 024.0 50.0\r')).toBe('50');
  });
});
