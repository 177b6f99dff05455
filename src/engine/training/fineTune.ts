/**
 * Fine-tuning of a long-tail classifier with any loss of the registry (src/engine/losses/): the engine
 * behind `longtail finetune` and `training/run`. Four steps, one file each:
 *
 * 1. resolve (fineTuneSettings.ts, pipeline/runInputs.ts): defaults and checks of every parameter, the
 *    workspace's longtail.json, paths; a non-empty output folder is refused before any work.
 * 2. load (fineTuneCheckpoint.ts, fineTuneData.ts): a classifier head (.npz/.safetensors) or a TF.js
 *    LayersModel, and the examples. `scope: 'head'` trains only the final linear classifier on frozen
 *    embeddings (a LayersModel's or ONNX model's come from the output cache, a head's from a features dataset);
 *    `'adapter'` trains a residual adapter z' = z + U·relu(A·z) (U = 0 at the start) with the classifier on
 *    the same frozen embeddings, for every format, and saves it with the checkpoint (head file arrays, LayersModel
 *    layers, or nodes appended to the ONNX graph);
 *    `'last-block'` also trains the last weighted layer before the classifier (with the normalisation layers
 *    right after it); `'all'` trains every layer (LayersModel only). The trunk runs in inference mode
 *    (`training: false`: dropout off, batch-norm moving statistics used and not updated), which keeps runs
 *    deterministic.
 * 3. train (trainableClassifier.ts, trainClassifier.ts) and evaluate after every epoch
 *    (evaluateClassifier.ts). `scope: 'head'` on a CPU backend trains without the autograd tape
 *    (headFastPath.ts: closed-form loss gradients, products on the native product service, fused optimizer
 *    update), the same training in meaning; GPU backends and the other scopes use TF.js autograd.
 *    Logits are f = φ·K + b (K `[D, C]`), or cosine logits φ̂·K̂ for losses that ask
 *    for them (LDAM): then the saved classifier is K̂·s/mean‖φ‖ with zero bias, which predicts the same argmax
 *    as the cosine classifier and keeps logits on the training scale s·cos on average. ELM with
 *    `scope: 'head'`: the embedding term is evaluated on the frozen embeddings and has no gradient path to the
 *    classifier, so it only shifts the reported loss; the head is trained by ELM's logit term (LA loss with
 *    the optional target margin), so the weights equal `la`'s and the run says so in its notes. With `adapter` the
 *    embedding term trains the adapter; with `last-block`/`all` it trains the trunk.
 * 4. write (writeFineTuneOutputs.ts): a new folder via writeDirAtomic with the checkpoint in the input's
 *    format, training.json and report.json (analyseCheckpoint on the new checkpoint). Cancellation or failure
 *    leaves nothing; the input checkpoint is only read.
 */
import * as path from 'node:path';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { FineTuneEpoch, FineTuneParams, FineTuneResult } from '../../protocol/fineTuneParams';
import type { CancellationSignal, ProgressSink } from '../../protocol/progress';
import { assignBuckets } from '../analysis/buckets';
import { throwIfCancelled } from '../cancellation';
import { productService } from '../compute/productService';
import { countLabels } from '../data/classCounts';
import { createLoss } from '../losses/lossRegistry';
import type { TrainingLoss } from '../losses/trainingLoss';
import { assertEmptyOrAbsent } from '../output/atomicOutput';
import { resolveRunInputs } from '../pipeline/runInputs';
import { disposeFineTuneCheckpoint, loadFineTuneCheckpoint } from './fineTuneCheckpoint';
import { loadFineTuneData } from './fineTuneData';
import { invalidFineTuneOption, resolveFineTuneSettings } from './fineTuneSettings';
import { emptyClassNote } from './emptyClassNote';
import { headFastPathChoice, trainHeadFast } from './headFastPath';
import { trainableClassifier } from './trainableClassifier';
import { trainClassifier } from './trainClassifier';
import { fineTuneCheckpointName, writeFineTuneOutputs } from './writeFineTuneOutputs';

/** Where the run reports to and what it runs on. */
export interface FineTuneContext {
  readonly backend: string;
  readonly signal?: CancellationSignal;
  readonly onProgress?: ProgressSink;
  /** Called after each epoch's record is complete (tests read the tensor count here). */
  readonly onEpochEnd?: (record: FineTuneEpoch) => void;
  /** onnxruntime intra-op threads of the product service (0/absent: compute/threadChoice.ts decides). */
  readonly threads?: number;
  /** `tfjs` forces head scope onto the TF.js autograd reference path (tests, benchmarks); default `auto`. */
  readonly headPath?: 'auto' | 'tfjs';
}

/** A finished run. */
export interface FineTuneOutcome {
  readonly result: FineTuneResult;
}

/**
 * The note a head-scope run of a loss with an embedding term gets (training.json, the CLI summary, VS Code):
 * in head scope the embeddings are frozen, so the embedding term is a constant added to the loss, its
 * gradient is zero and the trained weights are exactly those of the logit term alone. For `elm` that is the
 * `la` loss (bit-identical weights for the same τ, seed and settings when logitMargin = 0).
 */
