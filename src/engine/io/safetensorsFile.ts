/**
 * `.safetensors`: an 8-byte little-endian header length N, N bytes of UTF-8 JSON
 * `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {...}}`, then the data (offsets
 * relative to byte 8 + N, little-endian, C order). Dtypes: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL
 * (and U16/U32/U64). Arrays are read lazily with positioned reads.
 */
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { openForRead, readExactly, readUpTo } from './fileAccess';
import { positionedTensor } from './positionedTensor';
import { dtypeByteSize, formatShape, shapeSize, type TensorDType, type TensorEntry, type TensorFile } from './tensorArray';
import { quoteUntrusted } from './untrustedText';

const dtypes: Record<string, TensorDType> = {
  F64: 'float64',
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
  I64: 'int64',
  I32: 'int32',
  I16: 'int16',
  I8: 'int8',
  U64: 'uint64',
  U32: 'uint32',
  U16: 'uint16',
  U8: 'uint8',
  BOOL: 'bool',
};

/** Largest JSON header accepted (the format's own reference limit is 100 MB). */
const maxHeaderBytes = 100_000_000;

/** True when the first bytes look like a safetensors header (length fits the file, JSON starts with `{`). */
export function looksLikeSafetensors(prefix: Uint8Array, fileSize: number): boolean {
  if (prefix.length < 9) {
    return false;
  }
  const n = Buffer.from(prefix.buffer, prefix.byteOffset, 8).readBigUInt64LE(0);
  return n >= 2n && n <= BigInt(Math.min(maxHeaderBytes, fileSize - 8)) && prefix[8] === 0x7b;
}

/** Opens a `.safetensors` file, validating the header against the file size. */
export async function openSafetensorsFile(path: string): Promise<TensorFile> {
  const file = await openForRead(path);
  const fail = (what: string, code: ErrorCode = ErrorCode.InvalidFile): LongtailError => new LongtailError(code, `${path}: ${what}`, { file: path });
  try {
    const prefix = await readUpTo(file, 0, 9);
    if (prefix.length < 8) {
      throw fail('truncated safetensors file (shorter than its 8-byte header length)');
    }
    const length = prefix.readBigUInt64LE(0);
    if (length > BigInt(maxHeaderBytes) || prefix[8] !== 0x7b) {
      throw fail('not a safetensors file (implausible header length or header not JSON)', ErrorCode.UnknownFormat);
    }
    const headerBytes = await readExactly(file, 8, Number(length), 'safetensors JSON header');
    let header: unknown;
    try {
      header = JSON.parse(headerBytes.toString('utf8'));
    } catch {
      throw fail('corrupt safetensors header (not valid JSON)');
    }
    if (typeof header !== 'object' || header === null || Array.isArray(header)) {
      throw fail('corrupt safetensors header (not a JSON object)');
    }
    const base = 8 + Number(length);
    const entries: TensorEntry[] = [];
    for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
      if (name === '__metadata__') {
        continue;
      }
      const info = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      const dtype = typeof info?.dtype === 'string' ? dtypes[info.dtype] : undefined;
      if (dtype === undefined) {
        throw fail(`tensor ${quoteUntrusted(name)} has unsupported dtype ${JSON.stringify(info?.dtype)}`, ErrorCode.UnknownFormat);
      }
      const shape = info.shape;
      const offsets = info.data_offsets;
      if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
        throw fail(`tensor ${quoteUntrusted(name)} has an invalid shape`);
      }
      if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((d) => Number.isSafeInteger(d) && d >= 0)) {
        throw fail(`tensor ${quoteUntrusted(name)} has invalid data_offsets`);
      }
      const [begin, end] = offsets as number[];
      const expected = shapeSize(shape as number[]) * dtypeByteSize(dtype);
      if (end - begin !== expected) {
        throw fail(`tensor ${quoteUntrusted(name)}: ${info.dtype} ${formatShape(shape as number[])} needs ${expected} bytes but data_offsets span ${end - begin}`);
      }
      entries.push(positionedTensor(file, { name, dtype, shape: shape as number[], offset: base + begin, littleEndian: true, where: `${path}[${name}]` }));
    }
    const byName = new Map(entries.map((e) => [e.name, e]));
    return { path, format: 'safetensors', entries, get: (n) => byName.get(n), close: () => file.handle.close() };
  } catch (error) {
    await file.handle.close();
    throw error;
  }
}
