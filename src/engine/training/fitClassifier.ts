/**
 * A deterministic mini-batch training loop for a TF.js LayersModel whose last layer outputs logits.
 * Custom (not `model.fit`) so that it checks cancellation between batches, reports complete progress
 * snapshots, and keeps the tensor count constant from step to step.
 */
import type { LayersModel, Optimizer, Scalar, Tensor, Tensor2D } from '@tensorflow/tfjs';
import type { CancellationSignal, ProgressSink } from '../../protocol/progress';
import { makeSnapshot } from '../../protocol/progress';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { yieldAndCheck } from '../cancellation';
import { tf } from '../compute/tf';
import type { InMemoryExamples } from '../data/readAllExamples';
import { mulberry32, shuffleInPlace } from '../data/seededRandom';


/** A loss on logits `[B, C]` and one-hot targets `[B, C]`, returning a scalar mean. */
export type LogitLoss = (logits: Tensor2D, oneHot: Tensor2D) => Scalar;

/** Options of {@link fitClassifier}. */
export interface FitOptions {
  readonly numClasses: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** Plain SGD or Adam (TF.js 4.22's momentum optimizer leaks a tensor on dispose; fineTune.ts handles it). */
  readonly optimizer: 'sgd' | 'adam';
  /** Seed of the per-epoch shuffles. */
  readonly seed: number;
  /** Defaults to softmax cross-entropy. */
  readonly loss?: LogitLoss;
  readonly signal?: CancellationSignal;
  readonly progressToken?: string;
  readonly onProgress?: ProgressSink;
}

/** One epoch's record. */
export interface EpochRecord {
  readonly epoch: number;
  /** Mean training loss over the epoch's batches. */
  readonly loss: number;
  readonly seconds: number;
  readonly learningRate: number;
}

/**
 * Softmax cross-entropy, ℓ = −Σ_y t_y log softmax(f)_y averaged over the batch (max-stabilised by
 * tf.losses.softmaxCrossEntropy). Shapes: logits `[B, C]`, oneHot `[B, C]`.
 */
export const softmaxCrossEntropy: LogitLoss = (logits, oneHot) => tf.losses.softmaxCrossEntropy(oneHot, logits) as Scalar;

function makeOptimizer(kind: FitOptions['optimizer'], lr: number): Optimizer {
  switch (kind) {
    case 'sgd':
      return tf.train.sgd(lr);
    case 'adam':
      return tf.train.adam(lr);
  }
}

/**
 * Trains `model` in place. Each epoch visits every example once in a seeded random order; each step
 * minimises the mean loss of a batch of logits `model.apply(x) : [B, C]`.
 */
export async function fitClassifier(model: LayersModel, data: InMemoryExamples, options: FitOptions): Promise<EpochRecord[]> {
  const n = data.labels.length;
  const per = data.exampleShape.reduce((a, b) => a * b, 1);
  if (n === 0) {
    throw new LongtailError(ErrorCode.EmptyDataset, 'no training examples');
  }
  if (data.x.length !== n * per) {
    throw new LongtailError(ErrorCode.ShapeMismatch, `training data has ${data.x.length} values, expected ${n}×${per}`);
  }
  const loss = options.loss ?? softmaxCrossEntropy;
  const optimizer = makeOptimizer(options.optimizer, options.learningRate);
  const variables = model.trainableWeights.map((w) => w.read() as import('@tensorflow/tfjs').Variable);
  const random = mulberry32(options.seed);
  const order = new Int32Array(n);
  const stepsPerEpoch = Math.ceil(n / options.batchSize);
  const totalSteps = stepsPerEpoch * options.epochs;
  const started = performance.now();
  const history: EpochRecord[] = [];
  let step = 0;
  try {
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      for (let i = 0; i < n; i++) order[i] = i;
      shuffleInPlace(order, random);
      const epochStart = performance.now();
      let lossSum = 0;
      for (let b = 0; b < stepsPerEpoch; b++) {
        await yieldAndCheck(options.signal);
        const lo = b * options.batchSize;
        const hi = Math.min(n, lo + options.batchSize);
        const bx = new Float32Array((hi - lo) * per);
        const by = new Int32Array(hi - lo);
        for (let k = lo; k < hi; k++) {
          const src = order[k];
          bx.set(data.x.subarray(src * per, (src + 1) * per), (k - lo) * per);
          by[k - lo] = data.labels[src];
        }
        const value = tf.tidy(() => {
          const xs = tf.tensor(bx, [hi - lo, ...data.exampleShape]);
          const oneHot = tf.oneHot(tf.tensor1d(by, 'int32'), options.numClasses).toFloat() as Tensor2D;
          const cost = optimizer.minimize(() => loss(model.apply(xs, { training: true }) as Tensor2D, oneHot), true, variables);
          return cost as Tensor;
        });
        lossSum += (await value.data())[0];
        value.dispose();
        step++;
        if (options.onProgress && options.progressToken) {
          const now = performance.now();
          options.onProgress(makeSnapshot(options.progressToken, `epoch ${epoch + 1}/${options.epochs}`, step, totalSteps, started, now));
        }
      }
      const record: EpochRecord = {
        epoch: epoch + 1,
        loss: lossSum / stepsPerEpoch,
        seconds: (performance.now() - epochStart) / 1000,
        learningRate: options.learningRate,
      };
      if (!Number.isFinite(record.loss)) {
        throw new LongtailError(ErrorCode.NonFinite, `training diverged in epoch ${record.epoch} (loss ${record.loss}); lower the learning rate`);
      }
      history.push(record);
    }
  } finally {
    optimizer.dispose();
  }
  return history;
}
