/**
 * The write step of fine-tuning: a new folder, filled atomically (writeDirAtomic: cancellation or failure
 * leaves nothing), with the checkpoint in the input's format, training.json (settings, data, per-epoch
 * history) and report.json (the full analysis of the new checkpoint, naming it where it will live).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { AnalyseResult } from '../../protocol/analysisParams';
import type { FineTuneEpoch } from '../../protocol/fineTuneParams';
import type { PreprocessingOptions } from '../../protocol/preprocessing';
import type { CancellationSignal } from '../../protocol/progress';
import { tf } from '../compute/tf';
import type { TrainingLoss } from '../losses/trainingLoss';
import { writeDirAtomic } from '../output/atomicOutput';
import { saveLayersModel } from '../output/saveLayersModel';
import { analyseCheckpoint } from '../pipeline/analyseCheckpoint';
import type { PhaseReporter } from '../pipeline/runInputs';
import { longtailVersion } from '../version';
import type { FineTuneCheckpoint } from './fineTuneCheckpoint';
import type { FineTuneData } from './fineTuneData';
import type { ResolvedFineTuneSettings } from './fineTuneSettings';
import { writeHeadFile } from './headFileWriter';
import { layersModelWithAdapter } from './layersAdapterModel';
import { onnxWithTrainedHead } from './onnxAdapterExport';
import type { TensorArray } from '../io/tensorArray';
import { adapterDownKey, adapterUpKey, type HeadAdapter } from '../pipeline/headAdapter';

/** Everything the outputs record. */
export interface FineTuneOutputs {
  readonly outDir: string;
  readonly modelPath: string;
  readonly trainPath: string;
  readonly evalPath: string | null;
  readonly workspace: string;
  readonly headKey: string | undefined;
  /** Image root of list files and iNaturalist JSON, for the analysis of the new checkpoint as for training. */
  readonly root?: string;
  /** The run's preprocessing overrides (flags), applied over longtail.json by that analysis as by training. */
  readonly preprocessing?: PreprocessingOptions;
  readonly thresholds: { readonly many: number; readonly few: number };
  readonly checkpoint: FineTuneCheckpoint;
  readonly data: FineTuneData;
  /** The trained classifier: kernel `[D, C]` row-major and bias `[C]` (or null). */
  readonly final: { readonly kernel: Float32Array; readonly bias: Float32Array | null; readonly adapter: HeadAdapter | null };
  readonly loss: TrainingLoss;
  readonly settings: ResolvedFineTuneSettings;
  readonly counts: number[];
  readonly trainedNames: readonly string[];
  readonly notes: readonly string[];
  readonly history: readonly FineTuneEpoch[];
  readonly trainSeconds: number;
  readonly backend: string;
}

/** A trained adapter as the head file's extra arrays (float32, PyTorch nn.Linear layout; pipeline/headAdapter.ts). */
function adapterArrays(adapter: HeadAdapter | null): TensorArray[] {
  if (!adapter) return [];
  return [
    { name: adapterDownKey, dtype: 'float32', shape: [adapter.hidden, adapter.dim], data: adapter.down },
    { name: adapterUpKey, dtype: 'float32', shape: [adapter.dim, adapter.hidden], data: adapter.up },
  ];
}

/** The checkpoint's file name in the output folder: the head file's own name, or model.json. */
export function fineTuneCheckpointName(checkpoint: FineTuneCheckpoint, modelPath: string): string {
  return checkpoint.kind === 'head' || checkpoint.kind === 'onnx' ? path.basename(modelPath) : 'model.json';
}

/**
 * Writes the output folder `o.outDir` and returns the analysis headline of the new checkpoint. A LayersModel
 * checkpoint gets the trained classifier weights set in place before it is saved.
 */
