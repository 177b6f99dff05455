/**
 * The fixture workspace (test/fixtures/e2e-workspace, made by its make.ts) as the cases see it: its inputs as
 * the extension's quick picks show them, its bucket settings, the reports the extension writes into a copy,
 * and rewriting its checkpoint the way training scripts do.
 */
import { expect } from '@playwright/test';
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Report } from '../../../src/protocol/report';
import { sleep } from './log';

/** The checkpoint, eval data and training subset, relative to the workspace folder. */
export const FIXTURE_INPUTS = { model: 'model/model.json', eval: 'data', train: 'data/train-lt.json' } as const;
/** The bucket thresholds in the fixture's .vscode/settings.json. */
export const FIXTURE_SETTINGS_THRESHOLDS = { many: 50, few: 15 } as const;

/** One report.json under `.longtail/runs/`. */
export interface RunReport {
  /** The run folder's name. */
  readonly name: string;
  readonly file: string;
  readonly json: Report;
  readonly mtimeMs: number;
}

/** `<workspace>/.longtail/runs`, where the extension writes one folder per analysis. */
export function runsDir(workspace: string): string {
  return join(workspace, '.longtail', 'runs');
}

/** The complete reports under `<workspace>/.longtail/runs/*`, oldest first (a folder without report.json is skipped). */
export function listReports(workspace: string): RunReport[] {
  const dir = runsDir(workspace);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'report.json')))
    .map((d) => {
      const file = join(dir, d.name, 'report.json');
      // Reports are written atomically (folder renamed into place), so a report.json that exists is complete.
      return { name: d.name, file, json: JSON.parse(readFileSync(file, 'utf8')) as Report, mtimeMs: statSync(file).mtimeMs };
    })
    .sort((a, b) => a.mtimeMs - b.mtimeMs || a.name.localeCompare(b.name));
}

/**
 * Waits until the workspace holds exactly `count` reports and returns the newest; `failFast` runs each round
 * (e.g. fails on an error notification). More reports than `count` fail at once.
 */
export async function waitForReports(workspace: string, count: number, timeoutMs: number, failFast: () => Promise<void>): Promise<RunReport> {
  const started = Date.now();
  for (;;) {
    const reports = listReports(workspace);
    if (reports.length > count) throw new Error(`expected ${count} report(s) in ${runsDir(workspace)}, found ${reports.length}: ${reports.map((r) => r.name).join(', ')}`);
    if (reports.length === count) return reports[count - 1];
    await failFast();
    if (Date.now() - started > timeoutMs) throw new Error(`expected ${count} report(s) in ${runsDir(workspace)} within ${timeoutMs / 1000} s, found ${reports.length}`);
    await sleep(300);
  }
}

/** `18.3%` — the dashboard's percentage format (webview/dashboard/model/format.ts formatPercent). */
export function percent1(value: number): string {
  return `${(100 * value).toFixed(1)}%`;
}

/**
 * Rewrites a TF.js checkpoint's classifier bias the way a training script saves an epoch: the new weights go
 * to `<weights>.tmp`, which is then renamed over the weights file. Adds `delta` to the bias of `classIndex`
 * (a shifted logit changes predictions, hence the balanced error). Returns the weights file.
 */
export function rewriteClassifierBias(modelJson: string, classIndex: number, delta: number, biasName = 'classifier/bias'): string {
  const model = JSON.parse(readFileSync(modelJson, 'utf8')) as { weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[] };
  const [group] = model.weightsManifest;
  if (model.weightsManifest.length !== 1 || group.paths.length !== 1) throw new Error(`${modelJson}: expected one weights group in one file`);
  let offset = 0;
  let bias: { shape: number[] } | undefined;
  for (const w of group.weights) {
    if (w.dtype !== 'float32') throw new Error(`${modelJson}: ${w.name} is ${w.dtype}, expected float32`);
    if (w.name === biasName) {
      bias = w;
      break;
    }
    offset += 4 * w.shape.reduce((a, b) => a * b, 1);
  }
  if (!bias) throw new Error(`${modelJson} has no weight named ${biasName}`);
  if (classIndex >= bias.shape[0]) throw new Error(`${biasName} has ${bias.shape[0]} entries, no index ${classIndex}`);
  const file = join(modelJson, '..', group.paths[0]);
  const bytes = readFileSync(file);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = offset + 4 * classIndex;
  view.setFloat32(at, view.getFloat32(at, true) + delta, true);
  writeFileSync(`${file}.tmp`, bytes);
  renameSync(`${file}.tmp`, file);
  return file;
}

/** Reads a workspace's longtail.json (it must exist). */
export function readLongtailJson(workspace: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(workspace, 'longtail.json'), 'utf8')) as Record<string, unknown>;
}

/** "Category: Title" of every command a package.json contributes. */
export function contributedTitles(packageJson: string): string[] {
  const pkg = JSON.parse(readFileSync(packageJson, 'utf8')) as { contributes?: { commands?: { category?: string; title: string }[] } };
  return (pkg.contributes?.commands ?? []).map((c) => (c.category ? `${c.category}: ${c.title}` : c.title));
}

/** Checks a report's thresholds (the settings the engine got). */
export function expectThresholds(report: RunReport, want: { many: number; few: number }): void {
  expect(report.json.summary.thresholds, `${report.file}: summary.thresholds`).toEqual(want);
}
