import type { Bucket, PostHocSweep } from '../../protocol/report';
import { balancedError } from './balancedError';
import { bucketAccuracies } from './buckets';

/**
 * The τ values k/10 for k = round(10·from) … round(10·to), as exact shortest decimals (k/10, not k·0.1,
 * which gives 0.30000000000000004). Shapes: → [round(10·to) − round(10·from) + 1].
 * Citation: docs/methods.md §9 (post-hoc τ sweep); Kang et al.'s `tau_norm.py` (linspace(0, 2, 21)).
 */
export function tauRange(from: number, to: number): number[] {
  const k0 = Math.round(from * 10);
  const k1 = Math.round(to * 10);
  return Array.from({ length: Math.max(0, k1 - k0 + 1) }, (_, k) => (k0 + k) / 10);
}

/**
 * The initial τ grid 0, 0.1, …, 2.0 (21 values). Citation: docs/methods.md §9; LA paper Fig. 3.
 */
export function tauGrid(): number[] {
  return tauRange(0, 2);
}

/** Largest τ the sweeps extend to when the best τ keeps sitting on the grid's upper edge. */
export const maxSweepTau = 10;

/** How far one extension of the grid reaches beyond its current upper edge. */
export const sweepExtension = 2;

/** Two balanced errors closer than this are a tie when choosing the best τ. */
export const tauTieTolerance = 1e-12;

/**
 * Best τ: the smallest balanced error; ties (within {@link tauTieTolerance}) go to the τ closest to 1
 * (the Bayes-consistent / plain-normalisation choice), then to the smaller τ. Deterministic.
 * Shapes: taus [T], errors [T] → index into taus. Citation: docs/methods.md §2.1, §3.1 (τ* = best τ on the grid).
 */
export function bestTauIndex(taus: readonly number[], errors: readonly number[]): number {
  let best = 0;
  for (let k = 1; k < taus.length; k++) {
    const diff = errors[k] - errors[best];
    if (diff < -tauTieTolerance) {
      best = k;
    } else if (Math.abs(diff) <= tauTieTolerance) {
      const dk = Math.abs(taus[k] - 1);
      const db = Math.abs(taus[best] - 1);
      if (dk < db - 1e-12 || (Math.abs(dk - db) <= 1e-12 && taus[k] < taus[best])) {
        best = k;
      }
    }
  }
  return best;
}

/**
 * Summarises a sweep from its per-τ, per-class correct counts: balanced error per τ (LA eq. 2 over classes
 * present in eval), best τ (see {@link bestTauIndex}), and bucket accuracies at τ = 1 and at the best τ.
 * Shapes: taus [T] (must contain 1), correct [T, C] row-major, evalCount [C], buckets [C].
 * The best τ is flagged when it is the last τ of the grid (`bestAtGridEdge`).
 * Citation: docs/methods.md §9 (BER vs τ, LA paper Fig. 3), §8.3 (buckets).
 */
export function summariseSweep(taus: readonly number[], correct: Int32Array, evalCount: Int32Array, buckets: readonly Bucket[]): PostHocSweep {
  const c = evalCount.length;
  const errors = taus.map((_, k) => balancedError(correct, evalCount, k * c));
  const best = bestTauIndex(taus, errors);
  const one = taus.findIndex((t) => t === 1);
  return {
    taus: [...taus],
    balancedError: errors,
    bestTau: taus[best],
    bestBalancedError: errors[best],
    bucketsAtOne: bucketAccuracies(correct, evalCount, buckets, (one < 0 ? best : one) * c),
    bucketsAtBest: bucketAccuracies(correct, evalCount, buckets, best * c),
    bestAtGridEdge: taus.length > 1 && best === taus.length - 1,
  };
}
