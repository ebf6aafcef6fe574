// SET/INSTCMD status tracking (spec §2.5).
import { describe, expect, it } from 'vitest';
import { MAX_TRACKING_ENTRIES, TrackingTable, newTrackingId, trackingText } from '../../src/upsd/tracking.js';

describe('tracking', () => {
  it('ids are upper-case UUID v4, all different', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newTrackingId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
  });
  it('status words (NUT master: 4, conversion failed, reads as INVALID-ARGUMENT)', () => {
    expect([-1, 0, 1, 2, 3, 4, 5, undefined].map(trackingText)).toEqual(
      ['PENDING', 'SUCCESS', 'ERR UNKNOWN', 'ERR INVALID-ARGUMENT', 'ERR FAILED', 'ERR INVALID-ARGUMENT', 'ERR UNKNOWN', 'ERR UNKNOWN']);
  });
  it('entries only while enabled; lookups ignore case; purged after TRACKINGDELAY', () => {
    const t = new TrackingTable();
    t.add('AAAA', 0);
    expect(t.get('AAAA')).toBe('ERR UNKNOWN');
    t.enabled = true;
    t.add('AAAA', 0);
    expect(t.get('aaaa')).toBe('PENDING');
    expect(t.set('aAaA', 0)).toBe(true);
    expect(t.set('nope', 0)).toBe(false);
    expect(t.get('AAAA')).toBe('SUCCESS');
    t.purge(3600_000, 3600);
    expect(t.size).toBe(1);
    t.purge(3600_001, 3600);
    expect(t.size).toBe(0);
  });
  it('the table is bounded', () => {
    const t = new TrackingTable();
    t.enabled = true;
    for (let i = 0; i < MAX_TRACKING_ENTRIES + 10; i++) t.add(`id${String(i)}`, 0);
    expect(t.size).toBe(MAX_TRACKING_ENTRIES);
    expect(t.get('id0')).toBe('ERR UNKNOWN');
    expect(t.get(`id${String(MAX_TRACKING_ENTRIES + 9)}`)).toBe('PENDING');
  });
});
