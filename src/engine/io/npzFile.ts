/**
 * NumPy `.npz` (`np.savez`, stored members; `np.savez_compressed`, deflated members): a zip archive
 * of `.npy` files. Only member headers are read at open; arrays are read member by member on demand.
 * Stored members are read with positioned reads (row slices cost only their bytes); a deflated member
 * is inflated on its first read through the bounded-inflate helper (output capped at the size the zip
 * entry declares, itself checked against the npy header): into memory and kept until
 * {@link TensorFile.close} when small, else streamed into a temporary file read by positioned reads
 * (limits: docs/limits.md). Two members with the same name are refused: numpy would read the last, a
 * naive reader the first.
 */
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { closeFile, openForRead, type OpenedFile } from './fileAccess';
import { decodeNpy, npyHeaderLength, parseNpyHeader } from './npyFormat';
import { readLimits } from './readLimits';
import { positionedTensor } from './positionedTensor';
import { dtypeByteSize, formatShape, shapeSize, type TensorArray, type TensorEntry, type TensorFile } from './tensorArray';
import { inflateZipEntryToTemp, readZipDirectory, readZipEntry, readZipEntryPrefix, zipDataOffset, type ZipEntry } from './zipArchive';
import { escapeControls, quoteUntrusted } from './untrustedText';

/** Opens an `.npz`. Throws {@link ErrorCode.UnknownFormat} when the file is not a zip archive. */
export async function openNpzFile(path: string): Promise<TensorFile> {
  const file = await openForRead(path);
  const cache = new Map<string, TensorArray>();
  const cleanups: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    cache.clear();
    for (const c of cleanups.splice(0)) {
      await c().catch(() => undefined);
    }
    await closeFile(file);
  };
  try {
    const members = await readZipDirectory(file);
    const seen = new Set<string>();
    for (const m of members) {
      if (seen.has(m.name)) {
        throw new LongtailError(ErrorCode.InvalidFile, `${path}: zip member ${quoteUntrusted(m.name)} appears twice (numpy would read the last copy); rewrite the archive`, { file: path });
      }
      seen.add(m.name);
    }
    const entries: TensorEntry[] = [];
    for (const member of members.filter((m) => m.name.toLowerCase().endsWith('.npy'))) {
      entries.push(await openMember(file, member, cache, cleanups));
    }
    const byName = new Map(entries.map((e) => [e.name, e]));
    return {
      path,
      format: 'npz',
      entries,
      get: (name) => byName.get(name),
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

async function openMember(file: OpenedFile, member: ZipEntry, cache: Map<string, TensorArray>, cleanups: (() => Promise<void>)[]): Promise<TensorEntry> {
  const name = member.name.slice(0, -4);
  const where = `${file.path}[${escapeControls(member.name)}]`;
  const prefix = await readZipEntryPrefix(file, member, 12);
  const headerLength = npyHeaderLength(prefix, where, file.path);
  const header = parseNpyHeader(await readZipEntryPrefix(file, member, headerLength), where, file.path);
  const needed = header.dataOffset + shapeSize(header.shape) * dtypeByteSize(header.dtype);
  if (member.uncompressedSize !== needed && member.method !== 0) {
    throw new LongtailError(
      ErrorCode.InvalidFile,
      `${where}: the zip entry declares ${member.uncompressedSize} bytes but its npy header (${header.dtype} ${formatShape(header.shape)}) needs ${needed}`,
      { file: file.path },
    );
  }
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
  if (member.uncompressedSize > readLimits().inflateMemoryBytes) {
    // Large deflated member: stream it once into a temporary file and read rows from there.
    let streamed: TensorEntry | null = null;
    const streamedEntry = async (): Promise<TensorEntry> => {
      if (streamed === null) {
        const temp = await inflateZipEntryToTemp(file, member);
        cleanups.push(temp.dispose);
        let tempFile: OpenedFile;
        try {
          tempFile = await openForRead(temp.path);
        } catch (error) {
          await temp.dispose();
          throw error;
        }
        cleanups.push(() => closeFile(tempFile));
        streamed = positionedTensor({ ...tempFile, path: file.path }, { name, dtype: header.dtype, shape: header.shape, offset: header.dataOffset, littleEndian: header.littleEndian, where });
      }
      return streamed;
    };
    return {
      name,
      dtype: header.dtype,
      shape: header.shape,
      read: async () => (await streamedEntry()).read(),
      readRows: async (start: number, count: number) => (await streamedEntry()).readRows(start, count),
    };
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
