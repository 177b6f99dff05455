/**
 * Matches a dataset's example shape to a model's input shape. Datasets are NHWC (`[H, W, C]` per example);
 * TF.js models are NHWC too, ONNX exports from PyTorch are NCHW. Supported adaptations: none (shapes agree),
 * NHWC → NCHW transpose (model `[C, H, W]`, example `[H, W, C]`), and flattening an example to a rank-1
 * input of the same size (e.g. `[28, 28, 1]` → `[784]`). Anything else is SHAPE_MISMATCH.
 */
import { ErrorCode, LongtailError } from '../../protocol/errors';

/** How each batch is turned into model input. */
export interface InputPlan {
  readonly kind: 'as-is' | 'nhwc-to-nchw' | 'flatten';
  /** Shape of one example as the model receives it. */
  readonly exampleShape: readonly number[];
}

function compatible(model: readonly (number | null)[], data: readonly number[]): boolean {
  return model.length === data.length && model.every((m, i) => m === null || m === data[i]);
}

/**
 * When the shapes differ only in the channel count (model NHWC or NCHW with 1 or 3 channels, data `[H, W, C]`),
 * the flag that converts the images: `; give --channels N (...)`; else ''.
 */
function channelHint(modelShape: readonly (number | null)[], exampleShape: readonly number[]): string {
  if (exampleShape.length !== 3 || modelShape.length !== 3) return '';
  const [h, w, c] = exampleShape;
  for (const wanted of [1, 3]) {
    if (wanted !== c && (compatible(modelShape, [h, w, wanted]) || compatible(modelShape, [wanted, h, w]))) {
      return `; the images have ${c} channel${c === 1 ? '' : 's'} and the model takes ${wanted}: give --channels ${wanted} (preprocessing "channels" in longtail.json) to convert them`;
    }
  }
  return '';
}

/** Chooses the adaptation, or throws SHAPE_MISMATCH naming both shapes. */
export function planInput(modelShape: readonly (number | null)[], exampleShape: readonly number[], file: string): InputPlan {
  if (compatible(modelShape, exampleShape)) {
    return { kind: 'as-is', exampleShape };
  }
  if (exampleShape.length === 3) {
    const [h, w, c] = exampleShape;
    if (compatible(modelShape, [c, h, w])) {
      return { kind: 'nhwc-to-nchw', exampleShape: [c, h, w] };
    }
  }
  const size = exampleShape.reduce((a, b) => a * b, 1);
  if (modelShape.length === 1 && compatible(modelShape, [size])) {
    return { kind: 'flatten', exampleShape: [size] };
  }
  const show = (s: readonly (number | null)[]) => `[${s.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
  throw new LongtailError(
    ErrorCode.ShapeMismatch,
    `${file}: the model expects examples of shape ${show(modelShape)} but the dataset gives ${show(exampleShape)}${channelHint(modelShape, exampleShape)}`,
    { file },
  );
}

/**
 * Applies a plan to one batch `x` of shape `[n, ...exampleShape]` (dataset layout). For NHWC → NCHW:
 * out[b, c, y, x] = in[b, y, x, c].
 */
export function applyInputPlan(plan: InputPlan, x: Float32Array, count: number): { data: Float32Array; shape: number[] } {
  const shape = [count, ...plan.exampleShape];
  if (plan.kind !== 'nhwc-to-nchw') {
    return { data: x, shape };
  }
  const [c, h, w] = plan.exampleShape;
  const out = new Float32Array(x.length);
  const per = c * h * w;
  for (let b = 0; b < count; b++) {
    const base = b * per;
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) {
        const src = base + (y * w + xx) * c;
        for (let ch = 0; ch < c; ch++) {
          out[base + ch * h * w + y * w + xx] = x[src + ch];
        }
      }
    }
  }
  return { data: out, shape };
}
