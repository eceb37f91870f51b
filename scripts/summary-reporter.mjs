// A vitest reporter that ends the run with one plain line,
// "N passed, N failed, N skipped[, N failed files][, N unhandled errors]", that any CI log reader
// understands. An unhandled error fails the run even when every test passed.
export default class SummaryReporter {
  onTestRunEnd(testModules, unhandledErrors = []) {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    let failedSuites = 0;
    for (const module of testModules) {
      // A module fails on its own when a hook or the file itself throws (no test is marked failed then).
      if (module.state() === 'failed' || module.errors().length > 0) failedSuites++;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
    }
    const errors = unhandledErrors.length > 0 ? `, ${unhandledErrors.length} unhandled error${unhandledErrors.length === 1 ? '' : 's'}` : '';
    const suites = failedSuites > 0 ? `, ${failedSuites} failed file${failedSuites === 1 ? '' : 's'}` : '';
    console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped${suites}${errors}`);
  }
}
