// Cross-check of buildReport against an independent numpy implementation
// (test/fixtures/reference/diagnostics_reference.py) on seeded random problems. Skips when python3 with
// numpy is not available.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildReport } from '../../../src/engine/analysis/buildReport';
import type { BucketAccuracies, PostHocSweep, Report } from '../../../src/protocol/report';
import { assertAllClose, assertClose, provenance, randomProblem, type RandomProblem } from './helpers';

const script = join(__dirname, '..', '..', 'fixtures', 'reference', 'diagnostics_reference.py');

function numpyUnavailable(): string | null {
  const r = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
  if (r.error) {
    return `python3 not found (${r.error.message})`;
  }
  return r.status === 0 ? null : `python3 cannot import numpy: ${r.stderr.trim().split('\n').pop() ?? ''}`;
}

interface Sweep {
  balancedError: number[];
  bestTau: number;
  bucketsAtOne: [number, number | null][];
  bucketsAtBest: [number, number | null][];
}
interface Tight {
  resultantLength: number;
  variance: number;
  meanDistanceToCentroid: number;
  nearestCentroidDistance: number | null;
  ratio: number | null;
  meanFeatureNorm: number;
}
interface Reference {
  evalCount: number[];
  predictedCount: number[];
  accuracy: (number | null)[];
  precision: (number | null)[];
  f1: (number | null)[];
  top1Error: number;
  balancedError: number;
  buckets: [number, number | null][];
  groups: { classIndices: number[]; accuracy: number | null }[];
  order: number[];
  matrix: number[][] | null;
  bucketMatrix: number[][];
  topPairs: [number, number, number][];
  ece: number;
  mce: number;
  bins: [number, number | null, number | null][];
  logitAdjustment: Sweep;
  weightNorm?: number[];
  pearson?: number | null;
  spearman?: number | null;
  slope?: number;
  intercept?: number;
  biasPearson?: number | null;
  tauNormalisation?: Sweep;
  tightness?: (Tight | null)[];
  explainedVariance?: [number, number];
  points?: [number, number][];
  eceAdjusted: number;
  mceAdjusted: number;
  ecePerBucket: ([number, number] | null)[];
  top5: number | null;
  spearmanR?: number | null;
}

