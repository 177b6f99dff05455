/** Training and evaluation examples held in memory while fine-tuning, and their mini-batches. */

/** Examples in memory: `x` row-major `[n, ...shape]` (raw inputs, or embeddings `[n, D]` in head scope). */
export interface ExampleSet {
  readonly x: Float32Array;
  readonly shape: readonly number[];
  readonly labels: Int32Array;
}

/** Rows per forward pass outside the training steps (evaluation, embedding norms). */
export const inferenceBatch = 512;

/**
 * Rows `lo..hi-1` of `set`: a view when `indices` is null, else a copy of rows `indices[lo..hi-1]`
 * (the sampler's order). Shapes: x `[hi-lo, ...shape]`, labels `[hi-lo]`.
 */
export function batchOf(set: ExampleSet, indices: Int32Array | null, lo: number, hi: number): { x: Float32Array; labels: Int32Array } {
  const per = set.shape.reduce((a, b) => a * b, 1);
  if (indices === null) {
    return { x: set.x.subarray(lo * per, hi * per), labels: set.labels.subarray(lo, hi) };
  }
  const x = new Float32Array((hi - lo) * per);
  const labels = new Int32Array(hi - lo);
  for (let k = lo; k < hi; k++) {
    const src = indices[k];
    x.set(set.x.subarray(src * per, (src + 1) * per), (k - lo) * per);
    labels[k - lo] = set.labels[src];
  }
  return { x, labels };
}
