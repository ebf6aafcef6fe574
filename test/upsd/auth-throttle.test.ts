// The password-guessing limit (hardnut addition): checks are counted, never delayed.
import { describe, expect, it } from 'vitest';
import {
  AuthThrottle, FAILURE_WINDOW_MS, KNOWN_LOGIN_TTL_MS, MAX_FAILURES_PER_ADDRESS, MAX_FAILURES_PER_USER, MAX_TRACKED_KEYS,
} from '../../src/upsd/auth-throttle.js';

describe('AuthThrottle', () => {
  it('per address: the limit-th failure reaches it; then checks from that address are refused, other addresses go on', () => {
    const t = new AuthThrottle();
    const reached = Array.from({ length: MAX_FAILURES_PER_ADDRESS }, (_, i) => {
      expect(t.decide('a', `u${String(i)}`, i)).toBe('check');
      return t.recordFailure('a', `u${String(i)}`, i);
    });
    expect(reached.slice(0, -1).every((r) => r === undefined)).toBe(true);
    expect(reached[MAX_FAILURES_PER_ADDRESS - 1]).toBe('address');
    expect(t.decide('a', 'anyone', 100)).toBe('refuse');
    expect(t.decide('b', 'anyone', 100)).toBe('check');
    // a minute after the failures, checks resume
    expect(t.decide('a', 'anyone', MAX_FAILURES_PER_ADDRESS + FAILURE_WINDOW_MS)).toBe('check');
  });

  it('per user: failures from many addresses lock the name, except from an address it has logged in from', () => {
    const t = new AuthThrottle();
    t.recordSuccess('10.0.0.1', 'mon', 0);
    for (let i = 0; i < MAX_FAILURES_PER_USER; i++) t.recordFailure(`10.1.0.${String(i)}`, 'mon', 1);
    expect(t.decide('10.2.0.1', 'mon', 2)).toBe('refuse');
    expect(t.decide('10.0.0.1', 'mon', 2)).toBe('check');
    expect(t.decide('10.2.0.1', 'other', 2)).toBe('check');
    expect(t.decide('10.0.0.1', 'mon', KNOWN_LOGIN_TTL_MS + 10)).toBe('check');
  });

  it('expired entries are purged; memory is bounded', () => {
    const t = new AuthThrottle();
    for (let i = 0; i < MAX_TRACKED_KEYS + 100; i++) t.recordFailure(`10.0.${String(i >> 8)}.${String(i & 255)}`, `u${String(i)}`, 0);
    expect(t.trackedAddresses).toBe(MAX_TRACKED_KEYS);
    for (let i = 0; i < 10_000; i++) t.recordFailure('x', 'y', i);
    expect(t.count('x', 10_000)).toBe(MAX_FAILURES_PER_ADDRESS);
    t.purge(10 * FAILURE_WINDOW_MS);
    expect(t.trackedAddresses).toBe(0);
  });
});
