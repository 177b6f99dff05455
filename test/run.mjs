// Runs the test suites (default: all) with Node's test runner through tsx, prints each suite's spec
// report and ends with one line `N passed, N failed` (plus skipped) over all suites.
// Usage: node test/run.mjs [unit] [integration] [e2e]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const allSuites = ['unit', 'integration'];
const suites = process.argv.slice(2).length ? process.argv.slice(2) : allSuites;

function findTests(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findTests(p));
    else if (entry.name.endsWith('.test.ts')) out.push(p);
  }
  return out.sort();
}

const totals = { passed: 0, failed: 0, skipped: 0 };
let processFailures = 0;
const tmp = mkdtempSync(join(tmpdir(), 'longtail-tests-'));
for (const suite of suites) {
  const files = findTests(join(root, 'test', suite)).map((f) => relative(root, f));
  if (!files.length) {
    console.log(`\n== ${suite}: no tests`);
    continue;
  }
  console.log(`\n== ${suite}: ${files.length} file(s)`);
  const countsFile = join(tmp, `${suite}.json`);
  const result = spawnSync(
    process.execPath,
    [
      '--import', 'tsx',
      '--test',
      '--test-reporter=spec', '--test-reporter-destination=stdout',
      `--test-reporter=${join(root, 'test/countReporter.mjs')}`, `--test-reporter-destination=${countsFile}`,
      ...files,
    ],
    { cwd: root, stdio: 'inherit', env: { ...process.env, LONGTAIL_TEST_SUITE: suite } },
  );
  let counts = { passed: 0, failed: 0, skipped: 0 };
  try {
    counts = JSON.parse(readFileSync(countsFile, 'utf8'));
  } catch {
    console.log(`(no counts from the ${suite} suite)`);
  }
  if (result.status !== 0 && counts.failed === 0) processFailures++;
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  totals.skipped += counts.skipped;
  console.log(`== ${suite}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
}
rmSync(tmp, { recursive: true, force: true });
const failed = totals.failed + processFailures;
console.log(`\n${totals.passed} passed, ${failed} failed, ${totals.skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
