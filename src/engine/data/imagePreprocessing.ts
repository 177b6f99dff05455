/**
 * Image preprocessing applied by every image reader, configured by one options object that is recorded
 * verbatim (plus the default `scale`) as the dataset's `preprocessing`.
 *
 * Order, per example (source: uint8 HWC with 1, 3 or 4 channels):
 * 1. channels: convert to `channels` (1 = luma `0.299 R + 0.587 G + 0.114 B`; 3 = RGB, gray replicated;
 *    alpha dropped, not composited). Default: the reader's natural count (IDX 1, CIFAR 3, PNG/JPEG 3).
 * 2. resize to `resize.height × resize.width`: `bilinear` (default) samples at half-pixel centres,
 *    `src = (dst + 0.5) · in/out − 0.5`, clamped at the edges (like `align_corners=False`, no
 *    antialiasing); `nearest` takes `floor((dst + 0.5) · in/out)`.
 * 3. scale: `unit` (default) divides uint8 values by 255, giving [0, 1]; `none` keeps 0..255.
 * 4. channelOrder: `rgb` (default) or `bgr` (reverses the 3 channels).
 * 5. mean/std (per output channel, in scaled units): `(x − mean[c]) / std[c]`.
 */
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { PreprocessingOptions } from '../../protocol/preprocessing';

/** Options for image preprocessing (the protocol's shape); see the module comment for the order and formulas. */
export type ImagePreprocessing = PreprocessingOptions;

/** A decoded image: uint8, row-major HWC. */
export interface RawImage {
  readonly width: number;
  readonly height: number;
  /** 1, 3 or 4. */
  readonly channels: number;
  readonly data: Uint8Array;
}

/** Checks the options; throws {@link ErrorCode.InvalidOption} naming the bad field. */
export function validatePreprocessing(options: ImagePreprocessing, naturalChannels: number): void {
  const fail = (what: string): never => {
    throw new LongtailError(ErrorCode.InvalidOption, `preprocessing: ${what}`);
  };
  if (options.scale !== undefined && options.scale !== 'unit' && options.scale !== 'none') {
    fail(`scale must be 'unit' or 'none' (got ${JSON.stringify(options.scale)})`);
  }
  if (options.resize !== undefined) {
    const { height, width, method } = options.resize;
    if (!Number.isSafeInteger(height) || !Number.isSafeInteger(width) || height < 1 || width < 1) {
      fail(`resize needs positive integer height and width (got ${JSON.stringify(options.resize)})`);
    }
    if (method !== undefined && method !== 'bilinear' && method !== 'nearest') {
      fail(`resize.method must be 'bilinear' or 'nearest' (got ${JSON.stringify(method)})`);
    }
  }
  if (options.channels !== undefined && options.channels !== 1 && options.channels !== 3) {
    fail(`channels must be 1 or 3 (got ${JSON.stringify(options.channels)})`);
  }
  if (options.channelOrder !== undefined && options.channelOrder !== 'rgb' && options.channelOrder !== 'bgr') {
    fail(`channelOrder must be 'rgb' or 'bgr' (got ${JSON.stringify(options.channelOrder)})`);
  }
  const channels = outputChannels(options, naturalChannels);
  for (const key of ['mean', 'std'] as const) {
    const v = options[key];
    if (v !== undefined && (!Array.isArray(v) || v.length !== channels || !v.every((n) => Number.isFinite(n)))) {
      fail(`${key} must be ${channels} finite number(s), one per channel (got ${JSON.stringify(v)})`);
    }
  }
  if (options.std?.some((s) => s <= 0)) {
    fail('std values must be positive');
  }
}

/** Output channel count. */
export function outputChannels(options: ImagePreprocessing, naturalChannels: number): number {
  return options.channels ?? (naturalChannels === 1 ? 1 : 3);
}

