/**
 * A LayersModel with a fine-tune's residual adapter inserted before its classifier (scope `adapter`): the input
 * e of the final Dense layer becomes z' = e + U·relu(A·e) through three new layers, `<prefix>_down` (Dense H,
 * ReLU, no bias; kernel Aᵀ `[D, H]`), `<prefix>_up` (Dense D, no bias; kernel Uᵀ `[H, D]`) and `<prefix>_residual`
 * (Add), followed by a new classifier Dense with the trained kernel and bias and the old one's activation and
 * name; layers after the old classifier are applied again. The analysis reads the input of the last Dense as the
 * embedding, so it sees z' (docs/finetuning.md, Outputs: "adapter scope").
 */
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs';
import { tf } from '../compute/tf';
import type { HeadAdapter } from '../pipeline/headAdapter';

function transpose(m: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = m[r * cols + c];
  return out;
}

/**
 * Builds the adapted model. Shapes: adapter A `[H, D]`, U `[D, H]`; kernel `[D, C]` row-major; bias `[C]` or null.
 * The caller disposes the returned model (it shares the trunk's layers with `model`).
 */
export function layersModelWithAdapter(model: LayersModel, denseIndex: number, adapter: HeadAdapter, kernel: Float32Array, bias: Float32Array | null): LayersModel {
  const dense = model.layers[denseIndex];
  const embedding = dense.input as SymbolicTensor;
  const names = new Set(model.layers.map((l) => l.name));
  let prefix = 'adapter';
  for (let k = 2; names.has(`${prefix}_down`) || names.has(`${prefix}_up`) || names.has(`${prefix}_residual`); k++) prefix = `adapter${k}`;
  const { dim: d, hidden: h } = adapter;
  const numClasses = kernel.length / d;
  const config = dense.getConfig() as { activation?: string; useBias?: boolean };
  const down = tf.layers.dense({ units: h, useBias: false, activation: 'relu', name: `${prefix}_down` });
  const up = tf.layers.dense({ units: d, useBias: false, name: `${prefix}_up` });
  const classifier = tf.layers.dense({ units: numClasses, useBias: bias !== null, activation: (config.activation ?? 'linear') as 'linear', name: dense.name });
  const hidden = down.apply(embedding) as SymbolicTensor;
  const adapted = tf.layers.add({ name: `${prefix}_residual` }).apply([embedding, up.apply(hidden) as SymbolicTensor]) as SymbolicTensor;
  let out = classifier.apply(adapted) as SymbolicTensor;
  for (const layer of model.layers.slice(denseIndex + 1)) out = layer.apply(out) as SymbolicTensor;
  const weights = [
    tf.tensor2d(transpose(adapter.down, h, d), [d, h]),
    tf.tensor2d(transpose(adapter.up, d, h), [h, d]),
    tf.tensor2d(kernel, [d, numClasses]),
    ...(bias ? [tf.tensor1d(bias)] : []),
  ];
  down.setWeights([weights[0]]);
  up.setWeights([weights[1]]);
  classifier.setWeights(weights.slice(2));
  weights.forEach((t) => t.dispose());
  return tf.model({ inputs: model.inputs, outputs: out, name: model.name });
}
