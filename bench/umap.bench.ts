// UMAP of the report (src/engine/analysis/umapProjection.ts) against its peer, unmodified umap-js 1.4.0 as its README
// uses it (NN-descent neighbours, its own graph construction), on the same points, parameters (15 neighbours,
// min_dist 0.1, 100 epochs) and seeded random function, in one run: wall time of each, the ratio, and the 10-NN label
// agreement of each layout (how well the classes stay together; the fraction of each point's 10 nearest layout
// neighbours with its class) so speed is not bought with quality. Gaussian clusters, long-tailed class sizes. Our
// exact neighbours' products run on the kernel `longtail analyse` uses (the native product service), as in an analysis.
import { UMAP } from 'umap-js';
import { umapProjection } from '../src/engine/analysis/umapProjection';
import { productService } from '../src/engine/compute/productService';
import { serviceMultiplyABt } from '../src/engine/compute/serviceMultiplyABt';
import { mulberry32 } from '../src/engine/data/seededRandom';

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(Math.max(rand(), 1e-300))) * Math.cos(2 * Math.PI * rand());
}

/** n points in D dims over C classes with counts ∝ exp(−5·y/C), centres N(0, 1.5²), noise N(0, 1). */
function problem(n: number, d: number, c: number): { x: Float32Array; labels: Int32Array } {
  const rand = mulberry32(7);
  const centres = Array.from({ length: c }, () => Array.from({ length: d }, () => 1.5 * gaussian(rand)));
  const weights = Array.from({ length: c }, (_, y) => Math.exp((-5 * y) / c));
  const total = weights.reduce((s, w) => s + w, 0);
  const labels = new Int32Array(n);
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    let u = rand() * total;
    let y = 0;
    while (y < c - 1 && u > weights[y]) u -= weights[y++];
    labels[i] = i < c ? i : y;
    for (let j = 0; j < d; j++) x[i * d + j] = centres[labels[i]][j] + gaussian(rand);
  }
  return { x, labels };
}

/** Mean fraction of the 10 nearest layout neighbours sharing the point's label, over 1,000 evenly spaced points. */
function agreement(layout: readonly (readonly number[])[], labels: ArrayLike<number>): number {
  const n = layout.length;
  const step = Math.max(1, Math.floor(n / 1000));
  let hits = 0;
  let asked = 0;
  for (let i = 0; i < n; i += step) {
    const d = layout.map((q, j) => [j, (q[0] - layout[i][0]) ** 2 + (q[1] - layout[i][1]) ** 2]).filter((p) => p[0] !== i);
    d.sort((a, b) => a[1] - b[1]);
    for (const [j] of d.slice(0, 10)) if (labels[j] === labels[i]) hits++;
    asked += 10;
  }
  return hits / asked;
}

async function main(): Promise<void> {
  const service = await productService({ threads: 0 });
  const kernel = serviceMultiplyABt(service);
  console.log(`products: ${service.kind} (${service.threads} threads)`);
  console.log('points × D, classes | ours (exact k-NN + fast graph) | umap-js as is (NN-descent + its graph) | ratio | 10-NN label agreement ours / umap-js');
  for (const [n, d, c] of [
    [5000, 64, 100],
    [5000, 512, 1000],
  ] as const) {
    const { x, labels } = problem(n, d, c);
    let t = performance.now();
    const ours = umapProjection(x, labels, c, d, { maxPoints: n, seed: 1, nEpochs: 100 }, kernel.multiply);
    const oursMs = performance.now() - t;
    if (!ours) throw new Error('no layout');
    const rows: number[][] = Array.from({ length: n }, (_, i) => Array.from(x.subarray(i * d, (i + 1) * d)));
    t = performance.now();
    const peer = new UMAP({ nComponents: 2, nNeighbors: 15, minDist: 0.1, nEpochs: 100, random: mulberry32(1) }).fit(rows);
    const peerMs = performance.now() - t;
    // Our sample is all n points in index order here, so layouts pair point for point.
    const a = agreement(ours.points.map((q) => [q[0], q[1]]), labels);
    const b = agreement(peer, labels);
    console.log(`${n} × ${d}, ${c} | ${(oursMs / 1000).toFixed(2)} s | ${(peerMs / 1000).toFixed(2)} s | ${(peerMs / oursMs).toFixed(2)}× faster | ${a.toFixed(3)} / ${b.toFixed(3)}`);
  }
  kernel.dispose();
}

void main();
