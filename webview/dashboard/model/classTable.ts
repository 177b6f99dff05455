/**
 * The per-class table's view model: columns, sorting, filtering, CSV and the virtual window of rows.
 * DOM-free (unit-tested in Node); the view in ../views/classesView.ts only draws what this computes.
 */
import type { Bucket, ClassReport } from '../../../src/protocol/report';
import { formatCount, formatNumber, formatPercent } from './format';

/** Sortable columns of the per-class table. */
export type ColumnKey =
  | 'index'
  | 'name'
  | 'bucket'
  | 'trainCount'
  | 'prior'
  | 'evalCount'
  | 'accuracy'
  | 'precision'
  | 'f1'
  | 'averagePrecision'
  | 'predictedCount'
  | 'weightNorm'
  | 'bias'
  | 'resultantLength'
  | 'variance'
  | 'ratio';

/** One column: header, how to read its value and how to show it. */
export interface Column {
  readonly key: ColumnKey;
  readonly label: string;
  /** Tooltip text for the header. */
  readonly title: string;
  readonly numeric: boolean;
  readonly value: (c: ClassReport) => number | string | null;
  readonly format: (c: ClassReport) => string;
}

const bucketRank: Record<Bucket, number> = { many: 0, medium: 1, few: 2 };

/** All columns, in display order. */
export const columns: readonly Column[] = [
  { key: 'index', label: '#', title: 'Class index', numeric: true, value: (c) => c.index, format: (c) => String(c.index) },
  { key: 'name', label: 'Class', title: 'Class name', numeric: false, value: (c) => c.name, format: (c) => c.name },
  { key: 'bucket', label: 'Bucket', title: 'Frequency bucket by training count', numeric: false, value: (c) => bucketRank[c.bucket], format: (c) => c.bucket },
  { key: 'trainCount', label: 'Train n', title: 'Training examples', numeric: true, value: (c) => c.trainCount, format: (c) => formatCount(c.trainCount) },
  { key: 'prior', label: 'Prior', title: 'P(y) = n_y / N', numeric: true, value: (c) => c.prior, format: (c) => formatNumber(c.prior, 5) },
  { key: 'evalCount', label: 'Eval n', title: 'Eval examples', numeric: true, value: (c) => c.evalCount, format: (c) => formatCount(c.evalCount) },
  { key: 'accuracy', label: 'Accuracy', title: 'Recall on the eval set', numeric: true, value: (c) => c.accuracy, format: (c) => formatPercent(c.accuracy) },
  { key: 'precision', label: 'Prec.', title: 'Precision (— when never predicted)', numeric: true, value: (c) => c.precision, format: (c) => formatPercent(c.precision) },
  { key: 'f1', label: 'F1', title: 'F1 score', numeric: true, value: (c) => c.f1, format: (c) => formatNumber(c.f1, 3) },
  {
    key: 'averagePrecision',
    label: 'AP',
    title: 'Average precision, one-vs-rest on the softmax scores (scikit-learn definition)',
    numeric: true,
    value: (c) => c.averagePrecision ?? null,
    format: (c) => formatNumber(c.averagePrecision ?? null, 3),
  },
  { key: 'predictedCount', label: 'Pred. n', title: 'Times predicted on the eval set', numeric: true, value: (c) => c.predictedCount, format: (c) => formatCount(c.predictedCount) },
  { key: 'weightNorm', label: '‖w‖', title: 'Classifier weight norm', numeric: true, value: (c) => c.weightNorm, format: (c) => formatNumber(c.weightNorm, 3) },
  { key: 'bias', label: 'Bias', title: 'Classifier bias', numeric: true, value: (c) => c.bias, format: (c) => formatNumber(c.bias, 3) },
  { key: 'resultantLength', label: 'R̄', title: 'Resultant length ‖mean z‖', numeric: true, value: (c) => c.tightness?.resultantLength ?? null, format: (c) => formatNumber(c.tightness?.resultantLength ?? null, 3) },
  { key: 'variance', label: 'Var', title: 'Within-class variance', numeric: true, value: (c) => c.tightness?.variance ?? null, format: (c) => formatNumber(c.tightness?.variance ?? null, 3) },
  { key: 'ratio', label: 'Spread', title: 'Mean distance to centroid / nearest other centroid', numeric: true, value: (c) => c.tightness?.ratio ?? null, format: (c) => formatNumber(c.tightness?.ratio ?? null, 3) },
];

const columnByKey = new Map(columns.map((c) => [c.key, c]));

/** Looks up a column (undefined for unknown keys, e.g. from an old persisted state). */
export function columnFor(key: string): Column | undefined {
  return columnByKey.get(key as ColumnKey);
}

/** Sort order of the table. */
export interface SortSpec {
  readonly key: ColumnKey;
  readonly dir: 'asc' | 'desc';
}

