/**
 * The dashboard bundle (dist/webview/dashboard.js) rendered in headless Chromium: the standalone HTML
 * report for 10, 1,000 and 8,142 classes (charts drawn, no console errors, hostile class names shown as
 * text, theme switching, render time) and the panel layout driven through a fake `acquireVsCodeApi`
 * (ready handshake, tabs, persisted state, CSV export message). Screenshots go to test/e2e/artifacts/.
 * Also `longtail report` (runReport) end to end on disk. Chromium: Debian's /usr/bin/chromium (skipped
 * cleanly when absent) driven with playwright-core.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { runReport } from '../../src/cli/commands/report';
import { renderHtmlReport } from '../../src/report/htmlReport';
import { dashboardHtml } from '../../src/extension/dashboardHtml';
import type { LongtailError } from '../../src/protocol/errors';
import type { Report } from '../../src/protocol/report';
import { hostileNames, makeReport } from '../fixtures/makeReport';

// Callbacks passed to page.evaluate run in Chromium, but this file is type-checked with the Node-only
// tsconfig (no DOM lib, on purpose): give the few page globals they use loose, file-local types.
type PageValue = ReturnType<typeof JSON.parse>;
declare const document: PageValue;
declare const window: PageValue;
declare const getComputedStyle: PageValue;

const root = join(__dirname, '..', '..');
const bundlePath = join(root, 'dist', 'webview', 'dashboard.js');
const cssPath = join(root, 'media', 'dashboard.css');
const artifacts = join(root, 'test', 'e2e', 'artifacts', 'dashboard');
const chromiumPath = '/usr/bin/chromium';
const noChromium = existsSync(chromiumPath) ? false : `${chromiumPath} is absent: install it with 'apt-get install -y chromium' to run the dashboard browser tests`;
const launchArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

interface PageProbe {
  readonly errors: string[];
  readonly dialogs: string[];
  readonly requests: string[];
}

/** Opens a page that records console errors, page errors, dialogs and non-file requests. */
async function openPage(browser: Browser, width = 1400, height = 1000): Promise<{ page: Page; probe: PageProbe }> {
  const page = await browser.newPage({ viewport: { width, height }, colorScheme: 'light' });
  const probe: PageProbe = { errors: [], dialogs: [], requests: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') probe.errors.push(m.text());
  });
  page.on('pageerror', (e) => probe.errors.push(String(e)));
  page.on('dialog', (d) => {
    probe.dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('request', (r) => {
    if (!/^(file|data|blob):/.test(r.url())) probe.requests.push(r.url());
  });
  return { page, probe };
}

/** Counts canvases and how many painted pixels each has. */
async function canvasInk(page: Page): Promise<{ total: number; blank: string[]; inks: number[] }> {
  return page.evaluate(() => {
    const out = { total: 0, blank: [] as string[], inks: [] as number[] };
    const canvases: PageValue[] = Array.from(document.querySelectorAll('canvas'));
    for (const c of canvases) {
      if (!c.width || !c.height || c.closest('[hidden]')) continue;
      out.total++;
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let ink = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) ink++;
      out.inks.push(ink);
      if (ink < 200) out.blank.push(c.getAttribute('aria-label') ?? c.className);
    }
    return out;
  });
}

/** A cheap fingerprint of the first canvas's pixels (changes when its colours change). */
async function canvasHash(page: Page, selector = 'canvas'): Promise<number> {
  return page.evaluate((sel) => {
    const c = document.querySelector(sel);
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let h = 0;
    for (let i = 0; i < data.length; i += 7) h = (h * 31 + data[i]) >>> 0;
    return h;
  }, selector);
}

/** One screenshot per section (easier to review than one very tall page). */
async function sectionShots(page: Page, prefix: string): Promise<void> {
  for (const id of await page.$$eval('section.panel', (els) => els.map((e) => e.id))) {
    await page.locator(`#${id}`).screenshot({ path: join(artifacts, `${prefix}-${id.replace('section-', '')}.png`) });
  }
}

