import type { FrequencyGroup } from '../../protocol/report';

/**
 * Splits the frequency order into G = min(10, C) contiguous groups with sizes as numpy.array_split: the
 * first C mod G groups have ⌈C/G⌉ classes, the rest ⌊C/G⌋. Group accuracy = unweighted mean of
 * correct_y/evalCount_y over the group's classes present in eval (null if none).
 * Shapes: order [C] (from frequencyOrder), trainCounts [C], correct [C], evalCount [C] → G groups.
 * Citation: methods §9 (10 frequency-sorted groups, LA paper Fig. 4).
 */
export function frequencyGroups(
  order: readonly number[],
  trainCounts: ArrayLike<number>,
  correct: Int32Array,
  evalCount: Int32Array,
  groups = 10,
): FrequencyGroup[] {
  const c = order.length;
  const g = Math.min(groups, c);
  const base = Math.floor(c / g);
  const extra = c % g;
  const out: FrequencyGroup[] = [];
  let start = 0;
  for (let k = 0; k < g; k++) {
    const size = base + (k < extra ? 1 : 0);
    const classIndices = order.slice(start, start + size);
    start += size;
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    let present = 0;
    for (const y of classIndices) {
      min = Math.min(min, trainCounts[y]);
      max = Math.max(max, trainCounts[y]);
      if (evalCount[y] > 0) {
        sum += correct[y] / evalCount[y];
        present++;
      }
    }
    out.push({ group: k, classIndices, minTrainCount: min, maxTrainCount: max, accuracy: present > 0 ? sum / present : null });
  }
  return out;
}
