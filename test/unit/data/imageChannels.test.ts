// Channels read from the image file (PNG colour type, JPEG component count), checked against PIL on real files
// written by PIL (test/fixtures/torch/makeImageFixtures.py): a grey folder gives 1-channel examples with PIL's
// convert('L') values and needs no --channels; grey images in a colour dataset are replicated (PIL's
// convert('RGB')); a colour image in a grey dataset, or images whose channels the model does not take, are one-line
// errors that suggest --channels.
import { strict as assert } from 'node:assert';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { decodeImageBytes, jpegComponentCount } from '../../../src/engine/data/imageDecode';
import { openDataset } from '../../../src/engine/data/openDataset';
import { planInput } from '../../../src/engine/model/inputLayout';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';
import { tempDir } from '../../fixtures/writers';

const fixtures = join(__dirname, '..', '..', 'fixtures', 'torch', 'images');
interface Expected {
  readonly mode: string;
  readonly fileChannels: 1 | 3;
  readonly width: number;
  readonly height: number;
  readonly pixels: number[];
}
const expected = (JSON.parse(readFileSync(join(fixtures, 'expected.json'), 'utf8')) as { images: Record<string, Expected> }).images;
const { dir, cleanup } = tempDir('longtail-channels-');
after(cleanup);

/** The decoded image's pixels as PIL's convert('L') / convert('RGB') lays them out (HWC, alpha dropped). */
function pixelsOf(name: string): { fileChannels: number; pixels: number[] } {
  const image = decodeImageBytes(readFileSync(join(fixtures, name)), name);
  const pixels: number[] = [];
  for (let p = 0; p < image.width * image.height; p++) {
    for (let c = 0; c < image.fileChannels; c++) pixels.push(image.data[p * image.channels + c]);
  }
  return { fileChannels: image.fileChannels, pixels };
}

