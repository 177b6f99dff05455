/**
 * The train step of fine-tuning: mini-batch SGD with momentum 0.9 or Adam over a seeded batch order
 * (batchSampler.ts), constant or cosine learning rate lr_t = lr·½(1 + cos(π·t/T)) over the run's T steps,
 * PyTorch-style weight decay (½λΣw² added to the loss, gradient λw, on every trained weight), and an
 * evaluation after every epoch. Random loss parts (EQL) draw from a second seeded stream. Same seed, same
 * backend → same weights (docs/finetuning.md).
 */
import type { AdamOptimizer, MomentumOptimizer, Scalar, Tensor, Tensor2D } from '@tensorflow/tfjs';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { FineTuneEpoch } from '../../protocol/fineTuneParams';
import type { CancellationSignal } from '../../protocol/progress';
import type { Bucket } from '../../protocol/report';
import { yieldAndCheck } from '../cancellation';
import { tf } from '../compute/tf';
import { mulberry32 } from '../data/seededRandom';
import type { TrainingLoss } from '../losses/trainingLoss';
import type { PhaseReporter } from '../pipeline/runInputs';
import { epochOrder, indicesByClass } from './batchSampler';
import { evaluateClassifier } from './evaluateClassifier';
import { batchOf, type ExampleSet } from './exampleSet';
import type { ResolvedFineTuneSettings } from './fineTuneSettings';
import type { TrainableClassifier } from './trainableClassifier';

/** What the loop reports to. */
export interface TrainLoopContext {
  readonly signal?: CancellationSignal;
  readonly progress: PhaseReporter;
  /** Called after each epoch's record is complete. */
  readonly onEpochEnd?: (record: FineTuneEpoch) => void;
}

/**
 * Trains `classifier.trained` in place for `settings.epochs` epochs on `train` and evaluates on `evalSet`
 * after each. Throws {@link ErrorCode.NonFinite} when an epoch's mean loss is not finite and
 * {@link ErrorCode.Cancelled} when `signal` asks.
 */
export async function trainClassifier(
  classifier: TrainableClassifier,
  data: { readonly train: ExampleSet; readonly evalSet: ExampleSet; readonly numClasses: number },
  loss: TrainingLoss,
  buckets: readonly Bucket[],
  settings: ResolvedFineTuneSettings,
  ctx: TrainLoopContext,
): Promise<{ history: FineTuneEpoch[]; seconds: number }> {
  const { train, evalSet, numClasses } = data;
  const { trained } = classifier;
  const optimizer: MomentumOptimizer | AdamOptimizer = settings.optimizer === 'sgd' ? tf.train.momentum(settings.learningRate, 0.9) : tf.train.adam(settings.learningRate);
  try {
    const sampleRandom = mulberry32(settings.seed);
    const lossRandom = mulberry32((settings.seed ^ 0x9e3779b9) >>> 0);
    const byClass = indicesByClass(train.labels, numClasses);
    const n = train.labels.length;
    const stepsPerEpoch = Math.ceil(n / settings.batchSize);
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
        if (settings.lrSchedule !== 'constant') {
          const rate = rateAt(stepCount);
          // (instanceof cannot tell tfjs optimizers apart: Optimizer overrides Symbol.hasInstance.)
          if (settings.optimizer === 'sgd') (optimizer as MomentumOptimizer).setLearningRate(rate);
          else (optimizer as AdamOptimizer & { learningRate: number }).learningRate = rate;
        }
        const lo = s * settings.batchSize;
        const hi = Math.min(n, lo + settings.batchSize);
        const batch = batchOf(train, order, lo, hi);
        const cost = tf.tidy(() => {
          const xs = classifier.input(batch.x, hi - lo, train.shape);
          const oneHot = tf.oneHot(tf.tensor1d(batch.labels, 'int32'), numClasses).toFloat() as Tensor2D;
          return optimizer.minimize(
            () => {
              const emb = classifier.embed(xs);
              let value = loss.compute({ logits: classifier.logits(emb), oneHot, embeddings: emb }, { epoch, epochs: settings.epochs, random: lossRandom });
              if (settings.weightDecay > 0) {
                const squares = trained.map((v) => tf.sum(tf.square(v)));
                value = tf.add(value, tf.mul(tf.addN(squares), 0.5 * settings.weightDecay)) as Scalar;
              }
              return value;
            },
            true,
            trained,
          ) as Scalar;
        });
        lossSum += (await cost.data())[0];
        cost.dispose();
        stepCount++;
        ctx.progress(`epoch ${epoch + 1}/${settings.epochs}`, stepCount, totalSteps, `loss ${(lossSum / (s + 1)).toFixed(4)}`);
      }
      const meanLoss = lossSum / stepsPerEpoch;
      if (!Number.isFinite(meanLoss)) {
        throw new LongtailError(ErrorCode.NonFinite, `training diverged in epoch ${epoch + 1} (loss ${meanLoss}); lower the learning rate`);
      }
      const scored = await evaluateClassifier(classifier, evalSet, numClasses, buckets, ctx.signal);
      const record: FineTuneEpoch = {
        epoch: epoch + 1,
        loss: meanLoss,
        ...scored,
        learningRate: epochRate,
        seconds: (performance.now() - epochStarted) / 1000,
      };
      history.push(record);
      ctx.progress(`epoch ${epoch + 1}/${settings.epochs}`, stepCount, totalSteps, `loss ${meanLoss.toFixed(4)}, balanced error ${(100 * record.balancedError).toFixed(2)}%`);
      ctx.onEpochEnd?.(record);
    }
    return { history, seconds: (performance.now() - trainStarted) / 1000 };
  } finally {
    optimizer.dispose();
    // tfjs 4.22's MomentumOptimizer.dispose() forgets the learning-rate scalar of its SGD base class.
    (optimizer as unknown as { c?: Tensor }).c?.dispose();
  }
}
