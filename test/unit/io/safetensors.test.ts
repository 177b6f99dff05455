import { strict as assert } from 'node:assert';
import { after, describe, it } from 'node:test';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';
import { openTensorFile, readTensorFile } from '../../../src/engine/io/tensorFile';
import { bfloat16Bits, encodeValues, float16Bits, safetensorsBytes, tempDir, writeFile } from '../../fixtures/writers';

const { dir, cleanup } = tempDir();
after(cleanup);

function u16(values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => b.writeUInt16LE(v, i * 2));
  return b;
}

describe('.safetensors reader', () => {
  it('reads every dtype and skips __metadata__', async () => {
    const p = writeFile(
      dir,
      'all.safetensors',
      safetensorsBytes(
        {
          f32: { dtype: 'F32', shape: [2, 2], bytes: encodeValues('f4', [1, 2.5, -3, 4]) },
          f64: { dtype: 'F64', shape: [2], bytes: encodeValues('f8', [Math.PI, -1]) },
          f16: { dtype: 'F16', shape: [3], bytes: u16([1.5, -2, 0.25].map(float16Bits)) },
          bf16: { dtype: 'BF16', shape: [3], bytes: u16([1.5, -2, 256].map(bfloat16Bits)) },
          i64: { dtype: 'I64', shape: [2], bytes: encodeValues('i8', [-5, 2 ** 40]) },
          i32: { dtype: 'I32', shape: [2], bytes: encodeValues('i4', [-5, 7]) },
          i16: { dtype: 'I16', shape: [2], bytes: encodeValues('i2', [-5, 7]) },
          i8: { dtype: 'I8', shape: [2], bytes: encodeValues('i1', [-5, 7]) },
          u8: { dtype: 'U8', shape: [2], bytes: encodeValues('u1', [250, 7]) },
          bool: { dtype: 'BOOL', shape: [2], bytes: encodeValues('b1', [1, 0]) },
        },
        { format: 'pt' },
      ),
    );
    const all = await readTensorFile(p);
    const byName = Object.fromEntries(all.map((t) => [t.name, Array.from(t.data as ArrayLike<number | bigint>, Number)]));
    assert.deepEqual(byName.f32, [1, 2.5, -3, 4]);
    assert.deepEqual(byName.f64, [Math.PI, -1]);
    assert.deepEqual(byName.f16, [1.5, -2, 0.25]);
    assert.deepEqual(byName.bf16, [1.5, -2, 256]);
    assert.deepEqual(byName.i64, [-5, 2 ** 40]);
    assert.deepEqual(byName.i32, [-5, 7]);
    assert.deepEqual(byName.i16, [-5, 7]);
    assert.deepEqual(byName.i8, [-5, 7]);
    assert.deepEqual(byName.u8, [250, 7]);
    assert.deepEqual(byName.bool, [1, 0]);
    assert.equal(all.find((t) => t.name === 'bf16')?.dtype, 'bfloat16');
    assert.ok(!('__metadata__' in byName));
    const file = await openTensorFile(p);
    try {
      const rows = await file.get('f32')!.readRows(1, 1);
      assert.deepEqual(Array.from(rows.data as Float32Array), [-3, 4]);
    } finally {
      await file.close();
    }
  });

  it('rejects corrupt headers, bad offsets and truncation', async () => {
    const good = safetensorsBytes({ w: { dtype: 'F32', shape: [4], bytes: encodeValues('f4', [1, 2, 3, 4]) } });
    const cut = writeFile(dir, 'cut.safetensors', good.subarray(0, good.length - 4));
    await assert.rejects(readTensorFile(cut), (e: LongtailError) => e.code === ErrorCode.InvalidFile && /truncated/.test(e.message) && e.message.includes(cut));
    const wrongSpan = safetensorsBytes({ w: { dtype: 'F32', shape: [5], bytes: encodeValues('f4', [1, 2, 3, 4]) } });
    await assert.rejects(readTensorFile(writeFile(dir, 'span.safetensors', wrongSpan)), (e: LongtailError) => e.code === ErrorCode.InvalidFile && /data_offsets/.test(e.message));
    const badType = safetensorsBytes({ w: { dtype: 'C64', shape: [1], bytes: Buffer.alloc(8) } });
    await assert.rejects(readTensorFile(writeFile(dir, 'type.safetensors', badType)), (e: LongtailError) => e.code === ErrorCode.UnknownFormat && /C64/.test(e.message));
    const json = Buffer.from(good);
    json[9] = 0x21; // break the JSON
    await assert.rejects(readTensorFile(writeFile(dir, 'json.safetensors', json)), (e: LongtailError) => e.code === ErrorCode.InvalidFile && /JSON/.test(e.message));
  });
});
