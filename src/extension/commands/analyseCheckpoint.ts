/**
 * "Analyse long-tail checkpoint": pick a checkpoint and datasets from the workspace (the last choice is
 * remembered in longtail.json), run the analysis in the engine with a cancellable progress
 * notification (batches done / total, ETA), then open the dashboard beside the editor. The first analysis of a model
 * that takes raw inputs, with no preprocessing in longtail.json, asks for it first (preprocessingPreset.ts); when the
 * report's preprocessing probe finds a clearly better preset, a notification offers to switch and re-run.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AnalyseParams, AnalyseResult } from '../../protocol/analysisParams';
import { AnalyseRequest } from '../../protocol/engineProtocol';
import type { ProgressSnapshot } from '../../protocol/progress';
import type { EngineClient } from '../engineClient';
import { findCheckpoints, findDatasets } from '../findInputs';
import { pickPath } from '../pickPath';
import { readAnalysisSettings } from '../settings/readSettings';
import { showError } from '../showError';
import { describeSettings } from '../settings/resolveSettings';
import { shouldAskPreprocessing } from '../preprocessingChoice';
import { askPreprocessing, offerProbeSuggestion, readProbe } from '../preprocessingPreset';
import { readConfigObject, readLastAnalysis, writeLastAnalysis } from '../workspaceConfigFile';

/** What the command needs from the extension. */
export interface AnalyseDeps {
  readonly engine: EngineClient;
  readonly log: vscode.LogOutputChannel;
  /** Opens (or refreshes) the dashboard on a report file. */
  readonly showReport: (reportPath: string) => Promise<void>;
  /** Called with each finished result, its inputs and the command's setting overrides (status bar, runs view, watch mode). */
  readonly onResult: (result: AnalyseResult, params: AnalyseParams, overrides?: unknown) => void;
}

/** Formats milliseconds as `1m 05s` / `12s`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s >= 60 ? `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** One progress line from a snapshot: `forward pass: 12/40 batches, ETA 8s`. */
export function describeProgress(s: ProgressSnapshot): string {
  const count = s.total !== null ? `${s.done}/${s.total}` : `${s.done}`;
  const eta = s.etaMs !== null ? `, ETA ${formatDuration(s.etaMs)}` : '';
  return `${s.phase}: ${count}${s.message ? ` ${s.message}` : ''}${eta}`;
}

/**
 * Turns complete progress snapshots into VS Code's incremental progress reports (VS Code expects the
 * increment since the last report; the engine sends the whole state each time).
 */
export function snapshotReporter(progress: vscode.Progress<{ message?: string; increment?: number }>): (s: ProgressSnapshot) => void {
  let reported = 0;
  return (s) => {
    const fraction = s.total ? Math.min(1, s.done / s.total) : 0;
    const increment = Math.max(0, fraction * 100 - reported);
    reported += increment;
    progress.report({ message: describeProgress(s), increment });
  };
}

/** Runs an analysis with a cancellable progress notification. */
export async function runAnalysisWithProgress(deps: AnalyseDeps, params: AnalyseParams, title: string): Promise<AnalyseResult> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    (progress, token) => deps.engine.requestWithProgress(AnalyseRequest, params, snapshotReporter(progress), token),
  );
}

/**
 * The command. `target` is set when invoked from the explorer's context menu on a checkpoint;
 * `options` (a command argument, e.g. `{ manyThreshold: 50 }`) overrides every other settings layer.
 */
