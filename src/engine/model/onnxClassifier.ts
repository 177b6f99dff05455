/**
 * ONNX checkpoints through onnxruntime-node (inference only). The final classifier is found by walking
 * back from the first graph output through Softmax/LogSoftmax/Sigmoid/Identity to a `Gemm`
 * (Y = α·A·op(B) + β·C, op = transpose when transB = 1) or `MatMul` (+ `Add` of a bias) whose weight is an
 * initializer: logits = that node's output, embedding = its data input A. Tensors that are not graph
 * outputs yet are added as outputs by editing the ModelProto bytes (onnxModel.ts), so one run yields both.
 * Execution providers: CUDA when onnxruntime-node's CUDA provider is installed, else CPU. Models with
 * external data (`location` files next to the .onnx) are supported: head weights are read from the data file
 * and onnxruntime is pointed at the model's directory.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { onnxProfilePrefix, onnxProviderAttempts, readPlacement } from '../compute/onnxProviders';
import { chooseThreads } from '../compute/threadChoice';
import { recordOnnxPlacement, recordOnnxProvider } from '../compute/runDevice';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { closeFile, openForRead, readExactly, readWholeFile, type Containment } from '../io/fileAccess';
import type { ClassifierHead, ClassifierModel, ForwardResult } from './classifierModel';
import { addGraphOutputs, onnxElementBytes, onnxFloat, parseOnnxModel, tensorSizeProblem, type OnnxGraph, type OnnxNode, type OnnxTensor } from './onnxModel';
import { escapeControls } from '../io/untrustedText';

/** Options of {@link loadOnnxClassifier}. */
export interface OnnxClassifierOptions {
  /** Name of the embedding tensor, when the automatic search must be overridden. */
  readonly embeddingNode?: string;
  /** Name of the logits tensor (defaults to the input of a final softmax, else the first graph output). */
  readonly logitsNode?: string;
  /** Execution providers to try in order (default `['cuda', 'cpu']`, falling back to `['cpu']`). */
  readonly executionProviders?: readonly string[];
  /** CPU threads for one inference (`longtail.threads`; 0 or absent = compute/threadChoice.ts chooses: ⌊cores − load⌋). */
  readonly threads?: number;
}

/** The classifier found in an ONNX graph. */
export interface OnnxHeadMatch {
  readonly embeddingName: string;
  readonly logitsName: string;
  /** `[C, D]` weight and bias, or null when the caller named the nodes and no linear layer connects them. */
  readonly head: ClassifierHead | null;
  readonly notes: readonly string[];
}

const passThrough = new Set(['Softmax', 'LogSoftmax', 'Sigmoid', 'Identity']);

function noClassifier(file: string, why: string): LongtailError {
  return new LongtailError(
    ErrorCode.NoClassifier,
    `${file}: ${why}; export the model with the embedding as an extra output, or name it with the embeddingNode option`,
    { file },
  );
}

/** The constant value of a tensor name: an initializer or the output of a `Constant` node. */
function constantOf(graph: OnnxGraph, producers: ReadonlyMap<string, OnnxNode>, name: string): OnnxTensor | undefined {
  return graph.initializers.get(name) ?? (producers.get(name)?.opType === 'Constant' ? producers.get(name)?.constantValue : undefined);
}

/** Resolves an external-data location next to the model file; rejects absolute paths and `..`. */
function externalPath(file: string, location: string): string {
  const dir = path.dirname(file);
  const resolved = path.resolve(dir, location);
  if (path.isAbsolute(location) || path.relative(dir, resolved).startsWith('..')) {
    throw new LongtailError(ErrorCode.InvalidFile, `${file}: external data location "${location}" is outside the model's directory`, { file });
  }
  return resolved;
}

/** The containment of external data: the model's folder. */
function modelFolder(file: string): Containment {
  return { folder: path.dirname(file), what: "the model's folder" };
}

