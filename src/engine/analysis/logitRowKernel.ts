/**
 * The whole-matrix passes over the logits [N, C]: the finiteness check (validateInput.ts) and the one scoring pass
 * (predictions.ts). At iNaturalist scale (N·C = 2·10⁸) each pass is seconds of typed-array code; here they run as
 * WebAssembly SIMD loops (kernels/logitRows.wat) over blocks of rows copied into the kernel's memory, with the
 * typed-array loops as the fallback (`kernels: 'js'`, float64 logits, or no WebAssembly SIMD). Both compute the same
 * quantities in float64 with one exponential per logit; they differ only in the exponential (Math.exp, or the
 * kernel's, within 4e−16 relative of it) and the order of the sums (two lanes, or class order).
 * Citation: docs/methods.md §9, §11.2, §14.
 */
import { wasmMemoryInstance, type WasmInstance } from '../compute/wasmInstance';
import { logitRowsWasm } from './kernels/logitRowsWasm';
import type { FloatArray } from './types';

/** Per-row results of {@link scoreRows}, each `[N]`, and which loops computed them. */
export interface RowScores {
  readonly kind: 'wasm' | 'js';
  /** ŷ_i = first argmax_y f_iy. */
  readonly predictions: Int32Array;
  /** m_i = f_{i,ŷ_i}. */
  readonly rowMax: Float64Array;
  /** Z_i = Σ_y e^{f_iy − m_i}. */
  readonly rowSum: Float64Array;
  /** ŷ'_i = first argmax_y (f_iy + a_y). */
  readonly adjPredictions: Int32Array;
  /** Z'_i = Σ_y e^{f_iy − m_i}·w_y. */
  readonly adjSum: Float64Array;
  /** e^{f_{i,ŷ'_i} − m_i}·w_{ŷ'_i} (the same product as in Z'_i, so it is ≤ Z'_i). */
  readonly adjTop: Float64Array;
  /** #{y : f_iy > f_{i,l_i}} + #{y < l_i : f_iy = f_{i,l_i}} (the label's 0-based rank, ties by index), when labels are given. */
  readonly labelRank: Int32Array | null;
}

interface Exports {
  anyNonFinite32(p: number, n: number): number;
  anyNonFinite64(p: number, n: number): number;
  scoreRows(f: number, rows: number, c: number, a: number, w: number, labels: number, withRank: number, pred: number, rowMax: number, rowSum: number, adjPred: number, adjSum: number, adjTop: number, rank: number): void;
  exp(x: number): number;
}

/** Floats copied into the kernel per call (4 MiB as float32). */
const blockFloats = 1 << 20;

function instance(bytes: number): WasmInstance<Exports> | null {
  return wasmMemoryInstance<Exports>(logitRowsWasm, bytes);
}

/**
 * The start of the first block of `block` values (blocks [k·block, (k + 1)·block)) that holds a NaN or ±Inf, or −1.
 * Shapes: values [any] flat.
 */
export function firstNonFiniteBlock(values: FloatArray, block: number, kernels: 'auto' | 'js' = 'auto'): number {
  const len = values.length;
  const wasm = kernels === 'auto' && len >= block ? instance(block * 8 + 64) : null;
  if (wasm) {
    const take = wasm.allocator();
    const wide = values instanceof Float64Array;
    const buffer = wide ? take.f64(block) : take.f32(block);
    for (let start = 0; start < len; start += block) {
      const end = Math.min(len, start + block);
      buffer.view.set(values.subarray(start, end));
      const bad = wide ? wasm.exports.anyNonFinite64(buffer.at, end - start) : wasm.exports.anyNonFinite32(buffer.at, end - start);
      if (bad) return start;
    }
    return -1;
  }
  for (let start = 0; start < len; start += block) {
    if (!blockFinite(values, start, Math.min(len, start + block))) return start;
  }
  return -1;
}

/**
 * Whether values[start, end) are all finite. Branch-free per element: v − v is 0 for finite v and NaN for NaN and ±Inf,
 * and NaN survives a sum (IEEE 754-2019 §6.1–6.2), summed in four independent accumulators.
 */
function blockFinite(values: FloatArray, start: number, end: number): boolean {
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const v0 = values[i];
    const v1 = values[i + 1];
    const v2 = values[i + 2];
    const v3 = values[i + 3];
    a0 += v0 - v0;
    a1 += v1 - v1;
    a2 += v2 - v2;
    a3 += v3 - v3;
  }
  for (; i < end; i++) {
    const v = values[i];
    a0 += v - v;
  }
  return a0 + a1 + a2 + a3 === 0;
}

