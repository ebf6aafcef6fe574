// Prints the plain closing line CI reads ("N passed, N failed, N skipped"), and the reason of
// every skipped test, so a skip is never silent.
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const reasons: string[] = [];
    for (const mod of testModules) {
      // a file that failed outside its tests (collection, beforeAll, afterAll) counts once, even
      // when vitest then marked its tests skipped
      const tests = [...mod.children.allTests()];
      if (mod.state() === 'failed' && !tests.some((t) => t.result().state === 'failed')) failed++;
      for (const test of tests) {
        const result = test.result();
        if (result.state === 'passed') passed++;
        else if (result.state === 'failed') failed++;
        else if (result.state === 'skipped') {
          skipped++;
          reasons.push(`  skipped: ${test.fullName}${result.note ? ` (${result.note})` : ''}`);
        }
      }
    }
    failed += unhandledErrors.length;
    if (reasons.length > 0) process.stdout.write(`\n${reasons.join('\n')}\n`);
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