/**
 * Validates every initializer and Constant value before onnxruntime (or this module) allocates one: dims
 * against the bytes stored ({@link tensorSizeProblem}), and external data against its file (a regular file
 * in the model's folder, `offset + length` within it). Throws INVALID_FILE naming the tensor, or the
 * file-access layer's errors naming the data file. (A 173-byte model declaring huge dims used to allocate
 * 1.7 GB; an external length of 3e9 crashed node in onnxruntime.)
 */
export async function checkOnnxTensors(graph: OnnxGraph, file: string): Promise<void> {
  const tensors = [...graph.initializers.values(), ...graph.nodes.flatMap((n) => (n.constantValue ? [n.constantValue] : []))];
  const sizes = new Map<string, number>();
  for (const t of tensors) {
    const problem = tensorSizeProblem(t);
    if (problem !== null) {
      throw new LongtailError(ErrorCode.InvalidFile, `${file}: ${problem}`, { file });
    }
    const ext = t.externalData;
    if (!t.external || ext === undefined) {
      continue;
    }
    const src = externalPath(file, ext.location);
    let size = sizes.get(src);
    if (size === undefined) {
      const opened = await openForRead(src, { within: modelFolder(file) });
      size = opened.size;
      await closeFile(opened);
      sizes.set(src, size);
    }
    const elementBytes = onnxElementBytes(t.dataType);
    const length = ext.length ?? size - ext.offset;
    const expected = elementBytes === null ? null : Math.ceil(t.dims.reduce((a, b) => a * b, 1) * elementBytes);
    if (ext.offset + length > size || length < 0 || (expected !== null && length !== expected)) {
      throw new LongtailError(
        ErrorCode.InvalidFile,
        `${file}: external data for "${escapeControls(t.name)}" (offset ${ext.offset}, length ${length}${expected === null ? '' : `, needs ${expected}`}) does not fit ${src} (${size} bytes)`,
        { file: src },
      );
    }
  }
}

/** float32 values of a constant, read from the model or from its external-data file. */
async function constantFloats(file: string, t: OnnxTensor): Promise<Float32Array> {
  if (t.dataType === onnxFloat && t.externalData !== undefined) {
    const ext = t.externalData;
    const n = t.dims.reduce((a, b) => a * b, 1);
    const src = externalPath(file, ext.location);
    const opened = await openForRead(src, { within: modelFolder(file) });
    let buf: Buffer;
    try {
      buf = await readExactly(opened, ext.offset, 4 * n, `external data for "${escapeControls(t.name)}"`);
    } finally {
      await closeFile(opened);
    }
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = buf.readFloatLE(4 * i);
    }
    return out;
  }
  const v = t.floats();
  if (v === null) {
    throw new LongtailError(ErrorCode.UnknownFormat, `${file}: classifier tensor "${t.name}" is of ONNX type ${t.dataType}; only float32 weights are read`, { file });
  }
  return v;
}

/**
 * Finds the final linear classifier of an ONNX graph (see the file comment). Throws NO_CLASSIFIER when
 * the output is not produced by a Gemm/MatMul with a constant weight.
 */
