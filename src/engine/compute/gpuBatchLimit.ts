/**
 * Batch sizes within a WebGPU adapter's limits, and the per-batch GPU failure check. A WebGPU kernel
 * binds each tensor as one storage buffer, so no tensor may exceed `maxStorageBufferBindingSize` (nor
 * `maxBufferSize`); hardware adapters report 128 MiB to a few GiB. The largest tensor of a forward pass is
 * an activation, not the input: a conv stem widens 3 channels to 16–64 at full resolution. Without the
 * model's layer shapes the engine assumes activations up to {@link activationFactor} × the input's size
 * per example; a model that exceeds it still gets a named error (GPU_OUT_OF_MEMORY) with a smaller batch
 * to try, not a crash (gpuFailure.ts).
 */
import { throwIfGpuFailed } from './gpuFailure';
import type { Tf } from './tf';
import { activeWebgpuAdapter } from './webgpuBackend';

/** Largest activation per example assumed, as a multiple of the input's element count. */
export const activationFactor = 64;

/**
 * The largest batch whose biggest tensor fits one binding:
 * ⌊min(maxBufferSize, maxStorageBufferBindingSize) / (4 B · perExampleElements · activationFactor)⌋, at least 1.
 */
export function gpuBatchLimit(perExampleElements: number, limits: { readonly maxBufferSize: number; readonly maxStorageBufferBindingSize: number }): number {
  const bytes = Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize);
  return Math.max(1, Math.floor(bytes / (4 * Math.max(1, perExampleElements) * activationFactor)));
}

/** `requested`, lowered to {@link gpuBatchLimit} when the active backend is webgpu; unchanged otherwise. */
export function boundBatchForGpu(tf: Tf, requested: number, perExampleElements: number): number {
  const adapter = tf.getBackend() === 'webgpu' ? activeWebgpuAdapter() : undefined;
  return adapter ? Math.min(requested, gpuBatchLimit(perExampleElements, adapter)) : requested;
}

/**
 * After a batch (or when it threw `cause`) on webgpu: throws GPU_OUT_OF_MEMORY / GPU_DEVICE_LOST with a
 * smaller batch size to try when the device reported a failure. Does nothing on other backends.
 */
export function checkGpuAfterBatch(tf: Tf, batchSize: number, cause?: unknown): void {
  if (tf.getBackend() === 'webgpu') throwIfGpuFailed(batchSize, cause);
}
