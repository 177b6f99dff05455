/** Steps several e2e cases share, built on the page objects. */
import { expect } from '@playwright/test';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findFiles } from './harness/codeServer';
import { FIXTURE_INPUTS, listReports, percent1, runsDir, waitForReports, type RunReport } from './harness/fixtureWorkspace';
import { log, secondsSince, sleep } from './harness/log';
import type { DashboardWebview } from './pages/dashboardWebview';
import type { Workbench } from './pages/workbench';

const run = promisify(execFile);

/** Palette titles of the commands the cases run. */
export const COMMANDS = {
  showBackend: 'Long-Tail: Show compute backend',
  analyse: 'Long-Tail: Analyse long-tail checkpoint',
  fineTuneLA: 'Long-Tail: Fine-tune with logit-adjusted loss',
  openReport: 'Long-Tail: Open report',
} as const;

/**
 * F1 → Analyse → the three path picks of the fixture's inputs → waits until the workspace holds
 * `expectedReports` reports (an error notification fails at once) and the progress notification has gone.
 * Returns the newest report and the notifications seen meanwhile.
 */
export async function analyseFromPalette(wb: Workbench, workspace: string, expectedReports: number): Promise<{ report: RunReport; seen: string[] }> {
  const watcher = wb.notifications.watch(); // the analysis takes 0.2 s: its progress comes and goes
  await wb.palette.run(COMMANDS.analyse);
  await wb.quickInput.pick('(1/3)', FIXTURE_INPUTS.model);
  await wb.quickInput.pick('(2/3)', FIXTURE_INPUTS.eval);
  await wb.quickInput.pick('(3/3)', FIXTURE_INPUTS.train);
  await answerPreprocessingIfAsked(wb, workspace, expectedReports);
  const pickedAt = Date.now();
  const report = await waitForReports(workspace, expectedReports, 180_000, () => wb.notifications.failOnExtensionError());
  log(`  report.json written ${secondsSince(pickedAt)} s after the last pick: ${report.name} (balanced error ${report.json.summary.balancedError})`);
  await wb.notifications.waitForNone(/Long-Tail Lens: analysing/, 60_000);
  const seen = await watcher.stop();
  return { report, seen };
}

/**
 * The first analysis of a workspace with no `preprocessing` in longtail.json asks for it (src/extension/
 * preprocessingPreset.ts): answers "Pixels in [0, 1]", what the fixture model was trained on. Waits up to 10 s for
 * the question and returns false as soon as the analysis runs without one (its progress or its report appears).
 */
export async function answerPreprocessingIfAsked(wb: Workbench, workspace: string, expectedReports: number): Promise<boolean> {
  const started = Date.now();
  while (Date.now() - started < 10_000) {
    if ((await wb.quickInput.title()).includes('which preprocessing')) {
      await wb.quickInput.pick('which preprocessing', 'Pixels in [0, 1]');
      return true;
    }
    if (listReports(workspace).length >= expectedReports || (await wb.notifications.list()).some((n) => /Long-Tail Lens: analysing/.test(n.text))) return false;
    await sleep(200);
  }
  return false;
}

/** Expects the dashboard's balanced-error card and the status bar to show `report`'s balanced error. */
export async function expectShowsReport(wb: Workbench, dashboard: DashboardWebview, report: RunReport): Promise<void> {
  const value = percent1(report.json.summary.balancedError);
  await expect(dashboard.balancedError, `the dashboard's balanced-error card shows ${report.name}'s value`).toHaveText(value);
  await expect(wb.statusBarItem('BER '), `the status bar shows ${report.name}'s balanced error`).toContainText(`BER ${value}`);
}

/** The extension's output-channel log files ("Long-Tail Lens.log") under a user data dir. */
export function extensionLogFiles(userData: string): string[] {
  return findFiles(join(userData, 'logs'), 'Long-Tail Lens.log');
}

/**
 * Analyses a checkpoint of `workspace` with the installed extension's CLI (the same engine) into
 * `.longtail/runs/<name>/report.json`, on the fixture's eval data and training subset; returns the report.
 */
export async function analyseWithCli(installedExtension: string, workspace: string, model: string, name: string): Promise<RunReport> {
  const report = join(runsDir(workspace), name, 'report.json');
  const args = [join(installedExtension, 'dist', 'cli.js'), 'analyse', '--model', model, '--eval', FIXTURE_INPUTS.eval, '--train', FIXTURE_INPUTS.train, '--workspace', workspace, '--report', report, '--backend', 'wasm', '--json'];
  const started = Date.now();
  await run(process.execPath, args, { cwd: workspace, timeout: 120_000 });
  const found = listReports(workspace).find((r) => r.file === report);
  if (!found) throw new Error(`longtail analyse wrote no ${report}`);
  log(`  longtail analyse ${model} → ${name} (balanced error ${found.json.summary.balancedError}) in ${secondsSince(started)} s`);
  return found;
}
