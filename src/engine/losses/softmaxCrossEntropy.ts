/**
 * Per-example softmax cross-entropy and the reductions the losses share.
 */
import type { Scalar, Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import { tf } from '../compute/tf';

/**
 * ℓ_i = logsumexp_j(f_ij) − Σ_j t_ij f_ij (max-subtracted logsumexp; the target logit is read with a one-hot
 * product, never a gather, methods §11.2–3). Shapes: logits [B, C], oneHot [B, C] → [B].
 */
export function crossEntropyPerExample(logits: Tensor2D, oneHot: Tensor2D): Tensor1D {
  return tf.sub(tf.logSumExp(logits, 1), tf.sum(tf.mul(logits, oneHot), 1)) as Tensor1D;
}

/** Mean over the batch: (1/B) Σ_i ℓ_i. Shapes: [B] → scalar. */
export function meanReduction(perExample: Tensor1D): Scalar {
  return tf.mean(perExample) as Scalar;
}

/**
 * PyTorch's weighted mean Σ_i α_{y_i} ℓ_i / Σ_i α_{y_i} (`cross_entropy(weight=α)`, methods §6 and §13.3).
 * Shapes: perExample [B], oneHot [B, C], classWeights [C] → scalar.
 */
export function weightedMeanReduction(perExample: Tensor1D, oneHot: Tensor2D, classWeights: Tensor1D): Scalar {
  const w = tf.sum(tf.mul(oneHot, classWeights), 1);
  return tf.div(tf.sum(tf.mul(w, perExample)), tf.sum(w)) as Scalar;
}
