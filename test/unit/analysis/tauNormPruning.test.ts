import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { tauGrid, tauRange } from '../../../src/engine/analysis/postHocSweep';
import { tauNormalisationCorrect } from '../../../src/engine/analysis/tauNormalisation';
import { tauNormRowKernel } from '../../../src/engine/analysis/tauNormRowKernel';
import { mulberry32 } from '../../../src/engine/data/seededRandom';

/** The definition, scanned in full: argmax_y s_y·‖w_y‖^(−τ) [+ b_y], first index on ties, per group. */
function fullScan(scores: Float64Array, labels: Int32Array, c: number, norms: Float64Array, taus: readonly number[], bias: Float64Array | null, groupOf: Uint8Array, groups: number): Int32Array {
  const t = taus.length;
  const correct = new Int32Array(groups * t * c);
  for (let i = 0; i < labels.length; i++) {
    taus.forEach((tau, k) => {
      let best = -Infinity;
      let arg = -1;
      for (let y = 0; y < c; y++) {
        const v = scores[i * c + y] * (norms[y] > 0 ? Math.pow(norms[y], -tau) : 1) + (bias ? bias[y] : 0);
        if (v > best || arg < 0) {
          best = v;
          arg = y;
        }
      }
      if (arg === labels[i]) correct[(groupOf[i] * t + k) * c + arg]++;
    });
  }
  return correct;
}

