/**
 * `elm`: an ELM-style objective (embedding and logit margins, after Jitkrittum et al. 2022).
 *
 * The ELM paper's body was not available; this implements methods §1.3 [R] exactly:
 *   L_ELM = L_logit + λ · L_emb,
 *   L_logit = mean_i CE(f(x_i) + τ·log π − a·m ⊙ onehot(y_i), y_i)   (LA loss; optional LDAM-style target margin
 *             m_y = n_y^{−1/4}/max_j n_j^{−1/4}, scaled by a, default a = 0),
 *   L_emb = margin SupCon on the batch's embeddings with δ_y = δ_max·(n_min/n_y)^q and temperature T
 *           (supConMargin.ts).
 * Defaults λ = 1, T = 0.1, δ_max = 0.2, q = 1/4, τ = 1, a = 0. With λ = 0 this is the LA loss.
 * Shapes: logits [B, C], oneHot [B, C], embeddings [B, D] → scalar.
 * Citation: methods §1.3 (objective), §2.2 (LA), §4.1 (margins), §13.7 (embedding-term vectors).
 */
import type { Scalar, Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { tf } from '../compute/tf';
import { ldamMargins, logPriors } from './classConstants';
import type { LossDefinition } from './lossDefinition';
import { crossEntropyPerExample, meanReduction } from './softmaxCrossEntropy';
import { embeddingMargins, supConMarginLoss } from './supConMargin';

/** The logit term: mean CE(f + τ log π − a·m⊙onehot). Shapes: logits [B, C], oneHot [B, C], logPrior [C], margins [C] → scalar. */
export function elmLogitLoss(logits: Tensor2D, oneHot: Tensor2D, logPrior: Tensor1D, tau: number, logitMargins: Tensor1D, a: number): Scalar {
  const adjusted = tf.sub(tf.add(logits, tf.mul(logPrior, tau)), tf.mul(tf.mul(oneHot, logitMargins), a));
  return meanReduction(crossEntropyPerExample(adjusted as Tensor2D, oneHot));
}

/** Registry entry of `elm`. */
export const elmDefinition: LossDefinition = {
  name: 'elm',
  summary: "ELM-style: LA loss + λ · margin supervised-contrastive term on embeddings; reconstructed from the paper's abstract and the methods notes (docs/methods.md §1); equals la in head scope",
  options: [
    { name: 'lambda', default: 1, min: 0, max: 100, description: 'weight λ of the embedding term' },
    { name: 'temperature', default: 0.1, min: 0.02, max: 10, description: 'temperature T of the contrastive term (below 0.02, exp(1/T) risks float32 overflow)' },
    { name: 'deltaMax', default: 0.2, min: 0, max: 2, description: 'largest embedding margin δ_max (rarest class)' },
    { name: 'q', default: 0.25, min: 0, max: 4, description: 'exponent q of δ_y = δ_max (n_min/n_y)^q' },
    { name: 'tau', default: 1, min: 0, max: 10, description: 'logit-adjustment scale τ of the logit term' },
    { name: 'logitMargin', default: 0, min: 0, max: 2, description: 'scale a of an extra LDAM-style margin on the target logit' },
  ],
  create: (options, counts) => {
    const logPi = logPriors(counts);
    const m = ldamMargins(counts, 1);
    const delta = embeddingMargins(counts, options.deltaMax, options.q);
    return {
      name: 'elm',
      options,
      logitKind: 'linear',
      usesEmbeddings: true,
      compute: ({ logits, oneHot, embeddings }) => {
        const logit = elmLogitLoss(logits, oneHot, tf.tensor1d(logPi, 'float32'), options.tau, tf.tensor1d(m, 'float32'), options.logitMargin);
        if (options.lambda === 0) return logit;
        if (!embeddings) {
          throw new LongtailError(ErrorCode.Internal, 'internal error: the elm loss needs the batch embeddings');
        }
        return tf.add(logit, tf.mul(supConMarginLoss(embeddings, oneHot, tf.tensor1d(delta, 'float32'), options.temperature), options.lambda)) as Scalar;
      },
    };
  },
};
