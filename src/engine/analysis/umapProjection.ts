import { UMAP } from 'umap-js';
import { SparseMatrix } from 'umap-js/dist/matrix';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { UmapParams, UmapProjection } from '../../protocol/report';
import { mulberry32 } from '../data/seededRandom';
import { multiplyABt } from './matmul';
import { defaultProjectionSeed } from './projection';
import { stratifiedSample } from './stratifiedSample';
import type { FloatArray, MultiplyABt } from './types';

/** Tunables of {@link umapProjection}; every field has the documented default. */
export interface UmapOptions {
  /** Largest sample (default 5000; 0 turns UMAP off). */
  readonly maxPoints?: number;
  /** Neighbours of the k-NN graph (default 15, 2 to 200). */
  readonly nNeighbors?: number;
  /** Smallest layout distance (default 0.1, 0 to 1 = spread). */
  readonly minDist?: number;
  /** Optimisation epochs (default 100, 1 to 2000). */
  readonly nEpochs?: number;
  /** Seed of the sample and of umap-js's random function (default 20240601). */
  readonly seed?: number;
}

/** Default largest UMAP sample. */
export const defaultUmapMaxPoints = 5000;
/** Largest UMAP sample accepted: the exact k-NN graph costs sampled² · D multiply-adds. */
export const maxUmapPoints = 20000;
/** umap-learn's defaults for the graph and the layout. */
export const defaultUmapNeighbors = 15;
export const defaultUmapMinDist = 0.1;
/** 100 epochs: at 5,000 points about 1 s of layout on one core (the graph construction before it takes longer). */
export const defaultUmapEpochs = 100;

