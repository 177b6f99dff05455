/**
 * The one file-access layer every reader goes through. It:
 *
 * - resolves real paths and checks containment when asked (`within`): a weight shard or external-data file
 *   must stay in the model's folder, a file named in longtail.json in the workspace. The check is on the
 *   real path (symlinks followed), not the text, so `..weights.bin` is a legal name while a symlink
 *   pointing outside is {@link ErrorCode.OutsideFolder};
 * - opens regular files only: the file is opened non-blocking (a FIFO does not hang the open) and the
 *   open descriptor is `fstat`ed, so FIFOs, devices (`/dev/zero`), sockets and directories are
 *   {@link ErrorCode.NotRegularFile} before a byte is read;
 * - caps every read by what `stat` says ({@link readExactly} refuses to read past the size at open time) and
 *   by the caller's limit ({@link readWholeFile}, {@link readTextFile}: {@link ErrorCode.TooLarge}).
 *
 * Operating-system errors become one-line {@link LongtailError}s naming the file ({@link fsError} for reads,
 * {@link outputError} for writes).
 */
import { constants as fsConstants, promises as fsp } from 'node:fs';
import { isAbsolute, relative, sep } from 'node:path';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { readLimits, tooLarge } from './readLimits';

/** An open read-only regular file with its size. */
export interface OpenedFile {
  /** The path as given. */
  readonly path: string;
  /** The Node file handle. */
  readonly handle: fsp.FileHandle;
  /** Size in bytes at open time. */
  readonly size: number;
}

/** Where a file must stay, for {@link openForRead}'s containment check. */
export interface Containment {
  /** The folder the file's real path must lie in. */
  readonly folder: string;
  /** How messages name the folder, e.g. "the model's folder". */
  readonly what: string;
}

/** Options of {@link openForRead}. */
export interface OpenOptions {
  /** Refuse the file unless its real path lies inside this folder. */
  readonly within?: Containment;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Turns a Node fs error about reading `path` into a {@link LongtailError} naming it. */
export function fsError(error: unknown, path: string): LongtailError {
  if (error instanceof LongtailError) {
    return error;
  }
  const code = (error as { code?: unknown })?.code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new LongtailError(ErrorCode.FileNotFound, `${path}: no such file or directory`, { file: path });
    case 'EISDIR':
      return new LongtailError(ErrorCode.NotRegularFile, `${path}: is a directory, expected a file`, { file: path });
    case 'EACCES':
    case 'EPERM':
      return new LongtailError(ErrorCode.InvalidFile, `${path}: permission denied`, { file: path });
    case 'ELOOP':
      return new LongtailError(ErrorCode.InvalidFile, `${path}: too many levels of symbolic links`, { file: path });
    case 'ENXIO':
    case 'ENODEV':
      return new LongtailError(ErrorCode.NotRegularFile, `${path}: is a device or socket, expected a regular file`, { file: path });
    case 'ENAMETOOLONG':
    case 'EMFILE':
    case 'ENFILE':
    case 'EIO':
      return new LongtailError(ErrorCode.IoError, `${path}: cannot read (${message(error)})`, { file: path, cause: error });
    default:
      return new LongtailError(ErrorCode.InvalidFile, `${path}: cannot read (${message(error)})`, { file: path, cause: error });
  }
}

/**
 * Turns a Node fs error about writing `path` into a {@link LongtailError} naming it: EEXIST →
 * {@link ErrorCode.OutputExists}; read-only file system, permission, a symlink in the way (ELOOP with
 * `O_NOFOLLOW`) → {@link ErrorCode.OutputNotWritable}; full disk or quota → {@link ErrorCode.DiskFull};
 * a missing parent → {@link ErrorCode.FileNotFound}; anything else → {@link ErrorCode.IoError}.
 */
export function outputError(error: unknown, path: string): LongtailError {
  if (error instanceof LongtailError) {
    return error;
  }
  const code = (error as { code?: unknown })?.code;
  switch (code) {
    case 'EEXIST':
    case 'ENOTEMPTY':
      return new LongtailError(ErrorCode.OutputExists, `${path}: something already exists in the way (a file where a folder is needed, or another run writing the same output)`, { file: path });
    case 'EROFS':
      return new LongtailError(ErrorCode.OutputNotWritable, `${path}: cannot write, the file system is read-only`, { file: path });
    case 'EACCES':
    case 'EPERM':
      return new LongtailError(ErrorCode.OutputNotWritable, `${path}: cannot write, permission denied`, { file: path });
    case 'ELOOP':
      return new LongtailError(ErrorCode.OutputNotWritable, `${path}: is a symbolic link; refusing to write through it`, { file: path });
    case 'EISDIR':
      return new LongtailError(ErrorCode.OutputExists, `${path}: is a directory`, { file: path });
    case 'ENOSPC':
    case 'EDQUOT':
      return new LongtailError(ErrorCode.DiskFull, `${path}: cannot write, no space left on the device`, { file: path });
    case 'ENOENT':
    case 'ENOTDIR':
      return new LongtailError(ErrorCode.FileNotFound, `${path}: the folder to write into does not exist`, { file: path });
    default:
      return new LongtailError(ErrorCode.IoError, `${path}: cannot write (${message(error)})`, { file: path, cause: error });
  }
}

