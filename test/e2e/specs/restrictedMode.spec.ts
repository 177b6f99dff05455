/**
 * Restricted Mode: a workspace that is not trusted (code-server started without --disable-workspace-trust,
 * trust on in the user settings, no startup prompt) loads nothing and says why, although it holds a report;
 * the runs table, opened there, lists nothing and says why.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { listReports } from '../harness/fixtureWorkspace';
import { engineProcesses } from '../harness/processGroup';
import { RunsTableWebview } from '../pages/runsTableWebview';
import { Workbench } from '../pages/workbench';
import { expect, test } from '../fixtures';
import { analyseWithCli, COMMANDS } from '../steps';

test('restricted mode: an untrusted workspace loads nothing and says why', async ({ page, harness, startServer, freshWorkspace }) => {
  const workspace = freshWorkspace('restricted');
  // Something to load: a report made by the engine, where the runs view and "Open report" look.
  const report = await analyseWithCli(harness.installedExtension, workspace, 'model/model.json', 'restricted-run');
  const before = readdirSync(join(workspace, '.longtail'), { recursive: true }).map(String).sort();

  const server = await startServer({ name: 'restricted', trust: true });
  const wb = new Workbench(page, server);
  await wb.open(workspace);
  await expect(wb.statusBarItem('Restricted Mode'), 'VS Code shows Restricted Mode').toBeVisible({ timeout: 30_000 });

  // The commands that read the workspace say why instead.
  await wb.palette.run(COMMANDS.openReport);
  const warning = await wb.notifications.waitFor(/Restricted Mode|trusted workspace/, 30_000);
  expect(warning, 'the warning names the reason').toMatch(/^Long-Tail Lens .*(Restricted Mode|trusted workspace)/);
  await expect(page.locator('.quick-input-widget .quick-input-title'), 'no report quick pick opens').not.toBeVisible();
  // The runs view lists no run and says why.
  await wb.runsView.open();
  await expect(wb.runsView.body, 'the runs view says why').toContainText(/trust/i, { timeout: 30_000 });
  await expect(wb.runsView.rows.filter({ hasText: report.name }), 'the runs view lists no run').toHaveCount(0);
  await wb.screenshot('restricted-mode');

  // Nothing was loaded: no dashboard, no engine process, nothing written into the workspace.
  await expect(wb.webviews, 'webviews').toHaveCount(0);
  expect(await engineProcesses(server.pid, harness.installedExtension), 'engine processes in the restricted code-server').toEqual([]);
  expect(readdirSync(join(workspace, '.longtail'), { recursive: true }).map(String).sort(), '.longtail after the restricted session').toEqual(before);
  expect(existsSync(join(workspace, 'longtail.json')), 'longtail.json written').toBe(false);
  expect(listReports(workspace).map((r) => r.name), 'reports').toEqual([report.name]);

  // The runs table opens, lists no run and says why; it still reads and writes nothing.
  await wb.palette.run('Long-Tail: Open runs table');
  const runsTable = await RunsTableWebview.find(page, wb.notifications);
  await expect(runsTable.notice, 'the runs table says why').toContainText(/Restricted Mode.*Trust the workspace/, { timeout: 30_000 });
  await expect(runsTable.rows, 'the runs table lists no run').toHaveCount(0);
  await expect(runsTable.chart, 'no empty chart').toBeHidden();
  await wb.screenshot('restricted-mode-runs-table');
  expect(readdirSync(join(workspace, '.longtail'), { recursive: true }).map(String).sort(), '.longtail after opening the runs table').toEqual(before);
});
