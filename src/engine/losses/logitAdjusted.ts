/**
 * `la`: the logit-adjusted loss of Menon et al. (ICLR 2021, eq. 10).
 *
 * ℓ_LA(y, f) = −log[ e^{f_y + τ log π_y} / Σ_{y'} e^{f_{y'} + τ log π_{y'}} ] = CE(f + τ log π, y),
 * averaged over the batch; π_y = n_y / N are training priors. Predict with plain argmax f (no post-hoc
 * adjustment on top). Shapes: logits [B, C], oneHot [B, C], logPrior [C] → scalar.
 * Citation: methods §2.2, test vectors §13.1.
 */
import type { Scalar, Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import { tf } from '../compute/tf';
import { logPriors } from './classConstants';
import type { LossDefinition } from './lossDefinition';
import { crossEntropyPerExample, meanReduction } from './softmaxCrossEntropy';

/** Mean CE(f + τ·log π). Shapes: logits [B, C], oneHot [B, C], logPrior [C] → scalar. */
export function logitAdjustedLoss(logits: Tensor2D, oneHot: Tensor2D, logPrior: Tensor1D, tau: number): Scalar {
  return meanReduction(crossEntropyPerExample(tf.add(logits, tf.mul(logPrior, tau)) as Tensor2D, oneHot));
}

/** Registry entry of `la`. */
export const logitAdjustedDefinition: LossDefinition = {
  name: 'la',
  summary: 'logit-adjusted loss CE(f + τ log π) (Menon et al. 2021)',
  options: [{ name: 'tau', default: 1, min: 0, max: 10, description: 'scale τ of the log-prior adjustment' }],
  create: (options, counts) => {
    const logPi = logPriors(counts);
    return {
      name: 'la',
      options,
      logitKind: 'linear',
      usesEmbeddings: false,
      compute: ({ logits, oneHot }) => logitAdjustedLoss(logits, oneHot, tf.tensor1d(logPi, 'float32'), options.tau),
    };
  },
};
