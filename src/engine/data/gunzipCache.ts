/**
 * `.gz` dataset files (IDX images and labels) through the bounded-inflate helper (io/boundedInflate.ts).
 * The caller says how large the output may be from the header at the start of the decompressed data
 * (`declare`), so a bomb stops at the size its header declares and never above `LONGTAIL_MAX_INFLATE_MB`.
 * Images are streamed once into a private temporary file (folder `longtail-inflate-<pid>-*`, removed by
 * `dispose()`, or by the next run's sweep after a crash) so that readers can use positioned reads;
 * memory stays at the stream buffers. Labels (one byte per example) are inflated into memory.
 */
import type { CancellationSignal } from '../../protocol/progress';
import { inflateFileToBuffer, inflatePrefix, inflateToTempFile, type InflateBounds } from '../io/boundedInflate';
import { closeFile, openForRead, readUpTo, type OpenedFile } from '../io/fileAccess';

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

/**
 * Given the first `headerBytes` decompressed bytes, returns the total decompressed size the format
 * declares (it may throw a {@link LongtailError} for a bad header).
 */
export type DeclaredSize = (header: Buffer) => number;

/** Options for {@link gunzipToTemp} and {@link gunzipSmall}. */
export interface GunzipOptions {
  /** How many decompressed bytes `declare` needs. */
  readonly headerBytes: number;
  /** The declared total size from the header. */
  readonly declare: DeclaredSize;
  /** Cancellation, polled per chunk. */
  readonly signal?: CancellationSignal;
}

async function declared(file: OpenedFile, options: GunzipOptions): Promise<InflateBounds> {
  const head = inflatePrefix(await readUpTo(file, 0, 64 * 1024), options.headerBytes, { kind: 'gzip', declared: null, file: file.path, what: 'gzip data' });
  return { kind: 'gzip', declared: options.declare(head), file: file.path, what: 'gzip data', signal: options.signal };
}

/** Streams `path` through gunzip into a new temporary file, capped at the size its header declares. */
export async function gunzipToTemp(path: string, options: GunzipOptions): Promise<GunzippedFile> {
  const file = await openForRead(path);
  try {
    const bounds = await declared(file, options);
    const temp = await inflateToTempFile(file, 0, file.size, bounds, path.split(/[\\/]/).pop()?.replace(/\.gz$/i, '') ?? 'data');
    return { path: temp.path, dispose: temp.dispose };
  } finally {
    await closeFile(file);
  }
}

/** Decompresses a small `.gz` file into memory (labels files: one byte per example), capped like {@link gunzipToTemp}. */
export async function gunzipSmall(path: string, options: GunzipOptions): Promise<Buffer> {
  const file = await openForRead(path);
  try {
    return await inflateFileToBuffer(file, 0, file.size, await declared(file, options));
  } finally {
    await closeFile(file);
  }
}
