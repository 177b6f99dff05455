/**
 * The e2e suite: the extension in a real VS Code (code-server from npm, see test/e2e/setup.sh) driven by
 * @playwright/test with Debian's chromium. `npm run test:e2e`; docs/e2e.md says what each case checks.
 * One worker: the cases share a code-server and a 2-core machine, and some build on the previous one's run.
 */
import { defineConfig } from '@playwright/test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CODE_SERVER } from './harness/paths';

/**
 * Seconds for the whole run (packaging the .vsix included: 25 s on a quiet machine, nearly 3 min under other
 * engineers' builds); a first install of the harness adds 30 min. Per-case timeouts catch a hang long before.
 */
const overallS = Number(process.env.LONGTAIL_E2E_TIMEOUT_S || 1200) + (existsSync(CODE_SERVER) ? 0 : 1800);

export default defineConfig({
  testDir: 'specs',
  testMatch: '*.spec.ts',
  outputDir: join('artifacts', 'playwright'),
  globalSetup: './globalSetup.ts',
  globalTeardown: './globalTeardown.ts',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: true,
  timeout: 300_000, // per case; under other engineers' builds a case can take 3 min (reload: 3.3 min measured)
  globalTimeout: overallS * 1000,
  expect: { timeout: 30_000 },
  reporter: [['list'], ['./harness/closingLineReporter.ts']],
  use: {
    actionTimeout: 30_000,
    navigationTimeout: 60_000,
    screenshot: 'off',
    trace: 'off',
    video: 'off',
  },
});
