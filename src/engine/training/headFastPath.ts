/**
 * Head-scope fine-tuning without the autograd tape: the same loop as trainClassifier.ts (seeded batch order,
 * learning-rate schedule, weight decay, per-epoch evaluation, loss random stream), with each step as
 *
 *   F = X·Wᵀ + 1bᵀ  (product service, W = Kᵀ `[C, D]`, X `[B, D]`),
 *   G = ∂L/∂F in closed form (losses/logitGradient.ts; softmaxGradientKernel.ts, a WebAssembly SIMD kernel),
 *   ∂L/∂W = Gᵀ·X (product service), ∂L/∂b = Σ_i G_i,
 *   then the optimizer's fused in-place update with decay (headOptimizer.ts, a WebAssembly SIMD kernel).
 *
 * Cosine logits (LDAM): F = X̂·Ŵᵀ with x̂ = x / √max(‖x‖², 10⁻²⁴) per row (constant inputs) and
 * ŵ_j = w_j / r_j, r_j = √max(‖w_j‖², 10⁻²⁴); then ∂L/∂w_j = (g_j − ŵ_j (ŵ_j·g_j)) / r_j with g = Gᵀ·X̂ (the
 * Jacobian of the normalisation; g_j / r_j when ‖w_j‖² < 10⁻²⁴, where the max has no w-gradient). The bias
 * is frozen, as in trainableClassifier.ts.
 *
 * Used for `scope: 'head'` when no GPU TF.js backend is active (see {@link headFastPathChoice}); the TF.js
 * autograd path stays the reference (test/unit/training/headFastPath.test.ts). docs/methods.md §14.
 */
import type { Tensor2D, Variable } from '@tensorflow/tfjs';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { FineTuneEpoch, FineTuneOptimizer } from '../../protocol/fineTuneParams';
import type { Bucket } from '../../protocol/report';
import { yieldAndCheck } from '../cancellation';
import type { ProductService } from '../compute/productService';
import { tf } from '../compute/tf';
import { mulberry32 } from '../data/seededRandom';
import { headLossPlan, type HeadLossPlan } from '../losses/logitGradient';
import type { LossStep, TrainingLoss } from '../losses/trainingLoss';
import { epochOrder, indicesByClass } from './batchSampler';
import { scoreEpoch } from './evaluateClassifier';
import { batchOf, inferenceBatch, type ExampleSet } from './exampleSet';
import type { ResolvedFineTuneSettings } from './fineTuneSettings';
import { headOptimizer } from './headOptimizer';
import { softmaxGradientKernel } from './softmaxGradientKernel';
import type { TrainableClassifier } from './trainableClassifier';
import type { TrainLoopContext } from './trainClassifier';

/** Whether a run takes the fast path: its plan, or why not (said in the run's notes). */
export type HeadFastPathChoice = { readonly plan: HeadLossPlan; readonly reason?: undefined } | { readonly plan?: undefined; readonly reason: string };

/** TF.js backends whose kernels run on a GPU (they keep the TF.js path). */
const gpuBackends = new Set(['gpu', 'webgpu']);

/**
 * The fast path serves `scope: 'head'` on CPU backends for every registered loss and both optimizers; other
 * scopes and GPU backends stay on TF.js, and `reference` forces TF.js (tests, benchmarks).
 */
export function headFastPathChoice(settings: ResolvedFineTuneSettings, backend: string, loss: TrainingLoss, counts: readonly number[], reference = false): HeadFastPathChoice {
  if (settings.scope !== 'head') return { reason: `scope ${settings.scope} trains through TF.js autograd` };
  if (reference) return { reason: 'the TF.js autograd path was asked for' };
  if (gpuBackends.has(backend)) return { reason: `the ${backend} backend keeps head training on its GPU kernels` };
  return { plan: headLossPlan(loss, counts) };
}

/** Row-wise x / √max(‖x‖², 10⁻²⁴) of `[rows, d]` into `out`; returns the per-row inverse norms. */
function normaliseRows(x: Float32Array, rows: number, d: number, out: Float32Array): Float64Array {
  const inv = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let sq = 0;
    for (let k = r * d; k < (r + 1) * d; k++) sq += x[k] * x[k];
    const q = 1 / Math.sqrt(Math.max(sq, 1e-24));
    inv[r] = q;
    for (let k = r * d; k < (r + 1) * d; k++) out[k] = x[k] * q;
  }
  return inv;
}

/** The transpose of a row-major `[rows, cols]` matrix. */
function transpose(m: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = m[r * cols + c];
  return out;
}

