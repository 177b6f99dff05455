// Property tests (fast-check): invariants of the diagnostics that must hold for any input.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { buildReport } from '../../../src/engine/analysis/buildReport';
import { computeClassMetrics } from '../../../src/engine/analysis/classMetrics';
import { logitAdjustmentCorrect, logPriors } from '../../../src/engine/analysis/logitAdjustment';
import { scoreLogits } from '../../../src/engine/analysis/predictions';
import { mulberry32 } from '../../../src/engine/data/seededRandom';
import { tauGrid } from '../../../src/engine/analysis/postHocSweep';
import type { Bucket } from '../../../src/protocol/report';
import { assertAllClose, assertClose, provenance } from './helpers';

/** A random problem from a seed: continuous logits (no ties), labels, counts (with ties and a few zeros). */
const problem = fc.record({
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  c: fc.integer({ min: 2, max: 15 }),
  n: fc.integer({ min: 1, max: 120 }),
});

function materialise({ seed, c, n }: { seed: number; c: number; n: number }) {
  const rand = mulberry32(seed);
  const labels = Int32Array.from({ length: n }, () => Math.floor(rand() * c));
  const logits = Float64Array.from({ length: n * c }, () => rand() * 6 - 3);
  const trainCounts: number[] = Array.from({ length: c }, (): number => (rand() < 0.1 ? 0 : 1 + Math.floor(Math.pow(rand(), 3) * 400)));
  if (!trainCounts.some((v) => v > 0)) {
    trainCounts[0] = 5;
  }
  const d = 3;
  const embeddings = Float64Array.from({ length: n * d }, () => rand() * 2 - 1);
  const weight = Float64Array.from({ length: c * d }, () => rand() * 2 - 1);
  return { c, n, d, labels, logits, trainCounts, embeddings, weight };
}

