/**
 * The weights a fine-tune trains and the forward pass through them: the classifier kernel K `[D, C]` and
 * bias b as TF.js variables, plus (LayersModel, `last-block`/`all`) the trunk up to the classifier's input
 * with the chosen layers trainable, or (`adapter`) a residual adapter z' = z + U·relu(A·z) on the frozen
 * embeddings (pipeline/headAdapter.ts), U = 0 at the start so the run starts from the input model. Logits are f = φ·K + b, or cosine logits φ̂·K̂ for losses that ask for
 * them (LDAM; Cao et al., NeurIPS 2019): then the bias is frozen and the saved classifier is
 * K̂·s/mean‖φ‖ with zero bias (see docs/finetuning.md).
 */
import type { LayersModel, Tensor, Tensor2D, Variable } from '@tensorflow/tfjs';
import type { FineTuneScope } from '../../protocol/fineTuneParams';
import { tf } from '../compute/tf';
import { mulberry32 } from '../data/seededRandom';
import { l2Normalize } from '../losses/supConMargin';
import { adapterDownKey, adapterUpKey, type HeadAdapter } from '../pipeline/headAdapter';
import { batchOf, inferenceBatch, type ExampleSet } from './exampleSet';
import type { FineTuneCheckpoint } from './fineTuneCheckpoint';

/** The model under training. Dispose it (and restore the layers' trainable flags) when done. */
export interface TrainableClassifier {
  /** Every variable the optimizer updates (classifier kernel, bias unless cosine, trunk weights). */
  readonly trained: Variable[];
  /** Names of {@link trained}, for training.json. */
  readonly trainedNames: string[];
  /** What the set-up decided that training.json should say (for example: no trunk layer to train). */
  readonly notes: readonly string[];
  /** Embeddings φ `[n, D]` of a batch of examples (the identity on embeddings in head scope). */
  embed(x: Tensor): Tensor2D;
  /** Logits `[n, C]` of embeddings `[n, D]`. */
  logits(embeddings: Tensor2D): Tensor2D;
  /** An input batch `[n, ...shape]` as a tensor. */
  input(x: Float32Array, n: number, shape: readonly number[]): Tensor;
  /**
   * The classifier to save: kernel `[D, C]` and bias `[C]` (or null). Linear logits: K and b as trained.
   * Cosine logits: K̂·s/mean‖φ‖ over the training set `train`, with a zero bias (same argmax as the cosine
   * classifier, logits on the training scale s·cos on average).
   */
  finalWeights(train: ExampleSet, scale: number): Promise<{ kernel: Float32Array; bias: Float32Array | null; adapter: HeadAdapter | null }>;
  /** Puts the LayersModel's `trainable` flags back as they were loaded. Idempotent. */
  restoreTrainable(): void;
  /** Restores the flags and frees the classifier variables. */
  dispose(): void;
}

/** Hidden width of the adapter when none is given: min(D, 256). */
export const defaultAdapterWidth = 256;

/** The transpose of a row-major `[rows, cols]` matrix. */
function transpose(m: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = m[r * cols + c];
  return out;
}

/**
 * The adapter's starting down projection Aᵀ `[D, H]`: uniform in ±1/√D (PyTorch nn.Linear's default bound),
 * drawn from a stream seeded by the run's seed, so a seed gives the same run.
 */
function initialDown(dim: number, hidden: number, seed: number): Float32Array {
  const random = mulberry32((seed ^ 0x5bd1e995) >>> 0);
  const bound = 1 / Math.sqrt(dim);
  const out = new Float32Array(dim * hidden);
  for (let i = 0; i < out.length; i++) out[i] = (2 * random() - 1) * bound;
  return out;
}

/** Layers trained besides the classifier: none (head), the last weighted block before it, or all. */
function trainableTrunkLayers(model: LayersModel, denseIndex: number, scope: FineTuneScope): Set<number> {
  const out = new Set<number>();
  if (scope === 'head') return out;
  for (let i = denseIndex - 1; i >= 0; i--) {
    const layer = model.layers[i];
    if (scope === 'all') {
      out.add(i);
      continue;
    }
    if (layer.weights.length === 0) continue;
    out.add(i);
    if (layer.getClassName() !== 'BatchNormalization' && layer.getClassName() !== 'LayerNormalization') break;
  }
  return out;
}

/**
 * Sets up the variables and the forward pass. Shapes: `kernel` `[D, C]` row-major, `bias` `[C]`. The
 * trunk runs in inference mode (`training: false`: dropout off, batch-norm statistics used, not updated).
 */
