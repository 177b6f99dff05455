/** Per-class counts and rates of one set of predictions. */
export interface ClassMetrics {
  /** [C] examples of class y in eval. */
  readonly evalCount: Int32Array;
  /** [C] examples predicted as y. */
  readonly predictedCount: Int32Array;
  /** [C] examples of class y predicted as y. */
  readonly correct: Int32Array;
  /** [C] recall correct/evalCount; null when evalCount = 0. */
  readonly accuracy: (number | null)[];
  /** [C] correct/predictedCount; null when predictedCount = 0. */
  readonly precision: (number | null)[];
  /** [C] 2PR/(P+R); null when P or R is null, 0 when both are 0. */
  readonly f1: (number | null)[];
}

/**
 * Per-class accuracy (recall) acc_y = |{i: y_i = y, ŷ_i = y}| / |{i: y_i = y}|, precision
 * |{i: y_i = y, ŷ_i = y}| / |{i: ŷ_i = y}| and F1 = 2·P·R/(P+R), in one pass over the examples.
 * Shapes: labels [N], predictions [N] → vectors of length C.
 * Citation: methods §9 (per-class accuracy; classes absent from eval are skipped, i.e. null); §13.6.
 */
export function computeClassMetrics(labels: Int32Array, predictions: Int32Array, c: number): ClassMetrics {
  const evalCount = new Int32Array(c);
  const predictedCount = new Int32Array(c);
  const correct = new Int32Array(c);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    const p = predictions[i];
    evalCount[y]++;
    predictedCount[p]++;
    if (p === y) {
      correct[y]++;
    }
  }
  const accuracy: (number | null)[] = new Array<number | null>(c);
  const precision: (number | null)[] = new Array<number | null>(c);
  const f1: (number | null)[] = new Array<number | null>(c);
  for (let y = 0; y < c; y++) {
    const r = evalCount[y] > 0 ? correct[y] / evalCount[y] : null;
    const p = predictedCount[y] > 0 ? correct[y] / predictedCount[y] : null;
    accuracy[y] = r;
    precision[y] = p;
    f1[y] = r === null || p === null ? null : r + p === 0 ? 0 : (2 * p * r) / (p + r);
  }
  return { evalCount, predictedCount, correct, accuracy, precision, f1 };
}