function integerIn(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new LongtailError(ErrorCode.InvalidOption, `UMAP ${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

/**
 * Checks {@link UmapOptions} and fills in the defaults; INVALID_OPTION naming the bad field otherwise.
 * Returns null when UMAP is turned off (maxPoints 0).
 */
export function resolveUmapOptions(options: UmapOptions = {}): Omit<UmapParams, 'metric'> | null {
  const maxPoints = integerIn('maxPoints', options.maxPoints ?? defaultUmapMaxPoints, 0, maxUmapPoints);
  const nNeighbors = integerIn('nNeighbors', options.nNeighbors ?? defaultUmapNeighbors, 2, 200);
  const nEpochs = integerIn('nEpochs', options.nEpochs ?? defaultUmapEpochs, 1, 2000);
  const seed = integerIn('seed', options.seed ?? defaultProjectionSeed, 0, 0xffffffff);
  const minDist = options.minDist ?? defaultUmapMinDist;
  if (typeof minDist !== 'number' || !(minDist >= 0 && minDist <= 1)) {
    throw new LongtailError(ErrorCode.InvalidOption, `UMAP minDist must be a number from 0 to 1 (the spread), got ${String(minDist)}`);
  }
  return maxPoints === 0 ? null : { maxPoints, nNeighbors, nEpochs, seed, minDist };
}

/**
 * Exact k nearest neighbours (Euclidean) of every row of x, itself first at distance 0, the others by
 * increasing distance (ties: lower row first). d²(i, j) = ‖x_i‖² + ‖x_j‖² − 2 x_i·x_j, clamped at 0, with the
 * dot products from `multiply` in blocks of 256 rows (out [256, m]). Cost m² · D multiply-adds.
 * Shapes: x [m, D] row-major → indices [m][k], distances [m][k] (k ≤ m).
 * Citation: McInnes, Healy & Melville 2018, §3.1 (the k-NN graph UMAP starts from); exact instead of NN-descent.
 */
export function exactNeighbours(x: FloatArray, m: number, d: number, k: number, multiply: MultiplyABt = multiplyABt): { indices: number[][]; distances: number[][] } {
  const norms = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x[i * d + j] * x[i * d + j];
    norms[i] = s;
  }
  const block = 256;
  const dots = new Float64Array(Math.min(block, m) * m);
  const indices: number[][] = [];
  const distances: number[][] = [];
  const bestIdx = new Int32Array(k);
  const bestD2 = new Float64Array(k);
  for (let start = 0; start < m; start += block) {
    const rows = Math.min(block, m - start);
    multiply(x, start, rows, x, m, d, dots, true);
    for (let r = 0; r < rows; r++) {
      const i = start + r;
      // Sorted insertion into a k-buffer; self first.
      bestIdx[0] = i;
      bestD2[0] = -1;
      let filled = 1;
      const o = r * m;
      for (let j = 0; j < m; j++) {
        if (j === i) continue;
        const d2 = Math.max(0, norms[i] + norms[j] - 2 * dots[o + j]);
        if (filled === k && d2 >= bestD2[k - 1]) continue;
        let p = filled === k ? k - 1 : filled++;
        while (p > 1 && bestD2[p - 1] > d2) {
          bestD2[p] = bestD2[p - 1];
          bestIdx[p] = bestIdx[p - 1];
          p--;
        }
        bestD2[p] = d2;
        bestIdx[p] = j;
      }
      indices.push(Array.from(bestIdx.subarray(0, filled)));
      distances.push(Array.from(bestD2.subarray(0, filled), (v) => (v < 0 ? 0 : Math.sqrt(v))));
    }
  }
  return { indices, distances };
}

/** The umap-js 1.4.0 internals {@link fastFuzzyGraph} replaces or calls (the version is pinned in package.json). */
interface UmapInternals {
  knnIndices?: number[][];
  knnDistances?: number[][];
  localConnectivity: number;
  smoothKNNDistance(distances: number[][], k: number, localConnectivity: number): { sigmas: number[]; rhos: number[] };
  computeMembershipStrengths(indices: number[][], distances: number[][], sigmas: number[], rhos: number[]): { rows: number[]; cols: number[]; vals: number[] };
  fuzzySimplicialSet(X: number[][], nNeighbors: number, setOpMixRatio: number): SparseMatrix;
  makeSearchGraph(X: number[][]): SparseMatrix;
}

/**
 * The fuzzy simplicial set of umap-js 1.4.0's fuzzySimplicialSet (set-op mix ratio 1), entry for entry, without its
 * string-keyed sparse-matrix algebra (about 2.5 s at 5,000 points): memberships w_ij from umap-js's own
 * smoothKNNDistance and computeMembershipStrengths, then w'_ij = (w_ij + w_ji) − w_ij·w_ji over the union of
 * (i, j) and (j, i) keys, evaluated in the same floating-point order as umap-js's add / subtract / multiply.
 * Shapes: k-NN [m][k] → an m × m sparse matrix. Citation: McInnes, Healy & Melville 2018, §3.1 (fuzzy union).
 */
function fastFuzzyGraph(umap: UmapInternals, m: number, k: number): SparseMatrix {
  const indices = umap.knnIndices ?? [];
  const distances = umap.knnDistances ?? [];
  const { sigmas, rhos } = umap.smoothKNNDistance(distances, k, umap.localConnectivity);
  const { rows, cols, vals } = umap.computeMembershipStrengths(indices, distances, sigmas, rhos);
  const w = new Map<number, number>();
  for (let e = 0; e < rows.length; e++) w.set(rows[e] * m + cols[e], vals[e]);
  const outRows: number[] = [];
  const outCols: number[] = [];
  const outVals: number[] = [];
  const done = new Set<number>();
  const emit = (r: number, c: number): void => {
    const key = r * m + c;
    if (done.has(key)) return;
    done.add(key);
    const a = w.get(key) ?? 0;
    const b = w.get(c * m + r) ?? 0;
    outRows.push(r);
    outCols.push(c);
    // umap-js: add(S, Sᵀ) − pairwiseMultiply(S, Sᵀ), times 1, plus 0 · prod.
    outVals.push((a + b - a * b) * 1 + 0);
  };
  for (let e = 0; e < rows.length; e++) emit(rows[e], cols[e]);
  for (let e = 0; e < rows.length; e++) emit(cols[e], rows[e]);
  return new SparseMatrix(outRows, outCols, outVals, [m, m]);
}

/** The layout's epochs run in this many parts, each a stage of the report (the engine checks cancellation between them). */
const layoutParts = 4;

/**
 * 2-D UMAP of a stratified, seeded sample of the eval embeddings: sample S = {@link stratifiedSample}(labels,
 * maxPoints, seed) (every class appears while the classes fit in half the budget), exact Euclidean k-NN graph of
 * φ_S ({@link exactNeighbours}), then umap-js 1.4.0 with nNeighbors = min(k, |S| − 1), minDist, nEpochs and
 * random = mulberry32(seed): fuzzy simplicial set (local connectivity 1, set-op mix 1), random initial layout, SGD
 * with 5 negative samples per edge; point_s = [u_s, v_s, y_s]. Same seed and inputs → the same points.
 * Yields a stage name after the neighbours, the graph and each quarter of the epochs; returns null when UMAP is
 * off or the sample has fewer than 3 points. Shapes: embeddings [N, D], labels [N] → points [|S|].
 * Citation: McInnes, Healy & Melville 2018 (UMAP, arXiv:1802.03426); docs/methods.md §12 (projector).
 */
export function* umapStages(
  embeddings: FloatArray,
  labels: Int32Array,
  numClasses: number,
  d: number,
  options: UmapOptions = {},
  multiply: MultiplyABt = multiplyABt,
): Generator<string, UmapProjection | null, void> {
  const resolved = resolveUmapOptions(options);
  if (resolved === null) return null;
  const rows = stratifiedSample(labels, numClasses, resolved.maxPoints, resolved.seed);
  const m = rows.length;
  if (m < 3) return null;
  // Float32: the embeddings are float32 already, and 20,000 × 2,048 floats stay at 160 MB.
  const x = new Float32Array(m * d);
  for (let r = 0; r < m; r++) {
    const src = rows[r] * d;
    for (let j = 0; j < d; j++) x[r * d + j] = embeddings[src + j];
  }
  const k = Math.min(resolved.nNeighbors, m - 1);
  const knn = exactNeighbours(x, m, d, k, multiply);
  yield 'umap neighbours';
  const umap = new UMAP({ nComponents: 2, nNeighbors: k, minDist: resolved.minDist, nEpochs: resolved.nEpochs, random: mulberry32(resolved.seed) });
  umap.setPrecomputedKNN(knn.indices, knn.distances);
  const internals = umap as unknown as UmapInternals;
  internals.fuzzySimplicialSet = () => fastFuzzyGraph(internals, m, k);
  // The search graph serves only umap-js's transform() of new points, which the report never calls.
  internals.makeSearchGraph = () => new SparseMatrix([], [], [], [m, m]);
  // umap-js reads only the number of rows of X once the neighbours are given.
  const epochs = umap.initializeFit(Array.from({ length: m }, () => []));
  yield 'umap graph';
  for (let part = 1; part <= layoutParts; part++) {
    const until = Math.round((epochs * part) / layoutParts);
    while (umap.step() < until) {
      // step() runs one epoch and returns the number of epochs done.
    }
    yield `umap layout ${part}/${layoutParts}`;
  }
  const layout = umap.getEmbedding();
  const points = new Array<[number, number, number]>(m);
  for (let r = 0; r < m; r++) {
    const [u, v] = layout[r];
    points[r] = [Number.isFinite(u) ? u : 0, Number.isFinite(v) ? v : 0, labels[rows[r]]];
  }
  return { points, indices: Array.from(rows), params: { ...resolved, nNeighbors: k, metric: 'euclidean' } };
}

/** {@link umapStages} run to the end in one call. */
export function umapProjection(
  embeddings: FloatArray,
  labels: Int32Array,
  numClasses: number,
  d: number,
  options: UmapOptions = {},
  multiply: MultiplyABt = multiplyABt,
): UmapProjection | null {
  const stages = umapStages(embeddings, labels, numClasses, d, options, multiply);
  for (;;) {
    const step = stages.next();
    if (step.done) return step.value;
  }
}