/** True when `child` (a resolved path) is `folder` or lies inside it. */
export function isInside(folder: string, child: string): boolean {
  const rel = relative(folder, child);
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`));
}

/**
 * Resolves `path` to its real path (symlinks followed) and checks that it lies inside `within.folder`
 * (also resolved). Throws {@link ErrorCode.OutsideFolder} naming the file and the folder, or the
 * {@link fsError} of a missing file.
 */
export async function resolveWithin(path: string, within: Containment): Promise<string> {
  let real: string;
  let folder: string;
  try {
    folder = await fsp.realpath(within.folder);
  } catch (error) {
    throw fsError(error, within.folder);
  }
  try {
    real = await fsp.realpath(path);
  } catch (error) {
    throw fsError(error, path);
  }
  if (!isInside(folder, real)) {
    throw new LongtailError(ErrorCode.OutsideFolder, `${path}: resolves to ${real}, outside ${within.what} (${folder})`, { file: path });
  }
  return real;
}

function describeKind(stat: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (stat.isDirectory()) {
    return 'a directory';
  }
  if (stat.isFIFO()) {
    return 'a FIFO (named pipe)';
  }
  if (stat.isCharacterDevice() || stat.isBlockDevice()) {
    return 'a device';
  }
  if (stat.isSocket()) {
    return 'a socket';
  }
  return 'not a regular file';
}

// Non-blocking so that opening a FIFO with no writer returns at once (and then fails the regular-file check).
const openFlags = fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0) | (fsConstants.O_NOCTTY ?? 0);

/**
 * Opens `path` read-only, as a regular file only. Throws {@link ErrorCode.FileNotFound} when it does not
 * exist, {@link ErrorCode.NotRegularFile} for a FIFO, device, socket or directory (checked with `fstat` on
 * the opened descriptor), {@link ErrorCode.OutsideFolder} when `options.within` is given and the real
 * path leaves that folder.
 */
export async function openForRead(path: string, options: OpenOptions = {}): Promise<OpenedFile> {
  const target = options.within ? await resolveWithin(path, options.within) : path;
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(target, openFlags);
  } catch (error) {
    throw fsError(error, path);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) {
      throw new LongtailError(ErrorCode.NotRegularFile, `${path}: is ${describeKind(stat)}, expected a regular file`, { file: path });
    }
    return { path, handle, size: stat.size };
  } catch (error) {
    await handle.close();
    throw fsError(error, path);
  }
}

/** Closes a file opened by {@link openForRead}, ignoring a second close. */
export async function closeFile(file: OpenedFile): Promise<void> {
  await file.handle.close().catch(() => undefined);
}

/**
 * Reads exactly `length` bytes at `position`. Throws {@link ErrorCode.InvalidFile} naming `what` when the
 * file ends early (a truncated file), or when the range is negative or not an integer.
 */
export async function readExactly(file: OpenedFile, position: number, length: number, what: string): Promise<Buffer> {
  if (!Number.isSafeInteger(position) || !Number.isSafeInteger(length) || position < 0 || length < 0) {
    throw new LongtailError(ErrorCode.InvalidFile, `${file.path}: invalid byte range for ${what} (offset ${position}, length ${length})`, { file: file.path });
  }
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

/** Reads up to `length` bytes at `position` (fewer at the end of the file, never past its size at open time). */
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

/** Options of {@link readWholeFile} and {@link readTextFile}. */
export interface ReadWholeOptions extends OpenOptions {
  /** Largest size accepted, in bytes (default: the text limit of {@link readLimits}). */
  readonly maxBytes?: number;
  /** How the limit is raised, for the message (default: the text limit's variable). */
  readonly limitKey?: 'wholeFileBytes' | 'inflateBytes';
  /** What the file is, for the message (default "file"). */
  readonly what?: string;
}

/**
 * Reads a whole regular file, refusing it ({@link ErrorCode.TooLarge}) when its size exceeds
 * `options.maxBytes` before reading anything.
 */
export async function readWholeFile(path: string, options: ReadWholeOptions = {}): Promise<Buffer> {
  const limitKey = options.limitKey ?? 'wholeFileBytes';
  const maxBytes = options.maxBytes ?? readLimits()[limitKey];
  const file = await openForRead(path, options);
  try {
    if (file.size > maxBytes) {
      throw tooLarge(path, options.what ?? 'the file', file.size, maxBytes, limitKey);
    }
    return await readUpTo(file, 0, file.size);
  } catch (error) {
    throw fsError(error, path);
  } finally {
    await closeFile(file);
  }
}

/** Reads a whole text file as UTF-8 (capped like {@link readWholeFile}); a leading byte-order mark is dropped. */
export async function readTextFile(path: string, options: ReadWholeOptions = {}): Promise<string> {
  const text = (await readWholeFile(path, options)).toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
