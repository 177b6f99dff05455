import type { ConfusedPair } from './confusion';

/** One misclassified eval example. */
export interface MistakeExample {
  /** Index into the eval set (the order the dataset yields its examples). */
  readonly index: number;
  /** The arg-max prediction ŷ_i (≠ the label). */
  readonly predicted: number;
  /** max_y softmax(f(x_i))_y, the confidence of that wrong prediction. */
  readonly confidence: number;
}

/** Default number of confident mistakes kept per class and per confused pair. */
export const defaultExamplesPerClass = 8;

/** Orders indices by confidence descending, ties by index ascending (so the order is total and stable). */
function byConfidence(confidence: Float64Array): (a: number, b: number) => number {
  return (a, b) => confidence[b] - confidence[a] || a - b;
}

/**
 * The most confident mistakes of every class: for each true class y, the eval examples i with y_i = y and
 * ŷ_i ≠ y, sorted by p̂_i = max softmax descending (ties by index ascending), the first k kept.
 * One pass to bucket the errors by class, then a sort per class: O(N + E log E), E = errors.
 * Shapes: labels [N], predictions [N], confidence [N] → C arrays of ≤ k examples.
 * Citation: docs/methods.md §12 (drill-down examples); report.ts ClassReport.examples.
 */
export function confidentMistakes(labels: Int32Array, predictions: Int32Array, confidence: Float64Array, c: number, k: number): MistakeExample[][] {
  const perClass: number[][] = Array.from({ length: c }, () => []);
  for (let i = 0; i < labels.length; i++) {
    if (predictions[i] !== labels[i]) perClass[labels[i]].push(i);
  }
  const order = byConfidence(confidence);
  return perClass.map((indices) => {
    indices.sort(order);
    return indices.slice(0, k).map((i) => ({ index: i, predicted: predictions[i], confidence: confidence[i] }));
  });
}

/**
 * The examples behind each confused pair: for the pair (y, ŷ), the eval indices i with y_i = y and
 * predicted ŷ_i = ŷ, most confident first (p̂_i descending, ties by index), the first k kept.
 * Shapes: labels [N], predictions [N], confidence [N], pairs [P] → P index arrays.
 * Citation: docs/methods.md §12; report.ts ConfusionReport.topPairs.
 */
export function pairExamples(
  labels: Int32Array,
  predictions: Int32Array,
  confidence: Float64Array,
  c: number,
  pairs: readonly ConfusedPair[],
  k: number,
): number[][] {
  const slot = new Map<number, number>();
  pairs.forEach((p, j) => slot.set(p.trueClass * c + p.predictedClass, j));
  const found: number[][] = pairs.map(() => []);
  for (let i = 0; i < labels.length; i++) {
    if (predictions[i] === labels[i]) continue;
    const j = slot.get(labels[i] * c + predictions[i]);
    if (j !== undefined) found[j].push(i);
  }
  const order = byConfidence(confidence);
  return found.map((indices) => indices.sort(order).slice(0, k));
}
