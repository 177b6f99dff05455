/**
 * Reads a whole dataset into one array, batch by batch (cancellable between batches). For the cases that
 * need every row at once: head checkpoints on feature files and in-memory baseline training. Refuses
 * datasets above `maxBytes` with a clear error instead of exhausting memory.
 */
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { CancellationSignal } from '../../protocol/progress';
import { yieldAndCheck } from '../cancellation';
import type { DatasetSource } from './datasetSource';

/** Examples held in memory: `x` row-major `[n, ...exampleShape]`. */
export interface InMemoryExamples {
  readonly x: Float32Array;
  readonly exampleShape: readonly number[];
  readonly labels: Int32Array;
}

/** Default in-memory limit: 2 GiB of float32 values. */
export const defaultInMemoryBytes = 2 ** 31;

/** Reads every example of `source`. */
export async function readAllExamples(source: DatasetSource, options: { maxBytes?: number; signal?: CancellationSignal } = {}): Promise<InMemoryExamples> {
  const maxBytes = options.maxBytes ?? defaultInMemoryBytes;
  const per = source.exampleShape.reduce((a, b) => a * b, 1);
  const bytes = source.size * per * 4;
  if (bytes > maxBytes) {
    throw new LongtailError(
      ErrorCode.InvalidOption,
      `${source.path}: ${source.size} examples need ${(bytes / 2 ** 30).toFixed(1)} GiB in memory, above the ${(maxBytes / 2 ** 30).toFixed(1)} GiB limit`,
      { file: source.path },
    );
  }
  const x = new Float32Array(source.size * per);
  const labels = new Int32Array(source.size);
  const step = 4096;
  for (let start = 0; start < source.size; start += step) {
    await yieldAndCheck(options.signal);
    const batch = await source.readBatch(start, Math.min(step, source.size - start));
    x.set(batch.x, start * per);
    labels.set(batch.labels, start);
  }
  return { x, exampleShape: source.exampleShape, labels };
}
