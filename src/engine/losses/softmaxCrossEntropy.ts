/**
 * Per-example softmax cross-entropy and the reductions the losses share.
 */
import type { GradSaveFunc, Scalar, Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import { tf } from '../compute/tf';

/**
 * ℓ_i = logsumexp_j(f_ij) − Σ_j t_ij f_ij (max-subtracted logsumexp; the target logit is read with a one-hot
 * product, never a gather, methods §11.2–3), with the closed-form gradient
 * ∂ℓ_i/∂f_ij = softmax(f_i)_j · Σ_j t_ij − t_ij and ∂ℓ_i/∂t_ij = logsumexp(f_i) − f_ij, instead of
 * differentiating through logSumExp's max (a broadcast comparison and several elementwise passes; ~19 %
 * of a head step on WASM). Shapes: logits [B, C], oneHot [B, C] → [B].
 */
export function crossEntropyPerExample(logits: Tensor2D, oneHot: Tensor2D): Tensor1D {
  return crossEntropyWithGrad(logits, oneHot) as Tensor1D;
}

const crossEntropyWithGrad = tf.customGrad((logits, oneHot, save) => {
  const f = logits as Tensor2D;
  const t = oneHot as Tensor2D;
  const lse = tf.logSumExp(f, 1, true);
  (save as GradSaveFunc)([f, t, lse]);
  return {
    value: tf.sub(tf.squeeze(lse, [1]), tf.sum(tf.mul(f, t), 1)),
    gradFunc: (dy, saved) => {
      const [sf, st, slse] = saved as [Tensor2D, Tensor2D, Tensor2D];
      const g = tf.expandDims(dy as Tensor1D, 1);
      const mass = tf.sum(st, 1, true);
      const dLogits = tf.mul(g, tf.sub(tf.mul(tf.softmax(sf), mass), st));
      const dTargets = tf.mul(g, tf.sub(slse, sf));
      return [dLogits, dTargets];
    },
  };
});

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
