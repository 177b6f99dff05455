/**
 * Drill-down (issue #16): after an analysis from the palette, a click on a confusion-matrix cell opens the examples
 * behind it. The cell clicked is the report's most frequent confusion; the panel must list exactly that pair's eval
 * indices from report.json (most confident first) and show one engine-decoded thumbnail per example (the fixture is an
 * IDX image dataset). A screenshot of the dashboard with the panel open is kept (drilldown-confusion.png).
 */
import { log } from '../harness/log';
import { expect, test } from '../fixtures';
import { Workbench } from '../pages/workbench';
import { analyseFromPalette } from '../steps';

test.describe('drill-down from the confusion matrix', () => {
  test.describe.configure({ mode: 'serial' });
  let wb: Workbench;
  let workspace: string;
  test.beforeAll(async ({ persistentContext, harness, freshWorkspace }) => {
    workspace = freshWorkspace('drilldown');
    const page = await persistentContext.newPage();
    page.on('pageerror', (e) => log(`  [page error] ${e.message.split('\n')[0]}`));
    wb = new Workbench(page, harness.server);
    await wb.open(workspace, { viewport: { width: 1500, height: 1200 } });
  });
  test.afterAll(async () => {
    await wb.page.close({ runBeforeUnload: false });
  });

  test('a click on the top confusion cell shows its examples as thumbnails', async () => {
    const { report } = await analyseFromPalette(wb, workspace, 1);
    const pair = report.json.confusion.topPairs[0];
    expect(pair, 'the fixture model confuses some classes').toBeDefined();
    const expected = pair.examples ?? [];
    expect(expected.length, 'report.json keeps the pair’s examples').toBe(Math.min(8, pair.count));

    const dashboard = await wb.dashboard('#panel-overview .card-primary');
    await dashboard.selectTab('confusion');
    const canvas = dashboard.web.locator('#panel-confusion canvas.heatmap');
    await dashboard.expectCanvasDrawn(canvas, 'the confusion heatmap');
    // The heatmap's geometry (confusionView.ts): ≤ 30 classes are labelled, so a 120 px margin, then C square cells in
    // frequency order (confusion.order) filling the canvas's CSS width less the margin and 4 px.
    const order = report.json.confusion.order;
    const n = order.length;
    expect(n, 'the fixture is small enough for a labelled full matrix').toBeLessThanOrEqual(30);
    const box = await canvas.boundingBox();
    expect(box, 'heatmap box').not.toBeNull();
    const margin = 120;
    const cell = (box!.width - margin - 4) / n;
    const i = order.indexOf(pair.trueClass);
    const j = order.indexOf(pair.predictedClass);
    await canvas.click({ position: { x: margin + (j + 0.5) * cell, y: margin + (i + 0.5) * cell } });

    const drawer = dashboard.web.locator('aside.drilldown');
    await expect(drawer).toBeVisible({ timeout: 15_000 });
    await expect(drawer.locator('#drilldown-title')).toHaveText(`True “${report.json.classes[pair.trueClass].name}” predicted as “${report.json.classes[pair.predictedClass].name}”`);
    await expect(drawer).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
    const shown = await drawer.locator('figure.example').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-index'))));
    expect(shown, 'the panel lists report.json’s examples of that pair, in order').toEqual(expected);
    const thumbs = drawer.locator('img.thumb');
    await expect(thumbs).toHaveCount(expected.length);
    // Each thumbnail is a decoded 28×28 image (the IDX fixture's size; no resize asked).
    const sizes = await thumbs.evaluateAll((imgs) => imgs.map((im) => {
      const img = im as unknown as { naturalWidth: number; naturalHeight: number };
      return `${img.naturalWidth}×${img.naturalHeight}`;
    }));
    expect(new Set(sizes)).toEqual(new Set(['28×28']));
    await dashboard.screenshot('drilldown-confusion');
    log(`  drill-down: ${expected.length} thumbnails of ${pair.count} examples of ${pair.trueClass}→${pair.predictedClass}`);
  });
});
