// Bootstrap intervals against an independent numpy computation on the same resamples
// (test/fixtures/reference/bootstrap_reference.py; skipped without python3 + numpy), and their behaviour.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bootstrapIntervals, bootstrapReplicates, quantileSorted } from '../../../src/engine/analysis/bootstrap';
import { assignBuckets } from '../../../src/engine/analysis/buckets';
import { buildReport } from '../../../src/engine/analysis/buildReport';
import { mulberry32 } from '../../../src/engine/data/seededRandom';
import { assertAllClose, assertClose, provenance, randomProblem } from './helpers';

function numpyUnavailable(): string | null {
  const r = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
  if (r.error) return `python3 not found (${r.error.message})`;
  return r.status === 0 ? null : `python3 cannot import numpy: ${r.stderr.trim().split('\n').pop() ?? ''}`;
}

/** A seeded classification outcome: labels, train counts and which examples are right before / after adjustment. */
function outcome(seed: number, n: number, c: number) {
  const rand = mulberry32(seed);
  const trainCounts = Array.from({ length: c }, (_, y) => Math.max(2, Math.floor(500 * Math.pow(0.6, y))));
  const labels = Int32Array.from({ length: n }, () => Math.floor(rand() * c));
  const raw = Uint8Array.from(labels, (y) => (rand() < 0.9 - 0.5 * (y / c) ? 1 : 0));
  const adjusted = Uint8Array.from(labels, (y, i) => (rand() < 0.2 ? 1 - raw[i] : raw[i]) | (y > c / 2 && rand() < 0.3 ? 1 : 0));
  return { labels, trainCounts, raw, adjusted };
}

describe('bootstrap intervals', () => {
  it('quantiles interpolate linearly as numpy.percentile', () => {
    // np.percentile([1, 2, 4, 8], [2.5, 50, 97.5]) = [1.075, 3.0, 7.7]
    const v = [1, 2, 4, 8];
    assertAllClose([quantileSorted(v, 0.025), quantileSorted(v, 0.5), quantileSorted(v, 0.975)], [1.075, 3, 7.7], 1e-12, 'quantiles');
  });

  it('resamples: 1000 by default, fewer (never under 100) on very large eval sets', () => {
    assert.equal(bootstrapReplicates(10_000), 1000);
    assert.equal(bootstrapReplicates(400_000), 250);
    assert.equal(bootstrapReplicates(5_000_000), 100);
    assert.equal(bootstrapReplicates(10, 50), 50);
  });

  const why = numpyUnavailable();
  it('equals numpy on the same resamples (N = 700, C = 15, 200 resamples)', { skip: why ?? false }, () => {
    const n = 700;
    const c = 15;
    const b = 200;
    const seed = 42;
    const { labels, trainCounts, raw, adjusted } = outcome(7, n, c);
    const got = bootstrapIntervals(labels, c, raw, adjusted, 1, assignBuckets(trainCounts), b, seed);
    // The documented resampling: i = ⌊u·N⌋ with u the successive outputs of mulberry32(seed).
    const rand = mulberry32(seed);
    const indices = Float64Array.from({ length: b * n }, () => Math.floor(rand() * n));
    const dir = mkdtempSync(join(tmpdir(), 'longtail-boot-'));
    try {
      const f64 = (a: ArrayLike<number>) => Buffer.from(Float64Array.from(a).buffer);
      writeFileSync(join(dir, 'meta.json'), JSON.stringify({ n, c, b, many: 100, few: 20 }));
      writeFileSync(join(dir, 'labels.bin'), f64(labels));
      writeFileSync(join(dir, 'counts.bin'), f64(trainCounts));
      writeFileSync(join(dir, 'raw.bin'), f64(raw));
      writeFileSync(join(dir, 'adjusted.bin'), f64(adjusted));
      writeFileSync(join(dir, 'indices.bin'), f64(indices));
      const script = join(__dirname, '..', '..', 'fixtures', 'reference', 'bootstrap_reference.py');
      const r = spawnSync('python3', [script, dir], { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 120_000 });
      assert.equal(r.status, 0, `reference script failed: ${r.stderr}`);
      const ref = JSON.parse(r.stdout) as { balancedError: [number, number]; buckets: ([number, number] | null)[]; gain: [number, number] };
      assertAllClose([got.balancedError.lo, got.balancedError.hi], ref.balancedError, 1e-12, 'BER interval');
      assertAllClose([got.logitAdjustmentGain.interval.lo, got.logitAdjustmentGain.interval.hi], ref.gain, 1e-12, 'gain interval');
      (['many', 'medium', 'few'] as const).forEach((bucket, k) => {
        const want = ref.buckets[k];
        const have = got.buckets[bucket];
        if (want === null) assert.equal(have, null, bucket);
        else assertAllClose(have ? [have.lo, have.hi] : [], want, 1e-12, `${bucket} interval`);
      });
      assert.ok(ref.buckets.every((v) => v !== null), 'all three buckets exercised');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('in a report: the interval brackets the estimate, is seeded, and narrows with 4× the examples', () => {
    const build = (n: number, seed: number) => {
      const p = randomProblem(31, n, 10, 4);
      return buildReport({ numClasses: p.c, logits: p.logits, labels: p.labels, trainCounts: p.trainCounts }, provenance, { splitSeed: seed }).summary;
    };
    const a = build(1000, 1);
    const iv = a.intervals;
    assert.ok(iv);
    assert.equal(iv.replicates, 1000);
    assert.equal(iv.seed, 1);
    assert.ok(iv.balancedError.lo < a.balancedError && a.balancedError < iv.balancedError.hi, `${a.balancedError} in [${iv.balancedError.lo}, ${iv.balancedError.hi}]`);
    assert.deepEqual(build(1000, 1).intervals, iv);
    assert.notDeepEqual(build(1000, 2).intervals?.balancedError, iv.balancedError);
    const wide = iv.balancedError.hi - iv.balancedError.lo;
    const big = build(4000, 1).intervals;
    assert.ok(big);
    const narrow = big.balancedError.hi - big.balancedError.lo;
    // Standard error ∝ 1/√N: the width roughly halves.
    assertClose(narrow / wide, 0.5, 0.15, 'width ratio');
  });
});
