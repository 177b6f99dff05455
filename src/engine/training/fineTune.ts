/**
 * Fine-tuning of a long-tail classifier with any loss of the registry (src/engine/losses/): the engine
 * behind `longtail finetune` and `training/run`.
 *
 * - `scope: 'head'` trains only the final linear classifier on the frozen embeddings: a LayersModel's
 *   training embeddings come from the output cache (one forward pass, reused), a head checkpoint
 *   (.npz/.safetensors) reads them from a features dataset.
 * - `scope: 'last-block'` also trains the last weighted layer before the classifier (with the
 *   normalisation layers right after it); `scope: 'all'` trains every layer. LayersModel only. The trunk runs
 *   in inference mode (`training: false`: dropout off, batch-norm moving statistics used and not updated), which
 *   keeps runs deterministic.
 * - Logits are f = φ·K + b (K `[D, C]`), or cosine logits φ̂·K̂ for losses that ask for them (LDAM): then the
 *   saved classifier is K̂·s/mean‖φ‖ with zero bias, which predicts the same argmax as the cosine classifier
 *   and keeps logits on the training scale s·cos on average.
 * - ELM with `scope: 'head'`: the embedding term is evaluated on the frozen embeddings and has no gradient path
 *   to the classifier, so it only shifts the reported loss; the head is trained by ELM's logit term (LA loss with
 *   the optional target margin). With `last-block`/`all` the embedding term trains the trunk.
 * - Loop: mini-batch SGD with momentum 0.9 or Adam, constant or cosine learning rate, PyTorch-style weight decay
 *   (½λΣw² added to the loss, gradient λw, on every trained weight). Batches follow a seeded order
 *   (batchSampler.ts); random loss parts (EQL) use a second seeded stream. Same seed, same backend → same weights.
 * - Outputs go into a new folder via writeDirAtomic: the checkpoint in the input's format, training.json and
 *   report.json (analyseCheckpoint on the new checkpoint). Cancellation or failure leaves nothing; the input
 *   checkpoint is only read.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { AdamOptimizer, LayersModel, MomentumOptimizer, Scalar, Tensor, Tensor2D, Variable } from '@tensorflow/tfjs';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { FineTuneEpoch, FineTuneLrSchedule, FineTuneOptimizer, FineTuneParams, FineTuneResult, FineTuneSampler, FineTuneScope } from '../../protocol/fineTuneParams';
import type { CancellationSignal, ProgressSink } from '../../protocol/progress';
import { makeSnapshot } from '../../protocol/progress';
import { balancedError } from '../analysis/balancedError';
import { assignBuckets, bucketAccuracies, defaultThresholds } from '../analysis/buckets';
import { cachedModelOutputs } from '../cache/outputCache';
import { throwIfCancelled, yieldAndCheck } from '../cancellation';
import { tf } from '../compute/tf';
import { readWorkspaceConfig } from '../config/workspaceConfig';
import { countLabels } from '../data/classCounts';
import type { DatasetSource } from '../data/datasetSource';
import { openDataset } from '../data/openDataset';
import { readAllExamples } from '../data/readAllExamples';
import { mulberry32 } from '../data/seededRandom';
import { loadHeadCheckpoint, type HeadCheckpoint } from '../io/headCheckpoint';
import { createLoss } from '../losses/lossRegistry';
import { l2Normalize } from '../losses/supConMargin';
import type { TrainingLoss } from '../losses/trainingLoss';
import { detectModelFormat } from '../model/detectModelFormat';
import { loadClassifierModel } from '../model/loadClassifierModel';
import { fileLoadHandler } from '../model/tfjsIoHandler';
import { assertEmptyOrAbsent, writeDirAtomic } from '../output/atomicOutput';
import { saveLayersModel } from '../output/saveLayersModel';
import { analyseCheckpoint } from '../pipeline/analyseCheckpoint';
import { longtailVersion } from '../version';
import { epochOrder, indicesByClass } from './batchSampler';
import { writeHeadFile } from './headFileWriter';

/** Where the run reports to and what it runs on. */
export interface FineTuneContext {
  readonly backend: string;
  readonly signal?: CancellationSignal;
  readonly onProgress?: ProgressSink;
  /** Called after each epoch's record is complete (tests read the tensor count here). */
  readonly onEpochEnd?: (record: FineTuneEpoch) => void;
}

