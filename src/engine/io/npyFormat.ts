/**
 * NumPy `.npy` format: magic `\x93NUMPY`, version byte pair, a header length (uint16 LE for v1,
 * uint32 LE for v2/v3), then a Python-literal dict `{'descr': '<f4', 'fortran_order': False, 'shape': (N, D), }`
 * padded with spaces to a multiple of 64 bytes, then the raw C-order data.
 *
 * Supported descr: `f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1` with byte order `<`, `>`, `|` or `=`.
 * Fortran-order, structured and object (pickled) arrays are rejected with a clear error.
 */
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { dtypeByteSize, shapeSize, type TensorArray, type TensorDType } from './tensorArray';
import { decodeTensorBytes } from './tensorBytes';
import { quoteUntrusted } from './untrustedText';

/** The parsed header of an `.npy` array. */
export interface NpyHeader {
  /** Element type. */
  readonly dtype: TensorDType;
  /** False for big-endian data. */
  readonly littleEndian: boolean;
  /** Shape. */
  readonly shape: readonly number[];
  /** Byte offset of the data from the start of the `.npy` bytes. */
  readonly dataOffset: number;
}

const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const descrTypes: Record<string, TensorDType> = {
  f2: 'float16',
  f4: 'float32',
  f8: 'float64',
  i1: 'int8',
  i2: 'int16',
  i4: 'int32',
  i8: 'int64',
  u1: 'uint8',
  u2: 'uint16',
  u4: 'uint32',
  u8: 'uint64',
  b1: 'bool',
};

/** True when `bytes` starts with the `.npy` magic string. */
export function isNpyMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 6 && magic.every((b, i) => bytes[i] === b);
}

function bad(where: string, file: string, what: string, code: ErrorCode = ErrorCode.InvalidFile): LongtailError {
  return new LongtailError(code, `${where}: ${what}`, { file });
}

/** Largest `.npy` header accepted: numpy writes a few hundred bytes and reads at most 10 000 by default. */
export const maxNpyHeaderBytes = 1 << 20;

/**
 * Total header length (magic + version + length field + dict) from the first 12 bytes.
 * `where` names the file (and npz member) in messages.
 */
export function npyHeaderLength(bytes: Uint8Array, where: string, file: string): number {
  if (!isNpyMagic(bytes)) {
    throw bad(where, file, 'not a .npy array (missing \\x93NUMPY magic)', ErrorCode.UnknownFormat);
  }
  if (bytes.length < 10) {
    throw bad(where, file, 'truncated .npy header');
  }
  const major = bytes[6];
  if (major === 1) {
    return 10 + (bytes[8] | (bytes[9] << 8));
  }
  if (major === 2 || major === 3) {
    if (bytes.length < 12) {
      throw bad(where, file, 'truncated .npy header');
    }
    const length = 12 + (bytes[8] | (bytes[9] << 8) | (bytes[10] << 16)) + bytes[11] * 2 ** 24;
    if (length > maxNpyHeaderBytes) {
      // numpy refuses headers over 10 000 bytes by default (max_header_size); a 4 GB one is hostile.
      throw bad(where, file, `implausible .npy header length ${length} (limit ${maxNpyHeaderBytes} bytes)`);
    }
    return length;
  }
  throw bad(where, file, `unsupported .npy version ${major}.${bytes[7]}`, ErrorCode.UnknownFormat);
}

/** Parses the `.npy` header at the start of `bytes` (which must hold the whole header). */
export function parseNpyHeader(bytes: Uint8Array, where: string, file: string): NpyHeader {
  const total = npyHeaderLength(bytes, where, file);
  if (bytes.length < total) {
    throw bad(where, file, `truncated .npy header (needs ${total} bytes, has ${bytes.length})`);
  }
  const start = bytes[6] === 1 ? 10 : 12;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + start, total - start).toString(bytes[6] === 3 ? 'utf8' : 'latin1');
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text);
  if (!descr) {
    if (/'descr'\s*:\s*\[/.test(text)) {
      throw bad(where, file, 'structured (record) .npy arrays are not supported', ErrorCode.UnknownFormat);
    }
    throw bad(where, file, `malformed .npy header: ${quoteUntrusted(text.trim())}`);
  }
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text);
  if (!fortran) {
    throw bad(where, file, `malformed .npy header (no fortran_order): ${quoteUntrusted(text.trim())}`);
  }
  if (fortran[1] === 'True') {
    throw bad(where, file, 'Fortran-order (column-major) arrays are not supported; save with np.ascontiguousarray(a)', ErrorCode.UnknownFormat);
  }
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text);
  if (!shapeText) {
    throw bad(where, file, `malformed .npy header (no shape): ${quoteUntrusted(text.trim())}`);
  }
  const shape = shapeText[1]
    .split(',')
    .map((s) => s.trim().replace(/L$/, ''))
    .filter((s) => s.length > 0)
    .map((s) => {
      const n = Number(s);
      if (!Number.isSafeInteger(n) || n < 0) {
        throw bad(where, file, `malformed .npy shape (${shapeText[1]})`);
      }
      return n;
    });
  const code = descr[1];
  const order = code[0];
  const dtype = descrTypes[code.slice(1)];
  if (!'<>|='.includes(order) || dtype === undefined) {
    const hint = code.includes('O') ? ' (object arrays are pickled Python objects)' : '';
    throw bad(where, file, `unsupported .npy dtype '${code}'${hint}; supported: f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1`, ErrorCode.UnknownFormat);
  }
  return { dtype, littleEndian: order !== '>', shape, dataOffset: total };
}

/** Decodes a complete in-memory `.npy` (e.g. an inflated `.npz` member). */
export function decodeNpy(bytes: Uint8Array, name: string, where: string, file: string): TensorArray {
  const header = parseNpyHeader(bytes, where, file);
  const count = shapeSize(header.shape);
  const size = count * dtypeByteSize(header.dtype);
  if (bytes.length - header.dataOffset < size) {
    throw bad(where, file, `truncated .npy data: shape [${header.shape.join(', ')}] needs ${size} bytes, has ${bytes.length - header.dataOffset}`);
  }
  const data = decodeTensorBytes(bytes.subarray(header.dataOffset), header.dtype, count, header.littleEndian);
  return { name, dtype: header.dtype, shape: header.shape, data };
}

