/**
 * The eval examples behind a number, for the dashboard's drill-down and the standalone report: each example's
 * label, a small PNG thumbnail (image datasets) and its image file. The dataset is opened as the analysis opened
 * it (same path, split `test`, resize and channels), so indices mean the same examples.
 */
import { PNG } from 'pngjs';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { maxExamplesPerRequest, thumbnailPreprocessing, type ExampleView, type ExamplesParams, type ExamplesResult } from '../../protocol/examplesParams';
import type { CancellationSignal } from '../../protocol/progress';
import { yieldAndCheck } from '../cancellation';
import type { DatasetSource } from '../data/datasetSource';
import { openDataset } from '../data/openDataset';

/** Default longest side of a thumbnail, in pixels. */
export const defaultThumbnailSide = 96;

/**
 * Encodes one preprocessed example (HWC float32, 1 or 3 channels) as a PNG `data:` URI no larger than `maxSide`
 * on its longer side: values min–max scaled to 0…255 over the whole image (undoes any scaling and mean/std for
 * display), area-averaged when shrinking, grey images as RGB. Returns null for a non-image shape.
 */
export function thumbnailDataUri(x: Float32Array, shape: readonly number[], maxSide: number): string | null {
  if (shape.length !== 3 || (shape[2] !== 1 && shape[2] !== 3)) return null;
  const [height, width, channels] = shape;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of x) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const range = hi > lo ? hi - lo : 1;
  const scale = Math.min(1, maxSide / Math.max(height, width));
  const outH = Math.max(1, Math.round(height * scale));
  const outW = Math.max(1, Math.round(width * scale));
  const png = new PNG({ width: outW, height: outH });
  for (let oy = 0; oy < outH; oy++) {
    const y0 = Math.floor((oy * height) / outH);
    const y1 = Math.max(y0 + 1, Math.floor(((oy + 1) * height) / outH));
    for (let ox = 0; ox < outW; ox++) {
      const x0 = Math.floor((ox * width) / outW);
      const x1 = Math.max(x0 + 1, Math.floor(((ox + 1) * width) / outW));
      const sum = [0, 0, 0];
      for (let y = y0; y < y1; y++) {
        for (let xx = x0; xx < x1; xx++) {
          const o = (y * width + xx) * channels;
          for (let ch = 0; ch < 3; ch++) sum[ch] += x[o + (channels === 1 ? 0 : ch)];
        }
      }
      const count = (y1 - y0) * (x1 - x0);
      const p = (oy * outW + ox) * 4;
      for (let ch = 0; ch < 3; ch++) png.data[p + ch] = Math.round((255 * (sum[ch] / count - lo)) / range);
      png.data[p + 3] = 255;
    }
  }
  return `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;
}

/** Checks the request: at most {@link maxExamplesPerRequest} integer indices, a sane thumbnail side. */
function checkParams(params: ExamplesParams): { indices: readonly number[]; maxSide: number } {
  if (!Array.isArray(params.indices) || params.indices.length > maxExamplesPerRequest) {
    throw new LongtailError(ErrorCode.InvalidOption, `data/examples takes at most ${maxExamplesPerRequest} example indices`);
  }
  const maxSide = params.maxSide ?? defaultThumbnailSide;
  if (!Number.isInteger(maxSide) || maxSide < 8 || maxSide > 256) {
    throw new LongtailError(ErrorCode.InvalidOption, `the thumbnail side must be an integer from 8 to 256, got ${String(maxSide)}`);
  }
  return { indices: params.indices, maxSide };
}

/** Reads the examples from an open dataset (see {@link exampleThumbnails}). */
export async function readExamples(source: DatasetSource, indices: readonly number[], maxSide: number, signal?: CancellationSignal): Promise<ExamplesResult> {
  const examples: ExampleView[] = [];
  for (const index of indices) {
    if (!Number.isInteger(index) || index < 0 || index >= source.size) {
      throw new LongtailError(ErrorCode.InvalidOption, `${source.path}: example ${String(index)} is outside the eval set (${source.size} examples); was the dataset changed since the report?`, {
        file: source.path,
      });
    }
    await yieldAndCheck(signal);
    const batch = await source.readBatch(index, 1);
    examples.push({
      index,
      label: batch.labels[0],
      thumbnail: source.isFeatures ? null : thumbnailDataUri(batch.x, batch.shape.slice(1), maxSide),
      file: source.exampleFile?.(index) ?? null,
    });
  }
  return { format: source.format, isFeatures: source.isFeatures, examples };
}

/**
 * `data/examples`: opens the eval dataset (split `test`, the report's resize and channels) and returns, for each
 * index, its label, a PNG thumbnail ≤ `maxSide` px (image datasets) and its image file (when it has one).
 * Errors: INVALID_OPTION for a bad index list or side, the data readers' own errors (FILE_NOT_FOUND, …).
 */
export async function exampleThumbnails(params: ExamplesParams, signal?: CancellationSignal): Promise<ExamplesResult> {
  const { indices, maxSide } = checkParams(params);
  const source = await openDataset(params.eval, { split: 'test', preprocessing: thumbnailPreprocessing(params.preprocessing), classNamesFile: params.classNames, signal });
  try {
    return await readExamples(source, indices, maxSide, signal);
  } finally {
    await source.close();
  }
}
