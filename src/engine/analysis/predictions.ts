import { ErrorCode, LongtailError } from '../../protocol/errors';
import { scoreRows } from './logitRowKernel';
import type { FloatArray } from './types';

/** Arg-max predictions and max-softmax confidences of a logit matrix, and optionally of its shifted scores. */
export interface ScoredLogits {
  /** [N] ŷ_i = argmax_y f_y(x_i) (first index on ties, as numpy.argmax). */
  readonly predictions: Int32Array;
  /** [N] max_y softmax(f(x_i))_y = 1 / Σ_y exp(f_y − max f). */
  readonly confidence: Float64Array;
  /** [N] m_i = max_y f_y(x_i), the softmax's stabiliser. */
  readonly rowMax: Float64Array;
  /** [N] Z_i = Σ_y exp(f_y(x_i) − m_i), so softmax_y = exp(f_y − m_i) / Z_i. */
  readonly rowSum: Float64Array;
  /** With `shift`: the arg-max and max softmax of the scores f_y + shift_y; else null. */
  readonly adjusted: { readonly predictions: Int32Array; readonly confidence: Float64Array } | null;
  /** With `labels`: [N] the label's 0-based rank, #{y : f_y > f_l} + #{y < l : f_y = f_l} (ties ranked by index, as arg-max); else null. */
  readonly labelRank: Int32Array | null;
}

/** What {@link scoreLogits} also computes in its one pass. */
export interface ScoreOptions {
  /** [C] a shift a (post-hoc logit adjustment passes a = −τ·log π): `adjusted` holds the scores f + a. */
  readonly shift?: Float64Array | null;
  /** [N] labels: `labelRank` holds each label's rank (top-k accuracy). */
  readonly labels?: Int32Array | null;
  /** 'js' runs the typed-array loops instead of the WebAssembly kernel (tests; default 'auto'). */
  readonly kernels?: 'auto' | 'js';
}

/** Largest spread max a − min a of a shift: e^{−spread} must stay far from float64's underflow (e^−708). */
const maxShiftSpread = 600;

/**
 * One pass over the logits (logitRowKernel.ts): arg-max prediction and numerically stable max softmax probability
 * p̂_i = exp(f_max − f_max) / Σ_y exp(f_y − f_max) = 1 / Σ_y exp(f_y − f_max) (no overflow: every exponent ≤ 0), each
 * row's stabiliser m_i and normaliser Z_i (so later passes, precision–recall, need not redo them); with a shift a the
 * arg-max ŷ' of f + a and its max softmax, from the same exponentials:
 *   softmax(f + a)_ŷ' = e^{f_ŷ' − m}·w_ŷ' / Σ_y e^{f_y − m}·w_y with w_y = e^{a_y − max a} ∈ (0, 1]
 * (multiply numerator and denominator of e^{f_ŷ' + a_ŷ' − m'} / Σ e^{f_y + a_y − m'} by e^{m' − m − max a}); the
 * numerator is at least e^{−(max a − min a)}, so the spread of a is limited to 600; and with labels each label's rank.
 * Shapes: logits [N, C] row-major, shift [C], labels [N] → [N] arrays.
 * Citation: docs/methods.md §9 (ECE uses the max softmax probability; on the adjusted probabilities for a
 * post-hoc-adjusted model), §2.1, §11.2 (max-stabilised softmax); Menon et al. 2021 eq. 9.
 */
export function scoreLogits(logits: FloatArray, n: number, c: number, options: ScoreOptions = {}): ScoredLogits {
  const shift = options.shift ?? null;
  const labels = options.labels ?? null;
  if (labels) {
    // The kernel reads f_{i,l_i} by the label: one outside [0, C) must never reach it (validateInput rejects them).
    if (labels.length !== n) throw new LongtailError(ErrorCode.Internal, `internal error: ${labels.length} labels for ${n} rows of logits`);
    const bad = labels.findIndex((l) => !(l >= 0 && l < c));
    if (bad >= 0) throw new LongtailError(ErrorCode.Internal, `internal error: label ${labels[bad]} of example ${bad} is outside [0, ${c})`);
  }
  const a = new Float64Array(c);
  const w = new Float64Array(c).fill(1);
  if (shift) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let y = 0; y < c; y++) {
      lo = Math.min(lo, shift[y]);
      hi = Math.max(hi, shift[y]);
    }
    if (!(hi - lo <= maxShiftSpread)) {
      throw new LongtailError(ErrorCode.Internal, `internal error: a logit shift spans ${hi - lo} (at most ${maxShiftSpread})`);
    }
    for (let y = 0; y < c; y++) {
      a[y] = shift[y];
      w[y] = Math.exp(shift[y] - hi);
    }
  }
  const rows = scoreRows(logits, n, c, a, w, labels, options.kernels);
  const confidence = new Float64Array(n);
  for (let i = 0; i < n; i++) confidence[i] = 1 / rows.rowSum[i];
  let adjusted: ScoredLogits['adjusted'] = null;
  if (shift) {
    const adjConfidence = new Float64Array(n);
    for (let i = 0; i < n; i++) adjConfidence[i] = rows.adjTop[i] / rows.adjSum[i];
    adjusted = { predictions: rows.adjPredictions, confidence: adjConfidence };
  }
  return { predictions: rows.predictions, confidence, rowMax: rows.rowMax, rowSum: rows.rowSum, adjusted, labelRank: rows.labelRank };
}

/**
 * Top-k accuracy from the labels' ranks ({@link ScoredLogits.labelRank}): the fraction of examples whose label is among
 * the k highest logits, ties ranked by class index as arg-max does (correct when rank_i < k). Shapes: [N] → [0, 1].
 * Citation: docs/methods.md §9; the ImageNet-LT / iNaturalist convention of reporting top-5 (Kang et al. 2020).
 */
export function topKAccuracy(labelRank: Int32Array, k: number): number {
  let hits = 0;
  for (let i = 0; i < labelRank.length; i++) if (labelRank[i] < k) hits++;
  return hits / labelRank.length;
}
