import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import '@tensorflow/tfjs-backend-wasm';
import type { Tensor } from '@tensorflow/tfjs';
import { tf } from '../../../src/engine/compute/tf';
import { mulberry32 } from '../../../src/engine/data/seededRandom';
import { loadHeadCheckpoint } from '../../../src/engine/io/headCheckpoint';
import { readTensorFile } from '../../../src/engine/io/tensorFile';
import { encodeNpz, encodeSafetensors } from '../../../src/engine/io/tensorFileWriter';
import { encodeTorchCheckpoint } from '../../../src/engine/io/torchCheckpointWriter';
import { saveLayersModel } from '../../../src/engine/output/saveLayersModel';
import { fineTune } from '../../../src/engine/training/fineTune';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';
import type { FineTuneEpoch, FineTuneParams } from '../../../src/protocol/fineTuneParams';
import { encodeValues, npyBytes, npzBytes, safetensorsBytes, tempDir, writeFile } from '../../fixtures/writers';

const counts = [40, 15, 5];
const c = counts.length;
const d = 4;

/** Gaussian-ish blobs per class (deterministic): features [N, D] and labels. */
function blobs(perClass: readonly number[], seed: number): { x: number[]; y: number[] } {
  const r = mulberry32(seed);
  const x: number[] = [];
  const y: number[] = [];
  perClass.forEach((n, k) => {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) x.push((j === k ? 2 : 0) + (r() + r() + r() - 1.5));
      y.push(k);
    }
  });
  return { x, y };
}

function featuresNpz(dir: string, name: string, perClass: readonly number[], seed: number): string {
  const { x, y } = blobs(perClass, seed);
  return writeFile(dir, name, npzBytes({ features: npyBytes('f4', [y.length, d], x), labels: npyBytes('i8', [y.length], y) }));
}

const headWeight = Array.from({ length: c * d }, (_, i) => ((i * 7) % 5) / 10 - 0.2);
const headBias = [0.3, 0, -0.3];

function bytes(file: string): string {
  return readFileSync(file).toString('hex');
}

