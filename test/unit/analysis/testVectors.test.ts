// §13 test vectors (docs/methods.md §13, computed independently in float64 with numpy) (analysis-related parts: 13.1 post-hoc LA,
// 13.5 τ-normalisation, 13.6 metrics / ECE / LA-BER / weight norms, 13.8 tightness).
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { balancedError, top1Error } from '../../../src/engine/analysis/balancedError';
import { assignBuckets, bucketAccuracies } from '../../../src/engine/analysis/buckets';
import { buildReport } from '../../../src/engine/analysis/buildReport';
import { calibration } from '../../../src/engine/analysis/calibration';
import { computeClassMetrics } from '../../../src/engine/analysis/classMetrics';
import { logitAdjustmentCorrect, logPriors } from '../../../src/engine/analysis/logitAdjustment';
import { summariseSweep, tauGrid } from '../../../src/engine/analysis/postHocSweep';
import { headReproducesLogits, tauNormalisationCorrect } from '../../../src/engine/analysis/tauNormalisation';
import { classTightness } from '../../../src/engine/analysis/tightness';
import { classWeightNorms, weightNormStats } from '../../../src/engine/analysis/weightNorms';
import { assertAllClose, assertClose, provenance } from './helpers';

describe('§13.1 post-hoc logit adjustment, counts [60, 30, 10], f = [2, 1, 0.5]', () => {
  const logPrior = logPriors([60, 30, 10]);
  it('log π = [−0.5108256238, −1.2039728043, −2.3025850930]', () => {
    assertAllClose(logPrior, [-0.5108256238, -1.2039728043, -2.302585093], 1e-10, 'log π');
  });
  it('argmax f − τ log π is 0, 0, 2, 2 at τ = 0, 0.5, 1, 2', () => {
    const taus = [0, 0.5, 1, 2];
    const logits = new Float64Array([2, 1, 0.5, 2, 1, 0.5, 2, 1, 0.5]);
    // One row per candidate label; a row counts as correct for τ exactly when argmax = its label.
    const correct = logitAdjustmentCorrect(logits, new Int32Array([0, 1, 2]), 3, logPrior, taus);
    const argmaxAt = (k: number) => [0, 1, 2].find((y) => correct[k * 3 + y] === 1);
    assert.deepEqual(taus.map((_, k) => argmaxAt(k)), [0, 0, 2, 2]);
  });
});

describe('§13.5 τ-normalisation, W = [[3,0],[0,2],[0.5,0.5]], x = [1, 1.2]', () => {
  const weight = new Float64Array([3, 0, 0, 2, 0.5, 0.5]);
  const x = new Float64Array([1, 1.2, 1, 1.2, 1, 1.2]);
  const norms = classWeightNorms(weight, 3, 2);
  it('norms [3, 2, 0.7071067812]', () => {
    assertAllClose(norms, [3, 2, 0.7071067812], 1e-10, 'norms');
  });
  const taus = [0, 0.5, 1];
  const argmaxes = (correct: Int32Array) => taus.map((_, k) => [0, 1, 2].find((y) => correct[k * 3 + y] === 1));
  it('argmax (w/‖w‖^τ)·x is 0, 0, 2 at τ = 0, 0.5, 1 (recomputed from embeddings)', () => {
    const correct = tauNormalisationCorrect({ kind: 'embeddings', embeddings: x, weight, d: 2 }, new Int32Array([0, 1, 2]), 3, norms, taus);
    assert.deepEqual(argmaxes(correct), [0, 0, 2]);
  });
  it('the same from logits [3, 2.4, 1.1] + bias via f − b, and the head check accepts them', () => {
    const bias = new Float64Array([0.5, -1, 2]);
    const row = [3 + 0.5, 2.4 - 1, 1.1 + 2];
    const logits = new Float64Array([...row, ...row, ...row]);
    assert.equal(headReproducesLogits(logits, x, weight, bias, 3, 3, 2), true);
    const correct = tauNormalisationCorrect({ kind: 'logits', logits, bias }, new Int32Array([0, 1, 2]), 3, norms, taus);
    assert.deepEqual(argmaxes(correct), [0, 0, 2]);
    const other = Float64Array.from(logits, (v, i) => (i === 4 ? v + 0.5 : v));
    assert.equal(headReproducesLogits(other, x, weight, bias, 3, 3, 2), false);
  });
});

