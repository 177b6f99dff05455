/** A {@link TensorEntry} whose raw C-order data lies uncompressed at a known offset of an open file. */
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { readExactly, type OpenedFile } from './fileAccess';
import { dtypeByteSize, formatShape, shapeSize, type TensorDType, type TensorEntry } from './tensorArray';
import { decodeTensorBytes } from './tensorBytes';

/** Where an array lies in a file. */
export interface TensorLocation {
  readonly name: string;
  readonly dtype: TensorDType;
  readonly shape: readonly number[];
  /** Absolute byte offset of the first element. */
  readonly offset: number;
  readonly littleEndian: boolean;
  /** How messages name the array, e.g. `model.npz[fc.weight.npy]`. */
  readonly where: string;
}

/**
 * Makes an entry reading by positioned reads. Checks at once that the data fits in the file, so a
 * truncated file fails when opened rather than half-way through an analysis.
 */
export function positionedTensor(file: OpenedFile, location: TensorLocation): TensorEntry {
  const { name, dtype, shape, offset, littleEndian, where } = location;
  const itemSize = dtypeByteSize(dtype);
  const total = shapeSize(shape) * itemSize;
  if (offset + total > file.size) {
    throw new LongtailError(
      ErrorCode.InvalidFile,
      `${where}: truncated file: ${dtype} ${formatShape(shape)} needs ${total} bytes at offset ${offset}, the file has ${file.size - offset}`,
      { file: file.path },
    );
  }
  const rowElements = shape.length === 0 ? 1 : shapeSize(shape.slice(1));
  const rows = shape.length === 0 ? 1 : shape[0];
  return {
    name,
    dtype,
    shape,
    async read() {
      const bytes = await readExactly(file, offset, total, where);
      return { name, dtype, shape, data: decodeTensorBytes(bytes, dtype, shapeSize(shape), littleEndian) };
    },
    async readRows(start: number, count: number) {
      const first = Math.max(0, Math.min(start, rows));
      const n = Math.max(0, Math.min(count, rows - first));
      const bytes = await readExactly(file, offset + first * rowElements * itemSize, n * rowElements * itemSize, where);
      return { name, dtype, shape: [n, ...shape.slice(1)], data: decodeTensorBytes(bytes, dtype, n * rowElements, littleEndian) };
    },
  };
}
