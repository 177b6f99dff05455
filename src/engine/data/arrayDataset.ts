/**
 * Datasets stored as arrays in an `.npz` or `.safetensors` file:
 * - features: `features` or `embeddings` `[N, D]` + `labels` `[N]`, optional `logits` `[N, C]`;
 * - images: `x` or `images` `[N, H, W]` or `[N, H, W, C]` + `y` or `labels` `[N]`;
 * - labels only (a training set used for class counts): `labels` (or `y`) alone, `exampleShape` `[0]`.
 * Features are read per batch (row slices; see npzFile.ts for deflated members) and checked for NaN/Inf
 * as they are read; labels and stored logits are read and checked at open. uint8 images get the image
 * preprocessing; float images are passed through unchanged (preprocessing options are then rejected).
 */
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { formatShape, type TensorEntry, type TensorFile } from '../io/tensorArray';
import { toFloat32Array } from '../io/tensorConvert';
import { openTensorFile } from '../io/tensorFile';
import type { DatasetSource, ExampleBatch } from './datasetSource';
import { preprocessImage, preprocessedShape, preprocessingRecord, validatePreprocessing, type ImagePreprocessing } from './imagePreprocessing';
import { checkFinite, checkNotEmpty, labelsClassCount, toLabels } from './labelChecks';

/** Options for {@link openArrayDataset}. */
export interface ArrayDatasetOptions {
  /** Class names (their count bounds the labels). */
  readonly classNames?: readonly string[] | null;
  /** Preprocessing for uint8 image arrays. */
  readonly preprocessing?: ImagePreprocessing;
}

function pick(file: TensorFile, names: readonly string[]): TensorEntry | undefined {
  for (const n of names) {
    const e = file.get(n);
    if (e) {
      return e;
    }
  }
  return undefined;
}

