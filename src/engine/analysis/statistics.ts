/**
 * Small, exact statistics on float64 vectors used by the weight-norm diagnostics (methods §9).
 * Undefined results (fewer than 2 points, a constant input) are null, never NaN.
 */

/** True when every value equals the first (a constant vector has no correlation). */
function isConstant(v: ArrayLike<number>): boolean {
  for (let i = 1; i < v.length; i++) {
    if (v[i] !== v[0]) {
      return false;
    }
  }
  return true;
}

/**
 * Means and centred second moments of paired samples: m_x, m_y, Σ(x−m_x)(y−m_y), Σ(x−m_x)², Σ(y−m_y)²
 * (two passes for accuracy). Shapes: x [n], y [n].
 */
function centredMoments(x: ArrayLike<number>, y: ArrayLike<number>): { mx: number; my: number; sxy: number; sxx: number; syy: number } {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return { mx, my, sxy, sxx, syy };
}

/**
 * Pearson correlation r = Σ(x−x̄)(y−ȳ) / √(Σ(x−x̄)² Σ(y−ȳ)²), two-pass in float64.
 * Shapes: x [n], y [n]. Returns null when n < 2 or x or y is constant.
 * Citation: methods §9 (weight norm vs log n_y), test vector §13.6 (0.9830599795).
 */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number | null {
  const n = x.length;
  if (n !== y.length || n < 2 || isConstant(x) || isConstant(y)) {
    return null;
  }
  const { sxy, sxx, syy } = centredMoments(x, y);
  if (sxx <= 0 || syy <= 0) {
    return null;
  }
  const r = sxy / Math.sqrt(sxx * syy);
  return Math.max(-1, Math.min(1, r));
}

/**
 * Fractional ranks 1..n, ties get the average of the ranks they span (as scipy.stats.rankdata 'average').
 * Shapes: v [n] → [n].
 */
export function averageRanks(v: ArrayLike<number>): Float64Array {
  const n = v.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => v[a] - v[b] || a - b);
  const ranks = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && v[order[j + 1]] === v[order[i]]) {
      j++;
    }
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      ranks[order[k]] = r;
    }
    i = j + 1;
  }
  return ranks;
}

/**
 * Spearman rank correlation: Pearson of average ranks (ties averaged). Shapes: x [n], y [n].
 * Null when n < 2 or either input is constant. Citation: methods §9; §13.6 (Spearman = 1.0).
 */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number | null {
  if (x.length !== y.length || x.length < 2 || isConstant(x) || isConstant(y)) {
    return null;
  }
  return pearson(averageRanks(x), averageRanks(y));
}

/**
 * Ordinary least squares y ≈ slope·x + intercept: slope = Σ(x−x̄)(y−ȳ)/Σ(x−x̄)², intercept = ȳ − slope·x̄.
 * Shapes: x [n], y [n]. Null when n < 2 or x is constant.
 * Citation: methods §9; §13.6 (slope 0.25100652, intercept 0.57754915).
 */
export function olsFit(x: ArrayLike<number>, y: ArrayLike<number>): { slope: number; intercept: number } | null {
  const n = x.length;
  if (n !== y.length || n < 2 || isConstant(x)) {
    return null;
  }
  const { mx, my, sxy, sxx } = centredMoments(x, y);
  if (sxx <= 0) {
    return null;
  }
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}
