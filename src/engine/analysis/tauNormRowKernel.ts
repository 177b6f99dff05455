/**
 * The per-row passes of the τ-normalisation sweep (tauNormalisation.ts): forming the bias-free scores of a block of
 * rows, step 1's scan and step 2's prune over all C classes, then step 3's narrowing and the arg-max at every grid τ
 * over the few hundred survivors. Two implementations with bit-identical results:
 * - `wasm`: WebAssembly SIMD (kernels/tauNormRows.wat, f64x2), over arrays in the kernel's own memory;
 * - `js`: the same loops over typed arrays, when WebAssembly SIMD or the memory cannot be had (or `kernels: 'js'`).
 * Both compute in float64, a product then a sum per value, first index on ties; the candidates they keep and the
 * winners are bit-identical, and so are step 1's statistics up to the sign of a zero (lb and max |g| merge the two
 * lanes with a max). Citation: docs/methods.md §3.1
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
  /** `[C]`: the classes kept by the last prune or narrowing, in increasing order. */
  readonly cand: Int32Array;
  /** `[C]`: after {@link TauNormRowKernel.narrow}, the segments each kept class may win on (bit sgm); the caller sets it otherwise. */
  readonly mask: Int32Array;
  /** `[C, P]`: ‖w_y‖^(−τ) at the P breakpoints of step 3 (written by the caller). */
  readonly scaleAtBp: Float64Array;
  /** `[C, T]`: ‖w_y‖^(−τ_k) by class (written by the caller). */
  readonly scaleByClass: Float64Array;
  /** `[T]`: the bit of grid τ_k's segment (written by the caller). */
  readonly segmentBit: Int32Array;
  /** `[T]`: after {@link TauNormRowKernel.winners}, the arg-max class at each grid τ (−1 if no candidate was scored there). */
  readonly win: Int32Array;
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
  /**
   * Step 3 over the first `count` of {@link TauNormRowKernel.cand} with the first `np` breakpoints: with g_qp the
   * score of candidate q at breakpoint p, keeps those with max(g_{q,sgm}, g_{q,sgm+1}) ≥ max_p min(g_{a_p,sgm},
   * g_{a_p,sgm+1}) − 1e−9·(1 + max |g|) on some segment sgm (a_p the first arg-max at p), writes their segment bits to
   * {@link TauNormRowKernel.mask}, compacts cand and returns the new count.
   */
  narrow(off: number, count: number, np: number): number;
  /**
   * Into {@link TauNormRowKernel.win}: at each grid τ_k, the first arg-max of s_y·‖w_y‖^(−τ_k) + b_y over the first `count`
   * candidates whose mask has τ_k's segment bit.
   */
  winners(off: number, count: number): void;
}

interface Exports {
  scoresFromLogits(src: number, bias: number, dst: number, rows: number, c: number): void;
  scanRow(row: number, c: number, b: number, lo: number, hi: number, out: number): void;
  pruneByBound(row: number, c: number, b: number, lo: number, hi: number, cut: number, cand: number): number;
  pruneByLines(row: number, c: number, lo: number, hi: number, sa: number, sb: number, kink: number, cutLo: number, cutHi: number, cutStar: number, cand: number): number;
  narrow(row: number, b: number, sbp: number, np: number, cand: number, count: number, mask: number, g: number, best: number, arg: number, bound: number): number;
  winners(row: number, b: number, sbc: number, t: number, cand: number, count: number, mask: number, segBit: number, best: number, win: number): void;
}

/** The sizes of a {@link TauNormRowKernel}'s arrays. */
interface Sizes {
  /** Rows per block. */
  readonly rows: number;
  /** C. */
  readonly c: number;
  /** T, grid τ. */
  readonly t: number;
  /** P, the most breakpoints (at least 1). */
  readonly p: number;
}

/** The float64 and int32 arrays of a kernel, made by `f64` and `i32`. */
function arrays<F, I>(z: Sizes, f64: (n: number) => F, i32: (n: number) => I) {
  return {
    block: f64(z.rows * z.c),
    scale: f64(z.t * z.c),
    scaleAtBp: f64(z.c * z.p),
    scaleByClass: f64(z.c * z.t),
    bias: f64(z.c),
    stats: f64(6),
    g: f64(z.c * z.p),
    best: f64(Math.max(z.t, z.p)),
    bound: f64(z.p),
    cand: i32(z.c),
    mask: i32(z.c),
    arg: i32(z.p),
    segmentBit: i32(z.t),
    win: i32(z.t),
  };
}

/**
 * The kernel for blocks of up to `blockRows` rows of C classes, T grid τ and up to P breakpoints; `kernels: 'js'`
 * forces the typed-array loops.
 */
export function tauNormRowKernel(blockRows: number, c: number, t: number, p: number, kernels: 'auto' | 'js' = 'auto'): TauNormRowKernel {
  const sizes = { rows: blockRows, c, t, p: Math.max(1, p) };
  return (kernels === 'auto' && wasmRowKernel(sizes)) || jsRowKernel(sizes);
}

