/**
 * The load step of fine-tuning, checkpoint part: a classifier head (.npz/.safetensors) or a single-input
 * TF.js LayersModel whose classifier is its last Dense layer. Anything else is refused before data is read.
 */
import * as path from 'node:path';
import type { LayersModel } from '@tensorflow/tfjs';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { FineTuneScope } from '../../protocol/fineTuneParams';
import { tf } from '../compute/tf';
import { loadHeadCheckpoint, type HeadCheckpoint } from '../io/headCheckpoint';
import { detectModelFormat } from '../model/detectModelFormat';
import { fileLoadHandler } from '../model/tfjsIoHandler';
import { isHeadCheckpointPath } from '../pipeline/headInputs';
import { invalidFineTuneOption } from './fineTuneSettings';

/** What is trained: a head checkpoint, or a LayersModel and its final Dense layer. */
export type FineTuneCheckpoint =
  | { readonly kind: 'head'; readonly head: HeadCheckpoint }
  | { readonly kind: 'layers'; readonly modelJson: string; readonly model: LayersModel; readonly denseIndex: number };

async function loadLayersCheckpoint(modelPath: string, detected: { modelPath: string; modelJson?: Readonly<Record<string, unknown>> }): Promise<FineTuneCheckpoint> {
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

/**
 * Loads the checkpoint to fine-tune. A head file trains only with `scope: 'head'` or `'adapter'` and must be .npz,
 * .safetensors or a torch.save state dict (the formats a head is written back in); a model must be a LayersModel
 * ({@link ErrorCode.InvalidOption} otherwise). The caller disposes it with {@link disposeFineTuneCheckpoint}.
 */
export async function loadFineTuneCheckpoint(modelPath: string, scope: FineTuneScope, headKey: string | undefined): Promise<FineTuneCheckpoint> {
  if (isHeadCheckpointPath(modelPath)) {
    if (path.extname(modelPath).toLowerCase() === '.npy') {
      throw invalidFineTuneOption(`${modelPath}: fine-tuning writes .npz, .safetensors or .pth heads; save the weight (and bias) in an .npz first`);
    }
    if (scope !== 'head' && scope !== 'adapter') throw invalidFineTuneOption(`${modelPath} is a classifier head: only --scope head or adapter can train it`);
    return { kind: 'head', head: await loadHeadCheckpoint(modelPath, { headKey }) };
  }
  const detected = await detectModelFormat(modelPath);
  if (detected.format !== 'layers-model') {
    throw invalidFineTuneOption(`${modelPath} is a ${detected.format}; fine-tuning trains TF.js LayersModels (model.json) and classifier heads (.npz/.safetensors/.pth)`);
  }
  return loadLayersCheckpoint(modelPath, detected);
}

/** Frees a LayersModel checkpoint's tensors (a head holds none). */
export function disposeFineTuneCheckpoint(checkpoint: FineTuneCheckpoint): void {
  if (checkpoint.kind === 'layers') checkpoint.model.dispose();
}
