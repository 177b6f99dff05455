import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';
import { findIdxLabels, idxLabelsName, openIdxDataset } from '../../../src/engine/data/idxDataset';
import { openDataset } from '../../../src/engine/data/openDataset';
import { gzip, idxImagesBytes, idxLabelsBytes, tempDir, writeFile } from '../../fixtures/writers';

const { dir, cleanup } = tempDir();
after(cleanup);

const n = 25;
const pixel = (i: number, y: number, x: number): number => (i * 7 + y * 3 + x) % 256;
const labels = Array.from({ length: n }, (_, i) => i % 10);

describe('IDX datasets', () => {
  it('derives the labels file name', () => {
    assert.equal(idxLabelsName('train-images-idx3-ubyte.gz'), 'train-labels-idx1-ubyte.gz');
    assert.equal(idxLabelsName('t10k-images.idx3-ubyte'), 't10k-labels.idx1-ubyte');
    assert.equal(idxLabelsName('data.bin'), null);
  });

  for (const gz of [false, true]) {
    it(`reads ${gz ? 'gzipped' : 'raw'} images in batches with labels found beside them`, async () => {
      const d = join(dir, gz ? 'gz' : 'raw');
      mkdirSync(d);
      const images = idxImagesBytes(n, 4, 5, pixel);
      const lab = idxLabelsBytes(labels);
      const path = writeFile(d, `train-images-idx3-ubyte${gz ? '.gz' : ''}`, gz ? gzip(images) : images);
      writeFile(d, `train-labels-idx1-ubyte${gz ? '.gz' : ''}`, gz ? gzip(lab) : lab);
      const ds = await openIdxDataset(path);
      try {
        assert.equal(ds.format, 'idx');
        assert.equal(ds.size, n);
        assert.deepEqual(ds.exampleShape, [4, 5, 1]);
        assert.equal(ds.numClasses, 10);
        assert.deepEqual(Array.from(await ds.readLabels()), labels);
        assert.deepEqual(ds.preprocessing, { scale: 'unit' });
        const batch = await ds.readBatch(20, 10);
        assert.deepEqual(batch.shape, [5, 4, 5, 1]);
        assert.deepEqual(Array.from(batch.labels), labels.slice(20));
        assert.equal(batch.x[0], Math.fround(pixel(20, 0, 0) / 255));
        assert.ok(Math.abs(batch.x[4 * 20 + 2 * 5 + 3] - pixel(24, 2, 3) / 255) < 1e-7);
      } finally {
        await ds.close();
      }
    });
  }

  it('deletes the decompressed cache on close', async () => {
    const d = join(dir, 'cache');
    mkdirSync(d);
    const path = writeFile(d, 'x-images-idx3-ubyte.gz', gzip(idxImagesBytes(3, 2, 2, pixel)));
    writeFile(d, 'x-labels-idx1-ubyte', idxLabelsBytes([0, 1, 2]));
    const ds = await openIdxDataset(path);
    await ds.close();
    // A second open works and closing twice is harmless.
    const again = await openIdxDataset(path);
    await again.close();
  });

  it('applies preprocessing options (mean/std, resize, channels) and records them verbatim', async () => {
    const d = join(dir, 'pre');
    mkdirSync(d);
    const path = writeFile(d, 'train-images-idx3-ubyte', idxImagesBytes(2, 2, 2, () => 255));
    writeFile(d, 'train-labels-idx1-ubyte', idxLabelsBytes([0, 1]));
    const preprocessing = { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], channels: 3 as const, resize: { height: 4, width: 3, method: 'nearest' as const } };
    const ds = await openDataset(path, { preprocessing });
    try {
      assert.deepEqual(ds.exampleShape, [4, 3, 3]);
      assert.deepEqual(ds.preprocessing, { scale: 'unit', ...preprocessing });
      const b = await ds.readBatch(0, 2);
      assert.equal(b.x.length, 2 * 4 * 3 * 3);
      assert.ok(b.x.every((v) => Math.abs(v - 2) < 1e-6));
    } finally {
      await ds.close();
    }
    await assert.rejects(openDataset(path, { preprocessing: { mean: [0.1, 0.2] } }), (e: LongtailError) => e.code === ErrorCode.InvalidOption);
  });

  it('reports a missing labels file naming what was tried', async () => {
    const d = join(dir, 'nolabels');
    mkdirSync(d);
    const path = writeFile(d, 'train-images-idx3-ubyte', idxImagesBytes(2, 2, 2, pixel));
    await assert.rejects(findIdxLabels(path), (e: LongtailError) => e.code === ErrorCode.FileNotFound && /train-labels-idx1-ubyte/.test(e.message));
    assert.ok(!existsSync(join(d, 'train-labels-idx1-ubyte')));
  });
});
