import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { tauGrid, tauRange } from '../../../src/engine/analysis/postHocSweep';
import { tauNormalisationCorrect } from '../../../src/engine/analysis/tauNormalisation';
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
          const got = tauNormalisationCorrect({ kind: 'logits', logits: scores, bias: null }, labels, c, norms, taus, { keepBias: bias, groupOf, groups: 2 });
          assert.deepEqual(got, fullScan(scores, labels, c, norms, taus, bias, groupOf, 2));
        },
      ),
      { numRuns: 200 },
    );
  });
});
