/**
 * The full-row passes of the τ-normalisation sweep (tauNormalisation.ts): forming the bias-free scores of a block of
 * rows, step 1's scan and step 2's prune. These passes touch all C classes of every row; what follows them touches
 * only the few hundred survivors. Two implementations with bit-identical results:
 * - `wasm`: WebAssembly SIMD (kernels/tauNormRows.wat, f64x2), over arrays in the kernel's own memory;
 * - `js`: the same loops over typed arrays, when WebAssembly SIMD or the memory cannot be had (or `kernels: 'js'`).
 * Both compute in float64, a product then a sum per value, first index on ties. Citation: docs/methods.md §3.1
 * (τ-normalisation), §14 (the engine's WebAssembly kernels).
 */
import { wasmMemoryInstance } from '../compute/wasmInstance';
import { tauNormRowsWasm } from './kernels/tauNormRowsWasm';
import type { FloatArray } from './types';

/** Index of each of step 1's results in {@link TauNormRowKernel.stats}. */
export const rowStat = { bestLo: 0, bestHi: 1, jLo: 2, jHi: 3, lb: 4, maxAbs: 5 } as const;

/** The row passes over one block of scores; every array is the kernel's (read and written in place by the caller). */
export interface TauNormRowKernel {
  /** Which loops run it. */
  readonly kind: 'wasm' | 'js';
  /** s `[blockRows, C]`: the bias-free scores of the current block (the caller may write them, e.g. a matrix product). */
  readonly block: Float64Array;
  /** `[T, C]`: ‖w_y‖^(−τ_k) at row k (written by the caller). */
  readonly scale: Float64Array;
  /** b `[C]`: the bias kept after normalising, or zeros (written by the caller). */
  readonly bias: Float64Array;
  /** `[C]`: the classes kept by the last prune, in increasing order. */
  readonly cand: Int32Array;
  /** `[6]`: step 1's results of the last scan, indexed by {@link rowStat}. */
  readonly stats: Float64Array;
  /** block[r·C + y] = logits[(i0 + r)·C + y] − logitBias[y] for r < rows (float64; logitBias null: a copy). */
  fillFromLogits(logits: FloatArray, logitBias: FloatArray | null, i0: number, rows: number): void;
  /**
   * Step 1 over block row at offset `off` with g_y(lo) = s_y·scale[lo + y] + b_y, g_y(hi) likewise: max and first
   * arg-max of each, lb = max_y min(g_y(lo), g_y(hi)) and max_y |g_y(lo)| + |g_y(hi)|, into {@link TauNormRowKernel.stats}.
   */
  scan(off: number, lo: number, hi: number): void;
  /** The classes with max(g_y(lo), g_y(hi)) ≥ cut into {@link TauNormRowKernel.cand}; returns their number. */
  pruneByBound(off: number, lo: number, hi: number, cut: number): number;
  /**
   * The classes with s_y > 0 and s_y·scale[lo + y] ≥ cutLo, s_y·scale[hi + y] ≥ cutHi or (a, b ≥ 0)
   * s_y·max(scale[a + y], scale[b + y]) ≥ cutStar into {@link TauNormRowKernel.cand}; returns their number.
   */
  pruneByLines(off: number, lo: number, hi: number, a: number, b: number, cutLo: number, cutHi: number, cutStar: number): number;
}

interface Exports {
  scoresFromLogits(src: number, bias: number, dst: number, rows: number, c: number): void;
  scanRow(row: number, c: number, b: number, lo: number, hi: number, out: number): void;
  pruneByBound(row: number, c: number, b: number, lo: number, hi: number, cut: number, cand: number): number;
  pruneByLines(row: number, c: number, lo: number, hi: number, sa: number, sb: number, kink: number, cutLo: number, cutHi: number, cutStar: number, cand: number): number;
}

/** The kernel for blocks of up to `blockRows` rows of C classes and T grid τ; `kernels: 'js'` forces the typed-array loops. */
export function tauNormRowKernel(blockRows: number, c: number, t: number, kernels: 'auto' | 'js' = 'auto'): TauNormRowKernel {
  return (kernels === 'auto' && wasmRowKernel(blockRows, c, t)) || jsRowKernel(blockRows, c, t);
}