export async function findOnnxHead(graph: OnnxGraph, file: string, options: OnnxClassifierOptions = {}): Promise<OnnxHeadMatch> {
  const producers = new Map<string, OnnxNode>();
  for (const n of graph.nodes) {
    for (const o of n.outputs) {
      producers.set(o, n);
    }
  }
  const notes: string[] = [];
  if (graph.outputs.length === 0) {
    throw noClassifier(file, 'the graph has no outputs');
  }
  let logitsName = options.logitsNode;
  if (logitsName === undefined) {
    logitsName = graph.outputs[0].name;
    for (let p = producers.get(logitsName); p !== undefined && passThrough.has(p.opType); p = producers.get(logitsName)) {
      if (p.opType !== 'Identity') {
        notes.push(`logits are taken before the final ${p.opType} ("${p.name || p.outputs[0]}")`);
      }
      logitsName = p.inputs[0];
    }
  } else if (!producers.has(logitsName)) {
    throw new LongtailError(ErrorCode.InvalidOption, `${file}: no node produces logitsNode "${logitsName}"`, { file });
  }
  if (options.embeddingNode !== undefined && !producers.has(options.embeddingNode) && !graph.inputs.some((i) => i.name === options.embeddingNode)) {
    throw new LongtailError(ErrorCode.InvalidOption, `${file}: no node produces embeddingNode "${options.embeddingNode}"`, { file });
  }
  const node = producers.get(logitsName);
  let matmul: OnnxNode | undefined;
  let biasName: string | undefined;
  if (node?.opType === 'Gemm') {
    matmul = node;
    biasName = node.inputs[2] || undefined;
  } else if (node?.opType === 'MatMul') {
    matmul = node;
  } else if (node?.opType === 'Add') {
    const [a, b] = node.inputs;
    const pa = producers.get(a);
    const pb = producers.get(b);
    if (pa?.opType === 'MatMul' && constantOf(graph, producers, b)) {
      matmul = pa;
      biasName = b;
    } else if (pb?.opType === 'MatMul' && constantOf(graph, producers, a)) {
      matmul = pb;
      biasName = a;
    }
  }
  const weight = matmul ? constantOf(graph, producers, matmul.inputs[1]) : undefined;
  if (matmul === undefined || weight === undefined || weight.dims.length !== 2 || (matmul.attributes.get('transA') ?? 0) !== 0) {
    if (options.embeddingNode !== undefined) {
      notes.push('no linear layer joins the named embedding and logits: head weights are not available');
      return { embeddingName: options.embeddingNode, logitsName, head: null, notes };
    }
    throw noClassifier(file, `the logits "${logitsName}" are not produced by a Gemm or MatMul(+Add) with a constant 2-D weight`);
  }
  const embeddingName = options.embeddingNode ?? matmul.inputs[0];
  if (embeddingName !== matmul.inputs[0]) {
    notes.push(`the named embedding "${embeddingName}" is not the input of ${matmul.opType} "${matmul.name || matmul.outputs[0]}": head weights are not available`);
    return { embeddingName, logitsName, head: null, notes };
  }
  const isGemm = matmul.opType === 'Gemm';
  const transB = isGemm && (matmul.attributes.get('transB') ?? 0) !== 0;
  const alpha = isGemm ? (matmul.attributes.get('alpha') ?? 1) : 1;
  const beta = isGemm ? (matmul.attributes.get('beta') ?? 1) : 1;
  const wv = await constantFloats(file, weight);
  // W[c, d]: B is [C, D] when transB, else [D, C].
  const [c, d] = transB ? weight.dims : [weight.dims[1], weight.dims[0]];
  const w = new Float32Array(c * d);
  for (let ci = 0; ci < c; ci++) {
    for (let di = 0; di < d; di++) {
      w[ci * d + di] = alpha * (transB ? wv[ci * d + di] : wv[di * c + ci]);
    }
  }
  let bias: Float32Array | null = null;
  if (biasName !== undefined) {
    const bt = constantOf(graph, producers, biasName);
    const bv = bt ? await constantFloats(file, bt) : null;
    if (bv === null || (bv.length !== c && bv.length !== 1)) {
      throw noClassifier(file, `the bias "${biasName}" of the final ${matmul.opType} is not a constant of length ${c}`);
    }
    bias = new Float32Array(c);
    for (let i = 0; i < c; i++) {
      bias[i] = beta * bv[bv.length === 1 ? 0 : i];
    }
  }
  const head: ClassifierHead = {
    weight: w,
    bias,
    numClasses: c,
    embeddingDim: d,
    source: `${matmul.opType} "${matmul.name || matmul.outputs[0]}" (weight ${weight.name}${biasName ? `, bias ${biasName}` : ''})`,
  };
  return { embeddingName, logitsName, head, notes };
}

type OrtModule = typeof import('onnxruntime-node');

/**
 * True when onnxruntime-node's CUDA execution provider library is installed next to its binding (it is
 * downloaded by the package's install script only on request). Checked first so that CPU-only machines do
 * not log a failed attempt to load it.
 */