function maxDiff(a: readonly number[], b: readonly number[]): number {
  assert.equal(a.length, b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

describe('channels from the image file', () => {
  for (const name of ['grey.png', 'greyAlpha.png', 'paletteGrey.png', 'paletteColour.png', 'rgb.png', 'rgba.png']) {
    it(`${name} (PIL mode ${expected[name].mode}): ${expected[name].fileChannels} channel(s), PIL's pixels exactly`, () => {
      const got = pixelsOf(name);
      assert.equal(got.fileChannels, expected[name].fileChannels);
      assert.deepEqual(got.pixels, expected[name].pixels);
    });
  }

  it('JPEG component count from the frame header: grey 1, YCbCr 3, CMYK 4', () => {
    assert.equal(jpegComponentCount(readFileSync(join(fixtures, 'grey.jpg'))), 1);
    assert.equal(jpegComponentCount(readFileSync(join(fixtures, 'rgb.jpg'))), 3);
    assert.equal(jpegComponentCount(readFileSync(join(fixtures, 'cmyk.jpg'))), 4);
    assert.equal(jpegComponentCount(Buffer.from([0xff, 0xd8, 0xff, 0xda, 0, 2])), null, 'a scan before any frame header');
    assert.equal(jpegComponentCount(Buffer.from([0xff, 0xd8, 0xff])), null, 'truncated');
  });

  it('grey.jpg is 1 channel within 1 level of PIL (libjpeg-turbo), rgb.jpg (4:4:4) 3 channels within 2 (YCbCr → RGB rounding), quality 95', () => {
    const g = pixelsOf('grey.jpg');
    assert.equal(g.fileChannels, 1);
    assert.ok(maxDiff(g.pixels, expected['grey.jpg'].pixels) <= 1, `grey: ${maxDiff(g.pixels, expected['grey.jpg'].pixels)}`);
    const c = pixelsOf('rgb.jpg');
    assert.equal(c.fileChannels, 3);
    assert.ok(maxDiff(c.pixels, expected['rgb.jpg'].pixels) <= 2, `rgb: ${maxDiff(c.pixels, expected['rgb.jpg'].pixels)}`);
    assert.equal(pixelsOf('cmyk.jpg').fileChannels, 3);
  });

  it('a folder of grey PNGs gives [H, W, 1] examples (no --channels) with PIL convert(L) values / 255', async () => {
    const root = join(dir, 'greyFolder');
    for (const [cls, files] of [
      ['a', ['grey.png', 'paletteGrey.png']],
      ['b', ['greyAlpha.png', 'grey.jpg']],
    ] as const) {
      mkdirSync(join(root, cls), { recursive: true });
      for (const f of files) copyFileSync(join(fixtures, f), join(root, cls, f));
    }
    const ds = await openDataset(root);
    try {
      assert.deepEqual(ds.exampleShape, [5, 6, 1]);
      const batch = await ds.readBatch(0, 4);
      assert.deepEqual(batch.shape, [4, 5, 6, 1]);
      // Sorted within each class: a/grey.png, a/paletteGrey.png, b/grey.jpg, b/greyAlpha.png.
      for (const [i, f] of [
        [0, 'grey.png'],
        [1, 'paletteGrey.png'],
        [3, 'greyAlpha.png'],
      ] as const) {
        const want = expected[f].pixels.map((v) => Math.fround(v / 255));
        assert.deepEqual([...batch.x.subarray(i * 30, (i + 1) * 30)], want, f);
      }
      const jpeg = [...batch.x.subarray(60, 90)].map((v) => Math.round(v * 255));
      assert.ok(maxDiff(jpeg, expected['grey.jpg'].pixels) <= 1);
    } finally {
      await ds.close();
    }
  });

  it('a grey image in a colour folder is replicated to RGB, as PIL convert(RGB)', async () => {
    const root = join(dir, 'mixedColourFirst');
    mkdirSync(join(root, 'a'), { recursive: true });
    copyFileSync(join(fixtures, 'rgb.png'), join(root, 'a', '0.png'));
    copyFileSync(join(fixtures, 'grey.png'), join(root, 'a', '1.png'));
    const ds = await openDataset(root);
    try {
      assert.deepEqual(ds.exampleShape, [5, 6, 3]);
      const batch = await ds.readBatch(0, 2);
      assert.deepEqual([...batch.x.subarray(0, 90)], expected['rgb.png'].pixels.map((v) => Math.fround(v / 255)));
      const replicated = expected['grey.png'].pixels.flatMap((v) => [v, v, v].map((u) => Math.fround(u / 255)));
      assert.deepEqual([...batch.x.subarray(90, 180)], replicated);
    } finally {
      await ds.close();
    }
  });

  it('a colour image after a grey first image is a one-line error naming it and suggesting --channels', async () => {
    const root = join(dir, 'mixedGreyFirst');
    mkdirSync(join(root, 'a'), { recursive: true });
    copyFileSync(join(fixtures, 'grey.png'), join(root, 'a', '0.png'));
    copyFileSync(join(fixtures, 'rgb.jpg'), join(root, 'a', '1.jpg'));
    const ds = await openDataset(root);
    try {
      await assert.rejects(
        ds.readBatch(0, 2),
        (e: unknown) =>
          e instanceof LongtailError && e.code === ErrorCode.ShapeMismatch && e.message.startsWith(join(root, 'a', '1.jpg')) && /--channels 3/.test(e.message) && !e.message.includes('\n'),
      );
    } finally {
      await ds.close();
    }
    // With --channels 1 both are read (colour as luma 0.299 R + 0.587 G + 0.114 B).
    const forced = await openDataset(root, { preprocessing: { channels: 1 } });
    try {
      const batch = await forced.readBatch(0, 2);
      assert.deepEqual(batch.shape, [2, 5, 6, 1]);
    } finally {
      await forced.close();
    }
  });

  it('grey images for a 3-channel model: the shape error suggests --channels 3 (and colour for a 1-channel model, --channels 1)', () => {
    const check = (model: (number | null)[], data: number[], flag: string) =>
      assert.throws(
        () => planInput(model, data, '/models/net.onnx'),
        (e: unknown) => e instanceof LongtailError && e.code === ErrorCode.ShapeMismatch && e.message.startsWith('/models/net.onnx: ') && e.message.includes(`give --channels ${flag}`),
      );
    check([3, 28, 28], [28, 28, 1], '3');
    check([28, 28, 3], [28, 28, 1], '3');
    check([1, 28, 28], [28, 28, 3], '1');
    assert.throws(
      () => planInput([3, 32, 32], [28, 28, 1], 'm'),
      (e: unknown) => e instanceof LongtailError && !e.message.includes('--channels'),
    );
  });
});