describe('dashboard in headless Chromium', { skip: noChromium }, () => {
  let browser: Browser;
  let dir: string;
  let bundleJs: string;
  let css: string;
  const timings: string[] = [];

  before(async () => {
    assert.ok(existsSync(bundlePath), `${bundlePath} is missing: run 'node esbuild.config.mjs' first`);
    bundleJs = readFileSync(bundlePath, 'utf8');
    css = readFileSync(cssPath, 'utf8');
    dir = mkdtempSync(join(tmpdir(), 'longtail-dashboard-'));
    mkdirSync(artifacts, { recursive: true });
    browser = await chromium.launch({ executablePath: chromiumPath, args: launchArgs });
  });

  after(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (timings.length) console.log(`render timings: ${timings.join('; ')}`);
  });

  for (const C of [10, 1000, 8142]) {
    it(`standalone report with ${C} classes: charts drawn, hostile names as text, theme switch`, async () => {
      // C = 1000 has an Adam-like head (flat norms): the weight section must say τ-norm cannot help.
      const head = C === 1000 ? 'adam' : 'sgd';
      const report = makeReport({ numClasses: C, seed: C, head });
      const compare = makeReport({ numClasses: C, seed: C, head, variant: 'after' });
      const file = join(dir, `report-${C}.html`);
      writeFileSync(file, renderHtmlReport(report, { bundleJs, css, compare, title: `fixture-${C}.json` }));
      const { page, probe } = await openPage(browser);
      const t0 = Date.now();
      await page.goto(pathToFileURL(file).href);
      await page.waitForFunction(() => document.body.dataset.renderCount === '1', undefined, { timeout: 20_000 });
      const wall = Date.now() - t0;
      const renderMs = Number(await page.evaluate(() => document.body.dataset.renderMs));
      const sinceNavigation = Number(await page.evaluate(() => document.body.dataset.renderedAt));
      const perSection = await page.$$eval('section.panel', (els) => els.map((e) => `${e.id.replace('section-', '')} ${e.getAttribute('data-render-ms')}`).join(', '));
      timings.push(`C=${C}: render ${renderMs} ms [${perSection}], navigation→rendered ${sinceNavigation} ms, goto→rendered ${wall} ms`);

      const sections = await page.$$eval('section.panel', (els) => els.map((e) => e.id));
      assert.deepEqual(sections, ['section-overview', 'section-weights', 'section-embeddings', 'section-confusion', 'section-postHoc', 'section-classes', 'section-compare']);
      const ink = await canvasInk(page);
      assert.ok(ink.total >= 12, `expected at least 12 charts, found ${ink.total}`);
      assert.deepEqual(ink.blank, [], 'every canvas has drawn pixels');
      if (C <= 100) assert.equal(await page.locator('canvas.heatmap').count(), 1, 'full confusion heatmap for C ≤ 100');
      const verdict = await page.textContent('#section-weights .note');
      if (head === 'adam') assert.match(verdict ?? '', /cannot/);
      else assert.match(verdict ?? '', /can rebalance/);

      // Hostile names: only ever text. Filter the table to them and read them back.
      for (const [needle, name] of [['onerror', hostileNames[0]], ['alert(2)', hostileNames[1]], ['hyperlink', hostileNames[2]]]) {
        await page.fill('.toolbar input[type="search"]', needle);
        await page.waitForFunction(
          (expected) => {
            const rows = document.querySelectorAll('.class-table tbody tr:not(.spacer) td.name');
            return rows.length === 1 && rows[0].textContent === expected;
          },
          name,
          { timeout: 5000 },
        );
      }
      assert.equal(await page.locator('img').count(), 0, 'no <img> was injected');
      assert.equal(await page.locator('script:not([id]):not([type])').count(), 1, 'only the bundle script exists');
      await page.fill('.toolbar input[type="search"]', '');

      // Theme: dark, then high contrast; charts re-render with new colours.
      const count = Number(await page.evaluate(() => document.body.dataset.renderCount));
      const lightHash = await canvasHash(page);
      const lightFg = await page.evaluate(() => getComputedStyle(document.body).getPropertyValue('--lt-fg').trim());
      await page.screenshot({ path: join(artifacts, `standalone-${C}-light.png`), fullPage: true });
      if (C !== 1000) await sectionShots(page, `standalone-${C}-light`);
      await page.evaluate(() => document.body.classList.replace('vscode-light', 'vscode-dark'));
      await page.waitForFunction((n) => Number(document.body.dataset.renderCount) > n, count);
      const darkFg = await page.evaluate(() => getComputedStyle(document.body).getPropertyValue('--lt-fg').trim());
      assert.notEqual(darkFg, lightFg);
      assert.notEqual(await canvasHash(page), lightHash, 'the first chart was redrawn in dark colours');
      assert.deepEqual((await canvasInk(page)).blank, []);
      await page.screenshot({ path: join(artifacts, `standalone-${C}-dark.png`), fullPage: C <= 1000 });
      if (C === 10) await sectionShots(page, `standalone-${C}-dark`);
      const count2 = Number(await page.evaluate(() => document.body.dataset.renderCount));
      await page.evaluate(() => document.body.classList.replace('vscode-dark', 'vscode-high-contrast'));
      await page.waitForFunction((n) => Number(document.body.dataset.renderCount) > n, count2);
      await page.screenshot({ path: join(artifacts, `standalone-${C}-hc.png`) });

      assert.deepEqual(probe.errors, [], 'no console errors (CSP violations included)');
      assert.deepEqual(probe.dialogs, [], 'no dialog fired');
      assert.deepEqual(probe.requests, [], 'no network requests');
      // Speed is measured by bench/dashboard.bench.ts (2 s budget), not asserted here.
      assert.ok(renderMs > 0 && sinceNavigation > 0);
      await page.close();
    });
  }

  it('aggregates a stored matrix above 100 classes into top-N + “other”', async () => {
    const file = join(dir, 'report-150.html');
    writeFileSync(file, renderHtmlReport(makeReport({ numClasses: 150, matrixLimit: 200 }), { bundleJs, css }));
    const { page, probe } = await openPage(browser);
    await page.goto(pathToFileURL(file).href);
    await page.waitForFunction(() => document.body.dataset.renderCount === '1');
    assert.match((await page.textContent('#section-confusion figure:has(canvas.heatmap) figcaption')) ?? '', /40 classes with most confusions .*“other”/);
    assert.deepEqual((await canvasInk(page)).blank, []);
    await page.focus('canvas.heatmap');
    await page.keyboard.press('ArrowDown');
    assert.match((await page.textContent('#section-confusion .readout')) ?? '', /^True “.*” predicted as “.*”: \d+/);
    await page.locator('#section-confusion').screenshot({ path: join(artifacts, 'standalone-150-confusion-topN.png') });
    assert.deepEqual(probe.errors, []);
    await page.close();
  });

  it('standalone report resizes and prints without errors', async () => {
    const file = join(dir, 'resize.html');
    writeFileSync(file, renderHtmlReport(makeReport({ numClasses: 1000 }), { bundleJs, css }));
    const { page, probe } = await openPage(browser, 1400, 900);
    await page.goto(pathToFileURL(file).href);
    await page.waitForFunction(() => document.body.dataset.renderCount === '1');
    await page.setViewportSize({ width: 700, height: 900 });
    await page.waitForTimeout(200);
    const widths = await page.$$eval('.chart-box canvas', (cs) => cs.map((c) => c.getBoundingClientRect().width));
    assert.ok(widths.every((w) => w <= 700), `charts follow the viewport: ${widths.join(',')}`);
    assert.deepEqual((await canvasInk(page)).blank, []);
    await page.screenshot({ path: join(artifacts, 'standalone-1000-narrow.png') });
    await page.emulateMedia({ media: 'print' });
    await page.pdf({ path: join(artifacts, 'standalone-1000.pdf') }).catch(() => undefined);
    assert.deepEqual(probe.errors, []);
    await page.close();
  });

  it('panel layout: ready handshake, tabs by keyboard, persisted state, CSV export message', async () => {
    const report = makeReport({ numClasses: 8142, seed: 3 });
    const html = dashboardHtml('file:', pathToFileURL(bundlePath).href, pathToFileURL(cssPath).href, 'bm9uY2Utbm9uY2Utbm9uY2U=');
    const file = join(dir, 'panel.html');
    writeFileSync(file, html);
    const { page, probe } = await openPage(browser, 1300, 900);
    await page.exposeFunction('__hostReceive', (msg: unknown) => messages.push(msg));
    const messages: unknown[] = [];
    // A string, not a function: tsx would add helpers (__name) that do not exist in the page.
    await page.addInitScript({
      content: `(() => {
        let state;
        window.__states = [];
        window.acquireVsCodeApi = () => ({
          postMessage: (m) => window.__hostReceive(m),
          getState: () => state,
          setState: (s) => { state = s; window.__states.push(s); },
        });
      })();`,
    });
    await page.goto(pathToFileURL(file).href);
    await page.waitForFunction(() => document.body.textContent?.includes('Loading report'));
    for (let k = 0; k < 50 && !messages.length; k++) await page.waitForTimeout(20);
    assert.deepEqual(messages[0], { type: 'dashboard/ready' }, 'the webview speaks first');
    // The host posts the report (as VS Code does: structured clone of a parsed object); time it in the page.
    await page.evaluate((json) => {
      (window as unknown as { __t0: number }).__t0 = performance.now();
      window.postMessage({ type: 'dashboard/showReport', report: JSON.parse(json), title: 'panel.json' }, '*');
    }, JSON.stringify(report));
    await page.waitForFunction(() => document.body.dataset.renderCount === '1');
    const endToEnd = await page.evaluate(() => Math.round(performance.now() - (window as unknown as { __t0: number }).__t0));
    timings.push(`panel C=8142: overview ${await page.evaluate(() => document.body.dataset.renderMs)} ms (parse+post→rendered ${endToEnd} ms)`);
    assert.ok(endToEnd > 0);
    assert.equal(await page.locator('[role="tab"][aria-selected="true"]').textContent(), 'Overview');
    await page.screenshot({ path: join(artifacts, 'panel-8142-overview.png') });

    // Keyboard: focus the selected tab and move right through the sections.
    await page.focus('[role="tab"][aria-selected="true"]');
    const visited: string[] = [];
    for (let k = 0; k < 5; k++) {
      await page.keyboard.press('ArrowRight');
      const tab = (await page.locator('[role="tab"][aria-selected="true"]').textContent()) ?? '';
      visited.push(tab);
      const ms = await page.evaluate(() => document.body.dataset.renderMs);
      timings.push(`panel C=8142 ${tab}: ${ms} ms`);
      assert.deepEqual((await canvasInk(page)).blank, [], `${tab} charts drawn`);
      await page.screenshot({ path: join(artifacts, `panel-8142-${tab.toLowerCase().replace(/[^a-z]+/g, '-')}.png`) });
    }
    assert.deepEqual(visited, ['Weight norms', 'Embeddings', 'Confusion', 'Post-hoc', 'Classes']);
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('role')), 'tab');

    // Classes: sort by accuracy (ascending after two clicks), filter few, export.
    const sortStart = Date.now();
    await page.click('th[data-key="accuracy"] button');
    await page.click('th[data-key="accuracy"] button');
    assert.equal(await page.getAttribute('th[data-key="accuracy"]', 'aria-sort'), 'ascending');
    const sortMs = Date.now() - sortStart;
    timings.push(`panel C=8142 sort twice: ${sortMs} ms`);
    const rowsInDom = await page.locator('.class-table tbody tr:not(.spacer)').count();
    assert.ok(rowsInDom < 120, `virtualised: ${rowsInDom} rows in the DOM for 8,142 classes`);
    await page.selectOption('.toolbar select', 'few');
    await page.$eval('.table-viewport', (v) => (v.scrollTop = 5000));
    await page.waitForTimeout(100);
    assert.ok((await page.locator('.class-table tbody tr:not(.spacer)').count()) > 5);
    await page.click('text=Export CSV');
    for (let k = 0; k < 50 && messages.length < 2; k++) await page.waitForTimeout(20);
    const exported = messages[1] as { type: string; suggestedName: string; csv: string; rows: number };
    assert.equal(exported.type, 'dashboard/exportCsv');
    assert.match(exported.suggestedName, /classes\.csv$/);
    assert.doesNotMatch(exported.suggestedName, /[<>/\\]/);
    assert.equal(exported.csv.split('\r\n').length - 2, exported.rows);
    assert.ok(exported.rows === report.classes.filter((c) => c.bucket === 'few').length);
    await page.evaluate(() => window.postMessage({ type: 'dashboard/didExportCsv', outcome: 'saved', detail: '/tmp/x.csv' }, '*'));
    await page.waitForFunction(() => document.querySelector('.status')?.textContent?.includes('Saved /tmp/x.csv'));
    await page.screenshot({ path: join(artifacts, 'panel-8142-classes-filtered.png') });

    // Persisted state: tab, sort and filter are in the last setState.
    const last = await page.evaluate(() => {
      const s = (window as unknown as { __states: unknown[] }).__states;
      return s[s.length - 1] as { tab: string; sort: { key: string; dir: string }; filter: { bucket: string } };
    });
    assert.equal(last.tab, 'classes');
    assert.deepEqual(last.sort, { key: 'accuracy', dir: 'asc' });
    assert.equal(last.filter.bucket, 'few');

    // Post-hoc slider persists τ and shows the BER at that τ.
    await page.click('[role="tab"]:text("Post-hoc")');
    await page.focus('input[type="range"]');
    await page.keyboard.press('ArrowLeft');
    const out = await page.textContent('output.tau-out');
    assert.match(out ?? '', /τ = 0\.9 · logit adjustment: \d+\.\d% /);
    assert.equal(await page.evaluate(() => {
      const s = (window as unknown as { __states: { tauIndex: number }[] }).__states;
      return s[s.length - 1].tauIndex;
    }), 9);
    assert.deepEqual(probe.errors, []);
    assert.deepEqual(probe.requests, []);
    await page.close();
  });

  it('a reopened panel restores tab, sort and filter from getState', async () => {
    const report = makeReport({ numClasses: 1000 });
    const file = join(dir, 'panel-restore.html');
    writeFileSync(file, dashboardHtml('file:', pathToFileURL(bundlePath).href, pathToFileURL(cssPath).href, 'bm9uY2Utbm9uY2Utbm9uY2U='));
    const { page, probe } = await openPage(browser);
    await page.addInitScript({
      content: `window.acquireVsCodeApi = () => ({
        postMessage: () => undefined,
        getState: () => ({ version: 1, tab: 'classes', sort: { key: 'name', dir: 'desc' }, filter: { text: 'class_00', bucket: 'medium', maxAccuracy: 0.5 }, tauIndex: 3 }),
        setState: () => undefined,
      });`,
    });
    await page.goto(pathToFileURL(file).href);
    await page.evaluate((r) => window.postMessage({ type: 'dashboard/showReport', report: r }, '*'), report as unknown as Record<string, unknown>);
    await page.waitForFunction(() => document.body.dataset.renderCount === '1');
    assert.equal(await page.locator('[role="tab"][aria-selected="true"]').textContent(), 'Classes');
    assert.equal(await page.getAttribute('th[data-key="name"]', 'aria-sort'), 'descending');
    assert.equal(await page.inputValue('.toolbar input[type="search"]'), 'class_00');
    assert.equal(await page.inputValue('.toolbar select'), 'medium');
    const names = await page.$$eval('.class-table tbody tr:not(.spacer) td.name', (tds) => tds.map((t) => t.textContent ?? ''));
    assert.ok(names.length > 0 && names.every((n) => n.startsWith('class_00')));
    assert.deepEqual(probe.errors, []);
    await page.close();
  });
});

