import type { FloatArray } from './types';

/** Arg-max predictions and max-softmax confidences of a logit matrix. */
export interface ScoredLogits {
  /** [N] ŷ_i = argmax_y f_y(x_i) (first index on ties, as numpy.argmax). */
  readonly predictions: Int32Array;
  /** [N] max_y softmax(f(x_i))_y = 1 / Σ_y exp(f_y − max f). */
  readonly confidence: Float64Array;
}

/**
 * One pass over the logits: arg-max prediction and numerically stable max softmax probability
 * p̂_i = exp(f_max − f_max) / Σ_y exp(f_y − f_max) = 1 / Σ_y exp(f_y − f_max) (no overflow: every exponent ≤ 0).
 * Shapes: logits [N, C] row-major → predictions [N], confidence [N].
 * Citation: methods §9 (ECE uses the max softmax probability), §11.2 (max-stabilised softmax).
 */
export function scoreLogits(logits: FloatArray, n: number, c: number): ScoredLogits {
  const predictions = new Int32Array(n);
  const confidence = new Float64Array(n);
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
    for (let j = 0; j < c; j++) {
      s += Math.exp(logits[off + j] - best);
    }
    predictions[i] = arg;
    confidence[i] = 1 / s;
  }
  return { predictions, confidence };
}
