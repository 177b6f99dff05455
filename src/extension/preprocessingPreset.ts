/**
 * The preprocessing question on a first analysis from the palette, and the probe's suggestion afterwards.
 * - {@link askPreprocessing}: a quick pick of presets (pixels in [0, 1]; ImageNet mean/std; CIFAR-10 mean/std; the
 *   training set's own per-channel statistics, computed by the engine over a seeded sample of the training data;
 *   custom mean/std in validated input boxes). The choice is written to longtail.json's `preprocessing`
 *   ({@link writePreprocessing}), so the engine and the CLI use it from then on.
 * - {@link offerProbeSuggestion}: when report.json's `preprocessingProbe` names a clearly better preset, a
 *   notification with its one-line hint and "Use <preset>", which rewrites longtail.json and re-runs the analysis.
 * Presets and their values: src/protocol/preprocessingPresets.ts, shared with the engine's probe and the dashboard.
 */
import * as vscode from 'vscode';
import { ErrorCode, LongtailError } from '../protocol/errors';
import { TrainingStatisticsRequest } from '../protocol/engineProtocol';
import type { PreprocessingOptions, PreprocessingPresetId, PreprocessingProbeResult } from '../protocol/preprocessing';
import { presetLabel, presetMeanStd } from '../protocol/preprocessingPresets';
import type { EngineClient } from './engineClient';
import { parseChannelValues, withPreprocessingEntry } from './preprocessingChoice';
import { writeFileAtomically } from './replaceFile';

// Four significant digits keep longtail.json readable without rounding a small std to 0.
const round = (v: readonly number[]): number[] => v.map((x) => Number(x.toPrecision(4)));

/** The options for mean/std (rounded for longtail.json), or `unit` (x / 255 only) when both are null. */
function normalisation({ mean, std }: { mean: readonly number[] | null; std: readonly number[] | null }): PreprocessingOptions {
  return { scale: 'unit', ...(mean ? { mean: round(mean) } : {}), ...(std ? { std: round(std) } : {}) };
}

/** What the question needs. */
export interface PreprocessingQuestion {
  readonly engine: EngineClient;
  readonly folder: vscode.WorkspaceFolder;
  /** The training data (the training set's statistics). */
  readonly train: string;
  /** The eval data (one image tells the channel count the mean/std must have). */
  readonly eval: string;
  readonly log: vscode.LogOutputChannel;
}

/**
 * Asks which preprocessing the model expects and writes it to longtail.json. Returns the options, or undefined when
 * the user dismissed the question (the analysis then does not run).
 */
export async function askPreprocessing(q: PreprocessingQuestion): Promise<PreprocessingOptions | undefined> {
  type Item = vscode.QuickPickItem & { id: PreprocessingPresetId | 'custom' };
  const items: Item[] = [
    { id: 'unit', label: 'Pixels in [0, 1]', description: 'x / 255, no normalisation' },
    { id: 'imagenet', label: 'ImageNet mean/std', description: 'mean 0.485, 0.456, 0.406 · std 0.229, 0.224, 0.225' },
    { id: 'cifar10', label: 'CIFAR-10 mean/std', description: 'mean 0.4914, 0.4822, 0.4465 · std 0.2470, 0.2435, 0.2616' },
    { id: 'training-stats', label: "The training set's own mean/std", description: 'computed per channel over the training data' },
    { id: 'custom', label: 'Custom mean/std…', description: 'type the values' },
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Long-Tail Lens: which preprocessing does this model expect?',
    placeHolder: 'Inputs are scaled to [0, 1], then normalised as (x − mean) / std per channel — as torchvision Normalize. Remembered in longtail.json.',
    ignoreFocusOut: true,
  });
  if (!picked) return undefined;
  const stats = (file: string, title: string, maxExamples?: number) =>
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (_p, token) =>
      q.engine.request(TrainingStatisticsRequest, { train: file, maxExamples }, token),
    );
  let options: PreprocessingOptions;
  if (picked.id === 'unit') {
    options = { scale: 'unit' };
  } else if (picked.id === 'training-stats') {
    const s = await stats(q.train, 'Long-Tail Lens: training set statistics');
    options = normalisation(presetMeanStd('training-stats', s.mean.length, s));
  } else {
    // The values must match the eval images' channels (1 for grey, 3 for colour): one eval image tells.
    const channels = (await stats(q.eval, 'Long-Tail Lens: reading an eval image', 1)).mean.length;
    const chosen = picked.id === 'custom' ? await askCustom(channels) : normalisation(presetMeanStd(picked.id, channels));
    if (!chosen) return undefined;
    options = chosen;
  }
  await writePreprocessing(q.folder, options);
  q.log.info(`preprocessing set to ${picked.label}: ${JSON.stringify(options)} (longtail.json)`);
  return options;
}

