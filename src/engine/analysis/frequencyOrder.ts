/**
 * Class indices sorted by training count, descending; ties by class index ascending (a stable,
 * deterministic head → tail order). Shapes: trainCounts [C] → [C].
 * Citation: methods §9 (frequency-sorted groups, LA paper Fig. 4); report.ts ConfusionReport.order.
 */
export function frequencyOrder(trainCounts: ArrayLike<number>): number[] {
  const order = Array.from({ length: trainCounts.length }, (_, i) => i);
  order.sort((a, b) => trainCounts[b] - trainCounts[a] || a - b);
  return order;
}