describe('diagnostics properties', () => {
  it('a perfect classifier has balanced error 0 and top-1 error 0', () => {
    fc.assert(
      fc.property(problem, (p) => {
        const { c, n, labels, logits, trainCounts } = materialise(p);
        for (let i = 0; i < n; i++) {
          logits[i * c + labels[i]] += 10;
        }
        const r = buildReport({ numClasses: c, logits, labels, trainCounts }, provenance);
        assert.equal(r.summary.balancedError, 0);
        assert.equal(r.summary.top1Error, 0);
        assert.equal(r.postHoc.logitAdjustment.balancedError[0], 0);
        assert.equal(r.confusion.topPairs.length, 0);
      }),
      { numRuns: 60 },
    );
  });

  it('permuting class indices permutes the per-class report and keeps the summary', () => {
    fc.assert(
      fc.property(problem, fc.integer({ min: 1, max: 1e9 }), (p, permSeed) => {
        const { c, n, d, labels, logits, trainCounts, embeddings, weight } = materialise(p);
        const rand = mulberry32(permSeed);
        const perm = Array.from({ length: c }, (_, i) => i);
        for (let i = c - 1; i > 0; i--) {
          const j = Math.floor(rand() * (i + 1));
          [perm[i], perm[j]] = [perm[j], perm[i]];
        }
        const logits2 = new Float64Array(n * c);
        for (let i = 0; i < n; i++) {
          for (let y = 0; y < c; y++) {
            logits2[i * c + perm[y]] = logits[i * c + y];
          }
        }
        const labels2 = labels.map((y) => perm[y]);
        const counts2 = new Array<number>(c);
        const weight2 = new Float64Array(c * d);
        trainCounts.forEach((v, y) => {
          counts2[perm[y]] = v;
          weight2.set(weight.subarray(y * d, (y + 1) * d), perm[y] * d);
        });
        const a = buildReport({ numClasses: c, logits, labels, trainCounts, embeddings, head: { weight } }, provenance);
        const b = buildReport({ numClasses: c, logits: logits2, labels: labels2, trainCounts: counts2, embeddings, head: { weight: weight2 } }, provenance);
        for (let y = 0; y < c; y++) {
          // Examples name predicted classes (permuted) and softmax sums run in class order (last bit): apart.
          const { examples: eb, averagePrecision: apb, prCurve: cb, ...restB } = b.classes[perm[y]];
          const { examples: ea, averagePrecision: apa, prCurve: ca, ...restA } = a.classes[y];
          assert.deepEqual({ ...restB, index: y, name: '' }, { ...restA, name: '' });
          assert.deepEqual(eb?.map((e) => [e.index, e.predicted]), ea?.map((e) => [e.index, perm[e.predicted]]));
          assertAllClose(eb?.map((e) => e.confidence) ?? [], ea?.map((e) => e.confidence) ?? [], 1e-12, 'confidence');
          assertAllClose([apb ?? null], [apa ?? null], 1e-12, 'AP');
          assertAllClose(cb?.flat() ?? [], ca?.flat() ?? [], 1e-12, 'PR curve');
        }
        // Class-order sums may differ in the last bit: compare summaries to 1e-12.
        assertClose(b.summary.balancedError, a.summary.balancedError, 1e-12, 'BER');
        assert.equal(b.summary.top1Error, a.summary.top1Error);
        for (const k of ['many', 'medium', 'few'] as Bucket[]) {
          assert.equal(b.summary.buckets[k].classes, a.summary.buckets[k].classes);
          assertAllClose([b.summary.buckets[k].accuracy], [a.summary.buckets[k].accuracy], 1e-12, k);
        }
        assertAllClose(b.postHoc.logitAdjustment.balancedError, a.postHoc.logitAdjustment.balancedError, 1e-12, 'LA');
        assertAllClose(b.postHoc.tauNormalisation?.balancedError ?? [], a.postHoc.tauNormalisation?.balancedError ?? [], 1e-12, 'τ-norm');
        assertClose(b.calibration.ece, a.calibration.ece, 1e-12, 'ECE');
        assert.deepEqual(b.calibration.bins.map((x) => x.count), a.calibration.bins.map((x) => x.count));
        assert.deepEqual(b.confusion.buckets, a.confusion.buckets);
        const wa = a.weightNorms;
        const wb = b.weightNorms;
        assert.ok(wa && wb);
        assertAllClose([wb.pearsonLogCount, wb.spearmanLogCount, wb.slope], [wa.pearsonLogCount, wa.spearmanLogCount, wa.slope], 1e-12, 'weight-norm stats');
      }),
      { numRuns: 60 },
    );
  });

  it('post-hoc τ = 0 equals the raw predictions', () => {
    fc.assert(
      fc.property(problem, (p) => {
        const { c, n, labels, logits, trainCounts } = materialise(p);
        const raw = computeClassMetrics(labels, scoreLogits(logits, n, c).predictions, c);
        const la = logitAdjustmentCorrect(logits, labels, c, logPriors(trainCounts), tauGrid());
        assert.deepEqual(Array.from(la.subarray(0, c)), Array.from(raw.correct));
        const r = buildReport({ numClasses: c, logits, labels, trainCounts }, provenance);
        assert.equal(r.postHoc.logitAdjustment.balancedError[0], r.summary.balancedError);
      }),
      { numRuns: 80 },
    );
  });

  it('bucket and group accuracies are the means of the per-class accuracies; shares sum to 1', () => {
    fc.assert(
      fc.property(problem, (p) => {
        const { c, labels, logits, trainCounts } = materialise(p);
        const r = buildReport({ numClasses: c, logits, labels, trainCounts }, provenance);
        for (const b of ['many', 'medium', 'few'] as Bucket[]) {
          const accs = r.classes.filter((k) => k.bucket === b && k.accuracy !== null).map((k) => k.accuracy as number);
          assert.equal(r.summary.buckets[b].classes, accs.length);
          if (accs.length === 0) {
            assert.equal(r.summary.buckets[b].accuracy, null);
          } else {
            assertClose(r.summary.buckets[b].accuracy, accs.reduce((s, v) => s + v, 0) / accs.length, 1e-12, b);
          }
        }
        const present = r.classes.filter((k) => k.accuracy !== null);
        assertClose(r.summary.balancedError, 1 - present.reduce((s, k) => s + (k.accuracy as number), 0) / present.length, 1e-12, 'BER');
        assert.equal(r.summary.groups.flatMap((g) => g.classIndices).length, c);
        assertClose(r.summary.predictionShare.perClass.reduce((s, v) => s + v, 0), 1, 1e-12, 'shares');
        const bucketTotal = r.confusion.buckets.flat().reduce((s, v) => s + v, 0);
        assert.equal(bucketTotal, labels.length);
      }),
      { numRuns: 80 },
    );
  });
});
