/**
 * NumPy `.npz` (`np.savez`, stored members; `np.savez_compressed`, deflated members): a zip archive
 * of `.npy` files. Only member headers are read at open; arrays are read member by member on demand.
 * Stored members are read with positioned reads (row slices cost only their bytes); a deflated member
 * is inflated whole on its first read and kept until {@link TensorFile.close} (memory bound: the
 * uncompressed size of the members actually read).
 */
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { openForRead, type OpenedFile } from './fileAccess';
import { decodeNpy, npyHeaderLength, parseNpyHeader } from './npyFormat';
import { positionedTensor } from './positionedTensor';
import { dtypeByteSize, formatShape, shapeSize, type TensorArray, type TensorEntry, type TensorFile } from './tensorArray';
import { readZipDirectory, readZipEntry, readZipEntryPrefix, zipDataOffset, type ZipEntry } from './zipArchive';

/** Opens an `.npz`. Throws {@link ErrorCode.UnknownFormat} when the file is not a zip archive. */
export async function openNpzFile(path: string): Promise<TensorFile> {
  const file = await openForRead(path);
  const cache = new Map<string, TensorArray>();
  try {
    const members = (await readZipDirectory(file)).filter((m) => m.name.toLowerCase().endsWith('.npy'));
    const entries: TensorEntry[] = [];
    for (const member of members) {
      entries.push(await openMember(file, member, cache));
    }
    const byName = new Map(entries.map((e) => [e.name, e]));
    return {
      path,
      format: 'npz',
      entries,
      get: (name) => byName.get(name),
      close: async () => {
        cache.clear();
        await file.handle.close();
      },
    };
  } catch (error) {
    await file.handle.close();
    throw error;
  }
}

async function openMember(file: OpenedFile, member: ZipEntry, cache: Map<string, TensorArray>): Promise<TensorEntry> {
  const name = member.name.slice(0, -4);
  const where = `${file.path}[${member.name}]`;
  const prefix = await readZipEntryPrefix(file, member, 12);
  const headerLength = npyHeaderLength(prefix, where, file.path);
  const header = parseNpyHeader(await readZipEntryPrefix(file, member, headerLength), where, file.path);
  const needed = header.dataOffset + shapeSize(header.shape) * dtypeByteSize(header.dtype);
  if (member.uncompressedSize < needed) {
    throw new LongtailError(
      ErrorCode.InvalidFile,
      `${where}: truncated array: ${header.dtype} ${formatShape(header.shape)} needs ${needed} bytes, the member has ${member.uncompressedSize}`,
      { file: file.path },
    );
  }
  if (member.method === 0) {
    const start = await zipDataOffset(file, member);
    return positionedTensor(file, { name, dtype: header.dtype, shape: header.shape, offset: start + header.dataOffset, littleEndian: header.littleEndian, where });
  }
  const readAll = async (): Promise<TensorArray> => {
    let tensor = cache.get(name);
    if (!tensor) {
      tensor = decodeNpy(await readZipEntry(file, member), name, where, file.path);
      cache.set(name, tensor);
    }
    return tensor;
  };
  return {
    name,
    dtype: header.dtype,
    shape: header.shape,
    read: readAll,
    async readRows(start: number, count: number) {
      const all = await readAll();
      const rows = all.shape.length === 0 ? 1 : all.shape[0];
      const row = all.shape.length === 0 ? 1 : shapeSize(all.shape.slice(1));
      const first = Math.max(0, Math.min(start, rows));
      const n = Math.max(0, Math.min(count, rows - first));
      return { name, dtype: all.dtype, shape: [n, ...all.shape.slice(1)], data: all.data.slice(first * row, (first + n) * row) };
    },
  };
}
