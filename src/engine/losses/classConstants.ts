/**
 * Class-dependent constants of the losses, computed in float64 from training class counts n_y:
 * log priors, LDAM margins, class-balanced (effective-number) weights. Pure JS, no TF.js.
 */

/** Floor on priors of classes with no training examples (mirrors `log(π + 1e-12)` of the reference code, methods §2.4). */
export const minPrior = 1e-12;

/**
 * log π_y with π_y = n_y / Σ n (classes with n_y = 0 get log 1e-12). Shapes: counts [C] → [C].
 * Citation: Menon et al. 2021 eq. 10; methods §2.2, §11.5.
 */
export function logPriors(counts: readonly number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((n) => Math.log(Math.max(n / total, minPrior)));
}

/**
 * LDAM margins Δ_y = maxMargin · n_y^{−1/4} / max_j n_j^{−1/4} (largest margin on the rarest class; classes with
 * n_y = 0 are treated as n_y = 1). Shapes: counts [C] → [C]. Citation: Cao et al. 2019 eq. 13, `LDAMLoss`; methods §4.1, §13.2.
 */
export function ldamMargins(counts: readonly number[], maxMargin: number): number[] {
  const raw = counts.map((n) => 1 / Math.sqrt(Math.sqrt(Math.max(n, 1))));
  const top = Math.max(...raw);
  return raw.map((m) => (maxMargin * m) / top);
}

/**
 * Effective number E_n = (1 − β^n)/(1 − β), computed as −expm1(n·log β)/(1 − β) for precision (E = 1 when β = 0).
 * Citation: Cui et al. 2019 eq. 3; methods §6.
 */
export function effectiveNumber(n: number, beta: number): number {
  if (beta === 0) return Math.min(n, 1);
  return -Math.expm1(n * Math.log(beta)) / (1 - beta);
}

/**
 * Class-balanced weights α_y = 1/E_{n_y}, normalised to Σ_y α_y = C (β = 0 gives all ones; classes with
 * n_y = 0 are treated as n_y = 1). Shapes: counts [C] → [C]. Citation: Cui et al. 2019; methods §6, §13.3.
 */
export function classBalancedWeights(counts: readonly number[], beta: number): number[] {
  const inv = counts.map((n) => 1 / effectiveNumber(Math.max(n, 1), beta));
  const sum = inv.reduce((a, b) => a + b, 0);
  return inv.map((w) => (w * counts.length) / sum);
}
