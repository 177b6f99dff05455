/**
 * `report.json`, schema version 1: the diagnostics of one checkpoint on one evaluation set. Field names
 * are a contract read by the dashboards, the CLI and outside tools; change them only with a new
 * `schemaVersion`. The JSON Schema is `src/protocol/report.schema.json` (kept equal by a unit test).
 * Formulas: docs/methods.md §1.4, §2.1, §3.1, §8.3, §9.
 */
import type { PreprocessingProbeResult } from './preprocessing';

/** Frequency bucket of a class by training count (defaults: many > 100, few < 20, else medium). */
export type Bucket = 'many' | 'medium' | 'few';

/** The three buckets in display order. */
export const bucketNames: readonly Bucket[] = ['many', 'medium', 'few'];

/** Embedding tightness of one class (ELM diagnostics, methods §1.4), on unit-normalised eval embeddings z. */
export interface ClassTightness {
  /** ‖mean z‖ ∈ [0, 1]. */
  readonly resultantLength: number;
  /** mean ‖z − mean z‖² (= 1 − resultantLength² for unit vectors). */
  readonly variance: number;
  /** mean ‖z − mean z‖. */
  readonly meanDistanceToCentroid: number;
  /** ‖mean z − mean z'‖ to the closest other class's centroid (null with one class). */
  readonly nearestCentroidDistance: number | null;
  /** meanDistanceToCentroid / nearestCentroidDistance (null when undefined). */
  readonly ratio: number | null;
  /** Mean ‖φ‖ of the raw (not normalised) embeddings of the class. */
  readonly meanFeatureNorm: number;
}

/** One class, ordered by class index in `classes`. */
export interface ClassReport {
  readonly index: number;
  /** Display name (untrusted text: from folder names or files). */
  readonly name: string;
  readonly trainCount: number;
  /** trainCount / Σ trainCount. */
  readonly prior: number;
  readonly bucket: Bucket;
  readonly evalCount: number;
  /** Recall on the eval set; null when the class is absent from it. */
  readonly accuracy: number | null;
  /** null when the class is never predicted. */
  readonly precision: number | null;
  /** null when precision or accuracy is null, 0 when both are 0. */
  readonly f1: number | null;
  readonly predictedCount: number;
  /** ‖w_y‖₂ of the classifier row/column; null without a head. */
  readonly weightNorm: number | null;
  /** Classifier bias b_y; null without one. */
  readonly bias: number | null;
  /** null without embeddings or when the class is absent from eval. */
  readonly tightness: ClassTightness | null;
  /**
   * The class's misclassified eval examples with the highest confidence (max softmax), most confident first,
   * at most `examplesPerClass` (default 8). Absent in older reports.
   */
  readonly examples?: readonly ExampleRef[];
  /**
   * One-vs-rest average precision from the softmax scores, as scikit-learn's average_precision_score
   * (AP = Σ (R_n − R_{n−1}) P_n); null when the class is absent from eval. Absent in older reports.
   */
  readonly averagePrecision?: number | null;
  /** The class's precision–recall curve as [recall, precision] points, downsampled (≤ 24); null as AP. Absent in older reports. */
  readonly prCurve?: readonly (readonly [number, number])[] | null;
}

/** A misclassified eval example. */
export interface ExampleRef {
  /** Index into the eval set, in the order the dataset yields its examples. */
  readonly index: number;
  /** The class predicted (≠ the true class). */
  readonly predicted: number;
  /** The max softmax probability of that prediction. */
  readonly confidence: number;
}

/** Accuracy of a bucket: the unweighted mean of its classes' accuracies (0 classes → accuracy null). */
export interface BucketAccuracy {
  /** Classes of this bucket present in the eval set. */
  readonly classes: number;
  readonly accuracy: number | null;
}

/** Accuracy per bucket. */
export type BucketAccuracies = Readonly<Record<Bucket, BucketAccuracy>>;

/** One of 10 groups of classes in frequency order (LA paper Fig. 4). */
export interface FrequencyGroup {
  /** 0 = most frequent classes. */
  readonly group: number;
  /** Class indices in the group. */
  readonly classIndices: readonly number[];
  readonly minTrainCount: number;
  readonly maxTrainCount: number;
  /** Mean per-class accuracy of the group's classes present in eval (null if none). */
  readonly accuracy: number | null;
}

