import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import '@tensorflow/tfjs-backend-wasm';
import { probeBackend } from '../../../src/engine/compute/probeBackend';
import { tf } from '../../../src/engine/compute/tf';

describe('probeBackend', () => {
  it('finds every training kernel on the cpu backend', async () => {
    await tf.setBackend('cpu');
    const caps = probeBackend(tf, []);
    assert.equal(caps.inference, true);
    assert.equal(caps.training, true);
    assert.equal(caps.headTraining, true);
    assert.deepEqual(caps.missingKernels, []);
  });

  it('names the gradient kernels stock tfjs-backend-wasm 4.22 lacks, without leaking tensors', async () => {
    assert.ok(await tf.setBackend('wasm'));
    const before = tf.memory().numTensors;
    const caps = probeBackend(tf, []);
    assert.equal(caps.inference, true);
    assert.equal(caps.headTraining, true);
    // compute.md §3: Conv2DBackpropFilter, UnsortedSegmentSum and the depthwise gradients are missing.
    assert.ok(caps.missingKernels.includes('Conv2DBackpropFilter'), caps.missingKernels.join());
    assert.ok(caps.missingKernels.includes('UnsortedSegmentSum'), caps.missingKernels.join());
    assert.equal(caps.training, false);
    assert.equal(tf.memory().numTensors, before);
  });
});