export function onnxCudaProviderInstalled(): boolean {
  try {
    const pkg = path.dirname(require.resolve('onnxruntime-node/package.json'));
    const dir = path.join(pkg, 'bin', 'napi-v6', process.platform, process.arch);
    return existsSync(path.join(dir, 'libonnxruntime_providers_cuda.so')) || existsSync(path.join(dir, 'onnxruntime_providers_cuda.dll'));
  } catch {
    return false;
  }
}

/**
 * Creates the session from bytes (possibly edited). Models with external data get onnxruntime's
 * `session.model_external_initializers_file_folder_path` set to the model's directory, so data locations
 * resolve as if the file had been loaded by path and nothing is written next to the user's model.
 */
async function createSession(
  ort: OrtModule,
  bytes: Uint8Array,
  externalDir: string | null,
  providers: readonly string[] | undefined,
  file: string,
  threads: number,
): Promise<{ session: InferenceSession; provider: string; profilePrefix: string | null }> {
  const attempts = providers ? [providers] : onnxProviderAttempts(onnxCudaProviderInstalled());
  let lastError: unknown;
  for (const eps of attempts) {
    // On WebGPU the first batch is profiled to learn which ops onnxruntime left on the CPU (onnxProviders.ts).
    const profilePrefix = eps[0] === 'webgpu' ? onnxProfilePrefix() : null;
    try {
      const options: InferenceSession.SessionOptions = {
        executionProviders: [...eps],
        ...(profilePrefix !== null ? { enableProfiling: true, profileFilePrefix: profilePrefix } : {}),
        graphOptimizationLevel: 'all',
        // Fatal only: onnxruntime's own error lines would precede (and duplicate) the engine's one-line error.
        logSeverityLevel: 4,
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        extra: {
          session: {
            // Workers that spin while waiting steal the CPU from everything else on a shared machine
            // (measured: ResNet-32 at 167 img/s with spinning on a loaded 2-core box, 805 with 1 thread).
            intra_op: { allow_spinning: '0' },
            ...(externalDir === null ? {} : { model_external_initializers_file_folder_path: externalDir }),
          },
        },
      };
      const session = await ort.InferenceSession.create(bytes, options);
      return { session, provider: eps[0], profilePrefix };
    } catch (e) {
      lastError = e;
    }
  }
  throw new LongtailError(ErrorCode.InvalidFile, `${file}: onnxruntime cannot load the model: ${escapeControls((lastError as Error).message)}`, { file, cause: lastError });
}

/**
 * Loads an ONNX classifier. `bytes` may be passed when already read (format detection reads the file).
 * Errors: INVALID_FILE (unparseable, rejected by onnxruntime), UNKNOWN_FORMAT (several or non-float
 * inputs), NO_CLASSIFIER.
 */
