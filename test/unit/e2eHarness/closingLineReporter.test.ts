// The e2e suite's closing line (test/e2e/harness/closingLineReporter.ts), which CI and test/run.mjs read:
// counts by outcome, and a run that ended badly is never reported as all passed.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { FullResult, Suite, TestCase, TestResult } from '@playwright/test/reporter';
import ClosingLineReporter from '../../e2e/harness/closingLineReporter';

type Outcome = ReturnType<TestCase['outcome']>;

function fakeTest(outcome: Outcome): TestCase {
  return { outcome: () => outcome } as unknown as TestCase;
}

/** Runs the reporter over `all` tests of which `finished` ended, with the run's status; returns what it printed. */
async function closingLine(all: TestCase[], finished: TestCase[], status: FullResult['status']): Promise<string[]> {
  const reporter = new ClosingLineReporter();
  reporter.onBegin(undefined, { allTests: () => all } as unknown as Suite);
  for (const test of finished) reporter.onTestEnd(test, {} as TestResult);
  reporter.onEnd({ status } as FullResult);
  const printed: string[] = [];
  const log = console.log;
  console.log = (line: string) => printed.push(line);
  try {
    await reporter.onExit();
  } finally {
    console.log = log;
  }
  return printed;
}

describe('e2e closing line', () => {
  it('counts passed, failed and skipped cases (flaky counts as passed)', async () => {
    const tests = [fakeTest('expected'), fakeTest('flaky'), fakeTest('unexpected'), fakeTest('skipped')];
    assert.deepEqual(await closingLine(tests, tests, 'failed'), ['2 passed, 1 failed, 1 skipped']);
  });

  it('prints no skipped part when nothing was skipped', async () => {
    const tests = [fakeTest('expected'), fakeTest('expected')];
    assert.deepEqual(await closingLine(tests, tests, 'passed'), ['2 passed, 0 failed']);
  });

  it('counts cases that never finished as failed', async () => {
    const tests = [fakeTest('expected'), fakeTest('expected'), fakeTest('expected')];
    assert.deepEqual(await closingLine(tests, tests.slice(0, 1), 'timedout'), ['1 passed, 2 failed']);
  });

  it('reports a failure when the run failed without a failed case (global setup threw)', async () => {
    assert.deepEqual(await closingLine([], [], 'failed'), ['0 passed, 1 failed']);
    const tests = [fakeTest('expected')];
    assert.deepEqual(await closingLine(tests, tests, 'interrupted'), ['1 passed, 1 failed']);
  });
});
