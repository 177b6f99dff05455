// Runs the test suites (default: all) with Node's test runner through tsx, prints each suite's spec
// report and ends with one line `N passed, N failed` (plus skipped) over all suites.
// The e2e suite is not a Node test-runner suite: it runs @playwright/test with test/e2e/playwright.config.ts
// (a real VS Code, see docs/e2e.md; global setup packages the .vsix when stale) and its cases are counted
// from the closing `N passed, N failed[, N skipped]` line its reporter prints last.
// Usage: node test/run.mjs [unit] [integration] [e2e]
import { spawn } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const allSuites = ['unit', 'integration', 'e2e'];
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

/** Runs a command with its stdout streamed through and collected; resolves with the output and exit status. */
function runStreaming(args, suite) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LONGTAIL_TEST_SUITE: suite } });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      out += chunk;
      process.stdout.write(chunk);
    });
    child.on('error', (error) => resolve({ out, status: null, error }));
    child.on('close', (status) => resolve({ out, status }));
  });
}

/**
 * Node's spec reporter ends with `ℹ pass N`, `ℹ fail N`, `ℹ cancelled N`, `ℹ skipped N`, `ℹ todo N`;
 * cancelled tests count as failed. Null when the summary is missing (the run did not finish).
 */
function specCounts(out) {
  const last = (name) => {
    const all = [...out.matchAll(new RegExp(`^ℹ ${name} (\\d+)$`, 'gm'))];
    return all.length ? Number(all[all.length - 1][1]) : null;
  };
  const pass = last('pass');
  const fail = last('fail');
  if (pass === null || fail === null) return null;
  return { passed: pass, failed: fail + (last('cancelled') ?? 0), skipped: (last('skipped') ?? 0) + (last('todo') ?? 0) };
}

/**
 * Runs the e2e suite (`playwright test -c test/e2e/playwright.config.ts`) with its output streamed through (a
 * run takes minutes); its counts come from the closing `N passed, N failed[, N skipped]` line.
 */
function runE2e() {
  const args = [join(root, 'node_modules', '@playwright', 'test', 'cli.js'), 'test', '--config', join(root, 'test', 'e2e', 'playwright.config.ts')];
  console.log('\n== e2e: playwright test --config test/e2e/playwright.config.ts');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, LONGTAIL_TEST_SUITE: 'e2e' },
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      out += chunk;
      process.stdout.write(chunk);
    });
    let settled = false;
    const done = (status, error) => {
      if (settled) return;
      settled = true;
      const closing = out.trimEnd().split('\n').pop() ?? '';
      const m = /^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/.exec(closing.trim());
      const counts = m ? { passed: Number(m[1]), failed: Number(m[2]), skipped: Number(m[3] ?? 0) } : { passed: 0, failed: 0, skipped: 0 };
      if (!m) console.log(`(no counts from the e2e suite: its last line is ${JSON.stringify(closing)}${error ? `; ${error.message}` : ''})`);
      resolve({ counts, ok: status === 0 });
    };
    child.on('error', (error) => done(null, error));
    child.on('close', (code) => done(code));
  });
}

for (const suite of suites) {
  if (suite === 'e2e') {
    const { counts, ok } = await runE2e();
    if (!ok && counts.failed === 0) processFailures++;
    totals.passed += counts.passed;
    totals.failed += counts.failed;
    totals.skipped += counts.skipped;
    console.log(`== e2e: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
    continue;
  }
  const files = findTests(join(root, 'test', suite)).map((f) => relative(root, f));
  if (!files.length) {
    console.log(`\n== ${suite}: no tests`);
    continue;
  }
  console.log(`\n== ${suite}: ${files.length} file(s)`);
  // --test-force-exit: a file whose tests all finished may not hang on a stray handle.
  const result = await runStreaming(['--import', 'tsx', '--test', '--test-force-exit', '--test-reporter=spec', ...files], suite);
  let counts = specCounts(result.out);
  if (!counts) {
    console.log(`(no summary from the ${suite} suite: counted as a failure)`);
    counts = { passed: 0, failed: 0, skipped: 0 };
    processFailures++;
  }
  if (result.status !== 0 && counts.failed === 0) processFailures++;
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  totals.skipped += counts.skipped;
  console.log(`== ${suite}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
}
const failed = totals.failed + processFailures;
console.log(`\n${totals.passed} passed, ${failed} failed, ${totals.skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
