/**
 * The extension-host tests (test/e2e/exthost/index.ts, bundled into the installed extension by global setup)
 * run inside code-server's extension host through the smoke-test driver: the `payload` query parameter names
 * the extensionDevelopmentPath and extensionTestsPath; when run() settles the workbench calls
 * window.codeAutomationExit(code), and codeAutomationLog(type, args) carries the logs.
 */
import { join } from 'node:path';
import { screenshotTo } from '../harness/artifacts';
import { log, secondsSince } from '../harness/log';
import { EXTHOST_TESTS_IN_EXTENSION } from '../harness/paths';
import { expect, test } from '../fixtures';

test('extension-host tests (test/e2e/exthost/index.ts via the smoke-test-driver payload)', async ({ page, harness, startServer, freshWorkspace }) => {
  // The smoke-test driver turns notification toasts off, so this case has a code-server of its own.
  const server = await startServer({ name: 'smoke', smokeTestDriver: true });
  const workspace = freshWorkspace('exthost');
  let resolveExit: (code: number) => void = () => undefined;
  const exit = new Promise<number>((resolve) => (resolveExit = resolve));
  await page.exposeFunction('codeAutomationExit', (code: number) => resolveExit(code));
  const ownLines: string[] = [];
  const errors: string[] = [];
  await page.exposeFunction('codeAutomationLog', (type: string, args: unknown) => {
    const text = (Array.isArray(args) ? args : [args]).map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
    if (text.includes('[exthost]')) {
      ownLines.push(text);
      log(`  ${text}`);
    } else if (type === 'error') {
      errors.push(text.split('\n')[0]); // workbench noise (e.g. the offline gallery), shown if the tests fail
    }
  });
  const remote = (p: string): string => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload = JSON.stringify([
    ['extensionDevelopmentPath', remote(harness.installedExtension)],
    ['extensionTestsPath', remote(join(harness.installedExtension, EXTHOST_TESTS_IN_EXTENSION))],
  ]);
  const started = Date.now();
  await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(payload)}`);
  const code = await exit;
  log(`  extension-host tests exited with code ${code} after ${secondsSince(started)} s`);
  await screenshotTo(page, 'exthost-tests');
  if (code !== 0 && errors.length) log(`  errors logged meanwhile:\n    ${errors.join('\n    ')}`);
  expect(code, 'the extension-host tests\' exit code').toBe(0);
  // The module ran its cases (a module that was not found would not log them).
  expect(ownLines.some((l) => /\[exthost\] \d+ of \d+ ok/.test(l)), `the module's summary line among ${JSON.stringify(ownLines)}`).toBe(true);
});
