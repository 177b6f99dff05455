/**
 * The load step of fine-tuning, checkpoint part: a classifier head (.npz/.safetensors) or a single-input
 * TF.js LayersModel whose classifier is its last Dense layer. Anything else is refused before data is read.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { LayersModel } from '@tensorflow/tfjs';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { FineTuneScope } from '../../protocol/fineTuneParams';
import { tf } from '../compute/tf';
import { loadHeadCheckpoint, type HeadCheckpoint } from '../io/headCheckpoint';
import type { ClassifierHead } from '../model/classifierModel';
import { detectModelFormat } from '../model/detectModelFormat';
import { findOnnxHead } from '../model/onnxClassifier';
import { parseOnnxModel, type OnnxGraph } from '../model/onnxModel';
import { fileLoadHandler } from '../model/tfjsIoHandler';
import { escapeControls } from '../io/untrustedText';
import { isHeadCheckpointPath } from '../pipeline/headInputs';
import { invalidFineTuneOption } from './fineTuneSettings';

/** What is trained: a head checkpoint, a LayersModel and its final Dense layer, or an ONNX model's final linear classifier. */
export type FineTuneCheckpoint =
  | { readonly kind: 'head'; readonly head: HeadCheckpoint }
  | { readonly kind: 'onnx'; readonly bytes: Uint8Array; readonly embeddingName: string; readonly head: ClassifierHead }
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
 * An ONNX model for head or adapter scope: its final linear classifier (findOnnxHead) and the tensor it reads.
 * Models with external data are refused: the fine-tuned copy is one self-contained .onnx.
 */
async function loadOnnxCheckpoint(modelPath: string): Promise<FineTuneCheckpoint> {
  const bytes = new Uint8Array(await fs.readFile(modelPath));
  let graph: OnnxGraph;
  try {
    graph = parseOnnxModel(bytes);
  } catch (e) {
    throw new LongtailError(ErrorCode.InvalidFile, `${modelPath}: not a readable ONNX model: ${escapeControls((e as Error).message)}`, { file: modelPath, cause: e });
  }
  if ([...graph.initializers.values()].some((t) => t.external)) {
    throw invalidFineTuneOption(`${modelPath} keeps weights in external data files; fine-tuning writes one self-contained .onnx, so save the model without external data first`);
  }
  const match = await findOnnxHead(graph, modelPath);
  if (!match.head) throw new LongtailError(ErrorCode.NoClassifier, `${modelPath}: no final linear classifier with constant weights to fine-tune`, { file: modelPath });
  return { kind: 'onnx', bytes, embeddingName: match.embeddingName, head: match.head };
}

/**
 * Loads the checkpoint to fine-tune. A head file trains only with `scope: 'head'` or `'adapter'` and must be .npz,
 * .safetensors or a torch.save state dict (the formats a head is written back in); a model must be a LayersModel
 * or, in head and adapter scope, an ONNX model with a final linear classifier ({@link ErrorCode.InvalidOption} otherwise). The caller disposes it with {@link disposeFineTuneCheckpoint}.
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
  if (detected.format === 'onnx' && (scope === 'head' || scope === 'adapter')) return loadOnnxCheckpoint(modelPath);
  if (detected.format !== 'layers-model') {
    throw invalidFineTuneOption(`${modelPath} is a ${detected.format}; fine-tuning trains TF.js LayersModels (model.json), classifier heads (.npz/.safetensors/.pth) and, in head or adapter scope, ONNX models`);
  }
  return loadLayersCheckpoint(modelPath, detected);
}

/** Frees a LayersModel checkpoint's tensors (a head holds none). */
export function disposeFineTuneCheckpoint(checkpoint: FineTuneCheckpoint): void {
  if (checkpoint.kind === 'layers') checkpoint.model.dispose();
}
