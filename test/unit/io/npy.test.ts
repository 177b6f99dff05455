import { strict as assert } from 'node:assert';
import { after, describe, it } from 'node:test';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';
import { readTensorFile } from '../../../src/engine/io/tensorFile';
import { openNpyFile } from '../../../src/engine/io/npyFile';
import { npyBytes, tempDir, writeFile } from '../../fixtures/writers';

const { dir, cleanup } = tempDir();
after(cleanup);

const kinds: Array<[string, string, number[]]> = [
  ['f2', 'float16', [0, 1.5, -2, 65504, 0.0009765625, 3]],
  ['f4', 'float32', [0, 1.5, -2.25, 1e10, -1e-3, 3]],
  ['f8', 'float64', [0, 1.5, -2.25, 1e300, Math.PI, 3]],
  ['i1', 'int8', [0, 1, -2, 127, -128, 3]],
  ['i2', 'int16', [0, 1, -2, 32767, -32768, 3]],
  ['i4', 'int32', [0, 1, -2, 2147483647, -2147483648, 3]],
  ['i8', 'int64', [0, 1, -2, 2 ** 40, -(2 ** 40), 3]],
  ['u1', 'uint8', [0, 1, 2, 255, 128, 3]],
  ['u2', 'uint16', [0, 1, 2, 65535, 128, 3]],
  ['u4', 'uint32', [0, 1, 2, 4294967295, 128, 3]],
  ['u8', 'uint64', [0, 1, 2, 2 ** 50, 128, 3]],
  ['b1', 'bool', [0, 1, 1, 0, 0, 1]],
];

function asNumbers(data: ArrayLike<number | bigint>): number[] {
  return Array.from(data as ArrayLike<number | bigint>, (v) => Number(v));
}

describe('.npy reader', () => {
  for (const [kind, dtype, values] of kinds) {
    for (const littleEndian of [true, false]) {
      for (const version of [1, 2, 3] as const) {
        it(`${kind} ${littleEndian ? 'little' : 'big'}-endian v${version}`, async () => {
          const p = writeFile(dir, `a_${kind}_${littleEndian}_${version}.npy`, npyBytes(kind, [2, 3], values, { littleEndian, version }));
          const [t] = await readTensorFile(p);
          assert.equal(t.dtype, dtype);
          assert.deepEqual(t.shape, [2, 3]);
          assert.equal(t.name, `a_${kind}_${littleEndian}_${version}`);
          const got = asNumbers(t.data);
          const want = kind === 'f4' ? values.map((v) => Math.fround(v)) : values;
          assert.deepEqual(got, want);
        });
      }
    }
  }

  it('reads rows lazily (positioned reads)', async () => {
    const values = Array.from({ length: 40 }, (_, i) => i);
    const p = writeFile(dir, 'rows.npy', npyBytes('f4', [10, 4], values));
    const file = await openNpyFile(p);
    try {
      const rows = await file.entries[0].readRows(3, 2);
      assert.deepEqual(rows.shape, [2, 4]);
      assert.deepEqual(Array.from(rows.data as Float32Array), [12, 13, 14, 15, 16, 17, 18, 19]);
      const clipped = await file.entries[0].readRows(9, 5);
      assert.deepEqual(clipped.shape, [1, 4]);
    } finally {
      await file.close();
    }
  });

  it('handles scalars and 1-D', async () => {
    const [s] = await readTensorFile(writeFile(dir, 'scalar.npy', npyBytes('f8', [], [2.5])));
    assert.deepEqual(s.shape, []);
    assert.equal(s.data[0], 2.5);
    const [v] = await readTensorFile(writeFile(dir, 'vec.npy', npyBytes('i4', [3], [1, 2, 3])));
    assert.deepEqual(v.shape, [3]);
  });

  it('rejects fortran order, object arrays and truncation with clear errors', async () => {
    const fortran = writeFile(dir, 'f.npy', npyBytes('f4', [2, 2], [1, 2, 3, 4], { fortran: true }));
    await assert.rejects(readTensorFile(fortran), (e: LongtailError) => e.code === ErrorCode.UnknownFormat && /Fortran-order/.test(e.message) && e.message.includes(fortran));
    const object = writeFile(dir, 'o.npy', npyBytes('f4', [1], [1], { descr: '|O' }));
    await assert.rejects(readTensorFile(object), (e: LongtailError) => e.code === ErrorCode.UnknownFormat && /object arrays/.test(e.message));
    const full = npyBytes('f4', [4, 4], Array(16).fill(1));
    const cut = writeFile(dir, 'cut.npy', full.subarray(0, full.length - 5));
    await assert.rejects(readTensorFile(cut), (e: LongtailError) => e.code === ErrorCode.InvalidFile && /truncated/.test(e.message));
  });
});
