/** Confusion matrix shaping for the heatmap: top-N + "other" aggregation and log intensity (DOM-free). */

/** A square matrix with row/column labels given as class indices (-1 = "other"). */
export interface LabelledMatrix {
  /** Class index of each row/column, in display order; -1 is the aggregated "other" row/column. */
  readonly labels: readonly number[];
  readonly cells: readonly (readonly number[])[];
  /** Largest cell value outside the "other" row and column (for the colour scale; "other" cells saturate). */
  readonly max: number;
}

/**
 * Keeps the whole matrix when it has at most `limit` classes; otherwise keeps the `keep` classes with
 * the most off-diagonal mass (errors made plus errors received), still in frequency order, and sums every
 * other class into one "other" row and column. Totals are preserved.
 * `matrix[i][j]` counts true class `order[i]` predicted as `order[j]`.
 */
export function shapeConfusion(matrix: readonly (readonly number[])[], order: readonly number[], limit: number, keep: number): LabelledMatrix {
  const C = order.length;
  if (C <= limit) {
    let max = 0;
    for (const row of matrix) for (const v of row) if (v > max) max = v;
    return { labels: order.slice(), cells: matrix.map((r) => r.slice()), max };
  }
  const mass = new Float64Array(C);
  for (let i = 0; i < C; i++) {
    for (let j = 0; j < C; j++) {
      if (i !== j) {
        mass[i] += matrix[i][j];
        mass[j] += matrix[i][j];
      }
    }
  }
  const kept = Array.from({ length: C }, (_, i) => i)
    .sort((a, b) => mass[b] - mass[a] || a - b)
    .slice(0, keep)
    .sort((a, b) => a - b);
  const slot = new Int32Array(C).fill(kept.length);
  kept.forEach((pos, k) => (slot[pos] = k));
  const n = kept.length + 1;
  const cells = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < C; i++) for (let j = 0; j < C; j++) cells[slot[i]][slot[j]] += matrix[i][j];
  let max = 0;
  for (let i = 0; i < kept.length; i++) for (let j = 0; j < kept.length; j++) if (cells[i][j] > max) max = cells[i][j];
  return { labels: [...kept.map((pos) => order[pos]), -1], cells, max: Math.max(1, max) };
}

/** Colour intensity in [0, 1] on a log scale: log(1 + v) / log(1 + max); 0 for empty cells. */
export function logIntensity(value: number, max: number): number {
  if (!(value > 0) || !(max > 0)) return 0;
  return Math.min(1, Math.log1p(value) / Math.log1p(max));
}

/** Row-normalises a matrix (each row sums to 1; empty rows stay 0). */
export function rowNormalise(matrix: readonly (readonly number[])[]): number[][] {
  return matrix.map((row) => {
    const s = row.reduce((a, b) => a + b, 0);
    return row.map((v) => (s > 0 ? v / s : 0));
  });
}
