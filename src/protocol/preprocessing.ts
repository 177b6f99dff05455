/**
 * Image preprocessing options, as given in longtail.json's `preprocessing` or by CLI flags, and recorded
 * verbatim in every report. Order and formulas: src/engine/data/imagePreprocessing.ts.
 */
export interface PreprocessingOptions {
  /** `unit` (default): uint8 / 255 → [0, 1]. `none`: keep raw values. */
  readonly scale?: 'unit' | 'none';
  /** Output size; omitted keeps the stored size. */
  readonly resize?: { readonly height: number; readonly width: number; readonly method?: 'bilinear' | 'nearest' };
  /** Output channels (1 or 3); default: the data's own. */
  readonly channels?: 1 | 3;
  /** `rgb` (default) or `bgr`. */
  readonly channelOrder?: 'rgb' | 'bgr';
  /** Per-channel mean subtracted after scaling. */
  readonly mean?: readonly number[];
  /** Per-channel standard deviation divided by after subtracting the mean. */
  readonly std?: readonly number[];
}

/**
 * Preprocessing presets offered on a first analysis and compared by the probe: `unit` (pixels / 255 in [0, 1], no
 * normalisation), `imagenet` and `cifar10` (their published per-channel mean/std), `training-stats` (the training
 * set's own per-channel mean/std, computed by the engine).
 */
export type PreprocessingPresetId = 'unit' | 'imagenet' | 'cifar10' | 'training-stats';

/** One candidate of a preprocessing probe and the model's accuracy on the sample under it. */
export interface PreprocessingProbeEntry {
  /** A preset, or `configured` (the preprocessing the analysis used). */
  readonly preset: PreprocessingPresetId | 'configured';
  readonly mean: readonly number[] | null;
  readonly std: readonly number[] | null;
  /** Top-1 accuracy on the probe sample, in [0, 1]. */
  readonly accuracy: number;
}

/** What the preprocessing probe found (report.json `preprocessingProbe`). */
export interface PreprocessingProbeResult {
  /** Eval examples in the seeded, class-stratified sample. */
  readonly sampleSize: number;
  readonly seed: number;
  readonly entries: readonly PreprocessingProbeEntry[];
  /** The preset that is clearly better than the configured preprocessing (rule: preprocessingProbe.ts), or null. */
  readonly suggestion: PreprocessingPresetId | null;
  /** One line for the CLI summary, the notification and the dashboard header; null without a suggestion. */
  readonly hint: string | null;
}

/** Parameters of `preprocessing/trainingStatistics`: the per-channel pixel statistics of a training set. */
export interface TrainingStatisticsParams {
  /** Training dataset (image data; the `train` split of a folder with splits). */
  readonly train: string;
  /** Image root of list files and iNaturalist JSON. */
  readonly root?: string;
  /** Preprocessing whose resize/channels/channel order apply (its mean/std are ignored). */
  readonly preprocessing?: PreprocessingOptions;
  /** Examples read at most: a uniform seeded sample beyond that (default 10,000). */
  readonly maxExamples?: number;
  readonly seed?: number;
}

/** Result of `preprocessing/trainingStatistics`: mean_c and std_c of pixel/255 (trainingStatistics.ts). */
export interface TrainingStatisticsResult {
  readonly mean: readonly number[];
  readonly std: readonly number[];
  /** Examples read. */
  readonly examples: number;
}
