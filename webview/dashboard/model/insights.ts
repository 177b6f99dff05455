/** Interpretation helpers: weight-norm correlation verdicts and the OLS line in log-prior space (DOM-free). */
import type { ClassReport, WeightNormStats } from '../../../src/protocol/report';

/** What the ‖w_y‖–log n_y correlation says about τ-normalisation. */
export interface NormVerdict {
  /** `positive`: head classes have larger norms, τ-norm can rebalance; `flat`/`negative`: it cannot help. */
  readonly kind: 'positive' | 'flat' | 'negative' | 'unknown';
  /** One sentence for the user. */
  readonly text: string;
}

/** |r| below this counts as no relation. */
export const flatCorrelation = 0.3;

/**
 * τ-normalisation (Kang et al. 2020) divides w_y by ‖w_y‖^τ. It removes head bias only when ‖w_y‖ grows
 * with log n_y (positive correlation, typical of SGD-trained heads); with a flat or negative correlation
 * (common with Adam or weight-decay-free heads) it cannot help and logit adjustment is the better tool.
 */
export function normVerdict(stats: WeightNormStats | null): NormVerdict {
  if (!stats) return { kind: 'unknown', text: 'No classifier head in this report: weight norms are unavailable.' };
  const r = stats.spearmanLogCount ?? stats.pearsonLogCount;
  if (r === null) return { kind: 'unknown', text: 'The correlation is undefined (constant norms): τ-normalisation has nothing to rescale.' };
  if (r > flatCorrelation) {
    return { kind: 'positive', text: `‖w_y‖ grows with class frequency (ρ = ${r.toFixed(2)}): head classes win by norm, so τ-normalisation can rebalance.` };
  }
  if (r < -flatCorrelation) {
    return { kind: 'negative', text: `‖w_y‖ falls with class frequency (ρ = ${r.toFixed(2)}): τ-normalisation would favour head classes further and cannot help. This is typical of Adam-trained heads; use logit adjustment.` };
  }
  return { kind: 'flat', text: `‖w_y‖ barely depends on class frequency (ρ = ${r.toFixed(2)}): τ-normalisation cannot remove head bias here (typical of Adam-trained heads). Logit adjustment acts on the prior directly.` };
}

/**
 * The stored OLS fit ‖w‖ ≈ slope · log n + intercept rewritten in log-prior space: log n = log π + log N,
 * so ‖w‖ ≈ slope · log π + (intercept + slope · log N). N is recovered as n_y / π_y from any class.
 */
export function olsInLogPrior(stats: WeightNormStats | null, classes: readonly ClassReport[]): { slope: number; intercept: number } | null {
  if (!stats || stats.slope === null || stats.intercept === null) return null;
  const ref = classes.find((c) => c.prior > 0 && c.trainCount > 0);
  if (!ref) return null;
  const logN = Math.log(ref.trainCount / ref.prior);
  return { slope: stats.slope, intercept: stats.intercept + stats.slope * logN };
}
