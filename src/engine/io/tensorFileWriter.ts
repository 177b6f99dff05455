/**
 * Writes named arrays as `.npy`, `.npz` (an uncompressed zip of `.npy` members, what `numpy.savez` writes) or
 * `.safetensors` (8-byte little-endian header length, JSON header padded with spaces to a multiple of 8, then
 * the data, C order, little-endian). The readers in this folder read all three back. `float16`/`bfloat16`
 * arrays (held as float32 after reading) are written as float32.
 */
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { TensorArray, TensorDType } from './tensorArray';
import { encodeStoredZip } from './zipWriter';

const npyDescr: Readonly<Record<TensorDType, string>> = {
  float16: '<f4',
  bfloat16: '<f4',
  float32: '<f4',
  float64: '<f8',
  int8: '|i1',
  int16: '<i2',
  int32: '<i4',
  int64: '<i8',
  uint8: '|u1',
  uint16: '<u2',
  uint32: '<u4',
  uint64: '<u8',
  bool: '|b1',
};

const safetensorsDtype: Readonly<Record<TensorDType, string>> = {
  float16: 'F32',
  bfloat16: 'F32',
  float32: 'F32',
  float64: 'F64',
  int8: 'I8',
  int16: 'I16',
  int32: 'I32',
  int64: 'I64',
  uint8: 'U8',
  uint16: 'U16',
  uint32: 'U32',
  uint64: 'U64',
  bool: 'BOOL',
};

function assertLittleEndianHost(): void {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
    throw new LongtailError(ErrorCode.Internal, 'internal error: writing tensor files needs a little-endian host');
  }
}

/** The raw little-endian bytes of an array's values (a view, no copy). */
export function dataBytes(array: TensorArray): Uint8Array {
  const size = array.shape.reduce((a, b) => a * b, 1);
  if (array.data.length !== size) {
    throw new LongtailError(ErrorCode.Internal, `internal error: array '${array.name}' has ${array.data.length} values for shape [${array.shape.join(', ')}]`);
  }
  assertLittleEndianHost();
  return new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength);
}

/** A complete `.npy` file (format version 1.0, C order). */
export function encodeNpy(array: TensorArray): Uint8Array {
  const shape = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(', ')})`;
  let dict = `{'descr': '${npyDescr[array.dtype]}', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  dict = dict.padEnd(total - 10 - 1, ' ') + '\n';
  const header = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(header);
  header.writeUInt16LE(dict.length, 8);
  return Buffer.concat([header, Buffer.from(dict, 'latin1'), dataBytes(array)]);
}

/** A `.npz` archive: one stored (uncompressed) `<name>.npy` member per array, in the given order. */
export function encodeNpz(arrays: readonly TensorArray[]): Uint8Array {
  return encodeStoredZip(arrays.map((array) => ({ name: `${array.name}.npy`, body: encodeNpy(array) })), '.npz');
}

/** A `.safetensors` file with the arrays in the given order (optional string metadata). */
export function encodeSafetensors(arrays: readonly TensorArray[], metadata?: Readonly<Record<string, string>>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  const bodies: Uint8Array[] = [];
  for (const array of arrays) {
    const bytes = dataBytes(array);
    header[array.name] = { dtype: safetensorsDtype[array.dtype], shape: [...array.shape], data_offsets: [offset, offset + bytes.length] };
    bodies.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json = json.padEnd(Math.ceil(Buffer.byteLength(json, 'utf8') / 8) * 8 + json.length - Buffer.byteLength(json, 'utf8'), ' ');
  const jsonBytes = Buffer.from(json, 'utf8');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(jsonBytes.length), 0);
  return Buffer.concat([length, jsonBytes, ...bodies]);
}
