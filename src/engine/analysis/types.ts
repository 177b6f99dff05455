/**
 * Input types of the diagnostics engine. All matrices are flat, row-major typed arrays; shapes are given
 * in the JSDoc of each field. No nested JS arrays are used for data.
 */
import type { UmapOptions } from './umapProjection';

/** A flat float buffer: float32 (as produced by TF.js / ONNX) or float64. */
export type FloatArray = Float32Array | Float64Array;

/**
 * The final linear layer f = W·φ + b.
 *
 * `weight` uses the PyTorch `nn.Linear` convention: shape [C, D] row-major, row y = w_y. A Keras / TF.js
 * Dense kernel is stored [D, C]; callers must transpose it first (see {@link transposeKernel}).
 */
export interface ClassifierHead {
  /** [C, D] row-major. */
  readonly weight: FloatArray;
  /** [C], or null / absent when the layer has no bias. */
  readonly bias?: FloatArray | null;
}

/** Everything the diagnostics need; only `logits`, `labels` and `trainCounts` are required. */
export interface DiagnosticsInput {
  /** C. */
  readonly numClasses: number;
  /** [N, C] row-major eval logits (pre-softmax scores). */
  readonly logits: FloatArray;
  /** [N] integer eval labels in [0, C). */
  readonly labels: ArrayLike<number>;
  /** [C] non-negative integer training counts n_y (prior π_y = n_y / Σ n). */
  readonly trainCounts: ArrayLike<number>;
  /** [C] display names; defaults to the class index as a string. */
  readonly classNames?: readonly string[];
  /** [N, D] row-major penultimate eval embeddings φ(x), or null. */
  readonly embeddings?: FloatArray | null;
  /** The classifier head, or null. */
  readonly head?: ClassifierHead | null;
}

/**
 * A dense product kernel out = A[aStart : aStart+aRows] · Bᵀ (row-major; a [*, d], b [bRows, d],
 * out [aRows, bRows] overwritten). The default is the blocked JS kernel `multiplyABt`; the engine may pass
 * a faster one (for example TF.js matMul on the wasm or native backend) for the K²·D centroid Gram matrix,
 * the τ-normalisation fallback W·φ and the PCA. It must be synchronous and accurate to float32 or better.
 *
 * `bUnchanged`: the caller promises that the buffer under `b` holds the same values on every call that
 * passes it (a classifier weight, fixed centroids), so a kernel may keep an uploaded copy of it between
 * calls. Leave it false (the default) for arrays rewritten in place between calls (the PCA's iterates):
 * a kernel must then read the current values every time.
 */
export type MultiplyABt = (a: FloatArray, aStart: number, aRows: number, b: FloatArray, bRows: number, d: number, out: Float64Array, bUnchanged?: boolean) => void;

/** Tunables of the diagnostics; every field has the documented default. */
export interface DiagnosticsOptions {
  /** A class is `many` when trainCount > this (default 100, methods §8.3). */
  readonly manyThreshold?: number;
  /** A class is `few` when trainCount < this (default 20, methods §8.3). */
  readonly fewThreshold?: number;
  /** Largest C for which the full confusion matrix is stored (default 100). */
  readonly confusionMatrixLimit?: number;
  /** Number of most frequent off-diagonal confusions kept (default 20). */
  readonly topPairs?: number;
  /** Largest number of embeddings sampled for the 2-D projection (default 5000). */
  readonly projectionMaxPoints?: number;
  /** Seed of the projection sample (default 20240601). */
  readonly projectionSeed?: number;
  /**
   * UMAP next to the PCA (sample size, neighbours, min distance, epochs; seed default: projectionSeed). Absent: no
   * UMAP (the analysis pipeline passes one, default 5,000 points; unit tests of other stages stay fast).
   */
  readonly umap?: UmapOptions;
  /** Dense product kernel for the large products (default: the blocked JS kernel). */
  readonly multiplyABt?: MultiplyABt;
  /**
   * Fraction of each class's eval examples held out to choose τ, which is then reported on the rest
   * (default 0.2; 0 turns the held-out choice off). See heldOutSplit.ts.
   */
  readonly valFraction?: number;
  /** Seed of the held-out split, and of the bootstrap unless `bootstrapSeed` is given (default 0). */
  readonly splitSeed?: number;
  /** Bootstrap resamples for the 95% intervals (default 1000, fewer on very large eval sets; 0 = off). */
  readonly bootstrapReplicates?: number;
  /** Seed of the bootstrap (default: `splitSeed`). */
  readonly bootstrapSeed?: number;
  /** Most confident mistakes kept per class and per top confused pair (default 8; 0 keeps none). */
  readonly examplesPerClass?: number;
}

/**
 * Transposes a Keras / TF.js Dense kernel [D, C] (column y = w_y) into the [C, D] layout of
 * {@link ClassifierHead.weight}.
 *
 * Formula: out[y·D + d] = kernel[d·C + y]. Shapes: kernel [D, C] → [C, D]. Methods §9 (layouts).
 */
export function transposeKernel(kernel: FloatArray, d: number, c: number): Float32Array {
  const out = new Float32Array(c * d);
  for (let i = 0; i < d; i++) {
    const row = i * c;
    for (let y = 0; y < c; y++) {
      out[y * d + i] = kernel[row + y];
    }
  }
  return out;
}
