import { envelopeCandidates } from './lineEnvelope';
import type { FloatArray } from './types';

/** log π used for classes with n_y = 0 (π_y = 0): log(1e-12), as the clamp of methods §11.5. */
export const zeroPriorLog = Math.log(1e-12);

/**
 * Log priors log π_y = log(n_y / Σ n). A class with n_y = 0 has log π = −∞, which would make f − τ log π
 * infinite; it is clamped to log(1e-12) ≈ −27.63 instead (methods §11.5, "clamp log π at log(1e-12)",
 * mirroring the Google reference code). Such a class therefore gets a large boost for τ > 0: the sweep
 * shows what plain logit adjustment would do with that prior. Shapes: trainCounts [C] → [C].
 * Citation: Menon et al. 2021 §4 (π = empirical training frequencies); methods §2.1, §11.5.
 */
export function logPriors(trainCounts: ArrayLike<number>): Float64Array {
  let total = 0;
  for (let y = 0; y < trainCounts.length; y++) {
    total += trainCounts[y];
  }
  const out = new Float64Array(trainCounts.length);
  for (let y = 0; y < trainCounts.length; y++) {
    out[y] = trainCounts[y] > 0 ? Math.log(trainCounts[y] / total) : zeroPriorLog;
  }
  return out;
}

/** Below this many classes the sweep scans every class for every τ (the pruning does not pay off). */
const pruneFromClasses = 32;

/**
 * Post-hoc logit adjustment sweep: for every τ_k and example i, ŷ_ik = argmax_y f_y(x_i) − τ_k log π_y
 * (first index on ties), counted per true class. One pass over the logits: each row is read while it is in
 * cache and scored for all τ; adjusted logits are never materialised (the adjustment is a precomputed
 * [T, C] table −τ_k log π_y). τ = 0 reproduces the raw arg-max.
 *
 * Exact pruning for C ≥ 32 (results identical to the full scan): each score g_y(τ) = f_y + τ·a_y,
 * a_y = −log π_y, is a line in τ, so only the candidates of {@link envelopeCandidates} (an exact superset
 * of the per-τ winners, in index order) are scored for every τ.
 * With `groupOf` (example i in group groupOf[i] < groups, e.g. 0 = validation, 1 = test) the counts are kept
 * per group. Shapes: logits [N, C], labels [N], logPrior [C], taus [T], groupOf [N] → correct [G, T, C]
 * (correct[(g·T + k)·C + y]; G = 1 without groups).
 * Citation: Menon et al. 2021, "Long-tail learning via logit adjustment", eq. 9; docs/methods.md
 * (post-hoc logit adjustment).
 */
export function logitAdjustmentCorrect(
  logits: FloatArray,
  labels: Int32Array,
  c: number,
  logPrior: Float64Array,
  taus: readonly number[],
  grouping: { readonly groupOf?: Uint8Array | null; readonly groups?: number } = {},
): Int32Array {
  const n = labels.length;
  const t = taus.length;
  const groupOf = grouping.groupOf ?? null;
  const groups = grouping.groups ?? 1;
  const adjust = new Float64Array(t * c);
  for (let k = 0; k < t; k++) {
    for (let y = 0; y < c; y++) {
      adjust[k * c + y] = -(taus[k] * logPrior[y]);
    }
  }
  const correct = new Int32Array(groups * t * c);
  if (c < pruneFromClasses || t < 3) {
    for (let i = 0; i < n; i++) {
      const off = i * c;
      const label = labels[i];
      const gOff = groupOf ? groupOf[i] * t * c : 0;
      for (let k = 0; k < t; k++) {
        const base = k * c;
        let best = logits[off] + adjust[base];
        let arg = 0;
        for (let y = 1; y < c; y++) {
          const v = logits[off + y] + adjust[base + y];
          if (v > best) {
            best = v;
            arg = y;
          }
        }
        if (arg === label) {
          correct[gOff + base + label]++;
        }
      }
    }
    return correct;
  }
  const slope = new Float64Array(c);
  let maxSlope = 0;
  for (let y = 0; y < c; y++) {
    slope[y] = -logPrior[y];
    maxSlope = Math.max(maxSlope, Math.abs(slope[y]));
  }
  const tLo = Math.min(...taus);
  const tHi = Math.max(...taus);
  const cand = new Int32Array(c);
  for (let i = 0; i < n; i++) {
    const off = i * c;
    const count = envelopeCandidates(logits, off, slope, maxSlope, c, tLo, tHi, cand);
    const label = labels[i];
    const gOff = groupOf ? groupOf[i] * t * c : 0;
    for (let k = 0; k < t; k++) {
      const base = k * c;
      let y0 = cand[0];
      let best = logits[off + y0] + adjust[base + y0];
      for (let q = 1; q < count; q++) {
        const y = cand[q];
        const v = logits[off + y] + adjust[base + y];
        if (v > best) {
          best = v;
          y0 = y;
        }
      }
      if (y0 === label) {
        correct[gOff + base + label]++;
      }
    }
  }
  return correct;
}
