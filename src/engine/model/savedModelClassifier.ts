/**
 * TF SavedModel directories. Executing one needs libtensorflow, i.e. `@tensorflow/tfjs-node(-gpu)` loaded as
 * the active `tensorflow` backend; plain TF.js (wasm/cpu) cannot run or convert it. With the native backend
 * the model runs through `tf.node.loadSavedModel` (serving signature); the SavedModel API cannot execute
 * intermediate tensors, so the signature must output both the logits and the embedding (named with the
 * `embeddingNode` / `logitsNode` options, which are signature output keys here). Head weights are not
 * available. This path cannot be tested without libtensorflow and is kept small on purpose.
 */
import { createRequire } from 'node:module';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { tf } from '../compute/tf';
import type { ClassifierModel, ForwardResult } from './classifierModel';
import { conversionHints } from './detectModelFormat';

/** Options of {@link loadSavedModelClassifier}. */
export interface SavedModelOptions {
  /** Signature output key holding the embedding (required). */
  readonly embeddingNode?: string;
  /** Signature output key holding the logits (default: the only other output). */
  readonly logitsNode?: string;
  /** Module loader (tests inject one). */
  readonly requireModule?: (id: string) => unknown;
}

interface TfNodeSavedModel {
  readonly inputs: readonly { name: string; shape?: readonly number[] }[];
  readonly outputs: readonly { name: string }[];
  predict(inputs: tf.Tensor | Record<string, tf.Tensor>): tf.Tensor | tf.Tensor[] | Record<string, tf.Tensor>;
  dispose(): void;
}

interface TfNodeNamespace {
  loadSavedModel(path: string, tags?: string[], signature?: string): Promise<TfNodeSavedModel>;
}

interface TfNodeModule {
  readonly node?: TfNodeNamespace;
}

/** The `node` namespace of the loaded native package, or null when the native backend is not active. */
function tfNode(requireModule: (id: string) => unknown): TfNodeNamespace | null {
  if (tf.getBackend() !== 'tensorflow') {
    return null;
  }
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      const mod = requireModule(pkg) as TfNodeModule;
      if (mod.node?.loadSavedModel) {
        return mod.node;
      }
    } catch {
      // try the next package
    }
  }
  return null;
}

/**
 * Loads a SavedModel directory. Without the native backend: BACKEND_UNAVAILABLE with conversion advice.
 * Without an `embeddingNode` output key in the signature: NO_CLASSIFIER.
 */
export async function loadSavedModelClassifier(dir: string, options: SavedModelOptions = {}): Promise<ClassifierModel> {
  const node = tfNode(options.requireModule ?? createRequire(__filename));
  if (node === null) {
    throw new LongtailError(
      ErrorCode.BackendUnavailable,
      `${dir} is a TensorFlow SavedModel, which needs the native backend (@tensorflow/tfjs-node with libtensorflow); ${conversionHints.savedModel}`,
      { file: dir },
    );
  }
  const saved = await node.loadSavedModel(dir, ['serve'], 'serving_default');
  const outputNames = saved.outputs.map((o) => o.name.replace(/:\d+$/, ''));
  const embeddingKey = options.embeddingNode;
  const logitsKey = options.logitsNode ?? outputNames.find((n) => n !== embeddingKey);
  if (embeddingKey === undefined || !outputNames.includes(embeddingKey) || logitsKey === undefined || !outputNames.includes(logitsKey) || saved.inputs.length !== 1) {
    saved.dispose();
    throw new LongtailError(
      ErrorCode.NoClassifier,
      `${dir}: the serving signature (outputs: ${outputNames.join(', ')}) must output the embedding and the logits, named with embeddingNode/logitsNode; or ${conversionHints.savedModel}`,
      { file: dir },
    );
  }
  const inputShape = (saved.inputs[0].shape ?? []).slice(1).map((s) => (s > 0 ? s : null));
  let embeddingDim = 0;
  let numClasses = 0;
  return {
    format: 'saved-model',
    path: dir,
    files: [dir],
    inputShape,
    fixedBatchSize: null,
    get embeddingDim() {
      return embeddingDim;
    },
    get numClasses() {
      return numClasses;
    },
    embeddingName: embeddingKey,
    logitsName: logitsKey,
    head: null,
    notes: ['TF SavedModel: head weights are not available; logits are the signature output as exported'],
    async forward(x: Float32Array, shape: readonly number[]): Promise<ForwardResult> {
      const input = tf.tensor(x, [...shape], 'float32');
      const out = saved.predict(input) as Record<string, tf.Tensor>;
      try {
        const e = out[embeddingKey];
        const l = out[logitsKey];
        embeddingDim = e.size / shape[0];
        numClasses = l.size / shape[0];
        const [ed, ld] = await Promise.all([e.data(), l.data()]);
        return { embeddings: ed as Float32Array, logits: ld as Float32Array };
      } finally {
        input.dispose();
        for (const t of Object.values(out)) {
          t.dispose();
        }
      }
    },
    async dispose(): Promise<void> {
      saved.dispose();
    },
  };
}
