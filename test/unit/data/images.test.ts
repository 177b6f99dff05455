import { strict as assert } from 'node:assert';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';
import { openDataset } from '../../../src/engine/data/openDataset';
import { jpegBytes, pngBytes, tempDir, writeFile } from '../../fixtures/writers';

const { dir, cleanup } = tempDir();
after(cleanup);

const red = (): number[] => [255, 0, 0];
const gradient = (y: number, x: number): number[] => [x * 30, y * 30, 100];

function makeFolder(root: string): void {
  for (const [cls, count] of [['cat', 3], ['dog', 1], ['empty', 0]] as const) {
    mkdirSync(join(root, cls), { recursive: true });
    for (let i = 0; i < count; i++) {
      writeFile(join(root, cls), `${i}.png`, pngBytes(4, 3, cls === 'cat' ? red : gradient));
    }
  }
  writeFile(join(root, 'dog'), 'x.jpg', jpegBytes(4, 3, () => [0, 0, 255]));
  writeFile(join(root, 'dog'), 'notes.txt', 'ignored');
}

describe('image datasets', () => {
  it('image folder: classes from sorted sub-folders, PNG and JPEG, empty class kept', async () => {
    const root = join(dir, 'folder');
    makeFolder(root);
    const ds = await openDataset(root);
    try {
      assert.equal(ds.format, 'image-folder');
      assert.deepEqual(ds.classNames, ['cat', 'dog', 'empty']);
      assert.equal(ds.numClasses, 3);
      assert.equal(ds.size, 5);
      assert.deepEqual(ds.exampleShape, [3, 4, 3]);
      assert.deepEqual(Array.from(await ds.readLabels()), [0, 0, 0, 1, 1]);
      const b = await ds.readBatch(0, 5);
      assert.deepEqual(b.shape, [5, 3, 4, 3]);
      assert.deepEqual(Array.from(b.x.subarray(0, 3)), [1, 0, 0]);
      const jpeg = b.x.subarray(4 * 36, 4 * 36 + 3); // dog/x.jpg sorts after dog/0.png
      assert.ok(jpeg[2] > 0.9 && jpeg[0] < 0.1, `jpeg pixel ${Array.from(jpeg)}`);
    } finally {
      await ds.close();
    }
  });

  it('resize (bilinear and nearest), grayscale, BGR', async () => {
    const root = join(dir, 'folder');
    const ds = await openDataset(root, { preprocessing: { resize: { height: 6, width: 8 }, channels: 1 } });
    assert.deepEqual(ds.exampleShape, [6, 8, 1]);
    const b = await ds.readBatch(0, 1);
    assert.ok(Math.abs(b.x[0] - 0.299) < 1e-3);
    const bgr = await openDataset(root, { preprocessing: { channelOrder: 'bgr', resize: { height: 2, width: 2, method: 'nearest' } } });
    const c = await bgr.readBatch(0, 1);
    assert.deepEqual(Array.from(c.x.subarray(0, 3)), [0, 0, 1]);
  });

  it('train/val split folders', async () => {
    const root = join(dir, 'splits');
    makeFolder(join(root, 'train'));
    mkdirSync(join(root, 'val', 'cat'), { recursive: true });
    writeFile(join(root, 'val', 'cat'), 'a.png', pngBytes(4, 3, red));
    const test = await openDataset(root, { split: 'test' });
    assert.equal(test.size, 1);
    const train = await openDataset(root, { split: 'train' });
    assert.equal(train.size, 5);
  });

  it('list files (ImageNet-LT style) with classes.txt and an explicit root', async () => {
    const root = join(dir, 'folder');
    const list = writeFile(dir, 'ImageNet_LT_train.txt', 'folder/cat/0.png 0\nfolder/dog/0.png 1\n\n# comment\nfolder/dog/x.jpg 1\n');
    writeFile(dir, 'classes.txt', 'cat\ndog\n');
    const ds = await openDataset(list);
    assert.equal(ds.format, 'list-file');
    assert.equal(ds.size, 3);
    assert.deepEqual(ds.classNames, ['cat', 'dog']);
    assert.deepEqual(Array.from(await ds.readLabels()), [0, 1, 1]);
    assert.equal((await ds.readBatch(0, 3)).shape[0], 3);
    const rooted = writeFile(dir, 'rooted.lst', 'cat/0.png 0\n');
    const r = await openDataset(rooted, { root });
    assert.equal((await r.readBatch(0, 1)).x[0], 1);
  });

  it('iNaturalist JSON maps category ids and names', async () => {
    const json = {
      images: [{ id: 10, file_name: 'folder/cat/0.png' }, { id: 11, file_name: 'folder/dog/0.png' }],
      annotations: [{ id: 10, image_id: 10, category_id: 7 }, { id: 11, image_id: 11, category_id: 3 }],
      categories: [{ id: 3, name: 'Canis' }, { id: 7, name: 'Felis' }],
    };
    const p = writeFile(dir, 'train2018.json', JSON.stringify(json));
    const ds = await openDataset(p);
    assert.equal(ds.format, 'inat-json');
    assert.deepEqual(ds.classNames, ['Canis', 'Felis']);
    assert.deepEqual(Array.from(await ds.readLabels()), [1, 0]);
    assert.equal((await ds.readBatch(0, 2)).shape[0], 2);
  });

  it('fails naming an undecodable image, a missing image and a size mismatch', async () => {
    const root = join(dir, 'broken');
    mkdirSync(join(root, 'a'), { recursive: true });
    writeFile(join(root, 'a'), '0.png', pngBytes(4, 3, red));
    const bad = writeFile(join(root, 'a'), '1.png', Buffer.from('\x89PNG\r\n\x1a\n garbage garbage'));
    const big = writeFile(join(root, 'a'), '2.png', pngBytes(5, 5, red));
    const ds = await openDataset(root);
    await assert.rejects(ds.readBatch(1, 1), (e: LongtailError) => e.code === ErrorCode.InvalidFile && e.message.includes(bad) && /cannot decode/.test(e.message));
    await assert.rejects(ds.readBatch(2, 1), (e: LongtailError) => e.code === ErrorCode.ShapeMismatch && e.message.includes(big));
    const list = writeFile(dir, 'missing.txt', 'nowhere/x.png 0\n');
    // The first image is read on opening (its channel count decides the example shape), resize or not.
    await assert.rejects(openDataset(list, { preprocessing: { resize: { height: 2, width: 2 } } }), (e: LongtailError) => e.code === ErrorCode.FileNotFound && /nowhere/.test(e.message));
  });
});
