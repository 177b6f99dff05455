// τ-normalisation with and without the bias, the extended τ grid, and τ chosen on a held-out split:
// hand-computed vectors, properties of the split, and an independent numpy reference
// (test/fixtures/reference/posthoc_selection_reference.py; skipped without python3 + numpy).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildReport } from '../../../src/engine/analysis/buildReport';
import { heldOutSplit, testGroup, validationGroup } from '../../../src/engine/analysis/heldOutSplit';
import { logPriors } from '../../../src/engine/analysis/logitAdjustment';
import { maxSweepTau } from '../../../src/engine/analysis/postHocSweep';
import { tauNormalisationCorrect } from '../../../src/engine/analysis/tauNormalisation';
import { runSweep } from '../../../src/engine/analysis/tauSelection';
import { mulberry32 } from '../../../src/engine/data/seededRandom';
import type { BucketAccuracies, HeldOutChoice, PostHocSweep } from '../../../src/protocol/report';
import { assertAllClose, assertClose, provenance, randomProblem } from './helpers';

describe('τ-normalisation with the bias kept', () => {
  // docs/methods.md §13.5 head with a bias b = [0, 0.5, −0.2] added back after normalising, x = [1, 1.2]:
  // τ = 0 → [3, 2.9, 0.9] (the model as is) argmax 0; τ = 0.5 → [1.7320508, 2.1970563, 1.1081278] argmax 1;
  // τ = 1 → [1, 1.7, 1.3556349] argmax 1; τ = 2 → [0.3333, 1.1, 2.0] argmax 2.
  // Bias dropped (Kang et al.), τ = 0.5 → [1.7320508, 1.6970563, 1.3081278] argmax 0.
  const weight = new Float64Array([3, 0, 0, 2, 0.5, 0.5]);
  const bias = new Float64Array([0, 0.5, -0.2]);
  const norms = new Float64Array([3, 2, Math.SQRT1_2]);
  const x = new Float64Array([1, 1.2, 1, 1.2, 1, 1.2]);
  const taus = [0, 0.5, 1, 2];
  const correctFor = (keep: boolean, kind: 'embeddings' | 'logits'): Int32Array[] =>
    [0, 1, 2].map((label) => {
      const scores =
        kind === 'embeddings'
          ? ({ kind, embeddings: x.subarray(0, 2), weight, d: 2 } as const)
          : ({ kind, logits: new Float64Array([3, 2.9, 0.9]), bias } as const);
      return tauNormalisationCorrect(scores, new Int32Array([label]), 3, norms, taus, keep ? { keepBias: bias } : {});
    });
  const winners = (rows: Int32Array[]): number[] => taus.map((_, k) => [0, 1, 2].find((label) => rows[label][k * 3 + label] === 1) ?? -1);

  it('bias kept: τ = 0 is the model as is, winners 0, 1, 1, 2 (from W·φ and from f − b)', () => {
    assert.deepEqual(winners(correctFor(true, 'embeddings')), [0, 1, 1, 2]);
    assert.deepEqual(winners(correctFor(true, 'logits')), [0, 1, 1, 2]);
  });
  it('bias dropped: winners 0, 0, 2, 2 (§13.5)', () => {
    assert.deepEqual(winners(correctFor(false, 'embeddings')), [0, 0, 2, 2]);
  });

  it('pruned scan (C ≥ 32) equals a brute-force argmax, with and without bias, grouped', () => {
    const rand = mulberry32(99);
    const n = 400;
    const c = 48;
    const scores = Float64Array.from({ length: n * c }, () => rand() * 4 - 1.5);
    const b = Float64Array.from({ length: c }, () => rand() * 2 - 1);
    const nrm = Float64Array.from({ length: c }, (_, y) => (y === 5 ? 0 : 0.2 + 3 * rand()));
    const labels = Int32Array.from({ length: n }, () => Math.floor(rand() * c));
    const groupOf = Uint8Array.from({ length: n }, () => (rand() < 0.3 ? 0 : 1));
    const grid = [0, 0.3, 0.7, 1, 1.5, 2, 4];
    for (const keep of [null, b]) {
      const got = tauNormalisationCorrect({ kind: 'logits', logits: scores, bias: null }, labels, c, nrm, grid, { keepBias: keep, groupOf, groups: 2 });
      const want = new Int32Array(2 * grid.length * c);
      for (let i = 0; i < n; i++) {
        grid.forEach((tau, k) => {
          let arg = 0;
          let best = -Infinity;
          for (let y = 0; y < c; y++) {
            const v = scores[i * c + y] * (nrm[y] > 0 ? Math.pow(nrm[y], -tau) : 1) + (keep ? keep[y] : 0);
            if (v > best) {
              best = v;
              arg = y;
            }
          }
          if (arg === labels[i]) want[(groupOf[i] * grid.length + k) * c + arg]++;
        });
      }
      assert.deepEqual(got, want, keep ? 'bias kept' : 'bias dropped');
    }
  });
});