/** Headline numbers. */
export interface ReportSummary {
  /** Examples in the eval set. */
  readonly evalExamples: number;
  readonly numClasses: number;
  /** Classes with at least one eval example. */
  readonly classesInEval: number;
  /** 1 − (correct / N). */
  readonly top1Error: number;
  /** 1 − mean accuracy over classes present in eval (LA eq. 2). */
  readonly balancedError: number;
  readonly buckets: BucketAccuracies;
  /** 10 frequency-ordered groups (fewer when C < 10). */
  readonly groups: readonly FrequencyGroup[];
  /** Fraction of predictions per class (index order) and the uniform share 1/C: head bias at a glance. */
  readonly predictionShare: { readonly perClass: readonly number[]; readonly uniform: number };
  /** Bucket thresholds used. */
  readonly thresholds: { readonly many: number; readonly few: number };
  /**
   * Fraction of examples whose label is among the 5 highest logits, when C ≥ 100 (the ImageNet-LT /
   * iNaturalist convention); null for fewer classes. Absent in older reports.
   */
  readonly top5Accuracy?: number | null;
  /** Seeded bootstrap 95% intervals over the eval examples; null when turned off. Absent in older reports. */
  readonly intervals?: BootstrapIntervals | null;
  /**
   * Spearman correlation of the classes' embedding resultant length R̄_y (tightness) with log n_y, over the
   * classes with tightness and n_y > 0; null without embeddings or when undefined. Absent in older reports.
   */
  readonly resultantLengthSpearmanLogCount?: number | null;
  /**
   * Mean of the classes' one-vs-rest average precision, over all classes in eval and per bucket (null for a
   * bucket without classes in eval). Absent in older reports.
   */
  readonly meanAveragePrecision?: { readonly all: number | null; readonly buckets: Readonly<Record<Bucket, number | null>> };
}

/** A closed interval [lo, hi]. */
export interface Interval {
  readonly lo: number;
  readonly hi: number;
}

/**
 * Percentile-bootstrap intervals: the eval examples resampled with replacement `replicates` times (seeded),
 * every figure recomputed on each resample, and the central `level` range of the replicates.
 */
export interface BootstrapIntervals {
  readonly method: 'percentile';
  /** 0.95. */
  readonly level: number;
  readonly replicates: number;
  readonly seed: number;
  /** Of `summary.balancedError`. */
  readonly balancedError: Interval;
  /** Of `summary.buckets[b].accuracy`; null for a bucket without classes in eval. */
  readonly buckets: Readonly<Record<Bucket, Interval | null>>;
  /** Of the post-hoc logit-adjustment gain: balanced error as is minus balanced error at this τ (positive = better). */
  readonly logitAdjustmentGain: { readonly tau: number; readonly interval: Interval };
}

/** Classifier weight norms against log training count (methods §9). */
export interface WeightNormStats {
  /** Pearson correlation of ‖w_y‖ with log n_y (null when undefined, e.g. constant norms). */
  readonly pearsonLogCount: number | null;
  /** Spearman correlation (average ranks for ties). */
  readonly spearmanLogCount: number | null;
  /** OLS ‖w_y‖ ≈ slope · log n_y + intercept. */
  readonly slope: number | null;
  readonly intercept: number | null;
  /** Pearson correlation of the bias b_y with log π_y (null without bias). */
  readonly biasPearsonLogPrior: number | null;
}

/** Confusion data, in frequency order. */
export interface ConfusionReport {
  /** Class indices sorted by trainCount, descending (ties by index). */
  readonly order: readonly number[];
  /** matrix[i][j] = count of true class order[i] predicted as order[j]; null when C > limit. */
  readonly matrix: readonly (readonly number[])[] | null;
  /** The limit used for `matrix`. */
  readonly matrixLimit: number;
  /** 3×3 counts, true bucket (rows many, medium, few) × predicted bucket (columns). */
  readonly buckets: readonly (readonly number[])[];
  /** Most frequent off-diagonal confusions. */
  readonly topPairs: readonly {
    readonly trueClass: number;
    readonly predictedClass: number;
    readonly count: number;
    /** Eval indices of this confusion, most confident first (at most `examplesPerClass`). Absent in older reports. */
    readonly examples?: readonly number[];
  }[];
}

/**
 * A post-hoc sweep over τ: 0 to 2 step 0.1, extended upwards in steps of 2 (up to τ = 10) while the best τ
 * sits on the grid's upper edge. Every number is over the whole eval set, so `bestTau` is an oracle choice
 * (chosen on the data it is reported on); `PostHocReport.selection` holds the honest, held-out choice.
 */
