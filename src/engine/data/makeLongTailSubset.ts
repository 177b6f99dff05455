/**
 * Builds a long-tailed subset index of a dataset split and writes it as JSON (atomically, never over
 * an existing file). Used by `longtail make-lt` and the demo. Formulas and selection: makeLongTail.ts.
 */
import { dirname, relative, resolve, sep } from 'node:path';
import type { CancellationSignal } from '../../protocol/progress';
import { throwIfCancelled } from '../cancellation';
import { writeFileAtomic } from '../output/atomicOutput';
import { labelsClassCount } from './labelChecks';
import { makeLongTailIndices, type LongTailProfile, type SubsetIndex } from './makeLongTail';
import { openDataset, type DatasetSplit } from './openDataset';

/** Options of {@link makeLongTailSubset}. */
export interface MakeLongTailSubsetOptions {
  readonly ratio: number;
  readonly profile: LongTailProfile;
  readonly seed: number;
  readonly nMax?: number;
  readonly split: DatasetSplit;
  readonly signal?: CancellationSignal;
}

/** What was written. */
export interface MakeLongTailSubsetResult {
  readonly index: SubsetIndex;
  readonly format: string;
  /** Examples in the sampled split. */
  readonly of: number;
  readonly numClasses: number;
}

/** Samples the subset of `dataset` and writes its index to `out` (source stored relative to `out`). */
export async function makeLongTailSubset(dataset: string, out: string, options: MakeLongTailSubsetOptions): Promise<MakeLongTailSubsetResult> {
  const source = await openDataset(dataset, { split: options.split });
  let labels: Int32Array;
  let numClasses: number;
  let format: string;
  try {
    labels = await source.readLabels();
    numClasses = source.numClasses ?? labelsClassCount(labels);
    format = source.format;
  } finally {
    await source.close();
  }
  throwIfCancelled(options.signal);
  const { counts, indices, nMax } = makeLongTailIndices(labels, numClasses, {
    ratio: options.ratio,
    profile: options.profile,
    seed: options.seed,
    nMax: options.nMax,
  });
  const index: SubsetIndex = {
    source: relative(dirname(resolve(out)), resolve(dataset)).split(sep).join('/') || '.',
    split: options.split,
    profile: options.profile,
    ratio: options.ratio,
    seed: options.seed,
    nMax,
    counts,
    indices,
  };
  throwIfCancelled(options.signal);
  await writeFileAtomic(out, JSON.stringify(index) + '\n');
  return { index, format, of: labels.length, numClasses };
}
