import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { multiplyABt } from '../../../src/engine/analysis/matmul';
import { pcaProjection } from '../../../src/engine/analysis/projection';
import { classTightness } from '../../../src/engine/analysis/tightness';
import { createProductService } from '../../../src/engine/compute/productService';
import { serviceMultiplyABt } from '../../../src/engine/compute/serviceMultiplyABt';

function values(n: number, seed: number, Ctor: Float32ArrayConstructor | Float64ArrayConstructor) {
  const out = new Ctor(n);
  let s = seed;
  for (let i = 0; i < n; i++) out[i] = (s = (s * 16807) % 2147483647) / 2147483647 - 0.5;
  return out;
}

describe('serviceMultiplyABt', () => {
  it('matches the float64 JS kernel within the float32 bound on row ranges, float32/float64 inputs, unchanged and changing B', async () => {
    const service = await createProductService({ threads: 1 });
    const kernel = serviceMultiplyABt(service);
    const d = 37;
    for (const Ctor of [Float32Array, Float64Array]) {
      const points = values(60 * d, 3, Ctor);
      for (const unchanged of [false, true]) {
        for (const [aStart, aRows, bOffset, bRows] of [[0, 5, 0, 60], [12, 9, 12, 48], [53, 7, 20, 40], [0, 1, 59, 1]]) {
          const expected = new Float64Array(aRows * bRows);
          const actual = new Float64Array(aRows * bRows);
          multiplyABt(points, aStart, aRows, points.subarray(bOffset * d), bRows, d, expected);
          kernel.multiply(points, aStart, aRows, points.subarray(bOffset * d), bRows, d, actual, unchanged);
          // |a|, |b| ≤ 0.5: Σ|a_j b_j| ≤ d/4; float32 rounding of the inputs (2⁻²⁴ each) and accumulation (γ_d).
          const bound = (d + 2) * 2 ** -24 * (d / 4);
          for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(expected[i] - actual[i]) <= bound, `${Ctor.name} unchanged=${unchanged} [${i}] ${expected[i]} vs ${actual[i]}`);
        }
      }
    }
    kernel.dispose();
    await service.dispose();
  });

  it('a B rewritten in place between calls is read fresh when not promised unchanged', async () => {
    const service = await createProductService({ threads: 1 });
    const kernel = serviceMultiplyABt(service);
    const a = Float64Array.of(1, 2);
    const b = Float64Array.of(3, 4);
    const out = new Float64Array(1);
    kernel.multiply(a, 0, 1, b, 1, 2, out);
    assert.equal(out[0], 11);
    b[0] = 5;
    kernel.multiply(a, 0, 1, b, 1, 2, out);
    assert.equal(out[0], 13);
    kernel.dispose();
  });

  it('gives the JS kernel\'s tightness and PCA (within 1e-5) on a 40-class problem', async () => {
    const service = await createProductService({ threads: 1 });
    const kernel = serviceMultiplyABt(service);
    const n = 600;
    const c = 40;
    const d = 24;
    const embeddings = values(n * d, 5, Float32Array);
    const labels = Int32Array.from({ length: n }, (_, i) => (i * 7) % c);
    for (let i = 0; i < n; i++) embeddings[i * d + (labels[i] % d)] += 2;
    const js = classTightness(embeddings, labels, c, d);
    const native = classTightness(embeddings, labels, c, d, kernel.multiply);
    for (let y = 0; y < c; y++) {
      assert.ok(js[y] && native[y]);
      assert.ok(Math.abs((js[y]?.nearestCentroidDistance ?? NaN) - (native[y]?.nearestCentroidDistance ?? NaN)) < 1e-5, `class ${y}`);
      assert.equal(js[y]?.resultantLength, native[y]?.resultantLength);
    }
    const pJs = pcaProjection(embeddings, labels, d, 300, 11);
    const pNative = pcaProjection(embeddings, labels, d, 300, 11, kernel.multiply);
    for (let i = 0; i < pJs.points.length; i++) {
      assert.ok(Math.abs(pJs.points[i][0] - pNative.points[i][0]) < 1e-5 && Math.abs(pJs.points[i][1] - pNative.points[i][1]) < 1e-5, `point ${i}`);
    }
    kernel.dispose();
  });
});
