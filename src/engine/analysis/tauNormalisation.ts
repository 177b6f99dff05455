import { envelopeCandidates } from './lineEnvelope';
import { multiplyABt } from './matmul';
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
  for (let s = 0; s < rows; s++) {
    const i = Math.floor((s * (n - 1)) / Math.max(1, rows - 1));
    const off = i * d;
    for (let y = 0; y < c; y++) {
      const wo = y * d;
      let dot = 0;
      let scale = 0;
      for (let k = 0; k < d; k++) {
        const p = weight[wo + k] * embeddings[off + k];
        dot += p;
        scale += Math.abs(p);
      }
      const b = bias ? bias[y] : 0;
      if (Math.abs(dot + b - logits[i * c + y]) > 5e-3 * (scale + Math.abs(b)) + 1e-6) {
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
}

/**
 * τ-normalisation sweep: ŷ_ik = argmax_y (w_y/‖w_y‖^τ_k)·φ(x_i) [+ b_y] = argmax_y s_y(x_i)·‖w_y‖^(−τ_k)
 * [+ b_y] (first index on ties), counted per group and true class. Without `keepBias` the bias is dropped
 * as in Kang et al.'s code (τ = 0 is then the bias-free model, not the model as is); with it the bias is
 * added back after normalising (τ = 0 is the model as is). The raw scores s = W·φ are formed once per block
 * of rows and rescaled per τ (w_y·φ/‖w_y‖^τ = (w_y/‖w_y‖^τ)·φ), never materialising the N×C matrix per τ.
 * A class with ‖w_y‖ = 0 has scale 1 at every τ (instead of 0/0).
 * For C ≥ 32, rows are pruned exactly (identical results to the full scan): each g_y(τ) is monotone in τ,
 * so y can win only if max(g_y(τ_lo), g_y(τ_hi)) ≥ max_j min(g_j(τ_lo), g_j(τ_hi)); without bias only
 * positive scores can pass when that bound is > 0, and ln g_y = ln s_y − τ ln ‖w_y‖ is a line in τ, so
 * envelopeCandidates narrows the survivors further. Rows without a positive bias-free score are scanned fully.
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
  const scale = new Float64Array(t * c);
  for (let k = 0; k < t; k++) {
    for (let y = 0; y < c; y++) {
      scale[k * c + y] = norms[y] > 0 ? Math.pow(norms[y], -taus[k]) : 1;
    }
  }
  const correct = new Int32Array(groups * t * c);
  // Exact pruning (see above) for C ≥ 32.
  const prune = c >= 32 && t >= 3 && taus.every((tau) => Number.isFinite(tau));
  const slope = new Float64Array(c);
  let maxSlope = 0;
  for (let y = 0; y < c; y++) {
    slope[y] = norms[y] > 0 ? -Math.log(norms[y]) : 0;
    maxSlope = Math.max(maxSlope, Math.abs(slope[y]));
  }
  const tLo = Math.min(...taus);
  const tHi = Math.max(...taus);
  const logRow = new Float64Array(c);
  const slopeRow = new Float64Array(c);
  const picked = new Int32Array(c);
  const scaleLo = new Float64Array(c);
  const scaleHi = new Float64Array(c);
  const b = new Float64Array(c);
  for (let y = 0; y < c; y++) {
    scaleLo[y] = norms[y] > 0 ? Math.pow(norms[y], -tLo) : 1;
    scaleHi[y] = norms[y] > 0 ? Math.pow(norms[y], -tHi) : 1;
    b[y] = keepBias ? keepBias[y] : 0;
  }
  const cand = new Int32Array(c);
  const blockRows = Math.max(1, Math.min(64, Math.floor(4_000_000 / c)));
  const block = new Float64Array(blockRows * c);
  for (let i0 = 0; i0 < n; i0 += blockRows) {
    const rows = Math.min(blockRows, n - i0);
    if (scores.kind === 'logits') {
      const { logits, bias } = scores;
      for (let r = 0; r < rows; r++) {
        const src = (i0 + r) * c;
        const dst = r * c;
        if (bias) {
          for (let y = 0; y < c; y++) {
            block[dst + y] = logits[src + y] - bias[y];
          }
        } else {
          for (let y = 0; y < c; y++) {
            block[dst + y] = logits[src + y];
          }
        }
      }
    } else {
      // The weight is fixed: a backend kernel may keep it uploaded across blocks (and sweeps).
      (scores.multiply ?? multiplyABt)(scores.embeddings, i0, rows, scores.weight, c, scores.d, block, true);
    }
    for (let r = 0; r < rows; r++) {
      const off = r * c;
      const label = labels[i0 + r];
      let maxScore = -Infinity;
      for (let y = 0; y < c; y++) {
        if (block[off + y] > maxScore) {
          maxScore = block[off + y];
        }
      }
      let count = c;
      if (prune && (keepBias !== null || maxScore > 0)) {
        // g_y(τ) is monotone in τ, so the envelope is ≥ lb = max_y min(g_y(tLo), g_y(tHi)) everywhere and
        // y can win only if max(g_y(tLo), g_y(tHi)) ≥ lb. Without bias lb > 0, so only s_y > 0 survive, and
        // the survivors' logs ln s_y − τ ln ‖w_y‖ are lines in τ: envelopeCandidates keeps an exact
        // superset of the winners.
        let lb = -Infinity;
        for (let y = 0; y < c; y++) {
          const v = block[off + y];
          const lo = v * scaleLo[y] + b[y];
          const hi = v * scaleHi[y] + b[y];
          const m = lo < hi ? lo : hi;
          if (m > lb) {
            lb = m;
          }
        }
        const cut = keepBias ? lb - 1e-9 * (Math.abs(lb) + 1) : lb - 1e-9 * Math.abs(lb);
        let survivors = 0;
        for (let y = 0; y < c; y++) {
          const v = block[off + y];
          if ((keepBias !== null || v > 0) && (v * scaleLo[y] + b[y] >= cut || v * scaleHi[y] + b[y] >= cut)) {
            cand[survivors++] = y;
          }
        }
        count = survivors;
        if (keepBias === null && survivors > 32) {
          for (let q = 0; q < survivors; q++) {
            const y = cand[q];
            logRow[q] = Math.log(block[off + y]);
            slopeRow[q] = slope[y];
          }
          const kept = envelopeCandidates(logRow, 0, slopeRow, maxSlope, survivors, tLo, tHi, picked);
          for (let q = 0; q < kept; q++) {
            cand[q] = cand[picked[q]];
          }
          count = kept;
        }
      } else {
        for (let y = 0; y < c; y++) {
          cand[y] = y;
        }
      }
      const gOff = groupOf ? groupOf[i0 + r] * t * c : 0;
      for (let k = 0; k < t; k++) {
        const base = k * c;
        let y0 = cand[0];
        let best = block[off + y0] * scale[base + y0] + b[y0];
        for (let q = 1; q < count; q++) {
          const y = cand[q];
          const v = block[off + y] * scale[base + y] + b[y];
          if (v > best) {
            best = v;
            y0 = y;
          }
        }
        if (y0 === label) {
          correct[gOff + base + label]++;
        }
      }
    }
  }
  return correct;
}
