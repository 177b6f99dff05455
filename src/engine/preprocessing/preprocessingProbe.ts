/**
 * Preprocessing probe: runs the model on a small seeded, class-stratified labelled sample of the eval set under the
 * configured preprocessing and under every preset (preprocessingPresets.ts), and says when one preset is clearly
 * better. Rule: the best preset's accuracy a_b beats the configured one's a_c by at least 10 points AND by more
 * than the noise margin 2·sqrt((a_b(1 − a_b) + a_c(1 − a_c)) / n) — twice the standard error of a difference of
 * two binomial proportions on n examples (about a 95 % two-sided normal bound; conservative here, since both are
 * measured on the same examples). Ties between presets go to the earlier one in `preprocessingPresetIds`.
 * Cost: (number of presets + 1) forward passes over at most `sampleSize` examples (default 512).
 * Sampling: analysis/stratifiedSample.ts (every class appears while the classes fit in half the budget).
 */
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { PreprocessingOptions, PreprocessingPresetId, PreprocessingProbeEntry, PreprocessingProbeResult } from '../../protocol/preprocessing';
import type { CancellationSignal } from '../../protocol/progress';
import { stratifiedSample } from '../analysis/stratifiedSample';
import type { DatasetSource } from '../data/datasetSource';
import { sampleIndices } from '../data/seededRandom';
import { openSubsetDataset } from '../data/subsetDataset';
import type { ClassifierModel } from '../model/classifierModel';
import { computeOutputs } from '../model/computeOutputs';
import { presetLabel, presetMeanStd, preprocessingPresetIds, withPreset } from '../../protocol/preprocessingPresets';
import { trainingStatistics, type ChannelStatistics } from './trainingStatistics';

/** Default sample size of the probe. */
export const defaultProbeSampleSize = 512;

/** Training examples `preprocessing/trainingStatistics` reads at most (a uniform seeded sample beyond that). */
export const defaultMaxTrainingExamples = 10000;

/**
 * Training examples the probe's `training-stats` candidate reads at most: the probe runs with every analysis, so it
 * reads fewer (the standard error of a channel mean over 2,000 images is already below 0.005 for pixel values in [0, 1]).
 */
export const probeMaxTrainingExamples = 2000;

/** Minimum accuracy gain (fraction) for a suggestion. */
export const probeMinimumGain = 0.1;

/** What the probe needs. */
export interface ProbeInputs {
  readonly model: ClassifierModel;
  /** Opens the eval dataset with the given preprocessing (the caller closes nothing: the probe closes it). */
  readonly openEval: (preprocessing: PreprocessingOptions) => Promise<DatasetSource>;
  /** Opens the training dataset with the given preprocessing, for `training-stats`; null leaves that preset out. */
  readonly openTrain: ((preprocessing: PreprocessingOptions) => Promise<DatasetSource>) | null;
  /** The preprocessing the analysis uses. */
  readonly configured: PreprocessingOptions;
  readonly sampleSize?: number;
  readonly seed?: number;
  /** Training examples read for the statistics (default {@link probeMaxTrainingExamples}, a seeded uniform sample). */
  readonly maxTrainingExamples?: number;
  readonly signal?: CancellationSignal;
}

/** Top-1 accuracy of row-major logits [n, C] against labels [n] (first maximum on ties). */
export function top1Accuracy(logits: Float32Array, labels: Int32Array, numClasses: number): number {
  let right = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let k = 1; k < numClasses; k++) if (logits[i * numClasses + k] > logits[i * numClasses + best]) best = k;
    if (best === labels[i]) right++;
  }
  return labels.length ? right / labels.length : 0;
}

/**
 * The suggestion rule of the module comment: the best preset when a_b − a_c ≥ 0.1 and
 * a_b − a_c > 2·sqrt((a_b(1 − a_b) + a_c(1 − a_c)) / n); else null.
 */
export function probeSuggestion(entries: readonly PreprocessingProbeEntry[], n: number): PreprocessingProbeEntry | null {
  const configured = entries.find((e) => e.preset === 'configured');
  let best: PreprocessingProbeEntry | null = null;
  for (const e of entries) if (e.preset !== 'configured' && (!best || e.accuracy > best.accuracy)) best = e;
  if (!configured || !best || n <= 0) return null;
  const gain = best.accuracy - configured.accuracy;
  const margin = 2 * Math.sqrt((best.accuracy * (1 - best.accuracy) + configured.accuracy * (1 - configured.accuracy)) / n);
  return gain >= probeMinimumGain - 1e-12 && gain > margin ? best : null; // 1e-12: 0.6 − 0.5 is 0.0999… in binary
}

