// Drill-down examples (most confident mistakes per class and per confused pair) and one-vs-rest average
// precision, checked against an independent numpy reimplementation of scikit-learn's definitions
// (test/fixtures/reference/examples_ap_reference.py). The reference cases skip when python3 with numpy is absent.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { averagePrecision, perClassPrecisionRecall } from '../../../src/engine/analysis/averagePrecision';
import { scoreLogits } from '../../../src/engine/analysis/predictions';
import { mulberry32 } from '../../../src/engine/data/seededRandom';
import { buildReport } from '../../../src/engine/analysis/buildReport';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';
import { validateReport } from '../../../src/protocol/validateReport';
import { assertAllClose, assertClose, provenance, randomProblem, type RandomProblem } from './helpers';

const script = join(__dirname, '..', '..', 'fixtures', 'reference', 'examples_ap_reference.py');

function numpyUnavailable(): string | null {
  const r = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
  if (r.error) return `python3 not found (${r.error.message})`;
  return r.status === 0 ? null : 'python3 cannot import numpy';
}

interface Reference {
  examples: [number, number, number][][];
  pairs: [number, number, number[]][];
  ap: (number | null)[];
  mapAll: number;
  mapBuckets: (number | null)[];
}

function runReference(p: RandomProblem, k: number): Reference {
  const dir = mkdtempSync(join(tmpdir(), 'longtail-ap-'));
  try {
    const f64 = (a: ArrayLike<number>) => Buffer.from(Float64Array.from(a).buffer);
    writeFileSync(join(dir, 'meta.json'), JSON.stringify({ n: p.n, c: p.c, k, many: 100, few: 20 }));
    writeFileSync(join(dir, 'logits.bin'), f64(p.logits));
    writeFileSync(join(dir, 'labels.bin'), f64(p.labels));
    writeFileSync(join(dir, 'counts.bin'), f64(p.trainCounts));
    const r = spawnSync('python3', [script, dir], { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 120_000 });
    assert.equal(r.status, 0, `reference script failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as Reference;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A problem whose logits are rounded to steps of 0.5 so that confidences and class scores tie often. */
function quantised(p: RandomProblem): RandomProblem {
  return { ...p, logits: p.logits.map((v) => Math.round(v * 2) / 2) };
}

function check(p: RandomProblem, k: number): void {
  const report = buildReport({ numClasses: p.c, logits: p.logits, labels: p.labels, trainCounts: p.trainCounts }, provenance, { examplesPerClass: k, topPairs: 15 });
  validateReport(report, 'report.json');
  const ref = runReference(p, k);
  report.classes.forEach((cls, y) => {
    const got = cls.examples ?? [];
    assert.deepEqual(
      got.map((e) => [e.index, e.predicted]),
      ref.examples[y].map((e) => [e[0], e[1]]),
      `class ${y} examples`,
    );
    assertAllClose(got.map((e) => e.confidence), ref.examples[y].map((e) => e[2]), 1e-12, `class ${y} confidences`);
    assert.ok(got.length <= k);
  });
  assert.ok(report.confusion.topPairs.length > 0, 'the problem has confusions');
  for (const pair of report.confusion.topPairs) {
    const want = ref.pairs.find((q) => q[0] === pair.trueClass && q[1] === pair.predictedClass);
    assert.ok(want, `pair ${pair.trueClass}→${pair.predictedClass} in the reference`);
    assert.deepEqual(pair.examples, want[2], `pair ${pair.trueClass}→${pair.predictedClass} examples`);
    assert.equal(pair.examples?.length, Math.min(k, pair.count));
  }
  assertAllClose(report.classes.map((cls) => cls.averagePrecision ?? null), ref.ap, 1e-12, 'AP');
  const map = report.summary.meanAveragePrecision;
  assert.ok(map);
  assertClose(map.all, ref.mapAll, 1e-12, 'mAP');
  assertAllClose([map.buckets.many, map.buckets.medium, map.buckets.few], ref.mapBuckets, 1e-12, 'mAP by bucket');
}

describe('average precision (scikit-learn definition)', () => {
  it('gives 0.8333… on the scikit-learn documentation example', () => {
    // y_true = [0, 0, 1, 1], y_score = [0.1, 0.4, 0.35, 0.8] → average_precision_score = 0.8333…
    const r = averagePrecision(Float64Array.of(0.35, 0.8), Float64Array.of(0.1, 0.4));
    assert.ok(r);
    assertClose(r.averagePrecision, 5 / 6, 1e-15, 'AP');
    assert.deepEqual(r.curve, [[0.5, 1], [1, 2 / 3]]);
  });
  it('counts a positive and a negative of equal score at the same threshold', () => {
    // thresholds 0.5 (TP 2, FP 1): AP = 1 · 2/3
    const r = averagePrecision(Float64Array.of(0.5, 0.5), Float64Array.of(0.5, 0.2));
    assertClose(r?.averagePrecision, 2 / 3, 1e-15, 'AP with ties');
  });
  it('is null without positives and downsamples a long curve to its limit, first and last kept', () => {
    assert.equal(averagePrecision(new Float64Array(0), Float64Array.of(0.3)), null);
    const pos = Float64Array.from({ length: 100 }, (_, i) => 1 - i / 200);
    const r = averagePrecision(pos, Float64Array.of(0.99, 0.2), 10);
    assert.ok(r);
    assert.equal(r.curve.length, 10);
    assert.deepEqual(r.curve[0], [0.01, 1]);
    assert.deepEqual(r.curve[9], [1, 100 / 101]);
  });
});

describe('one-vs-rest precision-recall with the log-space pre-filter', () => {
  /** The plain computation: every score exp(f − m)/Z, split by label, each class through averagePrecision. */
  function plain(logits: Float64Array, labels: Int32Array, n: number, c: number) {
    const scores = new Float64Array(n * c);
    for (let i = 0; i < n; i++) {
      let m = logits[i * c];
      for (let y = 1; y < c; y++) m = Math.max(m, logits[i * c + y]);
      let z = 0;
      for (let y = 0; y < c; y++) z += Math.exp(logits[i * c + y] - m);
      for (let y = 0; y < c; y++) scores[i * c + y] = Math.exp(logits[i * c + y] - m) / z;
    }
    return Array.from({ length: c }, (_, y) => {
      const pos: number[] = [];
      const neg: number[] = [];
      for (let i = 0; i < n; i++) (labels[i] === y ? pos : neg).push(scores[i * c + y]);
      return averagePrecision(Float64Array.from(pos), Float64Array.from(neg));
    });
  }
  for (const [name, scale, offset, round] of [
    ['spread logits', 4, 0, false],
    ['ties (logits rounded to 0.5)', 3, 0, true],
    ['large offsets (|f| ≈ 1e4)', 2, 1e4, false],
    ['wide logits (scores underflow to 0)', 900, 0, false],
  ] as const) {
    it(`gives exactly the plain computation's AP and curves: ${name}`, () => {
      const rand = mulberry32(17);
      const n = 300;
      const c = 23;
      const labels = Int32Array.from({ length: n }, () => Math.floor(Math.pow(rand(), 2) * (c - 1)));
      const logits = Float64Array.from({ length: n * c }, (_, k) => {
        const v = offset + scale * (rand() - 0.5) + (labels[Math.floor(k / c)] === k % c ? scale * 0.3 : 0);
        return round ? Math.round(v * 2) / 2 : v;
      });
      const expected = plain(logits, labels, n, c);
      assert.equal(expected[c - 1], null, 'the last class has no positives');
      assert.deepEqual(perClassPrecisionRecall(logits, labels, n, c), expected);
      assert.deepEqual(perClassPrecisionRecall(logits, labels, n, c, undefined, scoreLogits(logits, n, c)), expected);
    });
  }
});

describe('drill-down examples and per-class AP against numpy', () => {
  const skip = numpyUnavailable();
  it('match on a seeded long-tailed problem (k = 8, the default)', { skip: skip ?? false }, () => {
    check(randomProblem(11, 900, 14, 6, 2), 8);
  });
  it('match with many tied confidences and scores (logits rounded, k = 3)', { skip: skip ?? false }, () => {
    check(quantised(randomProblem(5, 500, 5, 3)), 3);
  });
});

describe('examplesPerClass option', () => {
  it('keeps no examples at 0 and rejects a negative count', () => {
    const p = randomProblem(3, 200, 6, 4);
    const input = { numClasses: p.c, logits: p.logits, labels: p.labels, trainCounts: p.trainCounts };
    const report = buildReport(input, provenance, { examplesPerClass: 0 });
    assert.ok(report.classes.every((cls) => cls.examples?.length === 0));
    assert.throws(
      () => buildReport(input, provenance, { examplesPerClass: -1 }),
      (e: unknown) => e instanceof LongtailError && e.code === ErrorCode.InvalidOption,
    );
  });
});
