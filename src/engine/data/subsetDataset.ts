/**
 * A dataset restricted to a list of example indices of another (a subset index file, see
 * makeLongTail.ts). Batches read runs of consecutive indices from the base in one call each.
 */
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { DatasetSource, ExampleBatch } from './datasetSource';
import { checkNotEmpty } from './labelChecks';

/**
 * Wraps `base` so that example i is `base[indices[i]]`. `path` is the index file (for messages). When the
 * index file records per-class `counts`, they must match the selected labels (a changed or different
 * source dataset is reported instead of silently analysed).
 */
export async function openSubsetDataset(path: string, base: DatasetSource, indices: readonly unknown[], counts?: unknown): Promise<DatasetSource> {
  const idx = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const v = indices[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= base.size) {
      throw new LongtailError(ErrorCode.InvalidFile, `${path}: index ${i} is ${JSON.stringify(v)}, outside [0, ${base.size}) of ${base.path}`, { file: path });
    }
    idx[i] = v;
  }
  checkNotEmpty(idx.length, path, path);
  const baseLabels = await base.readLabels();
  const labels = new Int32Array(idx.length);
  idx.forEach((v, i) => (labels[i] = baseLabels[v]));
  if (Array.isArray(counts)) {
    const actual: number[] = [];
    labels.forEach((l) => (actual[l] = (actual[l] ?? 0) + 1));
    const mismatch = counts.findIndex((n, k) => n !== (actual[k] ?? 0));
    if (mismatch >= 0 || actual.length > counts.length) {
      const k = mismatch >= 0 ? mismatch : counts.length;
      throw new LongtailError(
        ErrorCode.InvalidFile,
        `${path}: recorded count for class ${k} is ${counts[k] ?? 0} but the indices select ${actual[k] ?? 0} examples of it in ${base.path} (was the source changed?)`,
        { file: path },
      );
    }
  }
  let storedLogits: DatasetSource['storedLogits'];
  const baseLogits = base.storedLogits;
  if (baseLogits) {
    const c = baseLogits.numClasses;
    const data = new Float32Array(idx.length * c);
    idx.forEach((v, i) => data.set(baseLogits.data.subarray(v * c, (v + 1) * c), i * c));
    storedLogits = { data, numClasses: c };
  }
  const exampleSize = base.exampleShape.reduce((a, b) => a * b, 1);
  return {
    path,
    format: 'subset',
    size: idx.length,
    memberFiles: [base.path, ...(base.memberFiles ?? [])],
    exampleShape: base.exampleShape,
    numClasses: base.numClasses,
    classNames: base.classNames,
    isFeatures: base.isFeatures,
    storedLogits,
    preprocessing: base.preprocessing,
    readLabels: async () => labels.slice(),
    exampleFile: (index: number) => (index >= 0 && index < idx.length ? (base.exampleFile?.(idx[index]) ?? null) : null),
    async readBatch(start: number, count: number): Promise<ExampleBatch> {
      const first = Math.max(0, Math.min(start, idx.length));
      const m = Math.max(0, Math.min(count, idx.length - first));
      const x = new Float32Array(m * exampleSize);
      let i = 0;
      while (i < m) {
        let run = 1;
        while (i + run < m && idx[first + i + run] === idx[first + i] + run) {
          run++;
        }
        const part = await base.readBatch(idx[first + i], run);
        x.set(part.x, i * exampleSize);
        i += run;
      }
      return { x, shape: [m, ...base.exampleShape], labels: labels.slice(first, first + m) };
    },
    close: () => base.close(),
  };
}
