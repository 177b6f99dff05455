/**
 * The analysis pipeline behind "Analyse long-tail checkpoint" and `longtail analyse`: open the
 * checkpoint and the datasets, compute (or load from the cache) eval embeddings and logits, count
 * training labels, build report.json v1 and write it atomically into a new run folder. Without a model the
 * eval file's stored logits are analysed (everything that needs no weights or embeddings); with a model,
 * stored logits must agree with the model's (assertStoredLogitsAgree).
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { AnalyseParams, AnalyseResult } from '../../protocol/analysisParams';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { CancellationSignal, ProgressSink } from '../../protocol/progress';
import type { PreprocessingProbeResult } from '../../protocol/preprocessing';
import type { Report, ReportProvenance } from '../../protocol/report';
import { buildReportAsync } from '../analysis/buildReport';
import { defaultUmapMaxPoints } from '../analysis/umapProjection';
import type { DiagnosticsInput, MultiplyABt } from '../analysis/types';
import { tf } from '../compute/tf';
import { productService } from '../compute/productService';
import { serviceMultiplyABt } from '../compute/serviceMultiplyABt';
import { tfMultiplyABt } from '../compute/tfMultiplyABt';
import { throwIfCancelled, yieldAndCheck } from '../cancellation';
import { countLabels, readClassCounts } from '../data/classCounts';
import { readClassNamesFile } from '../data/classNames';
import { openDataset } from '../data/openDataset';
import { loadHeadCheckpoint } from '../io/headCheckpoint';
import { reportDeviceFields } from '../compute/runDevice';
import { loadClassifierModel } from '../model/loadClassifierModel';
import { writeFileAtomic } from '../output/atomicOutput';
import { probePreprocessing } from '../preprocessing/preprocessingProbe';
import { longtailVersion } from '../version';
import { datasetOutputs } from './datasetOutputs';
import { adapterDownKey, adapterUpKey, applyHeadAdapter, readHeadAdapter } from './headAdapter';
import { assertFeaturesForHead, headLogits, isHeadCheckpointPath, readFeatures } from './headInputs';
import { resolveRunInputs } from './runInputs';

/** Where the pipeline reports to and what it runs on. */
export interface AnalyseContext {
  readonly backend: string;
  /** `--threads` / `longtail.threads` (0 = default), for onnxruntime sessions. */
  readonly threads?: number;
  readonly signal?: CancellationSignal;
  readonly onProgress?: ProgressSink;
}

/** A finished analysis: the report and its headline. */
export interface AnalyseOutcome {
  readonly report: Report;
  readonly result: AnalyseResult;
}

/** A new run folder name: UTC time stamp, unique within the runs folder. */
async function newRunDir(workspace: string): Promise<string> {
  const runs = path.join(workspace, '.longtail', 'runs');
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  for (let i = 0; ; i++) {
    const dir = path.join(runs, i === 0 ? stamp : `${stamp}-${i}`);
    try {
      await fs.access(dir);
    } catch {
      return dir;
    }
  }
}

async function sha256File(file: string): Promise<string | undefined> {
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) return undefined;
    return createHash('sha256').update(await fs.readFile(file)).digest('hex');
  } catch {
    return undefined;
  }
}

/** Relative tolerance of {@link assertStoredLogitsAgree}: |model − stored| ≤ 1e-3·max(1, |stored|) per entry. */
export const storedLogitsTolerance = 1e-3;

/**
 * A dataset's stored logits `[N, C]` must be the model's: the same C (else {@link ErrorCode.ShapeMismatch})
 * and every entry within |f − s| ≤ 1e-3·max(1, |s|) (else {@link ErrorCode.InvalidFile}), so a report never
 * silently describes other outputs than the ones stored with the features. Both errors name the dataset.
 */
export function assertStoredLogitsAgree(
  stored: { readonly data: Float32Array; readonly numClasses: number },
  modelLogits: Float32Array,
  numClasses: number,
  datasetPath: string,
  modelPath: string,
): void {
  if (stored.numClasses !== numClasses || stored.data.length !== modelLogits.length) {
    throw new LongtailError(ErrorCode.ShapeMismatch, `${datasetPath}: its stored 'logits' have ${stored.numClasses} classes but the model ${modelPath} has ${numClasses}`, { file: datasetPath });
  }
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < stored.data.length; i++) {
    const s = stored.data[i];
    const excess = Math.abs(modelLogits[i] - s) / Math.max(1, Math.abs(s));
    if (excess > worstExcess) {
      worstExcess = excess;
      worst = i;
    }
  }
  if (worstExcess > storedLogitsTolerance) {
    const row = Math.floor(worst / numClasses);
    const col = worst % numClasses;
    throw new LongtailError(
      ErrorCode.InvalidFile,
      `${datasetPath}: its stored 'logits' disagree with the model ${modelPath} (example ${row}, class ${col}: stored ${stored.data[worst]}, model ${modelLogits[worst]}; tolerance 1e-3·max(1, |stored|)); drop the logits array, or analyse the stored logits alone without --model`,
      { file: datasetPath },
    );
  }
}

