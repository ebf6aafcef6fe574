// The time-boxed fuzz runner shared by every target in test/fuzz: each property runs for
// FUZZ_SECONDS (default 3) and prints its executions per second.
import { it, expect } from 'vitest';
import fc from 'fast-check';

const SECONDS = Number(process.env['FUZZ_SECONDS'] ?? '3');
export const FUZZ_MS = Math.max(100, Math.round((Number.isFinite(SECONDS) ? SECONDS : 3) * 1000));

/** Declares a test that checks `predicate` on generated values until FUZZ_MS elapse. */
export function fuzz<T>(target: string, name: string, arb: fc.Arbitrary<T>, predicate: (v: T) => void): void {
  it(name, () => {
    let runs = 0;
    const start = performance.now();
    fc.assert(
      fc.property(arb, (v) => {
        runs++;
        predicate(v);
      }),
      { numRuns: Number.MAX_SAFE_INTEGER, plugins: [fc.interruptAfterTimeLimit(FUZZ_MS)] },
    );
    const secs = (performance.now() - start) / 1000;
    console.log(`fuzz ${target}: ${name}: ${runs} runs in ${secs.toFixed(1)} s = ${Math.round(runs / secs)}/s`);
    expect(runs).toBeGreaterThan(0);
  }, FUZZ_MS + 30_000);
}
