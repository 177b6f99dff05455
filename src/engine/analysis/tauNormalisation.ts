import { multiplyABt } from './matmul';
import { rowStat, tauNormRowKernel, type TauNormRowKernel } from './tauNormRowKernel';
import type { FloatArray, MultiplyABt } from './types';

/** Rows checked by {@link headReproducesLogits}. */
const checkRows = 16;

/**
 * Whether logits = φ·Wᵀ + b on a deterministic sample of up to 16 evenly spaced rows, within
 * |Δ| ≤ 5e-3·(Σ_d |W[y,d] φ_d| + |b_y|) + 1e-6 (loose enough for float32 / TF32 accumulation on any
 * device, tight enough to catch logits from another layer, a temperature or post-processing).
 * When true, the bias-free scores W·φ equal f − b and need no N×C×D matrix product.
 * Shapes: logits [N, C], embeddings [N, D], weight [C, D], bias [C] or null. Citation: methods §3.1.
 */
export function headReproducesLogits(
  logits: FloatArray,
  embeddings: FloatArray,
  weight: FloatArray,
  bias: FloatArray | null,
  n: number,
  c: number,
  d: number,
): boolean {
  const rows = Math.min(n, checkRows);
  const dot = new Float64Array(rows);
  const scale = new Float64Array(rows);
  const at = new Int32Array(rows);
  for (let s = 0; s < rows; s++) {
    at[s] = Math.floor((s * (n - 1)) / Math.max(1, rows - 1)) * d;
  }
  // Class-outer, row-inner: each weight row is read once for all checked rows (it is the large operand);
  // every (row, class) sum still runs over k in order, so the result is the same as row by row.
  for (let y = 0; y < c; y++) {
    const wo = y * d;
    dot.fill(0);
    scale.fill(0);
    for (let s = 0; s < rows; s++) {
      const off = at[s];
      let sd = 0;
      let ss = 0;
      for (let k = 0; k < d; k++) {
        const p = weight[wo + k] * embeddings[off + k];
        sd += p;
        ss += Math.abs(p);
      }
      dot[s] = sd;
      scale[s] = ss;
    }
    const b = bias ? bias[y] : 0;
    for (let s = 0; s < rows; s++) {
      const i = at[s] / d;
      if (Math.abs(dot[s] + b - logits[i * c + y]) > 5e-3 * (scale[s] + Math.abs(b)) + 1e-6) {
        return false;
      }
    }
  }
  return true;
}

/** Where the bias-free scores s_y(x_i) = w_y·φ(x_i) come from. */
export type TauNormScores =
  /** s = f − b, valid when {@link headReproducesLogits} holds (no matrix product). */
  | { readonly kind: 'logits'; readonly logits: FloatArray; readonly bias: FloatArray | null }
  /** s = φ·Wᵀ recomputed with a blocked matrix product (N·C·D multiply-adds). */
  | { readonly kind: 'embeddings'; readonly embeddings: FloatArray; readonly weight: FloatArray; readonly d: number; readonly multiply?: MultiplyABt };

/** Variant and grouping of {@link tauNormalisationCorrect}. */
export interface TauNormOptions {
  /**
   * [C] bias b_y kept after normalising the weights: score (w_y/‖w_y‖^τ)·φ + b_y, so τ = 0 is the model as
   * is. Null or absent: the bias is dropped (Kang et al.'s `tau_norm.py`), and τ = 0 is the bias-free model.
   */
  readonly keepBias?: FloatArray | null;
  /** [N] group of each example in [0, groups) (for example 0 = validation, 1 = test); absent: one group. */
  readonly groupOf?: Uint8Array | null;
  /** Number of groups (default 1). */
  readonly groups?: number;
  /** 'js' runs the per-row passes as typed-array loops instead of the WebAssembly kernel (tests; default 'auto'). */
  readonly kernels?: 'auto' | 'js';
}

