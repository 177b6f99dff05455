/**
 * The analysis pipeline behind "Analyse long-tail checkpoint" and `longtail analyse`: open the
 * checkpoint and the datasets, compute (or load from the cache) eval embeddings and logits, count
 * training labels, build report.json v1 and write it atomically into a new run folder.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { AnalyseParams, AnalyseResult } from '../../protocol/analysisParams';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { CancellationSignal, ProgressSink } from '../../protocol/progress';
import type { Report, ReportProvenance } from '../../protocol/report';
import { buildReportAsync } from '../analysis/buildReport';
import type { DiagnosticsInput, MultiplyABt } from '../analysis/types';
import { tf } from '../compute/tf';
import { tfMultiplyABt } from '../compute/tfMultiplyABt';
import { throwIfCancelled, yieldAndCheck } from '../cancellation';
import { countLabels, readClassCounts } from '../data/classCounts';
import { readClassNamesFile } from '../data/classNames';
import { openDataset } from '../data/openDataset';
import { loadHeadCheckpoint } from '../io/headCheckpoint';
import { reportDeviceFields } from '../compute/runDevice';
import { loadClassifierModel } from '../model/loadClassifierModel';
import { writeFileAtomic } from '../output/atomicOutput';
import { longtailVersion } from '../version';
import { datasetOutputs } from './datasetOutputs';
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

/**
 * Runs the analysis described by `params`. Large products (head logits, centroid Gram matrix, τ-norm
 * scores, PCA) run on the TF.js backend, unless it is the pure-JS cpu backend, where the float64 JS
 * kernel is faster.
 */
export async function analyseCheckpoint(params: AnalyseParams, ctx: AnalyseContext): Promise<AnalyseOutcome> {
  // webgpu: the JS kernel too — MultiplyABt is synchronous and WebGPU has no synchronous readback under Node.
  const kernel = ctx.backend === 'cpu' || ctx.backend === 'webgpu' ? null : tfMultiplyABt(tf);
  try {
    return await analyseWith(params, ctx, kernel?.multiply);
  } finally {
    kernel?.dispose();
  }
}

async function analyseWith(params: AnalyseParams, ctx: AnalyseContext, multiply: MultiplyABt | undefined): Promise<AnalyseOutcome> {
  const { started, workspace, config, modelPath, preprocessing, headKey, thresholds, progress: report } = await resolveRunInputs(params, ctx.onProgress);
  const evalPath = path.resolve(params.eval);
  const classNamesFile = params.classNames ?? (config.classNames ? path.resolve(workspace, config.classNames) : undefined);

  report('opening inputs', 0, null);
  const evalSource = await openDataset(evalPath, { split: 'test', preprocessing, classNamesFile });
  try {
    let logits: Float32Array;
    let labels: Int32Array;
    let embeddings: Float32Array | null;
    let head: DiagnosticsInput['head'] = null;
    let modelFormat: string;
    let embeddingDim: number | null;
    let numClasses: number;
    let fromCache = false;

    if (isHeadCheckpointPath(modelPath)) {
      // A classifier head from any framework, applied to a features dataset.
      const h = await loadHeadCheckpoint(modelPath, { headKey });
      assertFeaturesForHead(evalSource, evalPath, h, modelPath);
      report('reading features', 0, evalSource.size);
      const all = await readFeatures(evalSource, ctx.signal);
      report('computing logits', evalSource.size, evalSource.size);
      logits = headLogits(all.x, evalSource.size, all.dim, h.weight, h.bias, h.numClasses, multiply);
      labels = all.labels;
      embeddings = all.x;
      head = { weight: h.weight, bias: h.bias };
      modelFormat = `head (${path.extname(modelPath).slice(1)}: ${h.weightKey}${h.biasKey ? `, ${h.biasKey}` : ''})`;
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
      } finally {
        await model.dispose();
      }
    }
    throwIfCancelled(ctx.signal);

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
      const trainSource = await openDataset(trainPath, { split: 'train', preprocessing, classNamesFile });
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
      throw new LongtailError(ErrorCode.ShapeMismatch, `${classNames.length} class names for ${numClasses} classes`, { file: classNamesFile ?? evalPath });
    }

    report('computing diagnostics', 0, null);
    await yieldAndCheck(ctx.signal);
    const provenance: ReportProvenance = {
      model: { path: modelPath, format: modelFormat, sha256: await sha256File(modelPath), embeddingDim },
      data: {
        eval: { path: evalPath, format: evalSource.format, examples: evalSource.size, ...(evalSource.classOrder ? { classOrder: evalSource.classOrder } : {}) },
        train: trainInfo,
        classCountsSource: countsSource,
      },
      preprocessing: evalSource.preprocessing,
      engine: { version: longtailVersion, backend: ctx.backend, ...reportDeviceFields(modelFormat) },
    };
    const built = await buildReportAsync({ numClasses, logits, labels, trainCounts, classNames, embeddings, head }, provenance, {
        manyThreshold: thresholds.many,
        fewThreshold: thresholds.few,
        confusionMatrixLimit: params.confusionMatrixLimit,
        valFraction: params.valFraction,
        splitSeed: params.seed,
        multiplyABt: multiply,
        signal: ctx.signal,
      });
    throwIfCancelled(ctx.signal);

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
