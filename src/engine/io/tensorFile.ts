/**
 * One entry point for tensor containers: detects `.npy`, `.npz` (zip), a `torch.save` checkpoint (zip with
 * `data.pkl`: `.pth`/`.pt`/`.ckpt`/`pytorch_model.bin`) or `.safetensors` from the content (not the file name)
 * and opens it. {@link readTensorFile} reads every array;
 * {@link openTensorFile} lists them and reads on demand.
 */
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { openForRead, readUpTo } from './fileAccess';
import { openNpyFile } from './npyFile';
import { isNpyMagic } from './npyFormat';
import { openNpzFile } from './npzFile';
import { isTorchZipDirectory, openTorchCheckpoint, stateDictHint } from './torchCheckpointFile';
import { looksLikeSafetensors, openSafetensorsFile } from './safetensorsFile';
import { readZipDirectory } from './zipArchive';
import type { TensorArray, TensorFile } from './tensorArray';

/** Container formats {@link openTensorFile} recognises. */
export type TensorFileFormat = 'npy' | 'npz' | 'safetensors' | 'pth';

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
      return isTorchZipDirectory(await readZipDirectory(file)) ? 'pth' : 'npz';
    }
    if (prefix[0] === 0x80 && prefix[1] === 0x02 && prefix[2] === 0x8a && prefix[3] === 0x0a) {
      // pickle protocol 2 starting with torch's legacy magic number 0x1950a86a20f9469cfc6c
      throw new LongtailError(
        ErrorCode.UnknownFormat,
        `${path}: a PyTorch checkpoint in the legacy format of torch < 1.6; load it once with a current torch and re-save it (torch.save(torch.load(old), new) writes the zip format), or ${stateDictHint}`,
        { file: path },
      );
    }
    const tar = await readUpTo(file, 257, 5);
    if (tar.toString('latin1') === 'ustar') {
      throw new LongtailError(
        ErrorCode.UnknownFormat,
        `${path}: a tar archive (the checkpoint format of torch < 1.6, or an archive of files); re-save it with torch >= 1.6 (torch.save(torch.load(old), new)) or extract the file you mean`,
        { file: path },
      );
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
    case 'pth':
      return openTorchCheckpoint(path);
    default:
      throw new LongtailError(ErrorCode.UnknownFormat, `${path}: not a .npy, .npz, .safetensors or PyTorch (.pth) file`, { file: path });
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
