import type { ProjectionReport } from '../../protocol/report';
import { multiplyABt } from './matmul';
import { sampleIndices, mulberry32 } from '../data/seededRandom';
import { symmetricEigen } from './symmetricEigen';
import type { FloatArray, MultiplyABt } from './types';

/** Default largest number of points in the projection. */
export const defaultProjectionMaxPoints = 5000;
/** Largest number of subspace iterations of the PCA. */
const maxIterations = 30;

/** Default seed of the projection sample. */
export const defaultProjectionSeed = 20240601;

/**
 * Orthonormalises the rows of q [k, d] in place (modified Gram–Schmidt with re-orthogonalisation, k ≤ d).
 * A row that vanishes (rank-deficient data) is replaced by the first unit axis independent of the rows
 * before it, so the result is always an orthonormal set.
 */
function orthonormaliseRows(q: Float64Array, k: number, d: number): void {
  let axis = 0;
  for (let a = 0; a < k; a++) {
    const ao = a * d;
    for (let attempt = 0; attempt <= d; attempt++) {
      let before = 0;
      for (let j = 0; j < d; j++) {
        before += q[ao + j] * q[ao + j];
      }
      for (let pass = 0; pass < 2; pass++) {
        for (let b = 0; b < a; b++) {
          const bo = b * d;
          let dot = 0;
          for (let j = 0; j < d; j++) {
            dot += q[ao + j] * q[bo + j];
          }
          for (let j = 0; j < d; j++) {
            q[ao + j] -= dot * q[bo + j];
          }
        }
      }
      let s = 0;
      for (let j = 0; j < d; j++) {
        s += q[ao + j] * q[ao + j];
      }
      if (s > 1e-20 * before && s > 1e-300) {
        const inv = 1 / Math.sqrt(s);
        for (let j = 0; j < d; j++) {
          q[ao + j] *= inv;
        }
        break;
      }
      q.fill(0, ao, ao + d);
      q[ao + (axis++ % d)] = 1;
    }
  }
}

/**
 * Top principal directions of centred data by block subspace iteration with Rayleigh–Ritz
 * (Q ← orth(XᵀX Q), block of min(D, m, 8) vectors, until the top-2 Ritz values change by < 1e-12
 * relative or 30 iterations): never forms the D×D covariance, each iteration costs 2·m·D·block
 * multiply-adds. Shapes: x [m, d] centred row-major → vectors [2, d] (unit rows; zero rows when the
 * data has rank < 2). Citation: Halko, Martinsson & Tropp 2011, Alg. 4.4 (subspace iteration).
 */
export function principalDirections(x: Float64Array, m: number, d: number, seed: number, multiply: MultiplyABt = multiplyABt): Float64Array {
  const kb = Math.min(d, m, 8);
  const rand = mulberry32(seed ^ 0x9e3779b9);
  const q = new Float64Array(kb * d);
  for (let j = 0; j < q.length; j++) {
    q[j] = rand() - 0.5;
  }
  orthonormaliseRows(q, kb, d);
  // Xᵀ [d, m], so that both products below run in the blocked A·Bᵀ kernel.
  const xt = new Float64Array(d * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < d; j++) {
      xt[j * m + i] = x[i * d + j];
    }
  }
  const y = new Float64Array(m * kb);
  const yt = new Float64Array(kb * m);
  const s = new Float64Array(kb * kb);
  let previous = [Infinity, Infinity];
  let eig = symmetricEigen(s, kb);
  for (let iter = 0; iter < maxIterations; iter++) {
    multiply(x, 0, m, q, kb, d, y);
    for (let i = 0; i < m; i++) {
      for (let a = 0; a < kb; a++) {
        yt[a * m + i] = y[i * kb + a];
      }
    }
    // S = Yᵀ Y = Qᵀ XᵀX Q (Rayleigh–Ritz).
    multiplyABt(yt, 0, kb, yt, kb, m, s);
    eig = symmetricEigen(s, kb);
    const top = [eig.values[0], kb > 1 ? eig.values[1] : 0];
    const converged = top.every((v, t) => Math.abs(v - previous[t]) <= 1e-12 * Math.max(Math.abs(top[0]), 1e-300));
    previous = top;
    if (converged || iter === maxIterations - 1) {
      break;
    }
    // Q ← orth(Yᵀ X) = orth((XᵀX Q)ᵀ).
    multiply(yt, 0, kb, xt, d, m, q);
    orthonormaliseRows(q, kb, d);
  }
  // Ritz vectors v_t = Σ_a V[a, t] q_a for t = 0, 1.
  const out = new Float64Array(2 * d);
  for (let t = 0; t < Math.min(2, kb); t++) {
    if (!(eig.values[t] > 0)) {
      continue;
    }
    for (let a = 0; a < kb; a++) {
      const w = eig.vectors[a * kb + t];
      for (let j = 0; j < d; j++) {
        out[t * d + j] += w * q[a * d + j];
      }
    }
    // Deterministic sign: the largest-magnitude coordinate (first on ties) is positive.
    let arg = 0;
    for (let j = 1; j < d; j++) {
      if (Math.abs(out[t * d + j]) > Math.abs(out[t * d + arg])) {
        arg = j;
      }
    }
    if (out[t * d + arg] < 0) {
      for (let j = 0; j < d; j++) {
        out[t * d + j] = -out[t * d + j];
      }
    }
  }
  return out;
}

