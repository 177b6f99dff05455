/**
 * Loads a TF.js GraphModel (model.json with a GraphDef + shards) and executes it once per batch for two
 * nodes: the embedding and the logits. The logits node is found by walking back from the output through
 * Softmax/LogSoftmax/Sigmoid/Identity to a BiasAdd/Add/AddV2 over a MatMul, a MatMul, or a converter-fused
 * `_FusedMatMul` whose only fused op is BiasAdd, with a constant 2-D weight (z = e·W + b, W ∈ ℝ^{D×C},
 * or ℝ^{C×D} with transpose_b). The embedding is that MatMul's data input, unless the `embeddingNode`
 * option names another node (then head weights are not reported).
 */
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { tf } from '../compute/tf';
import { transposeKernel } from '../analysis/types';
import type { ClassifierHead, ClassifierModel, ForwardResult } from './classifierModel';
import { fileLoadHandler, readModelJsonFile, weightShardFiles } from './tfjsIoHandler';
import { escapeControls } from '../io/untrustedText';

/** Options of {@link loadGraphClassifier}. */
export interface GraphClassifierOptions {
  /** Node whose output is the embedding, when it cannot be found automatically. */
  readonly embeddingNode?: string;
  /** Node whose output is the logits (default: found from the model's output). */
  readonly logitsNode?: string;
}

interface GraphNode {
  readonly name: string;
  readonly op: string;
  readonly input?: readonly string[];
  readonly attr?: Readonly<Record<string, { b?: boolean; list?: { s?: readonly string[] } }>>;
}

const passThrough = new Set(['Softmax', 'LogSoftmax', 'Sigmoid', 'Identity']);

/** Strips `^control` prefixes and `:output` suffixes from a GraphDef input reference. */
function nodeName(ref: string): string {
  return ref.replace(/^\^/, '').replace(/:\d+$/, '');
}

function fusedOps(node: GraphNode): string[] {
  return (node.attr?.fused_ops?.list?.s ?? []).map((s) => Buffer.from(s, 'base64').toString('utf8'));
}

/** The result of the head search. */
interface GraphHeadMatch {
  readonly embeddingName: string;
  readonly logitsName: string;
  readonly weightNode: string | null;
  readonly biasNode: string | null;
  readonly transposeB: boolean;
  readonly notes: string[];
}

function findGraphHead(nodes: readonly GraphNode[], outputName: string, file: string, options: GraphClassifierOptions): GraphHeadMatch {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const isConst = (name: string) => byName.get(nodeName(name))?.op === 'Const';
  const notes: string[] = [];
  let logitsName = options.logitsNode;
  if (logitsName === undefined) {
    logitsName = outputName;
    for (let n = byName.get(logitsName); n !== undefined && passThrough.has(n.op) && n.input?.length; n = byName.get(logitsName)) {
      if (n.op !== 'Identity') {
        notes.push(`logits are taken before the final ${n.op} ("${n.name}")`);
      }
      logitsName = nodeName(n.input[0]);
    }
  } else if (!byName.has(logitsName)) {
    throw new LongtailError(ErrorCode.InvalidOption, `${file}: the graph has no logitsNode "${logitsName}"`, { file });
  }
  if (options.embeddingNode !== undefined && !byName.has(options.embeddingNode)) {
    throw new LongtailError(ErrorCode.InvalidOption, `${file}: the graph has no embeddingNode "${options.embeddingNode}"`, { file });
  }
  const logits = byName.get(logitsName);
  let matmul: GraphNode | undefined;
  let biasNode: string | null = null;
  if (logits?.op === 'MatMul') {
    matmul = logits;
  } else if (logits?.op === '_FusedMatMul' && fusedOps(logits).every((o) => o === 'BiasAdd')) {
    matmul = logits;
    biasNode = logits.input && logits.input.length > 2 ? nodeName(logits.input[2]) : null;
  } else if ((logits?.op === 'BiasAdd' || logits?.op === 'Add' || logits?.op === 'AddV2') && logits.input?.length === 2) {
    const [a, b] = logits.input.map(nodeName);
    if (byName.get(a)?.op === 'MatMul' && isConst(b)) {
      matmul = byName.get(a);
      biasNode = b;
    } else if (byName.get(b)?.op === 'MatMul' && isConst(a)) {
      matmul = byName.get(b);
      biasNode = a;
    }
  }
  const weightRef = matmul?.input?.[1];
  if (matmul === undefined || weightRef === undefined || !isConst(weightRef) || matmul.attr?.transpose_a?.b === true) {
    if (options.embeddingNode !== undefined) {
      notes.push('no MatMul joins the named embedding and logits: head weights are not available');
      return { embeddingName: options.embeddingNode, logitsName, weightNode: null, biasNode: null, transposeB: false, notes };
    }
    throw new LongtailError(
      ErrorCode.NoClassifier,
      `${file}: the logits node "${logitsName}" is not a MatMul(+BiasAdd) with a constant weight; name the embedding node with the embeddingNode option`,
      { file },
    );
  }
  const embeddingName = nodeName(matmul.input?.[0] ?? '');
  if (options.embeddingNode !== undefined && options.embeddingNode !== embeddingName) {
    notes.push(`the named embedding "${options.embeddingNode}" is not the input of MatMul "${matmul.name}": head weights are not available`);
    return { embeddingName: options.embeddingNode, logitsName, weightNode: null, biasNode: null, transposeB: false, notes };
  }
  return { embeddingName, logitsName, weightNode: nodeName(weightRef), biasNode, transposeB: matmul.attr?.transpose_b?.b === true, notes };
}

function readConst(model: tf.GraphModel, name: string, file: string): tf.Tensor {
  const t = model.weights[name]?.[0];
  if (t === undefined) {
    throw new LongtailError(ErrorCode.InvalidFile, `${file}: constant "${name}" has no weights`, { file });
  }
  return t;
}

