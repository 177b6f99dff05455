/**
 * Reload: two dashboards of two different reports, then "Developer: Reload Window": both come back, each
 * showing its OWN report (the dashboard serializer restores each panel from its own state).
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { percent1, rewriteClassifierBias } from '../harness/fixtureWorkspace';
import { log } from '../harness/log';
import { DASHBOARD_TAB_PREFIX } from '../pages/workbench';
import { expect, test } from '../fixtures';
import { analyseWithCli, COMMANDS } from '../steps';

test('reload restores two dashboards, each with its own report', async ({ workbench: wb, freshWorkspace, harness }) => {
  test.setTimeout(420_000); // two CLI analyses, two workbench loads (open and reload): 3.3 min on a loaded machine
  const workspace = freshWorkspace('reload');
  // A second checkpoint: the fixture's model with class 0's logit raised, so its balanced error differs.
  cpSync(join(workspace, 'model'), join(workspace, 'model-b'), { recursive: true });
  rewriteClassifierBias(join(workspace, 'model-b', 'model.json'), 0, 4);
  const reports = [
    await analyseWithCli(harness.installedExtension, workspace, 'model/model.json', 'reload-a'),
    await analyseWithCli(harness.installedExtension, workspace, 'model-b/model.json', 'reload-b'),
  ];
  expect(percent1(reports[0].json.summary.balancedError), 'the two reports differ in balanced error').not.toBe(percent1(reports[1].json.summary.balancedError));

  await wb.open(workspace, { viewport: { width: 1600, height: 1000 } });
  for (const report of reports) {
    await wb.palette.run(COMMANDS.openReport);
    await wb.quickInput.pick('Open Long-Tail report', report.name);
    const dashboard = await wb.dashboard(`h1:has-text("${report.name}")`);
    await expect(dashboard.balancedError, `${report.name}'s dashboard before the reload`).toHaveText(percent1(report.json.summary.balancedError));
  }
  await expect(wb.editorTabs(DASHBOARD_TAB_PREFIX), 'dashboard tabs before the reload').toHaveCount(2);
  await wb.screenshot('reload-before');

  await wb.reloadWindow();

  // Both panels come back (restored by the serializer), each with its own report.
  await expect(wb.editorTabs(DASHBOARD_TAB_PREFIX), 'dashboard tabs after the reload').toHaveCount(2, { timeout: 60_000 });
  for (const report of reports) {
    await wb.editorTabs(`${DASHBOARD_TAB_PREFIX} ${report.name}`).first().click();
    await expect
      .poll(() => wb.webviewHeadings(), { message: `after the reload, a dashboard shows ${report.name} (the headings of the open webviews)`, timeout: 60_000 })
      .toContain(`Long-Tail Lens — ${report.name}`);
    const dashboard = await wb.dashboard(`h1:has-text("${report.name}")`);
    await expect(dashboard.balancedError, `${report.name}'s restored dashboard`).toHaveText(percent1(report.json.summary.balancedError));
    log(`  restored ${report.name}: balanced error ${await dashboard.balancedError.innerText()}`);
    await dashboard.screenshot(`reload-restored-${report.name}`);
  }
  await wb.screenshot('reload-restored-workbench');
});