const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;
const list = (v: readonly number[]): string => v.map((x) => Number(x.toFixed(4))).join(',');

/** The one-line hint for a suggestion (CLI summary, VS Code notification, dashboard header). */
export function probeHint(best: PreprocessingProbeEntry, configured: PreprocessingProbeEntry, n: number): string {
  const flags = best.mean && best.std ? `--mean ${list(best.mean)} --std ${list(best.std)}` : 'no --mean/--std';
  return `preprocessing: ${presetLabel(best.preset)} gives ${pct(best.accuracy)} accuracy on a ${n}-example sample vs ${pct(configured.accuracy)} with the configured preprocessing; the model probably expects it (${flags})`;
}

async function accuracyUnder(inputs: ProbeInputs, preprocessing: PreprocessingOptions, indices: Int32Array, numClasses: number): Promise<number> {
  const ds = await inputs.openEval(preprocessing);
  try {
    const sample = await openSubsetDataset(ds.path, ds, Array.from(indices));
    const out = await computeOutputs(inputs.model, sample, { signal: inputs.signal, progressToken: 'preprocessing-probe' });
    return top1Accuracy(out.logits, await sample.readLabels(), out.numClasses || numClasses);
  } finally {
    await ds.close();
  }
}

/** Runs the probe; null for feature inputs and float arrays used as stored (nothing to normalise). */
export async function probePreprocessing(inputs: ProbeInputs): Promise<PreprocessingProbeResult | null> {
  const seed = inputs.seed ?? 0;
  const base = await inputs.openEval(inputs.configured);
  let labels: Int32Array;
  let channels: number;
  let numClasses: number;
  try {
    if (base.isFeatures || base.exampleShape.length !== 3) return null;
    channels = base.exampleShape[2];
    labels = await base.readLabels();
    numClasses = base.numClasses ?? labels.reduce((m, v) => Math.max(m, v + 1), 0);
  } finally {
    await base.close();
  }
  // Data that preprocessing does not apply to (float arrays, used as stored) has nothing to probe.
  try {
    await (await inputs.openEval(withPreset(inputs.configured, presetMeanStd('imagenet', channels)))).close();
  } catch (error) {
    if (error instanceof LongtailError && error.code === ErrorCode.InvalidOption) return null;
    throw error;
  }
  const indices = stratifiedSample(labels, numClasses, inputs.sampleSize ?? defaultProbeSampleSize, seed);
  let stats: ChannelStatistics | null = null;
  if (inputs.openTrain) {
    // The training images are read with the eval data's channel count (a grey training image in a colour dataset is
    // widened, as for eval). The training-stats candidate is optional: training data it cannot use (a feature or
    // label-only file, images that do not convert, a constant channel) drops that candidate, never the analysis.
    try {
      const train = await inputs.openTrain(withPreset({ ...inputs.configured, ...(channels === 1 || channels === 3 ? { channels } : {}) }, { mean: null, std: null }));
      try {
        if (!train.isFeatures) {
          // A uniform seeded sample of at most maxTrainingExamples (default 2,000) training examples: the first N of
          // a class-sorted folder would be the first classes only.
          const max = inputs.maxTrainingExamples ?? probeMaxTrainingExamples;
          const sample = train.size > max ? await openSubsetDataset(train.path, train, Array.from(sampleIndices(train.size, max, seed))) : train;
          const s = await trainingStatistics(sample, { signal: inputs.signal });
          if (s.mean.length === channels && s.std.every((v) => v > 0)) stats = s;
        }
      } finally {
        await train.close();
      }
    } catch (error) {
      if (!(error instanceof LongtailError) || error.code === ErrorCode.Cancelled) throw error;
      stats = null;
    }
  }
  const entries: PreprocessingProbeEntry[] = [
    { preset: 'configured', mean: inputs.configured.mean ?? null, std: inputs.configured.std ?? null, accuracy: await accuracyUnder(inputs, inputs.configured, indices, numClasses) },
  ];
  for (const id of preprocessingPresetIds) {
    if (id === 'training-stats' && !stats) continue;
    const meanStd = presetMeanStd(id as PreprocessingPresetId, channels, stats);
    entries.push({ preset: id, mean: meanStd.mean, std: meanStd.std, accuracy: await accuracyUnder(inputs, withPreset(inputs.configured, meanStd), indices, numClasses) });
  }
  const n = indices.length;
  const best = probeSuggestion(entries, n);
  return { sampleSize: n, seed, entries, suggestion: best ? (best.preset as PreprocessingPresetId) : null, hint: best ? probeHint(best, entries[0], n) : null };
}
