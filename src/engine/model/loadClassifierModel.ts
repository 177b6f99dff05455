/**
 * Entry point for checkpoints: detects the format from the content and loads it as a
 * {@link ClassifierModel} (embeddings + pre-softmax logits in one forward pass, head weights).
 */
import type { ClassifierModel } from './classifierModel';
import { detectModelFormat } from './detectModelFormat';
import { loadGraphClassifier } from './graphClassifier';
import { loadLayersClassifier } from './layersClassifier';
import { loadOnnxClassifier } from './onnxClassifier';
import { loadSavedModelClassifier } from './savedModelClassifier';

/** Options of {@link loadClassifierModel}. */
export interface LoadModelOptions {
  /**
   * Embedding tensor when it cannot be found automatically: a GraphModel node name, an ONNX value name, or
   * a SavedModel signature output key. Ignored for LayersModels (always the last Dense layer's input).
   */
  readonly embeddingNode?: string;
  /** Logits tensor, same naming rules (default: found from the model's output). */
  readonly logitsNode?: string;
  /** ONNX execution providers to try (default CUDA when installed, then CPU). */
  readonly onnxExecutionProviders?: readonly string[];
  /** ONNX CPU threads (`longtail.threads`; 0 = chosen by compute/threadChoice.ts). */
  readonly threads?: number;
  /** Module loader for the native TF.js package (SavedModel; tests inject one). */
  readonly requireModule?: (id: string) => unknown;
}

/**
 * Loads a checkpoint: a tfjs `model.json` (LayersModel or GraphModel) or its directory, an `.onnx` file, or a
 * TF SavedModel directory (native backend only). Errors: FILE_NOT_FOUND, UNKNOWN_FORMAT, INVALID_FILE,
 * NO_CLASSIFIER, BACKEND_UNAVAILABLE, INVALID_OPTION.
 */
export async function loadClassifierModel(modelPath: string, options: LoadModelOptions = {}): Promise<ClassifierModel> {
  const detected = await detectModelFormat(modelPath);
  const names = { embeddingNode: options.embeddingNode, logitsNode: options.logitsNode };
  switch (detected.format) {
    case 'layers-model':
      return loadLayersClassifier(detected.modelPath, detected.modelJson);
    case 'graph-model':
      return loadGraphClassifier(detected.modelPath, detected.modelJson, names);
    case 'onnx':
      return loadOnnxClassifier(detected.modelPath, detected.onnxBytes, { ...names, executionProviders: options.onnxExecutionProviders, threads: options.threads });
    case 'saved-model':
      return loadSavedModelClassifier(detected.modelPath, { ...names, requireModule: options.requireModule });
  }
}
