// The pruned post-hoc sweeps (C ≥ 32: logit adjustment and τ-normalisation) must give exactly the
// counts of a plain full scan.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { logitAdjustmentCorrect, logPriors } from '../../../src/engine/analysis/logitAdjustment';
import { tauGrid } from '../../../src/engine/analysis/postHocSweep';
import { mulberry32 } from '../../../src/engine/data/seededRandom';
import { tauNormalisationCorrect } from '../../../src/engine/analysis/tauNormalisation';

/** Reference: argmax_y f_y − τ log π_y by full scan, first index on ties. */
function bruteForce(logits: Float64Array, labels: Int32Array, c: number, logPrior: Float64Array, taus: number[]): Int32Array {
  const correct = new Int32Array(taus.length * c);
  for (let i = 0; i < labels.length; i++) {
    taus.forEach((tau, k) => {
      let best = -Infinity;
      let arg = -1;
      for (let y = 0; y < c; y++) {
        const v = logits[i * c + y] + -(tau * logPrior[y]);
        if (v > best) {
          best = v;
          arg = y;
        }
      }
      if (arg === labels[i]) {
        correct[k * c + arg]++;
      }
    });
  }
  return correct;
}

describe('logit-adjustment pruning', () => {
  it('equals the full scan on random rows, with ties, zero counts and wide logit ranges', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.integer({ min: 32, max: 150 }),
        fc.constantFrom('continuous', 'integer', 'spread'),
        (seed, c, kind) => {
          const rand = mulberry32(seed);
          const n = 40;
          const logits = Float64Array.from({ length: n * c }, () =>
            kind === 'integer' ? Math.floor(rand() * 4) : kind === 'spread' ? (rand() - 0.5) * 60 : rand() * 8,
          );
          const labels = Int32Array.from({ length: n }, () => Math.floor(rand() * c));
          const counts = Array.from({ length: c }, (): number => (rand() < 0.05 ? 0 : 1 + Math.floor(Math.pow(rand(), 2) * (kind === 'integer' ? 3 : 1000))));
          counts[0] = Math.max(counts[0], 1);
          // Every row also counts as correct for its own arg-max, so compare the scores for all labels.
          const allLabels = Int32Array.from({ length: n * 2 }, (_, i) => (i < n ? labels[i] : Math.floor(rand() * c)));
          const twice = new Float64Array(2 * n * c);
          twice.set(logits);
          twice.set(logits, n * c);
          const lp = logPriors(counts);
          const taus = tauGrid();
          assert.deepEqual(logitAdjustmentCorrect(twice, allLabels, c, lp, taus), bruteForce(twice, allLabels, c, lp, taus));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('finds every τ winner: per-τ argmax recovered through one-row probes', () => {
    const rand = mulberry32(99);
    const c = 64;
    const counts = Array.from({ length: c }, (_, y) => Math.max(1, Math.floor(1000 * Math.pow(0.001, y / (c - 1)))));
    const lp = logPriors(counts);
    const taus = tauGrid();
    for (let row = 0; row < 50; row++) {
      const f = Float64Array.from({ length: c }, () => rand() * 10);
      // Probe every label: exactly one label is counted at each τ, and it is the full-scan winner.
      const logits = new Float64Array(c * c);
      for (let y = 0; y < c; y++) {
        logits.set(f, y * c);
      }
      const labels = Int32Array.from({ length: c }, (_, y) => y);
      const got = logitAdjustmentCorrect(logits, labels, c, lp, taus);
      assert.deepEqual(got, bruteForce(logits, labels, c, lp, taus));
      for (let k = 0; k < taus.length; k++) {
        assert.equal(got.subarray(k * c, (k + 1) * c).reduce((s, v) => s + v, 0), 1);
      }
    }
  });
});

/** Reference τ-normalisation: argmax_y s_y·‖w_y‖^(−τ) by full scan (scale 1 for a zero norm). */
function bruteForceTauNorm(scores: Float64Array, labels: Int32Array, c: number, norms: Float64Array, taus: number[]): Int32Array {
  const correct = new Int32Array(taus.length * c);
  for (let i = 0; i < labels.length; i++) {
    taus.forEach((tau, k) => {
      let best = -Infinity;
      let arg = -1;
      for (let y = 0; y < c; y++) {
        const v = scores[i * c + y] * (norms[y] > 0 ? Math.pow(norms[y], -tau) : 1);
        if (v > best) {
          best = v;
          arg = y;
        }
      }
      if (arg === labels[i]) {
        correct[k * c + arg]++;
      }
    });
  }
  return correct;
}

describe('τ-normalisation pruning', () => {
  it('equals the full scan: mixed signs, all-negative rows, zero norms, ties', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 32, max: 300 }), fc.constantFrom('mixed', 'negative', 'integer', 'nearlyEqualNorms'), (seed, c, kind) => {
        const rand = mulberry32(seed);
        const n = 60;
        const scores = Float64Array.from({ length: n * c }, () =>
          kind === 'integer' ? Math.floor(rand() * 5) - 1 : kind === 'negative' ? -rand() * 5 : (rand() - 0.4) * 10,
        );
        const norms = Float64Array.from({ length: c }, () =>
          rand() < 0.05 ? 0 : kind === 'integer' ? 1 + Math.floor(rand() * 3) : kind === 'nearlyEqualNorms' ? 1 + rand() * 0.01 : 0.2 + rand() * 3,
        );
        const labels = Int32Array.from({ length: n }, () => Math.floor(rand() * c));
        const taus = tauGrid();
        const got = tauNormalisationCorrect({ kind: 'logits', logits: scores, bias: null }, labels, c, norms, taus);
        assert.deepEqual(got, bruteForceTauNorm(scores, labels, c, norms, taus));
      }),
      { numRuns: 150 },
    );
  });
});
