/**
 * Classifier-head checkpoints (.npz/.safetensors/.npy/.pth: a weight [C, D] and optional bias from any
 * framework) and the features datasets they apply to, shared by analysis and fine-tuning.
 */
import * as path from 'node:path';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { CancellationSignal } from '../../protocol/progress';
import { multiplyABt } from '../analysis/matmul';
import type { MultiplyABt } from '../analysis/types';
import type { DatasetSource } from '../data/datasetSource';
import { readAllExamples } from '../data/readAllExamples';
import type { HeadCheckpoint } from '../io/headCheckpoint';

/** Classifier-head containers: NumPy, safetensors, and torch.save state dicts (`.pth`/`.pt`, Lightning `.ckpt`, `pytorch_model.bin`). */
const headExtensions = new Set(['.npz', '.safetensors', '.npy', '.pth', '.pt', '.ckpt', '.bin']);

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
function featureDim(source: DatasetSource): number {
  return source.exampleShape.reduce((a, b) => a * b, 1);
}

/** All features of a dataset in memory: `x` row-major `[N, D]` and the labels. */
export async function readFeatures(source: DatasetSource, signal: CancellationSignal | undefined): Promise<{ x: Float32Array; dim: number; labels: Int32Array }> {
  const all = await readAllExamples(source, { signal });
  return { x: all.x, dim: featureDim(source), labels: all.labels };
}

/**
 * logits = φ·Wᵀ + b for a head checkpoint on feature data, in row blocks through `multiply` (the
 * backend's A·Bᵀ kernel, or the float64 JS one). Shapes: features [N, D], weight [C, D] (row y = w_y),
 * bias [C] → logits [N, C]: the linear classifier f_y(x) = w_yᵀφ(x) + b_y of Menon et al., ICLR 2021, §2
 * (docs/methods.md).
 */
export function headLogits(
  features: Float32Array,
  n: number,
  d: number,
  weight: Float32Array,
  bias: Float32Array | null,
  c: number,
  multiply: MultiplyABt = multiplyABt,
): Float32Array {
  const out = new Float32Array(n * c);
  const rows = Math.max(1, Math.min(n, Math.floor(2 ** 22 / Math.max(1, c))));
  const block = new Float64Array(rows * c);
  for (let i0 = 0; i0 < n; i0 += rows) {
    const m = Math.min(rows, n - i0);
    multiply(features, i0, m, weight, c, d, block, true);
    for (let r = 0; r < m; r++) {
      for (let y = 0; y < c; y++) out[(i0 + r) * c + y] = block[r * c + y] + (bias ? bias[y] : 0);
    }
  }
  return out;
}
