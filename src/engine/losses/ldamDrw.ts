/**
 * `ldam-drw`: LDAM with deferred re-weighting (Cao et al. 2019, Algorithm 1 and `cifar_train.py`).
 *
 * ℓ = Σ_i α_{y_i}(e) ℓ_LDAM,i / Σ_i α_{y_i}(e)  (PyTorch weighted mean), with
 * α(e) = 1 for epochs e < e₀ and α = class-balanced weights with β = 0.9999 (normalised to Σ α = C)
 * from e₀ = ⌊drwFraction · E⌋ on (the reference code switches at epoch 160 of 200, i.e. drwFraction 0.8).
 * Cosine logits as for `ldam`. Shapes: cosine logits [B, C], oneHot [B, C] → scalar.
 * Citation: methods §4.2, §6; weights test vector §13.3.
 */
import type { Scalar, Tensor2D } from '@tensorflow/tfjs';
import { tf } from '../compute/tf';
import { classBalancedWeights, ldamMargins } from './classConstants';
import type { LossDefinition } from './lossDefinition';
import { ldamOptions, ldamPerExample } from './ldam';
import { weightedMeanReduction } from './softmaxCrossEntropy';

/** First epoch (0-indexed) of the re-weighted stage: ⌊drwFraction · epochs⌋. */
export function drwStartEpoch(epochs: number, drwFraction: number): number {
  return Math.floor(drwFraction * epochs);
}

/**
 * DRW class weights at `epoch` (0-indexed): all ones before {@link drwStartEpoch}, class-balanced weights with
 * `beta` from then on. Shapes: counts [C] → [C]. Citation: methods §4.2.
 */
export function drwWeights(counts: readonly number[], epoch: number, epochs: number, beta: number, drwFraction: number): number[] {
  return epoch < drwStartEpoch(epochs, drwFraction) ? counts.map(() => 1) : classBalancedWeights(counts, beta);
}

/** Registry entry of `ldam-drw`. */
export const ldamDrwDefinition: LossDefinition = {
  name: 'ldam-drw',
  summary: 'LDAM with deferred class-balanced re-weighting from epoch ⌊0.8·E⌋ (Cao et al. 2019)',
  options: [
    ...ldamOptions,
    { name: 'beta', default: 0.9999, min: 0, max: 1, maxExclusive: true, description: 'β of the class-balanced weights of the second stage' },
    { name: 'drwFraction', default: 0.8, min: 0, max: 1, description: 're-weighting starts at epoch ⌊drwFraction · epochs⌋' },
  ],
  create: (options, counts) => {
    const m = ldamMargins(counts, options.maxMargin);
    let cachedEpoch = -1;
    let weights: number[] = [];
    return {
      name: 'ldam-drw',
      options,
      logitKind: 'cosine',
      usesEmbeddings: false,
      compute: ({ logits, oneHot }, step): Scalar => {
        if (step.epoch !== cachedEpoch) {
          weights = drwWeights(counts, step.epoch, step.epochs, options.beta, options.drwFraction);
          cachedEpoch = step.epoch;
        }
        const per = ldamPerExample(logits as Tensor2D, oneHot, tf.tensor1d(m, 'float32'), options.scale);
        return weightedMeanReduction(per, oneHot, tf.tensor1d(weights, 'float32'));
      },
    };
  },
};
