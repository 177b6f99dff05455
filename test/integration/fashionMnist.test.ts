/**
 * Reads the real Fashion-MNIST from Debian's `dataset-fashion-mnist` package
 * (`apt-get install dataset-fashion-mnist`), which installs the four gzipped IDX files in
 * /usr/share/datasets/fashion-mnist/. Skipped, saying why, when the package is not installed
 * (override the location with LONGTAIL_FASHION_MNIST_DIR).
 */
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openDataset } from '../../src/engine/data/openDataset';
import { makeLongTailIndices } from '../../src/engine/data/makeLongTail';

const dir = process.env.LONGTAIL_FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';
const present = existsSync(join(dir, 'train-images-idx3-ubyte.gz')) && existsSync(join(dir, 't10k-images-idx3-ubyte.gz'));
const skip = present ? false : `Fashion-MNIST not found in ${dir} (install Debian's dataset-fashion-mnist or set LONGTAIL_FASHION_MNIST_DIR)`;

function histogram(labels: Int32Array, k: number): number[] {
  const h = new Array<number>(k).fill(0);
  labels.forEach((l) => h[l]++);
  return h;
}

describe('Fashion-MNIST (Debian dataset-fashion-mnist)', { skip }, () => {
  for (const [split, size, perClass] of [['train', 60000, 6000], ['test', 10000, 1000]] as const) {
    it(`${split}: ${size} examples of 28×28×1, ${perClass} per class, values in [0, 1]`, async () => {
      const ds = await openDataset(dir, { split });
      try {
        assert.equal(ds.format, 'idx');
        assert.equal(ds.size, size);
        assert.deepEqual(ds.exampleShape, [28, 28, 1]);
        assert.equal(ds.numClasses, 10);
        const labels = await ds.readLabels();
        assert.deepEqual(histogram(labels, 10), new Array(10).fill(perClass));
        for (const start of [0, size - 100]) {
          const batch = await ds.readBatch(start, 256);
          assert.equal(batch.shape[0], Math.min(256, size - start));
          assert.deepEqual(batch.shape.slice(1), [28, 28, 1]);
          assert.deepEqual(Array.from(batch.labels), Array.from(labels.subarray(start, start + batch.shape[0])));
          let min = Infinity;
          let max = -Infinity;
          for (const v of batch.x) {
            min = Math.min(min, v);
            max = Math.max(max, v);
          }
          assert.ok(min >= 0 && max <= 1 && max > 0.9, `range ${min}..${max}`);
        }
      } finally {
        await ds.close();
      }
    });
  }

  it('a long-tailed subset of the training split (exp, ρ = 100)', async () => {
    const ds = await openDataset(dir, { split: 'train' });
    const labels = await ds.readLabels();
    await ds.close();
    const { counts, indices } = makeLongTailIndices(labels, 10, { ratio: 100, profile: 'exp', seed: 0 });
    assert.equal(counts[0], 6000);
    assert.equal(counts[9], 60);
    assert.ok(counts.every((c, i) => i === 0 || c < counts[i - 1]), `decreasing: ${counts}`);
    const kept = histogram(Int32Array.from(indices, (i) => labels[i]), 10);
    assert.deepEqual(kept, counts);
    assert.equal(indices.length, counts.reduce((a, b) => a + b, 0));
  });
});
