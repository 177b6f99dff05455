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
