// UMAP of the eval embeddings (engine): exact neighbours against a brute-force float64 recomputation,
// determinism per seed, class structure kept on separable clusters (k-NN label agreement and trustworthiness),
// typed errors for bad parameters, and the report field (schema-valid, off when maxPoints is 0).
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { UMAP } from 'umap-js';
import { buildReport, buildReportAsync } from '../../../src/engine/analysis/buildReport';
import { exactNeighbours, resolveUmapOptions, umapProjection, umapStages } from '../../../src/engine/analysis/umapProjection';
import { mulberry32 } from '../../../src/engine/data/seededRandom';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';
import { validateReport } from '../../../src/protocol/validateReport';
import { provenance, randomProblem } from './helpers';

/** Standard normal (Box–Muller). */
function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(Math.max(rand(), 1e-300))) * Math.cos(2 * Math.PI * rand());
}

/** `perClass[y]` points around a random centre per class (centres ~ N(0, spread²), noise N(0, 1)) in D dims. */
function clusters(seed: number, perClass: number[], d: number, spread: number): { x: Float64Array; labels: Int32Array } {
  const rand = mulberry32(seed);
  const centres = perClass.map(() => Array.from({ length: d }, () => spread * gaussian(rand)));
  const n = perClass.reduce((s, k) => s + k, 0);
  const x = new Float64Array(n * d);
  const labels = new Int32Array(n);
  let i = 0;
  perClass.forEach((count, y) => {
    for (let k = 0; k < count; k++, i++) {
      labels[i] = y;
      for (let j = 0; j < d; j++) x[i * d + j] = centres[y][j] + gaussian(rand);
    }
  });
  return { x, labels };
}

/** Squared Euclidean distances between rows, straight from the definition. */
function sqDist(x: ArrayLike<number>, d: number, i: number, j: number): number {
  let s = 0;
  for (let t = 0; t < d; t++) s += (x[i * d + t] - x[j * d + t]) ** 2;
  return s;
}

/** Rows ordered by distance to row i (ties by index), i itself excluded. */
function ranking(x: ArrayLike<number>, m: number, d: number, i: number): number[] {
  const others = Array.from({ length: m }, (_, j) => j).filter((j) => j !== i);
  const dist = others.map((j) => sqDist(x, d, i, j));
  return others.map((j, k) => [j, dist[k]] as const).sort((a, b) => a[1] - b[1] || a[0] - b[0]).map((p) => p[0]);
}

/** Fraction of each point's k nearest layout neighbours that share its label. */
function knnLabelAgreement(points: readonly (readonly [number, number, number])[], k: number): number {
  const flat = points.flatMap((p) => [p[0], p[1]]);
  let agree = 0;
  for (let i = 0; i < points.length; i++) {
    for (const j of ranking(flat, points.length, 2, i).slice(0, k)) if (points[j][2] === points[i][2]) agree++;
  }
  return agree / (points.length * k);
}

/**
 * Trustworthiness T(k) = 1 − 2 / (n k (2n − 3k − 1)) Σ_i Σ_{j ∈ U_k(i)} (r(i, j) − k), where U_k(i) are the layout's
 * k nearest neighbours of i that are not among its k nearest in the input and r(i, j) is j's rank in the input
 * (Venna & Kaski 2001; the definition of sklearn.manifold.trustworthiness).
 */
function trustworthiness(x: Float64Array, d: number, layout: Float64Array, k: number): number {
  const n = layout.length / 2;
  let penalty = 0;
  for (let i = 0; i < n; i++) {
    const inputRank = new Map(ranking(x, n, d, i).map((j, r) => [j, r + 1]));
    for (const j of ranking(layout, n, 2, i).slice(0, k)) {
      const r = inputRank.get(j) as number;
      if (r > k) penalty += r - k;
    }
  }
  return 1 - (2 / (n * k * (2 * n - 3 * k - 1))) * penalty;
}

function rejectsOption(options: Parameters<typeof resolveUmapOptions>[0], pattern: RegExp): void {
  assert.throws(
    () => resolveUmapOptions(options),
    (e: unknown) => e instanceof LongtailError && e.code === ErrorCode.InvalidOption && pattern.test(e.message) && !e.message.includes('\n'),
  );
}

