/**
 * Closed-form gradients of the registered losses with respect to their logits, as typed-array code (the
 * head fine-tune step without the autograd tape, training/headFastPath.ts).
 *
 * Every loss of the registry is a (weighted) softmax cross-entropy on adjusted logits:
 *
 *   u_ij = s · (f_ij + a_j − Δ_{y_i}·[j = y_i] − 10⁴·d_ij),   ℓ_i = logsumexp_j u_ij − u_{i,y_i},
 *   L = Σ_i w_i ℓ_i / Σ_i w_i,   w_i = α_{y_i} (1 without class weights),
 *
 * so, with p_i = softmax(u_i),
 *
 *   ∂L/∂f_ij = (w_i / Σ_k w_k) · s · (p_ij − [j = y_i]).
 *
 * | loss | s | a_j | Δ_y | d_ij | α_y |
 * |---|---|---|---|---|---|
 * | ce | 1 | 0 | 0 | 0 | 1 |
 * | la | 1 | τ log π_j | 0 | 0 | 1 |
 * | balanced-softmax | 1 | log n_j | 0 | 0 | 1 |
 * | cb | 1 | 0 | 0 | 0 | effective-number weights |
 * | eql | 1 | 0 | 0 | β_ij T_λ(f_j)(1 − [j = y_i]) | 1 |
 * | ldam (cosine f) | scale | 0 | LDAM margin | 0 | 1 |
 * | ldam-drw (cosine f) | scale | 0 | LDAM margin | 0 | 1, then CB weights from epoch ⌊0.8E⌋ |
 * | elm | 1 | τ log π_j | a·m_y | 0 | 1 |
 *
 * ELM's embedding term L_emb(φ) depends on the embeddings only; in head scope φ is a fixed input, so
 * ∂L_emb/∂W = 0 and ∂L_emb/∂b = 0 exactly: it adds λ·L_emb(φ) to the reported loss and nothing to the
 * gradient (tested against TF.js autograd). Citation: docs/methods.md §14 (closed-form gradients), §2.2, §4,
 * §5, §6, §7, §1.3.
 */
import type { Tensor2D } from '@tensorflow/tfjs';
import { tf } from '../compute/tf';
import { classBalancedWeights, ldamMargins, logPriors, minPrior } from './classConstants';
import { droppedLogitOffset, tailIndicator } from './equalization';
import { drwWeights } from './ldamDrw';
import { embeddingMargins, supConMarginLoss } from './supConMargin';
import type { LossStep, TrainingLoss } from './trainingLoss';

/** The adjustment of one batch (see the module comment). Arrays are per class `[C]`, `dropped` `[B, C]`. */
export interface AdjustedSoftmax {
  /** s. */
  readonly scale: number;
  /** a_j, or null for 0. */
  readonly offset: Float64Array | null;
  /** Δ_y subtracted from the target logit, or null for 0. */
  readonly targetMargin: Float64Array | null;
  /** d_ij ∈ {0, 1} (row-major `[B, C]`), or null for 0. */
  readonly dropped: Uint8Array | null;
  /** α_y, or null for the plain mean. */
  readonly classWeights: Float64Array | null;
}

/**
 * L and ∂L/∂f of the adjusted softmax cross-entropy (module comment) for logits f `[B, C]` row-major and
 * labels `[B]`; the gradient is written into `grad` (`[B, C]`, may be `logits` itself). Row maxima are
 * subtracted before exponentiation; sums in float64. Returns L.
 */
export function adjustedSoftmaxGradient(logits: Float32Array, labels: Int32Array, b: number, c: number, spec: AdjustedSoftmax, grad: Float32Array): number {
  const { scale: s, offset, targetMargin, dropped, classWeights } = spec;
  const u = new Float64Array(c);
  let weightSum = 0;
  for (let i = 0; i < b; i++) weightSum += classWeights ? classWeights[labels[i]] : 1;
  let total = 0;
  for (let i = 0; i < b; i++) {
    const y = labels[i];
    const row = i * c;
    let max = -Infinity;
    for (let j = 0; j < c; j++) {
      let v = logits[row + j];
      if (offset) v += offset[j];
      if (dropped && dropped[row + j]) v -= droppedLogitOffset;
      u[j] = v;
    }
    if (targetMargin) u[y] -= targetMargin[y];
    for (let j = 0; j < c; j++) {
      const v = s * u[j];
      u[j] = v;
      if (v > max) max = v;
    }
    const target = u[y];
    let sum = 0;
    for (let j = 0; j < c; j++) {
      const e = Math.exp(u[j] - max);
      u[j] = e;
      sum += e;
    }
    const w = classWeights ? classWeights[y] : 1;
    // ℓ_i = log Σ e^{u−max} + max − u_y (finite even when e^{u_y − max} underflows to 0).
    total += w * (Math.log(sum) + max - target);
    const factor = (w / weightSum) * s;
    const inv = 1 / sum;
    for (let j = 0; j < c; j++) grad[row + j] = factor * (u[j] * inv);
    grad[row + y] -= factor;
  }
  return total / weightSum;
}

