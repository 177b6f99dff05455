/**
 * One workspace copy, one window, in order: the workbench loads and the engine computes; the palette lists the
 * analyse command; analyse from the palette to the dashboard; the runs view lists that run; a fine-tune from the
 * editor to the before/after comparison; then a window reload restores every dashboard with its own report.
 * Each case builds on the previous one's results, and one window saves workbench loads (each starts an extension
 * host: 15–75 s under other engineers' builds on this 2-core machine). After a failure the rest are skipped.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { findFiles } from '../harness/codeServer';
import { contributedTitles, expectThresholds, FIXTURE_INPUTS, FIXTURE_SETTINGS_THRESHOLDS, listReports, percent1, readLongtailJson } from '../harness/fixtureWorkspace';
import { log, secondsSince, sleep } from '../harness/log';
import { engineProcesses } from '../harness/processGroup';
import { expect, test } from '../fixtures';
import { DASHBOARD_TAB_PREFIX, Workbench } from '../pages/workbench';
import { analyseFromPalette, COMMANDS, expectShowsReport, extensionLogFiles } from '../steps';

test.describe('one workspace, one window: backend, palette, analyse, runs view, fine-tune, reload', () => {
  test.describe.configure({ mode: 'serial' });
  let wb: Workbench;
  test.beforeAll(async ({ persistentContext, harness, sharedWorkspace }) => {
    const page = await persistentContext.newPage();
    page.on('pageerror', (e) => log(`  [page error] ${e.message.split('\n')[0]}`));
    wb = new Workbench(page, harness.server);
    // Tall, so dashboard.png holds the cards and the overview's charts; wide, so the compare dashboard fits beside.
    await wb.open(sharedWorkspace, { viewport: { width: 1600, height: 1400 } });
  });
  test.afterAll(async () => {
    await wb.page.close({ runBeforeUnload: false });
  });

  test('workbench loads; extension activates; engine computes on wasm', async ({ harness }) => {
    await wb.palette.run(COMMANDS.showBackend);
    const text = await wb.notifications.waitFor(/computes on/, 120_000);
    expect(text, 'the engine info notification').toContain('computes on wasm');
    // The engine is a child process of this code-server's extension host (what the restricted-mode case checks is absent).
    expect(await engineProcesses(wb.server.pid, harness.installedExtension), 'engine processes in the code-server').not.toEqual([]);
    // The progress notification closes a moment after the request settles: screenshot without it.
    await wb.notifications.waitForNone(/starting the engine/, 10_000);
    await wb.screenshot('show-compute-backend');
    // The extension's output channel has the engine's answer (its log file is written as it logs).
    await expect
      .poll(() => extensionLogFiles(wb.server.userData).map((f) => readFileSync(f, 'utf8')).join('\n'), {
        message: 'the extension output channel ("Long-Tail Lens.log" under the user data logs) has an "engine info:" line',
        timeout: 15_000,
      })
      .toContain('engine info:');
  });

  test('palette lists "Long-Tail: Analyse long-tail checkpoint" under its exact title', async () => {
    const labels = await wb.palette.find(COMMANDS.analyse);
    await wb.screenshot('palette-analyse');
    await wb.page.keyboard.press('Escape');
    expect(labels, 'palette rows').toContain(COMMANDS.analyse);
  });

  test('analyse from the palette', async ({ sharedWorkspace }) => {
    const { report, seen } = await analyseFromPalette(wb, sharedWorkspace, 1);
    log(`  notifications seen: ${JSON.stringify(seen)}`);
    expect(seen.some((m) => /^Long-Tail Lens: analysing model\.json/.test(m)), `a progress notification "Long-Tail Lens: analysing model.json …" among ${JSON.stringify(seen)}`).toBe(true);

    const dashboard = await wb.dashboard('#panel-overview .card-primary');
    await expect(dashboard.balancedError).toHaveText(/^\d{1,3}\.\d%$/);
    await expectShowsReport(wb, dashboard, report);
    await expect(dashboard.web.locator('#panel-overview .card-primary .card-title')).toHaveText('Balanced error');
    await expect(dashboard.heading).toHaveText(/^Long-Tail Lens — /);
    // The workspace's .vscode/settings.json thresholds reached the engine and the dashboard.
    expectThresholds(report, FIXTURE_SETTINGS_THRESHOLDS);
    await expect(dashboard.bucketTitles.first()).toHaveText(`Many-shot (n > ${FIXTURE_SETTINGS_THRESHOLDS.many})`);
    log(`  overview chart: ${await dashboard.expectCanvasDrawn(dashboard.web.locator('#panel-overview canvas').first(), "the overview's class-count profile chart")}`);
    await dashboard.screenshot('dashboard');
    await wb.screenshot('analyse-workbench');

    await dashboard.selectTab('weights');
    await expect(dashboard.web.locator('#panel-weights .card-title').first()).toContainText('Pearson r');
    await expect(dashboard.web.locator('#panel-weights .card-value').first()).toHaveText(/^-?\d/);
    log(`  weights chart: ${await dashboard.expectCanvasDrawn(dashboard.web.locator('#panel-weights canvas').first(), 'the weight-norm scatter')}`);
    await dashboard.screenshot('dashboard-weights');

    const classes = report.json.classes.length;
    await dashboard.selectTab('classes');
    await expect(dashboard.web.locator('#panel-classes .count')).toHaveText(`${classes} of ${classes} classes`);
    await expect(dashboard.web.locator('#panel-classes .class-table tbody tr:not(.spacer)')).toHaveCount(classes);
    const few = report.json.classes.filter((c) => c.bucket === 'few').length;
    expect(few, 'few-shot classes in report.json').toBeGreaterThan(0);
    await expect(dashboard.web.locator('#panel-classes .class-table tbody tr.row-few')).toHaveCount(few);
    await dashboard.screenshot('dashboard-classes');

    await dashboard.selectTab('confusion');
    log(`  confusion chart: ${await dashboard.expectCanvasDrawn(dashboard.web.locator('#panel-confusion canvas').first(), 'the confusion chart')}`);
    await dashboard.selectTab('overview'); // leave the panel as a user would find it

    // The choice is remembered in longtail.json.
    expect(readLongtailJson(sharedWorkspace).lastAnalysis, 'longtail.json lastAnalysis').toEqual(expect.objectContaining(FIXTURE_INPUTS));
  });

  test('runs view', async ({ sharedWorkspace }) => {
    const reports = listReports(sharedWorkspace);
    expect(reports.length, 'reports in the shared workspace (the "analyse from the palette" case makes one)').toBeGreaterThan(0);
    await wb.runsView.open();
    for (const report of reports) {
      const row = wb.runsView.row(report.name);
      await expect(row.locator('.label-name').first()).toHaveText(report.name, { timeout: 60_000 });
      await expect(row.locator('.label-description').first()).toHaveText(`balanced error ${(100 * report.json.summary.balancedError).toFixed(2)}%`);
      await wb.runsView.expand(row);
      await expect(wb.runsView.rows.filter({ hasText: 'checkpoint' }).first()).toHaveText(/checkpoint\s*model\.json/);
    }
    await wb.screenshot('runs-view');
  });

  test('fine-tune from the editor', async ({ sharedWorkspace, harness }) => {
    test.setTimeout(420_000);
    expect(contributedTitles(join(harness.installedExtension, 'package.json')), "the tested extension's contributed commands").toContain(COMMANDS.fineTuneLA);
    const finetuneDir = join(sharedWorkspace, '.longtail', 'finetune');
    const before = new Set(findFiles(finetuneDir, 'model.json'));
    const watcher = wb.notifications.watch(); // the run can take under a second: its progress comes and goes
    await wb.palette.run(COMMANDS.fineTuneLA);
    const accepted = await wb.quickInput.acceptDefaults(60_000);
    log(`  accepted ${accepted.length} quick input(s) with Enter: ${JSON.stringify(accepted)}`);
    const startedAt = Date.now();

    // The new checkpoint .longtail/finetune/<run>/…/model.json; an error notification fails at once; a run
    // that ended ("fine-tuned …") without one fails after 5 s, listing what it wrote.
    let created: string[] = [];
    let finishedAt = 0;
    while (!(created = findFiles(finetuneDir, 'model.json').filter((f) => !before.has(f))).length) {
      await wb.notifications.failOnExtensionError();
      if (!finishedAt && (await wb.notifications.list()).some((m) => /Long-Tail Lens: fine-tuned/i.test(m.text))) finishedAt = Date.now();
      if ((finishedAt && Date.now() - finishedAt > 5000) || Date.now() - startedAt > 330_000) {
        const wrote = existsSync(finetuneDir) ? readdirSync(finetuneDir, { recursive: true }).map(String) : [];
        throw new Error(`no new .longtail/finetune/**/model.json ${finishedAt ? 'after the run ended' : 'within 330 s'}; .longtail/finetune holds ${JSON.stringify(wrote)}`);
      }
      await sleep(500);
    }
    const model = JSON.parse(readFileSync(created[0], 'utf8')) as { weightsManifest?: { paths?: string[] }[] };
    const weightsName = model.weightsManifest?.[0]?.paths?.[0];
    expect(weightsName, `${created[0]} names its weights file`).toBeTruthy();
    const weights = join(dirname(created[0]), String(weightsName));
    expect(existsSync(weights) && statSync(weights).size > 0, `${weights} exists and is not empty`).toBe(true);
    log(`  new checkpoint ${created[0].slice(sharedWorkspace.length + 1)} after ${secondsSince(startedAt)} s`);

    const dashboard = await wb.dashboard('#tab-compare', 180_000);
    await dashboard.selectTab('compare');
    await expect(dashboard.web.locator('#panel-compare').first()).toContainText(/Before:[\s\S]*After:/);
    log(`  compare chart: ${await dashboard.expectCanvasDrawn(dashboard.web.locator('#panel-compare canvas').first(), 'the compare chart')}`);
    await wb.screenshot('finetune-workbench');
    await wb.notifications.closeToasts(); // the closing toast covers the webview's corner
    await dashboard.screenshot('finetune');
    const seen = await watcher.stop();
    log(`  notifications seen: ${JSON.stringify(seen)}`);
    expect(seen.some((m) => /^Long-Tail Lens: fine-tuning/i.test(m)), `a progress notification "Long-Tail Lens: fine-tuning …" among ${JSON.stringify(seen)}`).toBe(true);
  });

  test('reload restores every dashboard with its own report', async ({ sharedWorkspace }) => {
    test.setTimeout(420_000);
    // Two dashboards of two different reports: the analysis (open since that case) and the fine-tuned
    // checkpoint's report, opened now with "Long-Tail: Open report"; the fine-tune's compare dashboard is open too.
    const [analysis] = listReports(sharedWorkspace);
    const finetuneReports = findFiles(join(sharedWorkspace, '.longtail', 'finetune'), 'report.json');
    expect(finetuneReports, 'the fine-tune case wrote one report').toHaveLength(1);
    const finetuned = { name: basename(dirname(finetuneReports[0])), json: JSON.parse(readFileSync(finetuneReports[0], 'utf8')) as typeof analysis.json };
    expect(percent1(finetuned.json.summary.balancedError), 'the two reports differ in balanced error').not.toBe(percent1(analysis.json.summary.balancedError));
    await wb.palette.run(COMMANDS.openReport);
    await wb.quickInput.pick('Open Long-Tail report', `fine-tune ${finetuned.name}`);
    const plain = (name: string): string => `body:not(:has(#tab-compare)) h1:has-text("${name}")`; // not the compare dashboard
    await expect((await wb.dashboard(plain(finetuned.name))).balancedError).toHaveText(percent1(finetuned.json.summary.balancedError));
    const before = await wb.editorTabTitles(DASHBOARD_TAB_PREFIX);
    log(`  dashboard tabs before the reload: ${JSON.stringify(before)}`);
    const compareTitle = before.find((t) => t.includes(' vs '));
    expect(before, 'dashboard tabs before the reload').toEqual(expect.arrayContaining([`${DASHBOARD_TAB_PREFIX} ${analysis.name}`, `${DASHBOARD_TAB_PREFIX} ${finetuned.name}`]));
    expect(compareTitle, `a compare dashboard tab ("… vs …") among ${JSON.stringify(before)}`).toBeTruthy();
    const berBefore = /BER \d+\.\d%/.exec(await wb.statusBarItem(/BER \d/).innerText())?.[0];
    expect(berBefore, 'the status bar shows the last balanced error before the reload').toBeTruthy();
    await wb.screenshot('reload-before');

    await wb.reloadWindow();

    // Every tab comes back (restored by the serializers) …
    await expect.poll(async () => (await wb.editorTabTitles(DASHBOARD_TAB_PREFIX)).sort(), { message: 'dashboard tabs after the reload', timeout: 90_000 }).toEqual([...before].sort());
    // … and each dashboard shows its own report.
    for (const report of [analysis, finetuned]) {
      await wb.editorTab(`${DASHBOARD_TAB_PREFIX} ${report.name}`).click();
      await expect
        .poll(() => wb.webviewHeadings(), { message: `after the reload, a dashboard shows ${report.name} (the headings of the open webviews)`, timeout: 90_000 })
        .toContain(`Long-Tail Lens — ${report.name}`);
      const dashboard = await wb.dashboard(plain(report.name));
      await expect(dashboard.balancedError, `${report.name}'s restored dashboard`).toHaveText(percent1(report.json.summary.balancedError));
      log(`  restored ${report.name}: balanced error ${await dashboard.balancedError.innerText()}`);
      await dashboard.screenshot(`reload-restored-${report === analysis ? 'analysis' : 'finetune'}`);
    }
    await wb.editorTab(String(compareTitle)).click();
    const compare = await wb.dashboard('#tab-compare', 90_000);
    await compare.selectTab('compare');
    await expect(compare.web.locator('#panel-compare').first(), 'the restored compare dashboard').toContainText(/Before:[\s\S]*After:/);
    await compare.screenshot('reload-restored-compare');
    // The restored dashboards activate the extension, which brings back the last balanced error (kept in workspace state).
    await expect(wb.statusBarItem(String(berBefore)), `the status bar shows ${String(berBefore)} again after the reload`).toBeVisible({ timeout: 60_000 });
    await wb.screenshot('reload-restored-workbench');
  });
});
