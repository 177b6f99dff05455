/**
 * The head fast path's loss step: for logits F `[rows, C]` (the forward product's output, plus the bias),
 * the adjusted softmax cross-entropy L and ∂L/∂F in place, and ∂L/∂b = Σ_i ∂L/∂f_i — the formulas of
 * losses/logitGradient.ts (docs/methods.md §14):
 *
 *   u_ij = s · (f_ij + b_j + a_j − Δ_{y_i}·[j = y_i] − 10⁴·d_ij),  ℓ_i = log Σ_j e^{u_ij − M_i} + M_i − u_{i,y_i},
 *   L = Σ_i w_i ℓ_i / Σ_i w_i,  ∂L/∂f_ij = (w_i / Σ_k w_k) · s · (softmax(u_i)_j − [j = y_i]).
 *
 * Kernels. A WebAssembly SIMD kernel (kernels/softmaxGradient.wat: float32, Cephes' expf) over
 * buffers in its own memory: {@link SoftmaxGradientKernel.logits} is where the forward product writes, and
 * where the backward product reads the gradient from. The margin Δ and EQL's dropped logits are applied to the
 * logits in a typed-array pass first; b + a is one offset per class. When the kernel cannot be had, the
 * typed-array function of losses/logitGradient.ts runs instead (`kind: 'js'`, float64 arithmetic).
 */
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { droppedLogitOffset } from '../losses/equalization';
import { adjustedSoftmaxGradient, type AdjustedSoftmax } from '../losses/logitGradient';
import { softmaxGradientWasm } from './kernels/softmaxGradientWasm';
import { wasmMemoryInstance, type WasmInstance } from '../compute/wasmInstance';

/** The loss step over a fixed logits buffer. */
export interface SoftmaxGradientKernel {
  /** Which loops run it. */
  readonly kind: 'wasm' | 'js';
  /** F `[maxRows, C]`: the forward product writes the logits here; {@link SoftmaxGradientKernel.run} replaces them with ∂L/∂F. */
  readonly logits: Float32Array;
  /** ∂L/∂b `[C]`, written by {@link SoftmaxGradientKernel.run}. */
  readonly gradBias: Float32Array;
  /**
   * L of rows 0…rows−1 of {@link SoftmaxGradientKernel.logits} with labels `labels`, the adjustment `spec` and the
   * bias `bias` (`[C]`, or null) added to the logits; the logits become ∂L/∂F and {@link SoftmaxGradientKernel.gradBias} ∂L/∂b.
   */
  run(labels: Int32Array, rows: number, spec: AdjustedSoftmax, bias: Float32Array | null): number;
}

interface Exports {
  softmaxGradient(f: number, offset: number, labels: number, rowFactor: number, gradB: number, rowSum: number, rowMax: number, rowTarget: number, rows: number, c: number, s: number): void;
}

/**
 * The kernels index rows and ∂L/∂b by label: an out-of-range label (the dataset readers reject them) must never
 * reach them.
 */
function checkLabels(labels: Int32Array, rows: number, c: number): void {
  for (let i = 0; i < rows; i++) {
    if (!(labels[i] >= 0 && labels[i] < c)) throw new LongtailError(ErrorCode.Internal, `internal error: label ${labels[i]} of batch row ${i} is outside [0, ${c})`);
  }
}

/** Σ_i w_i and the per-row weights (1 without class weights). */
function rowWeights(labels: Int32Array, rows: number, spec: AdjustedSoftmax): number {
  let sum = 0;
  for (let i = 0; i < rows; i++) sum += spec.classWeights ? spec.classWeights[labels[i]] : 1;
  return sum;
}

function wasmKernel(instance: WasmInstance<Exports>, maxRows: number, c: number): SoftmaxGradientKernel {
  const take = instance.allocator();
  const logits = take.f32(maxRows * c);
  const offset = take.f32(c);
  const labelsBuffer = take.i32(maxRows);
  const rowFactor = take.f32(maxRows);
  const gradBias = take.f32(c);
  const rowSum = take.f32(maxRows);
  const rowMax = take.f32(maxRows);
  const rowTarget = take.f32(maxRows);
  return {
    kind: 'wasm',
    logits: logits.view,
    gradBias: gradBias.view,
    run(labels, rows, spec, bias) {
      const f = logits.view;
      const { scale: s, offset: a, targetMargin, dropped, classWeights } = spec;
      const off = offset.view;
      for (let j = 0; j < c; j++) off[j] = (bias ? bias[j] : 0) + (a ? a[j] : 0);
      if (dropped) {
        for (let k = 0; k < rows * c; k++) if (dropped[k]) f[k] -= droppedLogitOffset;
      }
      if (targetMargin) {
        for (let i = 0; i < rows; i++) f[i * c + labels[i]] -= targetMargin[labels[i]];
      }
      checkLabels(labels, rows, c);
      const weightSum = rowWeights(labels, rows, spec);
      for (let i = 0; i < rows; i++) rowFactor.view[i] = ((classWeights ? classWeights[labels[i]] : 1) / weightSum) * s;
      labelsBuffer.view.set(labels.subarray(0, rows));
      gradBias.view.fill(0);
      instance.exports.softmaxGradient(logits.at, offset.at, labelsBuffer.at, rowFactor.at, gradBias.at, rowSum.at, rowMax.at, rowTarget.at, rows, c, s);
      let total = 0;
      for (let i = 0; i < rows; i++) {
        const w = classWeights ? classWeights[labels[i]] : 1;
        total += w * (Math.log(rowSum.view[i]) + rowMax.view[i] - rowTarget.view[i]);
      }
      return total / weightSum;
    },
  };
}

function jsKernel(maxRows: number, c: number): SoftmaxGradientKernel {
  const logits = new Float32Array(maxRows * c);
  const gradBias = new Float32Array(c);
  return {
    kind: 'js',
    logits,
    gradBias,
    run(labels, rows, spec, bias) {
      checkLabels(labels, rows, c);
      if (bias) for (let i = 0; i < rows; i++) for (let j = 0; j < c; j++) logits[i * c + j] += bias[j];
      const value = adjustedSoftmaxGradient(logits, labels, rows, c, spec, logits);
      gradBias.fill(0);
      for (let i = 0; i < rows; i++) for (let j = 0; j < c; j++) gradBias[j] += logits[i * c + j];
      return value;
    },
  };
}

/** The loss step for batches of at most `maxRows` rows over C = `c` classes. */
export function softmaxGradientKernel(maxRows: number, c: number, options: { readonly kernels?: 'auto' | 'js' } = {}): SoftmaxGradientKernel {
  const bytes = 4 * (maxRows * c + 2 * c + 5 * maxRows) + 16 * 8;
  const instance = options.kernels === 'js' ? null : wasmMemoryInstance<Exports>(softmaxGradientWasm, bytes);
  return instance ? wasmKernel(instance, maxRows, c) : jsKernel(maxRows, c);
}