export async function writeFineTuneOutputs(o: FineTuneOutputs, ctx: { readonly signal?: CancellationSignal; readonly progress: PhaseReporter }): Promise<AnalyseResult> {
  const { checkpoint, settings, loss, data, modelPath, trainPath, evalPath, outDir } = o;
  const { numClasses, dim } = data;
  const checkpointName = fineTuneCheckpointName(checkpoint, modelPath);
  return writeDirAtomic(outDir, async (tmp) => {
    const tmpCheckpoint = path.join(tmp, checkpointName);
    if (checkpoint.kind === 'head') {
      const weightRows = new Float32Array(numClasses * dim);
      for (let y = 0; y < numClasses; y++) for (let k = 0; k < dim; k++) weightRows[y * dim + k] = o.final.kernel[k * numClasses + y];
      await writeHeadFile(checkpoint.head, weightRows, o.final.bias, tmpCheckpoint, adapterArrays(o.final.adapter));
    } else if (checkpoint.kind === 'onnx') {
      await fs.writeFile(tmpCheckpoint, onnxWithTrainedHead(checkpoint.bytes, checkpoint.embeddingName, o.final.kernel, o.final.bias, dim, o.final.adapter), { flag: 'wx' });
    } else if (o.final.adapter) {
      const adapted = layersModelWithAdapter(checkpoint.model, checkpoint.denseIndex, o.final.adapter, o.final.kernel, o.final.bias);
      try {
        await saveLayersModel(adapted, tmp);
      } finally {
        // The new layers' weights; the trunk's layers belong to the checkpoint, disposed by the caller.
        for (const layer of adapted.layers) if (!checkpoint.model.layers.includes(layer)) layer.dispose();
      }
    } else {
      const dense = checkpoint.model.layers[checkpoint.denseIndex];
      const weights = [tf.tensor2d(o.final.kernel, [dim, numClasses]), ...(o.final.bias ? [tf.tensor1d(o.final.bias)] : [])];
      dense.setWeights(weights);
      weights.forEach((t) => t.dispose());
      await saveLayersModel(checkpoint.model, tmp);
    }
    const training = {
      generatedBy: `Long-Tail Lens ${longtailVersion}`,
      input: { model: modelPath, format: checkpoint.kind === 'head' ? `head (${path.extname(modelPath).slice(1)})` : checkpoint.kind === 'onnx' ? 'onnx' : 'layers-model' },
      loss: { name: loss.name, options: loss.options, logits: loss.logitKind },
      scope: settings.scope,
      ...(o.final.adapter
        ? { adapter: { formula: "z' = z + U·relu(A·z); the classifier reads z'", keys: { A: adapterDownKey, U: adapterUpKey }, hidden: o.final.adapter.hidden, dim: o.final.adapter.dim } }
        : {}),
      sampler: settings.sampler,
      optimizer: settings.optimizer === 'sgd' ? 'sgd (momentum 0.9)' : 'adam',
      learningRate: settings.learningRate,
      lrSchedule: settings.lrSchedule,
      batchSize: settings.batchSize,
      epochs: settings.epochs,
      weightDecay: settings.weightDecay,
      seed: settings.seed,
      backend: o.backend,
      data: { train: { path: trainPath, examples: data.train.labels.length }, eval: { path: evalPath ?? trainPath, examples: data.evalSet.labels.length, isTrain: evalPath === null } },
      trainCounts: o.counts,
      thresholds: { many: o.thresholds.many, few: o.thresholds.few },
      trainedWeights: o.trainedNames,
      notes: o.notes,
      seconds: o.trainSeconds,
      history: o.history,
    };
    await fs.writeFile(path.join(tmp, 'training.json'), JSON.stringify(training, null, 2));
    ctx.progress('analysing the fine-tuned checkpoint', 0, null);
    const tmpReport = path.join(tmp, 'report.json');
    const analysed = await analyseCheckpoint(
      { model: tmpCheckpoint, eval: evalPath ?? trainPath, train: trainPath, report: tmpReport, workspace: o.workspace, headKey: o.headKey, root: o.root, preprocessing: o.preprocessing, manyThreshold: o.thresholds.many, fewThreshold: o.thresholds.few, storedLogits: 'ignore', probe: false },
      { backend: o.backend, signal: ctx.signal },
    );
    // The report names the checkpoint where it will live, not the temporary folder.
    const report = JSON.parse(await fs.readFile(tmpReport, 'utf8')) as { model: { path: string } };
    report.model.path = path.join(outDir, checkpointName);
    await fs.writeFile(tmpReport, JSON.stringify(report, null, 1));
    return analysed.result;
  });
}
