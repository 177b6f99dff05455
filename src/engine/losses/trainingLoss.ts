/**
 * The common shape of every fine-tuning loss (see lossRegistry.ts): a loss turns a batch of logits
 * `[B, C]`, one-hot targets `[B, C]` and (for losses with an embedding term) the batch's embeddings
 * `[B, D]` into a scalar to minimise. Class-dependent constants (log priors, margins, weights) are
 * computed once in float64 JS numbers and uploaded as float32 (methods §11.1).
 */
import type { Scalar, Tensor2D } from '@tensorflow/tfjs';

/** Names of the registered losses. */
export type LossName = 'ce' | 'la' | 'balanced-softmax' | 'ldam' | 'ldam-drw' | 'cb' | 'eql' | 'elm';

/** One training batch as a loss sees it. */
export interface LossInputs {
  /** `[B, C]`: ordinary logits f = W·φ + b, or cosine logits ŵ·φ̂ ∈ [−1, 1] when the loss asks for them. */
  readonly logits: Tensor2D;
  /** `[B, C]` float32 one-hot targets. */
  readonly oneHot: Tensor2D;
  /** `[B, D]` embeddings (the classifier's input); only losses with `usesEmbeddings` read it. */
  readonly embeddings?: Tensor2D;
}

/** Where training is when the loss is evaluated (schedules such as DRW and random masks such as EQL's read it). */
export interface LossStep {
  /** 0-indexed epoch. */
  readonly epoch: number;
  /** Total epochs of the run. */
  readonly epochs: number;
  /** Seeded uniform [0, 1) source, for losses with random parts (deterministic for the run's seed). */
  readonly random: () => number;
}

/** A loss ready to train with. */
export interface TrainingLoss {
  readonly name: LossName;
  /** Every option with its resolved value (defaults filled in), recorded in training.json. */
  readonly options: Readonly<Record<string, number>>;
  /**
   * `linear`: logits are f = φ·K + b. `cosine`: logits are cos(φ, w_y) = φ̂·ŵ_y (normalised features and
   * normalised class weights, no bias), as LDAM's NormedLinear (methods §4.1).
   */
  readonly logitKind: 'linear' | 'cosine';
  /** True when the loss has an embedding term and needs `LossInputs.embeddings`. */
  readonly usesEmbeddings: boolean;
  /**
   * The scalar loss of one batch. Must be called inside `tf.tidy` (or an optimizer's `minimize`): it
   * allocates intermediate tensors freely.
   */
  compute(inputs: LossInputs, step: LossStep): Scalar;
}