describe('fineTune', () => {
  let tmp: ReturnType<typeof tempDir>;
  let train: string;
  let evalPath: string;
  let npzHead: string;
  before(async () => {
    await tf.setBackend('cpu');
    tmp = tempDir('longtail-finetune-');
    train = featuresNpz(tmp.dir, 'train.npz', counts, 1);
    evalPath = featuresNpz(tmp.dir, 'eval.npz', [10, 10, 10], 2);
    npzHead = writeFile(
      tmp.dir,
      'head.npz',
      npzBytes({ 'fc.weight': npyBytes('f4', [c, d], headWeight), 'fc.bias': npyBytes('f4', [c], headBias), 'backbone.weight': npyBytes('f8', [2, 2], [1, 2, 3, 4]), step: npyBytes('i8', [], [7]) }),
    );
  });
  after(() => tmp.cleanup());

  const base = (out: string, extra: Partial<FineTuneParams> = {}): FineTuneParams => ({
    model: npzHead,
    train,
    eval: evalPath,
    loss: 'la',
    epochs: 3,
    batchSize: 16,
    learningRate: 0.05,
    seed: 5,
    out: join(tmp.dir, out),
    workspace: tmp.dir,
    ...extra,
  });

  it('head scope on an .npz head: same keys, training.json, report.json, input untouched, flat memory, deterministic', async () => {
    const inputBefore = bytes(npzHead);
    const tensorsBefore = tf.memory().numTensors;
    const perEpoch: number[] = [];
    const epochs: FineTuneEpoch[] = [];
    const progress: string[] = [];
    const { result } = await fineTune(
      { ...base('run-a'), epochs: 4, progressToken: 't' },
      {
        backend: 'cpu',
        onEpochEnd: (r) => {
          perEpoch.push(tf.memory().numTensors);
          epochs.push(r);
        },
        onProgress: (s) => progress.push(s.phase),
      },
    );
    assert.equal(tf.memory().numTensors, tensorsBefore, 'no tensors left after the run');
    assert.ok(perEpoch.every((n) => n === perEpoch[0]), `tensor count per epoch ${perEpoch.join(', ')}`);
    assert.equal(bytes(npzHead), inputBefore, 'input checkpoint untouched');
    assert.deepEqual(readdirSync(result.outDir).sort(), ['head.npz', 'report.json', 'training.json']);
    const arrays = await readTensorFile(result.checkpointPath);
    assert.deepEqual(arrays.map((a) => [a.name, a.dtype, a.shape]), [
      ['fc.weight', 'float32', [c, d]],
      ['fc.bias', 'float32', [c]],
      ['backbone.weight', 'float64', [2, 2]],
      ['step', 'int64', []],
    ]);
    assert.deepEqual(Array.from(arrays[2].data as Float64Array), [1, 2, 3, 4]);
    const head = await loadHeadCheckpoint(result.checkpointPath);
    assert.notDeepEqual(Array.from(head.weight), headWeight.map(Math.fround), 'weights changed');
    const training = JSON.parse(readFileSync(result.trainingPath, 'utf8'));
    assert.equal(training.loss.name, 'la');
    assert.deepEqual(training.trainCounts, counts);
    assert.equal(training.history.length, 4);
    for (const h of training.history) {
      for (const key of ['epoch', 'loss', 'balancedError', 'buckets', 'learningRate', 'seconds']) assert.ok(key in h, key);
    }
    assert.deepEqual(epochs.map((e) => e.epoch), [1, 2, 3, 4]);
    assert.ok(progress.includes('epoch 4/4'));
    const report = JSON.parse(readFileSync(result.reportPath, 'utf8'));
    assert.equal(report.model.path, result.checkpointPath, 'report names the final checkpoint path');
    assert.equal(report.summary.balancedError, result.balancedError);
    assert.equal(report.summary.evalExamples, 30);
    // Same seed → identical checkpoint bytes; another seed → different weights.
    const again = await fineTune({ ...base('run-b'), epochs: 4 }, { backend: 'cpu' });
    assert.equal(bytes(again.result.checkpointPath), bytes(result.checkpointPath));
    const other = await fineTune({ ...base('run-c'), epochs: 4, seed: 6 }, { backend: 'cpu' });
    assert.notEqual(bytes(other.result.checkpointPath), bytes(result.checkpointPath));
  });

  it('elm in head scope gives weights bit-identical to la and says so in the result and training.json', async () => {
    const elm = await fineTune({ ...base('elm-head'), loss: 'elm', lossOptions: { tau: 1, lambda: 2 } }, { backend: 'cpu' });
    const la = await fineTune({ ...base('la-head'), loss: 'la', lossOptions: { tau: 1 } }, { backend: 'cpu' });
    const elmHead = await loadHeadCheckpoint(elm.result.checkpointPath);
    const laHead = await loadHeadCheckpoint(la.result.checkpointPath);
    assert.deepEqual(Array.from(elmHead.weight), Array.from(laHead.weight));
    assert.deepEqual(Array.from(elmHead.bias ?? []), Array.from(laHead.bias ?? []));
    assert.notDeepEqual(Array.from(elmHead.weight), headWeight.map(Math.fround), 'the run trained');
    // The reported loss differs (the embedding term is added as a constant), the weights do not.
    assert.notEqual(elm.result.history[0].loss, la.result.history[0].loss);
    const note = elm.result.notes.find((n) => n.startsWith('head scope'));
    assert.ok(note?.includes('la with tau=1') && note.includes('identical'), String(note));
    const training = JSON.parse(readFileSync(elm.result.trainingPath, 'utf8'));
    assert.ok(training.notes.includes(note));
    assert.deepEqual(la.result.notes, [], 'la has nothing to note');
  });

  it('adapter scope: elm trains a residual adapter saved next to the head; analyse reads it back with the same numbers', async () => {
    const elm = await fineTune({ ...base('elm-adapter'), loss: 'elm', scope: 'adapter', adapterWidth: 3, epochs: 4 }, { backend: 'cpu' });
    const la = await fineTune({ ...base('la-adapter'), loss: 'la', scope: 'adapter', adapterWidth: 3, epochs: 4 }, { backend: 'cpu' });
    const arrays = await readTensorFile(elm.result.checkpointPath);
    const byName = new Map(arrays.map((a) => [a.name, a]));
    assert.deepEqual(byName.get('adapter.down.weight')?.shape, [3, d]);
    assert.deepEqual(byName.get('adapter.up.weight')?.shape, [d, 3]);
    const A = Array.from(byName.get('adapter.down.weight')?.data as Float32Array);
    const U = Array.from(byName.get('adapter.up.weight')?.data as Float32Array);
    assert.ok(U.some((v) => v !== 0), 'U moved away from the identity start');
    const laU = Array.from((await readTensorFile(la.result.checkpointPath)).find((a) => a.name === 'adapter.up.weight')?.data as Float32Array);
    assert.notDeepEqual(U, laU, "ELM's embedding term changes the adapter (it has a gradient path here)");
    assert.ok(!elm.result.notes.some((n) => n.startsWith('head scope')));
    const training = JSON.parse(readFileSync(elm.result.trainingPath, 'utf8'));
    assert.equal(training.adapter.hidden, 3);
    assert.ok(training.trainedWeights.some((w: string) => w.startsWith('adapter up')));
    // Independent recomputation: z' = z + U·relu(A·z), logits = W z' + b, balanced error on the eval set.
    const head = await loadHeadCheckpoint(elm.result.checkpointPath);
    const { x, y } = blobs([10, 10, 10], 2);
    const correct = [0, 0, 0];
    for (let i = 0; i < y.length; i++) {
      const z = x.slice(i * d, (i + 1) * d).map(Math.fround);
      const mid = A.reduce<number[]>((m, _, k) => (k % d === 0 ? [...m, Math.max(0, z.reduce((acc, zj, j) => acc + A[k + j] * zj, 0))] : m), []);
      const adapted = z.map((zk, k) => zk + mid.reduce((acc, mj, j) => acc + U[k * 3 + j] * mj, 0));
      let best = -Infinity;
      let arg = -1;
      for (let cl = 0; cl < c; cl++) {
        const f = (head.bias?.[cl] ?? 0) + adapted.reduce((acc, v, k) => acc + head.weight[cl * d + k] * v, 0);
        if (f > best) [best, arg] = [f, cl];
      }
      if (arg === y[i]) correct[y[i]]++;
    }
    const expected = 1 - correct.reduce((a, b) => a + b / 10, 0) / c;
    assert.ok(Math.abs(elm.result.balancedError - expected) < 1e-12, `${elm.result.balancedError} vs ${expected}`);
    // Fine-tuning the adapted head again in head scope trains on the adapted features and keeps the adapter.
    const again = await fineTune({ ...base('adapted-head'), model: elm.result.checkpointPath, epochs: 1, learningRate: 1e-9 }, { backend: 'cpu' });
    assert.ok(Math.abs(again.result.balancedError - elm.result.balancedError) < 1e-12);
    const kept = (await readTensorFile(again.result.checkpointPath)).find((a) => a.name === 'adapter.up.weight');
    assert.deepEqual(Array.from(kept?.data as Float32Array), U);
  });

  it('a PyTorch .pth state dict head trains exactly like the same .npz head and is written back as a .pth', async () => {
    const pth = writeFile(
      tmp.dir,
      'model.pth',
      encodeTorchCheckpoint([
        { name: 'backbone.weight', dtype: 'float64', shape: [2, 2], data: Float64Array.from([1, 2, 3, 4]) },
        { name: 'fc.weight', dtype: 'float32', shape: [c, d], data: Float32Array.from(headWeight) },
        { name: 'fc.bias', dtype: 'float32', shape: [c], data: Float32Array.from(headBias) },
      ]),
    );
    const fromNpz = await fineTune({ ...base('pth-ref'), epochs: 3 }, { backend: 'cpu' });
    const fromPth = await fineTune({ ...base('pth-run'), model: pth, epochs: 3 }, { backend: 'cpu' });
    assert.deepEqual(readdirSync(fromPth.result.outDir).sort(), ['model.pth', 'report.json', 'training.json']);
    const want = await loadHeadCheckpoint(fromNpz.result.checkpointPath);
    const got = await loadHeadCheckpoint(fromPth.result.checkpointPath);
    assert.equal(got.weightKey, 'fc.weight');
    assert.deepEqual(Array.from(got.weight), Array.from(want.weight));
    assert.deepEqual(Array.from(got.bias!), Array.from(want.bias!));
    const arrays = await readTensorFile(fromPth.result.checkpointPath);
    assert.deepEqual(arrays.map((a) => [a.name, a.dtype]), [['backbone.weight', 'float64'], ['fc.weight', 'float32'], ['fc.bias', 'float32']]);
    const reportOf = (p: string): { summary: { balancedError: number } } => JSON.parse(readFileSync(p, 'utf8'));
    assert.equal(reportOf(fromPth.result.reportPath).summary.balancedError, reportOf(fromNpz.result.reportPath).summary.balancedError);
  });

  it('safetensors Keras-layout head, class-balanced sampler, adam, weight decay; LDAM saves an argmax-equivalent linear head', async () => {
    const kernel = new Float32Array(d * c);
    for (let y = 0; y < c; y++) for (let k = 0; k < d; k++) kernel[k * c + y] = headWeight[y * d + k];
    const st = writeFile(
      tmp.dir,
      'dense.safetensors',
      safetensorsBytes({
        'dense/kernel:0': { dtype: 'F32', shape: [d, c], bytes: encodeValues('f4', Array.from(kernel)) },
        'dense/bias:0': { dtype: 'F32', shape: [c], bytes: encodeValues('f4', headBias) },
      }),
    );
    for (const loss of ['cb', 'ldam-drw', 'eql', 'elm', 'balanced-softmax', 'ce', 'ldam']) {
      const { result } = await fineTune(
        { ...base(`st-${loss}`), model: st, loss, optimizer: loss === 'ce' ? 'sgd' : 'adam', learningRate: 0.01, sampler: 'class-balanced', weightDecay: 1e-3, lrSchedule: 'cosine' },
        { backend: 'cpu' },
      );
      const arrays = await readTensorFile(result.checkpointPath);
      assert.deepEqual(arrays.map((a) => [a.name, a.shape]), [
        ['dense/kernel:0', [d, c]],
        ['dense/bias:0', [c]],
      ], loss);
      assert.ok(result.history.every((h) => Number.isFinite(h.loss)), loss);
      // Cosine schedule: lr·½(1 + cos(π t/T)) at each epoch's first step (T = 3 epochs × 4 steps).
      result.history.forEach((h, e) => assert.ok(Math.abs(h.learningRate - 0.005 * (1 + Math.cos((Math.PI * 4 * e) / 12))) < 1e-12, `${loss} lr ${h.learningRate}`));
      if (loss.startsWith('ldam')) {
        assert.deepEqual(Array.from(arrays[1].data as Float32Array), [0, 0, 0], 'cosine classifier has no bias');
        const training = JSON.parse(readFileSync(result.trainingPath, 'utf8'));
        assert.equal(training.loss.logits, 'cosine');
        // The saved head predicts exactly as the last epoch's cosine classifier did on eval.
        assert.ok(Math.abs(result.balancedError - result.history[result.history.length - 1].balancedError) < 1e-12);
      }
    }
  });

  it('LayersModel with scope head, last-block and all; only the chosen layers change', async () => {
    const n = counts.reduce((a, b) => a + b, 0);
    const { x, y } = blobs(counts, 3);
    const images = writeFile(tmp.dir, 'images.npz', npzBytes({ x: npyBytes('f4', [n, 2, 2], x), labels: npyBytes('i8', [n], y) }));
    const modelDir = join(tmp.dir, 'mlp');
    const model = tf.sequential();
    model.add(tf.layers.flatten({ inputShape: [2, 2, 1], name: 'flat' }));
    model.add(tf.layers.dense({ units: 6, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }), name: 'hidden1' }));
    model.add(tf.layers.dense({ units: 5, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }), name: 'hidden2' }));
    model.add(tf.layers.dense({ units: c, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }), name: 'classifier' }));
    const { mkdirSync } = await import('node:fs');
    mkdirSync(modelDir);
    await saveLayersModel(model, modelDir);
    model.dispose();
    const weightsBefore = bytes(join(modelDir, 'weights.bin'));
    const tensorsBefore = tf.memory().numTensors;
    const changed = async (scope: 'head' | 'last-block' | 'all', loss: string): Promise<string[]> => {
      const { result } = await fineTune(
        { ...base(`mlp-${scope}-${loss}`), model: join(modelDir, 'model.json'), train: images, eval: undefined, scope, loss, learningRate: 0.1 },
        { backend: 'cpu' },
      );
      assert.deepEqual(readdirSync(result.outDir).sort(), ['model.json', 'report.json', 'training.json', 'weights.bin']);
      const saved = JSON.parse(readFileSync(result.checkpointPath, 'utf8'));
      assert.ok(!JSON.stringify(saved.modelTopology).includes('"trainable":false'), 'trainable flags restored');
      const after = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: saved.modelTopology, weightSpecs: saved.weightsManifest[0].weights, weightData: new Uint8Array(readFileSync(join(result.outDir, 'weights.bin'))).buffer }));
      const orig = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: saved.modelTopology, weightSpecs: saved.weightsManifest[0].weights, weightData: new Uint8Array(readFileSync(join(modelDir, 'weights.bin'))).buffer }));
      const out: string[] = [];
      after.layers.forEach((layer, i) => {
        const a = layer.getWeights().map((w) => Array.from(w.dataSync()));
        const b = orig.layers[i].getWeights().map((w) => Array.from(w.dataSync()));
        if (JSON.stringify(a) !== JSON.stringify(b)) out.push(layer.name);
      });
      after.dispose();
      orig.dispose();
      return out;
    };
    assert.deepEqual(await changed('head', 'la'), ['classifier']);
    assert.deepEqual(await changed('last-block', 'elm'), ['hidden2', 'classifier']);
    assert.deepEqual(await changed('all', 'ldam'), ['hidden1', 'hidden2', 'classifier']);
    assert.equal(bytes(join(modelDir, 'weights.bin')), weightsBefore, 'input checkpoint untouched');
    assert.equal(tf.memory().numTensors, tensorsBefore, 'no tensors left');
  });

  it('LayersModel in adapter scope: elm saves a model with the adapter before the classifier; its own predictions give the reported numbers', async () => {
    const n = counts.reduce((a, b) => a + b, 0);
    const { x, y } = blobs(counts, 4);
    const images = writeFile(tmp.dir, 'images-adapter.npz', npzBytes({ x: npyBytes('f4', [n, 2, 2], x), labels: npyBytes('i8', [n], y) }));
    const modelDir = join(tmp.dir, 'mlp-adapter');
    const model = tf.sequential();
    model.add(tf.layers.flatten({ inputShape: [2, 2, 1], name: 'flat' }));
    model.add(tf.layers.dense({ units: 5, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }), name: 'hidden' }));
    model.add(tf.layers.dense({ units: c, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }), name: 'classifier' }));
    const { mkdirSync } = await import('node:fs');
    mkdirSync(modelDir);
    await saveLayersModel(model, modelDir);
    model.dispose();
    const tensorsBefore = tf.memory().numTensors;
    const { result } = await fineTune(
      { ...base('mlp-adapter-elm'), model: join(modelDir, 'model.json'), train: images, eval: undefined, scope: 'adapter', loss: 'elm', learningRate: 0.1 },
      { backend: 'cpu' },
    );
    assert.equal(tf.memory().numTensors, tensorsBefore, 'no tensors left by the adapted model');
    const saved = JSON.parse(readFileSync(result.checkpointPath, 'utf8'));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: saved.modelTopology, weightSpecs: saved.weightsManifest[0].weights, weightData: new Uint8Array(readFileSync(join(result.outDir, 'weights.bin'))).buffer }));
    try {
      assert.deepEqual(loaded.layers.map((l) => l.name).slice(-5), ['hidden', 'adapter_down', 'adapter_up', 'adapter_residual', 'classifier']);
      const up = loaded.getLayer('adapter_up').getWeights()[0];
      assert.ok(Array.from(up.dataSync()).some((v) => v !== 0), 'the adapter trained');
      const pred = tf.tidy(() => tf.argMax(loaded.predict(tf.tensor(x, [n, 2, 2, 1])) as Tensor, 1).dataSync());
      const correct = new Array(c).fill(0);
      y.forEach((label, i) => (pred[i] === label ? correct[label]++ : 0));
      const expected = 1 - correct.reduce((a: number, k: number, cl: number) => a + k / counts[cl], 0) / c;
      assert.ok(Math.abs(result.balancedError - expected) < 1e-12, `${result.balancedError} vs ${expected}`);
    } finally {
      loaded.dispose();
    }
  });

  it('ONNX (PyTorch export) in adapter scope: a new .onnx with the adapter and head appended, which onnxruntime and analyse read back with the reported numbers', async () => {
    const onnxPath = join(__dirname, '..', '..', 'fixtures', 'onnxTorch', 'mlpGemm.onnx'); // Linear(6, 8) → ReLU → Linear(8, 3)
    const r = mulberry32(9);
    const perClass = [60, 20, 8];
    const xs: number[] = [];
    const ys: number[] = [];
    perClass.forEach((m, k) => {
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < 6; j++) xs.push((j % 3 === k ? 1.5 : 0) + (r() - 0.5) * 2);
        ys.push(k);
      }
    });
    const n = ys.length;
    const data = writeFile(tmp.dir, 'onnx-data.npz', npzBytes({ features: npyBytes('f4', [n, 6], xs), labels: npyBytes('i8', [n], ys) }));
    const { result } = await fineTune(
      { ...base('onnx-adapter-elm'), model: onnxPath, train: data, eval: undefined, scope: 'adapter', adapterWidth: 4, loss: 'elm', learningRate: 0.1 },
      { backend: 'cpu' },
    );
    assert.deepEqual(readdirSync(result.outDir).sort(), ['mlpGemm.onnx', 'report.json', 'training.json']);
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(result.checkpointPath);
    try {
      assert.equal(session.outputNames[0], 'longtail_logits');
      const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', Float32Array.from(xs), [n, 6]) });
      const logits = out.longtail_logits.data as Float32Array;
      const correct = [0, 0, 0];
      for (let i = 0; i < n; i++) {
        const row = Array.from(logits.subarray(i * 3, i * 3 + 3));
        if (row.indexOf(Math.max(...row)) === ys[i]) correct[ys[i]]++;
      }
      const expected = 1 - correct.reduce((a, k, cl) => a + k / perClass[cl], 0) / 3;
      assert.ok(Math.abs(result.balancedError - expected) < 1e-12, `${result.balancedError} vs onnxruntime ${expected}`);
    } finally {
      await session.release();
    }
    const report = JSON.parse(readFileSync(result.reportPath, 'utf8'));
    assert.match(report.model.format, /onnx/);
    assert.ok(report.classes.some((k: { weightNorm: number | null }) => k.weightNorm !== null), 'analyse found the appended classifier');
    const training = JSON.parse(readFileSync(result.trainingPath, 'utf8'));
    assert.equal(training.adapter.hidden, 4);
    assert.equal(training.input.format, 'onnx');
  });

  it('refuses a non-empty output folder, bad options and a .npy head; cancellation leaves nothing', async () => {
    const code = async (params: FineTuneParams, expected: string, re: RegExp): Promise<void> => {
      await assert.rejects(fineTune(params, { backend: 'cpu' }), (e: unknown) => e instanceof LongtailError && e.code === expected && re.test(e.message));
    };
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(tmp.dir, 'full', 'inner'), { recursive: true });
    await code(base('full'), ErrorCode.OutputExists, /not empty/);
    await code(base('bad-loss', { loss: 'focal' }), ErrorCode.InvalidOption, /unknown loss 'focal'/);
    await code(base('bad-opt', { lossOptions: { t: 1 } }), ErrorCode.InvalidOption, /no option 't'/);
    await code(base('bad-scope', { scope: 'all' }), ErrorCode.InvalidOption, /only --scope head/);
    await code(base('bad-epochs', { epochs: 0 }), ErrorCode.InvalidOption, /epochs must be an integer/);
    await code(base('width-without-adapter', { adapterWidth: 8 }), ErrorCode.InvalidOption, /adapter width applies to --scope adapter only/);
    await code(base('bad-width', { scope: 'adapter', adapterWidth: 0 }), ErrorCode.InvalidOption, /adapter width must be an integer from 1/);
    const onnx = join(__dirname, '..', '..', 'fixtures', 'onnxTorch', 'mlpGemm.onnx');
    await code(base('onnx-block', { model: onnx, scope: 'last-block' }), ErrorCode.InvalidOption, /in head or adapter scope, ONNX models/);
    const external = join(__dirname, '..', '..', 'fixtures', 'onnxTorch', 'mlpExternal.onnx');
    await code(base('onnx-external', { model: external, scope: 'adapter' }), ErrorCode.InvalidOption, /external data/);
    const halfAdapter = writeFile(tmp.dir, 'half-adapter.npz', npzBytes({ 'fc.weight': npyBytes('f4', [c, d], headWeight), 'adapter.up.weight': npyBytes('f4', [d, 2], new Array(2 * d).fill(0)) }));
    await code(base('half-adapter', { model: halfAdapter, scope: 'adapter' }), ErrorCode.ShapeMismatch, /has 'adapter\.up\.weight' without 'adapter\.down\.weight'/);
    const npy = writeFile(tmp.dir, 'w.npy', npyBytes('f4', [c, d], headWeight));
    await code(base('npy', { model: npy }), ErrorCode.InvalidOption, /\.npz, \.safetensors or \.pth heads/);
    await code(base('raw', { train: join(tmp.dir, 'images.npz') }), ErrorCode.ShapeMismatch, /holds raw inputs/);
    const signal = { isCancellationRequested: false };
    const out = join(tmp.dir, 'cancelled');
    await assert.rejects(
      fineTune({ ...base('cancelled'), epochs: 50, progressToken: 'c' }, {
        backend: 'cpu',
        signal,
        onProgress: (s) => {
          if (s.done >= 5) signal.isCancellationRequested = true;
        },
      }),
      (e: unknown) => e instanceof LongtailError && e.code === ErrorCode.Cancelled,
    );
    assert.ok(!existsSync(out));
    assert.ok(!readdirSync(tmp.dir).some((f) => f.includes('cancelled')), 'no temporary folder left');
  });

  it('is deterministic for a seed on the wasm backend too', async () => {
    assert.ok(await tf.setBackend('wasm'));
    try {
      const a = await fineTune({ ...base('wasm-a'), loss: 'elm' }, { backend: 'wasm' });
      const b = await fineTune({ ...base('wasm-b'), loss: 'elm' }, { backend: 'wasm' });
      assert.equal(bytes(a.result.checkpointPath), bytes(b.result.checkpointPath));
      assert.deepEqual(a.result.history.map((h) => h.loss), b.result.history.map((h) => h.loss));
    } finally {
      await tf.setBackend('cpu');
    }
  });

  it('the tensor-file writers round-trip through the readers', async () => {
    const arrays = [
      { name: 'a', dtype: 'float32' as const, shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
      { name: 'b.c', dtype: 'int64' as const, shape: [2], data: BigInt64Array.from([5n, -7n]) },
      { name: 's', dtype: 'float64' as const, shape: [], data: Float64Array.from([0.5]) },
    ];
    for (const [name, bytesOf] of [['rt.npz', encodeNpz(arrays)], ['rt.safetensors', encodeSafetensors(arrays)]] as const) {
      const back = await readTensorFile(writeFile(tmp.dir, name, bytesOf));
      assert.deepEqual(back.map((a) => [a.name, a.dtype, a.shape, Array.from(a.data as ArrayLike<number | bigint>)]), arrays.map((a) => [a.name, a.dtype, a.shape, Array.from(a.data as ArrayLike<number | bigint>)]));
    }
  });
});