describe('longtail report (runReport)', () => {
  const io = () => {
    const out = { stdout: '', stderr: '' };
    return { out, io: { stdout: (t: string) => (out.stdout += t), stderr: (t: string) => (out.stderr += t) } };
  };
  const signal = { isCancellationRequested: false };
  let dir: string;
  let reportFile: string;
  let report: Report;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'longtail-report-cli-'));
    report = makeReport({ numClasses: 50 });
    reportFile = join(dir, 'report.json');
    writeFileSync(reportFile, JSON.stringify(report));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes one self-contained HTML file with the data escaped', { skip: existsSync(bundlePath) ? false : 'dist/webview/dashboard.js not built' }, async () => {
    const out = join(dir, 'out.html');
    const compareFile = join(dir, 'after.json');
    writeFileSync(compareFile, JSON.stringify(makeReport({ numClasses: 50, variant: 'after' })));
    const { out: text, io: cliIo } = io();
    assert.equal(await runReport([reportFile, '--html', out, '--compare', compareFile], cliIo, signal), 0);
    assert.match(text.stdout, /wrote .*out\.html \(50 classes, with comparison/);
    const html = readFileSync(out, 'utf8');
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; script-src &#39;sha256-/);
    assert.ok(!html.includes('</script><script>alert(2)'), 'no raw </script> from the data');
    assert.ok(!/<link|src=["']?https?:/i.test(html), 'no external resources');
    assert.equal((html.match(/<script/g) ?? []).length, 3, 'report data, compare data, bundle');
    const json = /<script type="application\/json" id="longtail-report">([^<]*)<\/script>/.exec(html)?.[1];
    assert.deepEqual(JSON.parse(json ?? 'null'), report);
  });

  it('refuses to overwrite without --force (OUTPUT_EXISTS), overwrites with it', { skip: existsSync(bundlePath) ? false : 'dist/webview/dashboard.js not built' }, async () => {
    const out = join(dir, 'exists.html');
    writeFileSync(out, 'mine');
    await assert.rejects(runReport([reportFile, '--html', out], io().io, signal), (e: LongtailError) => e.code === 'OUTPUT_EXISTS' && /--force/.test(e.message));
    assert.equal(readFileSync(out, 'utf8'), 'mine');
    assert.equal(await runReport([reportFile, '--html', out, '--force'], io().io, signal), 0);
    assert.match(readFileSync(out, 'utf8'), /^<!DOCTYPE html>/);
  });

  it('rejects files that are not reports with a clear error', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ schemaVersion: 2, classes: [] }));
    await assert.rejects(runReport([bad, '--html', join(dir, 'x.html')], io().io, signal), (e: LongtailError) => e.code === 'INVALID_FILE' && /schemaVersion 2/.test(e.message));
    writeFileSync(bad, '{ not json');
    await assert.rejects(runReport([bad, '--html', join(dir, 'x.html')], io().io, signal), (e: LongtailError) => e.code === 'INVALID_FILE' && /not valid JSON/.test(e.message));
    await assert.rejects(runReport([join(dir, 'missing.json'), '--html', join(dir, 'x.html')], io().io, signal), (e: LongtailError) => e.code === 'FILE_NOT_FOUND');
    await assert.rejects(runReport([reportFile], io().io, signal), /--html/);
    await assert.rejects(runReport([reportFile, '--html', reportFile, '--force'], io().io, signal), (e: LongtailError) => e.code === 'OUTPUT_EXISTS');
    await assert.rejects(runReport([reportFile, '--html', join(dir, 'no', 'such', 'dir.html')], io().io, signal), (e: LongtailError) => e.code === 'FILE_NOT_FOUND');
    assert.ok(!existsSync(join(dir, 'x.html')));
  });

  it('stops before writing when cancelled', { skip: existsSync(bundlePath) ? false : 'dist/webview/dashboard.js not built' }, async () => {
    const out = join(dir, 'cancelled.html');
    await assert.rejects(runReport([reportFile, '--html', out], io().io, { isCancellationRequested: true }), (e: LongtailError) => e.code === 'CANCELLED');
    assert.ok(!existsSync(out));
  });
});
