/**
 * CIFAR binary datasets. CIFAR-10 (`data_batch_1..5.bin`, `test_batch.bin`): records of 1 label byte +
 * 3072 pixel bytes; CIFAR-100 (`train.bin`, `test.bin`): 1 coarse + 1 fine label byte + 3072 pixels
 * (fine labels are used). Pixels are three 32×32 planes R, G, B, row-major; examples come out HWC.
 * Several batch files form one dataset, in the order given.
 *
 * Memory: labels are collected at open by streaming through the files in 3 MB chunks; images are read
 * per batch with positioned reads.
 */
import { basename } from 'node:path';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { openForRead, readExactly, type OpenedFile } from '../io/fileAccess';
import type { DatasetSource, ExampleBatch } from './datasetSource';
import { preprocessImage, preprocessedShape, preprocessingRecord, validatePreprocessing, type ImagePreprocessing } from './imagePreprocessing';
import { checkNotEmpty } from './labelChecks';

/** `cifar10` (1 label byte) or `cifar100` (coarse + fine label bytes). */
export type CifarVariant = 'cifar10' | 'cifar100';

/** Options for {@link openCifarDataset}. */
export interface CifarDatasetOptions {
  /** Forces the record layout; detected from file sizes (and names when sizes fit both) otherwise. */
  readonly variant?: CifarVariant;
  /** Image preprocessing (default: scale to [0, 1], RGB). */
  readonly preprocessing?: ImagePreprocessing;
  /** Class names (`batches.meta.txt` / `fine_label_names.txt`). */
  readonly classNames?: readonly string[] | null;
  /** Path reported as the dataset's `path` (default: the first file). */
  readonly displayPath?: string;
}

const pixels = 3072;

/** Record size in bytes for a variant. */
export function cifarRecordSize(variant: CifarVariant): number {
  return variant === 'cifar10' ? pixels + 1 : pixels + 2;
}

/** Guesses the variant from file sizes (exact multiples) and, when both fit, names (`train.bin`/`test.bin` → CIFAR-100). */
export function detectCifarVariant(files: readonly { path: string; size: number }[]): CifarVariant | null {
  const fits = (v: CifarVariant): boolean => files.every((f) => f.size > 0 && f.size % cifarRecordSize(v) === 0);
  const ten = fits('cifar10');
  const hundred = fits('cifar100');
  if (ten && hundred) {
    return files.every((f) => /^(train|test)\.bin$/i.test(basename(f.path))) ? 'cifar100' : 'cifar10';
  }
  return ten ? 'cifar10' : hundred ? 'cifar100' : null;
}

/** Opens one or more CIFAR binary batch files as one dataset. */
export async function openCifarDataset(paths: readonly string[], options: CifarDatasetOptions = {}): Promise<DatasetSource> {
  const preprocessing = options.preprocessing ?? {};
  const files: OpenedFile[] = [];
  const closeAll = async (): Promise<void> => {
    await Promise.all(files.map((f) => f.handle.close().catch(() => undefined)));
  };
  try {
    for (const p of paths) {
      files.push(await openForRead(p));
    }
    const variant = options.variant ?? detectCifarVariant(files);
    if (variant === null) {
      const f = files.find((x) => x.size % 3073 !== 0 && x.size % 3074 !== 0) ?? files[0];
      throw new LongtailError(
        ErrorCode.InvalidFile,
        `${f.path}: not a CIFAR binary batch (size ${f.size} is not a multiple of 3073 or 3074 bytes; truncated?)`,
        { file: f.path },
      );
    }
    const record = cifarRecordSize(variant);
    const numClasses = variant === 'cifar10' ? 10 : 100;
    for (const f of files) {
      if (f.size % record !== 0) {
        throw new LongtailError(ErrorCode.InvalidFile, `${f.path}: truncated CIFAR batch (${f.size} bytes is not a multiple of the ${record}-byte record)`, { file: f.path });
      }
    }
    const counts = files.map((f) => f.size / record);
    const starts: number[] = [];
    let size = 0;
    for (const c of counts) {
      starts.push(size);
      size += c;
    }
    checkNotEmpty(size, options.displayPath ?? paths[0] ?? 'CIFAR', paths[0] ?? '');
    validatePreprocessing(preprocessing, 3);
    const labels = new Int32Array(size);
    const chunkRecords = 1000;
    for (let fi = 0; fi < files.length; fi++) {
      for (let r = 0; r < counts[fi]; r += chunkRecords) {
        const m = Math.min(chunkRecords, counts[fi] - r);
        const bytes = await readExactly(files[fi], r * record, m * record, 'labels');
        for (let i = 0; i < m; i++) {
          const label = bytes[i * record + record - pixels - 1];
          if (label >= numClasses) {
            throw new LongtailError(
              ErrorCode.InvalidLabels,
              `${files[fi].path}: record ${r + i} has label ${label}, outside [0, ${numClasses}) for ${variant === 'cifar10' ? 'CIFAR-10' : 'CIFAR-100'}`,
              { file: files[fi].path },
            );
          }
          labels[starts[fi] + r + i] = label;
        }
      }
    }
    const classNames = options.classNames && options.classNames.length === numClasses ? [...options.classNames] : null;
    const exampleShape = preprocessedShape(preprocessing, 32, 32, 3);
    const exampleSize = exampleShape[0] * exampleShape[1] * exampleShape[2];
    const hwc = new Uint8Array(pixels);
    return {
      path: options.displayPath ?? paths[0],
      format: variant === 'cifar10' ? 'cifar10-binary' : 'cifar100-binary',
      size,
      exampleShape,
      numClasses,
      classNames,
      isFeatures: false,
      preprocessing: preprocessingRecord(preprocessing),
      readLabels: async () => labels.slice(),
      async readBatch(start: number, count: number): Promise<ExampleBatch> {
        const first = Math.max(0, Math.min(start, size));
        const m = Math.max(0, Math.min(count, size - first));
        const x = new Float32Array(m * exampleSize);
        let done = 0;
        while (done < m) {
          const index = first + done;
          let fi = starts.length - 1;
          while (starts[fi] > index) {
            fi--;
          }
          const local = index - starts[fi];
          const take = Math.min(m - done, counts[fi] - local);
          const bytes = await readExactly(files[fi], local * record, take * record, `records ${local}..${local + take}`);
          for (let i = 0; i < take; i++) {
            const base = i * record + record - pixels;
            for (let p = 0; p < 1024; p++) {
              hwc[p * 3] = bytes[base + p];
              hwc[p * 3 + 1] = bytes[base + 1024 + p];
              hwc[p * 3 + 2] = bytes[base + 2048 + p];
            }
            preprocessImage({ width: 32, height: 32, channels: 3, data: hwc }, preprocessing, 3, x, (done + i) * exampleSize);
          }
          done += take;
        }
        return { x, shape: [m, ...exampleShape], labels: labels.slice(first, first + m) };
      },
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
