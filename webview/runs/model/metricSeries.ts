/**
 * The chart of a metric across runs over time: one series per checkpoint (the report's `model.path`),
 * points in time order, so watch mode's re-analyses of one checkpoint after each epoch draw one line.
 * Runs can be filtered by checkpoint and by tag; runs whose report is invalid or lacks the metric (or a
 * time) are left out and counted.
 */
import type { RunMetricId, RunRow } from '../../../src/protocol/runsTable';
import { runTime } from './sortRuns';

/** One point: a run at its time. */
export interface MetricPoint {
  /** `createdAt` in ms since the epoch. */
  readonly x: number;
  readonly y: number;
  /** The run's id (a click opens its dashboard). */
  readonly id: string;
  readonly folder: string;
}

/** The runs of one checkpoint, oldest first. */
export interface MetricSeries {
  /** The checkpoint path (untrusted text). */
  readonly model: string;
  readonly points: readonly MetricPoint[];
}

/** Which runs the chart shows: all, or those of one checkpoint and/or with one tag. */
export interface SeriesFilter {
  readonly model: string | null;
  readonly tag: string | null;
}

/** The series of `metric` and how many runs were left out for want of a value. */
export function metricSeries(rows: readonly RunRow[], metric: RunMetricId, filter: SeriesFilter): { series: MetricSeries[]; missing: number } {
  const byModel = new Map<string, MetricPoint[]>();
  let missing = 0;
  for (const row of rows) {
    if (filter.model !== null && row.model !== filter.model) continue;
    if (filter.tag !== null && !row.tags.includes(filter.tag)) continue;
    const y = row.metrics[metric];
    const x = runTime(row);
    if (row.error !== null || row.model === null || y === null || Number.isNaN(x)) {
      missing++;
      continue;
    }
    const points = byModel.get(row.model) ?? [];
    points.push({ x, y, id: row.id, folder: row.folder });
    byModel.set(row.model, points);
  }
  const series = [...byModel.entries()].map(([model, points]) => ({ model, points: points.sort((a, b) => a.x - b.x || (a.folder < b.folder ? -1 : a.folder > b.folder ? 1 : 0)) }));
  // Series in order of their first run, so colours stay put as new runs arrive.
  series.sort((a, b) => a.points[0].x - b.points[0].x || (a.model < b.model ? -1 : 1));
  return { series, missing };
}

/** The checkpoints and tags the filters offer, sorted. */
export function filterChoices(rows: readonly RunRow[]): { models: string[]; tags: string[] } {
  const models = new Set<string>();
  const tags = new Set<string>();
  for (const r of rows) {
    if (r.model !== null) models.add(r.model);
    for (const t of r.tags) tags.add(t);
  }
  return { models: [...models].sort(), tags: [...tags].sort() };
}
