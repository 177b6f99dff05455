/**
 * `cb`: class-balanced softmax cross-entropy of Cui et al. (CVPR 2019).
 *
 * E_n = (1 − β^n)/(1 − β), α_y = 1/E_{n_y} normalised to Σ_y α_y = C,
 * ℓ = Σ_i α_{y_i} CE_i / Σ_i α_{y_i}  (PyTorch `cross_entropy(weight=α)` weighted mean, not mean(α·CE)).
 * Shapes: logits [B, C], oneHot [B, C], classWeights [C] → scalar.
 * Citation: methods §6, test vector §13.3 (0.2803904269).
 */
import type { Scalar, Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import { tf } from '../compute/tf';
import { classBalancedWeights } from './classConstants';
import type { LossDefinition } from './lossDefinition';
import { crossEntropyPerExample, weightedMeanReduction } from './softmaxCrossEntropy';

/** Weighted-mean CE. Shapes: logits [B, C], oneHot [B, C], classWeights [C] → scalar. */
export function classBalancedLoss(logits: Tensor2D, oneHot: Tensor2D, classWeights: Tensor1D): Scalar {
  return weightedMeanReduction(crossEntropyPerExample(logits, oneHot), oneHot, classWeights);
}

/** Registry entry of `cb`. */
export const classBalancedDefinition: LossDefinition = {
  name: 'cb',
  summary: 'class-balanced CE with effective-number weights (Cui et al. 2019)',
  options: [{ name: 'beta', default: 0.9999, min: 0, max: 1, maxExclusive: true, description: 'β of the effective number (1 − β^n)/(1 − β)' }],
  create: (options, counts) => {
    const alpha = classBalancedWeights(counts, options.beta);
    return {
      name: 'cb',
      options,
      logitKind: 'linear',
      usesEmbeddings: false,
      compute: ({ logits, oneHot }) => classBalancedLoss(logits, oneHot, tf.tensor1d(alpha, 'float32')),
    };
  },
};