describe('§13.6 metrics', () => {
  const yTrue = new Int32Array([0, 0, 0, 0, 1, 1, 1, 2, 2, 2]);
  const yPred = new Int32Array([0, 0, 0, 1, 1, 1, 0, 2, 0, 0]);
  const m = computeClassMetrics(yTrue, yPred, 3);
  it('per-class accuracy [0.75, 0.6666666667, 0.3333333333], BER 0.4166666667, top-1 accuracy 0.6', () => {
    assertAllClose(m.accuracy, [0.75, 0.6666666667, 0.3333333333], 1e-10, 'accuracy');
    assertClose(balancedError(m.correct, m.evalCount), 0.4166666667, 1e-10, 'BER');
    assertClose(top1Error(m.correct, 10), 0.4, 1e-12, 'top-1 error');
  });
  it('buckets with train counts [500, 60, 15]: many 0.75, medium 0.6666666667, few 0.3333333333', () => {
    const b = bucketAccuracies(m.correct, m.evalCount, assignBuckets([500, 60, 15]));
    assertClose(b.many.accuracy, 0.75, 1e-10, 'many');
    assertClose(b.medium.accuracy, 0.6666666667, 1e-10, 'medium');
    assertClose(b.few.accuracy, 0.3333333333, 1e-10, 'few');
    assert.deepEqual([b.many.classes, b.medium.classes, b.few.classes], [1, 1, 1]);
  });
  it('precision and f1 of the same example', () => {
    // predicted counts [6, 3, 1]; correct [3, 2, 1].
    assert.deepEqual(Array.from(m.predictedCount), [6, 3, 1]);
    assertAllClose(m.precision, [0.5, 2 / 3, 1], 1e-12, 'precision');
    assertAllClose(m.f1, [0.6, 2 / 3, 0.5], 1e-12, 'f1');
  });
  it('ECE 0.257 with 15 bins (lo, hi], MCE 0.71, bin contents as listed', () => {
    const conf = new Float64Array([0.95, 0.91, 0.81, 0.71, 0.61, 0.55, 0.45, 0.99, 0.35, 0.66]);
    const r = calibration(conf, yTrue, yPred);
    assertClose(r.ece, 0.257, 1e-12, 'ECE');
    assertClose(r.mce, 0.71, 1e-12, 'MCE');
    assert.equal(r.bins.length, 15);
    const counts = r.bins.map((b) => b.count);
    assert.deepEqual(counts, [0, 0, 0, 0, 0, 1, 1, 0, 1, 2, 1, 0, 1, 1, 2]);
    assertClose(r.bins[14].confidence, 0.97, 1e-12, 'bin 14 confidence');
    assertClose(r.bins[9].accuracy, 0.5, 1e-12, 'bin 9 accuracy');
    assert.equal(r.bins[0].accuracy, null);
    assertClose(r.bins[14].hi, 1, 0, 'last edge');
  });
  it('post-hoc LA and BER: τ = 0 BER 0.5, τ = 1 BER 0.2777777778 (preds [0,1,2,2,2,0])', () => {
    const logits = new Float64Array([3, 1, 0.5, 1.5, 1.4, 0.2, 0.3, 1, 0.9, 1.2, 0.2, 1, 0.9, 0.3, 0.8, 2.5, 0.1, 0.4]);
    const labels = new Int32Array([0, 1, 1, 2, 2, 2]);
    const counts = [60, 30, 10];
    const taus = tauGrid();
    const correct = logitAdjustmentCorrect(logits, labels, 3, logPriors(counts), taus);
    const evalCount = new Int32Array([1, 2, 3]);
    const sweep = summariseSweep(taus, correct, evalCount, assignBuckets(counts));
    assertClose(sweep.balancedError[0], 0.5, 1e-12, 'BER τ=0');
    assertClose(sweep.balancedError[10], 0.2777777778, 1e-10, 'BER τ=1');
    assert.deepEqual(Array.from(correct.subarray(30, 33)), [1, 1, 2]);
    const report = buildReport({ numClasses: 3, logits, labels, trainCounts: counts }, provenance);
    assertClose(report.summary.balancedError, 0.5, 1e-12, 'report BER');
    assertClose(report.summary.top1Error, 1 - 0.3333333333, 1e-10, 'report top-1 error');
    assertClose(report.postHoc.logitAdjustment.balancedError[10], 0.2777777778, 1e-10, 'report LA BER τ=1');
  });
  it('weight norms [2.1, 1.7, 1.2] vs n = [500, 60, 15]: Pearson 0.9830599795, Spearman 1, OLS 0.25100652 / 0.57754915', () => {
    const s = weightNormStats(new Float64Array([2.1, 1.7, 1.2]), [500, 60, 15], null);
    assertClose(s.pearsonLogCount, 0.9830599795, 1e-10, 'Pearson');
    assertClose(s.spearmanLogCount, 1, 1e-12, 'Spearman');
    assertClose(s.slope, 0.25100652, 1e-8, 'slope');
    assertClose(s.intercept, 0.57754915, 1e-8, 'intercept');
    assert.equal(s.biasPearsonLogPrior, null);
    // Through buildReport, with a [C, D] head whose rows have those norms.
    const weight = new Float32Array([2.1, 0, 0, 1.7, 1.2, 0]);
    const report = buildReport({ numClasses: 3, logits: new Float64Array([1, 0, 0]), labels: [0], trainCounts: [500, 60, 15], head: { weight } }, provenance);
    assertClose(report.weightNorms?.pearsonLogCount, 0.9830599795, 1e-6, 'report Pearson (float32 weights)');
    assertClose(report.classes[1].weightNorm, 1.7, 1e-6, 'report ‖w_1‖');
  });
});

