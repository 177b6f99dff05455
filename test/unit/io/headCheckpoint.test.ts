import { strict as assert } from 'node:assert';
import { after, describe, it } from 'node:test';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';
import { loadHeadCheckpoint } from '../../../src/engine/io/headCheckpoint';
import { encodeValues, npyBytes, npzBytes, safetensorsBytes, tempDir, writeFile } from '../../fixtures/writers';

const { dir, cleanup } = tempDir();
after(cleanup);

const w = [1, 2, 3, 4, 5, 6]; // [C=2, D=3]
const kernel = [1, 4, 2, 5, 3, 6]; // [D=3, C=2], the transpose

describe('head checkpoints', () => {
  it('finds fc.weight / fc.bias among conv weights (PyTorch state dict in safetensors)', async () => {
    const p = writeFile(
      dir,
      'resnet.safetensors',
      safetensorsBytes({
        'conv1.weight': { dtype: 'F32', shape: [1, 1, 1, 1], bytes: encodeValues('f4', [1]) },
        'fc.weight': { dtype: 'F32', shape: [2, 3], bytes: encodeValues('f4', w) },
        'fc.bias': { dtype: 'F32', shape: [2], bytes: encodeValues('f4', [0.5, -0.5]) },
      }),
    );
    const head = await loadHeadCheckpoint(p);
    assert.equal(head.weightKey, 'fc.weight');
    assert.equal(head.biasKey, 'fc.bias');
    assert.equal(head.numClasses, 2);
    assert.equal(head.dim, 3);
    assert.deepEqual(Array.from(head.weight), w);
    assert.deepEqual(Array.from(head.bias!), [0.5, -0.5]);
    assert.equal(head.layout, 'pytorch');
  });

  it('transposes a Keras kernel [D, C] and handles module. prefixes and no bias', async () => {
    const p = writeFile(dir, 'keras.npz', npzBytes({ 'dense_1/kernel:0': npyBytes('f4', [3, 2], kernel), 'dense_1/bias:0': npyBytes('f4', [2], [1, 2]) }));
    const head = await loadHeadCheckpoint(p);
    assert.equal(head.layout, 'keras');
    assert.deepEqual(Array.from(head.weight), w);
    assert.equal(head.biasKey, 'dense_1/bias:0');
    const q = writeFile(dir, 'dp.npz', npzBytes({ 'module.classifier.weight': npyBytes('f8', [2, 3], w) }, { deflate: true }));
    const h2 = await loadHeadCheckpoint(q);
    assert.equal(h2.weightKey, 'module.classifier.weight');
    assert.equal(h2.bias, null);
  });

  it('picks the last layer of a Sequential head and asks for headKey when ambiguous', async () => {
    const seq = writeFile(
      dir,
      'vgg.npz',
      npzBytes({
        'classifier.0.weight': npyBytes('f4', [3, 3], Array(9).fill(0)),
        'classifier.3.weight': npyBytes('f4', [2, 3], w),
        'classifier.3.bias': npyBytes('f4', [2], [0, 0]),
      }),
    );
    assert.equal((await loadHeadCheckpoint(seq)).weightKey, 'classifier.3.weight');
    const amb = writeFile(
      dir,
      'amb.npz',
      npzBytes({ 'head.weight': npyBytes('f4', [2, 3], w), 'fc.weight': npyBytes('f4', [4, 3], Array(12).fill(0)) }),
    );
    await assert.rejects(loadHeadCheckpoint(amb), (e: LongtailError) => e.code === ErrorCode.NoClassifier && /head\.weight \[2, 3\]/.test(e.message) && /fc\.weight \[4, 3\]/.test(e.message) && /headKey/.test(e.message));
    const chosen = await loadHeadCheckpoint(amb, { headKey: 'fc' });
    assert.equal(chosen.numClasses, 4);
    await assert.rejects(loadHeadCheckpoint(amb, { headKey: 'nope' }), (e: LongtailError) => e.code === ErrorCode.NoClassifier);
  });

  it('a bare .npy weight, bias shape mismatch, NaN and missing classifier', async () => {
    const bare = writeFile(dir, 'w.npy', npyBytes('f4', [2, 3], w));
    assert.equal((await loadHeadCheckpoint(bare)).numClasses, 2);
    const mismatch = writeFile(dir, 'mm.npz', npzBytes({ weight: npyBytes('f4', [2, 3], w), bias: npyBytes('f4', [3], [0, 0, 0]) }));
    await assert.rejects(loadHeadCheckpoint(mismatch), (e: LongtailError) => e.code === ErrorCode.ShapeMismatch);
    const nan = writeFile(dir, 'nan.npz', npzBytes({ 'fc.weight': npyBytes('f4', [2, 3], [1, NaN, 3, 4, 5, 6]) }));
    await assert.rejects(loadHeadCheckpoint(nan), (e: LongtailError) => e.code === ErrorCode.NonFinite && e.message.includes(nan));
    const none = writeFile(dir, 'none.npz', npzBytes({ 'conv.weight': npyBytes('f4', [1, 1, 1, 1], [1]) }));
    await assert.rejects(loadHeadCheckpoint(none), (e: LongtailError) => e.code === ErrorCode.NoClassifier);
  });
});