export function trainableClassifier(
  checkpoint: FineTuneCheckpoint,
  start: { readonly kernel: Float32Array; readonly bias: Float32Array | null; readonly dim: number; readonly numClasses: number; readonly adapter?: HeadAdapter | null },
  scope: FineTuneScope,
  cosine: boolean,
  adapterOptions: { readonly width: number | null; readonly seed: number } = { width: null, seed: 0 },
): TrainableClassifier {
  const { dim, numClasses } = start;
  const variables: Variable[] = [];
  const restore: { layer: { trainable: boolean }; value: boolean }[] = [];
  const notes: string[] = [];
  const K = tf.tidy(() => tf.variable(tf.tensor2d(start.kernel, [dim, numClasses]), true, 'finetune_kernel'));
  variables.push(K);
  const bias = start.bias;
  const B = bias ? tf.tidy(() => tf.variable(tf.tensor1d(bias), !cosine, 'finetune_bias')) : null;
  if (B) variables.push(B);
  const trained: Variable[] = B && !cosine ? [K, B] : [K];
  const trainedNames = ['classifier kernel', ...(B && !cosine ? ['classifier bias'] : [])];
  let trunk: LayersModel | null = null;
  if (checkpoint.kind === 'layers' && scope !== 'head' && scope !== 'adapter') {
    const { model, denseIndex } = checkpoint;
    const chosen = trainableTrunkLayers(model, denseIndex, scope);
    model.layers.forEach((layer, i) => {
      restore.push({ layer, value: layer.trainable });
      layer.trainable = chosen.has(i);
    });
    const dense = model.layers[denseIndex];
    trunk = tf.model({ inputs: model.inputs, outputs: dense.input as ReturnType<typeof tf.input> });
    for (const w of trunk.trainableWeights) {
      trained.push(w.read() as Variable);
      trainedNames.push(w.name);
    }
    if (chosen.size === 0) notes.push('no weighted layer precedes the classifier: only the head is trained');
  }
  // Adapter scope: z' = z + relu(z·Aᵀ)·Uᵀ, variables down = Aᵀ [D, H] and up = Uᵀ [H, D]; U = 0 starts as the identity.
  let adapter: { down: Variable; up: Variable; hidden: number } | null = null;
  if (scope === 'adapter') {
    const stored = start.adapter ?? null;
    const hidden = stored ? stored.hidden : (adapterOptions.width ?? Math.min(dim, defaultAdapterWidth));
    const downRows = stored ? transpose(stored.down, hidden, dim) : initialDown(dim, hidden, adapterOptions.seed);
    const upRows = stored ? transpose(stored.up, dim, hidden) : new Float32Array(hidden * dim);
    const down = tf.tidy(() => tf.variable(tf.tensor2d(downRows, [dim, hidden]), true, 'finetune_adapter_down'));
    const up = tf.tidy(() => tf.variable(tf.tensor2d(upRows, [hidden, dim]), true, 'finetune_adapter_up'));
    variables.push(down, up);
    trained.push(down, up);
    trainedNames.push(`adapter down ${adapterDownKey} [${hidden}, ${dim}]`, `adapter up ${adapterUpKey} [${dim}, ${hidden}]`);
    adapter = { down, up, hidden };
  }
  const net = trunk;
  const residual = adapter;
  const embed = (x: Tensor): Tensor2D => {
    const z = net ? (net.apply(x, { training: false }) as Tensor2D) : (x as Tensor2D);
    return residual ? (tf.add(z, tf.matMul(tf.relu(tf.matMul(z, residual.down)), residual.up)) as Tensor2D) : z;
  };
  const logits = (emb: Tensor2D): Tensor2D => {
    if (cosine) {
      return tf.matMul(l2Normalize(emb, 1), l2Normalize(K as Tensor2D, 0));
    }
    const z = tf.matMul(emb, K);
    return (B ? tf.add(z, B) : z) as Tensor2D;
  };
  const input = (x: Float32Array, n: number, shape: readonly number[]): Tensor => tf.tensor(x, [n, ...shape], 'float32');
  const restoreTrainable = (): void => {
    for (const r of restore) r.layer.trainable = r.value;
  };
  return {
    trained,
    trainedNames,
    notes,
    embed,
    logits,
    input,
    async finalWeights(train, scale) {
      let kernel = (await K.data()) as Float32Array;
      let finalBias = B ? ((await B.data()) as Float32Array) : null;
      if (cosine) {
        const n = train.labels.length;
        let normSum = 0;
        for (let lo = 0; lo < n; lo += inferenceBatch) {
          const hi = Math.min(n, lo + inferenceBatch);
          const { x } = batchOf(train, null, lo, hi);
          const t = tf.tidy(() => tf.sum(tf.norm(embed(input(x, hi - lo, train.shape)), 'euclidean', 1)));
          normSum += (await t.data())[0];
          t.dispose();
        }
        const factor = scale / Math.max(normSum / n, 1e-12);
        const scaled = tf.tidy(() => tf.mul(l2Normalize(K as Tensor2D, 0), factor));
        kernel = (await scaled.data()) as Float32Array;
        scaled.dispose();
        finalBias = finalBias ? new Float32Array(finalBias.length) : null;
      }
      let finalAdapter: HeadAdapter | null = null;
      if (residual) {
        const h = residual.hidden;
        finalAdapter = { dim, hidden: h, down: transpose((await residual.down.data()) as Float32Array, dim, h), up: transpose((await residual.up.data()) as Float32Array, h, dim) };
      }
      return { kernel, bias: finalBias, adapter: finalAdapter };
    },
    restoreTrainable,
    dispose() {
      restoreTrainable();
      variables.forEach((v) => v.dispose());
    },
  };
}
