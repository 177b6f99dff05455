/**
 * Settings order (docs/settings.md): contributed defaults < longtail.json < settings explicitly set < command
 * arguments. Here longtail.json sets both bucket thresholds and the workspace settings set only the many-shot
 * one: the analysis uses many from the setting and few from longtail.json, and the dashboard says so.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectThresholds } from '../harness/fixtureWorkspace';
import { expect, test } from '../fixtures';
import { analyseFromPalette, expectShowsReport } from '../steps';

const LONGTAIL_JSON_BUCKETS = { many: 30, few: 12 };
const EXPLICIT_MANY = 60;

test('settings order: longtail.json thresholds apply unless a setting is explicitly set', async ({ workbench: wb, freshWorkspace }) => {
  const workspace = freshWorkspace('settings');
  writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'longtail.buckets.manyThreshold': EXPLICIT_MANY }, null, 2));
  writeFileSync(join(workspace, 'longtail.json'), JSON.stringify({ buckets: LONGTAIL_JSON_BUCKETS }, null, 2));

  await wb.open(workspace, { viewport: { width: 1440, height: 1100 } });
  const { report } = await analyseFromPalette(wb, workspace, 1);
  // few: longtail.json (12) over the default (20); many: the explicit setting (60) over longtail.json (30).
  expectThresholds(report, { many: EXPLICIT_MANY, few: LONGTAIL_JSON_BUCKETS.few });
  const dashboard = await wb.dashboard('#panel-overview .card-primary');
  await expectShowsReport(wb, dashboard, report);
  await expect(dashboard.bucketTitles).toContainText([`Many-shot (n > ${EXPLICIT_MANY})`, `Medium-shot (${LONGTAIL_JSON_BUCKETS.few} ≤ n ≤ ${EXPLICIT_MANY})`, `Few-shot (n < ${LONGTAIL_JSON_BUCKETS.few})`]);
  await dashboard.screenshot('settings-thresholds');
});