/** Opens an `.npz` / `.safetensors` array dataset (see the module comment for the accepted keys). */
export async function openArrayDataset(path: string, options: ArrayDatasetOptions = {}): Promise<DatasetSource> {
  const file = await openTensorFile(path);
  const fail = (code: ErrorCode, what: string): LongtailError => new LongtailError(code, `${path}: ${what}`, { file: path });
  try {
    const names = file.entries.map((e) => `${e.name} ${formatShape(e.shape)}`).join(', ') || 'no arrays';
    const features = pick(file, ['features', 'embeddings']);
    const images = features ? undefined : pick(file, ['x', 'images']);
    const labelsEntry = pick(file, ['labels', 'y']);
    const logitsEntry = file.get('logits');
    if (!labelsEntry) {
      throw fail(ErrorCode.UnknownFormat, `no 'labels' (or 'y') array; a dataset file needs features/embeddings or x/images plus labels (found: ${names})`);
    }
    const size = labelsEntry.shape[0] ?? 0;
    checkNotEmpty(size, path, path);
    let storedLogits: { data: Float32Array; numClasses: number } | undefined;
    if (logitsEntry) {
      if (logitsEntry.shape.length !== 2 || logitsEntry.shape[0] !== size) {
        throw fail(ErrorCode.ShapeMismatch, `'logits' has shape ${formatShape(logitsEntry.shape)}, expected [${size}, C] to match ${size} labels`);
      }
      const data = Float32Array.from(toFloat32Array(await logitsEntry.read()));
      checkFinite(data, logitsEntry.shape[1], 'logits', path, path);
      storedLogits = { data, numClasses: logitsEntry.shape[1] };
    }
    const classNames = options.classNames ? [...options.classNames] : null;
    const knownClasses = classNames?.length ?? storedLogits?.numClasses ?? null;
    const labels = toLabels(await labelsEntry.read(), knownClasses, `${path}[${labelsEntry.name}]`, path);
    if (classNames && storedLogits && classNames.length !== storedLogits.numClasses) {
      throw fail(ErrorCode.ShapeMismatch, `${classNames.length} class names but logits have ${storedLogits.numClasses} columns`);
    }
    const numClasses = knownClasses ?? labelsClassCount(labels);
    const base = {
      path,
      size,
      numClasses,
      classNames,
      storedLogits,
      readLabels: async () => labels.slice(),
      close: () => file.close(),
    };
    const clip = (start: number, count: number): [number, number] => {
      const first = Math.max(0, Math.min(start, size));
      return [first, Math.max(0, Math.min(count, size - first))];
    };
    if (features) {
      if (features.shape.length !== 2 || features.shape[0] !== size) {
        throw fail(ErrorCode.ShapeMismatch, `'${features.name}' has shape ${formatShape(features.shape)}, expected [${size}, D] to match ${size} labels`);
      }
      const dim = features.shape[1];
      return {
        ...base,
        format: `${file.format}-features`,
        exampleShape: [dim],
        isFeatures: true,
        preprocessing: {},
        async readBatch(start: number, count: number): Promise<ExampleBatch> {
          const [first, m] = clip(start, count);
          const x = Float32Array.from(toFloat32Array(await features.readRows(first, m)));
          checkFinite(x, dim, `'${features.name}'`, path, path, first);
          return { x, shape: [m, dim], labels: labels.slice(first, first + m) };
        },
      };
    }
    if (images) {
      const shape = images.shape;
      if ((shape.length !== 3 && shape.length !== 4) || shape[0] !== size || (shape.length === 4 && ![1, 3, 4].includes(shape[3]))) {
        throw fail(ErrorCode.ShapeMismatch, `'${images.name}' has shape ${formatShape(shape)}, expected [${size}, H, W] or [${size}, H, W, C] with C in 1, 3, 4`);
      }
      const [, height, width] = shape;
      const channels = shape.length === 4 ? shape[3] : 1;
      const isUint8 = images.dtype === 'uint8';
      const preprocessing = options.preprocessing ?? {};
      if (!isUint8 && Object.keys(preprocessing).length > 0) {
        throw new LongtailError(ErrorCode.InvalidOption, `${path}: preprocessing applies to uint8 images; '${images.name}' is ${images.dtype} and is used as stored`, { file: path });
      }
      validatePreprocessing(preprocessing, channels);
      const exampleShape = isUint8 ? preprocessedShape(preprocessing, height, width, channels) : [height, width, channels];
      const exampleSize = exampleShape[0] * exampleShape[1] * exampleShape[2];
      const rawSize = height * width * channels;
      return {
        ...base,
        format: `${file.format}-images`,
        exampleShape,
        isFeatures: false,
        preprocessing: isUint8 ? preprocessingRecord(preprocessing) : {},
        async readBatch(start: number, count: number): Promise<ExampleBatch> {
          const [first, m] = clip(start, count);
          const rows = await images.readRows(first, m);
          if (!isUint8) {
            const x = Float32Array.from(toFloat32Array(rows));
            checkFinite(x, rawSize, `'${images.name}'`, path, path, first);
            return { x, shape: [m, ...exampleShape], labels: labels.slice(first, first + m) };
          }
          const raw = rows.data as Uint8Array;
          const x = new Float32Array(m * exampleSize);
          for (let i = 0; i < m; i++) {
            const data = raw.subarray(i * rawSize, (i + 1) * rawSize);
            preprocessImage({ width, height, channels, data }, preprocessing, channels, x, i * exampleSize);
          }
          return { x, shape: [m, ...exampleShape], labels: labels.slice(first, first + m) };
        },
      };
    }
    return {
      ...base,
      format: `${file.format}-labels`,
      exampleShape: [0],
      isFeatures: true,
      preprocessing: {},
      async readBatch(start: number, count: number): Promise<ExampleBatch> {
        const [first, m] = clip(start, count);
        return { x: new Float32Array(0), shape: [m, 0], labels: labels.slice(first, first + m) };
      },
    };
  } catch (error) {
    await file.close();
    throw error;
  }
}