/** Custom mean and std in two validated input boxes; undefined when either is dismissed. */
async function askCustom(channels: number): Promise<PreprocessingOptions | undefined> {
  const ask = async (what: 'mean' | 'std'): Promise<number[] | undefined> => {
    const text = await vscode.window.showInputBox({
      title: `Custom preprocessing: ${what} (${channels} value${channels === 1 ? '' : 's'}, after scaling to [0, 1])`,
      prompt: `Per-channel ${what}, comma-separated`,
      value: what === 'mean' ? (channels === 1 ? '0.5' : '0.5, 0.5, 0.5') : channels === 1 ? '0.25' : '0.25, 0.25, 0.25',
      ignoreFocusOut: true,
      validateInput: (t) => {
        const r = parseChannelValues(t, channels, what, what === 'std');
        return typeof r === 'string' ? r : undefined;
      },
    });
    if (text === undefined) return undefined;
    const r = parseChannelValues(text, channels, what, what === 'std');
    return typeof r === 'string' ? undefined : r;
  };
  const mean = await ask('mean');
  if (!mean) return undefined;
  const std = await ask('std');
  if (!std) return undefined;
  return { scale: 'unit', mean, std };
}

/** Writes `preprocessing` into longtail.json atomically (temp file + rename), keeping the rest of the file. */
export async function writePreprocessing(folder: vscode.WorkspaceFolder, options: PreprocessingOptions, normalisationOnly = false): Promise<void> {
  const uri = vscode.Uri.joinPath(folder.uri, 'longtail.json');
  let text: string | undefined;
  try {
    text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch (error) {
    if (!(error instanceof vscode.FileSystemError && error.code === 'FileNotFound')) throw error;
  }
  const next = withPreprocessingEntry(text, options, normalisationOnly);
  if (next === null) throw new LongtailError(ErrorCode.InvalidFile, `${uri.fsPath}: not a JSON object; fix it to remember the preprocessing`, { file: uri.fsPath });
  await writeFileAtomically(uri, new TextEncoder().encode(next));
}

/** Reads report.json's preprocessing probe (undefined when absent or unreadable). */
export async function readProbe(reportPath: string): Promise<PreprocessingProbeResult | undefined> {
  try {
    const report = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.file(reportPath)))) as { preprocessingProbe?: PreprocessingProbeResult };
    return report.preprocessingProbe;
  } catch {
    return undefined;
  }
}

/**
 * When the probe suggests a preset: a notification with its hint, the accuracy per preset, and "Use <preset>"; on
 * that button the preset's mean/std (as the probe measured them) go to longtail.json and `rerun` runs the analysis
 * again. Resolves once the notification is answered or dismissed.
 */
export async function offerProbeSuggestion(folder: vscode.WorkspaceFolder, probe: PreprocessingProbeResult | undefined, rerun: () => Promise<void>, log: vscode.LogOutputChannel): Promise<void> {
  if (!probe?.suggestion || !probe.hint) return;
  const entry = probe.entries.find((e) => e.preset === probe.suggestion);
  if (!entry) return;
  const figures = probe.entries.map((e) => `${e.preset} ${(100 * e.accuracy).toFixed(1)}%`).join(', ');
  log.info(`${probe.hint}; probe accuracy on ${probe.sampleSize} eval examples: ${figures}`);
  const use = `Use ${presetLabel(probe.suggestion)}`;
  const choice = await vscode.window.showWarningMessage(`Long-Tail Lens: ${probe.hint}. Probe accuracy: ${figures}.`, use);
  if (choice !== use) return;
  // Only the normalisation changes: resize, channels and channel order stay as configured (what the probe measured).
  await writePreprocessing(folder, normalisation(entry), true);
  await rerun();
}
