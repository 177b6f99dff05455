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
  const pos = Float64Array.from(positives).sort().reverse();
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

/**
 * One-vs-rest precision–recall of every class from the softmax scores: class y's score of example i is
 * softmax(f(x_i))_y = exp(f_iy − m_i) / Σ_k exp(f_ik − m_i) (m_i = max_k f_ik), positives the examples
 * with label y; then as {@link averagePrecision}. Classes absent from eval get null. Two row-major passes
 * over the logits (the positives' scores, then every negative placed among its class's thresholds), so
 * O(N·C·log P̄) time and O(N + C) memory besides the input: 1,000 classes stay fast.
 * Shapes: logits [N, C] row-major, labels [N] → C entries.
 * Citation: docs/methods.md §12; scikit-learn average_precision_score (one-vs-rest).
 */
export function perClassPrecisionRecall(logits: FloatArray, labels: Int32Array, n: number, c: number, maxPoints = defaultCurvePoints): (ClassPrecisionRecall | null)[] {
  const shift = new Float64Array(n);
  const norm = new Float64Array(n);
  const positives: number[][] = Array.from({ length: c }, () => []);
  for (let i = 0; i < n; i++) {
    const off = i * c;
    let m = logits[off];
    for (let y = 1; y < c; y++) if (logits[off + y] > m) m = logits[off + y];
    let s = 0;
    for (let y = 0; y < c; y++) s += Math.exp(logits[off + y] - m);
    shift[i] = m;
    norm[i] = s;
    positives[labels[i]].push(Math.exp(logits[off + labels[i]] - m) / s);
  }
  const thresholds = positives.map((scores) => (scores.length > 0 ? thresholdsOf(Float64Array.from(scores)) : null));
  const lowest = Float64Array.from(thresholds, (t) => (t === null ? Infinity : t.values[t.values.length - 1]));
  const slots = thresholds.map((t) => (t === null ? null : new Int32Array(t.values.length + 1)));
  for (let i = 0; i < n; i++) {
    const off = i * c;
    const label = labels[i];
    for (let y = 0; y < c; y++) {
      if (y === label) continue;
      const score = Math.exp(logits[off + y] - shift[i]) / norm[i];
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
