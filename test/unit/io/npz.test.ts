import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { join } from 'node:path';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';
import { openTensorFile, readTensorFile } from '../../../src/engine/io/tensorFile';
import { npyBytes, npzBytes, tempDir, writeFile } from '../../fixtures/writers';

const { dir, cleanup } = tempDir();
after(cleanup);

function numbers(data: ArrayLike<number | bigint>): number[] {
  return Array.from(data as ArrayLike<number | bigint>, (v) => Number(v));
}

const arrays = {
  features: npyBytes('f4', [3, 2], [1, 2, 3, 4, 5, 6]),
  labels: npyBytes('i8', [3], [0, 2, 1]),
  'nested/name': npyBytes('u1', [2], [7, 8], { version: 2 }),
};

describe('.npz reader', () => {
  for (const deflate of [false, true]) {
    for (const zip64 of [false, true]) {
      it(`${deflate ? 'deflated (savez_compressed)' : 'stored (savez)'}${zip64 ? ' with zip64 records' : ''}`, async () => {
        const p = writeFile(dir, `a_${deflate}_${zip64}.npz`, npzBytes(arrays, { deflate, zip64 }));
        const all = await readTensorFile(p);
        assert.deepEqual(all.map((t) => t.name), ['features', 'labels', 'nested/name']);
        assert.deepEqual(numbers(all[0].data), [1, 2, 3, 4, 5, 6]);
        assert.deepEqual(all[0].shape, [3, 2]);
        assert.equal(all[1].dtype, 'int64');
        assert.deepEqual(numbers(all[1].data), [0, 2, 1]);
        assert.deepEqual(numbers(all[2].data), [7, 8]);
        const file = await openTensorFile(p);
        try {
          assert.equal(file.format, 'npz');
          const rows = await file.get('features')!.readRows(1, 5);
          assert.deepEqual(rows.shape, [2, 2]);
          assert.deepEqual(numbers(rows.data), [3, 4, 5, 6]);
        } finally {
          await file.close();
        }
      });
    }
  }

  it('rejects a file that is not a zip, a truncated zip and a corrupt member', async () => {
    const notZip = writeFile(dir, 'plain.npz', 'PK\x03\x04 this is not really a zip');
    await assert.rejects(readTensorFile(notZip), (e: LongtailError) => e.code === ErrorCode.InvalidFile && e.message.includes(notZip));
    const text = writeFile(dir, 'text.npz', 'hello world');
    await assert.rejects(readTensorFile(text), (e: LongtailError) => e.code === ErrorCode.UnknownFormat && e.message.includes(text));
    const full = npzBytes(arrays, { deflate: true });
    const cut = writeFile(dir, 'cut.npz', full.subarray(0, full.length - 40));
    await assert.rejects(readTensorFile(cut), (e: LongtailError) => e.code === ErrorCode.InvalidFile);
    const stored = npzBytes({ a: npyBytes('f4', [4], [1, 2, 3, 4]) }, { deflate: true });
    const corrupt = Buffer.from(stored);
    corrupt[100] ^= 0xff;
    const bad = writeFile(dir, 'corrupt.npz', corrupt);
    await assert.rejects(readTensorFile(bad), (e: LongtailError) => e.code === ErrorCode.InvalidFile || e.code === ErrorCode.UnknownFormat);
  });
});

const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

describe('.npz written by numpy', { skip: hasNumpy ? false : 'python3 with numpy is not available' }, () => {
  it('reads np.savez and np.savez_compressed files with several dtypes and byte orders', async () => {
    const script = `
import numpy as np, json, sys
d = sys.argv[1]
arrs = {
  'f4': np.arange(12, dtype=np.float32).reshape(3, 4) / 3,
  'f8be': (np.arange(6, dtype='>f8') - 2.5),
  'f2': np.array([0.5, -1.0, 2.0, 65504.0], dtype=np.float16),
  'i1': np.array([-128, 0, 127], dtype=np.int8),
  'i2be': np.array([-300, 300], dtype='>i2'),
  'i4': np.array([[1, -2], [3, -4]], dtype=np.int32),
  'i8': np.array([0, 2**40, -5], dtype=np.int64),
  'u1': np.arange(256, dtype=np.uint8).reshape(16, 16),
  'u2': np.array([65535, 1], dtype=np.uint16),
  'u4': np.array([4294967295, 7], dtype=np.uint32),
  'u8': np.array([2**52, 3], dtype=np.uint64),
  'b1': np.array([True, False, True]),
  'big': np.random.RandomState(0).rand(500, 64).astype(np.float32),
}
np.savez(d + '/plain.npz', **arrs)
np.savez_compressed(d + '/compressed.npz', **arrs)
np.save(d + '/single.npy', arrs['f4'])
print(json.dumps({k: {'shape': list(v.shape), 'values': v.astype(np.float64).ravel().tolist()} for k, v in arrs.items()}))
`;
    const r = spawnSync('python3', ['-c', script, dir], { encoding: 'utf8', maxBuffer: 64 << 20 });
    assert.equal(r.status, 0, r.stderr);
    const expected = JSON.parse(r.stdout) as Record<string, { shape: number[]; values: number[] }>;
    for (const name of ['plain.npz', 'compressed.npz']) {
      const all = await readTensorFile(join(dir, name));
      assert.deepEqual(all.map((t) => t.name).sort(), Object.keys(expected).sort(), name);
      for (const t of all) {
        assert.deepEqual(t.shape, expected[t.name].shape, `${name} ${t.name}`);
        const got = numbers(t.data);
        const want = expected[t.name].values;
        for (let i = 0; i < want.length; i++) {
          assert.ok(got[i] === want[i] || Math.abs(got[i] - want[i]) <= 1e-6 * Math.abs(want[i]), `${name} ${t.name}[${i}]: ${got[i]} vs ${want[i]}`);
        }
      }
    }
    const [single] = await readTensorFile(join(dir, 'single.npy'));
    assert.deepEqual(single.shape, [3, 4]);
  });
});