/**
 * τ-normalisation sweep: ŷ_ik = argmax_y (w_y/‖w_y‖^τ_k)·φ(x_i) [+ b_y] = argmax_y g_y(τ_k), with
 * g_y(τ) = s_y(x_i)·‖w_y‖^(−τ) [+ b_y] (first index on ties), counted per group and true class. Without
 * `keepBias` the bias is dropped as in Kang et al.'s code (τ = 0 is then the bias-free model, not the model
 * as is); with it the bias is added back after normalising (τ = 0 is the model as is). The raw scores s = W·φ
 * are formed once per block of rows and rescaled per τ (w_y·φ/‖w_y‖^τ = (w_y/‖w_y‖^τ)·φ), never materialising
 * the N×C matrix per τ. A class with ‖w_y‖ = 0 has scale 1 at every τ (instead of 0/0).
 *
 * For C ≥ 32 each row is pruned exactly (identical results to the full scan; unit-tested against it). Every
 * g_y is monotone in τ. With lo/hi the smallest and largest τ:
 * 1. one pass over the classes finds j_lo = argmax g(lo), j_hi = argmax g(hi) and lb = max_y min(g_y(lo), g_y(hi)),
 *    a lower bound of the upper envelope E(τ) = max_y g_y(τ) on [lo, hi];
 * 2. bias dropped and max_y s_y > 0: only s_y > 0 can win, and ln g_y(τ) = ln s_y − τ ln ‖w_y‖ is a line. With
 *    L(τ) = max(ln g_{j_lo}, ln g_{j_hi}) ≤ ln E (one kink, at τ*), ln g_y − L is concave, so a winner has
 *    ln g_y ≥ L at lo, hi or τ*; at τ* the test uses ‖w_y‖^(−τ*) ≤ max over the two grid τ around τ* of the
 *    precomputed scale (monotone in τ). Otherwise (bias kept, or no positive score): a winner has
 *    max(g_y(lo), g_y(hi)) ≥ lb;
 * 3. the survivors are narrowed per segment between P sorted grid τ (breakpoints): on a segment [a, b] a winner
 *    has max(g_y(a), g_y(b)) ≥ max_{j ∈ J} min(g_j(a), g_j(b)) with J the survivors' arg-maxes at the
 *    breakpoints; a candidate is then only scanned for the τ of the segments it passed.
 * Comparisons keep a slack of 1e-9·(1 + max |g|) for rounding. Rows with no positive bias-free score (bias
 * dropped) skip step 2's line test and use lb. The per-row passes (f − b, steps 1–3, the arg-max at each τ) run in
 * tauNormRowKernel.ts: WebAssembly, with typed-array loops giving bit-identical counts as the fallback.
 * Shapes: scores source ([N, C] logits or [N, D] embeddings with weight [C, D]), labels [N], norms [C],
 * taus [T], groupOf [N] → correct [G, T, C] (correct[(g·T + k)·C + y]).
 * Citation: Kang et al. 2020, "Decoupling representation and classifier for long-tailed recognition"
 * (τ-normalisation; classifier-balancing `tau_norm.py` drops the bias); Menon et al. 2021 eq. 3;
 * docs/methods.md (τ-normalisation).
 */
export function tauNormalisationCorrect(
  scores: TauNormScores,
  labels: Int32Array,
  c: number,
  norms: Float64Array,
  taus: readonly number[],
  options: TauNormOptions = {},
): Int32Array {
  const n = labels.length;
  const t = taus.length;
  const keepBias = options.keepBias ?? null;
  const groupOf = options.groupOf ?? null;
  const groups = options.groups ?? 1;
  const blockRows = Math.max(1, Math.min(64, Math.floor(4_000_000 / c)));
  const prune = c >= 32 && t >= 3 && taus.every((tau) => Number.isFinite(tau));
  // Grid τ in increasing order; breakpoints of step 3 every ~5 grid τ (at most 32 segments: a bit mask).
  const sorted = taus.map((_, k) => k).sort((p, q) => taus[p] - taus[q]);
  const np = prune ? Math.min(33, Math.max(2, Math.round((t - 1) / 5) + 1)) : 0;
  const bp = Int32Array.from({ length: np }, (_, p) => sorted[Math.round((p * (t - 1)) / Math.max(1, np - 1))]);
  const kernel = tauNormRowKernel(blockRows, c, t, np, options.kernels);
  const { block, scale, bias: b, cand, mask, segmentBit, win } = kernel;
  for (let k = 0; k < t; k++) {
    for (let y = 0; y < c; y++) {
      scale[k * c + y] = norms[y] > 0 ? Math.pow(norms[y], -taus[k]) : 1;
    }
  }
  // The same scales by class: at the breakpoints [C, P] and at every τ [C, T], so each of the few hundred classes
  // that survive a row's pruning reads one or two cache lines instead of one per τ.
  for (let y = 0; y < c; y++) {
    for (let p = 0; p < np; p++) kernel.scaleAtBp[y * np + p] = scale[bp[p] * c + y];
    for (let k = 0; k < t; k++) kernel.scaleByClass[y * t + k] = scale[k * c + y];
  }
  const correct = new Int32Array(groups * t * c);
  for (let y = 0; y < c; y++) {
    b[y] = keepBias ? keepBias[y] : 0;
  }
  for (let k = 0; k < t; k++) {
    let sgm = 0;
    while (sgm < np - 2 && taus[k] > taus[bp[sgm + 1]]) sgm++;
    segmentBit[k] = 1 << sgm;
  }
  const logNorm = new Float64Array(c);
  for (let y = 0; y < c; y++) {
    logNorm[y] = norms[y] > 0 ? Math.log(norms[y]) : 0;
  }
  const line: LineTest = { withBias: keepBias !== null, taus, sorted, logNorm, c };
  for (let i0 = 0; i0 < n; i0 += blockRows) {
    const rows = Math.min(blockRows, n - i0);
    if (scores.kind === 'logits') {
      kernel.fillFromLogits(scores.logits, scores.bias, i0, rows);
    } else {
      // The weight is fixed: a backend kernel may keep it uploaded across blocks (and sweeps).
      (scores.multiply ?? multiplyABt)(scores.embeddings, i0, rows, scores.weight, c, scores.d, block, true);
    }
    for (let r = 0; r < rows; r++) {
      const off = r * c;
      const label = labels[i0 + r];
      const gOff = groupOf ? groupOf[i0 + r] * t * c : 0;
      let count = 0;
      if (prune) {
        count = pruneRow(kernel, off, line);
        count = kernel.narrow(off, count, np);
      } else {
        for (let y = 0; y < c; y++) {
          cand[y] = y;
          mask[y] = -1;
        }
        count = c;
      }
      kernel.winners(off, count);
      for (let k = 0; k < t; k++) {
        if (win[k] === label) correct[gOff + k * c + label]++;
      }
    }
  }
  return correct;
}

