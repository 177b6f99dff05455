/**
 * GPU failures as named errors. A WebGPU device reports running out of memory as an uncaptured
 * `GPUOutOfMemoryError` (allocation fails, the kernel's output is garbage) and a driver reset or removed
 * GPU through `device.lost`. Neither throws where the batch ran, so the engine watches the device and
 * checks after each batch: {@link throwIfGpuFailed} turns what happened into
 * `error[GPU_OUT_OF_MEMORY]` (with a smaller batch size to try) or `error[GPU_DEVICE_LOST]`.
 * A failure is reported once and then cleared, and the engine stays usable: after an out-of-memory the next
 * request simply runs (with a smaller batch); after a lost device the next request re-creates the device
 * (webgpuBackend.ts, recoverWebgpuIfLost).
 */
import { ErrorCode, LongtailError } from '../../protocol/errors';

/** The device members watched (a subset of GPUDevice). */
export interface WatchedDevice {
  readonly lost: Promise<{ readonly reason?: string; readonly message?: string }>;
  onuncapturederror: ((event: { readonly error?: { readonly message?: string; readonly constructor?: { readonly name?: string } } }) => void) | null;
}

/** What went wrong on the GPU since the last check. */
export type GpuFailure = { readonly kind: 'out-of-memory'; readonly message: string } | { readonly kind: 'lost'; readonly message: string };

/** Pattern of out-of-memory messages (Dawn's GPUOutOfMemoryError, Vulkan's VK_ERROR_OUT_OF_DEVICE_MEMORY, TF.js). */
const oomPattern = /out of memory|out_of_device_memory|OutOfMemory|allocation failed|exceeds the max buffer size|maxStorageBufferBindingSize/i;

/** Watches devices and remembers the first failure since the last {@link GpuFailureState.take}. */
export class GpuFailureState {
  private failure: GpuFailure | undefined;
  private deviceLost = false;
  private releasing: WatchedDevice | undefined;

  /** Called before the engine destroys `device` itself: that loss is not a failure. */
  expectDestroy(device: WatchedDevice): void {
    this.releasing = device;
  }

  /** Starts watching `device` (its lost promise and uncaptured errors). */
  watch(device: WatchedDevice): void {
    this.deviceLost = false;
    device.onuncapturederror = (event) => {
      const message = (event.error?.message ?? 'unknown GPU error').split('\n')[0];
      const isOom = event.error?.constructor?.name === 'GPUOutOfMemoryError' || oomPattern.test(message);
      if (isOom) this.failure ??= { kind: 'out-of-memory', message };
    };
    void device.lost.then((info) => {
      if (info.reason === 'destroyed' && this.releasing === device) return; // released by the engine itself
      this.deviceLost = true;
      this.failure = { kind: 'lost', message: (info.message ?? 'device lost').split('\n')[0] };
    });
  }

  /** Records a failure observed elsewhere (an exception from a kernel). */
  record(failure: GpuFailure): void {
    this.failure ??= failure;
  }

  /** True after the device was lost (the backend must be initialised again before use). */
  get lost(): boolean {
    return this.deviceLost;
  }

  /** Returns and clears the pending failure. */
  take(): GpuFailure | undefined {
    const f = this.failure;
    this.failure = undefined;
    return f;
  }
}

/** The process-wide state of the webgpu backend's device. */
export const gpuFailureState = new GpuFailureState();

/** The batch size to suggest after an out-of-memory at `batchSize`: half of it, at least 1. */
export function smallerBatch(batchSize: number): number {
  return Math.max(1, Math.floor(batchSize / 2));
}

/** The named error for a failure at `batchSize` examples per batch. */
export function gpuFailureError(failure: GpuFailure, batchSize: number): LongtailError {
  if (failure.kind === 'out-of-memory') {
    return new LongtailError(
      ErrorCode.GpuOutOfMemory,
      `the GPU ran out of memory at batch size ${batchSize} (${failure.message}); try --batch-size ${smallerBatch(batchSize)} (longtail.batchSize) or --backend wasm`,
    );
  }
  return new LongtailError(
    ErrorCode.GpuDeviceLost,
    `the GPU device was lost at batch size ${batchSize} (${failure.message}); the next request starts it again — if it recurs try --batch-size ${smallerBatch(batchSize)} or --backend wasm`,
  );
}

/**
 * Throws the named error when the device failed since the last check; otherwise does nothing. Also
 * converts an exception `cause` whose message says out-of-memory. Call after each batch on webgpu.
 */
export function throwIfGpuFailed(batchSize: number, cause?: unknown): void {
  if (cause !== undefined) {
    const message = (cause instanceof Error ? cause.message : String(cause)).split('\n')[0];
    if (oomPattern.test(message)) gpuFailureState.record({ kind: 'out-of-memory', message });
  }
  const failure = gpuFailureState.take();
  if (failure) throw gpuFailureError(failure, batchSize);
}