function wasmRowKernel(z: Sizes): TauNormRowKernel | null {
  const { c, t } = z;
  const floats64 = z.rows * c + 2 * t * c + 2 * c * z.p + c + 6 + Math.max(t, z.p) + z.p;
  const ints32 = 2 * c + z.p + 2 * t + z.rows * c + c;
  const bytes = 8 * floats64 + 4 * ints32 + 16 * 16;
  const instance = wasmMemoryInstance<Exports>(tauNormRowsWasm, bytes);
  if (!instance) return null;
  const take = instance.allocator();
  const a = arrays(z, take.f64, take.i32);
  const src = take.f32(z.rows * c);
  const logitBias = take.f32(c);
  const k = instance.exports;
  const { block, scale, bias, stats, cand } = a;
  return {
    kind: 'wasm',
    block: block.view,
    scale: scale.view,
    bias: bias.view,
    cand: cand.view,
    stats: stats.view,
    mask: a.mask.view,
    scaleAtBp: a.scaleAtBp.view,
    scaleByClass: a.scaleByClass.view,
    segmentBit: a.segmentBit.view,
    win: a.win.view,
    fillFromLogits(logits, lb, i0, rows) {
      // The kernel holds float32 logits and bias; a float64 one would be rounded there, so it takes the typed-array fill.
      if (!(logits instanceof Float32Array) || (lb !== null && !(lb instanceof Float32Array))) {
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
    narrow(off, count, np) {
      return k.narrow(block.at + 8 * off, bias.at, a.scaleAtBp.at, np, cand.at, count, a.mask.at, a.g.at, a.best.at, a.arg.at, a.bound.at);
    },
    winners(off, count) {
      k.winners(block.at + 8 * off, bias.at, a.scaleByClass.at, t, cand.at, count, a.mask.at, a.segmentBit.at, a.best.at, a.win.at);
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

function jsRowKernel(z: Sizes): TauNormRowKernel {
  const { c, t } = z;
  const a = arrays(
    z,
    (n) => new Float64Array(n),
    (n) => new Int32Array(n),
  );
  const { block, scale, bias, cand, stats, mask } = a;
  return {
    kind: 'js',
    block,
    scale,
    bias,
    cand,
    stats,
    mask,
    scaleAtBp: a.scaleAtBp,
    scaleByClass: a.scaleByClass,
    segmentBit: a.segmentBit,
    win: a.win,
    fillFromLogits: (logits, lb, i0, rows) => jsFill(block, logits, lb, i0, rows, c),
    scan: (off, lo, hi) => scanRow(block, off, c, bias, scale, lo, hi, stats),
    pruneByBound: (off, lo, hi, cut) => pruneByBound(block, off, c, bias, scale, lo, hi, cut, cand),
    pruneByLines: (off, lo, hi, pa, pb, cutLo, cutHi, cutStar) => pruneByLines(block, off, c, scale, lo, hi, pa, pb, cutLo, cutHi, cutStar, cand),
    narrow: (off, count, np) => narrowBySegments(block, off, bias, a.scaleAtBp, np, cand, count, mask, a.g, a.best, a.arg, a.bound),
    winners: (off, count) => winners(block, off, bias, a.scaleByClass, t, cand, count, mask, a.segmentBit, a.best, a.win),
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

/** See {@link TauNormRowKernel.narrow}. */
function narrowBySegments(
  block: Float64Array,
  off: number,
  b: Float64Array,
  scaleAtBp: Float64Array,
  np: number,
  cand: Int32Array,
  count: number,
  mask: Int32Array,
  g: Float64Array,
  best: Float64Array,
  arg: Int32Array,
  bound: Float64Array,
): number {
  best.fill(-Infinity, 0, np);
  let maxAbs = 0;
  for (let q = 0; q < count; q++) {
    const y = cand[q];
    const v = block[off + y];
    for (let p = 0; p < np; p++) {
      const x = v * scaleAtBp[y * np + p] + b[y];
      g[q * np + p] = x;
      if (x > best[p]) {
        best[p] = x;
        arg[p] = q;
      }
      const a = Math.abs(x);
      if (a > maxAbs) maxAbs = a;
    }
  }
  const slack = 1e-9 * (1 + maxAbs);
  for (let sgm = 0; sgm + 1 < np; sgm++) {
    let lb = -Infinity;
    for (let p = 0; p < np; p++) {
      const q = arg[p] * np;
      const lo = g[q + sgm];
      const hi = g[q + sgm + 1];
      const m = lo < hi ? lo : hi;
      if (m > lb) lb = m;
    }
    bound[sgm] = lb - slack;
  }
  let kept = 0;
  for (let q = 0; q < count; q++) {
    let bits = 0;
    for (let sgm = 0; sgm + 1 < np; sgm++) {
      const lo = g[q * np + sgm];
      const hi = g[q * np + sgm + 1];
      if ((lo > hi ? lo : hi) >= bound[sgm]) bits |= 1 << sgm;
    }
    if (bits !== 0) {
      cand[kept] = cand[q];
      mask[kept++] = bits;
    }
  }
  return kept;
}

/** See {@link TauNormRowKernel.winners}. */
function winners(
  block: Float64Array,
  off: number,
  b: Float64Array,
  scaleByClass: Float64Array,
  t: number,
  cand: Int32Array,
  count: number,
  mask: Int32Array,
  segmentBit: Int32Array,
  best: Float64Array,
  win: Int32Array,
): void {
  best.fill(-Infinity, 0, t);
  win.fill(-1, 0, t);
  for (let q = 0; q < count; q++) {
    const y = cand[q];
    const bits = mask[q];
    const v = block[off + y];
    const by = b[y];
    const sOff = y * t;
    for (let k = 0; k < t; k++) {
      if ((bits & segmentBit[k]) === 0) continue;
      const x = v * scaleByClass[sOff + k] + by;
      if (x > best[k] || win[k] < 0) {
        best[k] = x;
        win[k] = y;
      }
    }
  }
}
