import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // Most test time is waiting (poll intervals, outage replays, timeouts), not CPU: vitest's
    // default on 2 cores is one worker. TEST_WORKERS overrides.
    maxWorkers: Number(process.env['TEST_WORKERS'] ?? 3),
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // what a test starts dies with it, even when it fails or times out (test/support/reap-children.ts)
    setupFiles: ['./test/support/reap-children.ts'],
    // fails the run when a test leaves a process or a temp directory behind (test/support/leakcheck.ts)
    globalSetup: ['./test/support/leakcheck.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
