/**
 * The residual embedding adapter of fine-tuning's `adapter` scope, as stored in a head file next to the
 * classifier: z' = z + U·relu(A·z), with A = `adapter.down.weight` `[H, D]` and U = `adapter.up.weight`
 * `[D, H]` (PyTorch nn.Linear layout, no biases). In PyTorch: `z + up(relu(down(z)))` with
 * `down = nn.Linear(D, H, bias=False)`, `up = nn.Linear(H, D, bias=False)`. U = 0 is the identity. The
 * classifier then reads z' (docs/finetuning.md, Outputs: "adapter scope"). Analysis and head fine-tuning apply a stored
 * adapter to the features before the head.
 */
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { toFloat32Array } from '../io/tensorConvert';
import { openTensorFile } from '../io/tensorFile';
import { formatShape } from '../io/tensorArray';

/** Key of the adapter's down projection A `[H, D]`. */
export const adapterDownKey = 'adapter.down.weight';
/** Key of the adapter's up projection U `[D, H]`. */
export const adapterUpKey = 'adapter.up.weight';

/** A stored adapter: `down` A `[H, D]` and `up` U `[D, H]`, both row-major. */
export interface HeadAdapter {
  readonly dim: number;
  readonly hidden: number;
  readonly down: Float32Array;
  readonly up: Float32Array;
}

/**
 * Reads the adapter stored in a head file, or null when it has none. Only one of the two keys, or shapes that do
 * not fit a D-dimensional head, are {@link ErrorCode.ShapeMismatch} naming the file.
 */
export async function readHeadAdapter(file: string, dim: number): Promise<HeadAdapter | null> {
  const tensors = await openTensorFile(file);
  try {
    const down = tensors.get(adapterDownKey);
    const up = tensors.get(adapterUpKey);
    if (!down && !up) return null;
    const bad = (what: string): LongtailError => new LongtailError(ErrorCode.ShapeMismatch, `${file}: ${what}`, { file });
    if (!down || !up) throw bad(`has '${down ? adapterDownKey : adapterUpKey}' without '${down ? adapterUpKey : adapterDownKey}'; an adapter needs both`);
    const hidden = down.shape[0];
    if (down.shape.length !== 2 || up.shape.length !== 2 || down.shape[1] !== dim || up.shape[0] !== dim || up.shape[1] !== hidden || hidden < 1) {
      throw bad(`adapter shapes ${formatShape(down.shape)} and ${formatShape(up.shape)} do not fit ${dim}-dimensional embeddings (expected [H, ${dim}] and [${dim}, H])`);
    }
    return { dim, hidden, down: Float32Array.from(toFloat32Array(await down.read())), up: Float32Array.from(toFloat32Array(await up.read())) };
  } finally {
    await tensors.close();
  }
}

/**
 * z' = z + U·relu(A·z) for every row of `x` `[n, D]` (float64 accumulation, float32 result). Shapes: x `[n, D]`,
 * A `[H, D]`, U `[D, H]` → `[n, D]`.
 */
export function applyHeadAdapter(x: Float32Array, n: number, adapter: HeadAdapter): Float32Array {
  const { dim: d, hidden: h, down, up } = adapter;
  const out = new Float32Array(n * d);
  const mid = new Float64Array(h);
  for (let i = 0; i < n; i++) {
    const row = i * d;
    for (let j = 0; j < h; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += down[j * d + k] * x[row + k];
      mid[j] = s > 0 ? s : 0;
    }
    for (let k = 0; k < d; k++) {
      let s = x[row + k];
      for (let j = 0; j < h; j++) s += up[k * h + j] * mid[j];
      out[row + k] = s;
    }
  }
  return out;
}
