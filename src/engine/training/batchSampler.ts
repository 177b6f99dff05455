/**
 * The order in which one fine-tuning epoch visits training examples.
 *
 * - `instance`: every example once, in a seeded Fisher–Yates order.
 * - `class-balanced`: N draws with replacement, each picking a class uniformly among the classes that have
 *   examples and then one of its examples uniformly (Kang et al. 2020's class-aware sampling, methods §3.2),
 *   so every class is seen about N/C times per epoch.
 */
import type { FineTuneSampler } from '../../protocol/fineTuneParams';
import { shuffleInPlace } from '../data/seededRandom';

/** Examples of each class (indices into `labels`), built once per run. Shapes: labels [N] → C lists. */
export function indicesByClass(labels: Int32Array, numClasses: number): Int32Array[] {
  const counts = new Int32Array(numClasses);
  for (const y of labels) counts[y]++;
  const out = Array.from(counts, (n) => new Int32Array(n));
  const fill = new Int32Array(numClasses);
  labels.forEach((y, i) => (out[y][fill[y]++] = i));
  return out;
}

/** The example indices of one epoch, length N (see the module comment). Deterministic for a given `random`. */
export function epochOrder(labels: Int32Array, byClass: readonly Int32Array[], sampler: FineTuneSampler, random: () => number): Int32Array {
  const n = labels.length;
  const order = new Int32Array(n);
  if (sampler === 'instance') {
    for (let i = 0; i < n; i++) order[i] = i;
    return shuffleInPlace(order, random);
  }
  const present = byClass.filter((list) => list.length > 0);
  for (let i = 0; i < n; i++) {
    const list = present[Math.floor(random() * present.length)];
    order[i] = list[Math.floor(random() * list.length)];
  }
  return order;
}
