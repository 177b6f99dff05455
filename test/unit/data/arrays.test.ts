import { strict as assert } from 'node:assert';
import { after, describe, it } from 'node:test';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';
import { openDataset } from '../../../src/engine/data/openDataset';
import { encodeValues, npyBytes, npzBytes, safetensorsBytes, tempDir, writeFile } from '../../fixtures/writers';

const { dir, cleanup } = tempDir();
after(cleanup);

describe('array datasets (.npz / .safetensors)', () => {
  for (const deflate of [false, true]) {
    it(`features + labels + logits in npz (${deflate ? 'compressed' : 'stored'})`, async () => {
      const p = writeFile(
        dir,
        `feat_${deflate}.npz`,
        npzBytes(
          {
            embeddings: npyBytes('f8', [4, 2], [1, 2, 3, 4, 5, 6, 7, 8]),
            labels: npyBytes('i8', [4], [0, 2, 1, 2]),
            logits: npyBytes('f4', [4, 3], Array(12).fill(0.5)),
          },
          { deflate },
        ),
      );
      const ds = await openDataset(p);
      try {
        assert.equal(ds.format, 'npz-features');
        assert.ok(ds.isFeatures);
        assert.deepEqual(ds.exampleShape, [2]);
        assert.equal(ds.numClasses, 3);
        assert.equal(ds.storedLogits?.numClasses, 3);
        const b = await ds.readBatch(1, 2);
        assert.deepEqual(Array.from(b.x), [3, 4, 5, 6]);
        assert.deepEqual(Array.from(b.labels), [2, 1]);
      } finally {
        await ds.close();
      }
    });
  }

  it('uint8 images x/y in safetensors get image preprocessing', async () => {
    const p = writeFile(
      dir,
      'img.safetensors',
      safetensorsBytes({
        x: { dtype: 'U8', shape: [2, 2, 2], bytes: encodeValues('u1', [0, 51, 102, 255, 255, 255, 0, 0]) },
        y: { dtype: 'I32', shape: [2], bytes: encodeValues('i4', [1, 0]) },
      }),
    );
    const ds = await openDataset(p);
    assert.equal(ds.format, 'safetensors-images');
    assert.deepEqual(ds.exampleShape, [2, 2, 1]);
    const b = await ds.readBatch(0, 2);
    assert.ok(Math.abs(b.x[1] - 0.2) < 1e-6);
    assert.equal(b.x[4], 1);
    await ds.close();
  });

  it('a labels-only training file (for counts)', async () => {
    const p = writeFile(dir, 'train_labels.npz', npzBytes({ labels: npyBytes('i4', [5], [0, 0, 1, 3, 3]) }));
    const ds = await openDataset(p);
    assert.equal(ds.format, 'npz-labels');
    assert.equal(ds.numClasses, 4);
    assert.deepEqual(ds.exampleShape, [0]);
    assert.deepEqual(Array.from(await ds.readLabels()), [0, 0, 1, 3, 3]);
    await ds.close();
  });

  it('float labels holding whole numbers are accepted; fractional ones are not', async () => {
    const ok = writeFile(dir, 'fl.npz', npzBytes({ labels: npyBytes('f4', [2], [1, 0]) }));
    assert.deepEqual(Array.from(await (await openDataset(ok)).readLabels()), [1, 0]);
    const bad = writeFile(dir, 'frac.npz', npzBytes({ labels: npyBytes('f4', [2], [1, 0.5]) }));
    await assert.rejects(openDataset(bad), (e: LongtailError) => e.code === ErrorCode.InvalidLabels && e.message.includes(bad) && /label 1 is 0.5/.test(e.message));
  });
});
