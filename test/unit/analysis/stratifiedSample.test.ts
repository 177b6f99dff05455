// The UMAP sample: every class appears while the classes fit in half the budget, the rest is uniform,
// deterministic per seed, sorted and without repeats.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { stratifiedSample } from '../../../src/engine/analysis/stratifiedSample';

/** Labels: `counts[y]` examples of class y, interleaved in a fixed scrambled order. */
function labelsOf(counts: number[]): Int32Array {
  const out: number[] = [];
  counts.forEach((k, y) => {
    for (let i = 0; i < k; i++) out.push(y);
  });
  // A fixed permutation (multiplicative stride coprime with the length) so classes are not contiguous.
  const n = out.length;
  let stride = 7919;
  while (gcd(stride, n) !== 1) stride++;
  return Int32Array.from({ length: n }, (_, i) => out[(i * stride) % n]);
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function perClass(labels: Int32Array, sample: Int32Array, c: number): number[] {
  const k = new Array<number>(c).fill(0);
  for (const i of sample) k[labels[i]]++;
  return k;
}

describe('stratifiedSample', () => {
  it('keeps every example of 50 tail classes next to a 10,000-example head class', () => {
    const counts = [10000, ...new Array<number>(50).fill(3)];
    const labels = labelsOf(counts);
    const s = stratifiedSample(labels, 51, 400, 1);
    assert.equal(s.length, 400);
    const k = perClass(labels, s, 51);
    assert.deepEqual(k.slice(1), new Array<number>(50).fill(3), 'all 150 tail examples');
    assert.equal(k[0], 250);
    // A uniform sample of 400 would expect 400 · 150 / 10150 ≈ 6 tail examples.
  });

  it('is sorted, without repeats, deterministic per seed, and all indices when N ≤ maxPoints', () => {
    const labels = labelsOf([500, 200, 80, 20, 5, 1]);
    const a = stratifiedSample(labels, 6, 120, 9);
    assert.deepEqual(a, stratifiedSample(labels, 6, 120, 9));
    assert.notDeepEqual(a, stratifiedSample(labels, 6, 120, 10));
    for (let i = 1; i < a.length; i++) assert.ok(a[i] > a[i - 1]);
    assert.equal(a.length, 120);
    assert.ok(perClass(labels, a, 6).every((k) => k > 0), 'every class present');
    assert.deepEqual(Array.from(stratifiedSample(labels, 6, 10000, 9)), Array.from({ length: labels.length }, (_, i) => i));
  });

  it('floor part: every class gets min(n_c, k) or min(n_c, k + 1) of the first half', () => {
    // Budget 60 → floor part 30 over classes of sizes 40, 40, 4, 2: rounds give 4 + 4 + 4 + 2 = 14 after 4 rounds,
    // then only the two large classes: 16 more places, 8 each → 12, 12, 4, 2 before the uniform half.
    const labels = labelsOf([40, 40, 4, 2]);
    const s = stratifiedSample(labels, 4, 60, 3);
    const k = perClass(labels, s, 4);
    assert.equal(k[2], 4);
    assert.equal(k[3], 2);
    assert.ok(k[0] >= 12 && k[1] >= 12, `head classes ${k}`);
    assert.equal(k[0] + k[1], 54);
  });

  it('with more classes than half the budget, half the budget are distinct classes, one example each', () => {
    const labels = labelsOf(new Array<number>(1000).fill(5));
    const s = stratifiedSample(labels, 1000, 100, 4);
    assert.equal(s.length, 100);
    const k = perClass(labels, s, 1000);
    assert.ok(k.filter((v) => v > 0).length >= 50);
  });

  it('0 points gives an empty sample', () => {
    assert.equal(stratifiedSample(labelsOf([3, 3]), 2, 0, 1).length, 0);
  });
});
