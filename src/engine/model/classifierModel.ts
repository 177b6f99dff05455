/**
 * The engine's view of a loaded checkpoint: one batched forward pass that yields the penultimate-layer
 * embeddings and the pre-softmax logits together, plus the final linear layer's weights for diagnostics.
 * Every checkpoint format (tfjs LayersModel, tfjs GraphModel, ONNX, TF SavedModel) produces one.
 */

/** Checkpoint formats the engine recognises. */
export type ModelFormat = 'layers-model' | 'graph-model' | 'saved-model' | 'onnx';

/**
 * The final linear classifier `logits = W·e + b`, with `W ∈ ℝ^{C×D}` (one row per class, the transpose of a
 * Keras/TF kernel `[D, C]`) and `b ∈ ℝ^C`.
 */
export interface ClassifierHead {
  /** Row-major `[numClasses, embeddingDim]`. */
  readonly weight: Float32Array;
  /** Length `numClasses`, or null when the layer has no bias. */
  readonly bias: Float32Array | null;
  readonly numClasses: number;
  readonly embeddingDim: number;
  /** Where it came from (layer, node or initializer names), for reports. */
  readonly source: string;
}

/** Embeddings and logits of one batch. */
export interface ForwardResult {
  /** Row-major `[count, embeddingDim]`. */
  readonly embeddings: Float32Array;
  /** Row-major `[count, numClasses]`, before any softmax. */
  readonly logits: Float32Array;
}

/** A loaded checkpoint. Call {@link ClassifierModel.dispose} when done. */
export interface ClassifierModel {
  readonly format: ModelFormat;
  /** The path the user gave (model.json, model directory, .onnx file). */
  readonly path: string;
  /** Every file the checkpoint consists of (absolute), for cache keys. */
  readonly files: readonly string[];
  /** Shape of one input example, without the batch dimension; null entries are free (symbolic) dims. */
  readonly inputShape: readonly (number | null)[];
  /**
   * The batch size the model was exported with when its batch dimension is fixed (e.g. an ONNX export
   * without dynamic axes), else null. The forward pass then sends exactly this many examples per call.
   */
  readonly fixedBatchSize: number | null;
  readonly embeddingDim: number;
  readonly numClasses: number;
  /** Names of the tensors read as embedding and logits (layer, node or ONNX value names). */
  readonly embeddingName: string;
  readonly logitsName: string;
  /** The final linear layer, or null when the format cannot expose it (SavedModel). */
  readonly head: ClassifierHead | null;
  /** Human-readable remarks (e.g. "logits taken before the Dense layer's softmax"). */
  readonly notes: readonly string[];
  /**
   * Runs one batch. `x` is row-major in the model's own layout, `shape = [count, ...inputShape]`.
   * Allocates nothing that outlives the call (TF.js tensors are disposed).
   */
  forward(x: Float32Array, shape: readonly number[]): Promise<ForwardResult>;
  /** Frees weights and sessions. */
  dispose(): Promise<void>;
}
