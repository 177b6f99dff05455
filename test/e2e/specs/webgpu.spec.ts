/**
 * The webgpu backend inside VS Code, on SwiftShader (Debian chromium's software Vulkan driver; no GPU here or in
 * CI): the workspace sets `longtail.backend: "webgpu"`, "Analyse long-tail checkpoint" runs, and
 * - the engine child process under code-server's extension host loads dawn.node and finds SwiftShader by itself
 *   (no Vulkan variables are passed to code-server: src/engine/compute/vulkanSoftware.ts);
 * - report.json records `engine.backend: webgpu` and the software adapter as the device;
 * - the dashboard's header and the status bar say WebGPU and "software adapter", never "GPU".
 * Small: one analysis of the fixture model on 30 of its test images (a subset index `data/eval-30.json`, 3 per
 * class): SwiftShader ran the full 300 in over 3 minutes under load.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FIXTURE_INPUTS, waitForReports } from '../harness/fixtureWorkspace';
import { log } from '../harness/log';
import { expect, test } from '../fixtures';
import { Workbench } from '../pages/workbench';
import { answerPreprocessingIfAsked, COMMANDS, expectShowsReport } from '../steps';

const SOFTWARE_DEVICE = 'WebGPU · SwiftShader (software adapter)';
/** The label of a hardware adapter (`GPU · NVIDIA H100 (WebGPU, Vulkan)`), not the `WebGPU · …` of a software one. */
const NOT_A_GPU = /(?<!Web)GPU · /;
const EVAL_SUBSET = 'data/eval-30.json';

/** Writes a subset index of the fixture's test split: the first 3 images of each class. */
function writeEvalSubset(workspace: string): void {
  const labels = gunzipSync(readFileSync(join(workspace, 'data', 't10k-labels-idx1-ubyte.gz'))).subarray(8);
  const seen = new Array<number>(10).fill(0);
  const indices: number[] = [];
  labels.forEach((l, i) => {
    if (seen[l] < 3) {
      seen[l]++;
      indices.push(i);
    }
  });
  writeFileSync(join(workspace, EVAL_SUBSET), JSON.stringify({ source: '.', split: 'test', indices }));
}

test.describe('webgpu backend on SwiftShader', () => {
  let wb: Workbench;
  let workspace: string;
  test.beforeAll(async ({ persistentContext, harness, freshWorkspace }) => {
    workspace = freshWorkspace('webgpu');
    writeEvalSubset(workspace);
    writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'longtail.buckets.manyThreshold': 50, 'longtail.buckets.fewThreshold': 15, 'longtail.backend': 'webgpu' }, null, 2));
    const page = await persistentContext.newPage();
    page.on('pageerror', (e) => log(`  [page error] ${e.message.split('\n')[0]}`));
    wb = new Workbench(page, harness.server);
    await wb.open(workspace, { viewport: { width: 1440, height: 1000 } });
  });
  test.afterAll(async () => {
    await wb.page.close({ runBeforeUnload: false });
  });

  test('longtail.backend webgpu: the analysis runs on SwiftShader, shown as WebGPU and software in the dashboard and status bar', async () => {
    test.setTimeout(360_000);
    await wb.palette.run(COMMANDS.analyse);
    await wb.quickInput.pick('(1/3)', FIXTURE_INPUTS.model);
    await wb.quickInput.pick('(2/3)', EVAL_SUBSET);
    await wb.quickInput.pick('(3/3)', FIXTURE_INPUTS.train);
    await answerPreprocessingIfAsked(wb, workspace, 1);
    const report = await waitForReports(workspace, 1, 240_000, () => wb.notifications.failOnExtensionError());
    log(`  report.json on webgpu: ${report.name} (balanced error ${report.json.summary.balancedError})`);
    const engine = report.json.engine as { backend: string; device?: string };
    expect(engine.backend, 'report.json: the backend that ran').toBe('webgpu');
    expect(engine.device, 'report.json: the device that ran').toBe(SOFTWARE_DEVICE);
    const dashboard = await wb.dashboard('#panel-overview .card-primary');
    await expectShowsReport(wb, dashboard, report);
    await expect(dashboard.metaLine, 'the dashboard names the device').toContainText(`(${SOFTWARE_DEVICE})`);
    await expect(dashboard.metaLine, 'a software adapter is never shown as a GPU').not.toContainText(NOT_A_GPU);
    const status = wb.statusBarItem('BER ');
    await expect(status, 'the status bar names WebGPU and the software adapter').toContainText(SOFTWARE_DEVICE);
    await expect(status, 'a software adapter is never shown as a GPU').not.toContainText(NOT_A_GPU);
    await dashboard.screenshot('webgpu-dashboard');
    await wb.screenshot('webgpu-status-bar');
  });
});
