import { strict as assert } from 'node:assert';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cachedModelOutputs, defaultCacheRoot, outputCacheKey } from '../../../src/engine/cache/outputCache';
import { canonicalJson } from '../../../src/engine/cache/contentHash';
import { tf } from '../../../src/engine/compute/tf';
import type { ClassifierModel } from '../../../src/engine/model/classifierModel';
import { computeOutputs } from '../../../src/engine/model/computeOutputs';
import { loadClassifierModel } from '../../../src/engine/model/loadClassifierModel';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';
import { inMemoryDataset, makeTempDir, saveTinyLayersModel, seededFloats } from '../../fixtures/tinyModels';

/** Wraps a model so forward calls are counted. */
function counting(model: ClassifierModel): ClassifierModel & { calls: number } {
  const wrapped = Object.create(model) as ClassifierModel & { calls: number };
  wrapped.calls = 0;
  wrapped.forward = (xs, shape) => {
    wrapped.calls++;
    return model.forward(xs, shape);
  };
  return wrapped;
}

describe('output cache', () => {
  let root: string;
  let workspace: string;
  let modelFile: string;
  let dataFile: string;
  const n = 10;
  const x = seededFloats(n * 64, 17);
  const labels = new Int32Array(n);
  before(async () => {
    await tf.setBackend('cpu');
    root = await makeTempDir();
    workspace = path.join(root, 'workspace');
    await fs.mkdir(workspace);
    modelFile = await saveTinyLayersModel(path.join(root, 'inputs', 'model'));
    dataFile = path.join(root, 'inputs', 'data.bin');
    await fs.writeFile(dataFile, Buffer.from(x.buffer));
  });
  after(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('a checkpoint loaded again in the same process (after other models were built) keeps its cache key', async () => {
    const first = await loadClassifierModel(modelFile);
    // Building models advances TF.js's layer-name counters (tensors become embedding_1, …).
    tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] }).dispose();
    const second = await loadClassifierModel(modelFile);
    try {
      const a = await outputCacheKey(first, inMemoryDataset(x, [8, 8, 1], labels, dataFile));
      const b = await outputCacheKey(second, inMemoryDataset(x, [8, 8, 1], labels, dataFile));
      assert.equal(a.key, b.key);
    } finally {
      await first.dispose();
      await second.dispose();
    }
  });

  it('runs the forward pass once; unchanged inputs hit the cache with identical values', async () => {
    const model = counting(await loadClassifierModel(modelFile));
    try {
      const first = await cachedModelOutputs(model, inMemoryDataset(x, [8, 8, 1], labels, dataFile), { workspaceDir: workspace, batchSize: 4 });
      assert.equal(first.hit, false);
      assert.equal(model.calls, 3);
      assert.equal(path.dirname(first.dir), defaultCacheRoot(workspace));
      const second = await cachedModelOutputs(model, inMemoryDataset(x, [8, 8, 1], labels, dataFile), { workspaceDir: workspace, batchSize: 4 });
      assert.equal(second.hit, true);
      assert.equal(second.key, first.key);
      assert.equal(model.calls, 3, 'no forward pass on a hit');
      const cached = await second.load();
      const direct = await computeOutputs(model, inMemoryDataset(x, [8, 8, 1], labels, dataFile));
      assert.deepEqual(cached.embeddings, direct.embeddings);
      assert.deepEqual(cached.logits, direct.logits);
      // Only the cache folder was written: nothing next to the inputs, no temp dirs left.
      assert.deepEqual((await fs.readdir(path.join(root, 'inputs'))).sort(), ['data.bin', 'model']);
      assert.deepEqual((await fs.readdir(defaultCacheRoot(workspace))).filter((e) => e.startsWith('.tmp')), []);
    } finally {
      await model.dispose();
    }
  });

  it('misses when the preprocessing, the dataset file or the checkpoint changes', async () => {
    const model = counting(await loadClassifierModel(modelFile));
    const opts = { workspaceDir: workspace, batchSize: 100 };
    try {
      const base = await cachedModelOutputs(model, inMemoryDataset(x, [8, 8, 1], labels, dataFile), opts);
      const ds2 = Object.assign(inMemoryDataset(x, [8, 8, 1], labels, dataFile), { preprocessing: { scale: '1/255' } });
      const pre = await cachedModelOutputs(model, ds2, opts);
      assert.equal(pre.hit, false);
      assert.notEqual(pre.key, base.key);
      const dataCopy = path.join(root, 'inputs-copy.bin');
      const changed = Buffer.from(x.buffer.slice(0));
      changed[0] ^= 1;
      await fs.writeFile(dataCopy, changed);
      const other = await cachedModelOutputs(model, inMemoryDataset(x, [8, 8, 1], labels, dataCopy), opts);
      assert.equal(other.hit, false);
    } finally {
      await model.dispose();
    }
    // A different checkpoint (other weights) gives another key.
    const otherModelFile = await saveTinyLayersModel(path.join(root, 'model2'), { seed: 99 });
    const model2 = await loadClassifierModel(otherModelFile);
    try {
      const r = await cachedModelOutputs(model2, inMemoryDataset(x, [8, 8, 1], labels, dataFile), opts);
      assert.equal(r.hit, false);
    } finally {
      await model2.dispose();
    }
  });

  it('leaves no entry and no temp directory when cancelled', async () => {
    const model = await loadClassifierModel(modelFile);
    const cacheRoot = path.join(root, 'cache-cancel');
    try {
      await assert.rejects(
        cachedModelOutputs(model, inMemoryDataset(x, [8, 8, 1], labels, dataFile), { cacheRoot, batchSize: 2, signal: { isCancellationRequested: true } }),
        (e: unknown) => e instanceof LongtailError && e.code === ErrorCode.Cancelled,
      );
      assert.deepEqual(await fs.readdir(cacheRoot), []);
    } finally {
      await model.dispose();
    }
  });

  it('canonical JSON sorts keys', () => {
    assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] }), '{"a":[{"c":3,"d":2}],"b":1}');
  });
});
