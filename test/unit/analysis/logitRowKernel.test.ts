import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { firstNonFiniteBlock, kernelExp, scoreRows } from '../../../src/engine/analysis/logitRowKernel';
import { scoreLogits, topKAccuracy } from '../../../src/engine/analysis/predictions';
import { assertFinite } from '../../../src/engine/analysis/validateInput';
import { mulberry32 } from '../../../src/engine/data/seededRandom';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';

function assertRelClose(actual: Float64Array, expected: Float64Array, tol: number, what: string): void {
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol * Math.abs(expected[i]), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

/** The definitions, row by row in float64, straight from the formulas (no shared code with the engine). */
function reference(logits: Float32Array, n: number, c: number, shift: Float64Array, labels: Int32Array) {
  const pred = new Int32Array(n);
  const conf = new Float64Array(n);
  const adjPred = new Int32Array(n);
  const adjConf = new Float64Array(n);
  const rank = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const f = Array.from(logits.subarray(i * c, (i + 1) * c));
    const g = f.map((v, y) => v + shift[y]);
    const argmax = (xs: number[]) => xs.reduce((best, v, y) => (v > xs[best] ? y : best), 0);
    const softmaxAt = (xs: number[], at: number) => {
      const m = Math.max(...xs);
      return Math.exp(xs[at] - m) / xs.reduce((s, v) => s + Math.exp(v - m), 0);
    };
    pred[i] = argmax(f);
    conf[i] = softmaxAt(f, pred[i]);
    adjPred[i] = argmax(g);
    adjConf[i] = softmaxAt(g, adjPred[i]);
    const l = labels[i];
    rank[i] = f.filter((v, y) => v > f[l] || (v === f[l] && y < l)).length;
  }
  return { pred, conf, adjPred, adjConf, rank };
}