export async function loadOnnxClassifier(file: string, bytes?: Uint8Array, options: OnnxClassifierOptions = {}): Promise<ClassifierModel> {
  const modelBytes = bytes ?? new Uint8Array(await readWholeFile(file, { what: 'ONNX model', maxBytes: 2 ** 31 - 1 }));
  let graph: OnnxGraph;
  try {
    graph = parseOnnxModel(modelBytes);
  } catch (e) {
    throw new LongtailError(ErrorCode.InvalidFile, `${file} is not a valid ONNX model: ${escapeControls((e as Error).message)}`, { file, cause: e });
  }
  if (graph.inputs.length !== 1) {
    throw new LongtailError(ErrorCode.UnknownFormat, `${file}: models with ${graph.inputs.length} inputs are not supported (need exactly one)`, { file });
  }
  await checkOnnxTensors(graph, file);
  const input = graph.inputs[0];
  if (input.elemType !== null && input.elemType !== onnxFloat) {
    throw new LongtailError(ErrorCode.UnknownFormat, `${file}: input "${input.name}" has ONNX element type ${input.elemType}; only float32 inputs are supported`, { file });
  }
  const match = await findOnnxHead(graph, file, options);
  const outputNames = new Set(graph.outputs.map((o) => o.name));
  // A head-only model (embedding = the graph input, e.g. a classifier over stored features) fetches logits only.
  const embeddingIsInput = match.embeddingName === input.name;
  const fetches = embeddingIsInput ? [match.logitsName] : [match.embeddingName, match.logitsName];
  const missing = fetches.filter((n, i, all) => !outputNames.has(n) && all.indexOf(n) === i);
  const runBytes = missing.length > 0 ? addGraphOutputs(modelBytes, missing) : modelBytes;
  const ort = await import('onnxruntime-node');
  // The process-wide default logger too (used before a session exists): only fatal messages.
  ort.env.logLevel = 'fatal';
  const externalFiles = [...new Set([...graph.initializers.values()].flatMap((t) => (t.externalData ? [externalPath(file, t.externalData.location)] : [])))];
  const threads = chooseThreads(options.threads);
  const { session, provider, profilePrefix } = await createSession(ort, runBytes, externalFiles.length > 0 ? path.dirname(file) : null, options.executionProviders, file, threads.threads);
  const notes = [...match.notes, `onnxruntime execution provider: ${provider}`];
  let profiling = profilePrefix !== null;
  recordOnnxProvider(provider);
  // Dimensions are learnt from the head, or from the first batch when no head is known.
  let embeddingDim = match.head?.embeddingDim ?? 0;
  let numClasses = match.head?.numClasses ?? 0;
  const shape = input.shape ?? [];
  const model: ClassifierModel = {
    format: 'onnx',
    path: file,
    files: [file, ...externalFiles],
    inputShape: shape.slice(1),
    fixedBatchSize: shape.length > 0 ? shape[0] : null,
    get embeddingDim() {
      return embeddingDim;
    },
    get numClasses() {
      return numClasses;
    },
    embeddingName: match.embeddingName,
    logitsName: match.logitsName,
    head: match.head,
    notes,
    async forward(x: Float32Array, batchShape: readonly number[]): Promise<ForwardResult> {
      const feed = new ort.Tensor('float32', x, [...batchShape]);
      let out: InferenceSession.ReturnType;
      try {
        out = await session.run({ [input.name]: feed }, fetches);
        if (profiling && profilePrefix !== null) {
          profiling = false;
          session.endProfiling();
          const placement = await readPlacement(profilePrefix);
          notes.push(placement);
          recordOnnxPlacement(placement);
        }
      } catch (e) {
        throw new LongtailError(ErrorCode.ShapeMismatch, `${file}: onnxruntime failed on a batch of shape [${batchShape.join(', ')}]: ${escapeControls((e as Error).message)}`, { file, cause: e });
      } finally {
        feed.dispose();
      }
      const l = out[match.logitsName] as Tensor;
      const e = embeddingIsInput ? new ort.Tensor('float32', x, [...batchShape]) : (out[match.embeddingName] as Tensor);
      const count = batchShape[0];
      if (e.type !== 'float32' || l.type !== 'float32') {
        throw new LongtailError(ErrorCode.UnknownFormat, `${file}: embedding/logits are ${e.type}/${l.type}, not float32`, { file });
      }
      const ed = e.data as Float32Array;
      const ld = l.data as Float32Array;
      if (embeddingDim === 0 && count > 0) {
        embeddingDim = ed.length / count;
        numClasses = ld.length / count;
      }
      if (ed.length !== count * embeddingDim || ld.length !== count * numClasses) {
        throw new LongtailError(
          ErrorCode.ShapeMismatch,
          `${file}: embedding "${match.embeddingName}" has shape [${e.dims.join(', ')}] and logits [${l.dims.join(', ')}]; expected [${count}, ${embeddingDim}] and [${count}, ${numClasses}]`,
          { file },
        );
      }
      return { embeddings: ed, logits: ld };
    },
    async dispose(): Promise<void> {
      await session.release();
    },
  };
  return model;
}
