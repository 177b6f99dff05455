import { strict as assert } from 'node:assert';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tf } from '../../../src/engine/compute/tf';
import { detectModelFormat } from '../../../src/engine/model/detectModelFormat';
import { loadGraphClassifier } from '../../../src/engine/model/graphClassifier';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';
import { makeTempDir, maxAbsDiff, saveTinyGraphModel, seededFloats, tinyGraphReference, tinyGraphWeights } from '../../fixtures/tinyModels';

const isCode = (code: string) => (e: unknown) => e instanceof LongtailError && e.code === code;

describe('loadGraphClassifier', () => {
  let root: string;
  let file: string;
  before(async () => {
    await tf.setBackend('cpu');
    root = await makeTempDir();
    file = await saveTinyGraphModel(path.join(root, 'graph'));
  });
  after(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('detects graph-model, finds embedding/logits before the softmax, matches TF.js ops, leaks nothing', async () => {
    const detected = await detectModelFormat(path.dirname(file));
    assert.equal(detected.format, 'graph-model');
    const before = tf.memory().numTensors;
    const model = await loadGraphClassifier(file, detected.modelJson);
    assert.equal(model.embeddingName, 'embedding');
    assert.equal(model.logitsName, 'logits');
    assert.deepEqual(model.inputShape, [8, 8, 1]);
    assert.equal(model.embeddingDim, 4);
    assert.equal(model.numClasses, 3);
    const x = seededFloats(2 * 64, 5);
    const ref = tinyGraphReference(x, [2, 8, 8, 1]);
    const mid = tf.memory().numTensors;
    const out = await model.forward(x, [2, 8, 8, 1]);
    assert.equal(tf.memory().numTensors, mid, 'forward leaks nothing');
    assert.ok(maxAbsDiff(out.embeddings, ref.embeddings) < 1e-6);
    assert.ok(maxAbsDiff(out.logits, ref.logits) < 1e-6);
    const w = tinyGraphWeights();
    assert.ok(model.head);
    assert.equal(model.head.weight[1 * 4 + 2], w.fcW[2 * 3 + 1], 'weight [C, D] = Wᵀ');
    assert.deepEqual(model.head.bias, w.fcB);
    await model.dispose();
    assert.equal(tf.memory().numTensors, before);
  });

  it('handles the converter\'s _FusedMatMul + Softmax + Identity output', async () => {
    const fused = await saveTinyGraphModel(path.join(root, 'fused'), 3, 'fused');
    const model = await loadGraphClassifier(fused);
    try {
      assert.equal(model.embeddingName, 'embedding');
      assert.equal(model.logitsName, 'logits');
      const x = seededFloats(3 * 64, 8);
      const out = await model.forward(x, [3, 8, 8, 1]);
      const ref = tinyGraphReference(x, [3, 8, 8, 1]);
      assert.ok(maxAbsDiff(out.logits, ref.logits) < 1e-5);
      assert.deepEqual(model.head?.bias, tinyGraphWeights().fcB);
    } finally {
      await model.dispose();
    }
  });

  it('takes an embeddingNode override and rejects unknown node names', async () => {
    const model = await loadGraphClassifier(file, undefined, { embeddingNode: 'relu' });
    const out = await model.forward(seededFloats(64, 1), [1, 8, 8, 1]);
    assert.equal(model.head, null);
    assert.equal(model.embeddingDim, 6 * 6 * 4);
    assert.equal(out.logits.length, 3);
    await model.dispose();
    await assert.rejects(loadGraphClassifier(file, undefined, { embeddingNode: 'nope' }), isCode(ErrorCode.InvalidOption));
  });

  it('reports NO_CLASSIFIER when the output is not a MatMul chain', async () => {
    await assert.rejects(loadGraphClassifier(file, undefined, { logitsNode: 'relu' }), isCode(ErrorCode.NoClassifier));
  });
});
