/**
 * The evaluate step of fine-tuning: argmax predictions of the classifier under training on a whole
 * example set, scored as balanced error BER = 1/C' Σ_y (1 − correct_y/count_y) over the C' classes present
 * and accuracy per frequency bucket (Menon et al., ICLR 2021, §2; docs/methods.md).
 */
import type { Bucket } from '../../protocol/report';
import type { FineTuneEpoch } from '../../protocol/fineTuneParams';
import type { CancellationSignal } from '../../protocol/progress';
import { balancedError } from '../analysis/balancedError';
import { bucketAccuracies } from '../analysis/buckets';
import { yieldAndCheck } from '../cancellation';
import { tf } from '../compute/tf';
import { batchOf, inferenceBatch, type ExampleSet } from './exampleSet';
import type { TrainableClassifier } from './trainableClassifier';

/** Per-class correct counts of argmax predictions `[n]` against labels `[n]` → balanced error and bucket accuracies. */
export function scoreEpoch(predictions: Int32Array, labels: Int32Array, numClasses: number, buckets: readonly Bucket[]): Pick<FineTuneEpoch, 'balancedError' | 'buckets'> {
  const correct = new Int32Array(numClasses);
  const count = new Int32Array(numClasses);
  for (let i = 0; i < labels.length; i++) {
    count[labels[i]]++;
    if (predictions[i] === labels[i]) correct[labels[i]]++;
  }
  const b = bucketAccuracies(correct, count, buckets);
  return { balancedError: balancedError(correct, count), buckets: { many: b.many.accuracy, medium: b.medium.accuracy, few: b.few.accuracy } };
}

/** Predicts every example of `set` in batches (yielding for cancellation between them) and scores the predictions. */
export async function evaluateClassifier(
  classifier: TrainableClassifier,
  set: ExampleSet,
  numClasses: number,
  buckets: readonly Bucket[],
  signal: CancellationSignal | undefined,
): Promise<Pick<FineTuneEpoch, 'balancedError' | 'buckets'>> {
  const n = set.labels.length;
  const predictions = new Int32Array(n);
  for (let lo = 0; lo < n; lo += inferenceBatch) {
    const hi = Math.min(n, lo + inferenceBatch);
    const { x } = batchOf(set, null, lo, hi);
    const pred = tf.tidy(() => tf.argMax(classifier.logits(classifier.embed(classifier.input(x, hi - lo, set.shape))), 1));
    predictions.set(await pred.data(), lo);
    pred.dispose();
    await yieldAndCheck(signal);
  }
  return scoreEpoch(predictions, set.labels, numClasses, buckets);
}
