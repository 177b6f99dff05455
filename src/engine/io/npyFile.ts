/** Opens a single `.npy` file as a {@link TensorFile} with one entry named after the file. */
import { basename } from 'node:path';
import { openForRead, readExactly, readUpTo } from './fileAccess';
import { npyHeaderLength, parseNpyHeader } from './npyFormat';
import { positionedTensor } from './positionedTensor';
import type { TensorFile } from './tensorArray';

/** Opens `path` (a `.npy`); the array is read lazily (positioned reads). */
export async function openNpyFile(path: string): Promise<TensorFile> {
  const file = await openForRead(path);
  try {
    const prefix = await readUpTo(file, 0, 12);
    const length = npyHeaderLength(prefix, path, path);
    const header = parseNpyHeader(await readExactly(file, 0, length, '.npy header'), path, path);
    const name = basename(path).replace(/\.npy$/i, '');
    const entry = positionedTensor(file, { name, dtype: header.dtype, shape: header.shape, offset: header.dataOffset, littleEndian: header.littleEndian, where: path });
    return {
      path,
      format: 'npy',
      entries: [entry],
      get: (n) => (n === name ? entry : undefined),
      close: () => file.handle.close(),
    };
  } catch (error) {
    await file.handle.close();
    throw error;
  }
}