describe('exactNeighbours', () => {
  it('matches a brute-force float64 ranking: itself first at 0, then by increasing distance', () => {
    const { x } = clusters(3, [40, 30, 30, 20], 7, 2);
    const m = 120;
    const k = 9;
    const knn = exactNeighbours(x, m, 7, k);
    for (let i = 0; i < m; i++) {
      assert.equal(knn.indices[i][0], i);
      assert.equal(knn.distances[i][0], 0);
      const expected = ranking(x, m, 7, i).slice(0, k - 1);
      assert.deepEqual(knn.indices[i].slice(1), expected, `row ${i}`);
      knn.indices[i].slice(1).forEach((j, t) => {
        const ref = Math.sqrt(sqDist(x, 7, i, j));
        assert.ok(Math.abs(knn.distances[i][t + 1] - ref) <= 1e-9 * Math.max(1, ref), `distance ${i}→${j}`);
      });
    }
  });
  it('reads rows through the given product kernel (blocks of 256 rows)', () => {
    const { x } = clusters(4, [200, 200, 200], 3, 3);
    const calls: number[] = [];
    exactNeighbours(x, 600, 3, 5, (a, aStart, aRows, b, bRows, d, out) => {
      calls.push(aRows);
      for (let r = 0; r < aRows; r++) for (let c = 0; c < bRows; c++) {
        let s = 0;
        for (let t = 0; t < d; t++) s += a[(aStart + r) * d + t] * b[c * d + t];
        out[r * bRows + c] = s;
      }
    });
    assert.deepEqual(calls, [256, 256, 88]);
  });
});

describe('umapProjection', () => {
  const perClass = [120, 90, 60, 40, 25, 15, 10, 8, 6, 5];
  const fixture = clusters(11, perClass, 12, 6);
  const C = perClass.length;

  it('is deterministic: the same seed gives the same points, another seed other points', () => {
    const a = umapProjection(fixture.x, fixture.labels, C, 12, { seed: 5, nEpochs: 60, maxPoints: 200 });
    const b = umapProjection(fixture.x, fixture.labels, C, 12, { seed: 5, nEpochs: 60, maxPoints: 200 });
    const c = umapProjection(fixture.x, fixture.labels, C, 12, { seed: 6, nEpochs: 60, maxPoints: 200 });
    assert.ok(a && b && c);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.points, c.points);
    assert.equal(a.points.length, 200);
    assert.deepEqual(a.params, { maxPoints: 200, nNeighbors: 15, minDist: 0.1, nEpochs: 60, seed: 5, metric: 'euclidean' });
    // Each point carries its example's label and eval index.
    a.points.forEach((p, s) => assert.equal(p[2], fixture.labels[a.indices[s]]));
  });

  it('gives exactly the layout of unmodified umap-js on the same neighbours and seed (its graph built faster)', () => {
    const n = fixture.labels.length;
    const ours = umapProjection(fixture.x, fixture.labels, C, 12, { seed: 9, nEpochs: 40 });
    assert.ok(ours);
    assert.deepEqual(ours.indices, Array.from({ length: n }, (_, i) => i), 'all points, in order');
    // The sample is copied as float32 (as the embeddings arrive from a model).
    const knn = exactNeighbours(Float32Array.from(fixture.x), n, 12, 15);
    const reference = new UMAP({ nComponents: 2, nNeighbors: 15, minDist: 0.1, nEpochs: 40, random: mulberry32(9) });
    reference.setPrecomputedKNN(knn.indices, knn.distances);
    const layout = reference.fit(Array.from({ length: n }, () => []));
    assert.deepEqual(ours.points, layout.map((q, i) => [q[0], q[1], fixture.labels[i]]));
  });

  it('keeps class structure on separable clusters: k-NN label agreement and trustworthiness far above chance', () => {
    const u = umapProjection(fixture.x, fixture.labels, C, 12, { seed: 1 });
    assert.ok(u);
    assert.equal(u.points.length, fixture.labels.length);
    const agreement = knnLabelAgreement(u.points, 10);
    // Chance: Σ_y p_y² of the class shares, about 0.2 here.
    const n = fixture.labels.length;
    const chance = perClass.reduce((s, k) => s + (k / n) ** 2, 0);
    assert.ok(chance < 0.25, `chance ${chance}`);
    assert.ok(agreement > 0.95, `10-NN label agreement ${agreement}`);
    const layout = Float64Array.from(u.points.flatMap((p) => [p[0], p[1]]));
    const x = new Float64Array(n * 12);
    u.indices.forEach((i, s) => x.set(fixture.x.subarray(i * 12, i * 12 + 12), s * 12));
    const t = trustworthiness(x, 12, layout, 10);
    assert.ok(t > 0.9, `trustworthiness ${t}`);
  });

  it('lowers nNeighbors to the sample size − 1 for tiny samples, and is null below 3 points', () => {
    const tiny = clusters(2, [3, 2], 4, 3);
    const u = umapProjection(tiny.x, tiny.labels, 2, 4, { nEpochs: 20 });
    assert.equal(u?.params.nNeighbors, 4);
    assert.equal(u?.points.length, 5);
    assert.equal(umapProjection(tiny.x.subarray(0, 8), tiny.labels.subarray(0, 2), 2, 4), null);
    assert.equal(umapProjection(fixture.x, fixture.labels, C, 12, { maxPoints: 0 }), null);
  });

  it('an analysis is cancelled between the UMAP stages (the graph, each quarter of the epochs)', async () => {
    const p = randomProblem(8, 400, 12, 6);
    const signal = { isCancellationRequested: false };
    const stages: string[] = [];
    const run = buildReportAsync({ numClasses: p.c, logits: p.logits, labels: p.labels, trainCounts: p.trainCounts, embeddings: p.embeddings }, provenance, {
      umap: { nEpochs: 40 },
      signal,
      onStage: (s) => {
        stages.push(s);
        if (s === 'umap graph') signal.isCancellationRequested = true;
      },
    });
    await assert.rejects(run, (e: unknown) => e instanceof LongtailError && e.code === ErrorCode.Cancelled);
    assert.equal(stages[stages.length - 1], 'umap graph', 'no epoch ran after the cancel');
  });

  it('yields a stage after the neighbours, the graph and each quarter of the epochs', () => {
    const stages = umapStages(fixture.x, fixture.labels, C, 12, { nEpochs: 10, maxPoints: 100 });
    const names: string[] = [];
    for (let s = stages.next(); !s.done; s = stages.next()) names.push(s.value);
    assert.deepEqual(names, ['umap neighbours', 'umap graph', 'umap layout 1/4', 'umap layout 2/4', 'umap layout 3/4', 'umap layout 4/4']);
  });

  it('refuses bad parameters with one-line INVALID_OPTION errors naming the field', () => {
    rejectsOption({ nNeighbors: 1 }, /nNeighbors must be an integer from 2 to 200, got 1/);
    rejectsOption({ nNeighbors: 2.5 }, /nNeighbors/);
    rejectsOption({ nNeighbors: Number.NaN }, /nNeighbors/);
    rejectsOption({ minDist: -0.1 }, /minDist must be a number from 0 to 1/);
    rejectsOption({ minDist: Number.NaN }, /minDist/);
    rejectsOption({ minDist: 1.5 }, /minDist/);
    rejectsOption({ nEpochs: 0 }, /nEpochs/);
    rejectsOption({ nEpochs: 1e9 }, /nEpochs/);
    rejectsOption({ maxPoints: -1 }, /maxPoints/);
    rejectsOption({ maxPoints: 20001 }, /maxPoints must be an integer from 0 to 20000/);
    rejectsOption({ seed: -3 }, /seed/);
    assert.deepEqual(resolveUmapOptions({}), { maxPoints: 5000, nNeighbors: 15, nEpochs: 100, seed: 20240601, minDist: 0.1 });
    assert.equal(resolveUmapOptions({ maxPoints: 0 }), null);
  });
});

