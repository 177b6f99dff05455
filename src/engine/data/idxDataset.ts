/**
 * IDX datasets (MNIST, Fashion-MNIST, KMNIST…): an images file (magic `00 00 08 03`, big-endian uint32
 * N, H, W, then N·H·W uint8) named by the user, and the labels file beside it (magic `00 00 08 01`, N,
 * then N uint8), found by renaming `images`→`labels` and `idx3`→`idx1`
 * (`train-images-idx3-ubyte.gz` → `train-labels-idx1-ubyte.gz`), with or without `.gz`.
 * A 4-D images file (`00 00 08 04`, N, H, W, C) is read as HWC colour. The class count is the number of
 * names in `classes.txt` beside the images when present, else max(label) + 1.
 *
 * Memory: labels are held (1 byte per example); images are read per batch with positioned reads. A
 * gzipped images file is streamed once into a temporary uncompressed copy (see gunzipCache.ts), so
 * memory stays O(batch) while disk holds the uncompressed size until {@link DatasetSource.close}.
 */
import { promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { CancellationSignal } from '../../protocol/progress';
import { closeFile, openForRead, readExactly, readUpTo, type OpenedFile } from '../io/fileAccess';
import { findClassNames } from './classNames';
import type { DatasetSource, ExampleBatch } from './datasetSource';
import { gunzipSmall, gunzipToTemp, isGzipMagic, type GunzippedFile } from './gunzipCache';
import { preprocessImage, preprocessedShape, preprocessingRecord, validatePreprocessing, type ImagePreprocessing } from './imagePreprocessing';
import { checkLabelRange, checkNotEmpty, labelsClassCount } from './labelChecks';

/** Options for {@link openIdxDataset}. */
export interface IdxDatasetOptions {
  /** Image preprocessing (default: scale to [0, 1], 1 channel). */
  readonly preprocessing?: ImagePreprocessing;
  /** Explicit labels file (default: found beside the images file). */
  readonly labelsPath?: string;
  /** Class names (default: `classes.txt` beside the images, if present). */
  readonly classNames?: readonly string[];
  /** Cancellation, checked while a `.gz` images file is decompressed. */
  readonly signal?: CancellationSignal;
}

/** The labels file name for an images file name, or null if the name has no `images`/`idx3` part. */
export function idxLabelsName(imagesName: string): string | null {
  const renamed = imagesName.replace(/images/g, 'labels').replace(/idx3/g, 'idx1');
  return renamed === imagesName ? null : renamed;
}

/** Parses an IDX header; `dims` are the allowed dimension counts. Returns the sizes and the data offset. */
export function parseIdxHeader(prefix: Uint8Array, path: string, allowedDims: readonly number[]): { sizes: number[]; offset: number } {
  const expected = allowedDims.map((d) => `00 00 08 0${d}`).join(' or ');
  if (prefix.length < 4 || prefix[0] !== 0 || prefix[1] !== 0 || prefix[2] !== 0x08 || !allowedDims.includes(prefix[3])) {
    const got = Array.from(prefix.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new LongtailError(ErrorCode.InvalidFile, `${path}: wrong IDX magic ${got || '(empty file)'}; expected ${expected} (unsigned-byte ${allowedDims.includes(1) ? 'labels' : 'images'})`, { file: path });
  }
  const dims = prefix[3];
  if (prefix.length < 4 + 4 * dims) {
    throw new LongtailError(ErrorCode.InvalidFile, `${path}: truncated IDX header`, { file: path });
  }
  const view = Buffer.from(prefix.buffer, prefix.byteOffset, prefix.length);
  const sizes = Array.from({ length: dims }, (_, i) => view.readUInt32BE(4 + 4 * i));
  return { sizes, offset: 4 + 4 * dims };
}

/** Checks an IDX header's sizes and returns the bytes it declares (header + data); throws past safe integers. */
export function idxDeclaredBytes(sizes: readonly number[], offset: number, path: string): number {
  const total = offset + sizes.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(total)) {
    throw new LongtailError(ErrorCode.InvalidFile, `${path}: IDX header declares an impossible size (${sizes.join('×')})`, { file: path });
  }
  return total;
}

/**
 * Reads the `n` labels of an IDX labels file (raw or gzip). The header's count must equal `n` (the images
 * file's) before anything more is read or inflated, so a bomb stops at 8 + n bytes.
 */
async function readLabelsFile(path: string, n: number, imagesPath: string): Promise<Uint8Array> {
  const check = (header: Buffer): number => {
    const { sizes, offset } = parseIdxHeader(header, path, [1]);
    if (sizes[0] !== n) {
      throw new LongtailError(ErrorCode.ShapeMismatch, `${path}: ${sizes[0]} labels but ${imagesPath} holds ${n} images`, { file: path });
    }
    return offset + n;
  };
  const file = await openForRead(path);
  let bytes: Buffer;
  try {
    const magic = await readUpTo(file, 0, 8);
    if (isGzipMagic(magic)) {
      bytes = await gunzipSmall(path, { headerBytes: 8, declare: check });
    } else {
      bytes = await readUpTo(file, 0, Math.min(file.size, check(magic)));
    }
  } finally {
    await closeFile(file);
  }
  if (bytes.length < 8 + n) {
    throw new LongtailError(ErrorCode.InvalidFile, `${path}: truncated IDX labels: header says ${n} labels, file holds ${Math.max(0, bytes.length - 8)}`, { file: path });
  }
  return bytes.subarray(8, 8 + n);
}

async function exists(path: string): Promise<boolean> {
  try {
    await fsp.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Finds the labels file beside an images file (with or without `.gz`). */
export async function findIdxLabels(imagesPath: string): Promise<string> {
  const name = idxLabelsName(basename(imagesPath));
  if (name === null) {
    throw new LongtailError(
      ErrorCode.FileNotFound,
      `${imagesPath}: cannot derive the IDX labels file name (the images file name needs 'images' or 'idx3')`,
      { file: imagesPath },
    );
  }
  const dir = dirname(imagesPath);
  const bare = name.replace(/\.gz$/i, '');
  const tries = [join(dir, name), join(dir, bare), join(dir, `${bare}.gz`)].filter((p, i, all) => all.indexOf(p) === i);
  for (const p of tries) {
    if (await exists(p)) {
      return p;
    }
  }
  throw new LongtailError(ErrorCode.FileNotFound, `${imagesPath}: IDX labels file not found beside it (tried ${tries.map((p) => basename(p)).join(', ')})`, { file: imagesPath });
}

/** Opens an IDX images file (raw or gzip) with its labels. */
export async function openIdxDataset(path: string, options: IdxDatasetOptions = {}): Promise<DatasetSource> {
  const preprocessing = options.preprocessing ?? {};
  let probe = await openForRead(path);
  let temp: GunzippedFile | null = null;
  let file: OpenedFile;
  try {
    const magic = await readUpTo(probe, 0, 2);
    if (isGzipMagic(magic)) {
      await probe.handle.close();
      temp = await gunzipToTemp(path, {
        signal: options.signal,
        headerBytes: 20,
        declare: (header) => {
          const { sizes, offset } = parseIdxHeader(header, path, [3, 4]);
          return idxDeclaredBytes(sizes, offset, path);
        },
      });
      probe = await openForRead(temp.path);
    }
    file = probe;
  } catch (error) {
    await probe.handle.close().catch(() => undefined);
    await temp?.dispose();
    throw error;
  }
  const cleanup = async (): Promise<void> => {
    await file.handle.close().catch(() => undefined);
    await temp?.dispose();
  };
  try {
    const head = await readUpTo(file, 0, 20);
    const { sizes, offset } = parseIdxHeader(head, path, [3, 4]);
    const [n, height, width] = sizes;
    const channels = sizes.length === 4 ? sizes[3] : 1;
    if (![1, 3, 4].includes(channels)) {
      throw new LongtailError(ErrorCode.InvalidFile, `${path}: IDX images with ${channels} channels are not supported (1, 3 or 4)`, { file: path });
    }
    const exampleBytes = height * width * channels;
    if (file.size < offset + n * exampleBytes) {
      throw new LongtailError(
        ErrorCode.InvalidFile,
        `${path}: truncated IDX images: header says ${n}×${height}×${width}×${channels} (${offset + n * exampleBytes} bytes), data has ${file.size}`,
        { file: path },
      );
    }
    const labelsPath = options.labelsPath ?? (await findIdxLabels(path));
    const labels = Int32Array.from(await readLabelsFile(labelsPath, n, path));
    checkNotEmpty(n, path, path);
    validatePreprocessing(preprocessing, channels);
    const classNames = options.classNames ? [...options.classNames] : await findClassNames([join(dirname(path), 'classes.txt')]);
    const numClasses = classNames ? classNames.length : labelsClassCount(labels);
    checkLabelRange(labels, numClasses, labelsPath, labelsPath);
    const exampleShape = preprocessedShape(preprocessing, height, width, channels);
    const exampleSize = exampleShape[0] * exampleShape[1] * exampleShape[2];
    return {
      path,
      format: 'idx',
      size: n,
      exampleShape,
      numClasses,
      classNames,
      isFeatures: false,
      preprocessing: preprocessingRecord(preprocessing),
      readLabels: async () => labels.slice(),
      async readBatch(start: number, count: number): Promise<ExampleBatch> {
        const first = Math.max(0, Math.min(start, n));
        const m = Math.max(0, Math.min(count, n - first));
        const bytes = await readExactly(file, offset + first * exampleBytes, m * exampleBytes, `images ${first}..${first + m}`);
        const x = new Float32Array(m * exampleSize);
        for (let i = 0; i < m; i++) {
          const data = new Uint8Array(bytes.buffer, bytes.byteOffset + i * exampleBytes, exampleBytes);
          preprocessImage({ width, height, channels, data }, preprocessing, channels, x, i * exampleSize);
        }
        return { x, shape: [m, ...exampleShape], labels: labels.slice(first, first + m) };
      },
      close: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
