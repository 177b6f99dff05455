/**
 * Drill-down (issue #16): after an analysis from the palette, a click on a confusion-matrix cell opens the examples
 * behind it. The cell clicked is the report's most frequent confusion; the panel must list exactly that pair's eval
 * indices from report.json (most confident first) and show one engine-decoded thumbnail per example (the fixture is an
 * IDX image dataset). A screenshot of the dashboard with the panel open is kept (drilldown-confusion.png).
 * The projector: the same analysis stores a UMAP layout (projection.umap); the Embeddings view shows it, and a click
 * on its most isolated point (found with the view's own geometry, model/projector.ts) opens exactly that eval example
 * with its thumbnail (drilldown-umap.png).
 */
import { log } from '../harness/log';
import { expect, test } from '../fixtures';
import { Workbench } from '../pages/workbench';
import { analyseFromPalette } from '../steps';
import type { RunReport } from '../harness/fixtureWorkspace';
import { fitView, projectorPoints, toPixel } from '../../../webview/dashboard/model/projector';

test.describe('drill-down from the confusion matrix', () => {
  test.describe.configure({ mode: 'serial' });
  let wb: Workbench;
  let workspace: string;
  let analysed: RunReport | undefined;
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
    analysed = report;
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

  test('the UMAP projector: a click on a point opens that example', async () => {
    expect(analysed, 'the analysis of the first case').toBeDefined();
    const report = analysed!.json;
    const umap = report.projection?.umap;
    expect(umap, 'report.json stores a UMAP layout next to the PCA').toBeDefined();
    expect(umap!.points.length).toBe(Math.min(report.summary.evalExamples, 5000));
    expect(umap!.indices.length).toBe(umap!.points.length);

    const dashboard = await wb.dashboard('#panel-overview .card-primary');
    await dashboard.selectTab('embeddings');
    const figure = dashboard.web.locator('#panel-embeddings figure.projector-figure');
    await expect(figure, 'the projector opens on UMAP').toHaveAttribute('data-method', 'umap');
    await expect(figure.locator('button[data-value="umap"]')).toHaveAttribute('aria-pressed', 'true');
    const canvas = figure.locator('canvas.projector');
    log(`  projector canvas: ${await dashboard.expectCanvasDrawn(canvas, 'the UMAP scatter')}`);
    await canvas.scrollIntoViewIfNeeded();
    const box = await canvas.boundingBox();
    expect(box, 'projector box').not.toBeNull();

    // The view's geometry for the canvas's CSS size; the point farthest from every other one is clicked.
    const points = projectorPoints(report, 'umap')!;
    const view = fitView(points, Math.round(box!.width), Math.round(box!.height));
    const px = Array.from(points.xs, (x, k) => toPixel(view, x, points.ys[k]));
    let target = -1;
    let farthest = -1;
    px.forEach(([x, y], k) => {
      let nearest = Infinity;
      px.forEach(([u, v], j) => {
        if (j !== k) nearest = Math.min(nearest, (u - x) ** 2 + (v - y) ** 2);
      });
      if (points.indices[k] >= 0 && nearest > farthest) {
        farthest = nearest;
        target = k;
      }
    });
    expect(target, 'a point with an eval index').toBeGreaterThanOrEqual(0);
    const index = points.indices[target];
    const name = report.classes[points.labels[target]].name;
    const [x, y] = px[target];
    await canvas.hover({ position: { x, y } });
    await expect(figure.locator('.projector-tip'), 'hover names the class and the example').toContainText(`· eval example ${index}`);
    await canvas.click({ position: { x, y } });

    const drawer = dashboard.web.locator('aside.drilldown');
    await expect(drawer).toBeVisible({ timeout: 15_000 });
    await expect(drawer.locator('#drilldown-title')).toHaveText(`Eval example ${index} (class “${name}”)`);
    await expect(drawer).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
    const shown = await drawer.locator('figure.example').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-index'))));
    expect(shown, 'the drawer shows the clicked example').toEqual([index]);
    await expect(drawer.locator('img.thumb')).toHaveCount(1);
    await dashboard.screenshot('drilldown-umap');
    log(`  projector: clicked eval example ${index} (class ${points.labels[target]}, ${Math.sqrt(farthest).toFixed(1)} px from its nearest neighbour) of ${points.xs.length} UMAP points`);
  });
});
