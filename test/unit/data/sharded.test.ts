// Features and logits written one file per rank read as one dataset: the joined dataset equals the unsharded
// file batch by batch (across shard boundaries), for the -NNNNN-of-MMMMM naming, a glob and a JSON index; and
// shards that disagree, a missing shard, or an index entry outside its folder are refused by name.
import { strict as assert } from 'node:assert';
import { after, describe, it } from 'node:test';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';
import { openDataset } from '../../../src/engine/data/openDataset';
import { encodeValues, npyBytes, npzBytes, safetensorsBytes, tempDir, writeFile } from '../../fixtures/writers';

const { dir, cleanup } = tempDir();
after(cleanup);

const N = 23;
const D = 3;
const C = 4;
const features = Array.from({ length: N * D }, (_, i) => Math.sin(i) * 10);
const labels = Array.from({ length: N }, (_, i) => (i * 7) % C);
const logits = Array.from({ length: N * C }, (_, i) => Math.cos(i));

function npz(from: number, to: number, withLogits = true): Buffer {
  const arrays: Record<string, Buffer> = {
    features: npyBytes('f4', [to - from, D], features.slice(from * D, to * D)),
    labels: npyBytes('i8', [to - from], labels.slice(from, to)),
  };
  if (withLogits) arrays.logits = npyBytes('f4', [to - from, C], logits.slice(from * C, to * C));
  return npzBytes(arrays);
}

async function readAll(path: string, batch: number): Promise<{ x: number[]; y: number[]; logits: number[] | null; size: number; format: string }> {
  const ds = await openDataset(path);
  try {
    const x: number[] = [];
    const y: number[] = [];
    for (let s = 0; s < ds.size; s += batch) {
      const b = await ds.readBatch(s, batch);
      x.push(...b.x);
      y.push(...b.labels);
    }
    assert.deepEqual([...(await ds.readLabels())], y);
    return { x, y, logits: ds.storedLogits ? [...ds.storedLogits.data] : null, size: ds.size, format: ds.format };
  } finally {
    await ds.close();
  }
}

async function refuses(path: string, code: ErrorCode, pattern: RegExp): Promise<void> {
  await assert.rejects(openDataset(path), (e: unknown) => e instanceof LongtailError && e.code === code && pattern.test(e.message));
}

describe('sharded feature datasets', () => {
  const cuts = [0, 5, 6, 14, 23]; // uneven shards, one of a single example
  const whole = writeFile(dir, 'whole.npz', npz(0, N));
  for (let i = 0; i < 4; i++) writeFile(dir, `features-${String(i).padStart(5, '0')}-of-00004.npz`, npz(cuts[i], cuts[i + 1]));

  it('features-00002-of-00004.npz opens the whole set, equal to the unsharded file for every batch size', async () => {
    const want = await readAll(whole, 7);
    for (const batch of [1, 4, 7, 100]) {
      const got = await readAll(`${dir}/features-00002-of-00004.npz`, batch);
      assert.equal(got.size, N);
      assert.equal(got.format, 'sharded-npz-features');
      assert.deepEqual(got.x, want.x);
      assert.deepEqual(got.y, want.y);
      assert.deepEqual(got.logits, want.logits);
    }
  });

  it('a glob and a JSON index give the same dataset; safetensors shards too', async () => {
    const want = await readAll(whole, 9);
    assert.deepEqual((await readAll(`${dir}/features-*-of-00004.npz`, 9)).x, want.x);
    const index = writeFile(dir, 'shards.json', JSON.stringify({ shards: [0, 1, 2, 3].map((i) => `features-${String(i).padStart(5, '0')}-of-00004.npz`) }));
    assert.deepEqual((await readAll(index, 9)).y, want.y);
    for (let i = 0; i < 2; i++) {
      const from = i === 0 ? 0 : 10;
      const to = i === 0 ? 10 : N;
      writeFile(dir, `st-0000${i}-of-00002.safetensors`, safetensorsBytes({
        features: { dtype: 'F32', shape: [to - from, D], bytes: encodeValues('f4', features.slice(from * D, to * D)) },
        labels: { dtype: 'I64', shape: [to - from], bytes: encodeValues('i8', labels.slice(from, to)) },
        logits: { dtype: 'F32', shape: [to - from, C], bytes: encodeValues('f4', logits.slice(from * C, to * C)) },
      }));
    }
    const st = await readAll(`${dir}/st-00001-of-00002.safetensors`, 9);
    assert.deepEqual(st.x, want.x);
    assert.deepEqual(st.logits, want.logits);
  });

  it('refuses a missing shard, disagreeing shards and an index entry outside its folder', async () => {
    writeFile(dir, 'gap-00000-of-00003.npz', npz(0, 5));
    writeFile(dir, 'gap-00002-of-00003.npz', npz(5, 9));
    await refuses(`${dir}/gap-00000-of-00003.npz`, ErrorCode.FileNotFound, /gap-00001-of-00003\.npz: shard 2 of 3 is missing/);
    writeFile(dir, 'mix-00000-of-00002.npz', npz(0, 5));
    writeFile(dir, 'mix-00001-of-00002.npz', npz(5, 9, false));
    await refuses(`${dir}/mix-00000-of-00002.npz`, ErrorCode.ShapeMismatch, /mix-00001-of-00002\.npz: shard 2 of 2 stores no logits/);
    const outside = writeFile(dir, 'escape.json', JSON.stringify({ shards: ['../etc/passwd'] }));
    await refuses(outside, ErrorCode.InvalidFile, /escape\.json: shards\[0\] .* is outside the index's folder/);
  });

  it("names the glob's folder when it is missing or is a file", async () => {
    await refuses(`${dir}/no-such-folder/part-*.npz`, ErrorCode.FileNotFound, /no-such-folder: no such file or directory/);
    await refuses(`${dir}/gap-00000-of-00003.npz/part-*.npz`, ErrorCode.FileNotFound, /gap-00000-of-00003\.npz: no such file or directory/);
  });
});
