/**
 * One entry point for tensor containers: detects `.npy`, `.npz` (zip) or `.safetensors` from the first
 * bytes (not the file name) and opens it. {@link readTensorFile} reads every array;
 * {@link openTensorFile} lists them and reads on demand.
 */
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { openForRead, readUpTo } from './fileAccess';
import { openNpyFile } from './npyFile';
import { isNpyMagic } from './npyFormat';
import { openNpzFile } from './npzFile';
import { looksLikeSafetensors, openSafetensorsFile } from './safetensorsFile';
import type { TensorArray, TensorFile } from './tensorArray';

/** Container formats {@link openTensorFile} recognises. */
export type TensorFileFormat = 'npy' | 'npz' | 'safetensors';

/** True when `prefix` starts a zip archive (local header or, for an empty archive, the end record). */
export function isZipMagic(prefix: Uint8Array): boolean {
  return prefix.length >= 4 && prefix[0] === 0x50 && prefix[1] === 0x4b && ((prefix[2] === 3 && prefix[3] === 4) || (prefix[2] === 5 && prefix[3] === 6));
}

/** Detects the container format of `path` from its content, or null when it is none of them. */
export async function detectTensorFileFormat(path: string): Promise<TensorFileFormat | null> {
  const file = await openForRead(path);
  try {
    const prefix = await readUpTo(file, 0, 16);
    if (isNpyMagic(prefix)) {
      return 'npy';
    }
    if (isZipMagic(prefix)) {
      return 'npz';
    }
    if (looksLikeSafetensors(prefix, file.size)) {
      return 'safetensors';
    }
    return null;
  } finally {
    await file.handle.close();
  }
}

/** Opens a tensor container; throws {@link ErrorCode.UnknownFormat} for anything else. */
export async function openTensorFile(path: string): Promise<TensorFile> {
  const format = await detectTensorFileFormat(path);
  switch (format) {
    case 'npy':
      return openNpyFile(path);
    case 'npz':
      return openNpzFile(path);
    case 'safetensors':
      return openSafetensorsFile(path);
    default:
      throw new LongtailError(ErrorCode.UnknownFormat, `${path}: not a .npy, .npz or .safetensors file`, { file: path });
  }
}

/** Reads every array of a `.npy`, `.npz` or `.safetensors` file, in file order. */
export async function readTensorFile(path: string): Promise<TensorArray[]> {
  const file = await openTensorFile(path);
  try {
    const out: TensorArray[] = [];
    for (const entry of file.entries) {
      out.push(await entry.read());
    }
    return out;
  } finally {
    await file.close();
  }
}
