import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { CancellationSignal } from '../../protocol/progress';
import type { BootstrapIntervals, ClassReport, HeldOutChoice, PostHocSweep, Report, ReportProvenance, TauSelection } from '../../protocol/report';
import { yieldAndCheck } from '../cancellation';
import { balancedError, top1Error } from './balancedError';
import { bootstrapIntervals, bootstrapReplicates, defaultBootstrapReplicates } from './bootstrap';
import { assignBuckets, bucketAccuracies, defaultThresholds } from './buckets';
import { calibration, calibrationPerBucket } from './calibration';
import { computeClassMetrics } from './classMetrics';
import { averagePrecisionByBucket } from './averagePrecisionByBucket';
import { perClassPrecisionRecall } from './averagePrecision';
import { confidentMistakes, defaultExamplesPerClass, pairExamples } from './confidentMistakes';
import { confusionReport } from './confusion';
import { frequencyGroups } from './frequencyGroups';
import { frequencyOrder } from './frequencyOrder';
import { defaultSplitSeed, defaultValFraction, heldOutSplit, testGroup } from './heldOutSplit';
import { logitAdjustmentCorrect, logPriors } from './logitAdjustment';
import { multiplyABt } from './matmul';
import { predictionShare } from './predictionShare';
import { scoreLogits, topKAccuracy } from './predictions';
import { defaultProjectionMaxPoints, defaultProjectionSeed, pcaProjection } from './projection';
import { resolveUmapOptions, umapStages } from './umapProjection';
import { headReproducesLogits, tauNormalisationCorrect } from './tauNormalisation';
import { runSweep } from './tauSelection';
import { classTightness } from './tightness';
import type { DiagnosticsInput, DiagnosticsOptions } from './types';
import { validateInput } from './validateInput';
import { classWeightNorms, weightNormStats } from './weightNorms';
import { spearman } from './statistics';

/** Options of {@link buildReport}: the diagnostics tunables plus report metadata and stage timing. */
export interface BuildReportOptions extends DiagnosticsOptions {
  /** ISO time stamp for `createdAt` (default: now). */
  readonly createdAt?: string;
  /** Called after each stage with its wall time in ms (benchmarks, logs). */
  readonly onStage?: (stage: string, ms: number) => void;
}

function checkOption(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new LongtailError(ErrorCode.InvalidOption, `${name} must be an integer ≥ ${min}${max < Number.MAX_SAFE_INTEGER ? ` and ≤ ${max}` : ''}, got ${String(value)}`);
  }
  return value;
}

/**
 * Most classes for which the full confusion matrix is stored: it is C² numbers (2000 classes: 4 million cells,
 * about 30 MB of report.json). Enforced here, so every caller (CLI flag, VS Code setting, JSON-RPC) is bounded.
 */
export const maxConfusionMatrixLimit = 2000;

/**
 * Builds report.json v1 from eval logits, labels, training counts and optionally embeddings and the
 * classifier head. Validates the input first (SHAPE_MISMATCH, INVALID_LABELS, NON_FINITE, EMPTY_DATASET,
 * INVALID_OPTION; see validateInput). Stages, each a pass over typed arrays:
 * raw arg-max + max softmax, the τ = 1 adjusted arg-max + max softmax and the labels' ranks (one N·C pass) → per-class metrics, buckets (n > many, n < few), top-1 and balanced error
 * (1 − mean acc over classes in eval), 10 frequency groups, prediction share, confusion (frequency order,
 * matrix when C ≤ limit, 3×3 buckets, top pairs), calibration (15 bins, (lo, hi]); logit-adjustment sweep
 * argmax f − τ log π for τ = 0…2 step 0.1 (one N·C·21 pass), the grid extended while the best τ is on its
 * upper edge; with a head: ‖w_y‖ and their correlation with log n_y; with head and embeddings: the
 * τ-normalisation sweeps with the bias dropped (Kang et al.) and, when there is a bias, kept (scores f − b
 * when the head reproduces the logits, else W·φ recomputed blockwise); with embeddings: tightness, a
 * seeded 2-D PCA and, with `options.umap`, a seeded UMAP of a stratified sample (umapProjection.ts). Every
 * sweep also chooses τ on a seeded, stratified validation part of the eval set (`valFraction`, default 0.2)
 * and reports it on the rest (`postHoc.selection`); the sweeps' own best τ is an oracle. Shapes: logits
 * [N, C], labels [N], trainCounts [C], embeddings [N, D], head.weight [C, D] (PyTorch layout), head.bias [C]. Citation: docs/methods.md §1.4, §2.1, §3.1, §8.3, §9; report.ts.
 */
