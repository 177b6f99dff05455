/**
 * The load step of fine-tuning, data part: the training and evaluation examples in memory and the
 * classifier's starting weights. In head scope the examples are embeddings: a head checkpoint reads them
 * from features datasets, a LayersModel computes them through the output cache (the entries `analyse`
 * uses); adapter scope reads them the same way. In last-block/all scope they are the raw inputs.
 */
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { FineTuneScope } from '../../protocol/fineTuneParams';
import type { CancellationSignal, ProgressSink } from '../../protocol/progress';
import type { DatasetSource } from '../data/datasetSource';
import type { ImagePreprocessing } from '../data/imagePreprocessing';
import { openDataset } from '../data/openDataset';
import { readAllExamples } from '../data/readAllExamples';
import { loadClassifierModel } from '../model/loadClassifierModel';
import { datasetOutputs } from '../pipeline/datasetOutputs';
import { applyHeadAdapter, readHeadAdapter, type HeadAdapter } from '../pipeline/headAdapter';
import { assertFeaturesForHead, readFeatures } from '../pipeline/headInputs';
import type { PhaseReporter } from '../pipeline/runInputs';
import type { ExampleSet } from './exampleSet';
import type { FineTuneCheckpoint } from './fineTuneCheckpoint';

/** Where the data is and how to read it. */
export interface FineTuneDataInputs {
  readonly modelPath: string;
  readonly trainPath: string;
  /** Null: evaluate on the training set. */
  readonly evalPath: string | null;
  readonly scope: FineTuneScope;
  readonly preprocessing: ImagePreprocessing;
  /** Image root of list files and iNaturalist JSON (absolute), or undefined for the list's own folder. */
  readonly root?: string;
  readonly workspace: string;
  readonly progress: PhaseReporter;
  readonly signal?: CancellationSignal;
  readonly progressToken?: string;
  readonly onProgress?: ProgressSink;
}

/** The examples and the classifier they train, checked against each other. */
export interface FineTuneData {
  readonly train: ExampleSet;
  /** The evaluation set (the training set itself when no eval path was given). */
  readonly evalSet: ExampleSet;
  /** C. */
  readonly numClasses: number;
  /** D. */
  readonly dim: number;
  /** Starting classifier kernel `[D, C]`, row-major. */
  readonly kernel: Float32Array;
  /** Starting bias `[C]`, or null when the classifier has none. */
  readonly bias: Float32Array | null;
  /** Adapter scope: the adapter stored in the input head file to start from (null: a new identity adapter). */
  readonly adapter: HeadAdapter | null;
}

