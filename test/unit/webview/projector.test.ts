// The projector model: which layouts a report offers, point order and filtering, the data→pixel view, nearest-point
// hit testing (against a brute-force search), class colours at 1,000 classes, and hover text of hostile names.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { Report } from '../../../src/protocol/report';
import { buildHitGrid, classColour, fitView, keyboardOrder, nearestPoint, pointText, projectorCaption, projectorMethods, projectorPoints, stepPoint, toPixel } from '../../../webview/dashboard/model/projector';
import { makeReport } from '../../fixtures/makeReport';

/** makeReport with a PCA and a UMAP layout of 6 points over classes 0..2 (and one bad point of each kind). */
function reportWithUmap(): Report {
  const base = makeReport({ numClasses: 3 });
  const projection = base.projection!;
  return {
    ...base,
    projection: {
      ...projection,
      points: [[0, 0, 0], [1, 1, 1], [2, 0, 2]],
      indices: [10, 11, 12],
      umap: {
        points: [[5, 5, 2], [-1, 3, 0], [0, 0, 1], [Number.NaN, 1, 0], [4, 4, 99], [2, -2, 0]],
        indices: [40, 41, 42, 43, 44, 45],
        params: { nNeighbors: 15, minDist: 0.1, nEpochs: 100, seed: 7, maxPoints: 5000, metric: 'euclidean' },
      },
    },
  };
}

