/**
 * A Playwright reporter that ends the output with the line CI judges a run by: `N passed, N failed` plus
 * `, N skipped` when some were skipped. It prints in onExit, after every other reporter's onEnd and after
 * global teardown, so it is the last line. A run that ended badly without a failed case (global setup threw,
 * the global timeout passed, a worker crashed) counts each case that did not run as failed, and at least one.
 */
import type { FullResult, Reporter, Suite, TestCase, TestResult } from '@playwright/test/reporter';

export default class ClosingLineReporter implements Reporter {
  private readonly outcomes = new Map<TestCase, ReturnType<TestCase['outcome']>>();
  private all: TestCase[] = [];
  private status: FullResult['status'] = 'passed';

  onBegin(_config: unknown, suite: Suite): void {
    this.all = suite.allTests();
  }

  onTestEnd(test: TestCase, _result: TestResult): void {
    this.outcomes.set(test, test.outcome());
  }

  onEnd(result: FullResult): void {
    this.status = result.status;
  }

  async onExit(): Promise<void> {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const test of this.all) {
      const outcome = this.outcomes.get(test);
      if (outcome === 'expected' || outcome === 'flaky') passed++;
      else if (outcome === 'skipped') skipped++;
      else failed++; // unexpected, or never finished (global setup threw, the global timeout passed)
    }
    if (this.status !== 'passed' && failed === 0) failed = 1;
    console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  }

  printsToStdio(): boolean {
    return true;
  }
}