describe('τ-normalisation pruning (kink test, segment narrowing)', () => {
  it('equals the full scan with the bias kept or dropped, groups, extended and unsorted grids, ties and zero norms', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.integer({ min: 32, max: 200 }),
        fc.constantFrom('mixed', 'negative', 'integer', 'nearlyEqualNorms', 'longTail'),
        fc.constantFrom('grid', 'extended', 'shuffled'),
        fc.boolean(),
        (seed, c, kind, grid, withBias) => {
          const rand = mulberry32(seed);
          const n = 40;
          const scores = Float64Array.from({ length: n * c }, () =>
            kind === 'integer' ? Math.floor(rand() * 5) - 1 : kind === 'negative' ? -rand() * 5 : (rand() - 0.4) * 10,
          );
          const norms = Float64Array.from({ length: c }, (_, y) =>
            rand() < 0.05 ? 0 : kind === 'integer' ? 1 + Math.floor(rand() * 3) : kind === 'nearlyEqualNorms' ? 1 + rand() * 0.01 : kind === 'longTail' ? 3 * Math.exp(-y / 30) + 0.1 : 0.2 + rand() * 3,
          );
          const bias = withBias ? Float64Array.from({ length: c }, () => (kind === 'integer' ? Math.floor(rand() * 3) - 1 : (rand() - 0.5) * 3)) : null;
          const labels = Int32Array.from({ length: n }, () => Math.floor(rand() * c));
          const groupOf = Uint8Array.from({ length: n }, () => (rand() < 0.5 ? 0 : 1));
          const taus = grid === 'grid' ? tauGrid() : grid === 'extended' ? tauRange(2.1, 4) : [...tauGrid()].sort(() => rand() - 0.5);
          const expected = fullScan(scores, labels, c, norms, taus, bias, groupOf, 2);
          for (const kernels of ['auto', 'js'] as const) {
            const got = tauNormalisationCorrect({ kind: 'logits', logits: scores, bias: null }, labels, c, norms, taus, { keepBias: bias, groupOf, groups: 2, kernels });
            assert.deepEqual(got, expected, kernels);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('τ-normalisation row kernel (kernels/tauNormRows.wat)', () => {
  it('is the WebAssembly kernel under Node', () => {
    assert.equal(tauNormRowKernel(4, 33, 21, 5).kind, 'wasm');
  });
  it('float32 logits less a float32 or float64 logit bias give the full scan of f − b in float64, with either kernel, odd and even C', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 32, max: 301 }), fc.boolean(), fc.boolean(), (seed, c, keep, wide) => {
        const rand = mulberry32(seed);
        const n = 150; // more than one block of rows when C is large enough
        const logits = Float32Array.from({ length: n * c }, () => (rand() < 0.1 ? 1.5 : (rand() - 0.45) * 8));
        // A float64 bias holds values float32 cannot (0.1): the kernel must not round them.
        const biasValue = () => (rand() < 0.3 ? 0.1 : (rand() - 0.5) * 2);
        const logitBias = wide ? Float64Array.from({ length: c }, biasValue) : Float32Array.from({ length: c }, biasValue);
        const norms = Float64Array.from({ length: c }, () => 0.1 + rand() * 4);
        const labels = Int32Array.from({ length: n }, () => Math.floor(rand() * c));
        const groupOf = new Uint8Array(n);
        const scores = Float64Array.from(logits, (v, k) => v - logitBias[k % c]);
        const keepBias = keep ? Float64Array.from(logitBias) : null;
        const expected = fullScan(scores, labels, c, norms, tauGrid(), keepBias, groupOf, 1);
        for (const kernels of ['auto', 'js'] as const) {
          const got = tauNormalisationCorrect({ kind: 'logits', logits, bias: logitBias }, labels, c, norms, tauGrid(), { keepBias, kernels });
          assert.deepEqual(got, expected, kernels);
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('τ-normalisation row kernel: WebAssembly and typed-array loops agree bit for bit', () => {
  it('scan statistics, prunes at cuts equal to attained values, with and without a kink, ties, odd and even C', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 67 }), fc.boolean(), (seed, c, integer) => {
        const rand = mulberry32(seed);
        const rows = 3;
        const t = 4;
        const np = 3;
        const kernels = [tauNormRowKernel(rows, c, t, np), tauNormRowKernel(rows, c, t, np, 'js')];
        assert.equal(kernels[0].kind, 'wasm');
        const value = () => (rand() < 0.05 ? -0 : integer ? Math.floor(rand() * 5) - 2 : (rand() - 0.5) * 6);
        const block = Float64Array.from({ length: rows * c }, value);
        const scale = Float64Array.from({ length: t * c }, () => (integer ? 1 + Math.floor(rand() * 2) : 0.2 + rand() * 2));
        const bias = Float64Array.from({ length: c }, () => (rand() < 0.5 ? 0 : value()));
        for (const k of kernels) {
          k.block.set(block);
          k.scale.set(scale);
          k.bias.set(bias);
          for (let y = 0; y < c; y++) {
            for (let p = 0; p < np; p++) k.scaleAtBp[y * np + p] = scale[p * c + y];
            for (let q = 0; q < t; q++) k.scaleByClass[y * t + q] = scale[q * c + y];
          }
          k.segmentBit.set([1, 1, 2, 2]);
        }
        for (let r = 0; r < rows; r++) {
          const off = r * c;
          const [lo, hi, a, b] = [0, c, 2 * c, 3 * c];
          // Equal up to the sign of a zero (lb and max |g| merge the lanes with a max; the prunes below must not care).
          const stats = kernels.map((k) => {
            k.scan(off, lo, hi);
            return Array.from(k.stats, (v) => (v === 0 ? 0 : v));
          });
          assert.deepEqual(stats[0], stats[1], 'scan');
          // cuts equal to attained values exercise ≥ at equality
          const y = Math.floor(rand() * c);
          const cut = block[off + y] * scale[lo + y] + bias[y];
          const cutHi = block[off + y] * scale[hi + y];
          const cutStar = block[off + y] * Math.max(scale[a + y], scale[b + y]);
          const prunes = kernels.map((k) => [
            Array.from(k.cand.subarray(0, k.pruneByBound(off, lo, hi, cut))),
            Array.from(k.cand.subarray(0, k.pruneByLines(off, lo, hi, a, b, cut, cutHi, cutStar))),
            Array.from(k.cand.subarray(0, k.pruneByLines(off, lo, hi, -1, -1, cut, cutHi, cutStar))),
          ]);
          assert.deepEqual(prunes[0], prunes[1], 'prunes');
          // step 3 and the arg-maxes over a random candidate list (increasing classes), ties included
          const list = Array.from({ length: c }, (_, y) => y).filter(() => rand() < 0.6);
          if (list.length === 0) list.push(0);
          const narrowed = kernels.map((k) => {
            k.cand.set(list);
            const kept = k.narrow(off, list.length, np);
            k.winners(off, kept);
            return [Array.from(k.cand.subarray(0, kept)), Array.from(k.mask.subarray(0, kept)), Array.from(k.win)];
          });
          assert.deepEqual(narrowed[0], narrowed[1], 'narrow and winners');
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('τ-normalisation with a float64 logit bias', () => {
  it('subtracts it in float64 with either kernel: 0.1 and float32(0.1) are different biases', () => {
    const c = 40;
    const n = 10;
    const logits = new Float32Array(n * c).fill(-1);
    for (let i = 0; i < n; i++) logits.fill(2, i * c, i * c + 2); // classes 0 and 1 tie on the logit
    const bias = new Float64Array(c);
    bias[0] = Math.fround(0.1); // 0.10000000149…: class 1's f − b = 1.9 is larger
    bias[1] = 0.1;
    const labels = new Int32Array(n).fill(1);
    const norms = new Float64Array(c).fill(1);
    for (const kernels of ['auto', 'js'] as const) {
      const got = tauNormalisationCorrect({ kind: 'logits', logits, bias }, labels, c, norms, tauGrid(), { kernels });
      assert.equal(got[1], n, `${kernels}: class 1 wins at τ = 0`);
    }
  });
});