/** Argmax predictions of F = X·Wᵀ (+ b) over `set`, in blocks of {@link inferenceBatch} rows. */
async function predict(service: ProductService, set: ExampleSet, w: Float32Array, bias: Float32Array | null, c: number, d: number, ctx: TrainLoopContext): Promise<Int32Array> {
  const n = set.labels.length;
  const predictions = new Int32Array(n);
  const logits = new Float32Array(inferenceBatch * c);
  for (let lo = 0; lo < n; lo += inferenceBatch) {
    const hi = Math.min(n, lo + inferenceBatch);
    const { x } = batchOf(set, null, lo, hi);
    const f = await service.multiplyABt(x, w, hi - lo, d, c, logits);
    for (let i = 0; i < hi - lo; i++) {
      let best = 0;
      let top = -Infinity;
      for (let j = 0; j < c; j++) {
        const v = bias ? f[i * c + j] + bias[j] : f[i * c + j];
        if (v > top) {
          top = v;
          best = j;
        }
      }
      predictions[lo + i] = best;
    }
    await yieldAndCheck(ctx.signal);
  }
  return predictions;
}

/** One fast head step bound to its weights, optimizer state and buffers. */
export interface HeadStep {
  /** W `[C, D]` row-major (= Kᵀ), updated in place by {@link HeadStep.run} (the optimizer's copy). */
  readonly weights: Float32Array;
  /** b `[C]` (the optimizer's copy, updated in place, when trained; the given array when frozen), or null. */
  readonly bias: Float32Array | null;
  /**
   * One step on the batch x `[rows, D]` with `labels` `[rows]` at rate `rate`: forward product, closed-form
   * ∂L/∂F, backward product, fused optimizer update. Returns the batch loss as the TF.js path reports it (plus
   * the loss's constant term and ½λΣw² of the weights before the update).
   */
  run(x: Float32Array, labels: Int32Array, rows: number, rate: number, lossStep: LossStep): Promise<number>;
  /** The weights the logits are scored with: W, or Ŵ (rows normalised) for cosine logits. */
  scoringWeights(): Float32Array;
}

/**
 * A step over W `[C, D]` and b (copied into the optimizer, read back through {@link HeadStep.weights} and
 * {@link HeadStep.bias}; `bias` null when absent) for
 * batches of at most `maxRows` rows, with `optimizer` and decay λ = `decay` (see the module comment).
 */
export function headStep(
  initialWeights: Float32Array,
  bias: Float32Array | null,
  plan: HeadLossPlan,
  optimizerKind: FineTuneOptimizer,
  decay: number,
  maxRows: number,
  c: number,
  d: number,
  service: ProductService,
): HeadStep {
  const cosine = plan.cosine;
  const optimizer = headOptimizer(optimizerKind, bias && !cosine ? [initialWeights, bias] : [initialWeights]);
  // The optimizer owns the trained arrays (its kernel's memory); W and b are read and updated through its views.
  const weights = optimizer.weights(0);
  const trainedBias = bias && !cosine ? optimizer.weights(1) : null;
  const gradW = optimizer.gradient(0);
  const gradB = trainedBias ? optimizer.gradient(1) : null;
  const loss = softmaxGradientKernel(maxRows, c);
  const xNorm = cosine ? new Float32Array(maxRows * d) : null;
  const wNorm = cosine ? new Float32Array(c * d) : null;
  let squares = 0;
  if (decay > 0) {
    for (const v of weights) squares += v * v;
    if (trainedBias) for (const v of trainedBias) squares += v * v;
  }
  return {
    weights,
    bias: trainedBias ?? bias,
    scoringWeights: () => (wNorm ? (normaliseRows(weights, c, d, wNorm), wNorm) : weights),
    async run(batchX, labels, rows, rate, lossStep) {
      const x = xNorm ? xNorm.subarray(0, rows * d) : batchX;
      let rowInv: Float64Array | null = null;
      if (xNorm && wNorm) {
        normaliseRows(batchX, rows, d, xNorm);
        rowInv = normaliseRows(weights, c, d, wNorm);
      }
      const f = await service.multiplyABt(x, wNorm ?? weights, rows, d, c, loss.logits);
      let value = loss.run(labels, rows, plan.adjustment(labels, rows, lossStep), trainedBias);
      if (plan.constantTerm) value += plan.constantTerm(batchX, labels, rows, d);
      if (decay > 0) value += 0.5 * decay * squares;
      await service.multiplyAtB(f, x, rows, c, d, gradW);
      if (rowInv && wNorm) {
        // ∂L/∂w_j = (g_j − ŵ_j (ŵ_j·g_j)) · (1/r_j); rowInv[j] = 1/r_j.
        for (let j = 0; j < c; j++) {
          const base = j * d;
          let dot = 0;
          let sq = 0;
          for (let k = base; k < base + d; k++) {
            dot += wNorm[k] * gradW[k];
            sq += weights[k] * weights[k];
          }
          const project = sq >= 1e-24 ? dot : 0;
          const q = rowInv[j];
          for (let k = base; k < base + d; k++) gradW[k] = (gradW[k] - wNorm[k] * project) * q;
        }
      }
      optimizer.beginStep();
      squares = optimizer.update(0, rate, decay);
      if (trainedBias && gradB) {
        gradB.set(loss.gradBias);
        squares += optimizer.update(1, rate, decay);
      }
      return value;
    },
  };
}

