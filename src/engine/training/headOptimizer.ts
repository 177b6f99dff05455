/**
 * The optimizer update of the head fast path (headFastPath.ts): one fused typed-array loop per weight array,
 * in place, with the semantics of the TF.js optimizers the reference path (trainClassifier.ts) uses.
 *
 * Weight decay is PyTorch-style coupled decay, as trainClassifier adds ½λΣw² to the loss: g = ∇L + λw.
 *
 * - `sgd` (tf.train.momentum(lr, 0.9), no Nesterov, as the reference path):
 *     a ← μ·a + g,  w ← w − lr·a,  μ = 0.9.
 * - `adam` (tf.train.adam(lr), β₁ = 0.9, β₂ = 0.999, ε = 1e-7 = the float32 backend epsilon):
 *     m ← β₁m + (1 − β₁)g,  v ← β₂v + (1 − β₂)g²,
 *     w ← w − lr · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
 *   (ε added outside the square root of the bias-corrected v, as TF.js; β₁ᵗ, β₂ᵗ kept as float32 products
 *   like TF.js's accBeta variables). Kingma & Ba, ICLR 2015, Algorithm 1; docs/methods.md §14.
 */
import type { FineTuneOptimizer } from '../../protocol/fineTuneParams';

/** Momentum of the reference path's SGD. */
export const sgdMomentum = 0.9;
const beta1 = 0.9;
const beta2 = 0.999;
/** TF.js's epsilon for float32 backends (backend.epsilon()). */
export const adamEpsilon = 1e-7;

/** Optimizer state for a fixed list of weight arrays. */
export interface HeadOptimizer {
  /** Starts a step (Adam: advances the bias-correction powers after the previous step). */
  beginStep(): void;
  /**
   * Updates `weights` (array number `slot`) in place from `grad` (∇L without decay, same length) with rate `lr`
   * and decay λ = `decay`. Returns Σw² of the updated weights when λ > 0 (for the next step's decay term), else 0
   * (the λ = 0 loop reads and sums less).
   */
  update(slot: number, weights: Float32Array, grad: Float32Array, lr: number, decay: number): number;
}

/** An optimizer for weight arrays of the given lengths. */
export function headOptimizer(kind: FineTuneOptimizer, lengths: readonly number[]): HeadOptimizer {
  if (kind === 'sgd') {
    const accumulation = lengths.map((n) => new Float32Array(n));
    return {
      beginStep: () => undefined,
      update(slot, w, grad, lr, decay) {
        const a = accumulation[slot];
        if (decay === 0) {
          for (let i = 0; i < w.length; i++) {
            const ai = sgdMomentum * a[i] + grad[i];
            a[i] = ai;
            w[i] -= lr * ai;
          }
          return 0;
        }
        let squares = 0;
        for (let i = 0; i < w.length; i++) {
          const g = grad[i] + decay * w[i];
          const ai = sgdMomentum * a[i] + g;
          a[i] = ai;
          w[i] = w[i] - lr * ai;
          const wi = w[i];
          squares += wi * wi;
        }
        return squares;
      },
    };
  }
  const first = lengths.map((n) => new Float32Array(n));
  const second = lengths.map((n) => new Float32Array(n));
  // TF.js starts accBeta at β (the power for step 1) and multiplies by β after each step, in float32.
  let accBeta1 = Math.fround(beta1);
  let accBeta2 = Math.fround(beta2);
  let started = false;
  return {
    beginStep() {
      if (started) {
        accBeta1 = Math.fround(accBeta1 * Math.fround(beta1));
        accBeta2 = Math.fround(accBeta2 * Math.fround(beta2));
      }
      started = true;
    },
    update(slot, w, grad, lr, decay) {
      const m = first[slot];
      const v = second[slot];
      const c1 = 1 / (1 - accBeta1);
      const c2 = 1 / (1 - accBeta2);
      if (decay === 0) {
        for (let i = 0; i < w.length; i++) {
          const g = grad[i];
          const mi = beta1 * m[i] + (1 - beta1) * g;
          const vi = beta2 * v[i] + (1 - beta2) * g * g;
          m[i] = mi;
          v[i] = vi;
          w[i] -= (lr * (mi * c1)) / (Math.sqrt(vi * c2) + adamEpsilon);
        }
        return 0;
      }
      let squares = 0;
      for (let i = 0; i < w.length; i++) {
        const g = grad[i] + decay * w[i];
        const mi = beta1 * m[i] + (1 - beta1) * g;
        const vi = beta2 * v[i] + (1 - beta2) * g * g;
        m[i] = mi;
        v[i] = vi;
        w[i] = w[i] - (lr * (mi * c1)) / (Math.sqrt(vi * c2) + adamEpsilon);
        const wi = w[i];
        squares += wi * wi;
      }
      return squares;
    },
  };
}