export async function analyseCheckpoint(deps: AnalyseDeps, target?: vscode.Uri, options?: unknown): Promise<void> {
  if (!vscode.workspace.isTrusted) {
    await vscode.window.showWarningMessage('Long-Tail Lens loads checkpoints and datasets only in a trusted workspace. Trust this workspace to analyse it.', 'Manage Workspace Trust').then((c) => {
      if (c) void vscode.commands.executeCommand('workbench.trust.manage');
    });
    return;
  }
  const folder = (target && vscode.workspace.getWorkspaceFolder(target)) ?? vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    await vscode.window.showWarningMessage('Open a folder that holds a checkpoint and a dataset first.');
    return;
  }
  // Settings first: an invalid longtail.json or setting is reported before any question is asked.
  const settings = await readAnalysisSettings(folder, options);
  const last = await readLastAnalysis(folder);
  let model = target;
  if (!model) {
    const picked = await pickPath({
      title: 'Analyse long-tail checkpoint (1/3): checkpoint',
      placeholder: 'model.json, .onnx, SavedModel folder, or a classifier head (.npz / .safetensors)',
      candidates: await findCheckpoints(),
      folder,
      preselect: last?.model,
      skipLabel: 'No model: the evaluation file holds logits and labels (.npz / .safetensors)',
      canSelectFolders: true,
    });
    if (!picked) return;
    model = picked === 'skip' ? undefined : picked.uri;
  }
  const datasets = await findDatasets();
  const evalPick = await pickPath({
    title: 'Analyse long-tail checkpoint (2/3): evaluation data',
    placeholder: 'IDX / CIFAR folder, image folder, list file, .npz features, subset index',
    candidates: datasets,
    folder,
    preselect: last?.eval,
    canSelectFolders: true,
  });
  if (!evalPick || evalPick === 'skip') return;
  const trainPick = await pickPath({
    title: 'Analyse long-tail checkpoint (3/3): training data (for class counts)',
    placeholder: 'The training set or its long-tailed subset index; only its labels are read',
    candidates: datasets,
    folder,
    preselect: last?.train,
    skipLabel: 'Use the evaluation folder’s training split',
    canSelectFolders: true,
  });
  if (!trainPick) return;

  const rel = (u: vscode.Uri): string => path.relative(folder.uri.fsPath, u.fsPath) || '.';
  const train = trainPick === 'skip' ? evalPick.uri : trainPick.uri;
  // A logits-only analysis is not remembered: the next checkpoint pick should still offer the last model.
  if (model) {
    await writeLastAnalysis(folder, { model: rel(model), eval: rel(evalPick.uri), train: rel(train) }).catch((e: unknown) =>
      deps.log.warn(`could not remember the choice in longtail.json: ${String(e)}`),
    );
  }
  // First analysis of a raw-input model with no preprocessing in longtail.json: ask which one it expects.
  if (shouldAskPreprocessing(await readConfigObject(folder), model?.fsPath, evalPick.uri.fsPath)) {
    const chosen = await askPreprocessing({ engine: deps.engine, folder, train: train.fsPath, eval: evalPick.uri.fsPath, log: deps.log });
    if (!chosen) return;
  }
  const params: AnalyseParams = {
    model: model?.fsPath,
    eval: evalPick.uri.fsPath,
    train: train.fsPath,
    workspace: folder.uri.fsPath,
    ...settings.values,
  };
  const title = `Long-Tail Lens: analysing ${path.basename((model ?? evalPick.uri).fsPath)}`;
  const run = async (): Promise<void> => {
    deps.log.info(`${params.model ? `analysing ${params.model} on` : 'analysing the logits stored in'} ${params.eval} (train counts from ${params.train}); ${describeSettings(settings)}`);
    const result = await runAnalysisWithProgress(deps, params, title);
    deps.onResult(result, params, options);
    deps.log.info(
      `report ${result.reportPath}: balanced error ${(100 * result.balancedError).toFixed(2)}%, top-1 error ${(100 * result.top1Error).toFixed(2)}%` +
        `${result.fromCache ? ' (embeddings from cache)' : ''}, ${result.seconds.toFixed(1)} s`,
    );
    await deps.showReport(result.reportPath);
    // The probe's suggestion, if any: "Use <preset>" rewrites longtail.json and runs the analysis again.
    // A failure of the re-run or of the longtail.json write is shown like any other (the user clicked a button).
    void offerProbeSuggestion(folder, await readProbe(result.reportPath), run, deps.log).catch((e: unknown) => showError(e, deps.log));
  };
  await run();
}