describe('held-out split of the eval set', () => {
  const rand = mulberry32(3);
  const c = 9;
  const labels = Int32Array.from({ length: 500 }, () => Math.min(c - 1, Math.floor(Math.pow(rand(), 2) * c)));
  labels[0] = c - 1; // make sure the last class exists; class 7 and 8 sizes vary
  it('puts round(f·m_y) of each class (clamped to [1, m_y − 1]) in validation, deterministically per seed', () => {
    const s = heldOutSplit(labels, c, 0.2, 11);
    const m = new Int32Array(c);
    for (const y of labels) m[y]++;
    for (let y = 0; y < c; y++) {
      const want = m[y] >= 2 ? Math.min(m[y] - 1, Math.max(1, Math.round(0.2 * m[y]))) : 0;
      assert.equal(s.valCount[y], want, `class ${y} (${m[y]} examples)`);
      assert.equal(s.valCount[y] + s.testCount[y], m[y]);
      let v = 0;
      labels.forEach((label, i) => (v += label === y && s.groupOf[i] === validationGroup ? 1 : 0));
      assert.equal(v, want);
    }
    assert.equal(s.valExamples + s.testExamples, labels.length);
    assert.deepEqual(heldOutSplit(labels, c, 0.2, 11).groupOf, s.groupOf);
    assert.notDeepEqual(heldOutSplit(labels, c, 0.2, 12).groupOf, s.groupOf);
  });
  it('a class with one example goes to the test part; renaming classes holds out the same examples', () => {
    const one = heldOutSplit(new Int32Array([0, 0, 0, 1]), 2, 0.5, 1);
    assert.equal(one.groupOf[3], testGroup);
    assert.deepEqual([...one.valCount], [2, 0]);
    const renamed = Int32Array.from(labels, (y) => (y * 4 + 3) % c);
    assert.deepEqual(heldOutSplit(renamed, c, 0.2, 11).groupOf, heldOutSplit(labels, c, 0.2, 11).groupOf);
  });
});

describe('runSweep grid extension', () => {
  // One class, 100000 eval examples; a synthetic counter whose accuracy peaks at τ* (strictly, on the 0.1 grid).
  const evalCount = new Int32Array([100000]);
  const peakAt =
    (tauStar: number) =>
    (taus: readonly number[]): Int32Array =>
      Int32Array.from(taus, (t) => 100000 - Math.round(1000 * Math.abs(t - tauStar)));
  it('optimum at τ = 3: extends once to 4.0 and finds it, not flagged', () => {
    const { sweep, choice } = runSweep(peakAt(3), evalCount, ['many'], null);
    assert.equal(choice, null);
    assert.equal(sweep.taus.length, 41);
    assert.equal(sweep.taus[40], 4);
    assert.equal(sweep.bestTau, 3);
    assert.equal(sweep.bestBalancedError, 0);
    assert.equal(sweep.bestAtGridEdge, false);
  });
  it('optimum beyond the cap: stops at τ = 10 and flags the edge', () => {
    const { sweep } = runSweep(peakAt(50), evalCount, ['many'], null);
    assert.equal(sweep.taus[sweep.taus.length - 1], maxSweepTau);
    assert.equal(sweep.bestTau, maxSweepTau);
    assert.equal(sweep.bestAtGridEdge, true);
  });
  it('optimum inside [0, 2]: the 21-point grid is kept', () => {
    const { sweep } = runSweep(peakAt(1.3), evalCount, ['many'], null);
    assert.equal(sweep.taus.length, 21);
    assert.equal(sweep.bestTau, 1.3);
  });
});

function numpyUnavailable(): string | null {
  const r = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
  if (r.error) return `python3 not found (${r.error.message})`;
  return r.status === 0 ? null : `python3 cannot import numpy: ${r.stderr.trim().split('\n').pop() ?? ''}`;
}

type Buckets = [number, number | null][];
interface RefMethod {
  taus: number[];
  balancedError: number[];
  bestTau: number;
  bestAtGridEdge: boolean;
  choice: Omit<HeldOutChoice, 'testBuckets'> & { testBuckets: Buckets };
}
interface Ref {
  valExamples: number;
  testExamples: number;
  testBalancedError: number;
  testBuckets: Buckets;
  logitAdjustment: RefMethod;
  tauNormalisation?: RefMethod;
  tauNormalisationWithBias?: RefMethod;
}

function assertBuckets(actual: BucketAccuracies, expected: Buckets, what: string): void {
  (['many', 'medium', 'few'] as const).forEach((b, k) => {
    assert.equal(actual[b].classes, expected[k][0], `${what} ${b} classes`);
    assertAllClose([actual[b].accuracy], [expected[k][1]], 1e-12, `${what} ${b}`);
  });
}

