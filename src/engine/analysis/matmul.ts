import type { FloatArray } from './types';

/**
 * out[r·bRows + s] = Σ_k A[aStart + r, k] · B[s, k] (A · Bᵀ), accumulated in float64, register-blocked
 * 2 rows of A × 4 rows of B (8 independent accumulators) so that each loaded value is reused.
 * Shapes: a [*, d] row-major (rows aStart … aStart+aRows−1 are used), b [bRows, d] row-major,
 * out [aRows, bRows] (Float64Array, overwritten). Citation: methods §3.1 (logits = feature·Wᵀ).
 */
export function multiplyABt(a: FloatArray, aStart: number, aRows: number, b: FloatArray, bRows: number, d: number, out: Float64Array): void {
  let r = 0;
  for (; r + 1 < aRows; r += 2) {
    const a0 = (aStart + r) * d;
    const a1 = a0 + d;
    const o0 = r * bRows;
    const o1 = o0 + bRows;
    let s = 0;
    for (; s + 3 < bRows; s += 4) {
      const b0 = s * d;
      const b1 = b0 + d;
      const b2 = b1 + d;
      const b3 = b2 + d;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      for (let k = 0; k < d; k++) {
        const x0 = a[a0 + k];
        const x1 = a[a1 + k];
        const w0 = b[b0 + k];
        const w1 = b[b1 + k];
        const w2 = b[b2 + k];
        const w3 = b[b3 + k];
        c00 += x0 * w0;
        c01 += x0 * w1;
        c02 += x0 * w2;
        c03 += x0 * w3;
        c10 += x1 * w0;
        c11 += x1 * w1;
        c12 += x1 * w2;
        c13 += x1 * w3;
      }
      out[o0 + s] = c00;
      out[o0 + s + 1] = c01;
      out[o0 + s + 2] = c02;
      out[o0 + s + 3] = c03;
      out[o1 + s] = c10;
      out[o1 + s + 1] = c11;
      out[o1 + s + 2] = c12;
      out[o1 + s + 3] = c13;
    }
    for (; s < bRows; s++) {
      const b0 = s * d;
      let c0 = 0;
      let c1 = 0;
      for (let k = 0; k < d; k++) {
        const w = b[b0 + k];
        c0 += a[a0 + k] * w;
        c1 += a[a1 + k] * w;
      }
      out[o0 + s] = c0;
      out[o1 + s] = c1;
    }
  }
  for (; r < aRows; r++) {
    const a0 = (aStart + r) * d;
    const o0 = r * bRows;
    for (let s = 0; s < bRows; s++) {
      const b0 = s * d;
      let c0 = 0;
      for (let k = 0; k < d; k++) {
        c0 += a[a0 + k] * b[b0 + k];
      }
      out[o0 + s] = c0;
    }
  }
}