export function buildReport(input: DiagnosticsInput, provenance: ReportProvenance, options: BuildReportOptions = {}): Report {
  const stages = reportStages(input, provenance, options);
  let last = performance.now();
  for (;;) {
    const step = stages.next();
    const now = performance.now();
    if (step.done) {
      options.onStage?.('assemble', now - last);
      return step.value;
    }
    options.onStage?.(step.value, now - last);
    last = now;
  }
}

/**
 * {@link buildReport} for the engine: the same stages, but the event loop runs between stages (so a
 * JSON-RPC `$/cancelRequest` can arrive) and `signal` is checked there (CANCELLED). Cancellation latency is
 * one stage (the longest is the centroid search of the tightness stage on large C·D).
 */
export async function buildReportAsync(
  input: DiagnosticsInput,
  provenance: ReportProvenance,
  options: BuildReportOptions & { readonly signal?: CancellationSignal } = {},
): Promise<Report> {
  const stages = reportStages(input, provenance, options);
  for (;;) {
    await yieldAndCheck(options.signal);
    const start = performance.now();
    const step = stages.next();
    const now = performance.now();
    if (step.done) {
      options.onStage?.('assemble', now - start);
      return step.value;
    }
    options.onStage?.(step.value, now - start);
  }
}

/** The stages of a report; yields each stage's name after it ran, returns the report. */
function* reportStages(input: DiagnosticsInput, provenance: ReportProvenance, options: BuildReportOptions): Generator<string, Report, void> {
  const many = options.manyThreshold ?? defaultThresholds.many;
  const few = options.fewThreshold ?? defaultThresholds.few;
  if (!Number.isFinite(many) || !Number.isFinite(few)) {
    throw new LongtailError(ErrorCode.InvalidOption, `bucket thresholds must be finite numbers (many ${String(many)}, few ${String(few)})`);
  }
  const matrixLimit = checkOption('confusionMatrixLimit', options.confusionMatrixLimit ?? 100, 0, maxConfusionMatrixLimit);
  const topK = checkOption('topPairs', options.topPairs ?? 20, 0);
  const maxPoints = checkOption('projectionMaxPoints', options.projectionMaxPoints ?? defaultProjectionMaxPoints, 1);
  const seed = options.projectionSeed ?? defaultProjectionSeed;
  if (options.umap) resolveUmapOptions(options.umap);
  const multiply = options.multiplyABt ?? multiplyABt;
  const valFraction = options.valFraction ?? defaultValFraction;
  if (!(valFraction >= 0 && valFraction < 1)) {
    throw new LongtailError(ErrorCode.InvalidOption, `the validation fraction must be in [0, 1), got ${String(valFraction)}`);
  }
  const splitSeed = checkOption('splitSeed', options.splitSeed ?? defaultSplitSeed, 0);
  const replicatesWanted = checkOption('bootstrapReplicates', options.bootstrapReplicates ?? defaultBootstrapReplicates, 0);
  const bootstrapSeed = checkOption('bootstrapSeed', options.bootstrapSeed ?? splitSeed, 0);
  const examplesPerClass = checkOption('examplesPerClass', options.examplesPerClass ?? defaultExamplesPerClass, 0);

  const checked = validateInput(input);
  const { n, c, d, labels, trainCounts } = checked;
  const embeddings = input.embeddings ?? null;
  const head = input.head ?? null;
  const bias = head?.bias ?? null;
  yield 'validate';

  // One pass: the raw scores, the post-hoc adjusted scores f − τ log π at τ = 1 (their calibration and bootstrap
  // interval) and, from 100 classes, the labels' ranks (top-5 accuracy).
  const logPrior = logPriors(trainCounts);
  const adjustedTau = 1;
  const scored = scoreLogits(input.logits, n, c, { shift: Float64Array.from(logPrior, (v) => -adjustedTau * v), labels: c >= 100 ? labels : null });
  const { predictions, confidence } = scored;
  const adjusted = scored.adjusted ?? { predictions, confidence };
  yield 'argmax+softmax';
  const metrics = computeClassMetrics(labels, predictions, c);
  const buckets = assignBuckets(trainCounts, many, few);
  const order = frequencyOrder(trainCounts);
  let total = 0;
  for (let y = 0; y < c; y++) {
    total += trainCounts[y];
  }
  const classesInEval = metrics.evalCount.reduce((s, m) => s + (m > 0 ? 1 : 0), 0);
  const plainConfusion = confusionReport(labels, predictions, c, order, buckets, matrixLimit, topK);
  const pairIndices = pairExamples(labels, predictions, confidence, c, plainConfusion.topPairs, examplesPerClass);
  const confusion = { ...plainConfusion, topPairs: plainConfusion.topPairs.map((p, j) => ({ ...p, examples: pairIndices[j] })) };
  const mistakes = confidentMistakes(labels, predictions, confidence, c, examplesPerClass);
  const calib = calibration(confidence, labels, predictions);
  const adjustedCalib = calibration(adjusted.confidence, labels, adjusted.predictions);
  const perBucket = calibrationPerBucket(confidence, labels, predictions, buckets);
  const top5Accuracy = scored.labelRank ? topKAccuracy(scored.labelRank, 5) : null;
  yield 'metrics+confusion+calibration';
  const pr = perClassPrecisionRecall(input.logits, labels, n, c, undefined, scored);
  const meanAveragePrecision = averagePrecisionByBucket(pr.map((e) => (e === null ? null : e.averagePrecision)), buckets);
  yield 'precision-recall';

  const split = valFraction > 0 ? heldOutSplit(labels, c, valFraction, splitSeed) : null;
  const usable = split !== null && split.valExamples > 0 && split.testExamples > 0 ? split : null;
  const grouping = usable ? { groupOf: usable.groupOf, groups: 2 } : {};
  const la = runSweep((taus) => logitAdjustmentCorrect(input.logits, labels, c, logPrior, taus, grouping), metrics.evalCount, buckets, usable);
  const logitAdjustment = la.sweep;
  yield 'logitAdjustment';

  const norms = head !== null && d !== null ? classWeightNorms(head.weight, c, d) : null;
  const weightNorms = norms !== null ? weightNormStats(norms, trainCounts, bias) : null;
  yield 'weightNorms';

  let tauNormalisation: PostHocSweep | null = null;
  let tauNormalisationWithBias: PostHocSweep | null = null;
  let tnChoice: HeldOutChoice | null = null;
  let tnBiasChoice: HeldOutChoice | null = null;
  if (head !== null && embeddings !== null && norms !== null && d !== null) {
    const fromLogits = headReproducesLogits(input.logits, embeddings, head.weight, bias, n, c, d);
    const scores = fromLogits ? ({ kind: 'logits', logits: input.logits, bias } as const) : ({ kind: 'embeddings', embeddings, weight: head.weight, d, multiply } as const);
    const tn = runSweep((taus) => tauNormalisationCorrect(scores, labels, c, norms, taus, grouping), metrics.evalCount, buckets, usable);
    tauNormalisation = tn.sweep;
    tnChoice = tn.choice;
    yield fromLogits ? 'tauNormalisation (scores f − b)' : 'tauNormalisation (scores W·φ)';
    if (bias !== null) {
      const tb = runSweep((taus) => tauNormalisationCorrect(scores, labels, c, norms, taus, { ...grouping, keepBias: bias }), metrics.evalCount, buckets, usable);
      tauNormalisationWithBias = tb.sweep;
      tnBiasChoice = tb.choice;
      yield 'tauNormalisation with bias';
    }
  }
  let selection: TauSelection | null = null;
  if (usable !== null && la.choice !== null) {
    const testCorrect = new Int32Array(c);
    for (let i = 0; i < n; i++) {
      if (usable.groupOf[i] === testGroup && predictions[i] === labels[i]) testCorrect[labels[i]]++;
    }
    selection = {
      method: 'eval-split',
      valFraction,
      seed: splitSeed,
      valExamples: usable.valExamples,
      testExamples: usable.testExamples,
      testBalancedError: balancedError(testCorrect, usable.testCount),
      testBuckets: bucketAccuracies(testCorrect, usable.testCount, buckets),
      logitAdjustment: la.choice,
      tauNormalisation: tnChoice,
      tauNormalisationWithBias: tnBiasChoice,
    };
  }

  let intervals: BootstrapIntervals | null = null;
  if (replicatesWanted > 0) {
    const rawCorrect = Uint8Array.from(predictions, (p, i) => (p === labels[i] ? 1 : 0));
    const adjustedCorrect = Uint8Array.from(adjusted.predictions, (p, i) => (p === labels[i] ? 1 : 0));
    intervals = bootstrapIntervals(labels, c, rawCorrect, adjustedCorrect, adjustedTau, buckets, bootstrapReplicates(n, replicatesWanted), bootstrapSeed);
    yield 'bootstrap';
  }

  const tightness = embeddings !== null && d !== null ? classTightness(embeddings, labels, c, d, multiply) : null;
  let resultantLengthSpearmanLogCount: number | null = null;
  if (tightness !== null) {
    const r: number[] = [];
    const logN: number[] = [];
    tightness.forEach((t, y) => {
      if (t !== null && trainCounts[y] > 0) {
        r.push(t.resultantLength);
        logN.push(Math.log(trainCounts[y]));
      }
    });
    resultantLengthSpearmanLogCount = spearman(r, logN);
  }
  yield 'tightness';
  const pca = embeddings !== null && d !== null ? pcaProjection(embeddings, labels, d, maxPoints, seed, multiply) : null;
  yield 'projection';
  const umap = options.umap && pca !== null && embeddings !== null && d !== null ? yield* umapStages(embeddings, labels, c, d, { seed, ...options.umap }, multiply) : null;
  const projection = pca && umap ? { ...pca, umap } : pca;

  const classes: ClassReport[] = [];
  for (let y = 0; y < c; y++) {
    classes.push({
      index: y,
      name: input.classNames?.[y] ?? String(y),
      trainCount: trainCounts[y],
      prior: trainCounts[y] / total,
      bucket: buckets[y],
      evalCount: metrics.evalCount[y],
      accuracy: metrics.accuracy[y],
      precision: metrics.precision[y],
      f1: metrics.f1[y],
      predictedCount: metrics.predictedCount[y],
      weightNorm: norms ? norms[y] : null,
      bias: bias ? bias[y] : null,
      tightness: tightness ? tightness[y] : null,
      examples: mistakes[y],
      averagePrecision: pr[y]?.averagePrecision ?? null,
      prCurve: pr[y]?.curve ?? null,
    });
  }
  const report: Report = {
    schemaVersion: 1,
    createdAt: options.createdAt ?? new Date().toISOString(),
    model: provenance.model,
    data: provenance.data,
    preprocessing: provenance.preprocessing,
    engine: provenance.engine,
    classes,
    summary: {
      evalExamples: n,
      numClasses: c,
      classesInEval,
      top1Error: top1Error(metrics.correct, n),
      balancedError: balancedError(metrics.correct, metrics.evalCount),
      buckets: bucketAccuracies(metrics.correct, metrics.evalCount, buckets),
      groups: frequencyGroups(order, trainCounts, metrics.correct, metrics.evalCount),
      predictionShare: predictionShare(metrics.predictedCount, n),
      thresholds: { many, few },
      top5Accuracy,
      intervals,
      resultantLengthSpearmanLogCount,
      meanAveragePrecision,
    },
    weightNorms,
    confusion,
    postHoc: { logitAdjustment, tauNormalisation, tauNormalisationWithBias, selection },
    calibration: { ...calib, adjusted: { tau: adjustedTau, ece: adjustedCalib.ece, mce: adjustedCalib.mce }, perBucket },
    projection,
  };
  return report;
}
