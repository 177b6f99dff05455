/**
 * `balanced-softmax`: Balanced Softmax of Ren et al. (NeurIPS 2020, eq. 4).
 *
 * φ̂_j = n_j e^{η_j} / Σ_i n_i e^{η_i},  ℓ = −log φ̂_y = CE(η + log n, y), averaged over the batch.
 * Identical to the LA loss with τ = 1 (log n = log π + log N; the constant cancels in the softmax).
 * Classes with n_j = 0 use n_j = 1e-12·N. Shapes: logits [B, C], oneHot [B, C], logCounts [C] → scalar.
 * Citation: methods §7, test vector §13.1 (3.4915345570).
 */
import type { Scalar, Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import { tf } from '../compute/tf';
import { minPrior } from './classConstants';
import type { LossDefinition } from './lossDefinition';
import { crossEntropyPerExample, meanReduction } from './softmaxCrossEntropy';

/** Mean CE(η + log n). Shapes: logits [B, C], oneHot [B, C], logCounts [C] → scalar. */
export function balancedSoftmaxLoss(logits: Tensor2D, oneHot: Tensor2D, logCounts: Tensor1D): Scalar {
  return meanReduction(crossEntropyPerExample(tf.add(logits, logCounts) as Tensor2D, oneHot));
}

/** Registry entry of `balanced-softmax`. */
export const balancedSoftmaxDefinition: LossDefinition = {
  name: 'balanced-softmax',
  summary: 'Balanced Softmax CE(f + log n) (Ren et al. 2020; = la with τ = 1)',
  options: [],
  create: (options, counts) => {
    const total = counts.reduce((a, b) => a + b, 0);
    const logN = counts.map((n) => Math.log(Math.max(n, minPrior * total)));
    return {
      name: 'balanced-softmax',
      options,
      logitKind: 'linear',
      usesEmbeddings: false,
      compute: ({ logits, oneHot }) => balancedSoftmaxLoss(logits, oneHot, tf.tensor1d(logN, 'float32')),
    };
  },
};
