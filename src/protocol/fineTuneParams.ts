/** Parameters and results of a fine-tuning run (`longtail finetune`, `training/run`). */
import type { PreprocessingOptions } from './preprocessing';

/**
 * Which weights a fine-tuning run trains: the classifier (`head`), a residual embedding adapter
 * z' = z + U·relu(A·z) on the frozen embeddings together with the classifier (`adapter`; U = 0 at the start),
 * the last weighted block and the classifier (`last-block`, LayersModel), or every layer (`all`, LayersModel).
 */
export type FineTuneScope = 'head' | 'adapter' | 'last-block' | 'all';

/** How training batches are drawn. */
export type FineTuneSampler = 'instance' | 'class-balanced';

/** Learning-rate schedules. */
export type FineTuneLrSchedule = 'constant' | 'cosine';

/** Optimisers: `sgd` is SGD with momentum 0.9; `adam` uses TF.js defaults (β₁ 0.9, β₂ 0.999). */
export type FineTuneOptimizer = 'sgd' | 'adam';

/** What to fine-tune and how. Paths are absolute or relative to the engine's working directory. */
export interface FineTuneParams {
  /** Checkpoint: a LayersModel model.json (or its folder), or a head (.npz/.safetensors) with feature datasets. */
  readonly model: string;
  /** Training dataset (raw inputs for a LayersModel, features for a head). */
  readonly train: string;
  /** Evaluation dataset for per-epoch metrics and report.json (default: the training dataset). */
  readonly eval?: string;
  /** Loss name: ce, la, balanced-softmax, ldam, ldam-drw, cb, eql, elm. */
  readonly loss: string;
  /** Numeric loss options by name (e.g. `{ tau: 1 }`); defaults fill the rest. */
  readonly lossOptions?: Readonly<Record<string, number>>;
  /** Default 10. */
  readonly epochs?: number;
  /** Default 0.01 (sgd) or 0.001 (adam). */
  readonly learningRate?: number;
  /** Default 128. */
  readonly batchSize?: number;
  /** `constant` (default) or `cosine`: lr·½(1 + cos(π·t/T)) over the T steps of the run. */
  readonly lrSchedule?: FineTuneLrSchedule;
  /** Default `sgd`. */
  readonly optimizer?: FineTuneOptimizer;
  /** PyTorch-style weight decay λ (gradient λ·w on every trained weight); default 0. */
  readonly weightDecay?: number;
  /** Default `head`. */
  readonly scope?: FineTuneScope;
  /** Hidden width H of the `adapter` scope's residual adapter; default min(D, 256). */
  readonly adapterWidth?: number;
  /** Default `instance`. */
  readonly sampler?: FineTuneSampler;
  /** Seed of batch order, sampling and random loss parts; default 0. */
  readonly seed?: number;
  /** New output folder (must be absent or empty): checkpoint, training.json, report.json. */
  readonly out: string;
  /** Workspace root (longtail.json, .longtail/cache); default the working directory. */
  readonly workspace?: string;
  /**
   * Image root for list files (ImageNet-LT style) and iNaturalist JSON, train and eval alike: their image paths are
   * resolved against it instead of the list file's own folder (as `AnalyseParams.root`).
   */
  readonly root?: string;
  /** Preprocessing overriding longtail.json's (field by field). */
  readonly preprocessing?: PreprocessingOptions;
  /** Head key prefix when a head checkpoint holds several candidates. */
  readonly headKey?: string;
  /** Bucket thresholds: many if trainCount > many, few if < few. */
  readonly manyThreshold?: number;
  readonly fewThreshold?: number;
  /** Progress notifications carry this token. */
  readonly progressToken?: string;
}

/** Per-bucket accuracies (null for an empty bucket). */
export interface FineTuneBuckets {
  readonly many: number | null;
  readonly medium: number | null;
  readonly few: number | null;
}

/** One epoch of training.json. */
export interface FineTuneEpoch {
  /** 1-based. */
  readonly epoch: number;
  /** Mean training loss over the epoch's batches. */
  readonly loss: number;
  /** Balanced error on the eval set (or the training set without one) after the epoch. */
  readonly balancedError: number;
  readonly buckets: FineTuneBuckets;
  /** Learning rate at the epoch's first step. */
  readonly learningRate: number;
  readonly seconds: number;
}

/** The headline of a finished fine-tuning run. */
export interface FineTuneResult {
  /** The output folder. */
  readonly outDir: string;
  /** The new checkpoint (model.json or the head file). */
  readonly checkpointPath: string;
  readonly trainingPath: string;
  readonly reportPath: string;
  /** From report.json (the analysis of the new checkpoint). */
  readonly balancedError: number;
  readonly top1Error: number;
  readonly buckets: FineTuneBuckets;
  readonly bestTau: number;
  readonly bestTauBalancedError: number;
  readonly history: readonly FineTuneEpoch[];
  /**
   * What the user must know about this run (also in training.json's `notes`), for example that ELM in head
   * scope has no embedding gradient path and so equals `la`. Empty when there is nothing to say.
   */
  readonly notes: readonly string[];
  readonly seconds: number;
}
