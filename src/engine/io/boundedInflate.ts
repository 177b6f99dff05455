/**
 * The one bounded-inflate helper. Every decompression in the engine (npz members, `.gz` labels and images)
 * goes through it, with an output cap taken from what the format declares (zip entry size, IDX dims) and
 * never above the hard ceiling of {@link readLimits} (`LONGTAIL_MAX_INFLATE_MB`). Output past the
 * declared size is {@link ErrorCode.InvalidFile} ("decompresses to more than … declares"), a declared
 * size over the ceiling {@link ErrorCode.TooLarge}; both are raised as soon as the cap is crossed, so a
 * decompression bomb costs at most the cap.
 *
 * Small outputs are inflated in memory ({@link inflateBuffer}); large ones stream into a temporary file
 * ({@link inflateToTempFile}) in a folder named `longtail-inflate-<pid>-*` under the OS temp directory.
 * Folders still open when the process exits (a second Ctrl-C calls `process.exit`) are removed by an
 * `exit` handler; folders left by a killed process (whose pid is gone) are removed by
 * {@link sweepStaleTempFolders} on the next run. Streaming checks the cancellation signal per chunk, so
 * Ctrl-C stops a large gunzip at once.
 */
import { createWriteStream, promises as fsp, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createInflateRaw, crc32, gunzipSync, inflateRawSync, constants as zlibConstants } from 'node:zlib';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { CancellationSignal } from '../../protocol/progress';
import { fsError, outputError, type OpenedFile } from './fileAccess';
import { readLimits, tooLarge } from './readLimits';
import { escapeControls } from './untrustedText';

/** The compressed encodings handled. */
export type InflateKind = 'deflate-raw' | 'gzip';

/** What a decompression may produce. */
export interface InflateBounds {
  /** Raw deflate (zip members) or gzip. */
  readonly kind: InflateKind;
  /** The size the format declares; output past it is an error. Null when the format declares none. */
  readonly declared: number | null;
  /** The file named in errors. */
  readonly file: string;
  /** What is inflated, e.g. "zip member 'x.npy'". */
  readonly what: string;
  /** Polled per chunk while streaming. */
  readonly signal?: CancellationSignal;
}

/** A decompressed temporary copy. */
export interface InflatedTempFile {
  /** Path of the uncompressed copy. */
  readonly path: string;
  /** Bytes written. */
  readonly size: number;
  /** CRC-32 of the bytes written. */
  readonly crc: number;
  /** Deletes the copy (and its folder). */
  dispose(): Promise<void>;
}

/** The prefix of the engine's temporary folders; the pid follows. */
export const tempFolderPrefix = 'longtail-inflate-';

/** Temporary folders of this process not yet disposed; removed synchronously if the process exits. */
const liveTempFolders = new Set<string>();
let exitHandlerInstalled = false;

function trackTempFolder(dir: string): void {
  if (!exitHandlerInstalled) {
    exitHandlerInstalled = true;
    process.once('exit', () => {
      for (const d of liveTempFolders) {
        try {
          rmSync(d, { recursive: true, force: true });
        } catch {
          // best effort: the next run's sweep removes it
        }
      }
    });
  }
  liveTempFolders.add(dir);
}

function corrupt(bounds: InflateBounds, error: unknown): LongtailError {
  return new LongtailError(ErrorCode.InvalidFile, `${bounds.file}: ${bounds.what} is corrupt or truncated compressed data (${escapeControls((error as Error).message)})`, { file: bounds.file });
}

function overDeclared(bounds: InflateBounds, declared: number): LongtailError {
  return new LongtailError(ErrorCode.InvalidFile, `${bounds.file}: ${bounds.what} decompresses to more than the ${declared} bytes its header declares`, { file: bounds.file });
}

/**
 * The cap on output: the declared size when there is one, after checking it against the hard ceiling
 * ({@link ErrorCode.TooLarge}); otherwise the ceiling itself.
 */
export function inflateCap(bounds: InflateBounds): number {
  const ceiling = readLimits().inflateBytes;
  if (bounds.declared === null) {
    return ceiling;
  }
  if (!Number.isSafeInteger(bounds.declared) || bounds.declared < 0) {
    throw new LongtailError(ErrorCode.InvalidFile, `${bounds.file}: ${bounds.what} declares an invalid size ${bounds.declared}`, { file: bounds.file });
  }
  if (bounds.declared > ceiling) {
    throw tooLarge(bounds.file, `${bounds.what} (declared uncompressed size)`, bounds.declared, ceiling, 'inflateBytes');
  }
  return bounds.declared;
}

function overCap(bounds: InflateBounds, cap: number): LongtailError {
  return bounds.declared === null ? tooLarge(bounds.file, `${bounds.what} (decompressed)`, cap + 1, cap, 'inflateBytes') : overDeclared(bounds, cap);
}

/**
 * Inflates `input` in memory, producing at most the cap of {@link inflateCap} (zlib's `maxOutputLength`
 * stops it there). Also refuses caps over the in-memory limit (`LONGTAIL_MAX_INFLATE_MEMORY_MB`); callers
 * stream larger outputs with {@link inflateToTempFile}.
 */
export function inflateBuffer(input: Uint8Array, bounds: InflateBounds): Buffer {
  const cap = inflateCap(bounds);
  const memory = readLimits().inflateMemoryBytes;
  if (cap > memory) {
    throw tooLarge(bounds.file, `${bounds.what} (decompressed in memory)`, cap, memory, 'inflateMemoryBytes');
  }
  try {
    const options = { maxOutputLength: Math.max(1, cap + 1) };
    const out = bounds.kind === 'gzip' ? gunzipSync(input, options) : inflateRawSync(input, options);
    if (out.length > cap) {
      throw overCap(bounds, cap);
    }
    return out;
  } catch (error) {
    if (error instanceof LongtailError) {
      throw error;
    }
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw overCap(bounds, cap);
    }
    throw corrupt(bounds, error);
  }
}

