// data/examples: the engine reads eval examples by index and hands back labels, PNG thumbnails and image files.
import { strict as assert } from 'node:assert';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PNG } from 'pngjs';
import { exampleThumbnails, thumbnailDataUri } from '../../../src/engine/drilldown/exampleThumbnails';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';
import { idxImagesBytes, idxLabelsBytes, pngBytes, tempDir, writeFile } from '../../fixtures/writers';

function decode(uri: string | null): PNG {
  assert.ok(uri !== null && uri.startsWith('data:image/png;base64,'), 'a PNG data URI');
  return PNG.sync.read(Buffer.from(uri.slice('data:image/png;base64,'.length), 'base64'));
}

describe('data/examples', () => {
  it('reads IDX examples by index: labels, and thumbnails that show the stored pixels (min–max scaled)', async () => {
    const { dir, cleanup } = tempDir();
    try {
      // Example i has value 10·i at pixel (0, 0) and 200 elsewhere on its left half, 0 on the right half.
      writeFile(dir, 'imgs-idx3-ubyte', idxImagesBytes(6, 8, 8, (i, y, x) => (y === 0 && x === 0 ? 10 * i : x < 4 ? 200 : 0)));
      writeFile(dir, 'imgs-idx1-ubyte', idxLabelsBytes([5, 4, 3, 2, 1, 0]));
      const r = await exampleThumbnails({ eval: join(dir, 'imgs-idx3-ubyte'), indices: [4, 1] });
      assert.equal(r.isFeatures, false);
      assert.deepEqual(r.examples.map((e) => [e.index, e.label, e.file]), [[4, 1, null], [1, 4, null]]);
      const png = decode(r.examples[0].thumbnail);
      assert.equal(png.width, 8);
      assert.equal(png.height, 8);
      // pixel (0, 1): 200 → 255 (the max); pixel (0, 7): 0 → 0; grey as RGB, opaque.
      assert.deepEqual([...png.data.subarray(4, 8)], [255, 255, 255, 255]);
      assert.deepEqual([...png.data.subarray(7 * 4, 7 * 4 + 4)], [0, 0, 0, 255]);
      // pixel (0, 0) = 40 of 0…200 → round(255 · 0.2) = 51.
      assert.equal(png.data[0], 51);
    } finally {
      cleanup();
    }
  });

  it('names the image file of folder examples and shrinks large images to the side asked', async () => {
    const { dir, cleanup } = tempDir();
    try {
      for (const [cls, colour] of [['cat', [255, 0, 0]], ['dog', [0, 0, 255]]] as const) {
        mkdirSync(join(dir, 'test', cls), { recursive: true });
        for (let k = 0; k < 2; k++) writeFile(join(dir, 'test', cls), `${k}.png`, pngBytes(40, 20, (_y, x) => (x < 20 ? colour : [0, 0, 0])));
      }
      const r = await exampleThumbnails({ eval: dir, indices: [3, 0], maxSide: 10 });
      assert.deepEqual(r.examples.map((e) => [e.label, e.file]), [[1, join(dir, 'test', 'dog', '1.png')], [0, join(dir, 'test', 'cat', '0.png')]]);
      const dog = decode(r.examples[0].thumbnail);
      assert.deepEqual([dog.width, dog.height], [10, 5]);
      assert.deepEqual([...dog.data.subarray(0, 4)], [0, 0, 255, 255], 'blue on the left');
      assert.deepEqual([...dog.data.subarray(9 * 4, 9 * 4 + 4)], [0, 0, 0, 255], 'black on the right');
    } finally {
      cleanup();
    }
  });

  it('rejects an index outside the eval set and too many indices, naming the file', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFile(dir, 'imgs-idx3-ubyte', idxImagesBytes(3, 4, 4, () => 1));
      writeFile(dir, 'imgs-idx1-ubyte', idxLabelsBytes([0, 1, 0]));
      const file = join(dir, 'imgs-idx3-ubyte');
      await assert.rejects(exampleThumbnails({ eval: file, indices: [3] }), (e: unknown) => e instanceof LongtailError && e.code === ErrorCode.InvalidOption && e.message.includes(file) && e.message.includes('outside'));
      await assert.rejects(exampleThumbnails({ eval: file, indices: Array.from({ length: 65 }, () => 0) }), (e: unknown) => e instanceof LongtailError && e.code === ErrorCode.InvalidOption);
    } finally {
      cleanup();
    }
  });

  it('gives no thumbnail for a feature vector', () => {
    assert.equal(thumbnailDataUri(new Float32Array(16), [16], 96), null);
  });
});
