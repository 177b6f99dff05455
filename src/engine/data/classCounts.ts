/**
 * Per-class training counts: from labels, or from a `--class-counts` file (a JSON array of
 * non-negative integers, or a 1-D `.npy`), for users who have no training set at hand.
 */
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { closeFile, openForRead, readTextFile, readUpTo } from '../io/fileAccess';
import { openTensorFile } from '../io/tensorFile';
import { toFloat64Array } from '../io/tensorConvert';

/** counts[k] = #{i : labels[i] = k}, k ∈ [0, numClasses). Labels must already be validated. */
export function countLabels(labels: Int32Array, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < labels.length; i++) {
    counts[labels[i]]++;
  }
  return counts;
}

/** Reads a class-counts file: a JSON array (or `{"counts": [...]}`) or a 1-D `.npy`/single-array file. */
export async function readClassCounts(path: string): Promise<number[]> {
  const probe = await openForRead(path);
  let head: Buffer;
  try {
    head = await readUpTo(probe, 0, 1);
  } finally {
    await closeFile(probe);
  }
  let values: number[];
  if (head[0] === 0x93) {
    const file = await openTensorFile(path);
    try {
      const entry = file.entries[0];
      if (entry.shape.length !== 1) {
        throw new LongtailError(ErrorCode.InvalidFile, `${path}: class counts must be a 1-D array, got shape [${entry.shape.join(', ')}]`, { file: path });
      }
      values = Array.from(toFloat64Array(await entry.read()));
    } finally {
      await file.close();
    }
  } else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readTextFile(path, { what: 'class counts file' }));
    } catch (error) {
      if (error instanceof LongtailError) {
        throw error;
      }
      throw new LongtailError(ErrorCode.UnknownFormat, `${path}: class counts must be a JSON array of integers or a .npy array`, { file: path });
    }
    const list = Array.isArray(parsed) ? parsed : (parsed as { counts?: unknown })?.counts;
    if (!Array.isArray(list) || !list.every((n) => typeof n === 'number')) {
      throw new LongtailError(ErrorCode.InvalidFile, `${path}: class counts must be a JSON array of numbers`, { file: path });
    }
    values = list as number[];
  }
  if (values.length === 0) {
    throw new LongtailError(ErrorCode.EmptyDataset, `${path}: class counts list is empty`, { file: path });
  }
  values.forEach((n, i) => {
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new LongtailError(ErrorCode.InvalidFile, `${path}: class count ${i} is ${n}; counts must be non-negative integers`, { file: path });
    }
  });
  return values;
}
