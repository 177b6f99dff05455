import { strict as assert } from 'node:assert';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';
import { openDataset } from '../../../src/engine/data/openDataset';
import { cifarBytes, tempDir, writeFile } from '../../fixtures/writers';

const { dir, cleanup } = tempDir();
after(cleanup);

const pixel = (i: number, c: number, y: number, x: number): number => (i * 11 + c * 50 + y * 2 + x) % 256;

describe('CIFAR binary', () => {
  it('CIFAR-10 directory: batches in numeric order, test split, HWC pixels, class names', async () => {
    const d = join(dir, 'cifar-10-batches-bin');
    mkdirSync(d);
    // 3 training batches (of 4, 3, 5 records) and a test batch of 2.
    const sizes = [4, 3, 5];
    let next = 0;
    const all: number[] = [];
    sizes.forEach((s, b) => {
      const labels = Array.from({ length: s }, (_, i) => (next + i) % 10);
      all.push(...labels);
      const offset = next;
      writeFile(d, `data_batch_${b + 1}.bin`, cifarBytes(labels, 'cifar10', (i, c, y, x) => pixel(offset + i, c, y, x)));
      next += s;
    });
    writeFile(d, 'test_batch.bin', cifarBytes([3, 9], 'cifar10', pixel));
    writeFile(d, 'batches.meta.txt', 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n');
    await assert.rejects(openDataset(dir), (e: LongtailError) => e.code === ErrorCode.InvalidOption && /split/.test(e.message));
    const train = await openDataset(dir, { split: 'train' });
    try {
      assert.equal(train.format, 'cifar10-binary');
      assert.equal(train.size, 12);
      assert.deepEqual(train.exampleShape, [32, 32, 3]);
      assert.equal(train.classNames?.[9], 'truck');
      assert.deepEqual(Array.from(await train.readLabels()), all);
      const b = await train.readBatch(2, 4); // spans batches 1 and 2
      assert.deepEqual(Array.from(b.labels), all.slice(2, 6));
      for (const [k, i, y, x, c] of [[0, 2, 0, 0, 0], [2, 4, 5, 7, 1], [3, 5, 31, 31, 2]]) {
        assert.ok(Math.abs(b.x[k * 3072 + (y * 32 + x) * 3 + c] - pixel(i, c, y, x) / 255) < 1e-7);
      }
    } finally {
      await train.close();
    }
    const test = await openDataset(d, { split: 'test' });
    assert.equal(test.size, 2);
    assert.deepEqual(Array.from(await test.readLabels()), [3, 9]);
    await test.close();
  });

  it('CIFAR-100: fine labels, names, a single file opened directly', async () => {
    const d = join(dir, 'cifar-100-binary');
    mkdirSync(d);
    writeFile(d, 'train.bin', cifarBytes([99, 0, 42], 'cifar100', pixel));
    writeFile(d, 'test.bin', cifarBytes([5], 'cifar100', pixel));
    writeFile(d, 'fine_label_names.txt', Array.from({ length: 100 }, (_, i) => `c${i}`).join('\n'));
    const ds = await openDataset(join(d, 'train.bin'));
    try {
      assert.equal(ds.format, 'cifar100-binary');
      assert.equal(ds.numClasses, 100);
      assert.deepEqual(Array.from(await ds.readLabels()), [99, 0, 42]);
      assert.equal(ds.classNames?.[42], 'c42');
    } finally {
      await ds.close();
    }
    const t = await openDataset(d, { split: 'test' });
    assert.equal(t.size, 1);
    await t.close();
  });
});
