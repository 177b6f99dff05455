import type { Bucket, BucketAccuracies } from '../../protocol/report';

/** Default bucket thresholds: many if n > 100, few if n < 20 (methods §8.3). */
export const defaultThresholds = { many: 100, few: 20 } as const;

/** Bucket index in display order: 0 many, 1 medium, 2 few. */
export const bucketIndex: Readonly<Record<Bucket, number>> = { many: 0, medium: 1, few: 2 };

/**
 * Frequency bucket of one class, following the reference code exactly: many if n > many, few if n < few,
 * else medium (so n = 100 and n = 20 are medium with the defaults).
 * Citation: methods §8.3 (classifier-balancing `shot_acc`, `>100` / `<20`).
 */
export function bucketOf(trainCount: number, many: number = defaultThresholds.many, few: number = defaultThresholds.few): Bucket {
  if (trainCount > many) {
    return 'many';
  }
  if (trainCount < few) {
    return 'few';
  }
  return 'medium';
}

/**
 * Buckets of all classes. Shapes: trainCounts [C] → [C]. Citation: methods §8.3.
 */
export function assignBuckets(trainCounts: ArrayLike<number>, many: number = defaultThresholds.many, few: number = defaultThresholds.few): Bucket[] {
  const out: Bucket[] = new Array<Bucket>(trainCounts.length);
  for (let y = 0; y < trainCounts.length; y++) {
    out[y] = bucketOf(trainCounts[y], many, few);
  }
  return out;
}

/**
 * Bucket accuracy = unweighted mean of per-class accuracies correct_y/evalCount_y over the bucket's classes
 * present in eval (classes with evalCount 0 are skipped; a bucket with none has accuracy null, where the
 * reference code would print 0). Shapes: correct [C] (or a row at `offset` of a [T, C] matrix),
 * evalCount [C], buckets [C]. Citation: methods §8.3 (`shot_acc`), §13.6 (many 0.75 / medium 0.667 / few 0.333).
 */
export function bucketAccuracies(correct: Int32Array, evalCount: Int32Array, buckets: readonly Bucket[], offset = 0): BucketAccuracies {
  const sums = [0, 0, 0];
  const counts = [0, 0, 0];
  for (let y = 0; y < evalCount.length; y++) {
    const m = evalCount[y];
    if (m > 0) {
      const b = bucketIndex[buckets[y]];
      sums[b] += correct[offset + y] / m;
      counts[b]++;
    }
  }
  const one = (b: number) => ({ classes: counts[b], accuracy: counts[b] > 0 ? sums[b] / counts[b] : null });
  return { many: one(0), medium: one(1), few: one(2) };
}