/** How a loss is trained in head scope without the tape: its per-batch adjustment and its constant term. */
export interface HeadLossPlan {
  /** True for cosine logits f = φ̂·ŵ (LDAM). */
  readonly cosine: boolean;
  /**
   * The adjustment of one batch. Consumes `step.random` exactly as the loss's TF.js `compute` does (EQL: B·C
   * draws in row-major order when γ < 1), so both paths see the same masks for the same seed.
   */
  adjustment(labels: Int32Array, b: number, step: LossStep): AdjustedSoftmax;
  /**
   * The loss's term that does not depend on the head (ELM's λ·L_emb on the frozen embeddings `[B, D]`), added to
   * the reported loss only; null when there is none.
   */
  readonly constantTerm: ((embeddings: Float32Array, labels: Int32Array, b: number, d: number) => number) | null;
}

const f64 = (values: readonly number[]): Float64Array => Float64Array.from(values);

/**
 * The plan of `loss` (built by lossRegistry's createLoss with the same `counts`). Constants come from
 * classConstants.ts exactly as the loss files compute them.
 */
export function headLossPlan(loss: TrainingLoss, counts: readonly number[]): HeadLossPlan {
  const o = loss.options;
  const c = counts.length;
  const fixed = (spec: AdjustedSoftmax): HeadLossPlan => ({ cosine: loss.logitKind === 'cosine', adjustment: () => spec, constantTerm: null });
  const plain = { scale: 1, offset: null, targetMargin: null, dropped: null, classWeights: null };
  switch (loss.name) {
    case 'ce':
      return fixed(plain);
    case 'la':
      return fixed({ ...plain, offset: f64(logPriors(counts).map((v) => v * o.tau)) });
    case 'balanced-softmax': {
      const total = counts.reduce((a, v) => a + v, 0);
      return fixed({ ...plain, offset: f64(counts.map((n) => Math.log(Math.max(n, minPrior * total)))) });
    }
    case 'cb':
      return fixed({ ...plain, classWeights: f64(classBalancedWeights(counts, o.beta)) });
    case 'ldam':
      return fixed({ ...plain, scale: o.scale, targetMargin: f64(ldamMargins(counts, o.maxMargin)) });
    case 'ldam-drw': {
      const margins = f64(ldamMargins(counts, o.maxMargin));
      let cachedEpoch = -1;
      let weights: Float64Array = new Float64Array(0);
      return {
        cosine: true,
        adjustment: (_labels, _b, step) => {
          if (step.epoch !== cachedEpoch) {
            weights = f64(drwWeights(counts, step.epoch, step.epochs, o.beta, o.drwFraction));
            cachedEpoch = step.epoch;
          }
          return { ...plain, scale: o.scale, targetMargin: margins, classWeights: weights };
        },
        constantTerm: null,
      };
    }
    case 'eql': {
      const tail = tailIndicator(counts, o.lambda);
      return {
        cosine: false,
        adjustment: (labels, b, step) => {
          const dropped = new Uint8Array(b * c);
          for (let k = 0; k < dropped.length; k++) {
            const draw = o.gamma >= 1 || step.random() < o.gamma;
            const j = k % c;
            dropped[k] = draw && tail[j] === 1 && labels[(k - j) / c] !== j ? 1 : 0;
          }
          return { ...plain, dropped };
        },
        constantTerm: null,
      };
    }
    case 'elm': {
      const margins = ldamMargins(counts, 1).map((m) => m * o.logitMargin);
      const delta = embeddingMargins(counts, o.deltaMax, o.q);
      const spec = { ...plain, offset: f64(logPriors(counts).map((v) => v * o.tau)), targetMargin: o.logitMargin === 0 ? null : f64(margins) };
      return {
        cosine: false,
        adjustment: () => spec,
        constantTerm:
          o.lambda === 0
            ? null
            : (embeddings, labels, b, d) =>
                tf.tidy(() => {
                  const oneHot = tf.oneHot(tf.tensor1d(labels.subarray(0, b), 'int32'), c).toFloat() as Tensor2D;
                  const term = supConMarginLoss(tf.tensor2d(embeddings.subarray(0, b * d), [b, d]), oneHot, tf.tensor1d(delta, 'float32'), o.temperature);
                  return term.dataSync()[0] * o.lambda;
                }),
      };
    }
  }
}