export function headScopeEmbeddingNote(loss: TrainingLoss): string {
  if (loss.name !== 'elm') {
    return `head scope: the embedding term of ${loss.name} is computed on frozen embeddings and has no gradient path; only its logit term trains the classifier`;
  }
  const margin = loss.options.logitMargin ?? 0;
  const same = margin === 0 ? `la with tau=${loss.options.tau}` : `la with tau=${loss.options.tau} plus the target-logit margin a=${margin}`;
  return `head scope: ELM's embedding term has no gradient path (the embeddings are frozen), so this run trains exactly like ${same} — the weights are identical; use scope adapter (a residual adapter on the embeddings) or last-block/all (LayersModel) to train them`;
}

/** Runs a fine-tuning job (see the module comment). */
export async function fineTune(params: FineTuneParams, ctx: FineTuneContext): Promise<FineTuneOutcome> {
  // ---- resolve ----------------------------------------------------------------------------------
  const settings = resolveFineTuneSettings(params);
  if (!params.out) throw invalidFineTuneOption('fine-tuning needs an output folder (out)');
  const run = await resolveRunInputs(params, ctx.onProgress);
  const { modelPath, progress } = run;
  const trainPath = path.resolve(params.train);
  const evalPath = params.eval ? path.resolve(params.eval) : null;
  const outDir = path.resolve(params.out);
  if (outDir === path.dirname(modelPath) || outDir === modelPath) {
    throw new LongtailError(ErrorCode.OutputExists, `${outDir} holds the input checkpoint; choose a new output folder`, { file: outDir });
  }
  progress('opening inputs', 0, null);
  // Fail on a non-empty output folder before any work.
  await assertEmptyOrAbsent(outDir);

  // ---- load -------------------------------------------------------------------------------------
  const checkpoint = await loadFineTuneCheckpoint(modelPath, settings.scope, run.headKey);
  try {
    const data = await loadFineTuneData(checkpoint, {
      modelPath,
      trainPath,
      evalPath,
      scope: settings.scope,
      preprocessing: run.preprocessing,
      root: params.root ? path.resolve(params.root) : undefined,
      workspace: run.workspace,
      progress,
      signal: ctx.signal,
      progressToken: params.progressToken,
      onProgress: ctx.onProgress,
    });
    const counts = countLabels(data.train.labels, data.numClasses);
    const loss: TrainingLoss = createLoss(params.loss, params.lossOptions ?? {}, counts);
    const buckets = assignBuckets(counts, run.thresholds.many, run.thresholds.few);
    const cosine = loss.logitKind === 'cosine';
    const notes: string[] = [];
    if (cosine) notes.push('cosine logits (normalised embeddings and class weights, no bias) during training; saved classifier = ŵ_y · s / mean‖φ‖ with zero bias (same argmax)');
    if (loss.usesEmbeddings && settings.scope === 'head') notes.push(headScopeEmbeddingNote(loss));
    const priorOffset = loss.name === 'balanced-softmax' || ((loss.name === 'la' || loss.name === 'elm') && (loss.options.tau ?? 0) > 0);
    const emptyClasses = emptyClassNote(counts, data.evalSet.labels, settings.optimizer, priorOffset);
    if (emptyClasses) notes.push(emptyClasses);

    // ---- train and evaluate -----------------------------------------------------------------------
    const classifier = trainableClassifier(checkpoint, data, settings.scope, cosine, { width: settings.adapterWidth, seed: settings.seed });
    try {
      notes.push(...classifier.notes);
      const loop = { signal: ctx.signal, progress, onEpochEnd: ctx.onEpochEnd };
      const fast = headFastPathChoice(settings, ctx.backend, loss, counts, ctx.headPath === 'tfjs');
      let trained: Awaited<ReturnType<typeof trainClassifier>>;
      if (fast.plan) {
        // Same training in meaning as the TF.js path (test/unit/training/headFastPath.test.ts), so no note.
        trained = await trainHeadFast(classifier, data, fast.plan, buckets, settings, loop, await productService({ threads: ctx.threads }));
      } else {
        if (settings.scope === 'head') notes.push(`head steps on TF.js autograd: ${fast.reason}`);
        trained = await trainClassifier(classifier, data, loss, buckets, settings, loop);
      }
      const final = await classifier.finalWeights(data.train, loss.options.scale ?? 1);
      classifier.restoreTrainable();
      throwIfCancelled(ctx.signal);

      // ---- write --------------------------------------------------------------------------------
      const analysed = await writeFineTuneOutputs(
        {
          outDir,
          modelPath,
          trainPath,
          evalPath,
          workspace: run.workspace,
          headKey: run.headKey,
          root: params.root ? path.resolve(params.root) : undefined,
          preprocessing: params.preprocessing,
          thresholds: run.thresholds,
          checkpoint,
          data,
          final,
          loss,
          settings,
          counts,
          trainedNames: classifier.trainedNames,
          notes,
          history: trained.history,
          trainSeconds: trained.seconds,
          backend: ctx.backend,
        },
        { signal: ctx.signal, progress },
      );
      const checkpointName = fineTuneCheckpointName(checkpoint, modelPath);
      return {
        result: {
          outDir,
          checkpointPath: path.join(outDir, checkpointName),
          trainingPath: path.join(outDir, 'training.json'),
          reportPath: path.join(outDir, 'report.json'),
          balancedError: analysed.balancedError,
          top1Error: analysed.top1Error,
          buckets: analysed.buckets,
          bestTau: analysed.bestTau,
          bestTauBalancedError: analysed.bestTauBalancedError,
          history: trained.history,
          notes,
          seconds: (performance.now() - run.started) / 1000,
        },
      };
    } finally {
      classifier.dispose();
    }
  } finally {
    disposeFineTuneCheckpoint(checkpoint);
  }
}
