/**
 * Loads a TF.js LayersModel (model.json + shards) and rewires it into one model with two outputs:
 * the embedding e = the input of the last Dense layer (`[N, D]`) and the logits z = e·K + b, that layer's
 * pre-activation output (`[N, C]`, kernel K ∈ ℝ^{D×C}). A softmax (or any activation) on the Dense layer,
 * or trailing Softmax/Activation/Dropout layers, are therefore not part of the logits.
 */
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { tf } from '../compute/tf';
import type { ClassifierHead, ClassifierModel, ForwardResult } from './classifierModel';
import { fileLoadHandler, readModelJsonFile, weightShardFiles } from './tfjsIoHandler';
import { escapeControls } from '../io/untrustedText';

/** Layer classes that may follow the final Dense layer without changing which class scores highest. */
const ignorableTail = new Set(['Activation', 'Softmax', 'Dropout', 'AlphaDropout', 'GaussianDropout', 'GaussianNoise', 'ActivityRegularization']);

function transposeKernel(kernel: Float32Array, d: number, c: number): Float32Array {
  const w = new Float32Array(c * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < c; j++) {
      w[j * d + i] = kernel[i * c + j];
    }
  }
  return w;
}

/**
 * Loads a LayersModel from `modelJsonPath`. Errors: INVALID_FILE (bad JSON, shards, topology TF.js rejects),
 * NO_CLASSIFIER (no Dense layer on a rank-2 input), UNKNOWN_FORMAT (several inputs).
 */
export async function loadLayersClassifier(modelJsonPath: string, parsed?: Readonly<Record<string, unknown>>): Promise<ClassifierModel> {
  const json = parsed ?? (await readModelJsonFile(modelJsonPath));
  const files = [modelJsonPath, ...weightShardFiles(modelJsonPath, json)];
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(fileLoadHandler(modelJsonPath, json));
  } catch (e) {
    if (e instanceof LongtailError) {
      throw e;
    }
    throw new LongtailError(ErrorCode.InvalidFile, `${modelJsonPath}: TensorFlow.js cannot build this LayersModel: ${escapeControls((e as Error).message)}`, {
      file: modelJsonPath,
      cause: e,
    });
  }
  try {
    return buildLayersClassifier(model, modelJsonPath, files);
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/**
 * Wraps an in-memory LayersModel (takes ownership: {@link ClassifierModel.dispose} disposes it).
 * Exposed so tests and fine-tuning code can analyse a model without saving it first.
 */
export function buildLayersClassifier(model: tf.LayersModel, modelPath: string, files: readonly string[]): ClassifierModel {
  if (model.inputs.length !== 1) {
    throw new LongtailError(ErrorCode.UnknownFormat, `${modelPath}: models with ${model.inputs.length} inputs are not supported (need exactly one)`, {
      file: modelPath,
    });
  }
  const layers = model.layers;
  let denseIndex = -1;
  for (let i = layers.length - 1; i >= 0; i--) {
    if (layers[i].getClassName() === 'Dense') {
      denseIndex = i;
      break;
    }
  }
  if (denseIndex < 0) {
    throw new LongtailError(ErrorCode.NoClassifier, `${modelPath}: no Dense layer found; the final classifier must be a Dense layer`, { file: modelPath });
  }
  const dense = layers[denseIndex];
  let embedding: tf.SymbolicTensor | tf.SymbolicTensor[];
  try {
    embedding = dense.input;
  } catch (e) {
    // A Dense layer applied more than once (shared weights) has no single input.
    throw new LongtailError(ErrorCode.NoClassifier, `${modelPath}: the last Dense layer "${dense.name}" is used more than once: ${escapeControls((e as Error).message)}`, {
      file: modelPath,
      cause: e,
    });
  }
  if (Array.isArray(embedding) || embedding.shape.length !== 2) {
    throw new LongtailError(
      ErrorCode.NoClassifier,
      `${modelPath}: the last Dense layer "${dense.name}" is applied to a rank-${Array.isArray(embedding) ? '?' : embedding.shape.length} tensor, not to a [batch, features] embedding`,
      { file: modelPath },
    );
  }
  const weights = dense.getWeights();
  const kernel = weights[0];
  const [d, c] = kernel.shape;
  const activation = String((dense.getConfig() as { activation?: unknown }).activation ?? 'linear');
  const notes: string[] = [];
  let logits: tf.SymbolicTensor;
  let linear: tf.layers.Layer | null = null;
  if (activation === 'linear') {
    logits = dense.output as tf.SymbolicTensor;
  } else {
    linear = tf.layers.dense({ units: c, useBias: weights.length > 1, activation: 'linear', name: `${dense.name}__longtail_logits`, weights });
    logits = linear.apply(embedding) as tf.SymbolicTensor;
    notes.push(`logits are taken before the "${activation}" activation of Dense layer "${dense.name}"`);
  }
  const tail = layers.slice(denseIndex + 1).filter((l) => !ignorableTail.has(l.getClassName()));
  if (tail.length > 0) {
    notes.push(`layers after Dense "${dense.name}" are ignored (${tail.map((l) => `${l.name}: ${l.getClassName()}`).join(', ')}): logits are that layer's output`);
  }
  const combined = tf.model({ inputs: model.inputs, outputs: [embedding, logits], name: 'longtail_embeddings_logits' });
  const kernelData = kernel.dataSync() as Float32Array;
  const head: ClassifierHead = {
    weight: transposeKernel(kernelData, d, c),
    bias: weights.length > 1 ? Float32Array.from(weights[1].dataSync()) : null,
    numClasses: c,
    embeddingDim: d,
    source: `Dense layer "${dense.name}"`,
  };
  const inputShape = model.inputs[0].shape.slice(1).map((s) => (typeof s === 'number' && s > 0 ? s : null));
  let disposed = false;
  return {
    format: 'layers-model',
    path: modelPath,
    files,
    inputShape,
    fixedBatchSize: null,
    embeddingDim: d,
    numClasses: c,
    // Stable across processes (symbolic tensor names get _1, _2 suffixes as models are built), so
    // they can key the output cache.
    embeddingName: `${dense.name}:input`,
    logitsName: `${dense.name}:${linear ? 'pre-activation' : 'output'}`,
    head,
    notes,
    async forward(x: Float32Array, shape: readonly number[]): Promise<ForwardResult> {
      const [e, l] = tf.tidy(() => {
        const input = tf.tensor(x, [...shape], 'float32');
        return combined.predict(input, { batchSize: Math.max(1, shape[0]) }) as tf.Tensor[];
      });
      try {
        const [ed, ld] = await Promise.all([e.data(), l.data()]);
        return { embeddings: ed as Float32Array, logits: ld as Float32Array };
      } finally {
        e.dispose();
        l.dispose();
      }
    },
    async dispose(): Promise<void> {
      if (disposed) {
        return;
      }
      disposed = true;
      model.dispose();
      if (linear !== null) {
        linear.dispose();
      }
    },
  };
}