/** Example shape `[H, W, C]` after preprocessing an image of `height × width`. */
export function preprocessedShape(options: ImagePreprocessing, height: number, width: number, naturalChannels: number): number[] {
  return [options.resize?.height ?? height, options.resize?.width ?? width, outputChannels(options, naturalChannels)];
}

/** The record kept in `DatasetSource.preprocessing`: the options verbatim, with the default scale made explicit. */
export function preprocessingRecord(options: ImagePreprocessing): Record<string, unknown> {
  return { scale: 'unit', ...options };
}

/**
 * Preprocesses one image into `out` at `offset` (length `H·W·C` of {@link preprocessedShape}).
 * `naturalChannels` decides the default output channel count.
 */
export function preprocessImage(image: RawImage, options: ImagePreprocessing, naturalChannels: number, out: Float32Array, offset: number): void {
  const channels = outputChannels(options, naturalChannels);
  const { width, height } = image;
  // 1. channel conversion into a float HWC buffer.
  const src = new Float32Array(width * height * channels);
  const ic = image.channels;
  const d = image.data;
  for (let p = 0; p < width * height; p++) {
    const s = p * ic;
    if (channels === 1) {
      src[p] = ic < 3 ? d[s] : 0.299 * d[s] + 0.587 * d[s + 1] + 0.114 * d[s + 2];
    } else if (ic < 3) {
      src[p * 3] = src[p * 3 + 1] = src[p * 3 + 2] = d[s];
    } else {
      src[p * 3] = d[s];
      src[p * 3 + 1] = d[s + 1];
      src[p * 3 + 2] = d[s + 2];
    }
  }
  // 2. resize.
  const outH = options.resize?.height ?? height;
  const outW = options.resize?.width ?? width;
  const resized = outH === height && outW === width ? src : resize(src, height, width, channels, outH, outW, options.resize?.method ?? 'bilinear');
  // 3–5. scale, channel order, normalisation.
  const scale = options.scale === 'none' ? 1 : 1 / 255;
  const bgr = options.channelOrder === 'bgr' && channels === 3;
  const mean = options.mean;
  const std = options.std;
  for (let p = 0; p < outH * outW; p++) {
    for (let c = 0; c < channels; c++) {
      const from = bgr ? 2 - c : c;
      let v = resized[p * channels + from] * scale;
      if (mean) {
        v -= mean[c];
      }
      if (std) {
        v /= std[c];
      }
      out[offset + p * channels + c] = v;
    }
  }
}

function resize(src: Float32Array, h: number, w: number, c: number, outH: number, outW: number, method: 'bilinear' | 'nearest'): Float32Array {
  const out = new Float32Array(outH * outW * c);
  const sy = h / outH;
  const sx = w / outW;
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const o = (y * outW + x) * c;
      if (method === 'nearest') {
        const yy = Math.min(h - 1, Math.floor((y + 0.5) * sy));
        const xx = Math.min(w - 1, Math.floor((x + 0.5) * sx));
        for (let k = 0; k < c; k++) {
          out[o + k] = src[(yy * w + xx) * c + k];
        }
        continue;
      }
      const fy = Math.min(h - 1, Math.max(0, (y + 0.5) * sy - 0.5));
      const fx = Math.min(w - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const y0 = Math.floor(fy);
      const x0 = Math.floor(fx);
      const y1 = Math.min(h - 1, y0 + 1);
      const x1 = Math.min(w - 1, x0 + 1);
      const ay = fy - y0;
      const ax = fx - x0;
      for (let k = 0; k < c; k++) {
        const a = src[(y0 * w + x0) * c + k];
        const b = src[(y0 * w + x1) * c + k];
        const cc = src[(y1 * w + x0) * c + k];
        const dd = src[(y1 * w + x1) * c + k];
        out[o + k] = (a * (1 - ax) + b * ax) * (1 - ay) + (cc * (1 - ax) + dd * ax) * ay;
      }
    }
  }
  return out;
}
