/**
 * Preprocessing (issue #15 item 4): analysing from the palette a PyTorch CNN exported to ONNX without its
 * normalisation (test/fixtures/torch/unnormalisedCnn.onnx, made by makeUnnormalisedCnn.py) first asks which
 * preprocessing the model expects (quick pick, screenshot preprocessing-quickpick.png); the choice ("Pixels in [0, 1]",
 * i.e. none) lands in longtail.json next to the remembered inputs; the probe then suggests the training set's own
 * statistics in a notification (preprocessing-probe.png) with the accuracy per preset; "Use …" writes that mean/std
 * to longtail.json and re-runs, and the second report's balanced error is far lower.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { log } from '../harness/log';
import { expect, test } from '../fixtures';
import { readLongtailJson, waitForReports } from '../harness/fixtureWorkspace';
import { Workbench } from '../pages/workbench';
import { COMMANDS } from '../steps';

const MODEL = 'torch/unnormalisedCnn.onnx';

test.describe('preprocessing question and probe', () => {
  test.describe.configure({ mode: 'serial' });
  let wb: Workbench;
  let workspace: string;
  test.beforeAll(async ({ persistentContext, harness, freshWorkspace }) => {
    workspace = freshWorkspace('preprocessing');
    mkdirSync(join(workspace, 'torch'), { recursive: true });
    copyFileSync(join(__dirname, '..', '..', 'fixtures', 'torch', 'unnormalisedCnn.onnx'), join(workspace, MODEL));
    const page = await persistentContext.newPage();
    page.on('pageerror', (e) => log(`  [page error] ${e.message.split('\n')[0]}`));
    wb = new Workbench(page, harness.server);
    await wb.open(workspace);
  });
  test.afterAll(async () => {
    await wb.page.close({ runBeforeUnload: false });
  });

  test('asks for preprocessing, remembers it, and the probe points to the training statistics', async () => {
    await wb.palette.run(COMMANDS.analyse);
    await wb.quickInput.pick('(1/3)', MODEL);
    await wb.quickInput.pick('(2/3)', 'data');
    await wb.quickInput.pick('(3/3)', 'Use the evaluation folder’s training split');
    await expect(wb.page.locator('.quick-input-widget .quick-input-title')).toContainText('which preprocessing', { timeout: 30_000 });
    const rows = (await wb.page.locator('.quick-input-widget .monaco-list-row .label-name').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
    expect(rows).toEqual(['Pixels in [0, 1]', 'ImageNet mean/std', 'CIFAR-10 mean/std', "The training set's own mean/std", 'Custom mean/std…']);
    await wb.screenshot('preprocessing-quickpick');
    await wb.quickInput.pick('which preprocessing', 'Pixels in [0, 1]');

    const first = await waitForReports(workspace, 1, 180_000, () => wb.notifications.failOnExtensionError());
    const config = readLongtailJson(workspace);
    expect(config.preprocessing, 'the choice in longtail.json').toEqual({ scale: 'unit' });
    expect(config.lastAnalysis).toEqual(expect.objectContaining({ model: MODEL, eval: 'data' }));
    const probe = first.json.preprocessingProbe;
    expect(probe?.suggestion, 'report.json preprocessingProbe').toBe('training-stats');

    const text = await wb.notifications.waitFor(/probably expects it/, 60_000);
    expect(text).toContain("the training set's own mean/std gives 100.0% accuracy on a 300-example sample");
    expect(text).toMatch(/Probe accuracy: configured 19\.\d%, unit 19\.\d%, imagenet 9\d\.\d%, cifar10 9\d\.\d%, training-stats 100\.0%/);
    await wb.screenshot('preprocessing-probe');

    // "Use …": longtail.json gets the training statistics and the analysis runs again.
    const toast = wb.page.locator('.notifications-toasts .notification-list-item').filter({ hasText: 'probably expects it' });
    await toast.locator('.monaco-button', { hasText: "Use the training set's own mean/std" }).click();
    const second = await waitForReports(workspace, 2, 180_000, () => wb.notifications.failOnExtensionError());
    const pre = readLongtailJson(workspace).preprocessing as { mean: number[]; std: number[] };
    expect(pre.mean[0]).toBeCloseTo(0.3807, 4);
    expect(pre.std[0]).toBeCloseTo(0.3469, 4);
    log(`  balanced error ${first.json.summary.balancedError} → ${second.json.summary.balancedError}`);
    expect(first.json.summary.balancedError).toBeGreaterThan(0.7);
    expect(second.json.summary.balancedError).toBeLessThan(0.02);
  });
});
