/**
 * "Fine-tune with logit-adjusted loss" / "Fine-tune with ELM loss" / "Fine-tune with a long-tail loss…":
 * inputs by quick pick (the last analysis' checkpoint and data come first), options by quick input
 * with defaults (Enter accepts), a live loss / balanced-error chart while the engine trains, cancel at
 * any time (nothing is written), then a before/after comparison of the two reports.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AnalyseParams } from '../../protocol/analysisParams';
import { AnalyseRequest, FineTuneRequest } from '../../protocol/engineProtocol';
import type { FineTuneEpoch, FineTuneParams, FineTuneResult, FineTuneScope } from '../../protocol/fineTuneParams';
import type { TrainingShowRunMessage } from '../../protocol/webviewProtocol';
import type { EngineClient } from '../engineClient';
import { findCheckpoints, findDatasets } from '../findInputs';
import { TrainingPanel } from '../panels/trainingPanel';
import { pickPath } from '../pickPath';
import { readAnalysisSettings } from '../settings/readSettings';
import { describeSettings } from '../settings/resolveSettings';
import { readLastAnalysis } from '../workspaceConfigFile';
import { describeProgress, snapshotReporter } from './analyseCheckpoint';

/** What the commands need from the extension. */
export interface FineTuneDeps {
  readonly extensionUri: vscode.Uri;
  readonly engine: EngineClient;
  readonly log: vscode.LogOutputChannel;
  readonly showReport: (reportPath: string, comparePath?: string) => Promise<void>;
}

/** The losses offered by "Fine-tune with a long-tail loss…". */
const lossChoices: { label: string; loss: string; detail: string }[] = [
  { label: 'Logit-adjusted (la)', loss: 'la', detail: 'Menon et al. 2021: cross-entropy on f + τ log π' },
  { label: 'ELM (elm)', loss: 'elm', detail: 'After Jitkrittum et al. 2022, reconstructed from the paper\'s abstract and the methods notes (docs/methods.md §1): logit-adjusted loss + embedding margin; equals la in head scope' },
  { label: 'LDAM-DRW (ldam-drw)', loss: 'ldam-drw', detail: 'Cao et al. 2019: label-distribution-aware margins, deferred re-weighting' },
  { label: 'Class-balanced (cb)', loss: 'cb', detail: 'Cui et al. 2019: effective-number weights' },
  { label: 'Balanced softmax', loss: 'balanced-softmax', detail: 'Ren et al. 2020 (≡ la with τ = 1)' },
  { label: 'Equalization (eql)', loss: 'eql', detail: 'Tan et al. 2020, softmax version' },
  { label: 'Cross-entropy (ce)', loss: 'ce', detail: 'Plain ERM, for comparison' },
];

async function inputNumber(title: string, prompt: string, value: string, check: (n: number) => string | undefined): Promise<number | undefined> {
  const text = await vscode.window.showInputBox({
    title,
    prompt,
    value,
    ignoreFocusOut: true,
    validateInput: (t) => {
      const n = Number(t);
      return t.trim() === '' || !Number.isFinite(n) ? 'Enter a number' : check(n);
    },
  });
  return text === undefined ? undefined : Number(text);
}

/**
 * Runs one fine-tuning command; `loss` undefined asks for the loss first. `options` (a command argument,
 * e.g. `{ manyThreshold: 50 }`) overrides every other settings layer (see settings/resolveSettings.ts).
 */