describe('§13.8 embedding tightness', () => {
  // Class 0: [1,0], [0.8,0.6], [0.6,−0.8]; class 1: [0,1], [−0.6,0.8]. Raw norms scaled to test normalisation.
  const raw = new Float64Array([2, 0, 0.8, 0.6, 1.8, -2.4, 0, 1, -0.6, 0.8]);
  const labels = new Int32Array([0, 0, 0, 1, 1]);
  const t = classTightness(raw, labels, 2, 2);
  it('R̄ and variance per class', () => {
    assertClose(t[0]?.resultantLength, 0.8027729719, 1e-10, 'R̄₀');
    assertClose(t[0]?.variance, 0.3555555556, 1e-10, 'var₀');
    assertClose(t[1]?.resultantLength, 0.9486832981, 1e-10, 'R̄₁');
    assertClose(t[1]?.variance, 0.1, 1e-12, 'var₁');
  });
  it('pooled mean distance 0.4540115319, centroid distance 1.4643921758, pooled ratio 0.3100341148', () => {
    const pooled = (3 * (t[0]?.meanDistanceToCentroid ?? NaN) + 2 * (t[1]?.meanDistanceToCentroid ?? NaN)) / 5;
    assertClose(pooled, 0.4540115319, 1e-10, 'pooled mean distance');
    assertClose(t[0]?.nearestCentroidDistance, 1.4643921758, 1e-10, 'centroid distance (0)');
    assertClose(t[1]?.nearestCentroidDistance, 1.4643921758, 1e-10, 'centroid distance (1)');
    assertClose(pooled / 1.4643921758, 0.3100341148, 1e-10, 'pooled ratio');
    assertClose(t[0]?.ratio, (t[0]?.meanDistanceToCentroid ?? NaN) / 1.4643921758, 1e-9, 'ratio₀');
  });
  it('meanFeatureNorm uses the raw embeddings', () => {
    assertClose(t[0]?.meanFeatureNorm, (2 + 1 + 3) / 3, 1e-12, 'mean ‖φ‖ class 0');
    assertClose(t[1]?.meanFeatureNorm, 1, 1e-12, 'mean ‖φ‖ class 1');
  });
});
