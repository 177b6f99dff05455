import { strict as assert } from 'node:assert';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tf } from '../../../src/engine/compute/tf';
import { loadLayersClassifier } from '../../../src/engine/model/layersClassifier';
import { fileSaveHandler } from '../../../src/engine/model/tfjsIoHandler';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';
import { makeTempDir, maxAbsDiff, referenceOutputs, saveTinyLayersModel, seededFloats, type TinyModelOptions } from '../../fixtures/tinyModels';

const isCode = (code: string) => (e: unknown) => e instanceof LongtailError && e.code === code;

describe('loadLayersClassifier', () => {
  let root: string;
  before(async () => {
    await tf.setBackend('cpu');
    root = await makeTempDir();
  });
  after(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  async function roundTrip(name: string, options: TinyModelOptions): Promise<void> {
    const dir = path.join(root, name);
    const file = await saveTinyLayersModel(dir, options);
    const before = tf.memory().numTensors;
    const model = await loadLayersClassifier(file);
    const shape = [3, 8, 8, 1];
    const x = seededFloats(3 * 64, 3);
    const ref = referenceOutputs(options, x, shape);
    const out = await model.forward(x, shape);
    assert.equal(model.embeddingDim, 16);
    assert.equal(model.numClasses, options.numClasses ?? 5);
    assert.deepEqual(model.inputShape, [8, 8, 1]);
    assert.ok(maxAbsDiff(out.embeddings, ref.embeddings) < 1e-6, 'embeddings');
    assert.ok(maxAbsDiff(out.logits, ref.logits) < 1e-5, 'logits');
    assert.ok(model.head);
    assert.equal(model.head.weight.length, 16 * model.numClasses);
    await model.dispose();
    assert.equal(tf.memory().numTensors, before, 'no tensors leak');
  }

  it('round-trips a linear head: embeddings and logits match a direct TF.js computation', () => roundTrip('linear', {}));
  it('returns pre-softmax logits when the final Dense has a softmax activation', () => roundTrip('softmax', { finalActivation: 'softmax', numClasses: 4 }));
  it('ignores a trailing Softmax layer', () => roundTrip('trailing', { trailingSoftmax: true }));

  it('exposes the head as weight [C, D] = kernelᵀ and bias', async () => {
    const file = await saveTinyLayersModel(path.join(root, 'head'), { numClasses: 3 });
    const model = await loadLayersClassifier(file);
    const json = JSON.parse(await fs.readFile(file, 'utf8')) as { weightsManifest: { weights: { name: string; shape: number[] }[] }[] };
    const specs = json.weightsManifest[0].weights;
    const bytes = await fs.readFile(path.join(path.dirname(file), 'weights.bin'));
    const all = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    let off = 0;
    const byName = new Map<string, Float32Array>();
    for (const s of specs) {
      const n = s.shape.reduce((a, b) => a * b, 1);
      byName.set(s.name, all.slice(off, off + n));
      off += n;
    }
    const kernel = byName.get('logits/kernel');
    assert.ok(kernel && model.head);
    for (let i = 0; i < 16; i++) {
      for (let j = 0; j < 3; j++) {
        assert.equal(model.head.weight[j * 16 + i], kernel[i * 3 + j]);
      }
    }
    assert.deepEqual(model.head.bias, byName.get('logits/bias'));
    await model.dispose();
  });

  it('a head-only model (Dense on the input): embeddings are the inputs', async () => {
    const head = tf.sequential({ layers: [tf.layers.dense({ inputShape: [6], units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) })] });
    const dir = path.join(root, 'headonly');
    await head.save(fileSaveHandler(dir));
    const expected = tf.tidy(() => (head.predict(tf.tensor(seededFloats(12, 4), [2, 6])) as tf.Tensor).dataSync());
    head.dispose();
    const model = await loadLayersClassifier(path.join(dir, 'model.json'));
    const x = seededFloats(12, 4);
    const out = await model.forward(x, [2, 6]);
    assert.deepEqual(out.embeddings, x);
    assert.ok(maxAbsDiff(out.logits, expected) < 1e-6);
    await model.dispose();
  });

  it('rejects a truncated shard naming it', async () => {
    const dir = path.join(root, 'trunc');
    const file = await saveTinyLayersModel(dir);
    const shard = path.join(dir, 'weights.bin');
    const bytes = await fs.readFile(shard);
    await fs.writeFile(shard, bytes.subarray(0, bytes.length - 8));
    await assert.rejects(loadLayersClassifier(file), (e: unknown) => isCode(ErrorCode.InvalidFile)(e) && /weights\.bin is truncated/.test((e as Error).message));
  });

  it('rejects a missing shard naming it', async () => {
    const dir = path.join(root, 'missing');
    const file = await saveTinyLayersModel(dir);
    await fs.rm(path.join(dir, 'weights.bin'));
    await assert.rejects(loadLayersClassifier(file), (e: unknown) => isCode(ErrorCode.FileNotFound)(e) && /weights\.bin/.test((e as Error).message));
  });

  it('rejects invalid JSON', async () => {
    const dir = path.join(root, 'badjson');
    const file = await saveTinyLayersModel(dir);
    await fs.writeFile(file, '{"modelTopology": ');
    await assert.rejects(loadLayersClassifier(file), isCode(ErrorCode.InvalidFile));
  });

  it('rejects a model without a Dense layer with NO_CLASSIFIER and leaks nothing', async () => {
    const file = await saveTinyLayersModel(path.join(root, 'nodense'), { noDense: true });
    const before = tf.memory().numTensors;
    await assert.rejects(loadLayersClassifier(file), isCode(ErrorCode.NoClassifier));
    assert.equal(tf.memory().numTensors, before);
  });
});
