/**
 * Balanced error BER = 1 − (1/|K|) Σ_{y∈K} correct_y / evalCount_y over the classes K present in eval
 * (evalCount_y > 0); classes absent from eval are skipped. Returns NaN only when K is empty (never for a
 * validated, non-empty eval set). Shapes: correct [C], evalCount [C] (correct may be a row of a [T, C]
 * matrix: pass `offset` = t·C).
 * Citation: Menon et al. 2021 eq. 2; methods §9; §13.6 (BER 0.4166666667).
 */
export function balancedError(correct: Int32Array, evalCount: Int32Array, offset = 0): number {
  let sum = 0;
  let k = 0;
  for (let y = 0; y < evalCount.length; y++) {
    const m = evalCount[y];
    if (m > 0) {
      sum += correct[offset + y] / m;
      k++;
    }
  }
  return 1 - sum / k;
}

/**
 * Top-1 error 1 − (Σ_y correct_y) / N. Shapes: correct [C]. Citation: methods §9; §13.6 (top-1 acc 0.6).
 */
export function top1Error(correct: Int32Array, n: number): number {
  let s = 0;
  for (let y = 0; y < correct.length; y++) {
    s += correct[y];
  }
  return 1 - s / n;
}