/**
 * Inflates the beginning of a compressed stream: returns at least `length` bytes when the data has them
 * (fewer when it ends first), reading at most what it needs of `input`. For headers (npy, IDX) ahead of
 * the full, bounded, decompression.
 */
export function inflatePrefix(input: Uint8Array, length: number, bounds: InflateBounds): Buffer {
  // Deflate expands at most ~1032:1, so inflating growing prefixes of the input with an output cap of
  // 1100·take bytes never hits the cap for valid data, and stops after about twice the input needed.
  for (let take = Math.min(input.length, 64); ; take = Math.min(input.length, take * 2)) {
    let out: Buffer;
    try {
      const options = { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: 1100 * take + 65536 };
      out = bounds.kind === 'gzip' ? gunzipSync(input.subarray(0, take), options) : inflateRawSync(input.subarray(0, take), options);
    } catch (error) {
      throw corrupt(bounds, error);
    }
    if (out.length >= length || take === input.length) {
      return out.subarray(0, Math.min(length, out.length));
    }
  }
}

class Counter extends Transform {
  count = 0;
  crc = 0;
  constructor(
    private readonly cap: number,
    private readonly bounds: InflateBounds,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.bounds.signal?.isCancellationRequested) {
      callback(new LongtailError(ErrorCode.Cancelled, 'cancelled'));
      return;
    }
    this.count += chunk.length;
    if (this.count > this.cap) {
      callback(overCap(this.bounds, this.cap));
      return;
    }
    this.crc = crc32(chunk, this.crc);
    callback(null, chunk);
  }
}

function mapStreamError(error: unknown, bounds: InflateBounds, out: string): LongtailError {
  if (error instanceof LongtailError) {
    return error;
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return corrupt(bounds, error);
  }
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'EROFS' || code === 'EACCES') {
    return outputError(error, out);
  }
  if (typeof code === 'string' && code.startsWith('E')) {
    return fsError(error, bounds.file);
  }
  return corrupt(bounds, error);
}

/** True when process `pid` is alive (signal 0 probes without signalling). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code === 'EPERM';
  }
}

/**
 * Removes `longtail-inflate-<pid>-*` folders (and the older `longtail-gunzip-*`) of processes that no longer
 * run from `dir` (default: the OS temp directory). Returns how many were removed.
 */
export async function sweepStaleTempFolders(dir: string = tmpdir()): Promise<number> {
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const m = /^longtail-(?:inflate|gunzip)-(\d+)-/.exec(name);
    if (m && Number(m[1]) !== process.pid && !alive(Number(m[1]))) {
      await fsp.rm(join(dir, name), { recursive: true, force: true }).catch(() => undefined);
      removed++;
    }
  }
  return removed;
}

/**
 * Streams `length` compressed bytes of `file` from `start` through inflate into a new temporary file,
 * stopping with an error as soon as the output passes the cap of {@link inflateCap}. The temporary folder
 * is removed on any error, and by `dispose()`.
 */
export async function inflateToTempFile(file: OpenedFile, start: number, length: number, bounds: InflateBounds, name = 'data'): Promise<InflatedTempFile> {
  const cap = inflateCap(bounds);
  await sweepStaleTempFolders();
  const dir = await fsp.mkdtemp(join(tmpdir(), `${tempFolderPrefix}${process.pid}-`));
  trackTempFolder(dir);
  const out = join(dir, name.replace(/[^A-Za-z0-9._-]/g, '_') || 'data');
  const dispose = async (): Promise<void> => {
    await fsp.rm(dir, { recursive: true, force: true });
    liveTempFolders.delete(dir);
  };
  const counter = new Counter(cap, bounds);
  try {
    const source = file.handle.createReadStream({ start, end: start + length - 1, autoClose: false });
    if (length === 0) {
      source.destroy();
      throw corrupt(bounds, new Error('no compressed data'));
    }
    await pipeline(source, bounds.kind === 'gzip' ? createGunzip() : createInflateRaw(), counter, createWriteStream(out, { flags: 'wx' }));
  } catch (error) {
    await dispose();
    throw mapStreamError(error, bounds, out);
  }
  return { path: out, size: counter.count, crc: counter.crc >>> 0, dispose };
}

/**
 * Streams `length` compressed bytes of `file` from `start` through inflate into memory, capped by
 * {@link inflateCap} and by the in-memory limit.
 */
export async function inflateFileToBuffer(file: OpenedFile, start: number, length: number, bounds: InflateBounds): Promise<Buffer> {
  const cap = inflateCap(bounds);
  const memory = readLimits().inflateMemoryBytes;
  if (cap > memory) {
    throw tooLarge(bounds.file, `${bounds.what} (decompressed in memory)`, cap, memory, 'inflateMemoryBytes');
  }
  const counter = new Counter(cap, bounds);
  const chunks: Buffer[] = [];
  counter.on('data', (c: Buffer) => chunks.push(c));
  try {
    const source = file.handle.createReadStream({ start, end: start + length - 1, autoClose: false });
    await pipeline(source, bounds.kind === 'gzip' ? createGunzip() : createInflateRaw(), counter);
  } catch (error) {
    throw mapStreamError(error, bounds, bounds.file);
  }
  return Buffer.concat(chunks);
}