/**
 * Trains the head variables of `classifier` (kernel `[D, C]`, bias `[C]` when linear and present) in place,
 * with the loop and semantics of trainClassifier.ts; the weights are written back to the variables at the
 * end. Same errors (NonFinite, Cancelled).
 */
export async function trainHeadFast(
  classifier: TrainableClassifier,
  data: { readonly train: ExampleSet; readonly evalSet: ExampleSet; readonly numClasses: number },
  plan: HeadLossPlan,
  buckets: readonly Bucket[],
  settings: ResolvedFineTuneSettings,
  ctx: TrainLoopContext,
  service: ProductService,
): Promise<{ history: FineTuneEpoch[]; seconds: number }> {
  const { train, evalSet, numClasses: c } = data;
  const d = train.shape.reduce((a, v) => a * v, 1);
  const [kernelVar, biasVar] = classifier.trained as [Variable, Variable | undefined];
  if (kernelVar.shape.length !== 2 || kernelVar.shape[0] !== d || kernelVar.shape[1] !== c) {
    throw new LongtailError(ErrorCode.Internal, `internal error: head kernel of shape [${kernelVar.shape.join(', ')}], expected [${d}, ${c}]`);
  }
  const w = transpose((await kernelVar.data()) as Float32Array, d, c);
  const bias = biasVar ? Float32Array.from((await biasVar.data()) as Float32Array) : null;
  const batchSize = settings.batchSize;
  const stepper = headStep(w, bias, plan, settings.optimizer, settings.weightDecay, batchSize, c, d, service);

  const sampleRandom = mulberry32(settings.seed);
  const lossRandom = mulberry32((settings.seed ^ 0x9e3779b9) >>> 0);
  const byClass = indicesByClass(train.labels, c);
  const n = train.labels.length;
  const stepsPerEpoch = Math.ceil(n / batchSize);
  const totalSteps = stepsPerEpoch * settings.epochs;
  const history: FineTuneEpoch[] = [];
  const rateAt = (t: number): number =>
    settings.lrSchedule === 'cosine' ? settings.learningRate * 0.5 * (1 + Math.cos((Math.PI * t) / totalSteps)) : settings.learningRate;
  const trainStarted = performance.now();
  let stepCount = 0;
  for (let epoch = 0; epoch < settings.epochs; epoch++) {
    const epochStarted = performance.now();
    const order = epochOrder(train.labels, byClass, settings.sampler, sampleRandom);
    let lossSum = 0;
    const epochRate = rateAt(stepCount);
    for (let s = 0; s < stepsPerEpoch; s++) {
      await yieldAndCheck(ctx.signal);
      // The reference sets a float32 learning-rate scalar.
      const rate = Math.fround(rateAt(stepCount));
      const lo = s * batchSize;
      const hi = Math.min(n, lo + batchSize);
      const rows = hi - lo;
      const batch = batchOf(train, order, lo, hi);
      const value = await stepper.run(batch.x, batch.labels, rows, rate, { epoch, epochs: settings.epochs, random: lossRandom });
      lossSum += Math.fround(value);
      stepCount++;
      ctx.progress(`epoch ${epoch + 1}/${settings.epochs}`, stepCount, totalSteps, `loss ${(lossSum / (s + 1)).toFixed(4)}`);
    }
    const meanLoss = lossSum / stepsPerEpoch;
    if (!Number.isFinite(meanLoss)) {
      throw new LongtailError(ErrorCode.NonFinite, `training diverged in epoch ${epoch + 1} (loss ${meanLoss}); lower the learning rate`);
    }
    const predictions = await predict(service, evalSet, stepper.scoringWeights(), plan.cosine ? null : stepper.bias, c, d, ctx);
    const scored = scoreEpoch(predictions, evalSet.labels, c, buckets);
    const record: FineTuneEpoch = { epoch: epoch + 1, loss: meanLoss, ...scored, learningRate: epochRate, seconds: (performance.now() - epochStarted) / 1000 };
    history.push(record);
    ctx.progress(`epoch ${epoch + 1}/${settings.epochs}`, stepCount, totalSteps, `loss ${meanLoss.toFixed(4)}, balanced error ${(100 * record.balancedError).toFixed(2)}%`);
    ctx.onEpochEnd?.(record);
  }
  tf.tidy(() => {
    kernelVar.assign(tf.tensor2d(transpose(stepper.weights, c, d), [d, c]) as Tensor2D);
    if (biasVar && stepper.bias && !plan.cosine) biasVar.assign(tf.tensor1d(stepper.bias));
  });
  return { history, seconds: (performance.now() - trainStarted) / 1000 };
}
