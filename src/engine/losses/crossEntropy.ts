/**
 * `ce`: plain softmax cross-entropy (ERM).
 *
 * ℓ(y, f) = logsumexp_j f_j − f_y, averaged over the batch. Shapes: logits [B, C], oneHot [B, C] → scalar.
 * Citation: methods §2.3 (ERM: α = 1, Δ = 0).
 */
import type { Scalar, Tensor2D } from '@tensorflow/tfjs';
import type { LossDefinition } from './lossDefinition';
import { crossEntropyPerExample, meanReduction } from './softmaxCrossEntropy';

/** Mean softmax cross-entropy. Shapes: logits [B, C], oneHot [B, C] → scalar. */
export function crossEntropyLoss(logits: Tensor2D, oneHot: Tensor2D): Scalar {
  return meanReduction(crossEntropyPerExample(logits, oneHot));
}

/** Registry entry of `ce`. */
export const crossEntropyDefinition: LossDefinition = {
  name: 'ce',
  summary: 'softmax cross-entropy (ERM)',
  options: [],
  create: (options) => ({
    name: 'ce',
    options,
    logitKind: 'linear',
    usesEmbeddings: false,
    compute: ({ logits, oneHot }) => crossEntropyLoss(logits, oneHot),
  }),
};
