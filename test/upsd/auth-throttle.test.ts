// Failed-login throttling (hardnut addition).
import { describe, expect, it } from 'vitest';
import {
  AuthThrottle, FAILURE_DELAY_STEP_MS, FAILURE_WINDOW_MS, FREE_FAILURES, MAX_FAILURE_DELAY_MS, MAX_TRACKED_ADDRESSES,
} from '../../src/upsd/auth-throttle.js';

describe('AuthThrottle', () => {
  it('free failures, then a growing delay up to the maximum', () => {
    const t = new AuthThrottle();
    const delays = Array.from({ length: FREE_FAILURES + 15 }, (_, i) => t.recordFailure('a', i));
    expect(delays.slice(0, FREE_FAILURES)).toEqual(Array(FREE_FAILURES).fill(0));
    expect(delays[FREE_FAILURES]).toBe(FAILURE_DELAY_STEP_MS);
    expect(Math.max(...delays)).toBe(MAX_FAILURE_DELAY_MS);
    expect(t.recordFailure('b', 0)).toBe(0);
  });
  it('failures expire after the window', () => {
    const t = new AuthThrottle();
    for (let i = 0; i < FREE_FAILURES; i++) t.recordFailure('a', 0);
    expect(t.recordFailure('a', FAILURE_WINDOW_MS + 1)).toBe(0);
    t.purge(10 * FAILURE_WINDOW_MS);
    expect(t.trackedAddresses).toBe(0);
  });
  it('memory is bounded', () => {
    const t = new AuthThrottle();
    for (let i = 0; i < MAX_TRACKED_ADDRESSES + 100; i++) t.recordFailure(`10.0.${String(i >> 8)}.${String(i & 255)}`, 0);
    expect(t.trackedAddresses).toBe(MAX_TRACKED_ADDRESSES);
    for (let i = 0; i < 10_000; i++) t.recordFailure('x', i);
    expect(t.count('x', 10_000)).toBeLessThanOrEqual(FREE_FAILURES + MAX_FAILURE_DELAY_MS / FAILURE_DELAY_STEP_MS);
  });
});
