/**
 * The diagnostics' MultiplyABt (analysis/types.ts) served by the product service (compute/productService.ts):
 * onnxruntime's MLAS Gemm in float32, or its TF.js fallback.
 *
 * Contract: out[r·bRows + s] = Σ_j a[(aStart + r)·d + j] · b[s·d + j] for r < aRows, s < bRows, computed in
 * float32 (inputs rounded to float32, float32 accumulation; error ≤ γ_d Σ_j |a_j b_j| with γ_d ≈ d·2⁻²⁴)
 * and widened into the Float64Array `out`. Shapes: A rows [aRows, d] of `a`, B [bRows, d] = the first bRows
 * rows of `b`. Float32 operands are passed as views (no copy). A float64 operand is rounded into a float32
 * scratch array per call, except a B the caller promises unchanged (`bUnchanged`: a classifier weight, fixed
 * centroids), whose whole buffer is rounded once and then viewed at the block's offset (as tfMultiplyABt
 * does with its uploads). Scratch arrays grow to the largest block and are reused; `dispose()` drops them.
 */
import type { FloatArray, MultiplyABt } from '../analysis/types';
import type { SyncProductService } from './productService';

/** A MultiplyABt over the product service, with its scratch buffers. */
export interface ServiceMultiplyABt {
  readonly multiply: MultiplyABt;
  /** Drops the kept float32 copies of unchanged float64 operands and the scratch buffers. */
  dispose(): void;
}

/** Builds the kernel; call `dispose()` when the report is built (the service itself stays shared). */
export function serviceMultiplyABt(service: SyncProductService): ServiceMultiplyABt {
  let aScratch: Float32Array = new Float32Array(0);
  let bScratch: Float32Array = new Float32Array(0);
  let outScratch: Float32Array = new Float32Array(0);
  const rounded = new Map<ArrayBufferLike, Float32Array>();

  const grow = (buf: Float32Array, n: number): Float32Array => (buf.length >= n ? buf : new Float32Array(n));

  /** The whole float64 buffer under `view`, rounded to float32 once. */
  const roundedWhole = (view: Float64Array): Float32Array => {
    let r = rounded.get(view.buffer);
    if (!r) {
      r = Float32Array.from(new Float64Array(view.buffer, 0, view.buffer.byteLength >> 3));
      rounded.set(view.buffer, r);
    }
    return r;
  };

  const bOperand = (b: FloatArray, bRows: number, d: number, unchanged: boolean): Float32Array => {
    const len = bRows * d;
    if (b instanceof Float32Array) return b.subarray(0, len);
    if (unchanged) {
      const first = b.byteOffset >> 3;
      return roundedWhole(b).subarray(first, first + len);
    }
    bScratch = grow(bScratch, len);
    const out = bScratch.subarray(0, len);
    out.set(b.subarray(0, len)); // native float64 → float32 rounding
    return out;
  };

  const multiply: MultiplyABt = (a, aStart, aRows, b, bRows, d, out, bUnchanged = false) => {
    const aLen = aRows * d;
    let aView: Float32Array;
    if (a instanceof Float32Array) {
      aView = a.subarray(aStart * d, aStart * d + aLen);
    } else {
      aScratch = grow(aScratch, aLen);
      aView = aScratch.subarray(0, aLen);
      aView.set(a.subarray(aStart * d, aStart * d + aLen));
    }
    const bView = bOperand(b, bRows, d, bUnchanged);
    const cells = aRows * bRows;
    outScratch = grow(outScratch, cells);
    const c = service.multiplyABtSync(aView, bView, aRows, d, bRows, outScratch);
    out.set(c);
  };

  return {
    multiply,
    dispose: () => {
      rounded.clear();
      aScratch = bScratch = outScratch = new Float32Array(0);
    },
  };
}
