// Unit tests of the building blocks: statistics, buckets, groups, τ rule, calibration edges, eigen
// solver, sampling, PCA, confusion pairs, zero-count / zero-norm conventions.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { bucketOf } from '../../../src/engine/analysis/buckets';
import { buildReport } from '../../../src/engine/analysis/buildReport';
import { binEdges, calibration } from '../../../src/engine/analysis/calibration';
import { topConfusedPairs } from '../../../src/engine/analysis/confusion';
import { frequencyGroups } from '../../../src/engine/analysis/frequencyGroups';
import { frequencyOrder } from '../../../src/engine/analysis/frequencyOrder';
import { logitAdjustmentCorrect, logPriors, zeroPriorLog } from '../../../src/engine/analysis/logitAdjustment';
import { multiplyABt } from '../../../src/engine/analysis/matmul';
import { bestTauIndex, tauGrid } from '../../../src/engine/analysis/postHocSweep';
import { scoreLogits } from '../../../src/engine/analysis/predictions';
import { pcaProjection } from '../../../src/engine/analysis/projection';
import { sampleIndices } from '../../../src/engine/data/seededRandom';
import { averageRanks, olsFit, pearson, spearman } from '../../../src/engine/analysis/statistics';
import { symmetricEigen } from '../../../src/engine/analysis/symmetricEigen';
import { tauNormalisationCorrect } from '../../../src/engine/analysis/tauNormalisation';
import { nearestOtherRow } from '../../../src/engine/analysis/tightness';
import { transposeKernel, type MultiplyABt } from '../../../src/engine/analysis/types';
import { weightNormStats } from '../../../src/engine/analysis/weightNorms';
import { assertAllClose, assertClose, provenance, randomProblem } from './helpers';

describe('statistics', () => {
  it('null for constant inputs or fewer than 2 points', () => {
    assert.equal(pearson([1, 1, 1], [1, 2, 3]), null);
    assert.equal(pearson([1.7, 1.7, 1.7], [1, 2, 3]), null);
    assert.equal(spearman([1, 2, 3], [4, 4, 4]), null);
    assert.equal(pearson([1], [2]), null);
    assert.equal(olsFit([2, 2], [1, 3]), null);
    assert.deepEqual(olsFit([1, 2], [5, 5]), { slope: 0, intercept: 5 });
  });
  it('average ranks for ties (scipy rankdata "average")', () => {
    assert.deepEqual(Array.from(averageRanks([10, 20, 10, 30, 20])), [1.5, 3.5, 1.5, 5, 3.5]);
    // spearman with ties: scipy.stats.spearmanr([1,2,2,3],[1,3,2,4]) = 0.9486832980505138
    assertClose(spearman([1, 2, 2, 3], [1, 3, 2, 4]), 0.9486832980505138, 1e-12, 'spearman ties');
  });
  it('weight-norm stats exclude zero-count classes and return null when undefined', () => {
    const s = weightNormStats(new Float64Array([2.1, 1.7, 1.2, 9]), [500, 60, 15, 0], new Float64Array([1, 2, 3, 100]));
    assertClose(s.pearsonLogCount, 0.9830599795, 1e-10, 'Pearson without the zero-count class');
    assert.ok(s.biasPearsonLogPrior !== null && s.biasPearsonLogPrior < -0.9);
    const flat = weightNormStats(new Float64Array([1, 1, 1]), [500, 60, 15], null);
    assert.deepEqual([flat.pearsonLogCount, flat.spearmanLogCount], [null, null]);
    assertClose(flat.slope, 0, 1e-15, 'flat slope');
    const equalCounts = weightNormStats(new Float64Array([1, 2, 3]), [7, 7, 7], new Float64Array([1, 2, 3]));
    assert.deepEqual(equalCounts, { pearsonLogCount: null, spearmanLogCount: null, slope: null, intercept: null, biasPearsonLogPrior: null });
  });
});

describe('buckets, order and groups', () => {
  it('follows the reference code at the boundaries: 100 and 20 are medium', () => {
    assert.deepEqual([101, 100, 20, 19, 0].map((n) => bucketOf(n)), ['many', 'medium', 'medium', 'few', 'few']);
    assert.equal(bucketOf(50, 40, 10), 'many');
  });
  it('frequency order: count descending, ties by index', () => {
    assert.deepEqual(frequencyOrder([5, 9, 5, 9, 1]), [1, 3, 0, 2, 4]);
  });
  it('10 groups sized like numpy.array_split; fewer when C < 10', () => {
    const counts = Array.from({ length: 23 }, (_, y) => 100 - y);
    const order = frequencyOrder(counts);
    const z = new Int32Array(23);
    const g = frequencyGroups(order, counts, z, z);
    assert.deepEqual(g.map((x) => x.classIndices.length), [3, 3, 3, 2, 2, 2, 2, 2, 2, 2]);
    assert.deepEqual([g[0].maxTrainCount, g[0].minTrainCount, g[9].minTrainCount], [100, 98, 78]);
    assert.equal(g[0].accuracy, null);
    assert.equal(frequencyGroups([0, 1, 2], [3, 2, 1], z, z).length, 3);
  });
});

