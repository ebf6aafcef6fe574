// LOCALMONITOR's model of the driver socket (local-state.ts), sans I/O: what a poll answers, and
// which driver lines count as a change worth polling for at once.
import { describe, expect, it } from 'vitest';
import { LOCAL_MAXAGE_S, LocalDriverState } from '../../../src/upsmon/monitor/local-state.js';

const T0 = 1_700_000_000_000;
const bytes = (s: string): Uint8Array => Buffer.from(s, 'latin1');
const DUMP = 'SETINFO ups.status "OL"\nSETINFO battery.charge "100"\nDATAOK\nDUMPDONE\n';

function connected(): LocalDriverState {
  const s = new LocalDriverState('u', T0);
  expect(s.connectedAt(T0)).toBe('DUMPALL\n');
  return s;
}

describe('LocalDriverState: what upsd would answer', () => {
  it('is not connected until a socket comes, then WAITs until DUMPDONE', () => {
    const s = new LocalDriverState('u', T0);
    expect(s.result()).toMatchObject({ ok: false, code: 'DRIVER-NOT-CONNECTED' });
    s.connectedAt(T0);
    expect(s.result()).toBe('wait');
    expect(s.receive(bytes('SETINFO ups.status "OB"\n'), T0).changed).toBe(false); // still in the dump
    expect(s.result()).toBe('wait');
    const r = s.receive(bytes('DATAOK\nDUMPDONE\n'), T0);
    expect(r.changed).toBe(true);
    expect(s.result()).toEqual({ ok: true, status: 'OB' });
  });

  it('a pushed status change is a change; another variable is not', () => {
    const s = connected();
    s.receive(bytes(DUMP), T0);
    expect(s.receive(bytes('SETINFO battery.charge "99"\n'), T0 + 1000).changed).toBe(false);
    expect(s.receive(bytes('SETINFO ups.status "OB DISCHRG"\n'), T0 + 2000).changed).toBe(true);
    expect(s.result()).toEqual({ ok: true, status: 'OB DISCHRG' });
    // split anywhere, the line still arrives whole
    expect(s.receive(bytes('SETINFO ups.status "OB DIS'), T0 + 3000).changed).toBe(false);
    expect(s.receive(bytes('CHRG LB"\n'), T0 + 3000).changed).toBe(true);
    expect(s.result()).toEqual({ ok: true, status: 'OB DISCHRG LB' });
  });

  it('DATASTALE after the dump answers DATA-STALE at once; DATAOK brings the data back', () => {
    const s = connected();
    s.receive(bytes(DUMP), T0);
    expect(s.receive(bytes('DATASTALE\n'), T0 + 1000).changed).toBe(true);
    expect(s.result()).toMatchObject({ ok: false, code: 'DATA-STALE' });
    expect(s.receive(bytes('DATAOK\n'), T0 + 2000).changed).toBe(true);
    expect(s.result()).toEqual({ ok: true, status: 'OL' });
  });

  it('a quiet driver is PINGed after MAXAGE/3, and stale after MAXAGE (+1 s, as NUT master)', () => {
    const s = connected();
    s.receive(bytes(DUMP), T0);
    const third = Math.trunc(LOCAL_MAXAGE_S / 3);
    expect(s.tick(T0 + third * 1000).ping).toBe(false);
    expect(s.tick(T0 + (third + 1) * 1000).ping).toBe(true);
    expect(s.tick(T0 + (third + 1) * 1000 + 500).ping).toBe(false); // not again at once
    expect(s.tick(T0 + (LOCAL_MAXAGE_S + 1) * 1000)).toMatchObject({ changed: false });
    const t = s.tick(T0 + (LOCAL_MAXAGE_S + 2) * 1000);
    expect(t).toMatchObject({ changed: true, transition: 'stale' });
    expect(s.result()).toMatchObject({ ok: false, code: 'DATA-STALE' });
    // the PONG counts as heard: fresh again
    expect(s.receive(bytes('PONG\n'), T0 + (LOCAL_MAXAGE_S + 3) * 1000).changed).toBe(true);
    expect(s.result()).toEqual({ ok: true, status: 'OL' });
  });

  it('a lost connection flushes everything; a new one starts from WAIT again', () => {
    const s = connected();
    s.receive(bytes(DUMP), T0);
    expect(s.disconnected()).toBe(true);
    expect(s.result()).toMatchObject({ ok: false, code: 'DRIVER-NOT-CONNECTED' });
    s.connectedAt(T0 + 5000);
    expect(s.result()).toBe('wait');
    s.receive(bytes('SETINFO ups.status "OB"\nDATAOK\nDUMPDONE\n'), T0 + 5000);
    expect(s.result()).toEqual({ ok: true, status: 'OB' });
    expect(s.entry.state.getInfo('battery.charge')).toBeUndefined(); // not the old connection's
  });

  it('the FSD latch shows as upsd shows it; buzzwords and the alarm come along', () => {
    const s = connected();
    s.receive(bytes('SETINFO ups.status "OB ALARM"\nSETINFO ups.alarm "overheat"\nSETINFO ups.mode.buzzwords "vendor:x:ECO"\nDATAOK\nDUMPDONE\n'), T0);
    expect(s.result()).toEqual({ ok: true, status: 'OB ALARM', alarm: 'overheat', buzzwords: 'vendor:x:ECO' });
    s.fsd = true;
    expect(s.result()).toMatchObject({ ok: true, status: 'FSD OB ALARM' });
  });

  it('an over-long line is reported (the link drops the connection); a garbled one is noted once', () => {
    const s = connected();
    const r1 = s.receive(bytes('SETINFO\nSETINFO\n'), T0);
    expect(r1.note).toMatch(/SETINFO/);
    expect(s.receive(bytes('SETINFO\n'), T0).note).toBeUndefined();
    expect(s.receive(new Uint8Array(40 * 1024).fill(0x41), T0).overflow).toBe(true);
  });

  it('the rules get the variables the driver published (issue 16); a name it lacks is left out, a lost driver gives none', () => {
    const s = connected();
    s.receive(bytes('SETINFO ups.status "OL"\nSETINFO ups.temperature "41.5"\nSETINFO battery.charge "100"\nDATAOK\nDUMPDONE\n'), T0);
    expect(Object.fromEntries(s.values(['ups.temperature', 'battery.charge', 'battery.runtime']))).toEqual({ 'ups.temperature': '41.5', 'battery.charge': '100' });
    s.receive(bytes('SETINFO ups.temperature "36"\n'), T0 + 1000);
    expect(s.values(['ups.temperature']).get('ups.temperature')).toBe('36');
    s.disconnected();
    expect(s.values(['ups.temperature', 'battery.charge']).size).toBe(0);
  });
});
