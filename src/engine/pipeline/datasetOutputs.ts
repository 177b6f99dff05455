/**
 * A model's embeddings and logits on a dataset through the output cache (`.longtail/cache`): one forward
 * pass per (model, dataset, preprocessing), reused by every later analysis and head fine-tune.
 */
import type { CancellationSignal, ProgressSink } from '../../protocol/progress';
import { cachedModelOutputs } from '../cache/outputCache';
import type { DatasetSource } from '../data/datasetSource';
import type { ClassifierModel } from '../model/classifierModel';

/** Where the outputs are cached and how the forward pass reports. */
export interface DatasetOutputsOptions {
  /** Workspace folder (the cache is `<workspace>/.longtail/cache`). */
  readonly workspace: string;
  /** Forward-pass batch size (default: the model's). */
  readonly batchSize?: number;
  readonly signal?: CancellationSignal;
  readonly progressToken?: string;
  readonly onProgress?: ProgressSink;
}

/** Outputs of a model on every example of a dataset, in dataset order. */
export interface DatasetOutputs {
  /** Row-major `[N, C]`. */
  readonly logits: Float32Array;
  /** Row-major `[N, D]`. */
  readonly embeddings: Float32Array;
  /** D. */
  readonly embeddingDim: number;
  /** `[N]`. */
  readonly labels: Int32Array;
  /** True when the outputs came from the cache (no forward pass ran). */
  readonly fromCache: boolean;
}

/** Runs (or loads from the cache) `model` on every example of `source`. */
export async function datasetOutputs(model: ClassifierModel, source: DatasetSource, options: DatasetOutputsOptions): Promise<DatasetOutputs> {
  const cached = await cachedModelOutputs(model, source, {
    workspaceDir: options.workspace,
    batchSize: options.batchSize,
    signal: options.signal,
    progressToken: options.progressToken,
    onProgress: options.onProgress,
  });
  const outputs = await cached.load();
  return { logits: outputs.logits, embeddings: outputs.embeddings, embeddingDim: outputs.embeddingDim, labels: await source.readLabels(), fromCache: cached.hit };
}