export async function fineTuneCommand(deps: FineTuneDeps, presetLoss?: string, target?: vscode.Uri, options?: unknown): Promise<void> {
  if (!vscode.workspace.isTrusted) {
    await vscode.window.showWarningMessage('Long-Tail Lens fine-tunes checkpoints only in a trusted workspace.');
    return;
  }
  const folder = (target && vscode.workspace.getWorkspaceFolder(target)) ?? vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    await vscode.window.showWarningMessage('Open a folder that holds a checkpoint and a dataset first.');
    return;
  }
  // Settings first: an invalid longtail.json or setting is reported before any question is asked.
  const settings = await readAnalysisSettings(folder, options);
  let loss = presetLoss;
  if (!loss) {
    const pick = await vscode.window.showQuickPick(lossChoices, { title: 'Fine-tune: loss', ignoreFocusOut: true });
    if (!pick) return;
    loss = pick.loss;
  }
  const title = (step: number, what: string): string => `Fine-tune with ${loss} (${step}/6): ${what}`;
  const last = await readLastAnalysis(folder);
  let model = target;
  if (!model) {
    const picked = await pickPath({ title: title(1, 'checkpoint'), placeholder: 'model.json, .onnx, or a classifier head (.npz / .safetensors / .pth)', candidates: await findCheckpoints(), folder, preselect: last?.model, canSelectFolders: false });
    if (!picked || picked === 'skip') return;
    model = picked.uri;
  }
  const datasets = await findDatasets();
  const train = await pickPath({ title: title(2, 'training data'), placeholder: 'The long-tailed training set (or its subset index)', candidates: datasets, folder, preselect: last?.train, canSelectFolders: true });
  if (!train || train === 'skip') return;
  const evalPick = await pickPath({ title: title(3, 'evaluation data'), placeholder: 'The balanced evaluation set', candidates: datasets, folder, preselect: last?.eval, canSelectFolders: true });
  if (!evalPick || evalPick === 'skip') return;
  // Head files and ONNX models train in head or adapter scope only (the trunk is not trainable there).
  const isHeadFile = /\.(npz|safetensors|pth|pt|onnx)$/i.test(model.fsPath);
  const scopes: { label: string; scope: FineTuneScope; detail: string }[] = [
    { label: 'Classifier head', scope: 'head', detail: loss === 'elm' ? 'Trains only the last layer on cached embeddings; ELM\'s embedding term has no gradient here, so the run equals la' : 'Trains only the last layer on cached embeddings (fast)' },
    {
      label: 'Residual adapter + head',
      scope: 'adapter',
      detail: "Trains z' = z + U·relu(A·z) (identity at the start) with the head on cached embeddings, so ELM's embedding term has a gradient path; saved with the checkpoint",
    },
    ...(isHeadFile
      ? []
      : [
          { label: 'Last block + head', scope: 'last-block' as const, detail: 'Trains the layers after the last convolution/pooling and the head' },
          { label: 'All layers', scope: 'all' as const, detail: 'Full fine-tuning (slow on CPU)' },
        ]),
  ];
  const scope = await vscode.window.showQuickPick(scopes, { title: title(4, 'what to train'), ignoreFocusOut: true });
  if (!scope) return;
  const epochs = await inputNumber(title(5, 'epochs'), 'Passes over the training set', '5', (n) => (Number.isInteger(n) && n >= 1 && n <= 500 ? undefined : 'An integer from 1 to 500'));
  if (epochs === undefined) return;
  const lossOptions: Record<string, number> = {};
  let learningRate: number | undefined;
  if (loss === 'la' || loss === 'elm') {
    const tau = await inputNumber(title(6, 'τ'), 'Logit-adjustment strength τ (1 is Bayes-consistent for calibrated scores)', '1', (n) => (n >= 0 && n <= 10 ? undefined : 'A number from 0 to 10'));
    if (tau === undefined) return;
    lossOptions.tau = tau;
  } else {
    const lr = await inputNumber(title(6, 'learning rate'), 'SGD learning rate (momentum 0.9)', '0.01', (n) => (n > 0 && n <= 10 ? undefined : 'A positive number up to 10'));
    if (lr === undefined) return;
    learningRate = lr;
  }

  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const out = path.join(folder.uri.fsPath, '.longtail', 'finetune', `${stamp}-${loss}-${scope.scope}`);
  const thresholds = { manyThreshold: settings.values.manyThreshold, fewThreshold: settings.values.fewThreshold };
  const analyseParams: AnalyseParams = {
    model: model.fsPath,
    eval: evalPick.uri.fsPath,
    train: train.uri.fsPath,
    workspace: folder.uri.fsPath,
    ...settings.values,
  };
  deps.log.info(`fine-tuning settings: ${describeSettings(settings)}`);
  const params: FineTuneParams = {
    model: model.fsPath,
    train: train.uri.fsPath,
    eval: evalPick.uri.fsPath,
    loss,
    lossOptions,
    epochs,
    learningRate,
    scope: scope.scope,
    out,
    workspace: folder.uri.fsPath,
    ...thresholds,
  };
  const runTitle = `${loss}${lossOptions.tau !== undefined ? ` (τ=${lossOptions.tau})` : ''}, ${scope.scope}, ${epochs} epoch${epochs === 1 ? '' : 's'}`;
  const initial: TrainingShowRunMessage = { type: 'training/showRun', title: runTitle, totalEpochs: epochs, epochs: [], baselineBalancedError: null, status: 'running', detail: 'analysing the checkpoint before fine-tuning' };
  const panel = TrainingPanel.create(deps.extensionUri, initial);
  const update = (patch: Partial<TrainingShowRunMessage>): void => panel.update({ ...panel.current, ...patch });
  let result: FineTuneResult;
  let beforeReport: string;
  try {
    result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Long-Tail Lens: fine-tuning with ${runTitle}`, cancellable: true },
      async (progress, token) => {
        progress.report({ message: 'analysing the checkpoint before fine-tuning' });
        const before = await deps.engine.requestWithProgress(AnalyseRequest, analyseParams, (s) => progress.report({ message: describeProgress(s) }), token);
        beforeReport = before.reportPath;
        update({ baselineBalancedError: before.balancedError, detail: 'training' });
        const report = snapshotReporter(progress);
        const epochsSoFar: FineTuneEpoch[] = [];
        return deps.engine.requestWithProgress(
          FineTuneRequest,
          params,
          (s) => {
            report(s);
            update({ detail: describeProgress(s) });
          },
          token,
          (epoch) => {
            epochsSoFar.push(epoch);
            update({ epochs: epochsSoFar.map((e) => ({ epoch: e.epoch, loss: e.loss, balancedError: e.balancedError, buckets: e.buckets, seconds: e.seconds })) });
          },
        );
      },
    );
  } catch (error) {
    update({ status: (error as { code?: string }).code === 'CANCELLED' ? 'cancelled' : 'failed', detail: error instanceof Error ? error.message : String(error) });
    throw error;
  }
  update({
    status: 'done',
    epochs: result.history.map((e) => ({ epoch: e.epoch, loss: e.loss, balancedError: e.balancedError, buckets: e.buckets, seconds: e.seconds })),
    detail: [`balanced error ${(100 * result.balancedError).toFixed(2)}% after fine-tuning; checkpoint ${result.checkpointPath}`, ...result.notes.map((n) => `Note: ${n}`)].join(' '),
  });
  for (const note of result.notes) deps.log.info(`fine-tune note: ${note}`);
  deps.log.info(`fine-tuned ${params.model} with ${runTitle} → ${result.checkpointPath} (balanced error ${(100 * result.balancedError).toFixed(2)}%, ${result.seconds.toFixed(1)} s)`);
  await deps.showReport(beforeReport!, result.reportPath);
  const choice = await vscode.window.showInformationMessage(
    `Long-Tail Lens: fine-tuned with ${loss}; balanced error ${(100 * result.balancedError).toFixed(2)}%. New checkpoint in ${path.relative(folder.uri.fsPath, result.outDir)}.${result.notes.some((n) => n.startsWith('head scope')) ? ` Note: ${result.notes.find((n) => n.startsWith('head scope'))}` : ''}`,
    'Reveal checkpoint',
  );
  if (choice) await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(result.checkpointPath));
}