describe('projector model', () => {
  it('offers PCA and UMAP only when the report has them', () => {
    const r = reportWithUmap();
    assert.deepEqual(projectorMethods(r), ['pca', 'umap']);
    assert.deepEqual(projectorMethods({ ...r, projection: { ...r.projection!, umap: undefined } }), ['pca']);
    assert.deepEqual(projectorMethods({ ...r, projection: null }), []);
    assert.equal(projectorPoints({ ...r, projection: { ...r.projection!, umap: undefined } }, 'umap'), null);
  });

  it('drops non-finite points and unknown classes, orders many → medium → few (tail drawn last), keeps eval indices', () => {
    const r = reportWithUmap();
    const p = projectorPoints(r, 'umap')!;
    const rank = { many: 0, medium: 1, few: 2 };
    assert.equal(p.xs.length, 4);
    for (let k = 1; k < p.buckets.length; k++) assert.ok(rank[p.buckets[k - 1]] <= rank[p.buckets[k]], 'bucket order');
    // Every kept point still pairs its coordinates, class and eval index as in report.json.
    const src = new Map(r.projection!.umap!.indices.map((i, k) => [i, r.projection!.umap!.points[k]]));
    for (let k = 0; k < p.xs.length; k++) {
      const q = src.get(p.indices[k])!;
      assert.deepEqual([p.xs[k], p.ys[k], p.labels[k]], [q[0], q[1], q[2]]);
      assert.equal(p.buckets[k], r.classes[p.labels[k]].bucket);
    }
    assert.deepEqual([...p.indices].sort(), [40, 41, 42, 45]);
    const total = p.counts.many + p.counts.medium + p.counts.few;
    assert.equal(total, 4);
    // PCA without indices (an older report): −1, nothing to open.
    const old = projectorPoints({ ...r, projection: { ...r.projection!, indices: undefined } }, 'pca')!;
    assert.deepEqual([...old.indices], [-1, -1, -1]);
  });

  it('fits every point inside the padded plot, y up, and centres a constant coordinate', () => {
    const pts = { xs: Float64Array.from([-2, 0, 6]), ys: Float64Array.from([1, 3, 2]) };
    const v = fitView(pts, 420, 220);
    assert.deepEqual(toPixel(v, -2, 3), [10, 10]);
    assert.deepEqual(toPixel(v, 6, 1), [410, 210]);
    const [, yMid] = toPixel(v, 0, 2);
    assert.equal(yMid, 110);
    const flat = fitView({ xs: Float64Array.from([1, 1]), ys: Float64Array.from([5, 5]) }, 100, 60);
    assert.deepEqual(toPixel(flat, 1, 5), [50, 30]);
  });

  it('nearest point within the radius matches a brute-force search over 5,000 random points; ties go to the top one', () => {
    let s = 12345;
    const rand = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
    const n = 5000;
    const pts = { xs: Float64Array.from({ length: n }, rand), ys: Float64Array.from({ length: n }, rand) };
    const view = fitView(pts, 700, 420);
    const grid = buildHitGrid(pts, view, 8);
    for (let q = 0; q < 500; q++) {
      const x = rand() * 720 - 10;
      const y = rand() * 440 - 10;
      let best = -1;
      let bestD = 64;
      for (let k = 0; k < n; k++) {
        const d = (grid.px[k] - x) ** 2 + (grid.py[k] - y) ** 2;
        if (d < bestD || (d === bestD && k > best)) {
          best = k;
          bestD = d;
        }
      }
      assert.equal(nearestPoint(grid, x, y), best, `query ${q} at (${x}, ${y})`);
    }
    const twin = { xs: Float64Array.from([0, 0, 1]), ys: Float64Array.from([0, 0, 1]) };
    const tg = buildHitGrid(twin, fitView(twin, 100, 100), 8);
    assert.equal(nearestPoint(tg, tg.px[0], tg.py[0]), 1, 'the later of two equal points (drawn on top)');
    assert.equal(nearestPoint(tg, 50, 50), -1, 'nothing within 8 px');
  });

  it('arrow keys walk the points along x (Left/Right) and screen y (Up/Down), stopping at the ends', () => {
    // Pixel positions: point 0 at (30, 5), 1 at (10, 20), 2 at (20, 10), 3 at (10, 40).
    const order = keyboardOrder({ px: Float64Array.from([30, 10, 20, 10]), py: Float64Array.from([5, 20, 10, 40]) });
    assert.deepEqual([...order.byX], [1, 3, 2, 0]);
    assert.deepEqual([...order.byY], [0, 2, 1, 3]);
    assert.equal(stepPoint(order, -1, 'ArrowRight'), 1, 'the first key lands on the leftmost point');
    assert.equal(stepPoint(order, 1, 'ArrowRight'), 3);
    assert.equal(stepPoint(order, 0, 'ArrowRight'), 0, 'stays at the right end');
    assert.equal(stepPoint(order, 1, 'ArrowLeft'), 1, 'stays at the left end');
    assert.equal(stepPoint(order, 2, 'ArrowDown'), 1);
    assert.equal(stepPoint(order, 2, 'ArrowUp'), 0);
    assert.equal(stepPoint(order, 2, 'a'), null);
    assert.equal(stepPoint(order, -1, 'Enter'), null);
    assert.equal(stepPoint(keyboardOrder({ px: new Float64Array(0), py: new Float64Array(0) }), -1, 'ArrowRight'), null);
  });

  it('class colours: stable, and neighbouring class indices differ in hue by the golden angle', () => {
    assert.equal(classColour(0, false), classColour(0, false));
    const hues = Array.from({ length: 1000 }, (_, y) => Number(/hsl\(([\d.]+)/.exec(classColour(y, false))![1]));
    for (let y = 1; y < 1000; y++) {
      const d = Math.abs(hues[y] - hues[y - 1]);
      assert.ok(Math.min(d, 360 - d) > 100, `classes ${y - 1} and ${y} hues ${hues[y - 1]} ${hues[y]}`);
    }
    assert.notEqual(classColour(5, true), classColour(5, false), 'lighter on dark themes');
  });

  it('hover text names class, bucket and example, with the class name kept as plain text', () => {
    const r = reportWithUmap();
    const hostile = { ...r, classes: r.classes.map((c, y) => (y === 1 ? { ...c, name: '<img src=x onerror=alert(1)>' } : c)) };
    assert.equal(pointText(hostile, 1, 42), `<img src=x onerror=alert(1)> (${r.classes[1].bucket}-shot) · eval example 42`);
    assert.equal(pointText(hostile, 7, -1), '#7 (unknown-shot)');
    assert.match(projectorCaption(r, 'umap'), /^UMAP of 6 of [\d,]+ eval embeddings .*15 neighbours, min_dist 0\.1, 100 epochs, seed 7\)$/);
    assert.match(projectorCaption(r, 'pca'), /^PCA of /);
  });
});