export interface PostHocSweep {
  readonly taus: readonly number[];
  /** Balanced error at each τ. */
  readonly balancedError: readonly number[];
  /** Oracle: the τ with the smallest balanced error on the eval set itself. */
  readonly bestTau: number;
  readonly bestBalancedError: number;
  /** Bucket accuracies at τ = 1. */
  readonly bucketsAtOne: BucketAccuracies;
  /** Bucket accuracies at the best τ. */
  readonly bucketsAtBest: BucketAccuracies;
  /**
   * True when the best τ is the largest τ of the (extended) grid, so a larger τ might be better still.
   * Absent in reports written before the grid was extended.
   */
  readonly bestAtGridEdge?: boolean;
}

/** A τ chosen on the validation part of a held-out split and reported on its test part. */
export interface HeldOutChoice {
  /** The τ with the smallest balanced error on the validation part (ties as for the best τ). */
  readonly tau: number;
  readonly valBalancedError: number;
  /** Balanced error on the test part at that τ: the honest estimate. */
  readonly testBalancedError: number;
  /** Bucket accuracies on the test part at that τ. */
  readonly testBuckets: BucketAccuracies;
  /** For contrast, the oracle: the best τ on the test part itself and its balanced error there. */
  readonly oracleTau: number;
  readonly oracleTestBalancedError: number;
  /** True when `tau` is the largest τ of the grid (the validation optimum may lie beyond it). */
  readonly atGridEdge: boolean;
}

/**
 * τ chosen without looking at the test examples: the eval set is split, per class and seeded, into a
 * validation part (which chooses τ) and a test part (which reports it). Classes with one eval example go to
 * the test part.
 */
export interface TauSelection {
  readonly method: 'eval-split';
  /** Fraction of each class's eval examples put in the validation part (rounded, ≥ 1 when the class has ≥ 2). */
  readonly valFraction: number;
  readonly seed: number;
  readonly valExamples: number;
  readonly testExamples: number;
  /** The model as is on the test part. */
  readonly testBalancedError: number;
  readonly testBuckets: BucketAccuracies;
  readonly logitAdjustment: HeldOutChoice;
  /** Bias dropped (as `PostHocReport.tauNormalisation`); null when that sweep is null. */
  readonly tauNormalisation: HeldOutChoice | null;
  /** Bias kept (as `PostHocReport.tauNormalisationWithBias`); null when that sweep is null. */
  readonly tauNormalisationWithBias: HeldOutChoice | null;
}

/** Post-hoc corrections and what they would change. */
export interface PostHocReport {
  /** argmax_y f_y − τ log π_y (Menon et al. eq. 9); τ = 0 is the model as is. */
  readonly logitAdjustment: PostHocSweep;
  /**
   * argmax_y (w_y / ‖w_y‖^τ)·φ with the bias dropped, as Kang et al.'s code does (so τ = 0 is the bias-free
   * model, not the model as is, when the head has a bias); null without embeddings and head.
   */
  readonly tauNormalisation: PostHocSweep | null;
  /**
   * argmax_y (w_y / ‖w_y‖^τ)·φ + b_y: the bias kept, so τ = 0 is the model as is. Null without embeddings,
   * head or bias (then it equals `tauNormalisation`). Absent in older reports.
   */
  readonly tauNormalisationWithBias?: PostHocSweep | null;
  /** τ chosen on a held-out validation part of the eval set; null when the eval set is too small to split. Absent in older reports. */
  readonly selection?: TauSelection | null;
}

/** Expected calibration error (Guo et al. 2017) on the max softmax probability. */
export interface CalibrationReport {
  /** 15 equal-width bins, membership (lo, hi]. */
  readonly ece: number;
  /** Largest |accuracy − confidence| over non-empty bins. */
  readonly mce: number;
  readonly bins: readonly { readonly lo: number; readonly hi: number; readonly count: number; readonly accuracy: number | null; readonly confidence: number | null }[];
  /**
   * ECE and MCE of the post-hoc-adjusted probabilities softmax(f − τ log π) and their arg-max (the
   * predictions post-hoc logit adjustment would make), same bins. Absent in older reports.
   */
  readonly adjusted?: { readonly tau: number; readonly ece: number; readonly mce: number };
  /**
   * ECE of the model as is over the eval examples whose true class is in each bucket (same bins, weights
   * |B_b| / examples of the bucket); null for a bucket without eval examples. Absent in older reports.
   */
  readonly perBucket?: Readonly<Record<Bucket, { readonly examples: number; readonly ece: number } | null>>;
}

