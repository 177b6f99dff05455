/**
 * Turning per-class arrays into chart series that stay fast at 8,142 classes: frequency order,
 * min/max decimation and binned means (DOM-free, unit-tested in Node).
 */
import type { Bucket, ClassReport, Report } from '../../../src/protocol/report';

/** A chart point. */
export interface XY {
  readonly x: number;
  readonly y: number;
}

/**
 * Class indices by training count, descending, ties by index: `confusion.order` when it is a valid
 * permutation of the classes, otherwise computed.
 */
export function frequencyOrder(report: Pick<Report, 'classes' | 'confusion'>): number[] {
  const C = report.classes.length;
  const given = report.confusion?.order;
  if (given && given.length === C) {
    const seen = new Uint8Array(C);
    let ok = true;
    for (const i of given) {
      if (!Number.isInteger(i) || i < 0 || i >= C || seen[i]) {
        ok = false;
        break;
      }
      seen[i] = 1;
    }
    if (ok) return [...given];
  }
  return report.classes.map((_, i) => i).sort((a, b) => report.classes[b].trainCount - report.classes[a].trainCount || a - b);
}

/**
 * Min/max decimation: splits the series into ⌈maxPoints/2⌉ equal-width runs of consecutive points and
 * keeps each run's minimum and maximum (in x order), so spikes survive. Points with a non-finite y are
 * dropped. Returns the input (copied) when it already fits.
 */
export function decimateMinMax(points: readonly XY[], maxPoints: number): XY[] {
  const finite = points.filter((p) => Number.isFinite(p.y) && Number.isFinite(p.x));
  if (finite.length <= maxPoints || maxPoints < 2) return finite.slice();
  const runs = Math.floor(maxPoints / 2);
  const out: XY[] = [];
  for (let r = 0; r < runs; r++) {
    const a = Math.floor((r * finite.length) / runs);
    const b = Math.floor(((r + 1) * finite.length) / runs);
    if (b <= a) continue;
    let lo = a;
    let hi = a;
    for (let k = a + 1; k < b; k++) {
      if (finite[k].y < finite[lo].y) lo = k;
      if (finite[k].y > finite[hi].y) hi = k;
    }
    if (lo === hi) out.push(finite[lo]);
    else if (lo < hi) out.push(finite[lo], finite[hi]);
    else out.push(finite[hi], finite[lo]);
  }
  return out;
}

/** One bin of consecutive values. */
export interface Bin {
  /** First and one-past-last position in the input. */
  readonly start: number;
  readonly end: number;
  /** Values that were not null in the bin. */
  readonly n: number;
  /** Mean, min and max of the non-null values (null when none). */
  readonly mean: number | null;
  readonly min: number | null;
  readonly max: number | null;
}

/** Splits `values` into at most `maxBins` runs of consecutive positions and summarises each (nulls skipped). */
export function binValues(values: readonly (number | null)[], maxBins: number): Bin[] {
  const bins = Math.max(1, Math.min(maxBins, values.length));
  const out: Bin[] = [];
  for (let b = 0; b < bins; b++) {
    const start = Math.floor((b * values.length) / bins);
    const end = Math.floor(((b + 1) * values.length) / bins);
    let n = 0;
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let k = start; k < end; k++) {
      const v = values[k];
      if (v === null || !Number.isFinite(v)) continue;
      n++;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    out.push({ start, end, n, mean: n ? sum / n : null, min: n ? min : null, max: n ? max : null });
  }
  return out;
}

/** Positions (in frequency order) where each bucket starts and ends: buckets are contiguous by construction. */
export function bucketSpans(classes: readonly ClassReport[], order: readonly number[]): { bucket: Bucket; start: number; end: number }[] {
  const spans: { bucket: Bucket; start: number; end: number }[] = [];
  order.forEach((cls, pos) => {
    const b = classes[cls].bucket;
    const last = spans[spans.length - 1];
    if (last && last.bucket === b) last.end = pos + 1;
    else spans.push({ bucket: b, start: pos, end: pos + 1 });
  });
  return spans;
}

/**
 * Per-bucket series of a per-class value in frequency order (x = frequency rank, 0 = most frequent),
 * each reduced to at most `maxPointsPerBucket` points: `minmax` keeps extremes (for lines), `stride` keeps
 * an even, representative subsample (for scatters, where min/max would draw two misleading envelopes).
 */
export function seriesByBucket(
  classes: readonly ClassReport[],
  order: readonly number[],
  value: (c: ClassReport) => number | null,
  maxPointsPerBucket: number,
  mode: 'minmax' | 'stride' = 'minmax',
): Record<Bucket, XY[]> {
  const raw: Record<Bucket, XY[]> = { many: [], medium: [], few: [] };
  order.forEach((cls, rank) => {
    const v = value(classes[cls]);
    if (v !== null && Number.isFinite(v)) raw[classes[cls].bucket].push({ x: rank, y: v });
  });
  const reduce = (pts: XY[]): XY[] => (mode === 'minmax' ? decimateMinMax(pts, maxPointsPerBucket) : strideSample(pts, maxPointsPerBucket));
  return { many: reduce(raw.many), medium: reduce(raw.medium), few: reduce(raw.few) };
}

/** A deterministic, evenly spread subsample of at most `max` items (every k-th), keeping order. */
export function strideSample<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return items.slice();
  const out: T[] = [];
  const step = items.length / max;
  for (let k = 0; k < max; k++) out.push(items[Math.floor(k * step)]);
  return out;
}
