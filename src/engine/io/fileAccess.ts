/**
 * Small positioned-read helpers shared by every reader: open a file for reading (mapping `ENOENT` to
 * {@link ErrorCode.FileNotFound}) and read exactly `length` bytes at an offset (a short read becomes
 * {@link ErrorCode.InvalidFile} "truncated"). Readers never load a whole large file to read part of it.
 */
import { promises as fsp } from 'node:fs';
import { ErrorCode, LongtailError } from '../../protocol/errors';

/** An open read-only file with its size. */
export interface OpenedFile {
  /** The path as given. */
  readonly path: string;
  /** The Node file handle. */
  readonly handle: fsp.FileHandle;
  /** Size in bytes at open time. */
  readonly size: number;
}

/** Turns a Node fs error about `path` into a {@link LongtailError} (missing file, directory, permissions). */
export function fsError(error: unknown, path: string): LongtailError {
  if (error instanceof LongtailError) {
    return error;
  }
  const code = (error as { code?: unknown })?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new LongtailError(ErrorCode.FileNotFound, `${path}: no such file or directory`, { file: path });
  }
  if (code === 'EISDIR') {
    return new LongtailError(ErrorCode.UnknownFormat, `${path}: is a directory, expected a file`, { file: path });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new LongtailError(ErrorCode.InvalidFile, `${path}: permission denied`, { file: path });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new LongtailError(ErrorCode.InvalidFile, `${path}: cannot read (${message})`, { file: path, cause: error });
}

/** Opens `path` read-only; throws {@link ErrorCode.FileNotFound} when it does not exist. */
export async function openForRead(path: string): Promise<OpenedFile> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(path, 'r');
  } catch (error) {
    throw fsError(error, path);
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) {
      throw new LongtailError(ErrorCode.UnknownFormat, `${path}: is a directory, expected a file`, { file: path });
    }
    return { path, handle, size: stat.size };
  } catch (error) {
    await handle.close();
    throw fsError(error, path);
  }
}

/**
 * Reads exactly `length` bytes at `position`. Throws {@link ErrorCode.InvalidFile} naming `what` when the
 * file ends early (a truncated file).
 */
export async function readExactly(file: OpenedFile, position: number, length: number, what: string): Promise<Buffer> {
  if (position + length > file.size) {
    throw new LongtailError(
      ErrorCode.InvalidFile,
      `${file.path}: truncated file: ${what} needs bytes ${position}..${position + length} but the file has ${file.size}`,
      { file: file.path },
    );
  }
  const buffer = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await file.handle.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) {
      throw new LongtailError(ErrorCode.InvalidFile, `${file.path}: truncated file while reading ${what}`, { file: file.path });
    }
    done += bytesRead;
  }
  return buffer;
}

/** Reads up to `length` bytes at `position` (fewer at the end of the file). */
export async function readUpTo(file: OpenedFile, position: number, length: number): Promise<Buffer> {
  const n = Math.max(0, Math.min(length, file.size - position));
  const buffer = Buffer.allocUnsafe(n);
  let done = 0;
  while (done < n) {
    const { bytesRead } = await file.handle.read(buffer, done, n - done, position + done);
    if (bytesRead === 0) {
      break;
    }
    done += bytesRead;
  }
  return buffer.subarray(0, done);
}