/**
 * Loads a GraphModel. Errors: INVALID_FILE (JSON, shards, graph TF.js rejects), NO_CLASSIFIER,
 * UNKNOWN_FORMAT (several inputs), INVALID_OPTION (unknown node names).
 */
export async function loadGraphClassifier(
  modelJsonPath: string,
  parsed?: Readonly<Record<string, unknown>>,
  options: GraphClassifierOptions = {},
): Promise<ClassifierModel> {
  const json = parsed ?? (await readModelJsonFile(modelJsonPath));
  const files = [modelJsonPath, ...weightShardFiles(modelJsonPath, json)];
  let model: tf.GraphModel;
  try {
    model = await tf.loadGraphModel(fileLoadHandler(modelJsonPath, json));
  } catch (e) {
    if (e instanceof LongtailError) {
      throw e;
    }
    throw new LongtailError(ErrorCode.InvalidFile, `${modelJsonPath}: TensorFlow.js cannot build this GraphModel: ${escapeControls((e as Error).message)}`, {
      file: modelJsonPath,
      cause: e,
    });
  }
  try {
    return buildGraphClassifier(model, json, modelJsonPath, files, options);
  } catch (e) {
    model.dispose();
    throw e;
  }
}

function buildGraphClassifier(
  model: tf.GraphModel,
  json: Readonly<Record<string, unknown>>,
  file: string,
  files: readonly string[],
  options: GraphClassifierOptions,
): ClassifierModel {
  if (model.inputs.length !== 1) {
    throw new LongtailError(ErrorCode.UnknownFormat, `${file}: models with ${model.inputs.length} inputs are not supported (need exactly one)`, { file });
  }
  const nodes = ((json.modelTopology as { node?: unknown }).node ?? []) as GraphNode[];
  const outputName = nodeName(model.outputNodes[0] ?? '');
  const match = findGraphHead(nodes, outputName, file, options);
  let head: ClassifierHead | null = null;
  let embeddingDim = 0;
  let numClasses = 0;
  if (match.weightNode !== null) {
    const w = readConst(model, match.weightNode, file);
    if (w.shape.length !== 2) {
      throw new LongtailError(ErrorCode.NoClassifier, `${file}: MatMul weight "${match.weightNode}" has shape [${w.shape.join(', ')}], not 2-D`, { file });
    }
    // Transposed in JS: a freshly loaded weight is still on the host on every backend, while a GPU-side
    // transpose could not be read back synchronously on webgpu (no sync readback under Node).
    const [rows, cols] = w.shape as [number, number];
    const raw = w.dataSync() as Float32Array;
    numClasses = match.transposeB ? rows : cols;
    embeddingDim = match.transposeB ? cols : rows;
    const weight = match.transposeB ? Float32Array.from(raw) : transposeKernel(raw, rows, cols);
    const bias = match.biasNode === null ? null : Float32Array.from(readConst(model, match.biasNode, file).dataSync());
    if (bias !== null && bias.length !== numClasses) {
      throw new LongtailError(ErrorCode.NoClassifier, `${file}: bias "${match.biasNode}" has ${bias.length} values, expected ${numClasses}`, { file });
    }
    head = { weight: Float32Array.from(weight), bias, numClasses, embeddingDim, source: `MatMul weight "${match.weightNode}"${match.biasNode ? `, bias "${match.biasNode}"` : ''}` };
  }
  const fullShape = model.inputs[0].shape ?? [];
  const inputShape = fullShape.slice(1).map((s) => (s > 0 ? s : null));
  const fixedBatchSize = fullShape.length > 0 && fullShape[0] > 0 ? fullShape[0] : null;
  const outputs = [match.embeddingName, match.logitsName];
  let useAsync = false;
  return {
    format: 'graph-model',
    path: file,
    files,
    inputShape,
    fixedBatchSize,
    get embeddingDim() {
      return embeddingDim;
    },
    get numClasses() {
      return numClasses;
    },
    embeddingName: match.embeddingName,
    logitsName: match.logitsName,
    head,
    notes: match.notes,
    async forward(x: Float32Array, shape: readonly number[]): Promise<ForwardResult> {
      const input = tf.tensor(x, [...shape], 'float32');
      let result: tf.Tensor[] = [];
      try {
        if (!useAsync) {
          try {
            result = tf.tidy(() => model.execute(input, outputs) as tf.Tensor[]);
          } catch (e) {
            // Graphs with control flow or dynamic shapes must run asynchronously.
            if (!/executeAsync|dynamic/i.test((e as Error).message)) {
              throw e;
            }
            useAsync = true;
          }
        }
        if (useAsync) {
          result = (await model.executeAsync(input, outputs)) as tf.Tensor[];
        }
        const [e, l] = result;
        const count = shape[0];
        if (embeddingDim === 0 && count > 0) {
          embeddingDim = e.size / count;
          numClasses = l.size / count;
        }
        if (e.size !== count * embeddingDim || l.size !== count * numClasses) {
          throw new LongtailError(
            ErrorCode.ShapeMismatch,
            `${file}: embedding "${match.embeddingName}" has shape [${e.shape.join(', ')}] and logits [${l.shape.join(', ')}]; expected [${count}, ${embeddingDim}] and [${count}, ${numClasses}]`,
            { file },
          );
        }
        const [ed, ld] = await Promise.all([e.data(), l.data()]);
        return { embeddings: ed as Float32Array, logits: ld as Float32Array };
      } finally {
        input.dispose();
        for (const t of result) {
          t.dispose();
        }
      }
    },
    async dispose(): Promise<void> {
      model.dispose();
    },
  };
}