/** A finished run. */
export interface FineTuneOutcome {
  readonly result: FineTuneResult;
}

/** Every parameter with its default filled in and checked. */
export interface ResolvedFineTuneSettings {
  readonly epochs: number;
  readonly learningRate: number;
  readonly batchSize: number;
  readonly lrSchedule: FineTuneLrSchedule;
  readonly optimizer: FineTuneOptimizer;
  readonly weightDecay: number;
  readonly scope: FineTuneScope;
  readonly sampler: FineTuneSampler;
  readonly seed: number;
}

const headExtensions = new Set(['.npz', '.safetensors', '.npy']);
const maxInMemoryBytes = 2 ** 31;
const evalBatch = 512;

function invalid(message: string): LongtailError {
  return new LongtailError(ErrorCode.InvalidOption, message);
}

/** Fills defaults and validates the numeric and enumerated parameters ({@link ErrorCode.InvalidOption}). */
export function resolveFineTuneSettings(params: FineTuneParams): ResolvedFineTuneSettings {
  const optimizer = params.optimizer ?? 'sgd';
  if (optimizer !== 'sgd' && optimizer !== 'adam') throw invalid(`optimizer must be sgd or adam (got '${String(optimizer)}')`);
  const scope = params.scope ?? 'head';
  if (scope !== 'head' && scope !== 'last-block' && scope !== 'all') throw invalid(`scope must be head, last-block or all (got '${String(scope)}')`);
  const lrSchedule = params.lrSchedule ?? 'constant';
  if (lrSchedule !== 'constant' && lrSchedule !== 'cosine') throw invalid(`learning-rate schedule must be constant or cosine (got '${String(lrSchedule)}')`);
  const sampler = params.sampler ?? 'instance';
  if (sampler !== 'instance' && sampler !== 'class-balanced') throw invalid(`sampler must be instance or class-balanced (got '${String(sampler)}')`);
  const int = (name: string, v: number | undefined, def: number, min: number, max: number): number => {
    const x = v ?? def;
    if (!Number.isInteger(x) || x < min || x > max) throw invalid(`${name} must be an integer from ${min} to ${max} (got ${String(x)})`);
    return x;
  };
  const real = (name: string, v: number | undefined, def: number, min: number, max: number, minExclusive: boolean): number => {
    const x = v ?? def;
    if (typeof x !== 'number' || !Number.isFinite(x) || x > max || (minExclusive ? x <= min : x < min)) {
      throw invalid(`${name} must be a number in ${minExclusive ? '(' : '['}${min}, ${max}] (got ${String(x)})`);
    }
    return x;
  };
  return {
    epochs: int('epochs', params.epochs, 10, 1, 100_000),
    learningRate: real('learning rate', params.learningRate, optimizer === 'sgd' ? 0.01 : 0.001, 0, 100, true),
    batchSize: int('batch size', params.batchSize, 128, 1, 1 << 20),
    lrSchedule,
    optimizer,
    weightDecay: real('weight decay', params.weightDecay, 0, 0, 1, false),
    scope,
    sampler,
    seed: int('seed', params.seed, 0, 0, 2 ** 32 - 1),
  };
}

/** Examples in memory: `x` row-major `[n, ...shape]` (raw inputs, or embeddings `[n, D]` in head scope). */
interface ExampleSet {
  readonly x: Float32Array;
  readonly shape: readonly number[];
  readonly labels: Int32Array;
}

/** What is trained: a head checkpoint, or a LayersModel and its final Dense layer. */
type Checkpoint =
  | { readonly kind: 'head'; readonly head: HeadCheckpoint }
  | { readonly kind: 'layers'; readonly modelJson: string; readonly model: LayersModel; readonly denseIndex: number };

async function readFeatures(source: DatasetSource, signal: CancellationSignal | undefined): Promise<ExampleSet> {
  const all = await readAllExamples(source, { maxBytes: maxInMemoryBytes, signal });
  const d = source.exampleShape.reduce((a, b) => a * b, 1);
  return { x: all.x, shape: [d], labels: all.labels };
}

