// What the notifier accepts from the dispatcher (issue 20 item 6): notification frames naming a
// MONITOR of its own configuration, nothing else; a fault drops the whole read and sticks.
import { describe, expect, it } from 'vitest';
import { encodeFrame } from '../../../src/protocol/notify-frame/index.js';
import { NotifyFrameReader } from '../../../src/upsmon/notifier/notify-frames.js';

const U = 'ups@localhost:3493';
const cat = (...parts: Uint8Array[]): Uint8Array => Buffer.concat(parts);

describe('NotifyFrameReader', () => {
  it('takes notification frames for configured UPSes and host frames, split at any byte', () => {
    const bytes = cat(encodeFrame('ONBATT', U), encodeFrame('SHUTDOWN'), encodeFrame('LOWBATT', U));
    for (let cut = 0; cut <= bytes.length; cut++) {
      const r = new NotifyFrameReader([U]);
      const a = r.push(bytes.subarray(0, cut));
      const b = r.push(bytes.subarray(cut));
      expect(a.ok && b.ok).toBe(true);
      const got = [...(a.ok ? a.requests : []), ...(b.ok ? b.requests : [])];
      expect(got).toEqual([{ type: 'ONBATT', ups: U }, { type: 'SHUTDOWN', ups: '' }, { type: 'LOWBATT', ups: U }]);
      expect(r.end()).toBeUndefined();
    }
  });

  it('refuses EXEC_SHUTDOWN, an unknown UPS, garbage; a fault drops every frame of that read and sticks', () => {
    for (const bad of [encodeFrame('EXEC_SHUTDOWN'), encodeFrame('ONBATT', 'other@localhost'), Buffer.from('hello\n')]) {
      const r = new NotifyFrameReader([U]);
      const res = r.push(cat(encodeFrame('ONLINE', U), bad));
      expect(res.ok).toBe(false);
      // once failed, even a good frame is refused
      expect(r.push(encodeFrame('ONLINE', U)).ok).toBe(false);
      expect(r.end()).toBeDefined();
    }
  });

  it('a frame cut by the end of the stream is a fault; a UPS added by a reload is accepted', () => {
    const r = new NotifyFrameReader([U]);
    expect(r.push(encodeFrame('ONBATT', 'new@localhost').subarray(0, 5)).ok).toBe(true);
    expect(r.end()).toMatch(/malformed frame/);
    const r2 = new NotifyFrameReader([U]);
    expect(r2.push(encodeFrame('ONBATT', 'new@localhost')).ok).toBe(false);
    const r3 = new NotifyFrameReader([U]);
    r3.addMonitors(['new@localhost']);
    expect(r3.push(encodeFrame('ONBATT', 'new@localhost'))).toEqual({ ok: true, requests: [{ type: 'ONBATT', ups: 'new@localhost' }] });
  });

  it('takes a rule frame only for a rule of its own upsrules.conf, exact case (issue 16)', () => {
    const r = new NotifyFrameReader([U], ['hot']);
    expect(r.push(cat(encodeFrame('RULE_FIRE', 'hot'), encodeFrame('RULE_CLEAR', 'hot')))).toEqual({ ok: true, requests: [{ type: 'RULE_FIRE', rule: 'hot' }, { type: 'RULE_CLEAR', rule: 'hot' }] });
    for (const name of ['HOT', 'cold', U]) {
      const bad = new NotifyFrameReader([U], ['hot']).push(encodeFrame('RULE_FIRE', name));
      expect(bad.ok, name).toBe(false);
    }
    // without a rule file, no rule frame passes
    expect(new NotifyFrameReader([U]).push(encodeFrame('RULE_FIRE', 'hot')).ok).toBe(false);
  });
});
