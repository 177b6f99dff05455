/**
 * The uniform in-memory form of a named array read from `.npy`, `.npz` or `.safetensors`, and the lazy
 * handle ({@link TensorEntry}) that reads it on demand.
 */

/** Element types the tensor readers understand. `float16`/`bfloat16` are widened to float32 on read. */
export type TensorDType =
  | 'float16'
  | 'bfloat16'
  | 'float32'
  | 'float64'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'bool';

/**
 * Typed storage of a tensor, row-major (C order). `float16`/`bfloat16` data is a `Float32Array`,
 * `bool` a `Uint8Array` (0/1), 64-bit integers `BigInt64Array`/`BigUint64Array`.
 */
export type TensorData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array;

/** A named array: `{ name, dtype, shape, data }`, `data.length === product(shape)`. */
export interface TensorArray {
  /** Name inside the file (`npz` member without `.npy`, safetensors key, or the file's base name for `.npy`). */
  readonly name: string;
  /** Element type as stored in the file. */
  readonly dtype: TensorDType;
  /** Shape, row-major. `[]` for a scalar. */
  readonly shape: readonly number[];
  /** Values. */
  readonly data: TensorData;
}

/** A tensor in an open file whose values have not been read yet. */
export interface TensorEntry {
  /** Name inside the file. */
  readonly name: string;
  /** Element type. */
  readonly dtype: TensorDType;
  /** Shape. */
  readonly shape: readonly number[];
  /** Reads the whole array. */
  read(): Promise<TensorArray>;
  /**
   * Reads rows `[start, start + count)` along axis 0 (clipped to the end). Positioned reads for
   * `.npy`, `.safetensors` and stored `.npz` members; a deflated `.npz` member is inflated once and kept
   * until the file is closed.
   */
  readRows(start: number, count: number): Promise<TensorArray>;
}

/** Number of elements of a shape (1 for a scalar). */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    n *= d;
  }
  return n;
}

/** Bytes per stored element of `dtype`. */
export function dtypeByteSize(dtype: TensorDType): number {
  switch (dtype) {
    case 'int8':
    case 'uint8':
    case 'bool':
      return 1;
    case 'float16':
    case 'bfloat16':
    case 'int16':
    case 'uint16':
      return 2;
    case 'float32':
    case 'int32':
    case 'uint32':
      return 4;
    case 'float64':
    case 'int64':
    case 'uint64':
      return 8;
  }
}

/** Formats a shape as `[a, b]` for messages. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** An open tensor container (`.npy`, `.npz`, `.safetensors`) listing its arrays without reading them. */
export interface TensorFile {
  /** The path as given. */
  readonly path: string;
  /** Container format. */
  readonly format: 'npy' | 'npz' | 'safetensors' | 'pth';
  /** The arrays, in file order. */
  readonly entries: readonly TensorEntry[];
  /** The entry called `name`, if any. */
  get(name: string): TensorEntry | undefined;
  /** Releases the file handle and any inflated members. */
  close(): Promise<void>;
}