describe('logit-row kernel (kernels/logitRows.wat)', () => {
  it("its exponential is within 4e−16 relative of Math.exp on [−708, 0] and exact at 0", () => {
    const exp = kernelExp();
    assert.ok(exp, 'WebAssembly SIMD is available under Node');
    const rand = mulberry32(7);
    let worst = 0;
    for (let k = 0; k < 200_000; k++) {
      const x = k < 2000 ? -k * 1e-3 : -rand() * (k % 2 ? 708 : 4);
      worst = Math.max(worst, Math.abs(exp(x) - Math.exp(x)) / Math.exp(x));
    }
    assert.ok(worst <= 4e-16, `worst relative error ${worst}`);
    assert.equal(exp(0), 1);
    assert.equal(exp(-0), 1);
  });

  // Sums of C non-negative terms in two orders differ by at most (C − 1)·u relative (u = 2^−53), plus each exponential's
  // own error (≤ 2 u between Math.exp and the kernel's): the tolerance is (C + 2)·2u.
  it('WebAssembly and typed-array scoring agree: indices and ranks exactly, sums within (C + 2)·2u; several blocks, ties, C from 1', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 40 }), fc.boolean(), fc.boolean(), (seed, c0, ties, ranked) => {
        const rand = mulberry32(seed);
        const c = c0 === 40 ? 3001 : c0; // 3001 classes: 349 rows per block, so 600 rows are two blocks
        const n = c === 3001 ? 600 : 50;
        const logits = Float32Array.from({ length: n * c }, () => (ties ? Math.floor(rand() * 4) : (rand() - 0.5) * 30));
        const a = Float64Array.from({ length: c }, () => (rand() - 0.5) * 20);
        const hi = Math.max(...a);
        const w = Float64Array.from(a, (v) => Math.exp(v - hi));
        const labels = ranked ? Int32Array.from({ length: n }, () => Math.floor(rand() * c)) : null; // null: no ranks (C < 100 in reports)
        const got = scoreRows(logits, n, c, a, w, labels);
        const want = scoreRows(logits, n, c, a, w, labels, 'js');
        assert.equal(got.kind, 'wasm');
        assert.equal(want.kind, 'js');
        assert.equal(got.labelRank === null, !ranked);
        assert.deepEqual(got.predictions, want.predictions);
        assert.deepEqual(got.adjPredictions, want.adjPredictions);
        assert.deepEqual(got.labelRank, want.labelRank);
        assert.deepEqual(got.rowMax, want.rowMax);
        const tol = (c + 2) * 2 ** -52;
        assertRelClose(got.rowSum, want.rowSum, tol, 'rowSum');
        assertRelClose(got.adjSum, want.adjSum, tol, 'adjSum');
        assertRelClose(got.adjTop, want.adjTop, 4 * 2 ** -53, 'adjTop');
        for (let i = 0; i < n; i++) assert.ok(got.adjTop[i] <= got.adjSum[i] && got.rowSum[i] >= 1, `row ${i}`);
      }),
      { numRuns: 120 },
    );
  });

  it('scoreLogits equals the definitions (arg-max, max softmax of f and of f − τ log π, label ranks, top-k) with either kernel', () => {
    for (const [seed, c] of [
      [1, 3],
      [2, 10],
      [3, 257],
    ]) {
      const rand = mulberry32(seed);
      const n = 80;
      const logits = Float32Array.from({ length: n * c }, () => (rand() < 0.2 ? 2 : (rand() - 0.5) * 12));
      const counts = Array.from({ length: c }, (_, y) => (y === 1 ? 0 : Math.floor(1000 * Math.pow(0.9, y)) + 1));
      const total = counts.reduce((s, v) => s + v, 0);
      const shift = Float64Array.from(counts, (v) => -(v > 0 ? Math.log(v / total) : Math.log(1e-12)));
      const labels = Int32Array.from({ length: n }, () => Math.floor(rand() * c));
      const ref = reference(logits, n, c, shift, labels);
      for (const kernels of ['auto', 'js'] as const) {
        const s = scoreLogits(logits, n, c, { shift, labels, kernels });
        assert.deepEqual(s.predictions, ref.pred, kernels);
        assert.deepEqual(s.adjusted?.predictions, ref.adjPred, kernels);
        assert.deepEqual(s.labelRank, ref.rank, kernels);
        assertRelClose(s.confidence, ref.conf, 1e-13, `${kernels} confidence`);
        assertRelClose(s.adjusted?.confidence ?? new Float64Array(0), ref.adjConf, 1e-13, `${kernels} adjusted confidence`);
        for (let i = 0; i < n; i++) assert.ok(s.adjusted!.confidence[i] <= 1 && s.confidence[i] <= 1);
        const k = Math.min(5, c);
        assert.equal(topKAccuracy(s.labelRank!, k), Array.from(ref.rank).filter((r) => r < k).length / n);
      }
    }
  });

  it('a shift spanning more than 600, or a label outside [0, C), is refused before any arithmetic', () => {
    const internal = (e: unknown) => e instanceof LongtailError && e.code === ErrorCode.Internal;
    assert.throws(() => scoreLogits(new Float32Array([1, 2]), 1, 2, { shift: new Float64Array([0, 601]) }), internal);
    for (const label of [-1, 2, 2 ** 31 - 1]) {
      assert.throws(() => scoreLogits(new Float32Array([1, 2, 3, 4]), 2, 2, { labels: Int32Array.from([0, label]) }), internal, String(label));
    }
    assert.throws(() => scoreLogits(new Float32Array([1, 2]), 1, 2, { labels: new Int32Array(2) }), internal);
  });

  it('the finiteness scan finds the first NaN/±Inf (float32 and float64, in the vector body and the tail) and passes extremes', () => {
    const rand = mulberry32(3);
    for (const make of [(n: number) => new Float32Array(n), (n: number) => new Float64Array(n)]) {
      for (const len of [1, 7, 1 << 20, (1 << 20) * 2 + 3]) {
        const values = make(len);
        for (let k = 0; k < len; k += 9973) values[k] = (rand() - 0.5) * 1e30;
        values[len - 1] = values instanceof Float32Array ? 3.4028234663852886e38 : Number.MAX_VALUE;
        if (len > 3) values[1] = -0;
        if (len > 3) values[2] = values instanceof Float32Array ? 1.4e-45 : 5e-324;
        for (const kernels of ['auto', 'js'] as const) {
          assert.equal(firstNonFiniteBlock(values, 1 << 20, kernels), -1, `${kernels} len ${len}`);
          assert.doesNotThrow(() => assertFinite(values, 'logits', kernels));
        }
        for (const bad of [Number.NaN, Infinity, -Infinity]) {
          for (const at of [len - 1, Math.floor(len / 2)]) {
            const copy = values.slice();
            copy[at] = bad;
            if (at < len - 1) copy[len - 1] = Number.NaN; // a later one too: the first is reported
            for (const kernels of ['auto', 'js'] as const) {
              assert.throws(
                () => assertFinite(copy, 'logits', kernels),
                (e: unknown) => e instanceof LongtailError && e.code === ErrorCode.NonFinite && e.message === `logits contains ${String(bad)} at flat index ${at}`,
                `${kernels} len ${len} at ${at}`,
              );
            }
          }
        }
      }
    }
  });
});
