import type { WeightNormStats } from '../../protocol/report';
import { olsFit, pearson, spearman } from './statistics';
import type { FloatArray } from './types';

/**
 * Per-class weight norms ν_y = ‖w_y‖₂ = √(Σ_d W[y, d]²), accumulated in float64.
 * Shapes: weight [C, D] row-major (PyTorch nn.Linear layout; transpose a Keras/TF.js kernel [D, C] first
 * with transposeKernel) → [C]. Citation: methods §3.1, §9; LA paper eq. 3 (ν_y = ‖w_y‖₂).
 */
export function classWeightNorms(weight: FloatArray, c: number, d: number): Float64Array {
  const norms = new Float64Array(c);
  for (let y = 0; y < c; y++) {
    const off = y * d;
    let s = 0;
    for (let k = 0; k < d; k++) {
      const w = weight[off + k];
      s += w * w;
    }
    norms[y] = Math.sqrt(s);
  }
  return norms;
}

/**
 * Weight norm vs class frequency: Pearson and Spearman (average ranks) of ‖w_y‖ with log n_y, OLS
 * ‖w_y‖ ≈ slope·log n_y + intercept, and Pearson of the bias b_y with log π_y (= log n_y − log Σn; the
 * shift does not change a correlation).
 *
 * log 0 is undefined: classes with n_y = 0 are excluded from every statistic here. Any statistic that is
 * undefined on the remaining classes (fewer than 2, or a constant input such as equal counts or equal
 * norms) is null. Shapes: norms [C], trainCounts [C], bias [C] or null.
 * Citation: methods §9 (LA Fig. 1: SGD norms track n_y, Adam flat/anti-correlated); §13.6
 * (Pearson 0.9830599795, Spearman 1.0, slope 0.25100652, intercept 0.57754915).
 */
export function weightNormStats(norms: Float64Array, trainCounts: ArrayLike<number>, bias: FloatArray | null): WeightNormStats {
  const kept: number[] = [];
  for (let y = 0; y < norms.length; y++) {
    if (trainCounts[y] > 0) {
      kept.push(y);
    }
  }
  const x = new Float64Array(kept.length);
  const v = new Float64Array(kept.length);
  let total = 0;
  for (let y = 0; y < trainCounts.length; y++) {
    total += trainCounts[y];
  }
  const logTotal = Math.log(total);
  kept.forEach((y, i) => {
    x[i] = Math.log(trainCounts[y]);
    v[i] = norms[y];
  });
  const fit = olsFit(x, v);
  let biasPearson: number | null = null;
  if (bias) {
    const b = new Float64Array(kept.length);
    const logPrior = new Float64Array(kept.length);
    kept.forEach((y, i) => {
      b[i] = bias[y];
      logPrior[i] = x[i] - logTotal;
    });
    biasPearson = pearson(b, logPrior);
  }
  return {
    pearsonLogCount: pearson(v, x),
    spearmanLogCount: spearman(v, x),
    slope: fit ? fit.slope : null,
    intercept: fit ? fit.intercept : null,
    biasPearsonLogPrior: biasPearson,
  };
}
