/**
 * Cache integrity (issue #14, families 9 and 10): an edited cache file is detected by its content hash,
 * discarded and recomputed, naming the file; a list file's cache entry changes when an image it points
 * to is overwritten; temporary folders of killed runs are swept.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PNG } from 'pngjs';
import { cachedModelOutputs, defaultCacheRoot, outputCacheKey, sweepStaleCacheTemp } from '../../../src/engine/cache/outputCache';
import { tf } from '../../../src/engine/compute/tf';
import { openDataset } from '../../../src/engine/data/openDataset';
import { loadClassifierModel } from '../../../src/engine/model/loadClassifierModel';
import { inMemoryDataset, makeTempDir, saveTinyLayersModel, seededFloats } from '../../fixtures/tinyModels';

function png(value: number): Buffer {
  const image = new PNG({ width: 8, height: 8 });
  image.data.fill(value);
  return PNG.sync.write(image);
}

describe('output cache integrity', () => {
  let root: string;
  let modelFile: string;
  before(async () => {
    await tf.setBackend('cpu');
    root = await makeTempDir('longtail-cache-');
    modelFile = await saveTinyLayersModel(path.join(root, 'model'));
  });
  after(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('an edited logits file is discarded and recomputed, naming the file; the values are the fresh ones', async () => {
    const workspace = path.join(root, 'ws-edit');
    const dataFile = path.join(root, 'data.bin');
    const x = seededFloats(6 * 64, 3);
    await fs.writeFile(dataFile, Buffer.from(x.buffer));
    const model = await loadClassifierModel(modelFile);
    try {
      const dataset = inMemoryDataset(x, [8, 8, 1], new Int32Array(6), dataFile);
      const first = await cachedModelOutputs(model, dataset, { workspaceDir: workspace });
      const fresh = await first.load();
      // Edit one logit in place, keeping the size (the old cache checked sizes only).
      const bytes = await fs.readFile(first.files.logitsFile);
      bytes.writeFloatLE(1e6, 0);
      await fs.writeFile(first.files.logitsFile, bytes);
      const reasons: string[] = [];
      const second = await cachedModelOutputs(model, dataset, { workspaceDir: workspace, onDiscard: (r) => reasons.push(r) });
      assert.equal(second.hit, false, 'the edited entry is not used');
      assert.equal(reasons.length, 1);
      assert.match(reasons[0], new RegExp(`${first.files.logitsFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cache file content does not match its recorded sha256`));
      assert.equal(second.discarded, reasons[0].replace(/; recomputing$/, ''));
      assert.deepEqual(Array.from((await second.load()).logits), Array.from(fresh.logits));
      const third = await cachedModelOutputs(model, dataset, { workspaceDir: workspace });
      assert.equal(third.hit, true, 'the recomputed entry is used again');
    } finally {
      await model.dispose();
    }
  });

  it('a FIFO planted as meta.json does not hang the next run: the entry is recomputed', { skip: process.platform === 'win32' }, async () => {
    const workspace = path.join(root, 'ws-fifo');
    const dataFile = path.join(root, 'data-fifo.bin');
    const x = seededFloats(4 * 64, 5);
    await fs.writeFile(dataFile, Buffer.from(x.buffer));
    const model = await loadClassifierModel(modelFile);
    try {
      const dataset = inMemoryDataset(x, [8, 8, 1], new Int32Array(4), dataFile);
      const first = await cachedModelOutputs(model, dataset, { workspaceDir: workspace });
      await fs.rm(path.join(first.dir, 'meta.json'));
      execFileSync('mkfifo', [path.join(first.dir, 'meta.json')]);
      const reasons: string[] = [];
      const second = await cachedModelOutputs(model, dataset, { workspaceDir: workspace, onDiscard: (r) => reasons.push(r) });
      assert.equal(second.hit, false);
      assert.match(reasons[0] ?? '', /meta\.json: unreadable cache metadata/);
    } finally {
      await model.dispose();
    }
  });

  it('overwriting an image a list file points to changes the cache key', async () => {
    const data = path.join(root, 'list');
    await fs.mkdir(path.join(data, 'img'), { recursive: true });
    await fs.writeFile(path.join(data, 'img', 'a.png'), png(10));
    await fs.writeFile(path.join(data, 'img', 'b.png'), png(200));
    const list = path.join(data, 'train.txt');
    await fs.writeFile(list, 'img/a.png 0\nimg/b.png 1\n');
    const model = await loadClassifierModel(modelFile);
    try {
      const keyOf = async (): Promise<string> => {
        const ds = await openDataset(list);
        try {
          return (await outputCacheKey(model, ds)).key;
        } finally {
          await ds.close();
        }
      };
      const before = await keyOf();
      assert.equal(await keyOf(), before, 'stable while nothing changes');
      await new Promise((r) => setTimeout(r, 20));
      await fs.writeFile(path.join(data, 'img', 'b.png'), png(0));
      assert.notEqual(await keyOf(), before, 'an overwritten image gives a new key although the list file is unchanged');
    } finally {
      await model.dispose();
    }
  });

  it('temporary folders of killed runs are swept, those of live processes kept', async () => {
    const cache = defaultCacheRoot(path.join(root, 'ws-sweep'));
    await fs.mkdir(path.join(cache, '.tmp-abc123-999999999-0a0b0c0d'), { recursive: true });
    await fs.mkdir(path.join(cache, `.tmp-abc123-${process.ppid}-0a0b0c0d`), { recursive: true });
    await fs.mkdir(path.join(cache, 'abc123'), { recursive: true });
    assert.equal(await sweepStaleCacheTemp(cache), 1);
    assert.deepEqual((await fs.readdir(cache)).sort(), [`.tmp-abc123-${process.ppid}-0a0b0c0d`, 'abc123']);
  });
});
