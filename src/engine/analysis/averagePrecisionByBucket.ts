import type { Bucket } from '../../protocol/report';

/** Mean average precision over all classes and per bucket. */
export interface MeanAveragePrecision {
  readonly all: number | null;
  readonly buckets: Readonly<Record<Bucket, number | null>>;
}

/**
 * mAP = (1/|S|) Σ_{y∈S} AP_y over the classes with an AP (those in eval), and the same mean within each
 * bucket (null when a bucket has no class with an AP). Shapes: ap [C] (null = absent), buckets [C].
 * Citation: docs/methods.md §12.
 */
export function averagePrecisionByBucket(ap: readonly (number | null)[], buckets: readonly Bucket[]): MeanAveragePrecision {
  const sum: Record<Bucket | 'all', number> = { many: 0, medium: 0, few: 0, all: 0 };
  const count: Record<Bucket | 'all', number> = { many: 0, medium: 0, few: 0, all: 0 };
  ap.forEach((v, y) => {
    if (v === null) return;
    sum[buckets[y]] += v;
    count[buckets[y]]++;
    sum.all += v;
    count.all++;
  });
  const mean = (k: Bucket | 'all'): number | null => (count[k] > 0 ? sum[k] / count[k] : null);
  return { all: mean('all'), buckets: { many: mean('many'), medium: mean('medium'), few: mean('few') } };
}
