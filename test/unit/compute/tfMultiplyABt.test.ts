import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import '@tensorflow/tfjs-backend-wasm';
import { multiplyABt } from '../../../src/engine/analysis/matmul';
import { classTightness } from '../../../src/engine/analysis/tightness';
import { tf } from '../../../src/engine/compute/tf';
import { tfMultiplyABt } from '../../../src/engine/compute/tfMultiplyABt';

function values(n: number, seed: number, Ctor: Float32ArrayConstructor | Float64ArrayConstructor) {
  const out = new Ctor(n);
  let s = seed;
  for (let i = 0; i < n; i++) out[i] = ((s = (s * 16807) % 2147483647) / 2147483647) - 0.5;
  return out;
}

describe('tfMultiplyABt', () => {
  it('matches the float64 JS kernel on row ranges of shared buffers, float32 and float64 inputs, and frees its tensors', async () => {
    assert.ok(await tf.setBackend('wasm'));
    const before = tf.memory().numTensors;
    const kernel = tfMultiplyABt(tf);
    const d = 7;
    for (const Ctor of [Float32Array, Float64Array]) {
      const points = values(40 * d, 3, Ctor);
      for (const [aStart, aRows, bOffset, bRows] of [[0, 5, 0, 40], [12, 9, 12, 28], [33, 7, 20, 20]]) {
        const expected = new Float64Array(aRows * bRows);
        const actual = new Float64Array(aRows * bRows);
        multiplyABt(points, aStart, aRows, points.subarray(bOffset * d), bRows, d, expected);
        kernel.multiply(points, aStart, aRows, points.subarray(bOffset * d), bRows, d, actual);
        for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(expected[i] - actual[i]) < 1e-5, `${Ctor.name} [${i}] ${expected[i]} vs ${actual[i]}`);
      }
    }
    kernel.dispose();
    assert.equal(tf.memory().numTensors, before);
  });

  it('gives the same tightness as the JS kernel', async () => {
    assert.ok(await tf.setBackend('wasm'));
    const n = 300;
    const c = 12;
    const d = 16;
    const emb = values(n * d, 11, Float32Array);
    const labels = Int32Array.from({ length: n }, (_, i) => i % c);
    const kernel = tfMultiplyABt(tf);
    const js = classTightness(emb, labels, c, d);
    const viaTf = classTightness(emb, labels, c, d, kernel.multiply);
    kernel.dispose();
    js.forEach((t, y) => {
      assert.ok(t && viaTf[y]);
      assert.ok(Math.abs((t.nearestCentroidDistance ?? 0) - (viaTf[y]!.nearestCentroidDistance ?? 0)) < 1e-4);
      assert.ok(Math.abs((t.ratio ?? 0) - (viaTf[y]!.ratio ?? 0)) < 1e-3);
    });
  });
});
