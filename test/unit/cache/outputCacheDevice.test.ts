/**
 * The output cache is keyed by the device that computes the forward pass: outputs computed on one backend are
 * never served to a run on another (so report.json's engine.device names the device that computed the
 * numbers), and meta.json records which device computed an entry. Real backends: cpu and wasm, each started by
 * loadBackend as the engine does.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cachedModelOutputs, outputCacheKey } from '../../../src/engine/cache/outputCache';
import { loadBackend } from '../../../src/engine/compute/loadBackend';
import { forwardDevice, recordOnnxProvider } from '../../../src/engine/compute/runDevice';
import { tf } from '../../../src/engine/compute/tf';
import type { ClassifierModel } from '../../../src/engine/model/classifierModel';
import { loadClassifierModel } from '../../../src/engine/model/loadClassifierModel';
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

describe('output cache keyed by the computing device', () => {
  let root: string;
  let modelFile: string;
  let dataFile: string;
  const n = 6;
  const x = seededFloats(n * 64, 5);
  const labels = new Int32Array(n);
  before(async () => {
    root = await makeTempDir();
    modelFile = await saveTinyLayersModel(path.join(root, 'model'));
    dataFile = path.join(root, 'data.bin');
    await fs.writeFile(dataFile, Buffer.from(x.buffer));
  });
  after(async () => {
    await loadBackend(tf, { requested: 'cpu', threads: 1 });
    await fs.rm(root, { recursive: true, force: true });
  });

  it('a run on wasm after one on cpu computes its own outputs; each backend then hits its own entry', async () => {
    const cacheRoot = path.join(root, 'cache');
    const run = async (backend: 'cpu' | 'wasm') => {
      await loadBackend(tf, { requested: backend, threads: 1 });
      const model = counting(await loadClassifierModel(modelFile));
      try {
        const r = await cachedModelOutputs(model, inMemoryDataset(x, [8, 8, 1], labels, dataFile), { cacheRoot, batchSize: 3 });
        const meta = JSON.parse(await fs.readFile(path.join(r.dir, 'meta.json'), 'utf8')) as { identity: { computedOn: unknown } };
        return { hit: r.hit, key: r.key, calls: model.calls, computedOn: meta.identity.computedOn, outputs: await r.load() };
      } finally {
        await model.dispose();
      }
    };
    const cpu1 = await run('cpu');
    assert.deepEqual({ hit: cpu1.hit, calls: cpu1.calls }, { hit: false, calls: 2 });
    assert.deepEqual(cpu1.computedOn, { tfjsBackend: 'cpu', device: 'CPU (JavaScript)' });
    const wasm1 = await run('wasm');
    assert.deepEqual({ hit: wasm1.hit, calls: wasm1.calls }, { hit: false, calls: 2 }, 'wasm does not read the outputs cpu computed');
    assert.notEqual(wasm1.key, cpu1.key);
    assert.deepEqual(wasm1.computedOn, { tfjsBackend: 'wasm', device: 'WASM' });
    const wasm2 = await run('wasm');
    assert.deepEqual({ hit: wasm2.hit, calls: wasm2.calls, key: wasm2.key }, { hit: true, calls: 0, key: wasm1.key });
    const cpu2 = await run('cpu');
    assert.deepEqual({ hit: cpu2.hit, calls: cpu2.calls, key: cpu2.key }, { hit: true, calls: 0, key: cpu1.key });
    // Both devices computed the same numbers (float32, different summation order).
    for (let i = 0; i < cpu1.outputs.logits.length; i++) {
      assert.ok(Math.abs(cpu1.outputs.logits[i] - wasm1.outputs.logits[i]) <= 1e-5 * Math.max(1, Math.abs(cpu1.outputs.logits[i])), `logit ${i}`);
    }
    assert.deepEqual((await fs.readdir(cacheRoot)).sort(), [cpu1.key, wasm1.key].sort());
  });

  it('ONNX entries are also keyed by the onnxruntime execution provider', async () => {
    await loadBackend(tf, { requested: 'cpu', threads: 1 });
    const model = await loadClassifierModel(modelFile);
    try {
      const ds = inMemoryDataset(x, [8, 8, 1], labels, dataFile);
      const onnxLike = Object.create(model) as ClassifierModel;
      Object.defineProperty(onnxLike, 'format', { value: 'onnx' });
      recordOnnxProvider('cpu');
      const onCpuEp = await outputCacheKey(onnxLike, ds);
      recordOnnxProvider('webgpu');
      const onWebgpuEp = await outputCacheKey(onnxLike, ds);
      assert.notEqual(onCpuEp.key, onWebgpuEp.key);
      assert.deepEqual(onWebgpuEp.identity.computedOn, { tfjsBackend: 'cpu', device: 'CPU (JavaScript)', onnxExecutionProvider: 'webgpu' });
      // A LayersModel's key does not depend on onnxruntime's provider.
      assert.equal((await outputCacheKey(model, ds)).key, (recordOnnxProvider('cpu'), await outputCacheKey(model, ds)).key);
      assert.deepEqual(forwardDevice('layers', 'cpu'), { tfjsBackend: 'cpu', device: 'CPU (JavaScript)' });
    } finally {
      await model.dispose();
    }
  });
});