describe('post-hoc sweeps', () => {
  it('τ grid is exact decimals 0 … 2', () => {
    const t = tauGrid();
    assert.equal(t.length, 21);
    assert.equal(t[3], 0.3);
    assert.equal(t[10], 1);
    assert.equal(t[20], 2);
  });
  it('best τ: smallest error, ties to |τ − 1| then the smaller τ', () => {
    const taus = tauGrid();
    assert.equal(taus[bestTauIndex(taus, taus.map((t) => (t - 1.3) ** 2))], 1.3);
    assert.equal(taus[bestTauIndex(taus, taus.map(() => 0.5))], 1);
    assert.equal(taus[bestTauIndex(taus, taus.map((t) => (t === 0.7 || t === 1.3 ? 0.1 : 0.2)))], 0.7);
    assert.equal(taus[bestTauIndex(taus, taus.map((t) => (t === 0.2 || t === 1.9 ? 0.1 : 0.2)))], 0.2);
    assert.equal(taus[bestTauIndex(taus, taus.map((t) => (t === 0.5 || t === 1.5 ? 0.1 : 0.2)))], 0.5);
  });
  it('a zero-count class gets log π = log(1e-12) and dominates LA for large τ', () => {
    const lp = logPriors([10, 0]);
    assert.equal(lp[1], zeroPriorLog);
    assertClose(lp[0], 0, 0, 'log 1');
    const correct = logitAdjustmentCorrect(new Float64Array([5, 0]), new Int32Array([1]), 2, lp, [0, 0.1, 0.2]);
    assert.deepEqual(Array.from(correct), [0, 0, 0, 0, 0, 1]);
  });
  it('τ-norm: a class with a zero weight row scores 0 at every τ (no NaN)', () => {
    const weight = new Float64Array([1, 0, 0, 0]);
    const norms = new Float64Array([1, 0]);
    // φ = [−1, 0]: class 0 scores −1, class 1 scores 0 → class 1 wins at every τ.
    const correct = tauNormalisationCorrect({ kind: 'embeddings', embeddings: new Float64Array([-1, 0]), weight, d: 2 }, new Int32Array([1]), 2, norms, [0, 1, 2]);
    assert.deepEqual(Array.from(correct), [0, 1, 0, 1, 0, 1]);
  });
});

describe('softmax and calibration', () => {
  it('is stable for huge logits and breaks arg-max ties at the first index', () => {
    const s = scoreLogits(new Float64Array([1000, 1000, -1000, 3, 7, 7]), 2, 3);
    assert.deepEqual(Array.from(s.predictions), [0, 1]);
    assertAllClose(s.confidence, [0.5, 1 / (2 + Math.exp(-4))], 1e-15, 'confidence');
  });
  it('edges equal numpy.linspace(0, 1, 16); a confidence on an edge goes to the lower bin', () => {
    const e = binEdges();
    assert.equal(e[0], 0);
    assert.equal(e[15], 1);
    assert.equal(e[7], 7 * (1 / 15));
    const r = calibration(new Float64Array([e[7], e[1], 1]), new Int32Array([0, 0, 0]), new Int32Array([0, 0, 0]));
    const counts = r.bins.map((b) => b.count);
    assert.equal(counts[6], 1, 'e7 belongs to (e6, e7]');
    assert.equal(counts[0], 1, 'e1 belongs to (0, e1]');
    assert.equal(counts[14], 1, '1 belongs to the last bin');
  });
});

