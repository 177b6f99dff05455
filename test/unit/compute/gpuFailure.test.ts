import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { activationFactor, gpuBatchLimit } from '../../../src/engine/compute/gpuBatchLimit';
import { GpuFailureState, gpuFailureError, gpuFailureState, smallerBatch, throwIfGpuFailed, type WatchedDevice } from '../../../src/engine/compute/gpuFailure';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';

/** A device whose `lost` promise and uncaptured errors the test controls. */
function fakeDevice(): WatchedDevice & { lose(reason: string, message: string): void; raise(name: string, message: string): void } {
  let resolveLost: (info: { reason: string; message: string }) => void = () => undefined;
  const device = {
    lost: new Promise<{ reason: string; message: string }>((r) => (resolveLost = r)),
    onuncapturederror: null as WatchedDevice['onuncapturederror'],
    lose: (reason: string, message: string) => resolveLost({ reason, message }),
    raise(name: string, message: string) {
      // Dawn's error objects are instances of GPUOutOfMemoryError / GPUValidationError.
      const error = { message, constructor: { name } };
      device.onuncapturederror?.({ error });
    },
  };
  return device;
}

describe('gpuFailure', () => {
  it('an out-of-memory error becomes GPU_OUT_OF_MEMORY with half the batch size, once', () => {
    const state = new GpuFailureState();
    const device = fakeDevice();
    state.watch(device);
    device.raise('GPUValidationError', 'Buffer binding size exceeds the limit'); // not OOM: ignored
    assert.equal(state.take(), undefined);
    device.raise('GPUOutOfMemoryError', 'Out of memory\n - While calling CreateBuffer');
    const failure = state.take();
    assert.deepEqual(failure, { kind: 'out-of-memory', message: 'Out of memory' });
    assert.equal(state.take(), undefined, 'reported once, then the engine is usable again');
    const error = gpuFailureError(failure!, 256);
    assert.equal(error.code, ErrorCode.GpuOutOfMemory);
    assert.equal(error.message, 'the GPU ran out of memory at batch size 256 (Out of memory); try --batch-size 128 (longtail.batchSize) or --backend wasm');
  });

  it('a lost device becomes GPU_DEVICE_LOST; the engine releasing its own device is not a failure', async () => {
    const state = new GpuFailureState();
    const released = fakeDevice();
    state.watch(released);
    state.expectDestroy(released);
    released.lose('destroyed', 'Device was destroyed.');
    await new Promise((r) => setImmediate(r));
    assert.equal(state.lost, false);
    assert.equal(state.take(), undefined);
    // Destroyed by someone else (not the engine's release): a loss like any other.
    const destroyed = fakeDevice();
    state.watch(destroyed);
    destroyed.lose('destroyed', 'Device was destroyed.');
    await new Promise((r) => setImmediate(r));
    assert.equal(state.lost, true);
    assert.equal(state.take()?.kind, 'lost');
    const device = fakeDevice();
    state.watch(device);
    device.lose('unknown', 'VK_ERROR_DEVICE_LOST\nmore');
    await new Promise((r) => setImmediate(r));
    assert.equal(state.lost, true);
    const error = gpuFailureError(state.take()!, 3);
    assert.equal(error.code, ErrorCode.GpuDeviceLost);
    assert.equal(error.message, 'the GPU device was lost at batch size 3 (VK_ERROR_DEVICE_LOST); the next request starts it again — if it recurs try --batch-size 1 or --backend wasm');
  });

  it('an exception saying out-of-memory is converted; other exceptions are left alone', () => {
    assert.throws(() => throwIfGpuFailed(64, new Error('Failed to allocate buffer: out of memory')), (e: unknown) => e instanceof LongtailError && e.code === ErrorCode.GpuOutOfMemory && /batch size 64.*--batch-size 32/.test(e.message));
    assert.doesNotThrow(() => throwIfGpuFailed(64, new Error('shape mismatch')));
    assert.equal(gpuFailureState.take(), undefined);
    assert.deepEqual([256, 3, 1].map(smallerBatch), [128, 1, 1]);
  });

  it('batch sizes fit the adapter binding limit assuming activations of 64x the input', () => {
    assert.equal(activationFactor, 64);
    // Fashion-MNIST 28x28 inputs, 128 MiB binding limit: 2^27 / (4 * 784 * 64) = 668.7
    assert.equal(gpuBatchLimit(784, { maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 2 ** 27 }), 668);
    // the smaller of the two limits applies; never below 1
    assert.equal(gpuBatchLimit(784, { maxBufferSize: 2 ** 26, maxStorageBufferBindingSize: 2 ** 30 }), 334);
    assert.equal(gpuBatchLimit(10 ** 9, { maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 2 ** 30 }), 1);
  });
});
