import { strict as assert } from 'node:assert';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';
import { openDataset } from '../../../src/engine/data/openDataset';
import { readClassCounts, countLabels } from '../../../src/engine/data/classCounts';
import { readClassNamesFile } from '../../../src/engine/data/classNames';
import { cifarBytes, encodeValues, idxImagesBytes, idxLabelsBytes, npyBytes, npzBytes, pngBytes, safetensorsBytes, tempDir, writeFile } from '../../fixtures/writers';

const { dir, cleanup } = tempDir();
after(cleanup);

function mk(...parts: string[]): string {
  const p = join(dir, ...parts);
  mkdirSync(p, { recursive: true });
  return p;
}

const feats = (n: number): Buffer => npzBytes({ features: npyBytes('f4', [n, 2], Array(2 * n).fill(1)), labels: npyBytes('i4', [n], Array.from({ length: n }, (_, i) => i % 2)) });

describe('openDataset detects formats from content', () => {
  it('ignores misleading file names', async () => {
    const d = mk('names');
    const cases: Array<[string, Buffer | string, string]> = [
      ['outputs.data', feats(3), 'npz-features'],
      ['weights.npz', safetensorsBytes({ embeddings: { dtype: 'F32', shape: [1, 1], bytes: encodeValues('f4', [1]) }, labels: { dtype: 'U8', shape: [1], bytes: encodeValues('u1', [0]) } }), 'safetensors-features'],
      ['batch.dat', cifarBytes([1, 2, 3], 'cifar10', () => 0), 'cifar10-binary'],
      ['split.lst', 'a.png 0\n', 'list-file'],
      ['meta.txt', JSON.stringify({ images: [{ id: 1, file_name: 'a.png' }], annotations: [{ image_id: 1, category_id: 0 }], categories: [{ id: 0 }] }), 'inat-json'],
    ];
    writeFile(d, 'a.png', pngBytes(2, 2, () => [1, 2, 3]));
    for (const [name, bytes, format] of cases) {
      const ds = await openDataset(writeFile(d, name, bytes));
      assert.equal(ds.format, format, name);
      await ds.close();
    }
  });

  it('directories with split files and MNIST-style IDX splits', async () => {
    const npz = mk('npzsplits');
    writeFile(npz, 'train.npz', feats(4));
    writeFile(npz, 'test.npz', feats(2));
    assert.equal((await openDataset(npz, { split: 'train' })).size, 4);
    assert.equal((await openDataset(npz, { split: 'test' })).size, 2);
    await assert.rejects(openDataset(npz), (e: LongtailError) => e.code === ErrorCode.InvalidOption && e.message.includes(npz));

    const lt = mk('imagenet_lt');
    writeFile(lt, 'a.png', pngBytes(2, 2, () => [1, 2, 3]));
    writeFile(lt, 'ImageNet_LT_train.txt', 'a.png 0\na.png 1\na.png 1\n');
    writeFile(lt, 'ImageNet_LT_val.txt', 'a.png 0\n');
    writeFile(lt, 'ImageNet_LT_test.txt', 'a.png 1\na.png 0\n');
    assert.equal((await openDataset(lt, { split: 'test' })).size, 2);
    assert.equal((await openDataset(lt, { split: 'train' })).size, 3);

    const mnist = mk('mnist');
    for (const [prefix, n] of [['train', 6], ['t10k', 3]] as const) {
      writeFile(mnist, `${prefix}-images-idx3-ubyte`, idxImagesBytes(n, 2, 2, () => 9));
      writeFile(mnist, `${prefix}-labels-idx1-ubyte`, idxLabelsBytes(Array.from({ length: n }, (_, i) => i % 3)));
    }
    writeFile(mnist, 'classes.txt', 'zero\none\ntwo\n');
    const test = await openDataset(mnist, { split: 'test' });
    assert.equal(test.size, 3);
    assert.deepEqual(test.classNames, ['zero', 'one', 'two']);
    await test.close();
    await assert.rejects(openDataset(join(mnist, 'train-labels-idx1-ubyte')), (e: LongtailError) => e.code === ErrorCode.UnknownFormat && /images file/.test(e.message));
  });

  it('class-names files override discovered names; class counts files', async () => {
    const d = mk('names2');
    const p = writeFile(d, 'f.npz', feats(4));
    const names = writeFile(d, 'names.json', '["neg", "pos"]');
    const ds = await openDataset(p, { classNamesFile: names });
    assert.deepEqual(ds.classNames, ['neg', 'pos']);
    assert.equal(ds.numClasses, 2);
    assert.deepEqual(await readClassNamesFile(writeFile(d, 'c.txt', 'a\r\nb\n\n')), ['a', 'b']);
    assert.deepEqual(await readClassCounts(writeFile(d, 'counts.json', '[5000, 2997, 50]')), [5000, 2997, 50]);
    assert.deepEqual(await readClassCounts(writeFile(d, 'counts.npy', npyBytes('i8', [3], [3, 2, 1]))), [3, 2, 1]);
    assert.deepEqual(countLabels(Int32Array.from([0, 2, 2]), 4), [1, 0, 2, 0]);
    const tooFew = writeFile(d, 'one.json', '["only"]');
    await assert.rejects(openDataset(p, { classNamesFile: tooFew }), (e: LongtailError) => e.code === ErrorCode.InvalidLabels);
  });
});
