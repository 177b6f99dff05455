import { scoreLogits } from './predictions';
import type { FloatArray } from './types';

/** Average precision of one class and its precision–recall curve, downsampled. */
export interface ClassPrecisionRecall {
  /** AP = Σ_n (R_n − R_{n−1}) P_n over the distinct score thresholds, descending (R_0 = 0). */
  readonly averagePrecision: number;
  /** [recall, precision] at thresholds where recall grows, in descending-threshold order, ≤ `maxPoints`. */
  readonly curve: [number, number][];
}

/** Default number of points kept of each class's PR curve. */
export const defaultCurvePoints = 24;

/** The distinct positive scores, descending, and how many positives score at least each. */
interface Thresholds {
  readonly values: Float64Array;
  readonly truePositives: Int32Array;
}

function thresholdsOf(positives: Float64Array): Thresholds {
  const pos = positives.slice().sort().reverse();
  const values: number[] = [];
  const tp: number[] = [];
  for (let i = 0; i < pos.length; ) {
    let j = i + 1;
    while (j < pos.length && pos[j] === pos[i]) j++;
    values.push(pos[i]);
    tp.push(j);
    i = j;
  }
  return { values: Float64Array.from(values), truePositives: Int32Array.from(tp) };
}

/** Index of the highest threshold ≤ s (values descending), or values.length when s is below them all. */
function thresholdSlot(values: Float64Array, s: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid] > s) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** AP and the downsampled curve from the thresholds and the histogram of negatives by threshold slot. */
function fromCounts(t: Thresholds, negativeSlots: Int32Array, maxPoints: number): ClassPrecisionRecall {
  const p = t.truePositives[t.truePositives.length - 1];
  const full: [number, number][] = [];
  let ap = 0;
  let previousRecall = 0;
  let fp = 0;
  for (let k = 0; k < t.values.length; k++) {
    fp += negativeSlots[k];
    const tp = t.truePositives[k];
    const recall = tp / p;
    const precision = tp / (tp + fp);
    ap += (recall - previousRecall) * precision;
    previousRecall = recall;
    full.push([recall, precision]);
  }
  return { averagePrecision: ap, curve: downsample(full, maxPoints) };
}

/**
 * Average precision of scores against binary targets, as scikit-learn's `average_precision_score` defines it:
 * thresholds are the distinct scores, descending; at threshold t, TP(t) = #{positives with s ≥ t},
 * FP(t) = #{negatives with s ≥ t}, P = TP/(TP+FP), R = TP/#positives; AP = Σ (R_n − R_{n−1}) P_n. Only
 * thresholds that are some positive's score change R, so only those are visited; each negative is placed by
 * binary search at the highest such threshold it reaches, and FP(t) is the running sum of those counts.
 * Exact for ties (a positive and a negative of equal score count at the same threshold). O((P + M) log P).
 * Shapes: positives [P] scores, negatives [M] scores. Returns null when P = 0 (AP undefined).
 * Citation: docs/methods.md §12; scikit-learn sklearn/metrics/_ranking.py (average_precision_score,
 * precision_recall_curve).
 */
export function averagePrecision(positives: Float64Array, negatives: Float64Array, maxPoints = defaultCurvePoints): ClassPrecisionRecall | null {
  if (positives.length === 0) return null;
  const t = thresholdsOf(positives);
  const slots = new Int32Array(t.values.length + 1);
  for (let i = 0; i < negatives.length; i++) slots[thresholdSlot(t.values, negatives[i])]++;
  return fromCounts(t, slots, maxPoints);
}

/** Evenly spaced points of a curve, always keeping the first and the last. */
function downsample(points: [number, number][], maxPoints: number): [number, number][] {
  if (points.length <= maxPoints) return points;
  const out: [number, number][] = [];
  for (let k = 0; k < maxPoints; k++) {
    out.push(points[Math.round((k * (points.length - 1)) / (maxPoints - 1))]);
  }
  return out;
}

