/**
 * Decompresses a `.gz` file once into a private temporary file so that readers can use positioned reads
 * on it. Streaming: memory stays at the stream buffers (about 64 KiB), whatever the file size; disk use
 * is the uncompressed size (47 MB for MNIST's training images). The copy is deleted by `dispose()`
 * (readers call it from `close()`); a crashed process leaves it in the OS temp directory.
 */
import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, gunzipSync } from 'node:zlib';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { fsError } from '../io/fileAccess';

/** A decompressed temporary copy. */
export interface GunzippedFile {
  /** Path of the uncompressed copy. */
  readonly path: string;
  /** Deletes the copy. */
  dispose(): Promise<void>;
}

/** True when `prefix` starts with the gzip magic `1f 8b`. */
export function isGzipMagic(prefix: Uint8Array): boolean {
  return prefix.length >= 2 && prefix[0] === 0x1f && prefix[1] === 0x8b;
}

function corrupt(path: string, error: unknown): LongtailError {
  return new LongtailError(ErrorCode.InvalidFile, `${path}: corrupt or truncated gzip data (${(error as Error).message})`, { file: path });
}

/** Streams `path` through gunzip into a new temporary file. */
export async function gunzipToTemp(path: string): Promise<GunzippedFile> {
  const dir = await fsp.mkdtemp(join(tmpdir(), 'longtail-gunzip-'));
  const out = join(dir, basename(path).replace(/\.gz$/i, ''));
  const dispose = (): Promise<void> => fsp.rm(dir, { recursive: true, force: true });
  try {
    await pipeline(createReadStream(path), createGunzip(), createWriteStream(out));
  } catch (error) {
    await dispose();
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') {
      throw fsError(error, path);
    }
    throw corrupt(path, error);
  }
  return { path: out, dispose };
}

/** Decompresses a small `.gz` file into memory (labels files: one byte per example). */
export async function gunzipSmall(path: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(path);
  } catch (error) {
    throw fsError(error, path);
  }
  try {
    return gunzipSync(bytes);
  } catch (error) {
    throw corrupt(path, error);
  }
}
