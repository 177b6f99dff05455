// A list file (ImageNet-LT style) that does not sit in its image folder: paths resolve against `root` when given,
// else against the list's own folder, where a missing image is a one-line FILE_NOT_FOUND naming it.
import { strict as assert } from 'node:assert';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openDataset } from '../../../src/engine/data/openDataset';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';
import { pngBytes, tempDir, writeFile } from '../../fixtures/writers';

const { dir, cleanup } = tempDir();
after(cleanup);

describe('list files with an image root', () => {
  const images = join(dir, 'imagenet');
  mkdirSync(join(images, 'val', 'n01'), { recursive: true });
  mkdirSync(join(images, 'val', 'n02'), { recursive: true });
  writeFile(join(images, 'val', 'n01'), 'a.png', pngBytes(4, 4, () => [10, 10, 10]));
  writeFile(join(images, 'val', 'n02'), 'b.png', pngBytes(4, 4, () => [200, 200, 200]));
  const lists = join(dir, 'splits');
  mkdirSync(lists);
  const list = writeFile(lists, 'ImageNet_LT_test.txt', 'val/n01/a.png 0\nval/n02/b.png 1\n');

  it('reads the images relative to root', async () => {
    const ds = await openDataset(list, { root: images });
    try {
      assert.equal(ds.size, 2);
      assert.deepEqual([...(await ds.readLabels())], [0, 1]);
      const batch = await ds.readBatch(0, 2);
      assert.ok(batch.x[0] < batch.x[batch.x.length - 1], 'the second image is the brighter one');
    } finally {
      await ds.close();
    }
  });

  it('without root, a missing image names itself', async () => {
    await assert.rejects(
      async () => {
        const ds = await openDataset(list);
        try {
          await ds.readBatch(0, 2);
        } finally {
          await ds.close();
        }
      },
      (e: unknown) => e instanceof LongtailError && e.code === ErrorCode.FileNotFound && e.message.includes(join(lists, 'val', 'n01', 'a.png')),
    );
  });
});
