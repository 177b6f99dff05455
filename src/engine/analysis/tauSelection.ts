import type { Bucket, HeldOutChoice, PostHocSweep } from '../../protocol/report';
import { balancedError } from './balancedError';
import { bucketAccuracies } from './buckets';
import type { HeldOutSplit } from './heldOutSplit';
import { testGroup, validationGroup } from './heldOutSplit';
import { bestTauIndex, maxSweepTau, summariseSweep, sweepExtension, tauGrid, tauRange } from './postHocSweep';

/**
 * Counts correct predictions of a post-hoc method on a τ grid: taus [T] → correct [G, T, C]
 * (correct[(g·T + k)·C + y]), G = 2 (validation, test) with a split, else 1.
 */
export type SweepCounter = (taus: readonly number[]) => Int32Array;

/** A sweep over the whole eval set and, with a split, the τ chosen on its validation part. */
export interface SweepOutcome {
  readonly sweep: PostHocSweep;
  readonly choice: HeldOutChoice | null;
}

/** Rows of group g of a [G, T, C] chunk appended to `into` ([T', C] → [T' + T, C]). */
function appendGroup(into: Int32Array, chunk: Int32Array, g: number, t: number, c: number): Int32Array {
  const out = new Int32Array(into.length + t * c);
  out.set(into);
  out.set(chunk.subarray(g * t * c, (g + 1) * t * c), into.length);
  return out;
}

/**
 * Runs a post-hoc sweep on τ = 0, 0.1, …, 2 and extends the grid by `sweepExtension` (step 0.1) while the
 * best τ, on the whole eval set or on the validation part, is the grid's largest τ, up to τ = maxSweepTau;
 * a best τ still on the edge is flagged (`bestAtGridEdge`, `atGridEdge`). With a split, τ is also chosen on
 * the validation part (smallest validation balanced error, ties as {@link bestTauIndex}) and reported on
 * the test part, next to the oracle best τ of the test part. Whole-set counts are the sum of the parts.
 * Shapes: evalCount [C], buckets [C]; `count` as {@link SweepCounter}.
 * Citation: Menon et al. 2021 §4 (τ tuned on a hold-out; best-τ-on-test as an oracle); Kang et al. 2020
 * (τ chosen on a validation split); docs/methods.md §2.1, §3.1, §9.
 */
export function runSweep(count: SweepCounter, evalCount: Int32Array, buckets: readonly Bucket[], split: HeldOutSplit | null): SweepOutcome {
  const c = evalCount.length;
  const groups = split ? 2 : 1;
  let taus: number[] = [];
  let parts: Int32Array[] = Array.from({ length: groups }, () => new Int32Array(0));
  let next = tauGrid();
  for (;;) {
    const chunk = count(next);
    parts = parts.map((p, g) => appendGroup(p, chunk, g, next.length, c));
    taus = [...taus, ...next];
    const total = sumParts(parts);
    const last = taus.length - 1;
    const onEdge = (counts: Int32Array, m: Int32Array): boolean =>
      bestTauIndex(
        taus,
        taus.map((_, k) => balancedError(counts, m, k * c)),
      ) === last;
    const top = taus[last];
    if (top >= maxSweepTau - 1e-9 || !(onEdge(total, evalCount) || (split !== null && onEdge(parts[validationGroup], split.valCount)))) {
      break;
    }
    next = tauRange(top + 0.1, Math.min(maxSweepTau, top + sweepExtension));
  }
  const sweep = summariseSweep(taus, sumParts(parts), evalCount, buckets);
  if (!split) {
    return { sweep, choice: null };
  }
  const val = parts[validationGroup];
  const test = parts[testGroup];
  const valErrors = taus.map((_, k) => balancedError(val, split.valCount, k * c));
  const testErrors = taus.map((_, k) => balancedError(test, split.testCount, k * c));
  const chosen = bestTauIndex(taus, valErrors);
  const oracle = bestTauIndex(taus, testErrors);
  return {
    sweep,
    choice: {
      tau: taus[chosen],
      valBalancedError: valErrors[chosen],
      testBalancedError: testErrors[chosen],
      testBuckets: bucketAccuracies(test, split.testCount, buckets, chosen * c),
      oracleTau: taus[oracle],
      oracleTestBalancedError: testErrors[oracle],
      atGridEdge: chosen === taus.length - 1,
    },
  };
}

/** Element-wise sum of equally long count arrays. */
function sumParts(parts: readonly Int32Array[]): Int32Array {
  if (parts.length === 1) return parts[0];
  const out = new Int32Array(parts[0].length);
  for (const p of parts) for (let i = 0; i < out.length; i++) out[i] += p[i];
  return out;
}