/**
 * Runs the analysis described by `params`. Large products (head logits, centroid Gram matrix, τ-norm
 * scores, PCA) run on onnxruntime's native kernels (compute/productService.ts) on the CPU backends, on
 * the GPU with CUDA, and in the float64 JS kernel on the pure-JS cpu backend and on WebGPU.
 */
export async function analyseCheckpoint(params: AnalyseParams, ctx: AnalyseContext): Promise<AnalyseOutcome> {
  // webgpu: the JS kernel too — MultiplyABt is synchronous and WebGPU has no synchronous readback under Node.
  // CUDA keeps its GPU kernel; on the CPU backends (wasm, native) the native product service serves them.
  const kernel =
    ctx.backend === 'cpu' || ctx.backend === 'webgpu'
      ? null
      : ctx.backend === 'gpu'
        ? tfMultiplyABt(tf)
        : serviceMultiplyABt(await productService({ threads: ctx.threads }));
  try {
    return await analyseWith(params, ctx, kernel?.multiply);
  } finally {
    kernel?.dispose();
  }
}

async function analyseWith(params: AnalyseParams, ctx: AnalyseContext, multiply: MultiplyABt | undefined): Promise<AnalyseOutcome> {
  // No model: the eval file's stored logits are the model's outputs (logits-only analysis).
  const logitsOnly = params.model === undefined || params.model === '';
  const { started, workspace, config, modelPath, preprocessing, headKey, thresholds, progress: report } = await resolveRunInputs(
    { ...params, model: logitsOnly ? params.eval : (params.model as string) },
    ctx.onProgress,
  );
  const evalPath = path.resolve(params.eval);
  const classNamesFile = params.classNames ?? (config.classNames ? path.resolve(workspace, config.classNames) : undefined);

  report('opening inputs', 0, null);
  const root = params.root ? path.resolve(params.root) : undefined;
  const evalSource = await openDataset(evalPath, { split: 'test', preprocessing, classNamesFile, root, signal: ctx.signal });
  try {
    let logits: Float32Array;
    let labels: Int32Array;
    let embeddings: Float32Array | null;
    let head: DiagnosticsInput['head'] = null;
    let modelFormat: string;
    let embeddingDim: number | null;
    let numClasses: number;
    let fromCache = false;
    let probe: PreprocessingProbeResult | null = null;

    if (logitsOnly) {
      const stored = evalSource.storedLogits;
      if (!stored) {
        throw new LongtailError(
          ErrorCode.InvalidOption,
          `${evalPath} holds no 'logits' array; give a model (--model), or an eval file (.npz/.safetensors) with logits [N, C] and labels [N]`,
          { file: evalPath },
        );
      }
      logits = stored.data;
      labels = await evalSource.readLabels();
      embeddings = null;
      modelFormat = `logits stored in the eval file (${evalSource.format}); no model, so no weight norms, tightness, τ-normalisation or projection`;
      embeddingDim = null;
      numClasses = stored.numClasses;
    } else if (isHeadCheckpointPath(modelPath)) {
      // A classifier head from any framework, applied to a features dataset.
      const h = await loadHeadCheckpoint(modelPath, { headKey });
      assertFeaturesForHead(evalSource, evalPath, h, modelPath);
      report('reading features', 0, evalSource.size);
      const all = await readFeatures(evalSource, ctx.signal);
      // A fine-tune's adapter (adapter scope) maps the features to the embeddings the head reads.
      const adapter = await readHeadAdapter(modelPath, h.dim);
      const x = adapter ? applyHeadAdapter(all.x, evalSource.size, adapter) : all.x;
      report('computing logits', evalSource.size, evalSource.size);
      logits = headLogits(x, evalSource.size, all.dim, h.weight, h.bias, h.numClasses, multiply);
      labels = all.labels;
      embeddings = x;
      head = { weight: h.weight, bias: h.bias };
      modelFormat = `head (${path.extname(modelPath).slice(1)}: ${h.weightKey}${h.biasKey ? `, ${h.biasKey}` : ''}${adapter ? `; residual adapter ${adapterDownKey} [${adapter.hidden}, ${h.dim}], ${adapterUpKey}` : ''})`;
      embeddingDim = h.dim;
      numClasses = h.numClasses;
    } else {
      const model = await loadClassifierModel(modelPath, { embeddingNode: params.embeddingNode ?? config.embeddingNode, threads: ctx.threads });
      try {
        const outputs = await datasetOutputs(model, evalSource, { workspace, batchSize: params.batchSize, signal: ctx.signal, progressToken: params.progressToken, onProgress: ctx.onProgress });
        fromCache = outputs.fromCache;
        logits = outputs.logits;
        embeddings = outputs.embeddings;
        labels = outputs.labels;
        head = model.head ? { weight: model.head.weight, bias: model.head.bias } : null;
        modelFormat = model.format;
        embeddingDim = model.embeddingDim;
        numClasses = model.numClasses;
        if (params.probe !== false && !evalSource.isFeatures) {
          report('probing preprocessing presets', 0, null);
          const trainPath = params.classCounts ? null : path.resolve(params.train ?? params.eval);
          probe = await probePreprocessing({
            model,
            openEval: (p) => openDataset(evalPath, { split: 'test', preprocessing: p, classNamesFile, root, signal: ctx.signal }),
            openTrain: trainPath ? (p) => openDataset(trainPath, { split: 'train', preprocessing: p, classNamesFile, root, signal: ctx.signal }) : null,
            configured: preprocessing,
            sampleSize: params.probeSampleSize,
            seed: params.seed ?? 0,
            signal: ctx.signal,
          });
        }
      } finally {
        await model.dispose();
      }
    }
    throwIfCancelled(ctx.signal);
    if (!logitsOnly && evalSource.storedLogits && params.storedLogits !== 'ignore') assertStoredLogitsAgree(evalSource.storedLogits, logits, numClasses, evalPath, modelPath);

    // Training class counts: a counts file, or the labels of the training set (or split).
    report('counting training labels', 0, null);
    let trainCounts: number[];
    let trainInfo: ReportProvenance['data']['train'] = null;
    let countsSource: string;
    if (params.classCounts) {
      trainCounts = await readClassCounts(path.resolve(params.classCounts));
      countsSource = `class counts file ${path.resolve(params.classCounts)}`;
    } else {
      const trainPath = path.resolve(params.train ?? params.eval);
      const trainSource = await openDataset(trainPath, { split: 'train', preprocessing, classNamesFile, root, signal: ctx.signal });
      try {
        const trainLabels = await trainSource.readLabels();
        trainCounts = countLabels(trainLabels, Math.max(numClasses, trainSource.numClasses ?? 0));
        trainInfo = { path: trainPath, format: trainSource.format, examples: trainSource.size };
        countsSource = `labels of ${trainPath}`;
      } finally {
        await trainSource.close();
      }
    }
    if (trainCounts.length !== numClasses) {
      throw new LongtailError(
        ErrorCode.ShapeMismatch,
        `the model has ${numClasses} classes but the class counts (${countsSource}) have ${trainCounts.length}`,
        { file: params.classCounts ?? params.train },
      );
    }
    let classNames = evalSource.classNames ?? undefined;
    if (classNamesFile) classNames = await readClassNamesFile(path.resolve(classNamesFile));
    if (classNames && classNames.length !== numClasses) {
      // Blame the names file when the user gave one (its count is what disagrees with the model), else the eval data.
      const namesFile = classNamesFile ? path.resolve(classNamesFile) : evalPath;
      throw new LongtailError(
        ErrorCode.ShapeMismatch,
        `${namesFile}: ${classNames.length} class names, but the model has ${numClasses} classes`,
        { file: namesFile },
      );
    }

    report('computing diagnostics', 0, null);
    await yieldAndCheck(ctx.signal);
    const provenance: ReportProvenance = {
      model: { path: modelPath, format: modelFormat, ...(logitsOnly ? {} : { sha256: await sha256File(modelPath) }), embeddingDim },
      data: {
        eval: { path: evalPath, format: evalSource.format, examples: evalSource.size, ...(evalSource.classOrder ? { classOrder: evalSource.classOrder } : {}) },
        train: trainInfo,
        classCountsSource: countsSource,
      },
      preprocessing: evalSource.preprocessing,
      engine: { version: longtailVersion, backend: ctx.backend, ...reportDeviceFields(modelFormat) },
    };
    const analysed = await buildReportAsync({ numClasses, logits, labels, trainCounts, classNames, embeddings, head }, provenance, {
        manyThreshold: thresholds.many,
        fewThreshold: thresholds.few,
        confusionMatrixLimit: params.confusionMatrixLimit,
        examplesPerClass: params.examplesPerClass,
        umap: { maxPoints: params.umapPoints ?? defaultUmapMaxPoints },
        valFraction: params.valFraction,
        splitSeed: params.seed,
        multiplyABt: multiply,
        signal: ctx.signal,
      });
    throwIfCancelled(ctx.signal);
    const built: Report = probe ? { ...analysed, preprocessingProbe: probe } : analysed;

    const reportPath = params.report ? path.resolve(params.report) : path.join(await newRunDir(workspace), 'report.json');
    await writeFileAtomic(reportPath, JSON.stringify(built, null, 1));
    const la = built.postHoc.logitAdjustment;
    const b = built.summary.buckets;
    return {
      report: built,
      result: {
        reportPath,
        balancedError: built.summary.balancedError,
        top1Error: built.summary.top1Error,
        buckets: { many: b.many.accuracy, medium: b.medium.accuracy, few: b.few.accuracy },
        bestTau: la.bestTau,
        bestTauBalancedError: la.bestBalancedError,
        fromCache,
        seconds: (performance.now() - started) / 1000,
      },
    };
  } finally {
    await evalSource.close();
  }
}