function wasmRowKernel(blockRows: number, c: number, t: number): TauNormRowKernel | null {
  const bytes = 8 * (blockRows * c + t * c + c + 6) + 4 * (blockRows * c + 2 * c) + 16 * 8;
  const instance = wasmMemoryInstance<Exports>(tauNormRowsWasm, bytes);
  if (!instance) return null;
  const take = instance.allocator();
  const block = take.f64(blockRows * c);
  const scale = take.f64(t * c);
  const bias = take.f64(c);
  const stats = take.f64(6);
  const cand = take.i32(c);
  const src = take.f32(blockRows * c);
  const logitBias = take.f32(c);
  const k = instance.exports;
  return {
    kind: 'wasm',
    block: block.view,
    scale: scale.view,
    bias: bias.view,
    cand: cand.view,
    stats: stats.view,
    fillFromLogits(logits, lb, i0, rows) {
      if (!(logits instanceof Float32Array)) {
        jsFill(block.view, logits, lb, i0, rows, c);
        return;
      }
      if (lb) logitBias.view.set(lb);
      else logitBias.view.fill(0);
      src.view.set(logits.subarray(i0 * c, (i0 + rows) * c));
      k.scoresFromLogits(src.at, logitBias.at, block.at, rows, c);
    },
    scan(off, lo, hi) {
      k.scanRow(block.at + 8 * off, c, bias.at, scale.at + 8 * lo, scale.at + 8 * hi, stats.at);
    },
    pruneByBound(off, lo, hi, cut) {
      return k.pruneByBound(block.at + 8 * off, c, bias.at, scale.at + 8 * lo, scale.at + 8 * hi, cut, cand.at);
    },
    pruneByLines(off, lo, hi, a, b, cutLo, cutHi, cutStar) {
      const kink = a >= 0 ? 1 : 0;
      const at = (row: number) => scale.at + 8 * (kink ? row : lo);
      return k.pruneByLines(block.at + 8 * off, c, scale.at + 8 * lo, scale.at + 8 * hi, at(a), at(b), kink, cutLo, cutHi, cutStar, cand.at);
    },
  };
}

/** block[r·C + y] = logits[(i0 + r)·C + y] − bias[y] in float64. */
function jsFill(block: Float64Array, logits: FloatArray, bias: FloatArray | null, i0: number, rows: number, c: number): void {
  for (let r = 0; r < rows; r++) {
    const src = (i0 + r) * c;
    const dst = r * c;
    if (bias) {
      for (let y = 0; y < c; y++) block[dst + y] = logits[src + y] - bias[y];
    } else {
      for (let y = 0; y < c; y++) block[dst + y] = logits[src + y];
    }
  }
}

function jsRowKernel(blockRows: number, c: number, t: number): TauNormRowKernel {
  const block = new Float64Array(blockRows * c);
  const scale = new Float64Array(t * c);
  const bias = new Float64Array(c);
  const cand = new Int32Array(c);
  const stats = new Float64Array(6);
  return {
    kind: 'js',
    block,
    scale,
    bias,
    cand,
    stats,
    fillFromLogits: (logits, lb, i0, rows) => jsFill(block, logits, lb, i0, rows, c),
    scan: (off, lo, hi) => scanRow(block, off, c, bias, scale, lo, hi, stats),
    pruneByBound: (off, lo, hi, cut) => pruneByBound(block, off, c, bias, scale, lo, hi, cut, cand),
    pruneByLines: (off, lo, hi, a, b, cutLo, cutHi, cutStar) => pruneByLines(block, off, c, scale, lo, hi, a, b, cutLo, cutHi, cutStar, cand),
  };
}

/** Step 1 over row s = block[off, off + c) (see {@link TauNormRowKernel.scan}). */
function scanRow(block: Float64Array, off: number, c: number, b: Float64Array, scale: Float64Array, lo: number, hi: number, out: Float64Array): void {
  let bestLo = -Infinity;
  let bestHi = -Infinity;
  let jLo = 0;
  let jHi = 0;
  let lb = -Infinity;
  let maxAbs = 0;
  for (let y = 0; y < c; y++) {
    const v = block[off + y];
    const gl = v * scale[lo + y] + b[y];
    const gh = v * scale[hi + y] + b[y];
    if (gl > bestLo) {
      bestLo = gl;
      jLo = y;
    }
    if (gh > bestHi) {
      bestHi = gh;
      jHi = y;
    }
    const m = gl < gh ? gl : gh;
    if (m > lb) lb = m;
    const a = Math.abs(gl) + Math.abs(gh);
    if (a > maxAbs) maxAbs = a;
  }
  out[rowStat.bestLo] = bestLo;
  out[rowStat.bestHi] = bestHi;
  out[rowStat.jLo] = jLo;
  out[rowStat.jHi] = jHi;
  out[rowStat.lb] = lb;
  out[rowStat.maxAbs] = maxAbs;
}

/** See {@link TauNormRowKernel.pruneByLines}. */
function pruneByLines(block: Float64Array, off: number, c: number, scale: Float64Array, lo: number, hi: number, a: number, b: number, cutLo: number, cutHi: number, cutStar: number, cand: Int32Array): number {
  let count = 0;
  for (let y = 0; y < c; y++) {
    const v = block[off + y];
    if (!(v > 0)) continue;
    if (v * scale[lo + y] >= cutLo || v * scale[hi + y] >= cutHi) {
      cand[count++] = y;
    } else if (a >= 0) {
      const sa = scale[a + y];
      const sb = scale[b + y];
      if (v * (sa > sb ? sa : sb) >= cutStar) cand[count++] = y;
    }
  }
  return count;
}

/** See {@link TauNormRowKernel.pruneByBound}. (A function of its own: V8 optimises each loop with its own type feedback.) */
function pruneByBound(block: Float64Array, off: number, c: number, b: Float64Array, scale: Float64Array, lo: number, hi: number, cut: number, cand: Int32Array): number {
  let count = 0;
  for (let y = 0; y < c; y++) {
    const v = block[off + y];
    const gl = v * scale[lo + y] + b[y];
    const gh = v * scale[hi + y] + b[y];
    if ((gl > gh ? gl : gh) >= cut) cand[count++] = y;
  }
  return count;
}