/**
 * 2-D PCA projection of a bounded, seeded sample of the eval embeddings: sample S of min(N, maxPoints)
 * rows (uniform without replacement, sorted), centre by the sample mean μ, find the top two principal
 * directions v₁, v₂ ({@link principalDirections}); point_i = [(φ_i − μ)·v₁, (φ_i − μ)·v₂, y_i];
 * explainedVariance_t = Σ_i ((φ_i − μ)·v_t)² / Σ_i ‖φ_i − μ‖² (0 when the sample has no variance).
 * Shapes: embeddings [N, D], labels [N] → points [min(N, maxPoints)] triples.
 * Citation: methods §1.4 (embedding geometry); report.ts ProjectionReport.
 */
export function pcaProjection(
  embeddings: FloatArray,
  labels: Int32Array,
  d: number,
  maxPoints: number = defaultProjectionMaxPoints,
  seed: number = defaultProjectionSeed,
  multiply: MultiplyABt = multiplyABt,
): ProjectionReport {
  const n = labels.length;
  const rows = sampleIndices(n, Math.max(1, Math.floor(maxPoints)), seed);
  const m = rows.length;
  const x = new Float64Array(m * d);
  const mean = new Float64Array(d);
  for (let r = 0; r < m; r++) {
    const src = rows[r] * d;
    const dst = r * d;
    for (let j = 0; j < d; j++) {
      const v = embeddings[src + j];
      x[dst + j] = v;
      mean[j] += v;
    }
  }
  for (let j = 0; j < d; j++) {
    mean[j] /= m;
  }
  let total = 0;
  for (let r = 0; r < m; r++) {
    const o = r * d;
    for (let j = 0; j < d; j++) {
      const v = x[o + j] - mean[j];
      x[o + j] = v;
      total += v * v;
    }
  }
  const points: [number, number, number][] = new Array<[number, number, number]>(m);
  if (!(total > 0)) {
    for (let r = 0; r < m; r++) {
      points[r] = [0, 0, labels[rows[r]]];
    }
    return { method: 'pca', points, indices: Array.from(rows), explainedVariance: [0, 0], total: n, sampled: m };
  }
  const v = principalDirections(x, m, d, seed, multiply);
  const proj = new Float64Array(m * 2);
  multiplyABt(x, 0, m, v, 2, d, proj);
  let s0 = 0;
  let s1 = 0;
  for (let r = 0; r < m; r++) {
    const a = proj[2 * r];
    const b = proj[2 * r + 1];
    s0 += a * a;
    s1 += b * b;
    points[r] = [a, b, labels[rows[r]]];
  }
  const fraction = (v: number): number => Math.min(1, Math.max(0, v / total));
  return { method: 'pca', points, indices: Array.from(rows), explainedVariance: [fraction(s0), fraction(s1)], total: n, sampled: m };
}