/**
 * One pass over finite logits f [N, C] with shift a [C] and weights w [C] (w_y = e^{a_y − max a}): the
 * {@link RowScores} of every row (label ranks when labels are given). Shapes: logits [N, C], a [C], w [C], labels [N].
 */
export function scoreRows(logits: FloatArray, n: number, c: number, a: Float64Array, w: Float64Array, labels: Int32Array | null, kernels: 'auto' | 'js' = 'auto'): RowScores {
  const blockRows = Math.max(1, Math.min(n, Math.floor(blockFloats / c)));
  const wasm = kernels === 'auto' && logits instanceof Float32Array ? instance(4 * blockRows * c + 16 * c + 48 * blockRows + 16 * 16) : null;
  const out = {
    kind: wasm ? ('wasm' as const) : ('js' as const),
    predictions: new Int32Array(n),
    rowMax: new Float64Array(n),
    rowSum: new Float64Array(n),
    adjPredictions: new Int32Array(n),
    adjSum: new Float64Array(n),
    adjTop: new Float64Array(n),
    labelRank: labels ? new Int32Array(n) : null,
  };
  if (!wasm) {
    jsScoreRows(logits, n, c, a, w, labels, out);
    return out;
  }
  const take = wasm.allocator();
  const f = take.f32(blockRows * c);
  const aK = take.f64(c);
  const wK = take.f64(c);
  const labelsK = take.i32(blockRows);
  const pred = take.i32(blockRows);
  const rowMax = take.f64(blockRows);
  const rowSum = take.f64(blockRows);
  const adjPred = take.i32(blockRows);
  const adjSum = take.f64(blockRows);
  const adjTop = take.f64(blockRows);
  const rank = take.i32(blockRows);
  aK.view.set(a);
  wK.view.set(w);
  for (let i0 = 0; i0 < n; i0 += blockRows) {
    const rows = Math.min(blockRows, n - i0);
    f.view.set(logits.subarray(i0 * c, (i0 + rows) * c));
    if (labels) labelsK.view.set(labels.subarray(i0, i0 + rows));
    wasm.exports.scoreRows(f.at, rows, c, aK.at, wK.at, labelsK.at, labels ? 1 : 0, pred.at, rowMax.at, rowSum.at, adjPred.at, adjSum.at, adjTop.at, rank.at);
    out.predictions.set(pred.view.subarray(0, rows), i0);
    out.rowMax.set(rowMax.view.subarray(0, rows), i0);
    out.rowSum.set(rowSum.view.subarray(0, rows), i0);
    out.adjPredictions.set(adjPred.view.subarray(0, rows), i0);
    out.adjSum.set(adjSum.view.subarray(0, rows), i0);
    out.adjTop.set(adjTop.view.subarray(0, rows), i0);
    if (out.labelRank) out.labelRank.set(rank.view.subarray(0, rows), i0);
  }
  return out;
}

/** The kernel's exponential of one value x ≤ 0 (tests bound it against Math.exp), or null without WebAssembly SIMD. */
export function kernelExp(): ((x: number) => number) | null {
  const wasm = instance(0);
  return wasm ? (x) => wasm.exports.exp(x) : null;
}

/** {@link scoreRows} as typed-array loops. */
function jsScoreRows(logits: FloatArray, n: number, c: number, a: Float64Array, w: Float64Array, labels: Int32Array | null, out: RowScores): void {
  for (let i = 0; i < n; i++) {
    const off = i * c;
    const label = labels ? labels[i] : 0;
    const fl = logits[off + label];
    let best = -Infinity;
    let arg = 0;
    let adjBest = -Infinity;
    let adjArg = 0;
    let rank = 0;
    for (let y = 0; y < c; y++) {
      const v = logits[off + y];
      if (v > best) {
        best = v;
        arg = y;
      }
      const s = v + a[y];
      if (s > adjBest) {
        adjBest = s;
        adjArg = y;
      }
      if (v > fl || (v === fl && y < label)) rank++;
    }
    let sum = 0;
    let wsum = 0;
    for (let y = 0; y < c; y++) {
      const e = Math.exp(logits[off + y] - best);
      sum += e;
      wsum += e * w[y];
    }
    out.predictions[i] = arg;
    out.rowMax[i] = best;
    out.rowSum[i] = sum;
    out.adjPredictions[i] = adjArg;
    out.adjSum[i] = wsum;
    out.adjTop[i] = Math.exp(logits[off + adjArg] - best) * w[adjArg];
    if (out.labelRank) out.labelRank[i] = rank;
  }
}
