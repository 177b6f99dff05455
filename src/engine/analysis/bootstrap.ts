import type { Bucket, BootstrapIntervals, Interval } from '../../protocol/report';
import { bucketIndex } from './buckets';
import { mulberry32 } from '../data/seededRandom';

/** Default number of bootstrap resamples. */
export const defaultBootstrapReplicates = 1000;
/** At most this many index draws in all (replicates × N): larger eval sets get fewer resamples, never < 100. */
const drawBudget = 1e8;

/**
 * Number of resamples for N eval examples: min(requested, max(100, ⌊1e8 / N⌋)), so the bootstrap stays within
 * about a second on large eval sets. Shapes: scalars.
 */
export function bootstrapReplicates(n: number, requested: number = defaultBootstrapReplicates): number {
  return Math.max(1, Math.min(requested, Math.max(100, Math.floor(drawBudget / Math.max(1, n)))));
}

/**
 * The q-quantile of sorted values with linear interpolation between order statistics (numpy.percentile's
 * default): position q·(B − 1), value v[⌊pos⌋] + (pos − ⌊pos⌋)·(v[⌊pos⌋ + 1] − v[⌊pos⌋]). Shapes: sorted [B].
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

/** The central `level` percentile interval of the finite values (null when there are none). */
function percentileInterval(values: Float64Array, level: number): Interval | null {
  const finite = values.filter((v) => Number.isFinite(v)).sort();
  if (finite.length === 0) return null;
  return { lo: quantileSorted(finite, (1 - level) / 2), hi: quantileSorted(finite, (1 + level) / 2) };
}

/**
 * Seeded percentile-bootstrap 95% intervals over eval examples. Resample r draws N indices
 * i = ⌊u·N⌋, u the successive outputs of mulberry32(seed) (replicate after replicate, one stream), and
 * recomputes on the resample, with m*_y its examples of class y and k*_y those predicted correctly:
 * balanced error BER* = 1 − mean_{y: m*_y > 0} k*_y/m*_y (classes absent from the resample are left out, as
 * absent classes are for the point estimate), bucket accuracy = mean of k*_y/m*_y over the bucket's classes
 * in the resample (a resample without any is skipped for that bucket), and the post-hoc logit-adjustment
 * gain BER*(raw) − BER*(adjusted) with both predictions scored on the same resample. The interval is the
 * 2.5th–97.5th percentile of the replicates (linear interpolation, as numpy.percentile).
 * Shapes: labels [N] in [0, C), rawCorrect [N] and adjustedCorrect [N] (1 when the prediction is right),
 * buckets [C] → intervals. Citation: Efron & Tibshirani 1993, An Introduction to the Bootstrap, ch. 13
 * (percentile intervals); docs/methods.md §9 (balanced error, buckets), §2.1 (post-hoc logit adjustment).
 */
export function bootstrapIntervals(
  labels: Int32Array,
  c: number,
  rawCorrect: Uint8Array,
  adjustedCorrect: Uint8Array,
  adjustedTau: number,
  buckets: readonly Bucket[],
  replicates: number,
  seed: number,
): BootstrapIntervals {
  const n = labels.length;
  const level = 0.95;
  const rand = mulberry32(seed);
  const m = new Int32Array(c);
  const k = new Int32Array(c);
  const ka = new Int32Array(c);
  const bucketOf = Int32Array.from(buckets, (b) => bucketIndex[b]);
  const ber = new Float64Array(replicates);
  const gain = new Float64Array(replicates);
  const bucketAcc = [new Float64Array(replicates), new Float64Array(replicates), new Float64Array(replicates)];
  for (let r = 0; r < replicates; r++) {
    m.fill(0);
    k.fill(0);
    ka.fill(0);
    for (let j = 0; j < n; j++) {
      const i = Math.floor(rand() * n);
      const y = labels[i];
      m[y]++;
      k[y] += rawCorrect[i];
      ka[y] += adjustedCorrect[i];
    }
    let sum = 0;
    let sumA = 0;
    let present = 0;
    const bSum = [0, 0, 0];
    const bCount = [0, 0, 0];
    for (let y = 0; y < c; y++) {
      if (m[y] > 0) {
        const acc = k[y] / m[y];
        sum += acc;
        sumA += ka[y] / m[y];
        present++;
        bSum[bucketOf[y]] += acc;
        bCount[bucketOf[y]]++;
      }
    }
    ber[r] = 1 - sum / present;
    gain[r] = sumA / present - sum / present;
    for (let b = 0; b < 3; b++) bucketAcc[b][r] = bCount[b] > 0 ? bSum[b] / bCount[b] : NaN;
  }
  const whole = (v: Interval | null): Interval => v ?? { lo: NaN, hi: NaN };
  return {
    method: 'percentile',
    level,
    replicates,
    seed,
    balancedError: whole(percentileInterval(ber, level)),
    buckets: { many: percentileInterval(bucketAcc[0], level), medium: percentileInterval(bucketAcc[1], level), few: percentileInterval(bucketAcc[2], level) },
    logitAdjustmentGain: { tau: adjustedTau, interval: whole(percentileInterval(gain, level)) },
  };
}
