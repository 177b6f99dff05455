/**
 * A·Bᵀ on the active TF.js backend (XNNPACK on WASM, libtensorflow when native), for the diagnostics'
 * large products: nearest-centroid search (K² · D), τ-normalisation scores (N · C · D), head logits and
 * the PCA's subspace iteration. The JS kernel in analysis/matmul.ts accumulates in float64 at
 * ~4.5 GFLOP/s; this one computes in float32 at the backend's speed.
 *
 * Every call uploads a fresh float32 copy of exactly the rows it reads and frees it before returning:
 * nothing is cached between calls, so a caller that rewrites its arrays in place between products (the
 * PCA does, with q and Yᵀ) always gets the product of the current values. An earlier version cached
 * uploads by ArrayBuffer identity and served stale matrices to the PCA (issue #12). The copies cost
 * (aRows + bRows)·d float conversions per call, against aRows·bRows·d multiply-adds for the product.
 *
 * Contract (analysis/types.ts MultiplyABt): out[r·bRows + s] = Σ_j a[(aStart + r)·d + j] · b[s·d + j]
 * for r < aRows, s < bRows. Shapes: A rows [aRows, d] of `a`, B [bRows, d] = the first bRows rows of `b`.
 */
import { multiplyABt } from '../analysis/matmul';
import type { FloatArray, MultiplyABt } from '../analysis/types';
import type { Tf } from './tf';

/** A MultiplyABt backed by TF.js. */
export interface TfMultiplyABt {
  readonly multiply: MultiplyABt;
  /** Frees whatever the kernel holds (nothing outlives a call today; kept so callers need not change). */
  dispose(): void;
}

/** Rows [first, first + count) of `view` ([*, d] row-major) as a new float32 array (always a copy). */
function rowsCopy(view: FloatArray, first: number, count: number, d: number): Float32Array {
  const rows = view.subarray(first * d, (first + count) * d);
  // slice() on a Float32Array copies; Float32Array.from converts (and copies) a Float64Array.
  return rows instanceof Float32Array ? rows.slice() : Float32Array.from(rows);
}

/**
 * Builds the kernel; call `dispose()` when the report is built. On the webgpu backend the product runs in
 * the float64 JS kernel instead: MultiplyABt is synchronous and WebGPU has no synchronous readback under
 * Node (docs/backends.md).
 */
export function tfMultiplyABt(tf: Tf): TfMultiplyABt {
  if (tf.getBackend() === 'webgpu') {
    return { multiply: multiplyABt, dispose: () => undefined };
  }
  const multiply: MultiplyABt = (a, aStart, aRows, b, bRows, d, out) => {
    const product = tf.tidy(() =>
      tf.matMul(tf.tensor2d(rowsCopy(a, aStart, aRows, d), [aRows, d], 'float32'), tf.tensor2d(rowsCopy(b, 0, bRows, d), [bRows, d], 'float32'), false, true),
    );
    const values = product.dataSync();
    product.dispose();
    for (let i = 0; i < aRows * bRows; i++) out[i] = values[i];
  };
  return { multiply, dispose: () => undefined };
}