describe('linear algebra, sampling and PCA', () => {
  it('symmetric eigen: A v = λ v, descending', () => {
    const a = new Float64Array([4, 1, 2, 1, 3, 0.5, 2, 0.5, 1]);
    const { values, vectors } = symmetricEigen(a, 3);
    assert.ok(values[0] >= values[1] && values[1] >= values[2]);
    for (let t = 0; t < 3; t++) {
      for (let r = 0; r < 3; r++) {
        let av = 0;
        for (let k = 0; k < 3; k++) {
          av += a[r * 3 + k] * vectors[k * 3 + t];
        }
        assertClose(av, values[t] * vectors[r * 3 + t], 1e-12, `A v (${t}, ${r})`);
      }
    }
    assertClose(values[0] + values[1] + values[2], 8, 1e-12, 'trace');
  });
  it('sampleIndices is deterministic, sorted, distinct and bounded', () => {
    const a = sampleIndices(1000, 50, 7);
    assert.deepEqual(a, sampleIndices(1000, 50, 7));
    assert.notDeepEqual(a, sampleIndices(1000, 50, 8));
    assert.equal(new Set(a).size, 50);
    assert.ok(a.every((v, i) => v >= 0 && v < 1000 && (i === 0 || v > a[i - 1])));
    assert.equal(sampleIndices(5, 50, 1).length, 5);
  });
  it('PCA of points on a line: explained variance [1, 0], coordinates along the line', () => {
    const n = 20;
    const d = 5;
    const emb = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        emb[i * d + j] = 1 + (i - 9.5) * (j + 1);
      }
    }
    const p = pcaProjection(emb, new Int32Array(n), d, 100, 1);
    assertClose(p.explainedVariance[0], 1, 1e-12, 'first component');
    assertClose(p.explainedVariance[1], 0, 1e-12, 'second component');
    const len = Math.sqrt(1 + 4 + 9 + 16 + 25);
    p.points.forEach(([x, y], i) => {
      assertClose(Math.abs(x), Math.abs((i - 9.5) * len), 1e-9, `x ${i}`);
      assertClose(y, 0, 1e-9, `y ${i}`);
    });
  });
  it('PCA samples at most maxPoints rows, deterministically', () => {
    const n = 300;
    const emb = Float64Array.from({ length: n * 4 }, (_, k) => Math.sin(k * 1.7) + (k % 4 === 0 ? (k / 4) * 0.01 : 0));
    const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
    const a = pcaProjection(emb, labels, 4, 50, 3);
    assert.equal(a.sampled, 50);
    assert.equal(a.total, n);
    assert.deepEqual(a, pcaProjection(emb, labels, 4, 50, 3));
  });
  it('identical embeddings: zero variance, points at the origin', () => {
    const p = pcaProjection(new Float64Array(12).fill(2), new Int32Array([0, 1, 2]), 4);
    assert.deepEqual(p.explainedVariance, [0, 0]);
    assert.deepEqual(p.points, [[0, 0, 0], [0, 0, 1], [0, 0, 2]]);
  });
  it('nearest other row matches brute force', () => {
    const k = 37;
    const d = 9;
    const pts = Float64Array.from({ length: k * d }, (_, i) => Math.sin(i * 0.37) * Math.cos(i * 1.3));
    const { index, distance } = nearestOtherRow(pts, k, d);
    for (let a = 0; a < k; a++) {
      let best = Infinity;
      for (let b = 0; b < k; b++) {
        if (b !== a) {
          let s = 0;
          for (let j = 0; j < d; j++) {
            s += (pts[a * d + j] - pts[b * d + j]) ** 2;
          }
          best = Math.min(best, Math.sqrt(s));
        }
      }
      assertClose(distance[a], best, 1e-12, `nearest of ${a}`);
      assert.notEqual(index[a], a);
    }
  });
  it('transposeKernel turns a Keras [D, C] kernel into [C, D]', () => {
    // kernel [D=2, C=3]: column y = w_y.
    const kernel = new Float32Array([1, 2, 3, 4, 5, 6]);
    assert.deepEqual(Array.from(transposeKernel(kernel, 2, 3)), [1, 4, 2, 5, 3, 6]);
  });
});

describe('confusion pairs', () => {
  it('count descending, ties by true then predicted class; diagonal excluded', () => {
    const labels = new Int32Array([2, 2, 1, 1, 0, 0, 0, 3]);
    const preds = new Int32Array([1, 1, 0, 0, 3, 0, 2, 3]);
    assert.deepEqual(topConfusedPairs(labels, preds, 4, 10), [
      { trueClass: 1, predictedClass: 0, count: 2 },
      { trueClass: 2, predictedClass: 1, count: 2 },
      { trueClass: 0, predictedClass: 2, count: 1 },
      { trueClass: 0, predictedClass: 3, count: 1 },
    ]);
    assert.equal(topConfusedPairs(labels, preds, 4, 1).length, 1);
  });
});

describe('pluggable product kernel', () => {
  it('buildReport routes the large products through options.multiplyABt and gets the same report', () => {
    const p = randomProblem(21, 200, 9, 7);
    // Temperature-scaled logits force the W·φ path of τ-normalisation too.
    const input = { numClasses: p.c, logits: p.logits.map((v) => 2 * v), labels: p.labels, trainCounts: p.trainCounts, embeddings: p.embeddings, head: { weight: p.weight, bias: p.bias } };
    let calls = 0;
    const counting: MultiplyABt = (a, aStart, aRows, b, bRows, d, out) => {
      calls++;
      multiplyABt(a, aStart, aRows, b, bRows, d, out);
    };
    const a = buildReport(input, provenance, { createdAt: 'x' });
    const b = buildReport(input, provenance, { createdAt: 'x', multiplyABt: counting });
    assert.deepEqual(b, a);
    assert.ok(calls >= 3, `kernel called ${calls} times`);
  });
});
