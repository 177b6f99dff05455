/**
 * Which examples a standalone HTML report embeds thumbnails of, and collecting them within the size budget. The
 * images come from a caller-supplied reader (the engine's `data/examples`): src/report itself reads no dataset.
 */
import * as path from 'node:path';
import type { Report } from '../protocol/report';
import { maxDrillDownExamples, standaloneThumbnailBudget, standaloneThumbnailSide, type StandaloneThumbnails } from '../protocol/webviewProtocol';

/**
 * The eval dataset a report names, as an absolute path: relative paths are taken from the workspace the run folder
 * sits in (`<workspace>/.longtail/runs/<run>/report.json`).
 */
export function reportEvalPath(report: Report, reportPath: string): string {
  const evalPath = report.data.eval.path;
  return path.isAbsolute(evalPath) ? evalPath : path.resolve(path.dirname(reportPath), '..', '..', '..', evalPath);
}

/** What the reader returns for a list of indices (the shape of the engine's ExamplesResult). */
export interface ThumbnailBatch {
  readonly isFeatures: boolean;
  readonly examples: readonly { readonly index: number; readonly thumbnail: string | null }[];
}

/**
 * The report's drill-down indices in the order they matter: the top confused pairs' examples (most frequent pair
 * first), then round-robin over the classes in frequency order (every class's most confident mistake, then every
 * second one, …). Each index once.
 */
export function thumbnailCandidates(report: Report): number[] {
  const seen = new Set<number>();
  const out: number[] = [];
  const add = (i: number): void => {
    if (!seen.has(i)) {
      seen.add(i);
      out.push(i);
    }
  };
  for (const pair of report.confusion.topPairs) for (const i of pair.examples ?? []) add(i);
  const lists = report.confusion.order.map((y) => report.classes[y]?.examples ?? []);
  const longest = lists.reduce((m, l) => Math.max(m, l.length), 0);
  for (let k = 0; k < longest; k++) for (const l of lists) if (k < l.length) add(l[k].index);
  return out;
}

/**
 * Reads thumbnails of {@link thumbnailCandidates} in batches of {@link maxDrillDownExamples} and keeps them while
 * the data URIs total at most `budget` characters (default {@link standaloneThumbnailBudget}, 2 MiB); stops at the
 * first that does not fit. A feature dataset stops after the first batch (no images). Returns null when the report
 * has no drill-down examples.
 */
export async function collectThumbnails(
  report: Report,
  read: (indices: readonly number[]) => Promise<ThumbnailBatch>,
  budget = standaloneThumbnailBudget,
): Promise<StandaloneThumbnails | null> {
  const candidates = thumbnailCandidates(report);
  if (candidates.length === 0) return null;
  const thumbnails: Record<string, string> = {};
  let used = 0;
  for (let start = 0; start < candidates.length; start += maxDrillDownExamples) {
    const batch = await read(candidates.slice(start, start + maxDrillDownExamples));
    if (batch.isFeatures) return { isFeatures: true, maxSide: standaloneThumbnailSide, thumbnails };
    for (const e of batch.examples) {
      if (!e.thumbnail) continue;
      if (used + e.thumbnail.length > budget) return { isFeatures: false, maxSide: standaloneThumbnailSide, thumbnails };
      thumbnails[String(e.index)] = e.thumbnail;
      used += e.thumbnail.length;
    }
  }
  return { isFeatures: false, maxSide: standaloneThumbnailSide, thumbnails };
}

/** Thumbnails for a standalone HTML report, or why there are none (one line, for a notification or stderr). */
export interface EmbeddedThumbnails {
  readonly thumbnails: StandaloneThumbnails | null;
  /** Set when reading failed (the eval data moved or is gone, or the engine refused): the HTML is written without images. */
  readonly note: string | null;
}

/**
 * {@link collectThumbnails} that never fails the export: an error while reading becomes a one-line `note`
 * (`no example thumbnails embedded (…)`, the error's first line) and no thumbnails.
 */
export async function thumbnailsForExport(report: Report, read: (indices: readonly number[]) => Promise<ThumbnailBatch>, budget = standaloneThumbnailBudget): Promise<EmbeddedThumbnails> {
  try {
    return { thumbnails: await collectThumbnails(report, read, budget), note: null };
  } catch (error) {
    const text = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    return { thumbnails: null, note: `no example thumbnails embedded (${text})` };
  }
}

/** `48 example thumbnails (312 KiB of the 2 MiB budget)`, or null when none were embedded. */
export function thumbnailSummary(thumbnails: StandaloneThumbnails | null, budget = standaloneThumbnailBudget): string | null {
  const uris = thumbnails ? Object.values(thumbnails.thumbnails) : [];
  if (!uris.length) return null;
  const kib = uris.reduce((s, u) => s + u.length, 0) / 1024;
  return `${uris.length} example thumbnail${uris.length === 1 ? '' : 's'} (${kib.toFixed(0)} KiB of the ${budget / 1024 / 1024} MiB budget)`;
}
