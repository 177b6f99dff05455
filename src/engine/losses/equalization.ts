/**
 * `eql`: softmax equalization loss of Tan et al. (CVPR 2020).
 *
 * ℓ = −log p̃_y,  p̃_j = e^{z_j} / Σ_k w̃_k e^{z_k},  w̃_k = 1 − β_k · T_λ(f_k) · (1 − y_k),
 * f_k = n_k / N, T_λ(x) = [x < λ], β_k ~ Bernoulli(γ) drawn per element of the batch (BagofTricks-LT), so that
 * with probability γ a rare class that is a negative leaves the denominator and gets no discouraging gradient.
 * Stable form: log w̃ is added to the logits, with a dropped class's logit lowered by 10⁴ (e^{−10⁴} = 0 in
 * float32) before a max-subtracted logsumexp. Mean over the batch.
 * Shapes: logits [B, C], oneHot [B, C], tail [C] (T_λ(f)), keep [B, C] (β) → scalar.
 * Citation: methods §5, deterministic test vector §13.4 (γ = 1: β ≡ 1).
 */
import type { Scalar, Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import { tf } from '../compute/tf';
import type { LossDefinition } from './lossDefinition';
import { crossEntropyPerExample, meanReduction } from './softmaxCrossEntropy';

/** How far a dropped class's logit is lowered (stands in for log 0). */
export const droppedLogitOffset = 1e4;

/**
 * Mean softmax equalization loss for given Bernoulli draws `beta` ([B, C] of 0/1).
 * Shapes: logits [B, C], oneHot [B, C], tail [C], beta [B, C] → scalar.
 */
export function equalizationLoss(logits: Tensor2D, oneHot: Tensor2D, tail: Tensor1D, beta: Tensor2D): Scalar {
  const dropped = tf.mul(tf.mul(beta, tail), tf.sub(1, oneHot));
  return meanReduction(crossEntropyPerExample(tf.sub(logits, tf.mul(dropped, droppedLogitOffset)) as Tensor2D, oneHot));
}

/** T_λ(f_k) = 1 when the class frequency n_k/N is below λ. Shapes: counts [C] → [C]. */
export function tailIndicator(counts: readonly number[], lambda: number): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((n) => (n / total < lambda ? 1 : 0));
}

/** Registry entry of `eql`. */
export const equalizationDefinition: LossDefinition = {
  name: 'eql',
  summary: 'softmax equalization loss (Tan et al. 2020)',
  options: [
    { name: 'gamma', default: 0.9, min: 0, max: 1, description: 'probability γ that a rare negative class is dropped from the denominator' },
    { name: 'lambda', default: 0.005, min: 0, max: 1, description: 'frequency threshold λ: classes with n_k/N < λ are rare' },
  ],
  create: (options, counts) => {
    const tail = tailIndicator(counts, options.lambda);
    const c = counts.length;
    return {
      name: 'eql',
      options,
      logitKind: 'linear',
      usesEmbeddings: false,
      compute: ({ logits, oneHot }, step) => {
        const b = logits.shape[0];
        const draws = new Float32Array(b * c);
        for (let i = 0; i < draws.length; i++) draws[i] = options.gamma >= 1 || step.random() < options.gamma ? 1 : 0;
        return equalizationLoss(logits, oneHot, tf.tensor1d(tail, 'float32'), tf.tensor2d(draws, [b, c]));
      },
    };
  },
};
