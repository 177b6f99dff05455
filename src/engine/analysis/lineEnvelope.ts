import type { FloatArray } from './types';

/** Reused scratch lists of {@link envelopeCandidates} (single-threaded engine, no re-entrancy). */
const hull: number[] = [];
const points: number[] = [];
const bounds: number[] = [];
const added: number[] = [];

/**
 * Candidates for the arg-max of C lines g_y(τ) = v_y + τ·s_y at any τ ∈ [tLo, tHi] (exact superset).
 *
 * L(τ) = max_{h∈H} g_h(τ) over a few lines H (the arg-max at tLo and tHi, then the best line at each
 * crossing point, refined twice) is a lower bound of the upper envelope, and g_y − L is concave piecewise
 * linear; so if y is an arg-max at some τ, g_y − L ≥ 0 at tLo, tHi or a crossing of two lines of H. Lines
 * passing that test (with slack 1e-9·(1 + max|v| + max|τ|·maxSlope) for rounding) are written to `cand` in
 * increasing index order; their number is returned (≥ 1). Lines with v_y = −∞ are never candidates (at
 * least one v_y must be finite). Cost: two passes over C plus O(candidates).
 * Shapes: values [*] (the row starts at `off`), slope [C], cand [C] (output). Citation: methods §2.1
 * (f − τ log π is linear in τ); Kang et al. 2020 (log of the τ-normalised score is linear in τ).
 */
export function envelopeCandidates(
  values: FloatArray,
  off: number,
  slope: Float64Array,
  maxSlope: number,
  c: number,
  tLo: number,
  tHi: number,
  cand: Int32Array,
): number {
  let bestLo = -Infinity;
  let bestHi = -Infinity;
  let jLo = -1;
  let jHi = -1;
  let maxAbs = 0;
  for (let y = 0; y < c; y++) {
    const v = values[off + y];
    if (v === -Infinity) {
      continue;
    }
    const s = slope[y];
    const lo = v + tLo * s;
    const hi = v + tHi * s;
    if (lo > bestLo) {
      bestLo = lo;
      jLo = y;
    }
    if (hi > bestHi) {
      bestHi = hi;
      jHi = y;
    }
    // Branch-free |v| (a sign test here mispredicts on half the classes).
    const a = Math.abs(v);
    if (a > maxAbs) {
      maxAbs = a;
    }
  }
  const eps = 1e-9 * (1 + maxAbs + Math.max(Math.abs(tLo), Math.abs(tHi)) * maxSlope);
  hull.length = 0;
  hull.push(jLo);
  if (jHi !== jLo) {
    hull.push(jHi);
  }
  let count = 0;
  let fromAll = true;
  for (let round = 0; round < 3; round++) {
    points.length = 0;
    points.push(tLo, tHi);
    for (let a = 0; a < hull.length; a++) {
      for (let b = a + 1; b < hull.length; b++) {
        const ds = slope[hull[a]] - slope[hull[b]];
        if (ds !== 0) {
          const x = (values[off + hull[b]] - values[off + hull[a]]) / ds;
          if (x > tLo && x < tHi) {
            points.push(x);
          }
        }
      }
    }
    bounds.length = 0;
    for (const p of points) {
      let m = -Infinity;
      for (const h of hull) {
        m = Math.max(m, values[off + h] + p * slope[h]);
      }
      bounds.push(m - eps);
    }
    const np = points.length;
    let kept = 0;
    if (fromAll) {
      // First filter over all C lines: at most 3 check points (2 hull lines cross at most once), in locals.
      const p0 = points[0];
      const p1 = points[1];
      const p2 = np > 2 ? points[2] : points[1];
      const b0 = bounds[0];
      const b1 = bounds[1];
      const b2 = np > 2 ? bounds[2] : bounds[1];
      for (let y = 0; y < c; y++) {
        const v = values[off + y];
        const sy = slope[y];
        if (v + p0 * sy >= b0 || v + p1 * sy >= b1 || v + p2 * sy >= b2) {
          cand[kept++] = y;
        }
      }
    } else {
      for (let q = 0; q < count; q++) {
        const y = cand[q];
        const v = values[off + y];
        const sy = slope[y];
        for (let r = 0; r < np; r++) {
          if (v + points[r] * sy >= bounds[r]) {
            cand[kept++] = y;
            break;
          }
        }
      }
    }
    count = kept;
    fromAll = false;
    if (round === 2 || count <= hull.length + 1) {
      break;
    }
    added.length = 0;
    for (let r = 2; r < np; r++) {
      let best = -Infinity;
      let arg = -1;
      for (let q = 0; q < count; q++) {
        const y = cand[q];
        const v = values[off + y] + points[r] * slope[y];
        if (v > best) {
          best = v;
          arg = y;
        }
      }
      if (arg >= 0 && !hull.includes(arg) && !added.includes(arg)) {
        added.push(arg);
      }
    }
    if (added.length === 0) {
      break;
    }
    hull.push(...added);
  }
  return count;
}
