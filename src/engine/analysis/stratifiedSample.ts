import { mulberry32, shuffleInPlace } from '../data/seededRandom';

/**
 * A seeded sample of at most `maxPoints` eval indices in which rare classes appear: the first ⌈maxPoints / 2⌉
 * places are filled round-robin over the classes (each class's examples in a seeded random order, the classes in a
 * seeded random order: round r takes the r-th example of every class that has one), so every class gets
 * min(n_c, k) or min(n_c, k + 1) places for the largest such k that fits; the other places are a uniform sample
 * without replacement of the examples not yet taken, so the head keeps roughly its share of the rest. With more
 * classes than half the budget, a seeded random ⌈maxPoints / 2⌉ classes get one example each in the first part.
 * All indices when N ≤ maxPoints. Deterministic per seed; sorted ascending.
 * Shapes: labels [N] (0 ≤ y < C) → indices [min(N, maxPoints)].
 * Citation: stratified sampling with a per-stratum floor (Cochran, Sampling Techniques, 3rd ed., §5.1); docs/methods.md §12.
 */
export function stratifiedSample(labels: Int32Array, numClasses: number, maxPoints: number, seed: number): Int32Array {
  const n = labels.length;
  const budget = Math.max(0, Math.floor(maxPoints));
  if (budget >= n) return Int32Array.from({ length: n }, (_, i) => i);
  const random = mulberry32(seed ^ 0x5bd1e995);
  // Per-class index lists (counting sort), each shuffled.
  const counts = new Int32Array(numClasses + 1);
  for (let i = 0; i < n; i++) counts[labels[i] + 1]++;
  for (let y = 0; y < numClasses; y++) counts[y + 1] += counts[y];
  const byClass = new Int32Array(n);
  const fill = counts.slice(0, numClasses);
  for (let i = 0; i < n; i++) byClass[fill[labels[i]]++] = i;
  for (let y = 0; y < numClasses; y++) shuffleInPlace(byClass.subarray(counts[y], counts[y + 1]), random);
  const classOrder = shuffleInPlace(Int32Array.from({ length: numClasses }, (_, y) => y), random);

  const taken = new Uint8Array(n);
  const out: number[] = [];
  const floorPart = Math.ceil(budget / 2);
  for (let round = 0; out.length < floorPart; round++) {
    let any = false;
    for (let k = 0; k < numClasses && out.length < floorPart; k++) {
      const y = classOrder[k];
      const at = counts[y] + round;
      if (at < counts[y + 1]) {
        const i = byClass[at];
        taken[i] = 1;
        out.push(i);
        any = true;
      }
    }
    if (!any) break;
  }
  // Uniform fill of the rest: a partial Fisher–Yates over the untaken indices.
  const rest = new Int32Array(n - out.length);
  for (let i = 0, r = 0; i < n; i++) if (!taken[i]) rest[r++] = i;
  const more = Math.min(budget - out.length, rest.length);
  for (let k = 0; k < more; k++) {
    const j = k + Math.floor(random() * (rest.length - k));
    const t = rest[k];
    rest[k] = rest[j];
    rest[j] = t;
    out.push(rest[k]);
  }
  return Int32Array.from(out).sort();
}
