import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { compareReports, extremes } from '../../../webview/dashboard/model/compare';
import { logIntensity, rowNormalise, shapeConfusion } from '../../../webview/dashboard/model/confusion';
import { normVerdict, olsInLogPrior } from '../../../webview/dashboard/model/insights';
import { binValues, bucketSpans, decimateMinMax, frequencyOrder, seriesByBucket, strideSample } from '../../../webview/dashboard/model/series';
import { makeReport } from '../../fixtures/makeReport';

describe('series shaping', () => {
  it('min/max decimation keeps extremes, order and the point budget', () => {
    const pts = Array.from({ length: 10_000 }, (_, x) => ({ x, y: Math.sin(x / 50) + (x === 4321 ? 10 : 0) }));
    const out = decimateMinMax(pts, 500);
    assert.ok(out.length <= 500 && out.length >= 400, String(out.length));
    assert.ok(out.some((p) => p.x === 4321 && p.y > 9), 'the spike survives');
    assert.ok(out.every((p, k) => k === 0 || p.x > out[k - 1].x), 'x stays increasing');
    assert.equal(Math.min(...out.map((p) => p.y)), Math.min(...pts.map((p) => p.y)));
  });

  it('decimation passes small series through and drops non-finite points', () => {
    assert.deepEqual(decimateMinMax([{ x: 0, y: 1 }, { x: 1, y: Number.NaN }, { x: 2, y: 3 }], 10), [{ x: 0, y: 1 }, { x: 2, y: 3 }]);
  });

  it('bins values with means, min, max, skipping nulls', () => {
    const bins = binValues([1, 3, null, 5, null, null], 3);
    assert.deepEqual(bins.map((b) => [b.start, b.end, b.n, b.mean, b.min, b.max]), [
      [0, 2, 2, 2, 1, 3],
      [2, 4, 1, 5, 5, 5],
      [4, 6, 0, null, null, null],
    ]);
    assert.equal(binValues([1, 2], 10).length, 2);
  });

  it('stride sampling is even and deterministic', () => {
    assert.deepEqual(strideSample([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 5), [0, 2, 4, 6, 8]);
    assert.deepEqual(strideSample([1, 2], 5), [1, 2]);
  });

  it('frequency order: uses confusion.order when valid, else sorts by count then index', () => {
    const r = makeReport({ numClasses: 50 });
    assert.deepEqual(frequencyOrder(r), r.confusion.order);
    const broken = { ...r, confusion: { ...r.confusion, order: [0, 0, 1] } };
    const order = frequencyOrder(broken);
    assert.equal(order.length, 50);
    for (let k = 1; k < 50; k++) {
      const a = r.classes[order[k - 1]];
      const b = r.classes[order[k]];
      assert.ok(a.trainCount > b.trainCount || (a.trainCount === b.trainCount && a.index < b.index));
    }
  });

  it('buckets are contiguous spans in frequency order; per-bucket series respect the budget', () => {
    const r = makeReport({ numClasses: 8142 });
    const order = frequencyOrder(r);
    assert.deepEqual(bucketSpans(r.classes, order).map((s) => s.bucket), ['many', 'medium', 'few']);
    const s = seriesByBucket(r.classes, order, (c) => c.tightness?.resultantLength ?? null, 300);
    for (const b of ['many', 'medium', 'few'] as const) assert.ok(s[b].length <= 300 && s[b].length > 0);
    const st = seriesByBucket(r.classes, order, (c) => c.accuracy, 100, 'stride');
    assert.equal(st.many.length, 100);
  });
});

describe('confusion shaping', () => {
  it('keeps small matrices whole and aggregates large ones into top-N + other, preserving totals', () => {
    const m = [
      [5, 1, 0],
      [2, 3, 0],
      [0, 0, 9],
    ];
    const small = shapeConfusion(m, [7, 8, 9], 3, 2);
    assert.deepEqual(small.labels, [7, 8, 9]);
    assert.equal(small.max, 9);
    const big = shapeConfusion(m, [7, 8, 9], 2, 2);
    assert.deepEqual(big.labels, [7, 8, -1]);
    assert.deepEqual(big.cells, [
      [5, 1, 0],
      [2, 3, 0],
      [0, 0, 9],
    ]);
    assert.equal(big.max, 5, 'the colour scale ignores the "other" row and column');
    const one = shapeConfusion(m, [7, 8, 9], 2, 1);
    assert.deepEqual(one.labels, [7, -1]);
    assert.deepEqual(one.cells, [
      [5, 1],
      [2, 12],
    ]);
    const total = (x: readonly (readonly number[])[]) => x.flat().reduce((a, b) => a + b, 0);
    assert.equal(total(one.cells), total(m));
  });

  it('log intensity and row normalisation', () => {
    assert.equal(logIntensity(0, 10), 0);
    assert.equal(logIntensity(10, 10), 1);
    assert.ok(logIntensity(1, 100) > 0.1 && logIntensity(1, 100) < 0.2);
    assert.deepEqual(rowNormalise([[1, 3], [0, 0]]), [[0.25, 0.75], [0, 0]]);
  });
});

describe('interpretation', () => {
  it('says τ-normalisation cannot help with flat or negative norm correlation', () => {
    assert.equal(normVerdict(makeReport({ numClasses: 200, head: 'sgd' }).weightNorms).kind, 'positive');
    const adam = normVerdict(makeReport({ numClasses: 200, head: 'adam' }).weightNorms);
    assert.ok(adam.kind === 'flat' || adam.kind === 'negative', adam.kind);
    assert.match(adam.text, /cannot/);
    assert.equal(normVerdict(null).kind, 'unknown');
    assert.equal(normVerdict({ pearsonLogCount: null, spearmanLogCount: null, slope: null, intercept: null, biasPearsonLogPrior: null }).kind, 'unknown');
  });

  it('rewrites the OLS line from log n to log π', () => {
    const r = makeReport({ numClasses: 100 });
    const line = olsInLogPrior(r.weightNorms, r.classes)!;
    const c = r.classes[5];
    const viaCount = r.weightNorms!.slope! * Math.log(c.trainCount) + r.weightNorms!.intercept!;
    const viaPrior = line.slope * Math.log(c.prior) + line.intercept;
    assert.ok(Math.abs(viaCount - viaPrior) < 1e-9);
  });

  it('compares reports per bucket and per class, matching by name', () => {
    const before = makeReport({ numClasses: 100 });
    const after = makeReport({ numClasses: 100, variant: 'after' });
    const cmp = compareReports(before, after, frequencyOrder(before));
    assert.equal(cmp.matchedBy, 'name');
    assert.equal(cmp.classes.length, 100);
    assert.equal(cmp.onlyBefore, 0);
    const few = cmp.buckets.find((b) => b.bucket === 'few')!;
    assert.ok(few.delta! > 0);
    const { gains, losses } = extremes(cmp.classes, 5);
    assert.ok(gains.length <= 5 && gains.every((g, k) => k === 0 || g.delta! <= gains[k - 1].delta!));
    assert.ok(losses.every((l, k) => l.delta! < 0 && (k === 0 || l.delta! >= losses[k - 1].delta!)));
  });

  it('falls back to matching by index when names repeat', () => {
    const before = makeReport({ numClasses: 10 });
    const dup = { ...before, classes: before.classes.map((c) => ({ ...c, name: 'same' })) };
    assert.equal(compareReports(dup, before, frequencyOrder(before)).matchedBy, 'index');
  });
});
