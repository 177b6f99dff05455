/**
 * The optimizer update of the head fast path (headFastPath.ts): one fused pass per weight array, in place, with
 * the semantics of the TF.js optimizers the reference path (trainClassifier.ts) uses.
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
 *
 * Kernels. The updates run as WebAssembly SIMD loops (kernels/headOptimizer.wat: f32x4, every operation in
 * float32 and in TF.js's order), over arrays that live in the kernel's own memory: the optimizer owns the
 * weights, their gradient buffers and its state, and hands out views of them ({@link HeadOptimizer.weights},
 * {@link HeadOptimizer.gradient}); the memory is sized once and never grows, so the views stay valid. Each
 * array is padded with zeros to a multiple of 4 values (a zero weight with zero gradient and state stays zero).
 * When that memory cannot be had (a head beyond WebAssembly's 4 GiB, or no WebAssembly SIMD), the same
 * updates run as plain typed-array loops in float64 arithmetic (`kind: 'js'`).
 */
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { FineTuneOptimizer } from '../../protocol/fineTuneParams';
import { headOptimizerWasm } from './kernels/headOptimizerWasm';
import { wasmMemoryInstance } from '../compute/wasmInstance';

/** Momentum of the reference path's SGD. */
export const sgdMomentum = 0.9;
const beta1 = 0.9;
const beta2 = 0.999;
/** TF.js's epsilon for float32 backends (backend.epsilon()). */
export const adamEpsilon = 1e-7;

/** Optimizer state and parameters for a fixed list of weight arrays. */
export interface HeadOptimizer {
  /** Which loops run the updates. */
  readonly kind: 'wasm' | 'js';
  /** Weight array `slot`, updated in place by {@link HeadOptimizer.update} (a view; valid while the optimizer lives). */
  weights(slot: number): Float32Array;
  /** The gradient buffer of `slot`: the caller writes ∇L (without decay) here before {@link HeadOptimizer.update}. */
  gradient(slot: number): Float32Array;
  /** Starts a step (Adam: advances the bias-correction powers after the previous step). */
  beginStep(): void;
  /**
   * Updates weights `slot` in place from its gradient buffer with rate `lr` and decay λ = `decay`. Returns Σw² of
   * the updated weights when λ > 0 (for the next step's decay term), else 0 (the λ = 0 loop reads and sums less).
   */
  update(slot: number, lr: number, decay: number): number;
}

/** Options (tests force the typed-array loops). */
export interface HeadOptimizerOptions {
  readonly kernels?: 'auto' | 'js';
}

interface WasmExports {
  sgd(w: number, g: number, a: number, n: number, negLr: number, mu: number, decay: number): number;
  adam(w: number, g: number, m: number, v: number, n: number, negLr: number, b1: number, oneMinusB1: number, b2: number, oneMinusB2: number, c1: number, c2: number, eps: number, decay: number): number;
}

/** Bias-correction powers β₁ᵗ, β₂ᵗ as TF.js keeps them: start at β (step 1), multiplied by β after each step, in float32. */
function adamPowers(): { beginStep(): void; c1(): number; c2(): number } {
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
    c1: () => Math.fround(1 - accBeta1),
    c2: () => Math.fround(1 - accBeta2),
  };
}

const padded = (n: number): number => Math.ceil(n / 4) * 4;

/** The WebAssembly kind, or null when its memory cannot be had. */
function wasmOptimizer(kind: FineTuneOptimizer, initial: readonly Float32Array[]): HeadOptimizer | null {
  const arraysPerSlot = kind === 'adam' ? 4 : 3; // weights, gradient, state (a, or m and v)
  const instance = wasmMemoryInstance<WasmExports>(headOptimizerWasm, initial.reduce((total, w) => total + arraysPerSlot * padded(w.length) * 4, 0));
  if (!instance) return null;
  const exports = instance.exports;
  const take = instance.allocator().f32;
  const slots = initial.map((w0) => {
    const w = take(w0.length);
    w.view.set(w0);
    return { n: padded(w0.length), w, g: take(w0.length), s1: take(w0.length), s2: kind === 'adam' ? take(w0.length) : null };
  });
  const powers = adamPowers();
  return {
    kind: 'wasm',
    weights: (slot) => slots[slot].w.view,
    gradient: (slot) => slots[slot].g.view,
    beginStep: () => powers.beginStep(),
    update(slot, lr, decay) {
      const s = slots[slot];
      const negLr = Math.fround(-lr);
      if (kind === 'sgd') return exports.sgd(s.w.at, s.g.at, s.s1.at, s.n, negLr, sgdMomentum, decay);
      return exports.adam(s.w.at, s.g.at, s.s1.at, (s.s2 as { at: number }).at, s.n, negLr, beta1, 1 - beta1, beta2, 1 - beta2, powers.c1(), powers.c2(), adamEpsilon, decay);
    },
  };
}

/** The typed-array kind (float64 arithmetic, float32 storage). */
function jsOptimizer(kind: FineTuneOptimizer, initial: readonly Float32Array[]): HeadOptimizer {
  const weights = initial.map((w) => Float32Array.from(w));
  const gradients = initial.map((w) => new Float32Array(w.length));
  const first = initial.map((w) => new Float32Array(w.length));
  const second = kind === 'adam' ? initial.map((w) => new Float32Array(w.length)) : [];
  const powers = adamPowers();
  return {
    kind: 'js',
    weights: (slot) => weights[slot],
    gradient: (slot) => gradients[slot],
    beginStep: () => powers.beginStep(),
    update(slot, lr, decay) {
      const w = weights[slot];
      const grad = gradients[slot];
      let squares = 0;
      if (kind === 'sgd') {
        const a = first[slot];
        for (let i = 0; i < w.length; i++) {
          const ai = sgdMomentum * a[i] + (decay === 0 ? grad[i] : grad[i] + decay * w[i]);
          a[i] = ai;
          w[i] -= lr * ai;
          if (decay !== 0) squares += w[i] * w[i];
        }
        return squares;
      }
      const m = first[slot];
      const v = second[slot];
      const c1 = powers.c1();
      const c2 = powers.c2();
      for (let i = 0; i < w.length; i++) {
        const g = decay === 0 ? grad[i] : grad[i] + decay * w[i];
        const mi = beta1 * m[i] + (1 - beta1) * g;
        const vi = beta2 * v[i] + (1 - beta2) * g * g;
        m[i] = mi;
        v[i] = vi;
        w[i] -= (lr * (mi / c1)) / (Math.sqrt(vi / c2) + adamEpsilon);
        if (decay !== 0) squares += w[i] * w[i];
      }
      return squares;
    },
  };
}

/**
 * An optimizer over copies of the weight arrays `initial` (in the given order; read them back with
 * {@link HeadOptimizer.weights}).
 */
export function headOptimizer(kind: FineTuneOptimizer, initial: readonly Float32Array[], options: HeadOptimizerOptions = {}): HeadOptimizer {
  if (kind !== 'sgd' && kind !== 'adam') throw new LongtailError(ErrorCode.Internal, `internal error: unknown optimizer ${String(kind)}`);
  return (options.kernels !== 'js' && wasmOptimizer(kind, initial)) || jsOptimizer(kind, initial);
}
