import type { Bucket, ConfusionReport } from '../../protocol/report';
import { bucketIndex } from './buckets';

/** One off-diagonal confusion. */
export interface ConfusedPair {
  readonly trueClass: number;
  readonly predictedClass: number;
  readonly count: number;
}

/**
 * The `topK` most frequent off-diagonal (true, predicted) pairs, count descending, ties by true class then
 * predicted class ascending. Works for any C without a C×C matrix: the keys y·C + ŷ of misclassified
 * examples are sorted (float64, exact below 2^53) and counted in runs. Cost O(E log E), E = errors.
 * Shapes: labels [N], predictions [N]. Citation: report.ts ConfusionReport.topPairs.
 */
export function topConfusedPairs(labels: Int32Array, predictions: Int32Array, c: number, topK: number): ConfusedPair[] {
  let errors = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== predictions[i]) {
      errors++;
    }
  }
  const keys = new Float64Array(errors);
  let k = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== predictions[i]) {
      keys[k++] = labels[i] * c + predictions[i];
    }
  }
  keys.sort();
  const pairs: ConfusedPair[] = [];
  let i = 0;
  while (i < errors) {
    let j = i + 1;
    while (j < errors && keys[j] === keys[i]) {
      j++;
    }
    const key = keys[i];
    pairs.push({ trueClass: Math.floor(key / c), predictedClass: key % c, count: j - i });
    i = j;
  }
  // Keys are ascending, so a stable sort by count keeps (true, predicted) order among ties.
  pairs.sort((a, b) => b.count - a.count);
  return pairs.slice(0, topK);
}

/**
 * Confusion data in frequency order: the full matrix M[i][j] = |{n: y_n = order[i], ŷ_n = order[j]}| when
 * C ≤ limit (null otherwise), the 3×3 bucket matrix B[b(y)][b(ŷ)] (rows true many/medium/few, columns
 * predicted) and the top off-diagonal pairs. Shapes: labels [N], predictions [N], order [C], buckets [C].
 * Citation: report.ts ConfusionReport; methods §8.3 (buckets).
 */
export function confusionReport(
  labels: Int32Array,
  predictions: Int32Array,
  c: number,
  order: readonly number[],
  buckets: readonly Bucket[],
  limit: number,
  topK: number,
): ConfusionReport {
  const bucketCounts = new Float64Array(9);
  for (let i = 0; i < labels.length; i++) {
    bucketCounts[bucketIndex[buckets[labels[i]]] * 3 + bucketIndex[buckets[predictions[i]]]]++;
  }
  let matrix: number[][] | null = null;
  if (c <= limit) {
    const position = new Int32Array(c);
    order.forEach((y, p) => {
      position[y] = p;
    });
    const flat = new Float64Array(c * c);
    for (let i = 0; i < labels.length; i++) {
      flat[position[labels[i]] * c + position[predictions[i]]]++;
    }
    matrix = [];
    for (let r = 0; r < c; r++) {
      matrix.push(Array.from(flat.subarray(r * c, (r + 1) * c)));
    }
  }
  const rows = [0, 1, 2].map((r) => Array.from(bucketCounts.subarray(r * 3, r * 3 + 3)));
  return {
    order: [...order],
    matrix,
    matrixLimit: limit,
    buckets: rows,
    topPairs: topConfusedPairs(labels, predictions, c, topK),
  };
}