function runReference(p: RandomProblem, counts: number[], opts: { limit: number; topK: number }): Reference {
  const dir = mkdtempSync(join(tmpdir(), 'longtail-ref-'));
  try {
    const f64 = (a: ArrayLike<number>) => Buffer.from(Float64Array.from(a).buffer);
    writeFileSync(join(dir, 'meta.json'), JSON.stringify({ n: p.n, c: p.c, d: p.d, many: 100, few: 20, limit: opts.limit, topK: opts.topK }));
    writeFileSync(join(dir, 'logits.bin'), f64(p.logits));
    writeFileSync(join(dir, 'labels.bin'), f64(p.labels));
    writeFileSync(join(dir, 'counts.bin'), f64(counts));
    writeFileSync(join(dir, 'embeddings.bin'), f64(p.embeddings));
    writeFileSync(join(dir, 'weight.bin'), f64(p.weight));
    writeFileSync(join(dir, 'bias.bin'), f64(p.bias));
    const r = spawnSync('python3', [script, dir], { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 120_000 });
    assert.equal(r.status, 0, `reference script failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as Reference;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function assertBuckets(actual: BucketAccuracies, expected: [number, number | null][], what: string): void {
  (['many', 'medium', 'few'] as const).forEach((b, k) => {
    assert.equal(actual[b].classes, expected[k][0], `${what} ${b} classes`);
    assertAllClose([actual[b].accuracy], [expected[k][1]], 1e-12, `${what} ${b} accuracy`);
  });
}

function assertSweep(actual: PostHocSweep | null, expected: Sweep | undefined, what: string): void {
  assert.ok(actual && expected, `${what} present`);
  assertAllClose(actual.balancedError, expected.balancedError, 1e-12, `${what} BER`);
  assert.equal(actual.bestTau, expected.bestTau, `${what} best τ`);
  assertBuckets(actual.bucketsAtOne, expected.bucketsAtOne, `${what} @1`);
  assertBuckets(actual.bucketsAtBest, expected.bucketsAtBest, `${what} @best`);
}

function compare(report: Report, ref: Reference, p: RandomProblem): void {
  const cls = report.classes;
  assert.deepEqual(cls.map((c) => c.evalCount), ref.evalCount);
  assert.deepEqual(cls.map((c) => c.predictedCount), ref.predictedCount);
  assertAllClose(cls.map((c) => c.accuracy), ref.accuracy, 1e-12, 'accuracy');
  assertAllClose(cls.map((c) => c.precision), ref.precision, 1e-12, 'precision');
  assertAllClose(cls.map((c) => c.f1), ref.f1, 1e-12, 'f1');
  assertClose(report.summary.top1Error, ref.top1Error, 1e-12, 'top-1 error');
  assertClose(report.summary.balancedError, ref.balancedError, 1e-12, 'balanced error');
  assertBuckets(report.summary.buckets, ref.buckets, 'buckets');
  assert.deepEqual(report.summary.groups.map((g) => g.classIndices), ref.groups.map((g) => g.classIndices));
  assertAllClose(report.summary.groups.map((g) => g.accuracy), ref.groups.map((g) => g.accuracy), 1e-12, 'group accuracy');
  assert.deepEqual(report.confusion.order, ref.order);
  assert.deepEqual(report.confusion.matrix, ref.matrix);
  assert.deepEqual(report.confusion.buckets, ref.bucketMatrix);
  assert.deepEqual(report.confusion.topPairs.map((t) => [t.trueClass, t.predictedClass, t.count]), ref.topPairs);
  assertClose(report.calibration.ece, ref.ece, 1e-12, 'ECE');
  assertClose(report.calibration.mce, ref.mce, 1e-12, 'MCE');
  assert.deepEqual(report.calibration.bins.map((b) => b.count), ref.bins.map((b) => b[0]));
  assertAllClose(report.calibration.bins.map((b) => b.accuracy), ref.bins.map((b) => b[1]), 1e-12, 'bin accuracy');
  assertAllClose(report.calibration.bins.map((b) => b.confidence), ref.bins.map((b) => b[2]), 1e-12, 'bin confidence');
  const adj = report.calibration.adjusted;
  assert.ok(adj);
  assert.equal(adj.tau, 1);
  assertClose(adj.ece, ref.eceAdjusted, 1e-12, 'ECE after post-hoc LA');
  assertClose(adj.mce, ref.mceAdjusted, 1e-12, 'MCE after post-hoc LA');
  (['many', 'medium', 'few'] as const).forEach((b, k) => {
    const got = report.calibration.perBucket?.[b] ?? null;
    const want = ref.ecePerBucket[k];
    if (want === null) {
      assert.equal(got, null, `ECE ${b}`);
    } else {
      assert.ok(got, `ECE ${b}`);
      assert.equal(got.examples, want[0]);
      assertClose(got.ece, want[1], 1e-12, `ECE ${b}`);
    }
  });
  assertAllClose([report.summary.top5Accuracy ?? null], [ref.top5], 1e-12, 'top-5 accuracy');
  assertAllClose([report.summary.resultantLengthSpearmanLogCount ?? null], [ref.spearmanR ?? null], 1e-10, 'Spearman(R̄, log n)');
  assertSweep(report.postHoc.logitAdjustment, ref.logitAdjustment, 'LA');
  assertSweep(report.postHoc.tauNormalisation, ref.tauNormalisation, 'τ-norm');
  assertAllClose(cls.map((c) => c.weightNorm), ref.weightNorm ?? [], 1e-12, '‖w‖');
  const w = report.weightNorms;
  assert.ok(w);
  assertAllClose([w.pearsonLogCount, w.spearmanLogCount, w.slope, w.intercept, w.biasPearsonLogPrior], [ref.pearson ?? null, ref.spearman ?? null, ref.slope ?? null, ref.intercept ?? null, ref.biasPearson ?? null], 1e-10, 'weight-norm stats');
  const tight = ref.tightness ?? [];
  cls.forEach((c, y) => {
    const e = tight[y];
    if (e === null) {
      assert.equal(c.tightness, null, `tightness of absent class ${y}`);
      return;
    }
    const a = c.tightness;
    assert.ok(a, `tightness of class ${y}`);
    assertAllClose(
      [a.resultantLength, a.variance, a.meanDistanceToCentroid, a.nearestCentroidDistance, a.ratio, a.meanFeatureNorm],
      [e.resultantLength, e.variance, e.meanDistanceToCentroid, e.nearestCentroidDistance, e.ratio, e.meanFeatureNorm],
      1e-10,
      `tightness ${y}`,
    );
  });
  const proj = report.projection;
  assert.ok(proj && ref.points && ref.explainedVariance);
  assert.equal(proj.sampled, p.n);
  assertAllClose(proj.explainedVariance, ref.explainedVariance, 1e-9, 'explained variance');
  const scale = Math.max(...ref.points.map(([x]) => Math.abs(x)));
  proj.points.forEach(([x, y, label], i) => {
    assert.equal(label, p.labels[i]);
    assertClose(x, ref.points?.[i][0] ?? NaN, 1e-6 * scale, `point ${i} x`);
    assertClose(y, ref.points?.[i][1] ?? NaN, 1e-6 * scale, `point ${i} y`);
  });
}

describe('buildReport vs independent numpy reference', () => {
  const why = numpyUnavailable();
  it('C = 12 (2 classes absent from eval), D = 8, N = 600, full confusion matrix', { skip: why ?? false }, () => {
    const p = randomProblem(11, 600, 12, 8, 2);
    const report = buildReport({ numClasses: p.c, logits: p.logits, labels: p.labels, trainCounts: p.trainCounts, embeddings: p.embeddings, head: { weight: p.weight, bias: p.bias } }, provenance);
    compare(report, runReference(p, p.trainCounts, { limit: 100, topK: 20 }), p);
  });
  it('C = 40 with a zero-count class, D = 24, N = 1500, matrix over the limit, τ-norm recomputed from W·φ', { skip: why ?? false }, () => {
    const p = randomProblem(12, 1500, 40, 24, 0);
    const counts = [...p.trainCounts];
    counts[37] = 0;
    // Logits that the head does not reproduce (a temperature): forces the W·φ path of τ-normalisation.
    const logits = Float64Array.from(p.logits, (v) => v * 1.5);
    const report = buildReport(
      { numClasses: p.c, logits, labels: p.labels, trainCounts: counts, embeddings: p.embeddings, head: { weight: p.weight, bias: p.bias } },
      provenance,
      { confusionMatrixLimit: 30 },
    );
    compare(report, runReference({ ...p, logits }, counts, { limit: 30, topK: 20 }), p);
    assert.equal(report.confusion.matrix, null);
  });
  it('C = 120 (top-5 accuracy reported), D = 12, N = 2400, ties in the logits', { skip: why ?? false }, () => {
    const p = randomProblem(13, 2400, 120, 12, 0);
    // Rounded logits create ties, which top-5 must break by class index as arg-max does.
    const logits = Float64Array.from(p.logits, (v) => Math.round(v * 4) / 4);
    const report = buildReport({ numClasses: p.c, logits, labels: p.labels, trainCounts: p.trainCounts, embeddings: p.embeddings, head: { weight: p.weight, bias: p.bias } }, provenance);
    const ref = runReference({ ...p, logits }, p.trainCounts, { limit: 100, topK: 20 });
    assert.ok(ref.top5 !== null && report.summary.top5Accuracy !== undefined);
    compare(report, ref, p);
  });
});