describe('report.projection.umap', () => {
  const p = randomProblem(8, 400, 12, 6);
  const input = { numClasses: p.c, logits: p.logits, labels: p.labels, trainCounts: p.trainCounts, embeddings: p.embeddings };

  it('is stored next to the PCA, schema-valid, with eval indices and labels that drill down', () => {
    const report = buildReport(input, provenance, { createdAt: 't', umap: { nEpochs: 30, maxPoints: 300 } });
    const umap = report.projection?.umap;
    assert.ok(umap);
    assert.equal(umap.points.length, 300);
    assert.equal(umap.params.seed, 20240601, 'seeded by the projection seed by default');
    umap.points.forEach((q, s) => assert.equal(q[2], p.labels[umap.indices[s]]));
    validateReport(JSON.parse(JSON.stringify(report)), 'report.json');
  });

  it('is absent when turned off, and bad parameters fail before any work', () => {
    const off = buildReport(input, provenance, { createdAt: 't', umap: { maxPoints: 0 } });
    assert.ok(off.projection);
    assert.equal(off.projection.umap, undefined);
    assert.equal(buildReport(input, provenance, { createdAt: 't' }).projection?.umap, undefined, 'only when asked (the pipeline asks by default)');
    const stages: string[] = [];
    assert.throws(
      () => buildReport(input, provenance, { umap: { minDist: -1 }, onStage: (s) => stages.push(s) }),
      (e: unknown) => e instanceof LongtailError && e.code === ErrorCode.InvalidOption,
    );
    assert.deepEqual(stages, []);
  });
});