async function loadLayersCheckpoint(modelPath: string, detected: { modelPath: string; modelJson?: Readonly<Record<string, unknown>> }): Promise<Checkpoint> {
  let model: LayersModel;
  try {
    model = await tf.loadLayersModel(fileLoadHandler(detected.modelPath, detected.modelJson));
  } catch (e) {
    if (e instanceof LongtailError) throw e;
    throw new LongtailError(ErrorCode.InvalidFile, `${modelPath}: TensorFlow.js cannot build this LayersModel: ${(e as Error).message}`, { file: modelPath, cause: e });
  }
  let denseIndex = -1;
  for (let i = model.layers.length - 1; i >= 0; i--) {
    if (model.layers[i].getClassName() === 'Dense') {
      denseIndex = i;
      break;
    }
  }
  if (denseIndex < 0 || model.inputs.length !== 1) {
    model.dispose();
    throw new LongtailError(ErrorCode.NoClassifier, `${modelPath}: fine-tuning needs a single-input LayersModel whose classifier is a Dense layer`, { file: modelPath });
  }
  return { kind: 'layers', modelJson: detected.modelPath, model, denseIndex };
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

/** Per-class correct counts of argmax predictions → balanced error and bucket accuracies. */
function scoreEpoch(predictions: Int32Array, labels: Int32Array, numClasses: number, buckets: ReturnType<typeof assignBuckets>): Pick<FineTuneEpoch, 'balancedError' | 'buckets'> {
  const correct = new Int32Array(numClasses);
  const count = new Int32Array(numClasses);
  for (let i = 0; i < labels.length; i++) {
    count[labels[i]]++;
    if (predictions[i] === labels[i]) correct[labels[i]]++;
  }
  const b = bucketAccuracies(correct, count, buckets);
  return { balancedError: balancedError(correct, count), buckets: { many: b.many.accuracy, medium: b.medium.accuracy, few: b.few.accuracy } };
}

function batchOf(set: ExampleSet, indices: Int32Array | null, lo: number, hi: number): { x: Float32Array; labels: Int32Array } {
  const per = set.shape.reduce((a, b) => a * b, 1);
  if (indices === null) {
    return { x: set.x.subarray(lo * per, hi * per), labels: set.labels.subarray(lo, hi) };
  }
  const x = new Float32Array((hi - lo) * per);
  const labels = new Int32Array(hi - lo);
  for (let k = lo; k < hi; k++) {
    const src = indices[k];
    x.set(set.x.subarray(src * per, (src + 1) * per), (k - lo) * per);
    labels[k - lo] = set.labels[src];
  }
  return { x, labels };
}

/** Runs a fine-tuning job (see the module comment). */
export async function fineTune(params: FineTuneParams, ctx: FineTuneContext): Promise<FineTuneOutcome> {
  const started = performance.now();
  const settings = resolveFineTuneSettings(params);
  if (!params.out) throw invalid('fine-tuning needs an output folder (out)');
  const workspace = path.resolve(params.workspace ?? process.cwd());
  const config = await readWorkspaceConfig(workspace);
  const token = params.progressToken;
  const progress = (phase: string, done: number, total: number | null, message?: string): void => {
    if (token && ctx.onProgress) ctx.onProgress(makeSnapshot(token, phase, done, total, started, performance.now(), message));
  };
  const modelPath = path.resolve(params.model);
  const trainPath = path.resolve(params.train);
  const evalPath = params.eval ? path.resolve(params.eval) : null;
  const outDir = path.resolve(params.out);
  if (outDir === path.dirname(modelPath) || outDir === modelPath) {
    throw new LongtailError(ErrorCode.OutputExists, `${outDir} holds the input checkpoint; choose a new output folder`, { file: outDir });
  }
  const preprocessing = { ...config.preprocessing, ...params.preprocessing };
  const headKey = params.headKey ?? config.headKey;
  const manyThreshold = params.manyThreshold ?? config.buckets?.many ?? defaultThresholds.many;
  const fewThreshold = params.fewThreshold ?? config.buckets?.few ?? defaultThresholds.few;
  const notes: string[] = [];

  progress('opening inputs', 0, null);
  // Fail on a non-empty output folder before any work.
  await assertEmptyOrAbsent(outDir);

  let checkpoint: Checkpoint;
  const isHeadFile = headExtensions.has(path.extname(modelPath).toLowerCase());
  if (isHeadFile) {
    if (path.extname(modelPath).toLowerCase() === '.npy') {
      throw invalid(`${modelPath}: fine-tuning writes .npz or .safetensors heads; save the weight (and bias) in an .npz first`);
    }
    if (settings.scope !== 'head') throw invalid(`${modelPath} is a classifier head: only --scope head can train it`);
    checkpoint = { kind: 'head', head: await loadHeadCheckpoint(modelPath, { headKey }) };
  } else {
    const detected = await detectModelFormat(modelPath);
    if (detected.format !== 'layers-model') {
      throw invalid(`${modelPath} is a ${detected.format}; fine-tuning trains TF.js LayersModels (model.json) and classifier heads (.npz/.safetensors)`);
    }
    checkpoint = await loadLayersCheckpoint(modelPath, detected);
  }

  const variables: Variable[] = [];
  let optimizer: MomentumOptimizer | AdamOptimizer | null = null;
  const restoreTrainable: { layer: { trainable: boolean }; value: boolean }[] = [];
  let trunk: LayersModel | null = null;
  try {
    // ---- data -------------------------------------------------------------------------------------
    const trainSource = await openDataset(trainPath, { split: 'train', preprocessing });
    const evalSource = evalPath ? await openDataset(evalPath, { split: 'test', preprocessing }) : null;
    let train: ExampleSet;
    let evalSet: ExampleSet;
    let numClasses: number;
    let dim: number;
    let kernel: Float32Array; // [D, C]
    let bias: Float32Array | null;
    try {
      if (checkpoint.kind === 'head') {
        const h = checkpoint.head;
        for (const source of evalSource ? [trainSource, evalSource] : [trainSource]) {
          if (!source.isFeatures) {
            throw new LongtailError(ErrorCode.ShapeMismatch, `${modelPath} is a classifier head; ${source.path} holds raw inputs, not features`, { file: source.path });
          }
          const d = source.exampleShape.reduce((a, b) => a * b, 1);
          if (d !== h.dim) {
            throw new LongtailError(ErrorCode.ShapeMismatch, `${source.path} has ${d}-dimensional features but the head ${modelPath} expects ${h.dim}`, { file: source.path });
          }
        }
        progress('reading features', 0, null);
        train = await readFeatures(trainSource, ctx.signal);
        evalSet = evalSource ? await readFeatures(evalSource, ctx.signal) : train;
        numClasses = h.numClasses;
        dim = h.dim;
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
        if (settings.scope === 'head') {
          // Frozen embeddings through the output cache (the same entries `analyse` uses).
          const classifier = await loadClassifierModel(modelPath);
          try {
            const embed = async (source: DatasetSource): Promise<ExampleSet> => {
              const cached = await cachedModelOutputs(classifier, source, { workspaceDir: workspace, signal: ctx.signal, progressToken: token, onProgress: ctx.onProgress });
              const out = await cached.load();
              return { x: out.embeddings, shape: [out.embeddingDim], labels: await source.readLabels() };
            };
            progress('computing embeddings', 0, null);
            train = await embed(trainSource);
            evalSet = evalSource ? await embed(evalSource) : train;
          } finally {
            await classifier.dispose();
          }
        } else {
          progress('reading training data', 0, null);
          const all = await readAllExamples(trainSource, { maxBytes: maxInMemoryBytes, signal: ctx.signal });
          train = { x: all.x, shape: all.exampleShape, labels: all.labels };
          if (evalSource) {
            const e = await readAllExamples(evalSource, { maxBytes: maxInMemoryBytes, signal: ctx.signal });
            evalSet = { x: e.x, shape: e.exampleShape, labels: e.labels };
          } else {
            evalSet = train;
          }
        }
      }
    } finally {
      await trainSource.close();
      await evalSource?.close();
    }
    if (train.labels.length === 0) throw new LongtailError(ErrorCode.EmptyDataset, `${trainPath}: no training examples`, { file: trainPath });
    for (const set of [train, evalSet]) {
      const bad = set.labels.find((y) => y < 0 || y >= numClasses);
      if (bad !== undefined) {
        throw new LongtailError(ErrorCode.InvalidLabels, `label ${bad} is outside the model's ${numClasses} classes`, { file: set === train ? trainPath : (evalPath ?? trainPath) });
      }
    }
    const counts = countLabels(train.labels, numClasses);
    const loss: TrainingLoss = createLoss(params.loss, params.lossOptions ?? {}, counts);
    const buckets = assignBuckets(counts, manyThreshold, fewThreshold);
    const cosine = loss.logitKind === 'cosine';
    if (cosine) notes.push('cosine logits (normalised embeddings and class weights, no bias) during training; saved classifier = ŵ_y · s / mean‖φ‖ with zero bias (same argmax)');
    if (loss.usesEmbeddings && settings.scope === 'head') {
      notes.push('head scope: the embedding term of the loss is computed on frozen embeddings and has no gradient path; only the logit term trains the classifier');
    }

    // ---- parameters -------------------------------------------------------------------------------
    const K = tf.tidy(() => tf.variable(tf.tensor2d(kernel, [dim, numClasses]), true, 'finetune_kernel'));
    variables.push(K);
    const B = bias ? tf.tidy(() => tf.variable(tf.tensor1d(bias), !cosine, 'finetune_bias')) : null;
    if (B) variables.push(B);
    const trained: Variable[] = B && !cosine ? [K, B] : [K];
    const trainedNames = ['classifier kernel', ...(B && !cosine ? ['classifier bias'] : [])];
    if (checkpoint.kind === 'layers' && settings.scope !== 'head') {
      const { model, denseIndex } = checkpoint;
      const chosen = trainableTrunkLayers(model, denseIndex, settings.scope);
      model.layers.forEach((layer, i) => {
        restoreTrainable.push({ layer, value: layer.trainable });
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

    const embedBatch = (x: Tensor): Tensor2D => (trunk ? (trunk.apply(x, { training: false }) as Tensor2D) : (x as Tensor2D));
    const logitsOf = (emb: Tensor2D): Tensor2D => {
      if (cosine) {
        return tf.matMul(l2Normalize(emb, 1), l2Normalize(K as Tensor2D, 0));
      }
      const z = tf.matMul(emb, K);
      return (B ? tf.add(z, B) : z) as Tensor2D;
    };
    const inputTensor = (x: Float32Array, n: number, shape: readonly number[]): Tensor => tf.tensor(x, [n, ...shape], 'float32');

    const evaluate = async (set: ExampleSet): Promise<Pick<FineTuneEpoch, 'balancedError' | 'buckets'>> => {
      const n = set.labels.length;
      const predictions = new Int32Array(n);
      for (let lo = 0; lo < n; lo += evalBatch) {
        const hi = Math.min(n, lo + evalBatch);
        const { x } = batchOf(set, null, lo, hi);
        const pred = tf.tidy(() => tf.argMax(logitsOf(embedBatch(inputTensor(x, hi - lo, set.shape))), 1));
        predictions.set(await pred.data(), lo);
        pred.dispose();
        await yieldAndCheck(ctx.signal);
      }
      return scoreEpoch(predictions, set.labels, numClasses, buckets);
    };

    // ---- training loop ----------------------------------------------------------------------------
    optimizer = settings.optimizer === 'sgd' ? tf.train.momentum(settings.learningRate, 0.9) : tf.train.adam(settings.learningRate);
    const sampleRandom = mulberry32(settings.seed);
    const lossRandom = mulberry32((settings.seed ^ 0x9e3779b9) >>> 0);
    const byClass = indicesByClass(train.labels, numClasses);
    const n = train.labels.length;
    const stepsPerEpoch = Math.ceil(n / settings.batchSize);
    const totalSteps = stepsPerEpoch * settings.epochs;
    const history: FineTuneEpoch[] = [];
    const rateAt = (t: number): number =>
      settings.lrSchedule === 'cosine' ? settings.learningRate * 0.5 * (1 + Math.cos((Math.PI * t) / totalSteps)) : settings.learningRate;
    const trainStarted = performance.now();
    let stepCount = 0;
    for (let epoch = 0; epoch < settings.epochs; epoch++) {
      const epochStarted = performance.now();
      const order = epochOrder(train.labels, byClass, settings.sampler, sampleRandom);
      let lossSum = 0;
      const epochRate = rateAt(stepCount);
      for (let s = 0; s < stepsPerEpoch; s++) {
        await yieldAndCheck(ctx.signal);
        if (settings.lrSchedule !== 'constant') {
          const rate = rateAt(stepCount);
          // (instanceof cannot tell tfjs optimizers apart: Optimizer overrides Symbol.hasInstance.)
          if (settings.optimizer === 'sgd') (optimizer as MomentumOptimizer).setLearningRate(rate);
          else (optimizer as AdamOptimizer & { learningRate: number }).learningRate = rate;
        }
        const lo = s * settings.batchSize;
        const hi = Math.min(n, lo + settings.batchSize);
        const batch = batchOf(train, order, lo, hi);
        const opt = optimizer;
        const cost = tf.tidy(() => {
          const xs = inputTensor(batch.x, hi - lo, train.shape);
          const oneHot = tf.oneHot(tf.tensor1d(batch.labels, 'int32'), numClasses).toFloat() as Tensor2D;
          return opt.minimize(
            () => {
              const emb = embedBatch(xs);
              let value = loss.compute({ logits: logitsOf(emb), oneHot, embeddings: emb }, { epoch, epochs: settings.epochs, random: lossRandom });
              if (settings.weightDecay > 0) {
                const squares = trained.map((v) => tf.sum(tf.square(v)));
                value = tf.add(value, tf.mul(tf.addN(squares), 0.5 * settings.weightDecay)) as Scalar;
              }
              return value;
            },
            true,
            trained,
          ) as Scalar;
        });
        lossSum += (await cost.data())[0];
        cost.dispose();
        stepCount++;
        progress(`epoch ${epoch + 1}/${settings.epochs}`, stepCount, totalSteps, `loss ${(lossSum / (s + 1)).toFixed(4)}`);
      }
      const meanLoss = lossSum / stepsPerEpoch;
      if (!Number.isFinite(meanLoss)) {
        throw new LongtailError(ErrorCode.NonFinite, `training diverged in epoch ${epoch + 1} (loss ${meanLoss}); lower the learning rate`);
      }
      const scored = await evaluate(evalSet);
      const record: FineTuneEpoch = {
        epoch: epoch + 1,
        loss: meanLoss,
        ...scored,
        learningRate: epochRate,
        seconds: (performance.now() - epochStarted) / 1000,
      };
      history.push(record);
      progress(`epoch ${epoch + 1}/${settings.epochs}`, stepCount, totalSteps, `loss ${meanLoss.toFixed(4)}, balanced error ${(100 * record.balancedError).toFixed(2)}%`);
      ctx.onEpochEnd?.(record);
    }
    const trainSeconds = (performance.now() - trainStarted) / 1000;

    // ---- final classifier -------------------------------------------------------------------------
    let finalKernel = (await K.data()) as Float32Array;
    let finalBias = B ? ((await B.data()) as Float32Array) : null;
    if (cosine) {
      let normSum = 0;
      for (let lo = 0; lo < n; lo += evalBatch) {
        const hi = Math.min(n, lo + evalBatch);
        const { x } = batchOf(train, null, lo, hi);
        const t = tf.tidy(() => tf.sum(tf.norm(embedBatch(inputTensor(x, hi - lo, train.shape)), 'euclidean', 1)));
        normSum += (await t.data())[0];
        t.dispose();
      }
      const scale = (loss.options.scale ?? 1) / Math.max(normSum / n, 1e-12);
      const scaled = tf.tidy(() => tf.mul(l2Normalize(K as Tensor2D, 0), scale));
      finalKernel = (await scaled.data()) as Float32Array;
      scaled.dispose();
      finalBias = finalBias ? new Float32Array(finalBias.length) : null;
    }
    for (const r of restoreTrainable) r.layer.trainable = r.value;
    throwIfCancelled(ctx.signal);

    // ---- outputs ----------------------------------------------------------------------------------
    const checkpointName = checkpoint.kind === 'head' ? path.basename(modelPath) : 'model.json';
    const result = await writeDirAtomic(outDir, async (tmp) => {
      const tmpCheckpoint = path.join(tmp, checkpointName);
      if (checkpoint.kind === 'head') {
        const weightRows = new Float32Array(numClasses * dim);
        for (let y = 0; y < numClasses; y++) for (let k = 0; k < dim; k++) weightRows[y * dim + k] = finalKernel[k * numClasses + y];
        await writeHeadFile(checkpoint.head, weightRows, finalBias, tmpCheckpoint);
      } else {
        const dense = checkpoint.model.layers[checkpoint.denseIndex];
        const weights = [tf.tensor2d(finalKernel, [dim, numClasses]), ...(finalBias ? [tf.tensor1d(finalBias)] : [])];
        dense.setWeights(weights);
        weights.forEach((t) => t.dispose());
        await saveLayersModel(checkpoint.model, tmp);
      }
      const training = {
        generatedBy: `Long-Tail Lens ${longtailVersion}`,
        input: { model: modelPath, format: checkpoint.kind === 'head' ? `head (${path.extname(modelPath).slice(1)})` : 'layers-model' },
        loss: { name: loss.name, options: loss.options, logits: loss.logitKind },
        scope: settings.scope,
        sampler: settings.sampler,
        optimizer: settings.optimizer === 'sgd' ? 'sgd (momentum 0.9)' : 'adam',
        learningRate: settings.learningRate,
        lrSchedule: settings.lrSchedule,
        batchSize: settings.batchSize,
        epochs: settings.epochs,
        weightDecay: settings.weightDecay,
        seed: settings.seed,
        backend: ctx.backend,
        data: { train: { path: trainPath, examples: train.labels.length }, eval: { path: evalPath ?? trainPath, examples: evalSet.labels.length, isTrain: evalPath === null } },
        trainCounts: counts,
        thresholds: { many: manyThreshold, few: fewThreshold },
        trainedWeights: trainedNames,
        notes,
        seconds: trainSeconds,
        history,
      };
      await fs.writeFile(path.join(tmp, 'training.json'), JSON.stringify(training, null, 2));
      progress('analysing the fine-tuned checkpoint', 0, null);
      const tmpReport = path.join(tmp, 'report.json');
      const analysed = await analyseCheckpoint(
        { model: tmpCheckpoint, eval: evalPath ?? trainPath, train: trainPath, report: tmpReport, workspace, headKey, manyThreshold, fewThreshold },
        { backend: ctx.backend, signal: ctx.signal },
      );
      // The report names the checkpoint where it will live, not the temporary folder.
      const report = JSON.parse(await fs.readFile(tmpReport, 'utf8')) as { model: { path: string } };
      report.model.path = path.join(outDir, checkpointName);
      await fs.writeFile(tmpReport, JSON.stringify(report, null, 1));
      return analysed.result;
    });
    return {
      result: {
        outDir,
        checkpointPath: path.join(outDir, checkpointName),
        trainingPath: path.join(outDir, 'training.json'),
        reportPath: path.join(outDir, 'report.json'),
        balancedError: result.balancedError,
        top1Error: result.top1Error,
        buckets: result.buckets,
        bestTau: result.bestTau,
        bestTauBalancedError: result.bestTauBalancedError,
        history,
        seconds: (performance.now() - started) / 1000,
      },
    };
  } finally {
    for (const r of restoreTrainable) r.layer.trainable = r.value;
    optimizer?.dispose();
    // tfjs 4.22's MomentumOptimizer.dispose() forgets the learning-rate scalar of its SGD base class.
    (optimizer as unknown as { c?: Tensor } | null)?.c?.dispose();
    variables.forEach((v) => v.dispose());
    if (checkpoint.kind === 'layers') checkpoint.model.dispose();
  }
}