/** Each row's softmax stabiliser m_i and normaliser Z_i, as {@link scoreLogits} returns them. */
export interface RowSoftmax {
  /** [N] m_i = max_y f_iy. */
  readonly rowMax: Float64Array;
  /** [N] Z_i = Σ_y exp(f_iy − m_i). */
  readonly rowSum: Float64Array;
}

/**
 * Log-space margin of the exact pre-filter in {@link perClassPrecisionRecall}: far wider than the rounding of
 * exp, log and the subtractions (≈ 1e-15 relative), so a skipped negative provably scores below its class's
 * lowest positive; negatives within the margin take the exact path.
 */
const prefilterMargin = 1e-6;

/**
 * One-vs-rest precision–recall of every class from the softmax scores: class y's score of example i is
 * softmax(f(x_i))_y = exp(f_iy − m_i) / Z_i (m_i = max_k f_ik, Z_i = Σ_k exp(f_ik − m_i)), positives the
 * examples with label y; then as {@link averagePrecision}. Classes absent from eval get null.
 * A negative scoring below every positive of its class changes no FP(t) at a visited threshold, so it is
 * skipped; whether it does is first decided without exp, in log space: f_iy < m_i + log Z_i + log(min positive
 * score of y) − margin implies score < min (exp and division round monotonically), and only the rest compute
 * the score exactly as above — the counts, hence AP, are exactly those of the plain computation.
 * With `softmax` (from {@link scoreLogits}) m_i and Z_i are reused, else {@link scoreLogits} computes them (one
 * extra pass with N·C exps). O(N·C) plus O(k log P̄) per negative that reaches its class's thresholds;
 * O(N + C) memory besides the input: 8,142 classes stay fast.
 * Shapes: logits [N, C] row-major, labels [N], softmax.rowMax/rowSum [N] → C entries.
 * Citation: docs/methods.md §12; scikit-learn average_precision_score (one-vs-rest).
 */
export function perClassPrecisionRecall(
  logits: FloatArray,
  labels: Int32Array,
  n: number,
  c: number,
  maxPoints = defaultCurvePoints,
  softmax: RowSoftmax | null = null,
): (ClassPrecisionRecall | null)[] {
  const { rowMax: shift, rowSum: norm } = softmax ?? scoreLogits(logits, n, c);
  const positiveCounts = new Int32Array(c);
  for (let i = 0; i < n; i++) positiveCounts[labels[i]]++;
  const positives: (Float64Array | null)[] = Array.from(positiveCounts, (k) => (k > 0 ? new Float64Array(k) : null));
  const filled = new Int32Array(c);
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    const p = positives[y];
    if (p !== null) p[filled[y]++] = Math.exp(logits[i * c + y] - shift[i]) / norm[i];
  }
  const thresholds = positives.map((scores) => (scores !== null ? thresholdsOf(scores) : null));
  const lowest = Float64Array.from(thresholds, (t) => (t === null ? Infinity : t.values[t.values.length - 1]));
  // log(lowest) − margin per class; −Inf (never skip) when the lowest positive score underflowed to 0.
  const logLowest = Float64Array.from(lowest, (v) => Math.log(v) - prefilterMargin);
  const slots = thresholds.map((t) => (t === null ? null : new Int32Array(t.values.length + 1)));
  for (let i = 0; i < n; i++) {
    const off = i * c;
    const label = labels[i];
    const m = shift[i];
    const z = norm[i];
    // f < m + log Z + logLowest[y] ⇒ score < lowest[y]; the margin also absorbs |m|'s rounding.
    const base = m + Math.log(z);
    const slack = prefilterMargin * Math.abs(base);
    const cut = base - slack;
    for (let y = 0; y < c; y++) {
      const f = logits[off + y];
      if (f - cut < logLowest[y] || y === label) continue;
      const score = Math.exp(f - m) / z;
      if (score < lowest[y]) continue;
      const t = thresholds[y];
      const h = slots[y];
      if (t !== null && h !== null) h[thresholdSlot(t.values, score)]++;
    }
  }
  return thresholds.map((t, y) => {
    const h = slots[y];
    return t === null || h === null ? null : fromCounts(t, h, maxPoints);
  });
}
