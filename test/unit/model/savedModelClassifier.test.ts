import { strict as assert } from 'node:assert';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { tf } from '../../../src/engine/compute/tf';
import { loadClassifierModel } from '../../../src/engine/model/loadClassifierModel';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';
import { makeTempDir } from '../../fixtures/tinyModels';

const isCode = (code: string) => (e: unknown) => e instanceof LongtailError && e.code === code;

/** A stand-in for tfjs-node's `node.loadSavedModel`: the signature outputs `feat` = x·2 and `logits` = sum(x). */
function fakeTfNode(calls: string[]) {
  return {
    node: {
      async loadSavedModel(dir: string) {
        calls.push(dir);
        return {
          inputs: [{ name: 'x:0', shape: [-1, 3] }],
          outputs: [{ name: 'feat:0' }, { name: 'logits:0' }],
          // No kernels are registered for the stand-in backend: compute in JS, create tensors directly.
          predict: (x: tf.Tensor) => {
            const v = x.dataSync();
            const rows = x.shape[0];
            const sums = Array.from({ length: rows }, (_, r) => v[3 * r] + v[3 * r + 1] + v[3 * r + 2]);
            return { feat: tf.tensor(Array.from(v, (a) => 2 * a), [rows, 3]), logits: tf.tensor(sums, [rows, 1]) };
          },
          dispose: () => calls.push('dispose'),
        };
      },
    },
  };
}

describe('SavedModel (native backend only)', () => {
  let root: string;
  let dir: string;
  before(async () => {
    root = await makeTempDir();
    dir = path.join(root, 'saved');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'saved_model.pb'), Buffer.from([8, 1]));
  });
  after(async () => {
    await fs.rm(root, { recursive: true, force: true });
    await tf.setBackend('cpu');
    if (tf.findBackend('tensorflow')) {
      tf.removeBackend('tensorflow');
    }
  });

  it('is BACKEND_UNAVAILABLE on wasm/cpu', async () => {
    await tf.setBackend('cpu');
    await assert.rejects(loadClassifierModel(dir, { requireModule: () => fakeTfNode([]) }), isCode(ErrorCode.BackendUnavailable));
  });

  it('runs through node.loadSavedModel when the tensorflow backend is active, with named signature outputs', async () => {
    // Stand-in for tfjs-node's registration: a backend named 'tensorflow'.
    tf.registerBackend('tensorflow', () => new MathBackendCPU());
    await tf.setBackend('tensorflow');
    const calls: string[] = [];
    const requireModule = (id: string) => {
      if (id !== '@tensorflow/tfjs-node') {
        throw new Error(`Cannot find module '${id}'`);
      }
      return fakeTfNode(calls);
    };
    await assert.rejects(loadClassifierModel(dir, { requireModule }), isCode(ErrorCode.NoClassifier));
    const model = await loadClassifierModel(dir, { requireModule, embeddingNode: 'feat' });
    assert.equal(model.format, 'saved-model');
    assert.equal(model.logitsName, 'logits');
    assert.deepEqual(model.inputShape, [3]);
    const out = await model.forward(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
    assert.deepEqual([...out.embeddings], [2, 4, 6, 8, 10, 12]);
    assert.deepEqual([...out.logits], [6, 15]);
    assert.equal(model.embeddingDim, 3);
    assert.equal(model.head, null);
    await model.dispose();
    assert.deepEqual(calls, [dir, 'dispose', dir, 'dispose']);
  });
});
