/** Before/after deltas between two reports, per headline number, bucket and class (DOM-free). */
import { bucketNames, type Bucket, type Report } from '../../../src/protocol/report';

/** One class present in both reports. */
export interface ClassDelta {
  /** Index in the "before" report. */
  readonly before: number;
  /** Index in the "after" report. */
  readonly after: number;
  readonly name: string;
  readonly bucket: Bucket;
  readonly trainCount: number;
  readonly accuracyBefore: number | null;
  readonly accuracyAfter: number | null;
  /** after − before (null when either is null). */
  readonly delta: number | null;
}

/** Everything the compare section shows. */
export interface Comparison {
  /** How classes were matched: by unique names, or by index when names are not unique in both. */
  readonly matchedBy: 'name' | 'index';
  readonly headline: readonly { readonly label: string; readonly before: number | null; readonly after: number | null; readonly lowerIsBetter: boolean }[];
  readonly buckets: readonly { readonly bucket: Bucket; readonly before: number | null; readonly after: number | null; readonly delta: number | null }[];
  /** Matched classes in the "before" report's frequency order. */
  readonly classes: readonly ClassDelta[];
  /** Classes only in one of the two reports. */
  readonly onlyBefore: number;
  readonly onlyAfter: number;
}

function uniqueNames(report: Report): boolean {
  return new Set(report.classes.map((c) => c.name)).size === report.classes.length;
}

const diff = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : b - a);

/** Compares `before` and `after`; `order` is the before report's frequency order. */
export function compareReports(before: Report, after: Report, order: readonly number[]): Comparison {
  const matchedBy = uniqueNames(before) && uniqueNames(after) ? 'name' : 'index';
  const afterIndex = new Map<string | number, number>();
  after.classes.forEach((c, i) => afterIndex.set(matchedBy === 'name' ? c.name : c.index, i));
  const classes: ClassDelta[] = [];
  for (const i of order) {
    const b = before.classes[i];
    const j = afterIndex.get(matchedBy === 'name' ? b.name : b.index);
    if (j === undefined) continue;
    const a = after.classes[j];
    classes.push({ before: i, after: j, name: b.name, bucket: b.bucket, trainCount: b.trainCount, accuracyBefore: b.accuracy, accuracyAfter: a.accuracy, delta: diff(b.accuracy, a.accuracy) });
  }
  const sb = before.summary;
  const sa = after.summary;
  const la = (r: Report): number => r.postHoc.logitAdjustment.bestBalancedError;
  return {
    matchedBy,
    headline: [
      { label: 'Balanced error', before: sb.balancedError, after: sa.balancedError, lowerIsBetter: true },
      { label: 'Top-1 error', before: sb.top1Error, after: sa.top1Error, lowerIsBetter: true },
      { label: 'Best logit-adjusted balanced error (oracle τ)', before: la(before), after: la(after), lowerIsBetter: true },
      { label: 'ECE', before: before.calibration.ece, after: after.calibration.ece, lowerIsBetter: true },
    ],
    buckets: bucketNames.map((bucket) => {
      const b = sb.buckets[bucket].accuracy;
      const a = sa.buckets[bucket].accuracy;
      return { bucket, before: b, after: a, delta: diff(b, a) };
    }),
    classes,
    onlyBefore: before.classes.length - classes.length,
    onlyAfter: after.classes.length - classes.length,
  };
}

/** The `n` largest gains and losses among matched classes (by delta; nulls excluded). */
export function extremes(classes: readonly ClassDelta[], n: number): { gains: ClassDelta[]; losses: ClassDelta[] } {
  const withDelta = classes.filter((c) => c.delta !== null);
  const sorted = withDelta.slice().sort((a, b) => (b.delta as number) - (a.delta as number) || a.before - b.before);
  return {
    gains: sorted.filter((c) => (c.delta as number) > 0).slice(0, n),
    losses: sorted.filter((c) => (c.delta as number) < 0).reverse().slice(0, n),
  };
}
