/**
 * Validation shared by every dataset reader: labels must be integers in [0, numClasses); features and
 * logits must be finite. Each failure is a {@link LongtailError} naming the file and the first bad position.
 */
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { TensorArray } from '../io/tensorArray';

/**
 * Converts a label array (any integer dtype, or floats holding whole numbers) to Int32Array.
 * Throws {@link ErrorCode.InvalidLabels} on a negative, non-integer or (when `numClasses` is known)
 * out-of-range label.
 */
export function toLabels(tensor: TensorArray, numClasses: number | null, where: string, file: string): Int32Array {
  if (tensor.shape.length !== 1 && !(tensor.shape.length === 2 && tensor.shape[1] === 1)) {
    throw new LongtailError(ErrorCode.ShapeMismatch, `${where}: labels '${tensor.name}' must be 1-D [N], got [${tensor.shape.join(', ')}]`, { file });
  }
  const data = tensor.data;
  const out = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = typeof data[i] === 'bigint' ? Number(data[i]) : (data[i] as number);
    out[i] = v;
    if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) {
      throw new LongtailError(
        ErrorCode.InvalidLabels,
        `${where}: label ${i} is ${v}; labels must be non-negative integers`,
        { file },
      );
    }
  }
  checkLabelRange(out, numClasses, where, file);
  return out;
}

/** Throws {@link ErrorCode.InvalidLabels} when a label is negative or ≥ `numClasses` (skipped when null). */
export function checkLabelRange(labels: Int32Array, numClasses: number | null, where: string, file: string, offset = 0): void {
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (v < 0 || (numClasses !== null && v >= numClasses)) {
      throw new LongtailError(
        ErrorCode.InvalidLabels,
        `${where}: label ${offset + i} is ${v}, outside [0, ${numClasses ?? '∞'})`,
        { file },
      );
    }
  }
}

/** Throws {@link ErrorCode.NonFinite} at the first NaN/Inf, naming the row (`rowLength` values per row). */
export function checkFinite(values: Float32Array, rowLength: number, what: string, where: string, file: string, rowOffset = 0): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      const row = rowOffset + Math.floor(i / Math.max(1, rowLength));
      throw new LongtailError(ErrorCode.NonFinite, `${where}: ${what} row ${row} holds ${values[i]}`, { file });
    }
  }
}

/** max(labels) + 1, or 0 for no labels. */
export function labelsClassCount(labels: Int32Array): number {
  let max = -1;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] > max) {
      max = labels[i];
    }
  }
  return max + 1;
}

/** Throws {@link ErrorCode.EmptyDataset} when `size` is 0. */
export function checkNotEmpty(size: number, where: string, file: string): void {
  if (size === 0) {
    throw new LongtailError(ErrorCode.EmptyDataset, `${where}: the dataset has no examples`, { file });
  }
}
