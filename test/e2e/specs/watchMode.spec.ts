/**
 * Watch mode: with `longtail.watch` on, a script rewrites the analysed checkpoint twice the way training
 * scripts save an epoch (weights.bin.tmp, then renamed over weights.bin). Each rewrite is analysed once, the
 * one dashboard panel updates in place (no new tab), and the status bar shows the newest balanced error.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURE_INPUTS, listReports, percent1, rewriteClassifierBias, waitForReports } from '../harness/fixtureWorkspace';
import { log, sleep } from '../harness/log';
import { DASHBOARD_TAB_PREFIX } from '../pages/workbench';
import { expect, test } from '../fixtures';
import { analyseFromPalette, expectShowsReport } from '../steps';

/** Two rewrites of the classifier bias (class, added logit): each changes the balanced error (18.3 → 13.7 → 14.3 %). */
const REWRITES: [number, number][] = [
  [9, 2],
  [0, 4],
];

test('watch mode: a checkpoint rewritten twice (temp file + rename) refreshes the one dashboard twice', async ({ workbench: wb, freshWorkspace }) => {
  const workspace = freshWorkspace('watch');
  // Replaces the fixture's settings (JSON with comments; its thresholds play no part here).
  writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'longtail.watch': true }, null, 2));

  await wb.open(workspace, { viewport: { width: 1440, height: 1100 } });
  let { report: previous } = await analyseFromPalette(wb, workspace, 1);
  const first = await wb.dashboard('#panel-overview .card-primary');
  await expectShowsReport(wb, first, previous);
  await expect(wb.editorTabs(DASHBOARD_TAB_PREFIX), 'dashboard tabs after the analysis').toHaveCount(1);

  for (const [i, [classIndex, delta]] of REWRITES.entries()) {
    rewriteClassifierBias(join(workspace, FIXTURE_INPUTS.model), classIndex, delta);
    log(`  rewrote model/weights.bin (weights.bin.tmp renamed over it): class ${classIndex} logit ${delta > 0 ? '+' : ''}${delta}`);
    const report = await waitForReports(workspace, i + 2, 120_000, () => wb.notifications.failOnExtensionError());
    log(`  watch mode wrote ${report.name}: balanced error ${report.json.summary.balancedError}`);
    expect(percent1(report.json.summary.balancedError), 'the rewrite changed the balanced error').not.toBe(percent1(previous.json.summary.balancedError));
    // The panel that showed the checkpoint now shows the new report: its heading names the new run.
    const dashboard = await wb.dashboard(`h1:has-text("${report.name}")`, 60_000);
    await expectShowsReport(wb, dashboard, report);
    await expect(wb.editorTabs(DASHBOARD_TAB_PREFIX), `dashboard tabs after rewrite ${i + 1} (updated in place, no new tab)`).toHaveCount(1);
    await expect(wb.webviews, `webviews after rewrite ${i + 1}`).toHaveCount(1);
    await dashboard.screenshot(`watch-refresh-${i + 1}`);
    previous = report;
  }
  await wb.screenshot('watch-workbench');
  // One analysis per rewrite: nothing more arrives after the debounce (1.5 s) and a poll or two.
  await sleep(4000);
  expect(listReports(workspace).map((r) => r.name), 'reports: the first analysis and one per rewrite').toHaveLength(1 + REWRITES.length);
  await expect(wb.editorTabs(DASHBOARD_TAB_PREFIX)).toHaveCount(1);
});