async function readExamples(checkpoint: FineTuneCheckpoint, trainSource: DatasetSource, evalSource: DatasetSource | null, inputs: FineTuneDataInputs): Promise<FineTuneData> {
  const { progress, signal } = inputs;
  if (checkpoint.kind === 'head') {
    const h = checkpoint.head;
    for (const source of evalSource ? [trainSource, evalSource] : [trainSource]) assertFeaturesForHead(source, source.path, h, inputs.modelPath);
    progress('reading features', 0, null);
    const asSet = (f: { x: Float32Array; dim: number; labels: Int32Array }): ExampleSet => ({ x: f.x, shape: [f.dim], labels: f.labels });
    let train = asSet(await readFeatures(trainSource, signal));
    let evalSet = evalSource ? asSet(await readFeatures(evalSource, signal)) : train;
    const numClasses = h.numClasses;
    const dim = h.dim;
    const kernel = new Float32Array(dim * numClasses);
    for (let y = 0; y < numClasses; y++) for (let k = 0; k < dim; k++) kernel[k * numClasses + y] = h.weight[y * dim + k];
    // A head fine-tuned in adapter scope before: head scope trains on the adapted (frozen) embeddings, adapter
    // scope starts from the stored adapter.
    const adapter = await readHeadAdapter(h.path, dim);
    if (adapter && inputs.scope === 'head') {
      const adapted = (set: ExampleSet): ExampleSet => ({ ...set, x: applyHeadAdapter(set.x, set.labels.length, adapter) });
      const same = evalSet === train;
      train = adapted(train);
      evalSet = same ? train : adapted(evalSet);
    }
    return { train, evalSet, numClasses, dim, kernel, bias: h.bias ? Float32Array.from(h.bias) : null, adapter: inputs.scope === 'adapter' ? adapter : null };
  }
  let kernel: Float32Array;
  let dim: number;
  let numClasses: number;
  let bias: Float32Array | null;
  if (checkpoint.kind === 'onnx') {
    const h = checkpoint.head;
    dim = h.embeddingDim;
    numClasses = h.numClasses;
    kernel = new Float32Array(dim * numClasses);
    for (let y = 0; y < numClasses; y++) for (let k = 0; k < dim; k++) kernel[k * numClasses + y] = h.weight[y * dim + k];
    bias = h.bias ? Float32Array.from(h.bias) : null;
  } else {
    const dense = checkpoint.model.layers[checkpoint.denseIndex];
    const w = dense.getWeights();
    kernel = Float32Array.from(w[0].dataSync());
    dim = w[0].shape[0] as number;
    numClasses = w[0].shape[1] as number;
    bias = w.length > 1 ? Float32Array.from(w[1].dataSync()) : null;
  }
  let train: ExampleSet;
  let evalSet: ExampleSet;
  if (inputs.scope === 'head' || inputs.scope === 'adapter') {
    // Frozen embeddings through the output cache (the same entries `analyse` uses).
    const classifier = await loadClassifierModel(inputs.modelPath);
    try {
      const embed = async (source: DatasetSource): Promise<ExampleSet> => {
        const out = await datasetOutputs(classifier, source, { workspace: inputs.workspace, signal, progressToken: inputs.progressToken, onProgress: inputs.onProgress });
        return { x: out.embeddings, shape: [out.embeddingDim], labels: out.labels };
      };
      progress('computing embeddings', 0, null);
      train = await embed(trainSource);
      evalSet = evalSource ? await embed(evalSource) : train;
    } finally {
      await classifier.dispose();
    }
  } else {
    progress('reading training data', 0, null);
    const all = await readAllExamples(trainSource, { signal });
    train = { x: all.x, shape: all.exampleShape, labels: all.labels };
    if (evalSource) {
      const e = await readAllExamples(evalSource, { signal });
      evalSet = { x: e.x, shape: e.exampleShape, labels: e.labels };
    } else {
      evalSet = train;
    }
  }
  return { train, evalSet, numClasses, dim, kernel, bias, adapter: null };
}

/**
 * Opens the datasets, reads (or computes) the examples and the starting classifier, and checks them:
 * {@link ErrorCode.EmptyDataset} without training examples, {@link ErrorCode.InvalidLabels} for a label
 * outside the classifier's C classes, {@link ErrorCode.ShapeMismatch} for data a head cannot take.
 */
export async function loadFineTuneData(checkpoint: FineTuneCheckpoint, inputs: FineTuneDataInputs): Promise<FineTuneData> {
  const { trainPath, evalPath } = inputs;
  const { root } = inputs;
  const trainSource = await openDataset(trainPath, { split: 'train', preprocessing: inputs.preprocessing, root });
  const evalSource = evalPath ? await openDataset(evalPath, { split: 'test', preprocessing: inputs.preprocessing, root }) : null;
  let data: FineTuneData;
  try {
    data = await readExamples(checkpoint, trainSource, evalSource, inputs);
  } finally {
    await trainSource.close();
    await evalSource?.close();
  }
  if (data.train.labels.length === 0) throw new LongtailError(ErrorCode.EmptyDataset, `${trainPath}: no training examples`, { file: trainPath });
  for (const set of [data.train, data.evalSet]) {
    const bad = set.labels.find((y) => y < 0 || y >= data.numClasses);
    if (bad !== undefined) {
      throw new LongtailError(ErrorCode.InvalidLabels, `label ${bad} is outside the model's ${data.numClasses} classes`, { file: set === data.train ? trainPath : (evalPath ?? trainPath) });
    }
  }
  return data;
}
