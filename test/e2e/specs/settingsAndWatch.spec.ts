/**
 * One workspace, one window, in order:
 * - Settings order (docs/settings.md): contributed defaults < longtail.json < settings explicitly set < command
 *   arguments. longtail.json sets both bucket thresholds, the workspace settings only the many-shot one: the
 *   analysis uses many from the setting and few from longtail.json, and the dashboard says so.
 * - Watch mode (`longtail.watch` on in the same settings): a script rewrites the analysed checkpoint twice the
 *   way training scripts save an epoch (weights.bin.tmp, then renamed over weights.bin). Each rewrite is analysed
 *   once, the one dashboard panel updates in place (no new tab), and the status bar shows the newest balanced error.
 * The watch case builds on the settings case's analysis (watch mode follows the last analysed checkpoint).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectThresholds, FIXTURE_INPUTS, listReports, percent1, rewriteClassifierBias, waitForReports, type RunReport } from '../harness/fixtureWorkspace';
import { log, sleep } from '../harness/log';
import { expect, test } from '../fixtures';
import { DASHBOARD_TAB_PREFIX, Workbench } from '../pages/workbench';
import { analyseFromPalette, expectShowsReport } from '../steps';

const LONGTAIL_JSON_BUCKETS = { many: 30, few: 12 };
const EXPLICIT_MANY = 60;
/** Two rewrites of the classifier bias (class, added logit): each changes the balanced error (18.3 → 13.7 → 14.3 %). */
const REWRITES: [number, number][] = [
  [9, 2],
  [0, 4],
];

test.describe('one workspace, one window: settings order, then watch mode', () => {
  test.describe.configure({ mode: 'serial' });
  let wb: Workbench;
  let workspace: string;
  let analysed: RunReport | undefined;
  test.beforeAll(async ({ persistentContext, harness, freshWorkspace }) => {
    workspace = freshWorkspace('settings-watch');
    // Replaces the fixture's settings (its thresholds are the shared cases').
    writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'longtail.buckets.manyThreshold': EXPLICIT_MANY, 'longtail.watch': true }, null, 2));
    writeFileSync(join(workspace, 'longtail.json'), JSON.stringify({ buckets: LONGTAIL_JSON_BUCKETS }, null, 2));
    const page = await persistentContext.newPage();
    page.on('pageerror', (e) => log(`  [page error] ${e.message.split('\n')[0]}`));
    wb = new Workbench(page, harness.server);
    await wb.open(workspace, { viewport: { width: 1440, height: 1100 } });
  });
  test.afterAll(async () => {
    await wb.page.close({ runBeforeUnload: false });
  });

  test('settings order: longtail.json thresholds apply unless a setting is explicitly set', async () => {
    const { report } = await analyseFromPalette(wb, workspace, 1);
    // few: longtail.json (12) over the default (20); many: the explicit setting (60) over longtail.json (30).
    expectThresholds(report, { many: EXPLICIT_MANY, few: LONGTAIL_JSON_BUCKETS.few });
    const dashboard = await wb.dashboard('#panel-overview .card-primary');
    await expectShowsReport(wb, dashboard, report);
    await expect(dashboard.bucketTitles).toHaveText([`Many-shot (n > ${EXPLICIT_MANY})`, `Medium-shot (${LONGTAIL_JSON_BUCKETS.few} ≤ n ≤ ${EXPLICIT_MANY})`, `Few-shot (n < ${LONGTAIL_JSON_BUCKETS.few})`]);
    await dashboard.screenshot('settings-thresholds');
    analysed = report;
  });

  test('watch mode: a checkpoint rewritten twice (temp file + rename) refreshes the one dashboard twice', async () => {
    expect(analysed, 'the settings case analysed the checkpoint (watch mode follows it)').toBeDefined();
    let previous = analysed as RunReport;
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
});
