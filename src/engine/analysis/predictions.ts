import type { FloatArray } from './types';

/** Arg-max predictions and max-softmax confidences of a logit matrix. */
export interface ScoredLogits {
  /** [N] ŷ_i = argmax_y f_y(x_i) (first index on ties, as numpy.argmax). */
  readonly predictions: Int32Array;
  /** [N] max_y softmax(f(x_i))_y = 1 / Σ_y exp(f_y − max f). */
  readonly confidence: Float64Array;
  /** [N] m_i = max_y (f_y(x_i) + shift_y), the softmax's stabiliser. */
  readonly rowMax: Float64Array;
  /** [N] Z_i = Σ_y exp(f_y(x_i) + shift_y − m_i) (summed in class order), so softmax_y = exp(f_y + shift_y − m_i) / Z_i. */
  readonly rowSum: Float64Array;
}

/**
 * One pass over the logits: arg-max prediction and numerically stable max softmax probability
 * p̂_i = exp(f_max − f_max) / Σ_y exp(f_y − f_max) = 1 / Σ_y exp(f_y − f_max) (no overflow: every exponent ≤ 0).
 * Also returns each row's stabiliser m_i and normaliser Z_i so later passes (precision–recall) need not redo them.
 * With `shift` [C] the scores are f_y + shift_y (post-hoc logit adjustment passes shift = −τ·log π, so
 * predictions and confidences are those of softmax(f − τ log π)).
 * Shapes: logits [N, C] row-major, shift [C] → predictions [N], confidence [N], rowMax [N], rowSum [N].
 * Citation: docs/methods.md §9 (ECE uses the max softmax probability; on the adjusted probabilities for a
 * post-hoc-adjusted model), §2.1, §11.2 (max-stabilised softmax); Menon et al. 2021 eq. 9.
 */
export function scoreLogits(logits: FloatArray, n: number, c: number, shift: Float64Array | null = null): ScoredLogits {
  const predictions = new Int32Array(n);
  const confidence = new Float64Array(n);
  const rowMax = new Float64Array(n);
  const rowSum = new Float64Array(n);
  if (shift === null) {
    // Unshifted: the same arithmetic as with a zero shift (f + 0 = f), without the C extra loads per row.
    for (let i = 0; i < n; i++) {
      const off = i * c;
      let best = logits[off];
      let arg = 0;
      for (let j = 1; j < c; j++) {
        const v = logits[off + j];
        if (v > best) {
          best = v;
          arg = j;
        }
      }
      let s = 0;
      for (let j = off, end = off + c; j < end; j++) {
        s += Math.exp(logits[j] - best);
      }
      predictions[i] = arg;
      confidence[i] = 1 / s;
      rowMax[i] = best;
      rowSum[i] = s;
    }
    return { predictions, confidence, rowMax, rowSum };
  }
  const a = shift;
  for (let i = 0; i < n; i++) {
    const off = i * c;
    let best = logits[off] + a[0];
    let arg = 0;
    for (let j = 1; j < c; j++) {
      const v = logits[off + j] + a[j];
      if (v > best) {
        best = v;
        arg = j;
      }
    }
    let s = 0;
    for (let j = 0; j < c; j++) {
      s += Math.exp(logits[off + j] + a[j] - best);
    }
    predictions[i] = arg;
    confidence[i] = 1 / s;
    rowMax[i] = best;
    rowSum[i] = s;
  }
  return { predictions, confidence, rowMax, rowSum };
}

/**
 * Top-k accuracy: the fraction of examples whose label is among the k highest logits, ranking ties by
 * class index as arg-max does (rank_i = #{y : f_y > f_label} + #{y < label : f_y = f_label}; correct when
 * rank_i < k). Shapes: logits [N, C], labels [N] → a number in [0, 1].
 * Citation: docs/methods.md §9; the ImageNet-LT / iNaturalist convention of reporting top-5 (Kang et al. 2020).
 */
export function topKAccuracy(logits: FloatArray, labels: Int32Array, c: number, k: number): number {
  const n = labels.length;
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const off = i * c;
    const label = labels[i];
    const f = logits[off + label];
    let rank = 0;
    for (let y = 0; y < c && rank < k; y++) {
      const v = logits[off + y];
      if (v > f || (v === f && y < label)) rank++;
    }
    if (rank < k) hits++;
  }
  return hits / n;
}
