/**
 * A·Bᵀ on the active TF.js backend (XNNPACK on WASM, libtensorflow when native), for the diagnostics'
 * large products: nearest-centroid search (K² · D), τ-normalisation scores (N · C · D), head logits and
 * the PCA's subspace iteration. The JS kernel in analysis/matmul.ts accumulates in float64 at
 * ~4.5 GFLOP/s; this one computes in float32 at the backend's speed.
 *
 * What is uploaded when. The rows of A a product reads are copied and uploaded by every call. B is
 * uploaded fresh by every call too, unless the caller passes `bUnchanged` (MultiplyABt's promise that the
 * buffer under b never changes while the kernel lives: a classifier weight, fixed centroids): then the
 * whole buffer is uploaded once per (buffer, d) and sliced per call, which keeps a C×D weight from being
 * copied once per block of rows. Arrays rewritten in place between calls (the PCA's q and Yᵀ) are never
 * cached; an earlier version cached every operand by ArrayBuffer identity and served the PCA stale
 * matrices (issue #12). Cached uploads are released by `dispose()`.
 *
 * Contract (analysis/types.ts MultiplyABt): out[r·bRows + s] = Σ_j a[(aStart + r)·d + j] · b[s·d + j]
 * for r < aRows, s < bRows. Shapes: A rows [aRows, d] of `a`, B [bRows, d] = the first bRows rows of `b`.
 */
import type { Tensor2D } from '@tensorflow/tfjs';
import type { FloatArray, MultiplyABt } from '../analysis/types';
import type { Tf } from './tf';

/** A MultiplyABt backed by TF.js, with the uploads of unchanging operands it keeps. */
export interface TfMultiplyABt {
  readonly multiply: MultiplyABt;
  /** Frees every kept upload. */
  dispose(): void;
}

/** Rows [first, first + count) of `view` ([*, d] row-major) as a new float32 array (always a copy). */
function rowsCopy(view: FloatArray, first: number, count: number, d: number): Float32Array {
  const rows = view.subarray(first * d, (first + count) * d);
  // slice() on a Float32Array copies; Float32Array.from converts (and copies) a Float64Array.
  return rows instanceof Float32Array ? rows.slice() : Float32Array.from(rows);
}

/** Builds the kernel; call `dispose()` when the report is built. */
export function tfMultiplyABt(tf: Tf): TfMultiplyABt {
  const kept = new Map<ArrayBufferLike, Map<number, Tensor2D>>();

  /** The whole buffer under `view` as a [rows, d] float32 tensor, uploaded once per buffer and d. */
  const keptUpload = (view: FloatArray, d: number): Tensor2D => {
    let byD = kept.get(view.buffer);
    if (!byD) {
      byD = new Map();
      kept.set(view.buffer, byD);
    }
    let u = byD.get(d);
    if (!u) {
      const buffer = view.buffer as ArrayBuffer;
      const whole = view instanceof Float64Array ? new Float64Array(buffer, 0, buffer.byteLength >> 3) : new Float32Array(buffer, 0, buffer.byteLength >> 2);
      const rows = Math.floor(whole.length / d);
      // Kept: the upload outlives the tidy scope of the product that first needs it.
      u = tf.keep(tf.tensor2d(rowsCopy(whole, 0, rows, d), [rows, d], 'float32'));
      byD.set(d, u);
    }
    return u;
  };

  /** B = the first `count` rows of `view`: a slice of the kept upload, or a fresh copy. */
  const bRowsOf = (view: FloatArray, count: number, d: number, unchanged: boolean): Tensor2D => {
    const elementOffset = view.byteOffset / view.BYTES_PER_ELEMENT;
    if (!unchanged || elementOffset % d !== 0) {
      return tf.tensor2d(rowsCopy(view, 0, count, d), [count, d], 'float32');
    }
    return tf.slice(keptUpload(view, d), [elementOffset / d, 0], [count, d]);
  };

  const multiply: MultiplyABt = (a, aStart, aRows, b, bRows, d, out, bUnchanged = false) => {
    const product = tf.tidy(() => tf.matMul(tf.tensor2d(rowsCopy(a, aStart, aRows, d), [aRows, d], 'float32'), bRowsOf(b, bRows, d, bUnchanged), false, true));
    const values = product.dataSync();
    product.dispose();
    for (let i = 0; i < aRows * bRows; i++) out[i] = values[i];
  };

  return {
    multiply,
    dispose: () => {
      for (const byD of kept.values()) for (const t of byD.values()) t.dispose();
      kept.clear();
    },
  };
}