/** Row filter: case-insensitive substring of the name (or `#index`), a bucket, and an accuracy ceiling. */
export interface FilterSpec {
  readonly text: string;
  readonly bucket: Bucket | 'all';
  /** Keep classes with accuracy ≤ this (null: no limit). Classes absent from eval never pass a limit. */
  readonly maxAccuracy: number | null;
}

/** The default sort: most frequent first. */
export const defaultSort: SortSpec = { key: 'trainCount', dir: 'desc' };

/** No filtering. */
export const emptyFilter: FilterSpec = { text: '', bucket: 'all', maxAccuracy: null };

/** Indices (into `classes`) that pass `filter`, in class order. */
export function filterRows(classes: readonly ClassReport[], filter: FilterSpec): number[] {
  const needle = filter.text.trim().toLowerCase();
  const byIndex = /^#\d+$/.test(needle) ? Number(needle.slice(1)) : null;
  const out: number[] = [];
  for (let i = 0; i < classes.length; i++) {
    const c = classes[i];
    if (filter.bucket !== 'all' && c.bucket !== filter.bucket) continue;
    if (filter.maxAccuracy !== null && (c.accuracy === null || c.accuracy > filter.maxAccuracy)) continue;
    if (byIndex !== null ? c.index !== byIndex : needle && !c.name.toLowerCase().includes(needle)) continue;
    out.push(i);
  }
  return out;
}

/**
 * Sorts row indices by a column. Stable (ties keep class-index order); null values always go last,
 * whichever the direction; strings compare with `localeCompare` (numeric-aware).
 */
export function sortRows(classes: readonly ClassReport[], rows: readonly number[], sort: SortSpec): number[] {
  const col = columnFor(sort.key) ?? columnFor(defaultSort.key)!;
  const sign = sort.dir === 'asc' ? 1 : -1;
  const keyed = rows.map((i) => ({ i, v: col.value(classes[i]) }));
  const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
  keyed.sort((a, b) => {
    const an = a.v === null || (typeof a.v === 'number' && Number.isNaN(a.v));
    const bn = b.v === null || (typeof b.v === 'number' && Number.isNaN(b.v));
    if (an || bn) return an === bn ? a.i - b.i : an ? 1 : -1;
    const d = typeof a.v === 'string' || typeof b.v === 'string' ? collator.compare(String(a.v), String(b.v)) : (a.v as number) - (b.v as number);
    return d !== 0 ? sign * d : a.i - b.i;
  });
  return keyed.map((k) => k.i);
}

/** The next sort when a header is activated: same column flips, a new column starts descending for numbers. */
export function nextSort(current: SortSpec, key: ColumnKey): SortSpec {
  if (current.key === key) return { key, dir: current.dir === 'asc' ? 'desc' : 'asc' };
  const col = columnFor(key);
  return { key, dir: col && col.numeric && key !== 'index' ? 'desc' : 'asc' };
}

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF (quotes doubled). Text that a
 * spreadsheet would run as a formula (starting with = + - @, tab or CR) gets a leading apostrophe.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let text = value;
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** CSV of the given rows (header first, CRLF line ends, raw numbers rather than formatted ones). */
export function toCsv(classes: readonly ClassReport[], rows: readonly number[]): string {
  const header = ['index', 'name', 'bucket', 'trainCount', 'prior', 'evalCount', 'accuracy', 'precision', 'f1', 'predictedCount', 'weightNorm', 'bias', 'resultantLength', 'variance', 'meanDistanceToCentroid', 'nearestCentroidDistance', 'ratio', 'meanFeatureNorm'];
  const lines = [header.join(',')];
  for (const i of rows) {
    const c = classes[i];
    const t = c.tightness;
    lines.push(
      [
        c.index, c.name, c.bucket, c.trainCount, c.prior, c.evalCount, c.accuracy, c.precision, c.f1, c.predictedCount, c.weightNorm, c.bias,
        t?.resultantLength ?? null, t?.variance ?? null, t?.meanDistanceToCentroid ?? null, t?.nearestCentroidDistance ?? null, t?.ratio ?? null, t?.meanFeatureNorm ?? null,
      ]
        .map(csvField)
        .join(','),
    );
  }
  return lines.join('\r\n') + '\r\n';
}

/** Rows to draw in a virtualised list: [start, end) with `overscan` extra rows each side. */
export function visibleRange(scrollTop: number, viewportHeight: number, rowHeight: number, total: number, overscan = 8): { start: number; end: number } {
  if (total <= 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const count = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1;
  const start = Math.max(0, Math.min(total - 1, first) - overscan);
  const end = Math.min(total, first + count + overscan);
  return { start, end: Math.max(start, end) };
}