/** 2-D PCA of (a bounded sample of) the eval embeddings. */
export interface ProjectionReport {
  readonly method: 'pca';
  /** Points: [x, y, label] per sampled example. */
  readonly points: readonly (readonly [number, number, number])[];
  /** The eval index of each point (the drill-down opens it). Absent in older reports. */
  readonly indices?: readonly number[];
  /** Fraction of variance each of the two components explains. */
  readonly explainedVariance: readonly [number, number];
  /** Examples in eval and examples sampled. */
  readonly total: number;
  readonly sampled: number;
  /** UMAP of a stratified sample of the eval embeddings, computed by the engine. Absent in older reports and when turned off. */
  readonly umap?: UmapProjection;
}

/** Parameters a UMAP layout was computed with (umap-js; McInnes, Healy & Melville 2018). */
export interface UmapParams {
  /** Neighbours of the fuzzy k-NN graph (the requested value, lowered to sampled − 1 for tiny samples). */
  readonly nNeighbors: number;
  /** Smallest distance between points in the layout. */
  readonly minDist: number;
  /** Optimisation epochs. */
  readonly nEpochs: number;
  /** Seed of the sample, the initial layout and the negative sampling. */
  readonly seed: number;
  /** Largest sample size asked for. */
  readonly maxPoints: number;
  /** Distance of the k-NN graph on the raw embeddings (exact neighbours). */
  readonly metric: 'euclidean';
}

/** A 2-D UMAP layout of a stratified sample of the eval embeddings (every class appears when it fits). */
export interface UmapProjection {
  /** Points: [x, y, label] per sampled example. */
  readonly points: readonly (readonly [number, number, number])[];
  /** The eval index of each point (the drill-down opens it). */
  readonly indices: readonly number[];
  readonly params: UmapParams;
}

/**
 * Class-named image folders: how folders became labels. `by-name`: each folder matched one of the given class
 * names, so labels follow the model's order; `sorted`: label k is the k-th folder in sorted order (torchvision's
 * ImageFolder convention), right only for models trained that way. `folders[k]` is class k's folder (null: none).
 */
export interface ReportClassOrder {
  readonly convention: 'by-name' | 'sorted';
  readonly folders: readonly (string | null)[];
}

/** Where the numbers came from. */
export interface ReportProvenance {
  readonly model: { readonly path: string; readonly format: string; readonly sha256?: string; readonly embeddingDim: number | null };
  readonly data: {
    readonly eval: { readonly path: string; readonly format: string; readonly examples: number; readonly classOrder?: ReportClassOrder };
    readonly train: { readonly path: string; readonly format: string; readonly examples: number } | null;
    readonly classCountsSource: string;
  };
  /** Preprocessing applied to inputs (scaling, resize, mean/std), recorded verbatim. */
  readonly preprocessing: Readonly<Record<string, unknown>>;
  readonly engine: { readonly version: string; readonly backend: string } & ReportEngineDevice;
}

/** Where the numbers were computed (fields added with the WebGPU backend; absent in older reports). */
export interface ReportEngineDevice {
  /** The device that ran, e.g. `GPU · NVIDIA H100 80GB HBM3 (WebGPU, Vulkan)`, `WebGPU · SwiftShader (software adapter)`, `WASM`. */
  readonly device?: string;
  /** ONNX checkpoints: the onnxruntime execution provider the session was created with (`webgpu`, `cuda`, `cpu`). */
  readonly onnxExecutionProvider?: string;
  /** ONNX checkpoints on WebGPU: where onnxruntime placed the ops (`onnxruntime placed 2 of 9 ops on the CPU …`). */
  readonly onnxPlacement?: string;
}

/** The whole report.json. */
export interface Report extends ReportProvenance {
  readonly schemaVersion: 1;
  readonly createdAt: string;
  readonly classes: readonly ClassReport[];
  readonly summary: ReportSummary;
  /** null without a classifier head. */
  readonly weightNorms: WeightNormStats | null;
  readonly confusion: ConfusionReport;
  readonly postHoc: PostHocReport;
  readonly calibration: CalibrationReport;
  /** null without embeddings. */
  readonly projection: ProjectionReport | null;
  /** The preprocessing probe (image inputs with a model, unless turned off); absent in older reports. */
  readonly preprocessingProbe?: PreprocessingProbeResult;
}
