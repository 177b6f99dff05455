/**
 * What report.json records about where the numbers were computed (`engine.device`, and for ONNX
 * checkpoints `engine.onnxExecutionProvider` / `engine.onnxPlacement`). loadBackend records the device
 * label of the backend it initialised; onnxClassifier records each ONNX session's execution provider and,
 * after its first batch, where onnxruntime placed the ops (onnxProviders.ts).
 */
import type { ReportEngineDevice } from '../../protocol/report';

let deviceLabel: string | undefined;
let onnx: { provider: string; placement?: string } | undefined;

/** Called by loadBackend with the chosen backend's label (`GPU · NVIDIA H100 (WebGPU, Vulkan)`, `WASM`). */
export function recordBackendDevice(label: string): void {
  deviceLabel = label;
}

/** Called when an ONNX session is created: its first execution provider; clears the previous placement. */
export function recordOnnxProvider(provider: string): void {
  onnx = { provider };
}

/** Called after the first profiled ONNX batch with the placement line. */
export function recordOnnxPlacement(placement: string): void {
  if (onnx) onnx.placement = placement;
}

/** The device fields of report.json's `engine` for a model of `modelFormat` (ONNX fields only for `onnx`). */
export function reportDeviceFields(modelFormat: string): ReportEngineDevice {
  return {
    ...(deviceLabel !== undefined ? { device: deviceLabel } : {}),
    ...(modelFormat === 'onnx' && onnx ? { onnxExecutionProvider: onnx.provider, ...(onnx.placement !== undefined ? { onnxPlacement: onnx.placement } : {}) } : {}),
  };
}

/** Which device a forward pass of a `modelFormat` model runs on now (part of the output cache's key). */
export interface ForwardDevice {
  /** The TF.js backend current now (`tf.getBackend()`): it runs LayersModel / GraphModel forward passes. */
  readonly tfjsBackend: string;
  /** The label loadBackend recorded (`WASM`, `WebGPU · SwiftShader (software adapter)`, …); null before it ran. */
  readonly device: string | null;
  /** For ONNX models, the execution provider of the newest onnxruntime session (`cpu`, `webgpu`, `cuda`). */
  readonly onnxExecutionProvider?: string;
}

/**
 * The device that would compute a forward pass of a `modelFormat` model now. The output cache keys its
 * entries by it, so outputs computed on one backend are never served to a run on another and report.json's
 * `engine.device` always names the device that computed the numbers (cache/outputCache.ts).
 */
export function forwardDevice(modelFormat: string, tfjsBackend: string): ForwardDevice {
  return {
    tfjsBackend,
    device: deviceLabel ?? null,
    ...(modelFormat === 'onnx' && onnx ? { onnxExecutionProvider: onnx.provider } : {}),
  };
}
