import type { Bucket, CalibrationReport } from '../../protocol/report';

/** Number of equal-width confidence bins (Guo et al. 2017; MiSLAS num_bins = 15). */
export const calibrationBins = 15;

/**
 * Bin edges e_k = k·(1/B), k = 0…B, with e_B = 1 exactly: the same floats as numpy.linspace(0, 1, B+1),
 * so bin membership agrees with `np.digitize(conf, edges, right=True)` even next to an edge.
 * Shapes: → [B + 1]. Citation: methods §9 (MiSLAS `calibration`, linspace(0, 1, 16)).
 */
export function binEdges(bins: number = calibrationBins): Float64Array {
  const edges = new Float64Array(bins + 1);
  const step = 1 / bins;
  for (let k = 0; k < bins; k++) {
    edges[k] = k * step;
  }
  edges[bins] = 1;
  return edges;
}

/**
 * Expected and maximum calibration error of the max softmax probability.
 * Bin b holds the examples with e_b < conf ≤ e_{b+1} (membership (lo, hi]); conf = 0 falls in no bin.
 * ECE = Σ_b (|B_b|/N)·|acc(B_b) − conf(B_b)|, MCE = max_b |acc(B_b) − conf(B_b)| over non-empty bins.
 * Shapes: confidence [N] (max softmax prob), correct flags from labels [N] and predictions [N].
 * Citation: Guo et al. 2017; methods §9 (MiSLAS `utils/metric.py::calibration`, num_bins = 15); §13.6 (ECE 0.257).
 */
export function calibration(confidence: Float64Array, labels: Int32Array, predictions: Int32Array, bins: number = calibrationBins): CalibrationReport {
  const edges = binEdges(bins);
  const count = new Float64Array(bins);
  const hits = new Float64Array(bins);
  const confSum = new Float64Array(bins);
  const n = confidence.length;
  for (let i = 0; i < n; i++) {
    const p = confidence[i];
    if (!(p > 0)) {
      continue;
    }
    let b = Math.ceil(p * bins) - 1;
    b = b < 0 ? 0 : b >= bins ? bins - 1 : b;
    // Correct the float guess against the exact edges: e_b < p ≤ e_{b+1}.
    while (b > 0 && p <= edges[b]) {
      b--;
    }
    while (b < bins - 1 && p > edges[b + 1]) {
      b++;
    }
    count[b]++;
    confSum[b] += p;
    if (labels[i] === predictions[i]) {
      hits[b]++;
    }
  }
  let ece = 0;
  let mce = 0;
  const out: { lo: number; hi: number; count: number; accuracy: number | null; confidence: number | null }[] = [];
  for (let b = 0; b < bins; b++) {
    const m = count[b];
    if (m > 0) {
      const acc = hits[b] / m;
      const conf = confSum[b] / m;
      const gap = Math.abs(acc - conf);
      ece += (m / n) * gap;
      mce = Math.max(mce, gap);
      out.push({ lo: edges[b], hi: edges[b + 1], count: m, accuracy: acc, confidence: conf });
    } else {
      out.push({ lo: edges[b], hi: edges[b + 1], count: 0, accuracy: null, confidence: null });
    }
  }
  return { ece, mce, bins: out };
}

/**
 * ECE of the model as is within each frequency bucket of the true class: {@link calibration} on the
 * examples i with buckets[labels_i] = b, ECE_b = Σ_k (|B_k ∩ b| / N_b)·|acc − conf| over the same 15 bins.
 * Shapes: confidence [N], labels [N], predictions [N], buckets [C] → one entry per bucket (null when the
 * bucket has no eval example). Citation: Guo et al. 2017; docs/methods.md §8.3 (buckets), §9 (ECE).
 */
export function calibrationPerBucket(
  confidence: Float64Array,
  labels: Int32Array,
  predictions: Int32Array,
  buckets: readonly Bucket[],
): Record<Bucket, { examples: number; ece: number } | null> {
  const one = (b: Bucket): { examples: number; ece: number } | null => {
    let m = 0;
    for (let i = 0; i < labels.length; i++) if (buckets[labels[i]] === b) m++;
    if (m === 0) return null;
    const conf = new Float64Array(m);
    const lab = new Int32Array(m);
    const pred = new Int32Array(m);
    for (let i = 0, k = 0; i < labels.length; i++) {
      if (buckets[labels[i]] !== b) continue;
      conf[k] = confidence[i];
      lab[k] = labels[i];
      pred[k++] = predictions[i];
    }
    return { examples: m, ece: calibration(conf, lab, pred).ece };
  };
  return { many: one('many'), medium: one('medium'), few: one('few') };
}
