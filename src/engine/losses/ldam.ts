/**
 * `ldam`: label-distribution-aware margin loss of Cao et al. (NeurIPS 2019, eq. 13 and `LDAMLoss`).
 *
 * Δ_y = maxMargin · n_y^{−1/4} / max_j n_j^{−1/4},
 * ℓ(x, y) = −log[ e^{s(z_y − Δ_y)} / (e^{s(z_y − Δ_y)} + Σ_{j≠y} e^{s z_j}) ] = CE(s·(z − Δ ⊙ onehot(y)), y),
 * averaged over the batch. z are **cosine logits** z_j = φ̂·ŵ_j ∈ [−1, 1] (normalised embedding, normalised
 * class weight, no bias): the loss declares `logitKind: 'cosine'` and the trainer computes z that way
 * (LDAM's NormedLinear, methods §4.1). Shapes: cosine logits [B, C], oneHot [B, C], margins [C] → scalar.
 * Citation: methods §4.1, test vector §13.2.
 */
import type { Scalar, Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import { tf } from '../compute/tf';
import { ldamMargins } from './classConstants';
import type { LossDefinition, LossOptionSpec } from './lossDefinition';
import { crossEntropyPerExample, meanReduction } from './softmaxCrossEntropy';

/**
 * Per-example LDAM loss CE(s·(z − Δ⊙onehot)). Shapes: cosineLogits [B, C], oneHot [B, C], margins [C] → [B].
 */
export function ldamPerExample(cosineLogits: Tensor2D, oneHot: Tensor2D, margins: Tensor1D, scale: number): Tensor1D {
  const shifted = tf.sub(cosineLogits, tf.mul(oneHot, margins));
  return crossEntropyPerExample(tf.mul(shifted, scale) as Tensor2D, oneHot);
}

/** Mean LDAM loss. Shapes: cosineLogits [B, C], oneHot [B, C], margins [C] → scalar. */
export function ldamLoss(cosineLogits: Tensor2D, oneHot: Tensor2D, margins: Tensor1D, scale: number): Scalar {
  return meanReduction(ldamPerExample(cosineLogits, oneHot, margins, scale));
}

/** Options LDAM and LDAM-DRW share. */
export const ldamOptions: readonly LossOptionSpec[] = [
  { name: 'maxMargin', default: 0.5, min: 0, max: 2, description: 'margin Δ of the rarest class (0.5 on CIFAR, 0.3 on iNaturalist)' },
  { name: 'scale', default: 30, min: 0, minExclusive: true, max: 1000, description: 'scale s applied to the cosine logits' },
];

/** Registry entry of `ldam`. */
export const ldamDefinition: LossDefinition = {
  name: 'ldam',
  summary: 'LDAM margin loss on cosine logits (Cao et al. 2019)',
  options: ldamOptions,
  create: (options, counts) => {
    const m = ldamMargins(counts, options.maxMargin);
    return {
      name: 'ldam',
      options,
      logitKind: 'cosine',
      usesEmbeddings: false,
      compute: ({ logits, oneHot }) => ldamLoss(logits, oneHot, tf.tensor1d(m, 'float32'), options.scale),
    };
  },
};
