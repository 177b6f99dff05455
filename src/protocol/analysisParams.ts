/** Parameters and results of an analysis run (`longtail analyse`, `analysis/run`). */
import type { PreprocessingOptions } from './preprocessing';

/** What to analyse. Paths are absolute or relative to the engine's working directory. */
export interface AnalyseParams {
  /**
   * Checkpoint: model.json (LayersModel/GraphModel), .onnx, SavedModel folder, or a head (.npz/.safetensors/.npy).
   * Absent: the eval file (.npz/.safetensors) holds `logits` [N, C] and `labels`, and only they are analysed
   * (no weight norms, tightness, τ-normalisation or projection).
   */
  readonly model?: string;
  /** Evaluation dataset (file, folder with splits, or subset index JSON). */
  readonly eval: string;
  /** Training dataset, used for class counts (its labels only). */
  readonly train?: string;
  /** Class counts as a JSON array or .npy file (alternative to `train`). */
  readonly classCounts?: string;
  /** Class names as a JSON array file. */
  readonly classNames?: string;
  /**
   * Image root for list files (ImageNet-LT style) and iNaturalist JSON, eval and train alike: their image paths are
   * relative to it. Default: the list or JSON file's own folder.
   */
  readonly root?: string;
  /** Where to write report.json; default: a new run folder under `<workspace>/.longtail/runs/`. */
  readonly report?: string;
  /** Workspace root: `.longtail/` (runs and cache) lives here. Defaults to the working directory. */
  readonly workspace?: string;
  /** Preprocessing overriding longtail.json's (field by field). */
  readonly preprocessing?: PreprocessingOptions;
  /**
   * Preprocessing probe (image inputs with a model): the model's accuracy on a seeded class-stratified sample of
   * `probeSampleSize` eval examples (default 512) under the configured preprocessing and each preset, recorded in
   * report.json `preprocessingProbe`. Default true; false skips it (`--no-probe`).
   */
  readonly probe?: boolean;
  readonly probeSampleSize?: number;
  /** Head key prefix when a head checkpoint holds several candidates. */
  readonly headKey?: string;
  /** GraphModel: the node whose output is the embedding. */
  readonly embeddingNode?: string;
  /** Forward-pass batch size. */
  readonly batchSize?: number;
  /** Bucket thresholds: many if trainCount > many, few if < few. */
  readonly manyThreshold?: number;
  readonly fewThreshold?: number;
  /** Largest C for which the full confusion matrix is stored. */
  readonly confusionMatrixLimit?: number;
  /** Most confident mistakes kept per class and per top confused pair for the drill-down (default 8). */
  readonly examplesPerClass?: number;
  /**
   * Largest stratified sample of eval embeddings laid out by UMAP next to the PCA (default 5000, at most 20000;
   * 0 = no UMAP). See src/engine/analysis/umapProjection.ts.
   */
  readonly umapPoints?: number;
  /** Fraction of each class's eval examples held out to choose post-hoc τ (default 0.2; 0 = off). */
  readonly valFraction?: number;
  /** Seed of that held-out split and of the bootstrap intervals (default 0). */
  readonly seed?: number;
  /**
   * Logits stored in the eval file next to a model: `check` (default) refuses the run when they disagree with the
   * model's; `ignore` is for fine-tuning's report of a new checkpoint, whose eval file stores the input model's logits.
   */
  readonly storedLogits?: 'check' | 'ignore';
  /** Progress notifications carry this token. */
  readonly progressToken?: string;
}

/** The headline of a finished analysis (the full report is in `reportPath`). */
export interface AnalyseResult {
  /** Absolute path of the written report.json. */
  readonly reportPath: string;
  readonly balancedError: number;
  readonly top1Error: number;
  readonly buckets: { readonly many: number | null; readonly medium: number | null; readonly few: number | null };
  /** Best post-hoc logit-adjustment τ on the eval set (an oracle: chosen on the data it is scored on) and its balanced error. */
  readonly bestTau: number;
  readonly bestTauBalancedError: number;
  /** True when embeddings and logits came from the cache (no forward pass ran). */
  readonly fromCache: boolean;
  readonly seconds: number;
}