/** The grid position p with τ(sorted[p]) < τ* ≤ τ(sorted[p + 1]) (τ* strictly inside the grid's range). */
function gridSegment(taus: readonly number[], sorted: readonly number[], tStar: number): number {
  let p = 0;
  while (taus[sorted[p + 1]] < tStar) p++;
  return p;
}

/** What {@link pruneRow} needs besides the kernel: the variant, the grid (and its order) and ln ‖w_y‖. */
interface LineTest {
  readonly withBias: boolean;
  readonly taus: readonly number[];
  readonly sorted: readonly number[];
  readonly logNorm: Float64Array;
  readonly c: number;
}

/**
 * Steps 1–2 of {@link tauNormalisationCorrect}'s pruning for the kernel's block row at `off`: writes the
 * surviving classes to the kernel's `cand` in increasing order and returns their number (≥ 1).
 */
function pruneRow(kernel: TauNormRowKernel, off: number, { withBias, taus, sorted, logNorm, c }: LineTest): number {
  const lo = sorted[0] * c;
  const hi = sorted[sorted.length - 1] * c;
  kernel.scan(off, lo, hi);
  const stats = kernel.stats;
  const bestLo = stats[rowStat.bestLo];
  const bestHi = stats[rowStat.bestHi];
  const jLo = stats[rowStat.jLo];
  const jHi = stats[rowStat.jHi];
  const slack = 1e-9 * (1 + stats[rowStat.maxAbs]);
  const sLo = kernel.block[off + jLo];
  const sHi = kernel.block[off + jHi];
  if (!withBias && sLo > 0 && sHi > 0 && bestLo > 0 && bestHi > 0) {
    // Lines ln g = ln s − τ ln‖w‖ of j_lo and j_hi; their crossing τ* (the kink of L), if inside (lo, hi).
    const dl = logNorm[jLo] - logNorm[jHi];
    const tStar = dl !== 0 ? (Math.log(sLo) - Math.log(sHi)) / dl : Number.NaN;
    const inside = tStar > taus[sorted[0]] && tStar < taus[sorted[sorted.length - 1]];
    const p = inside ? gridSegment(taus, sorted, tStar) : 0;
    const kA = inside ? sorted[p] * c : -1;
    const kB = inside ? sorted[p + 1] * c : -1;
    const atStar = inside ? sLo * Math.exp(-tStar * logNorm[jLo]) : Infinity;
    return kernel.pruneByLines(off, lo, hi, kA, kB, bestLo - slack, bestHi - slack, atStar - slack);
  }
  return kernel.pruneByBound(off, lo, hi, stats[rowStat.lb] - slack);
}
