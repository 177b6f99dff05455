/**
 * Sorting the runs table: by any column, ascending or descending. Missing values (an invalid report, a
 * run without few-shot classes, an unknown loss) sort last in both directions; ties keep the newest run
 * first, then the folder name, so the order is total and stable across refreshes.
 */
import { isRunMetricId, runTimeMs, type RunMetricId, type RunRow } from '../../../src/protocol/runsTable';

/** A sortable column: the run's time, a text column, a metric, or the tags. */
export type RunSortKey = 'time' | 'model' | 'loss' | 'scope' | 'tags' | RunMetricId;

/** A column and a direction. */
export interface RunSort {
  readonly key: RunSortKey;
  readonly descending: boolean;
}

/** The default: newest first. */
export const defaultRunSort: RunSort = { key: 'time', descending: true };

const textKeys = ['time', 'model', 'loss', 'scope', 'tags'] as const;

/** True for a column the table can sort by. */
export function isRunSortKey(value: unknown): value is RunSortKey {
  return (typeof value === 'string' && (textKeys as readonly string[]).includes(value)) || isRunMetricId(value);
}

/** Milliseconds since the epoch of a row's time, NaN when it has none or it is not an ISO 8601 time with a zone. */
export function runTime(row: RunRow): number {
  return runTimeMs(row.createdAt);
}

/** The value a row sorts by: a number, a string, or null (missing). */
function sortValue(row: RunRow, key: RunSortKey): number | string | null {
  switch (key) {
    case 'time': {
      const t = runTime(row);
      return Number.isNaN(t) ? null : t;
    }
    case 'model':
      return row.model;
    case 'loss':
      return row.loss;
    case 'scope':
      return row.scope;
    case 'tags':
      return row.tags.length ? row.tags.join(', ') : null;
    default:
      return row.metrics[key];
  }
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Newest first, then folder name: the tie-break of every sort. */
function tieBreak(a: RunRow, b: RunRow): number {
  const ta = runTime(a);
  const tb = runTime(b);
  const na = Number.isNaN(ta);
  const nb = Number.isNaN(tb);
  if (na !== nb) return na ? 1 : -1;
  if (!na && ta !== tb) return tb - ta;
  return collator.compare(a.folder, b.folder) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** A sorted copy of `rows` (the input is not changed). */
export function sortRuns(rows: readonly RunRow[], sort: RunSort): RunRow[] {
  const sign = sort.descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const va = sortValue(a, sort.key);
    const vb = sortValue(b, sort.key);
    if (va === null || vb === null) {
      if (va !== vb) return va === null ? 1 : -1;
      return tieBreak(a, b);
    }
    const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : collator.compare(String(va), String(vb));
    return c !== 0 ? sign * c : tieBreak(a, b);
  });
}

/**
 * The sort after a click on `key`'s header: the same column flips direction; a new column starts
 * ascending, except time (newest first) and AP (highest first), where the useful end is the top.
 */
export function nextSort(current: RunSort, key: RunSortKey): RunSort {
  if (current.key === key) return { key, descending: !current.descending };
  return { key, descending: key === 'time' || key === 'meanAveragePrecision' };
}
