/**
 * The runs table (issue #16 item 4), in one window: a workspace with two analyses of two checkpoints (the second
 * with a shifted classifier bias, so a different balanced error) and a fine-tune folder whose report.json is broken →
 * "Long-Tail: Open runs table" lists all three (the broken one as a row with its one-line error); sorting by
 * balanced error (header click, then Enter on the header) orders the rows by report.json's values; a tag added in
 * the table lands in that run's tags.json (report.json untouched) and shows after the host re-reads it, and text typed
 * into a tag box survives the table's redraw when the host re-lists the runs; the chart
 * is drawn; a new analysis written while the table is open appears in place; a click on a row opens that run's
 * dashboard. With watch mode on, a checkpoint analysed from the palette and then rewritten gains a point on its line
 * in the open chart; after a window reload the table comes back with its sort and chart filter. Screenshots
 * runs-table-sorted.png, runs-table-tagged.png, runs-table-workbench.png, runs-table-watch.png.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURE_INPUTS, rewriteClassifierBias, runsDir, waitForReports, type RunReport } from '../harness/fixtureWorkspace';
import { log } from '../harness/log';
import { expect, test } from '../fixtures';
import { RunsTableWebview } from '../pages/runsTableWebview';
import { Workbench } from '../pages/workbench';
import { analyseFromPalette, analyseWithCli } from '../steps';

/** `18.33%`: the table's format (formatPercent with 2 digits). */
const percent2 = (v: number): string => `${(100 * v).toFixed(2)}%`;

