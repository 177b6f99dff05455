import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import '@tensorflow/tfjs-backend-wasm';
import { probeBackend } from '../../../src/engine/compute/probeBackend';
import { tf } from '../../../src/engine/compute/tf';
import { registerWasmTrainingKernels } from '../../../src/engine/compute/wasmKernels';

describe('probeBackend', () => {
  it('finds every training kernel on the cpu backend', async () => {
    await tf.setBackend('cpu');
    const caps = await probeBackend(tf, []);
    assert.equal(caps.inference, true);
    assert.equal(caps.training, true);
    assert.equal(caps.headTraining, true);
    assert.deepEqual(caps.missingKernels, []);
    assert.deepEqual(caps.patchedKernels, []);
  });

  // Runs before the engine's kernels are registered in this process: the registry check must name the
  // gradient kernels stock tfjs-backend-wasm 4.22 lacks, and skip those probes without running them.
  it('names the gradient kernels stock tfjs-backend-wasm 4.22 lacks, without leaking tensors', async () => {
    assert.ok(await tf.setBackend('wasm'));
    assert.equal(tf.getKernel('Conv2DBackpropFilter', 'wasm'), undefined, 'this test needs the stock registry');
    const before = tf.memory().numTensors;
    const caps = await probeBackend(tf, []);
    assert.equal(caps.inference, true);
    assert.equal(caps.headTraining, true);
    // docs/backends.md, "Capability probe": Conv2DBackpropFilter, UnsortedSegmentSum and the depthwise gradients are missing.
    assert.deepEqual(caps.missingKernels, [
      'Conv2DBackpropFilter',
      'DepthwiseConv2dNativeBackpropFilter',
      'DepthwiseConv2dNativeBackpropInput',
      'UnsortedSegmentSum',
    ]);
    assert.equal(caps.training, false);
    assert.equal(tf.memory().numTensors, before);
  });

  it('reports full training on wasm once the engine kernels are registered, and lists them', async () => {
    assert.ok(await tf.setBackend('wasm'));
    const patched = registerWasmTrainingKernels(tf);
    const before = tf.memory().numTensors;
    const caps = await probeBackend(tf, patched);
    assert.equal(caps.inference, true);
    assert.equal(caps.headTraining, true);
    assert.equal(caps.training, true);
    assert.deepEqual(caps.missingKernels, []);
    assert.deepEqual(caps.patchedKernels, patched);
    assert.ok(caps.patchedKernels.includes('Conv2DBackpropFilter'));
    assert.equal(tf.memory().numTensors, before);
  });

  it('a kernel unregistered from the backend is reported as missing again', async () => {
    assert.ok(await tf.setBackend('wasm'));
    const config = tf.getKernel('UnsortedSegmentSum', 'wasm');
    assert.ok(config);
    tf.unregisterKernel('UnsortedSegmentSum', 'wasm');
    try {
      const caps = await probeBackend(tf, []);
      assert.deepEqual(caps.missingKernels, ['UnsortedSegmentSum']);
      assert.equal(caps.training, false);
      assert.equal(caps.headTraining, true);
    } finally {
      tf.registerKernel(config);
    }
  });
});
