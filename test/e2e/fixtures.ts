/**
 * The e2e suite's Playwright fixtures: the prepared run (global setup), chromium = Debian's /usr/bin/chromium,
 * a Workbench page object on the shared code-server, extra code-servers for cases that need another mode
 * (stopped after the case), fresh workspace copies, and diagnostics when a case fails.
 */
import { test as base, type BrowserContext, type Page } from '@playwright/test';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { screenshotTo } from './harness/artifacts';
import { findFiles, startCodeServer, tail } from './harness/codeServer';
import { log } from './harness/log';
import { CHROMIUM, FAILED_MARKER, SHARED_WORKSPACE } from './harness/paths';
import { stopGroup } from './harness/processGroup';
import { readHarnessState, type HarnessState, type ServerInfo } from './harness/state';
import { copyWorkspace, makeUserData } from './harness/workDir';
import { Workbench } from './pages/workbench';

/** How a case's own code-server runs (see startCodeServer). */
export interface ExtraServerOptions {
  readonly name: string;
  readonly smokeTestDriver?: boolean;
  /** Workspace trust on (an unknown folder opens in Restricted Mode). */
  readonly trust?: boolean;
}

interface WorkerFixtures {
  /** The run global setup prepared. */
  harness: HarnessState;
  /** Chromium with a persistent profile, shared by the worker's cases (each case gets a new page in it). */
  persistentContext: BrowserContext;
  /** The workspace copy the analyse, runs-view and fine-tune cases share (made by global setup). */
  sharedWorkspace: string;
  /** Makes a fresh copy of the fixture workspace for one case (each name once per run). */
  freshWorkspace: (name: string) => string;
}

/** The page size unless a case asks for another (Workbench.open({ viewport })). */
export const DEFAULT_VIEWPORT = { width: 1280, height: 800 } as const;

interface TestFixtures {
  /** The workbench page object on the shared code-server (not opened yet: call open()). */
  workbench: Workbench;
  /** Starts a code-server of its own for this case; stopped (its process group killed) when the case ends. */
  startServer: (options: ExtraServerOptions) => Promise<ServerInfo>;
  /** On failure: marks the run failed (the work dir is kept), screenshots every page, prints the logs' tails. */
  diagnostics: void;
}

const slug = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);

/** The e2e `test`, with the fixtures above. */
export const test = base.extend<TestFixtures, WorkerFixtures>({
  harness: [
    async ({}, use) => {
      await use(readHarnessState());
    },
    { scope: 'worker' },
  ],
  persistentContext: [
    async ({ playwright, harness }, use, workerInfo) => {
      // One chromium profile per worker, kept across cases: its HTTP cache keeps the workbench's scripts warm
      // (a fresh context per case made every workbench load several seconds slower on this 2-core machine).
      // Playwright's own browsers are never downloaded: Debian's chromium; its caches stay in the work dir.
      const context = await playwright.chromium.launchPersistentContext(join(harness.work, `chromium-${workerInfo.workerIndex}`), {
        executablePath: CHROMIUM,
        headless: process.env.LONGTAIL_E2E_HEADED !== '1',
        viewport: DEFAULT_VIEWPORT,
        timeout: 60_000,
        args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
        env: { ...process.env, XDG_CONFIG_HOME: join(harness.work, 'xdg', 'config'), XDG_CACHE_HOME: join(harness.work, 'xdg', 'cache'), TMPDIR: join(harness.work, 'tmp') },
      });
      await use(context);
      await context.close();
    },
    { scope: 'worker' },
  ],
  context: async ({ persistentContext }, use) => {
    await use(persistentContext);
  },
  page: async ({ context }, use) => {
    const page = await context.newPage();
    page.on('pageerror', (e) => log(`  [page error] ${e.message.split('\n')[0]}`));
    await use(page);
    await page.close({ runBeforeUnload: false });
  },
  workbench: async ({ page, harness }, use) => {
    await use(new Workbench(page, harness.server));
  },
  sharedWorkspace: [
    async ({ harness }, use) => {
      await use(join(harness.work, 'workspaces', SHARED_WORKSPACE));
    },
    { scope: 'worker' },
  ],
  freshWorkspace: [
    async ({ harness }, use) => {
      await use((name) => copyWorkspace(harness.work, name));
    },
    { scope: 'worker' },
  ],
  startServer: async ({ harness }, use) => {
    const started: ServerInfo[] = [];
    await use(async (options) => {
      const userData = makeUserData(harness.work, `ud-${options.name}`, { trust: Boolean(options.trust) });
      const server = await startCodeServer(harness.work, { name: options.name, userData, smokeTestDriver: options.smokeTestDriver, trust: options.trust });
      started.push(server);
      return server;
    });
    for (const server of started) await stopGroup(server.pid);
  },
  diagnostics: [
    async ({ harness, context }, use, testInfo) => {
      const since = Date.now();
      await use();
      if (testInfo.status === testInfo.expectedStatus) return;
      writeFileSync(join(harness.work, FAILED_MARKER), `${testInfo.title}\n`, { flag: 'a' });
      const pages: Page[] = context.pages().filter((p) => !p.isClosed() && p.url().startsWith('http'));
      for (const [i, page] of pages.entries()) {
        await screenshotTo(page, `failure-${slug(testInfo.title)}${pages.length > 1 ? `-${i + 1}` : ''}`);
      }
      const logs = [
        ...findFiles(harness.work, 'Long-Tail Lens.log'),
        ...findFiles(harness.work, 'remoteexthost.log'),
        ...readdirSync(harness.work).filter((f) => f.startsWith('code-server-') && f.endsWith('.log')).map((f) => join(harness.work, f)),
      ];
      const recent = [...new Set(logs)].filter((f) => existsSync(f) && statSync(f).mtimeMs >= since - 1000);
      for (const file of recent) console.log(`----- ${file.slice(harness.work.length + 1)} (tail) -----\n${tail(file, 30)}`);
      log(`work dir kept: ${harness.work}`);
    },
    { auto: true },
  ],
});

export { expect } from '@playwright/test';
