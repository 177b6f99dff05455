import type { ClassTightness } from '../../protocol/report';
import { multiplyABt } from './matmul';
import type { FloatArray, MultiplyABt } from './types';

/**
 * Nearest other row of a set of points (Euclidean). Squared distances come from the Gram matrix
 * ‖a‖² + ‖b‖² − 2a·b (blocked, upper triangle only, so ≈ K²·D/2 multiply-adds); the winner's distance is
 * then recomputed directly as ‖a − b‖ to avoid cancellation. Shapes: points [K, D] → index [K] (−1 when
 * K = 1), distance [K] (NaN when K = 1); `multiply` computes the Gram blocks. Citation: methods §1.4.
 */
export function nearestOtherRow(
  points: Float64Array,
  k: number,
  d: number,
  multiply: MultiplyABt = multiplyABt,
  // The JS kernel is cache-blocked at 64 rows; an accelerated kernel (TF.js) pays a per-call upload and
  // transpose of B, so it gets fewer, larger blocks.
  blockRows: number = multiply === multiplyABt ? 64 : 1024,
): { index: Int32Array; distance: Float64Array } {
  const sq = new Float64Array(k);
  for (let a = 0; a < k; a++) {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const v = points[a * d + j];
      s += v * v;
    }
    sq[a] = s;
  }
  const bestD2 = new Float64Array(k).fill(Infinity);
  const index = new Int32Array(k).fill(-1);
  const block = new Float64Array(Math.min(blockRows, k) * k);
  for (let a0 = 0; a0 < k; a0 += blockRows) {
    const rows = Math.min(blockRows, k - a0);
    const others = k - a0;
    // The centroids are fixed for the whole search: a backend kernel may keep them uploaded.
    multiply(points, a0, rows, points.subarray(a0 * d), others, d, block, true);
    for (let r = 0; r < rows; r++) {
      const a = a0 + r;
      const off = r * others;
      // Columns s ↔ point a0 + s; only pairs b > a are new (pairs within the block above the diagonal).
      for (let s = r + 1; s < others; s++) {
        const b = a0 + s;
        const d2 = sq[a] + sq[b] - 2 * block[off + s];
        if (d2 < bestD2[a] || (d2 === bestD2[a] && b < index[a])) {
          bestD2[a] = d2;
          index[a] = b;
        }
        if (d2 < bestD2[b] || (d2 === bestD2[b] && a < index[b])) {
          bestD2[b] = d2;
          index[b] = a;
        }
      }
    }
  }
  const distance = new Float64Array(k).fill(NaN);
  for (let a = 0; a < k; a++) {
    const b = index[a];
    if (b >= 0) {
      let s = 0;
      for (let j = 0; j < d; j++) {
        const v = points[a * d + j] - points[b * d + j];
        s += v * v;
      }
      distance[a] = Math.sqrt(s);
    }
  }
  return { index, distance };
}

/**
 * Embedding tightness per class on unit-normalised eval embeddings z_i = φ_i/‖φ_i‖ (an all-zero φ_i is kept
 * as the zero vector). For class y with eval examples I_y: centroid m_y = mean_{I_y} z_i;
 * resultantLength R̄_y = ‖m_y‖; variance = mean ‖z_i − m_y‖² (= 1 − R̄_y² for unit vectors);
 * meanDistanceToCentroid = mean ‖z_i − m_y‖; nearestCentroidDistance = min_{y'≠y present} ‖m_y − m_y'‖
 * (null with one class present); ratio = meanDistanceToCentroid / nearestCentroidDistance (null when the
 * distance is null or 0); meanFeatureNorm = mean ‖φ_i‖ (raw). Classes absent from eval get null.
 * Two passes over the embeddings plus the centroid nearest-neighbour search (K²·D/2, K = classes present).
 * Shapes: embeddings [N, D], labels [N] → [C]. Citation: methods §1.4; §13.8 test vector.
 */
export function classTightness(embeddings: FloatArray, labels: Int32Array, c: number, d: number, multiply: MultiplyABt = multiplyABt): (ClassTightness | null)[] {
  const n = labels.length;
  const count = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    count[labels[i]]++;
  }
  const compact = new Int32Array(c).fill(-1);
  const present: number[] = [];
  for (let y = 0; y < c; y++) {
    if (count[y] > 0) {
      compact[y] = present.length;
      present.push(y);
    }
  }
  const k = present.length;
  const centroids = new Float64Array(k * d);
  const featureNorm = new Float64Array(c);
  const invNorm = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const off = i * d;
    let s = 0;
    for (let j = 0; j < d; j++) {
      const v = embeddings[off + j];
      s += v * v;
    }
    const norm = Math.sqrt(s);
    const y = labels[i];
    featureNorm[y] += norm;
    const inv = norm > 0 ? 1 / norm : 0;
    invNorm[i] = inv;
    const m = compact[y] * d;
    for (let j = 0; j < d; j++) {
      centroids[m + j] += embeddings[off + j] * inv;
    }
  }
  for (let p = 0; p < k; p++) {
    const inv = 1 / count[present[p]];
    for (let j = 0; j < d; j++) {
      centroids[p * d + j] *= inv;
    }
  }
  const distSum = new Float64Array(c);
  const sqSum = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    const off = i * d;
    const y = labels[i];
    const m = compact[y] * d;
    const inv = invNorm[i];
    let s = 0;
    for (let j = 0; j < d; j++) {
      const v = embeddings[off + j] * inv - centroids[m + j];
      s += v * v;
    }
    sqSum[y] += s;
    distSum[y] += Math.sqrt(s);
  }
  const nearest = k > 1 ? nearestOtherRow(centroids, k, d, multiply).distance : null;
  const out: (ClassTightness | null)[] = new Array<ClassTightness | null>(c).fill(null);
  for (let p = 0; p < k; p++) {
    const y = present[p];
    let r2 = 0;
    for (let j = 0; j < d; j++) {
      const v = centroids[p * d + j];
      r2 += v * v;
    }
    const meanDistance = distSum[y] / count[y];
    const near = nearest ? nearest[p] : null;
    out[y] = {
      resultantLength: Math.sqrt(r2),
      variance: sqSum[y] / count[y],
      meanDistanceToCentroid: meanDistance,
      nearestCentroidDistance: near,
      ratio: near !== null && near > 0 ? meanDistance / near : null,
      meanFeatureNorm: featureNorm[y] / count[y],
    };
  }
  return out;
}
