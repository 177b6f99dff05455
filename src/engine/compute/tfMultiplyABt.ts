/**
 * A·Bᵀ on the active TF.js backend (XNNPACK on WASM, libtensorflow when native), for the diagnostics'
 * large products: nearest-centroid search (K² · D) and τ-normalisation scores (N · C · D). The JS kernel
 * in analysis/matmul.ts accumulates in float64 at ~4.5 GFLOP/s; this one computes in float32 at the
 * backend's speed. Source arrays are uploaded once per underlying buffer (callers pass row ranges of the
 * same arrays block after block) and released by `dispose()`.
 *
 * Contract (analysis/types.ts MultiplyABt): out[r·bRows + s] = Σ_j a[(aStart + r)·d + j] · b[s·d + j]
 * for r < aRows, s < bRows. Shapes: A rows [aRows, d] of `a`, B [bRows, d] = the first bRows rows of `b`.
 */
import type { Tensor2D } from '@tensorflow/tfjs';
import type { FloatArray, MultiplyABt } from '../analysis/types';
import type { Tf } from './tf';

/** A MultiplyABt backed by TF.js, with the uploaded matrices it keeps. */
export interface TfMultiplyABt {
  readonly multiply: MultiplyABt;
  /** Frees every uploaded matrix. */
  dispose(): void;
}


/** Builds the kernel; call `dispose()` when the report is built. */
export function tfMultiplyABt(tf: Tf): TfMultiplyABt {
  const uploads = new Map<ArrayBufferLike, Map<number, Tensor2D>>();

  /** The whole underlying buffer as a [rows, d] float32 tensor (uploaded once per buffer and d). */
  const upload = (view: FloatArray, d: number): Tensor2D => {
    let byD = uploads.get(view.buffer);
    if (!byD) {
      byD = new Map();
      uploads.set(view.buffer, byD);
    }
    let u = byD.get(d);
    if (!u) {
      const buffer = view.buffer as ArrayBuffer;
      const whole = view instanceof Float64Array ? new Float64Array(buffer, 0, buffer.byteLength >> 3) : new Float32Array(buffer, 0, buffer.byteLength >> 2);
      const rows = Math.floor(whole.length / d);
      const values = whole instanceof Float32Array ? whole.subarray(0, rows * d) : Float32Array.from(whole.subarray(0, rows * d));
      // Kept: uploads outlive the tidy scope of the product that first needs them.
      u = tf.keep(tf.tensor2d(values, [rows, d], 'float32'));
      byD.set(d, u);
    }
    return u;
  };

  /** Rows [first, first + count) of `view` (whose own row 0 may sit inside the buffer) as a tensor slice. */
  const rowsOf = (view: FloatArray, first: number, count: number, d: number): Tensor2D => {
    const u = upload(view, d);
    const elementOffset = view.byteOffset / view.BYTES_PER_ELEMENT;
    if (elementOffset % d !== 0) {
      // Not row-aligned in its buffer: upload just these rows.
      return tf.tensor2d(Float32Array.from(view.subarray(first * d, (first + count) * d)), [count, d]);
    }
    return tf.slice(u, [elementOffset / d + first, 0], [count, d]);
  };

  const multiply: MultiplyABt = (a, aStart, aRows, b, bRows, d, out) => {
    const product = tf.tidy(() => tf.matMul(rowsOf(a, aStart, aRows, d), rowsOf(b, 0, bRows, d), false, true));
    const values = product.dataSync();
    product.dispose();
    for (let i = 0; i < aRows * bRows; i++) out[i] = values[i];
  };

  return {
    multiply,
    dispose: () => {
      for (const byD of uploads.values()) for (const t of byD.values()) t.dispose();
      uploads.clear();
    },
  };
}