function assertMethod(sweep: PostHocSweep | null | undefined, choice: HeldOutChoice | null | undefined, ref: RefMethod | undefined, what: string): void {
  assert.ok(sweep && choice && ref, `${what} present`);
  assert.deepEqual(sweep.taus, ref.taus, `${what} grid`);
  assertAllClose(sweep.balancedError, ref.balancedError, 1e-12, `${what} BER`);
  assert.equal(sweep.bestTau, ref.bestTau, `${what} best τ`);
  assert.equal(sweep.bestAtGridEdge, ref.bestAtGridEdge, `${what} edge`);
  assert.equal(choice.tau, ref.choice.tau, `${what} chosen τ`);
  assertClose(choice.valBalancedError, ref.choice.valBalancedError, 1e-12, `${what} val BER`);
  assertClose(choice.testBalancedError, ref.choice.testBalancedError, 1e-12, `${what} test BER`);
  assertBuckets(choice.testBuckets, ref.choice.testBuckets, `${what} test buckets`);
  assert.equal(choice.oracleTau, ref.choice.oracleTau, `${what} oracle τ`);
  assertClose(choice.oracleTestBalancedError, ref.choice.oracleTestBalancedError, 1e-12, `${what} oracle BER`);
  assert.equal(choice.atGridEdge, ref.choice.atGridEdge, `${what} chosen on edge`);
}

describe('post-hoc sweeps and held-out τ vs independent numpy reference', () => {
  const why = numpyUnavailable();
  const cases: [string, number, number, number, number, boolean][] = [
    // name, seed, N, C, D, over-weighted prior (logits + 3·log π: LA optimum beyond 2, W·φ path)
    ['C = 12, D = 8, N = 900, logits = head (f − b path)', 21, 900, 12, 8, false],
    ['C = 40, D = 16, N = 2000, logits + 3·log π (grid extended, W·φ path)', 22, 2000, 40, 16, true],
  ];
  for (const [name, seed, n, c, d, skew] of cases) {
    it(name, { skip: why ?? false }, () => {
      const p = randomProblem(seed, n, c, d);
      const lp = logPriors(p.trainCounts);
      const logits = skew ? Float64Array.from(p.logits, (v, j) => v + 3 * lp[j % c]) : p.logits;
      const report = buildReport({ numClasses: c, logits, labels: p.labels, trainCounts: p.trainCounts, embeddings: p.embeddings, head: { weight: p.weight, bias: p.bias } }, provenance, { valFraction: 0.3, splitSeed: 5 });
      const split = heldOutSplit(p.labels, c, 0.3, 5);
      const dir = mkdtempSync(join(tmpdir(), 'longtail-sel-'));
      let ref: Ref;
      try {
        const f64 = (a: ArrayLike<number>) => Buffer.from(Float64Array.from(a).buffer);
        writeFileSync(join(dir, 'meta.json'), JSON.stringify({ n, c, d, many: 100, few: 20 }));
        writeFileSync(join(dir, 'logits.bin'), f64(logits));
        writeFileSync(join(dir, 'labels.bin'), f64(p.labels));
        writeFileSync(join(dir, 'counts.bin'), f64(p.trainCounts));
        writeFileSync(join(dir, 'group.bin'), f64(split.groupOf));
        writeFileSync(join(dir, 'embeddings.bin'), f64(p.embeddings));
        writeFileSync(join(dir, 'weight.bin'), f64(p.weight));
        writeFileSync(join(dir, 'bias.bin'), f64(p.bias));
        const script = join(__dirname, '..', '..', 'fixtures', 'reference', 'posthoc_selection_reference.py');
        const r = spawnSync('python3', [script, dir], { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 120_000 });
        assert.equal(r.status, 0, `reference script failed: ${r.stderr}`);
        ref = JSON.parse(r.stdout) as Ref;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      const sel = report.postHoc.selection;
      assert.ok(sel);
      assert.equal(sel.valExamples, ref.valExamples);
      assert.equal(sel.testExamples, ref.testExamples);
      assertClose(sel.testBalancedError, ref.testBalancedError, 1e-12, 'raw test BER');
      assertBuckets(sel.testBuckets, ref.testBuckets, 'raw test buckets');
      assertMethod(report.postHoc.logitAdjustment, sel.logitAdjustment, ref.logitAdjustment, 'LA');
      assertMethod(report.postHoc.tauNormalisation, sel.tauNormalisation, ref.tauNormalisation, 'τ-norm (bias dropped)');
      assertMethod(report.postHoc.tauNormalisationWithBias, sel.tauNormalisationWithBias, ref.tauNormalisationWithBias, 'τ-norm (bias kept)');
      // With the bias kept, τ = 0 is the model as is (when the logits are the head's).
      if (!skew) assertClose(report.postHoc.tauNormalisationWithBias?.balancedError[0] ?? NaN, report.summary.balancedError, 1e-12, 'bias kept at τ = 0');
      if (skew) assert.ok(report.postHoc.logitAdjustment.taus.length > 21, 'the skewed problem extends the LA grid');
    });
  }
});
