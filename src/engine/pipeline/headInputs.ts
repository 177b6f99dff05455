/**
 * Classifier-head checkpoints (.npz/.safetensors/.npy: a weight [C, D] and optional bias from any
 * framework) and the features datasets they apply to, shared by analysis and fine-tuning.
 */
import * as path from 'node:path';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { CancellationSignal } from '../../protocol/progress';
import type { DatasetSource } from '../data/datasetSource';
import { readAllExamples } from '../data/readAllExamples';
import type { HeadCheckpoint } from '../io/headCheckpoint';

const headExtensions = new Set(['.npz', '.safetensors', '.npy']);

/** True when `modelPath` names a classifier-head file rather than a model. */
export function isHeadCheckpointPath(modelPath: string): boolean {
  return headExtensions.has(path.extname(modelPath).toLowerCase());
}

/**
 * Checks that `source` (opened from `datasetPath`) holds features the head applies to: a features dataset
 * (not raw inputs) with D = head.dim values per example. Throws {@link ErrorCode.ShapeMismatch} naming the
 * dataset.
 */
export function assertFeaturesForHead(source: DatasetSource, datasetPath: string, head: HeadCheckpoint, modelPath: string): void {
  if (!source.isFeatures) {
    throw new LongtailError(
      ErrorCode.ShapeMismatch,
      `${modelPath} is a classifier head; ${datasetPath} holds raw inputs, not features. Give a features file (features/embeddings [N, D] + labels) or a full model`,
      { file: datasetPath },
    );
  }
  const d = featureDim(source);
  if (d !== head.dim) {
    throw new LongtailError(ErrorCode.ShapeMismatch, `${datasetPath} has ${d}-dimensional features but the head ${modelPath} expects ${head.dim}`, { file: datasetPath });
  }
}

/** D: the number of values per example of a features dataset. */
export function featureDim(source: DatasetSource): number {
  return source.exampleShape.reduce((a, b) => a * b, 1);
}

/** All features of a dataset in memory: `x` row-major `[N, D]` and the labels. */
export async function readFeatures(source: DatasetSource, signal: CancellationSignal | undefined): Promise<{ x: Float32Array; dim: number; labels: Int32Array }> {
  const all = await readAllExamples(source, { signal });
  return { x: all.x, dim: featureDim(source), labels: all.labels };
}