test.describe('runs table', () => {
  test.describe.configure({ mode: 'serial' });
  let wb: Workbench;
  let workspace: string;
  let installed: string;
  let a: RunReport;
  let b: RunReport;
  let table: RunsTableWebview;

  test.beforeAll(async ({ persistentContext, harness, freshWorkspace }) => {
    workspace = freshWorkspace('runs-table');
    installed = harness.installedExtension;
    // Two checkpoints: the fixture's, and a copy whose class-9 bias is raised by 2 (balanced error 18.3 → 13.7 %).
    cpSync(join(workspace, 'model'), join(workspace, 'model-b'), { recursive: true });
    rewriteClassifierBias(join(workspace, 'model-b', 'model.json'), 9, 2);
    a = await analyseWithCli(installed, workspace, 'model/model.json', 'run-a');
    b = await analyseWithCli(installed, workspace, 'model-b/model.json', 'run-b');
    expect(a.json.summary.balancedError, 'the two runs differ in balanced error').not.toBe(b.json.summary.balancedError);
    // Under .longtail/finetune/: the harness's listReports parses every report under .longtail/runs/.
    mkdirSync(join(workspace, '.longtail', 'finetune', 'run-broken'), { recursive: true });
    writeFileSync(join(workspace, '.longtail', 'finetune', 'run-broken', 'report.json'), '{"schemaVersion": 1, "createdAt": ');
    // Watch mode on (the fixture's thresholds kept): the last case's analysis is followed.
    writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'longtail.buckets.manyThreshold': 50, 'longtail.buckets.fewThreshold': 15, 'longtail.watch': true }, null, 2));
    const page = await persistentContext.newPage();
    page.on('pageerror', (e) => log(`  [page error] ${e.message.split('\n')[0]}`));
    wb = new Workbench(page, harness.server);
    await wb.open(workspace, { viewport: { width: 1500, height: 1100 } });
  });
  test.afterAll(async () => {
    await wb.page.close({ runBeforeUnload: false });
  });

  test('lists every run, sorts by balanced error, a broken report is a row with its error', async () => {
    await wb.palette.run('Long-Tail: Open runs table');
    table = await RunsTableWebview.find(wb.page, wb.notifications);
    await expect(table.rows).toHaveCount(3, { timeout: 30_000 });
    for (const run of [a, b]) {
      await expect(table.row(run.name).locator('td.col-balancedError'), `${run.name}'s balanced error`).toHaveText(percent2(run.json.summary.balancedError));
      const few = run.json.summary.buckets.few.accuracy;
      await expect(table.row(run.name).locator('td.col-fewError'), `${run.name}'s few-shot error`).toHaveText(few === null ? '—' : percent2(1 - few));
      await expect(table.row(run.name).locator('td.col-model')).toHaveText(run.name === 'run-a' ? 'model/model.json' : 'model-b/model.json');
    }
    await expect(table.row('run-broken').locator('td.run-error'), 'the broken report’s one-line error').toHaveText(/finetune\/run-broken\/report\.json is not valid JSON/);

    const ascending = [a, b].sort((x, y) => x.json.summary.balancedError - y.json.summary.balancedError).map((r) => r.name);
    await table.sortBy('balancedError');
    await expect(table.header('balancedError')).toHaveAttribute('aria-sort', 'ascending');
    await expect.poll(() => table.folders()).toEqual([...ascending, 'run-broken']);
    await table.sortBy('balancedError');
    await expect(table.header('balancedError')).toHaveAttribute('aria-sort', 'descending');
    await expect.poll(() => table.folders()).toEqual([...ascending].reverse().concat('run-broken'));
    // Keyboard: the header button keeps focus after a re-render, Enter flips the order again.
    await expect(table.header('balancedError').locator('button')).toBeFocused();
    await wb.page.keyboard.press('Enter');
    await expect(table.header('balancedError')).toHaveAttribute('aria-sort', 'ascending');
    await expect.poll(() => table.folders()).toEqual([...ascending, 'run-broken']);
    log(`  sorted by balanced error: ${ascending.map((n) => `${n} ${percent2((n === a.name ? a : b).json.summary.balancedError)}`).join(' < ')}`);
    await table.expectChartDrawn();
    await table.screenshot('runs-table-sorted');
  });

  test('a tag edited in the table is written to tags.json beside report.json', async () => {
    const reportBefore = readFileSync(b.file);
    const tagsFile = join(runsDir(workspace), b.name, 'tags.json');
    expect(existsSync(tagsFile), 'no tags.json yet').toBe(false);
    await table.addTag(b.name, 'bias +2');
    await expect.poll(() => (existsSync(tagsFile) ? JSON.parse(readFileSync(tagsFile, 'utf8')) : null), { timeout: 15_000 }).toEqual({ tags: ['bias +2'] });
    await expect.poll(() => table.tags(b.name), { timeout: 15_000 }).toEqual(['bias +2']);
    // The host re-lists the runs whenever a report.json or tags.json changes, and the table is redrawn: text typed
    // into an open tag box must survive that. report.json rewritten with the same bytes forces one redraw.
    const input = await table.openTagBox(b.name);
    await input.fill('<b>not bold</b>');
    await input.evaluate((el) => el.setAttribute('data-before-refresh', ''));
    writeFileSync(b.file, reportBefore);
    await expect.poll(() => input.evaluate((el) => el.hasAttribute('data-before-refresh')), { timeout: 15_000, message: 'the table was redrawn' }).toBe(false);
    await expect(input, 'the typed text survives the redraw').toHaveValue('<b>not bold</b>');
    await expect(input).toBeFocused();
    await input.press('Enter');
    await expect.poll(() => JSON.parse(readFileSync(tagsFile, 'utf8')), { timeout: 15_000 }).toEqual({ tags: ['bias +2', '<b>not bold</b>'] });
    await expect.poll(() => table.tags(b.name), { timeout: 15_000 }).toEqual(['bias +2', '<b>not bold</b>']);
    await expect(table.row(b.name).locator('.tags b'), 'a tag is text, not markup').toHaveCount(0);
    await table.removeTag(b.name, 'bias +2');
    await expect.poll(() => JSON.parse(readFileSync(tagsFile, 'utf8')), { timeout: 15_000 }).toEqual({ tags: ['<b>not bold</b>'] });
    await expect.poll(() => table.tags(b.name), { timeout: 15_000 }).toEqual(['<b>not bold</b>']);
    expect(readFileSync(b.file).equals(reportBefore), 'report.json untouched').toBe(true);
    // The sort chosen before is kept through the host's new listings.
    await expect(table.header('balancedError')).toHaveAttribute('aria-sort', 'ascending');
    await table.screenshot('runs-table-tagged');
  });

  test('a run written while the table is open appears in place; a row click opens its dashboard', async () => {
    cpSync(join(workspace, 'model'), join(workspace, 'model-c'), { recursive: true });
    rewriteClassifierBias(join(workspace, 'model-c', 'model.json'), 0, 4);
    const c = await analyseWithCli(installed, workspace, 'model-c/model.json', 'run-c');
    await expect(table.rows, 'the new run is listed without reopening the table').toHaveCount(4, { timeout: 30_000 });
    await expect(table.row(c.name).locator('td.col-balancedError')).toHaveText(percent2(c.json.summary.balancedError));

    await table.row(a.name).locator('td.col-balancedError').click();
    await expect(wb.editorTab(`Long-Tail: ${a.name}`), 'the run’s dashboard tab').toBeVisible({ timeout: 60_000 });
    const dashboard = await wb.dashboard(`h1:has-text("${a.name}")`);
    await expect(dashboard.balancedError).toHaveText(`${(100 * a.json.summary.balancedError).toFixed(1)}%`);
    await wb.screenshot('runs-table-workbench');
  });

  test('watch mode fills the chart: a rewritten checkpoint adds a point to its line in the open table', async () => {
    const { report: watched } = await analyseFromPalette(wb, workspace, 4);
    await wb.palette.run('Long-Tail: Open runs table');
    table = await RunsTableWebview.find(wb.page, wb.notifications);
    await expect(table.rows).toHaveCount(5, { timeout: 30_000 });
    await table.web.locator('#runs-model-filter').selectOption({ label: 'model/model.json' });
    // run-a (CLI) and the palette's analysis: the same checkpoint, one line.
    await expect(table.chartNote).toContainText('of 2 runs over time');
    rewriteClassifierBias(join(workspace, FIXTURE_INPUTS.model), 9, 2);
    const next = await waitForReports(workspace, 5, 120_000, () => wb.notifications.failOnExtensionError());
    log(`  watch mode wrote ${next.name} after ${watched.name}: balanced error ${watched.json.summary.balancedError} → ${next.json.summary.balancedError}`);
    await expect(table.rows, 'the re-analysis is listed in the open table').toHaveCount(6, { timeout: 30_000 });
    await expect(table.chartNote, 'and charted on the checkpoint’s line').toContainText('of 3 runs over time', { timeout: 30_000 });
    await expect(table.chartPoints).toHaveCount(3);
    await expect(table.chartPoints.last(), 'the newest point is the watch run’s').toContainText(next.name);
    await table.expectChartDrawn();
    await table.screenshot('runs-table-watch');
  });

  test('after a window reload the table comes back with its sort and chart filter', async () => {
    await wb.reloadWindow();
    await wb.editorTab('Long-Tail: runs').click();
    table = await RunsTableWebview.find(wb.page, wb.notifications);
    await expect(table.rows).toHaveCount(6, { timeout: 30_000 });
    await expect(table.header('balancedError')).toHaveAttribute('aria-sort', 'ascending');
    const shown = await table.rows.evaluateAll((rows) => rows.map((r) => Number(r.querySelector('td.col-balancedError')?.getAttribute('data-value') ?? 'NaN')));
    const valid = shown.filter((v) => !Number.isNaN(v));
    expect(valid, 'rows in ascending balanced error').toEqual([...valid].sort((x, y) => x - y));
    await expect(table.web.locator('#runs-model-filter option:checked')).toHaveText('model/model.json');
    await expect(table.chartNote).toContainText('of 3 runs over time');
  });

  test('a run folder deleted as a whole leaves the table; one linked out of the workspace is a row that is not read', async () => {
    rmSync(join(runsDir(workspace), 'run-c'), { recursive: true });
    await expect(table.rows, 'the deleted run leaves the open table').toHaveCount(5, { timeout: 30_000 });
    // A run folder outside the workspace (with a valid report), linked in: listed as a link, its report not read.
    const outside = mkdtempSync(join(tmpdir(), 'lt-e2e-outside-'));
    try {
      cpSync(join(runsDir(workspace), a.name), join(outside, 'run'), { recursive: true });
      symlinkSync(join(outside, 'run'), join(runsDir(workspace), 'linked-out'));
      await expect(table.rows, 'the linked folder is a row').toHaveCount(6, { timeout: 30_000 });
      await expect(table.row('linked-out').locator('td.run-error')).toHaveText(/linked-out is a symbolic link; the runs table does not follow links/);
      // The linked row offers no tags (the host would refuse them): nothing can be written outside the workspace.
      await expect(table.row('linked-out').locator('button.tag-add')).toHaveCount(0);
      await table.addTag(a.name, 'after-link');
      const aTags = join(runsDir(workspace), a.name, 'tags.json');
      await expect.poll(() => (existsSync(aTags) ? JSON.parse(readFileSync(aTags, 'utf8')) : null), { timeout: 15_000 }).toEqual({ tags: ['after-link'] });
      expect(existsSync(join(outside, 'run', 'tags.json')), 'tags.json written outside the workspace').toBe(false);
    } finally {
      rmSync(join(runsDir(workspace), 'linked-out'), { force: true });
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
