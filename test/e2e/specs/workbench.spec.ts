/** The workbench loads the installed .vsix, the extension activates and its engine computes. */
import { readFileSync } from 'node:fs';
import { engineProcesses } from '../harness/processGroup';
import { log } from '../harness/log';
import { expect, test } from '../fixtures';
import { Workbench } from '../pages/workbench';
import { COMMANDS, extensionLogFiles } from '../steps';

// Both cases use one window (a workbench load starts an extension host: 15–30 s on a loaded machine).
test.describe.configure({ mode: 'serial' });
let wb: Workbench;
test.beforeAll(async ({ persistentContext, harness, freshWorkspace }) => {
  const page = await persistentContext.newPage();
  page.on('pageerror', (e) => log(`  [page error] ${e.message.split('\n')[0]}`));
  wb = new Workbench(page, harness.server);
  await wb.open(freshWorkspace('workbench'));
});
test.afterAll(async () => {
  await wb.page.close({ runBeforeUnload: false });
});

test('workbench loads; extension activates; engine computes on wasm', async ({ harness }) => {
  await wb.palette.run(COMMANDS.showBackend);
  const text = await wb.notifications.waitFor(/computes on/, 120_000);
  expect(text, 'the engine info notification').toContain('computes on wasm');
  // The engine is a child process of this code-server's extension host (what the restricted-mode case checks is absent).
  expect(await engineProcesses(wb.server.pid, harness.installedExtension), 'engine processes in the code-server').not.toEqual([]);
  // The progress notification closes a moment after the request settles: screenshot without it.
  await wb.notifications.waitForNone(/starting the engine/, 10_000);
  await wb.screenshot('show-compute-backend');
  // The extension's output channel has the engine's answer (its log file is written as it logs).
  await expect
    .poll(() => extensionLogFiles(wb.server.userData).map((f) => readFileSync(f, 'utf8')).join('\n'), {
      message: 'the extension output channel ("Long-Tail Lens.log" under the user data logs) has an "engine info:" line',
      timeout: 15_000,
    })
    .toContain('engine info:');
});

test('palette lists "Long-Tail: Analyse long-tail checkpoint" under its exact title', async () => {
  const labels = await wb.palette.find(COMMANDS.analyse);
  await wb.screenshot('palette-analyse');
  await wb.page.keyboard.press('Escape');
  expect(labels, 'palette rows').toContain(COMMANDS.analyse);
});
