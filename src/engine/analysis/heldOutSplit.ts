import { mulberry32 } from '../data/seededRandom';

/** Default fraction of each class's eval examples used to choose τ. */
export const defaultValFraction = 0.2;
/** Default seed of the held-out split. */
export const defaultSplitSeed = 0;

/** Group of an example in a held-out split. */
export const validationGroup = 0;
/** Group of an example in a held-out split. */
export const testGroup = 1;

/** A seeded split of the eval examples into a validation part and a test part. */
export interface HeldOutSplit {
  /** [N] {@link validationGroup} or {@link testGroup} per example. */
  readonly groupOf: Uint8Array;
  readonly valExamples: number;
  readonly testExamples: number;
  /** [C] eval examples of each class in the validation part. */
  readonly valCount: Int32Array;
  /** [C] eval examples of each class in the test part. */
  readonly testCount: Int32Array;
}

/**
 * Stratified, seeded split of the eval examples: class y with m_y examples puts v_y = round(f·m_y) of them,
 * clamped to [1, m_y − 1] when m_y ≥ 2 (and 0 when m_y = 1), in the validation part and the rest in the test
 * part. Example i draws a key u_i, the i-th output of mulberry32(seed); each class's validation examples are
 * its v_y examples with the smallest keys (ties by index). So the split depends only on the labels, f and
 * the seed, and renaming classes does not change which examples are held out. Stratifying keeps every
 * class with ≥ 2 examples in both parts, so balanced error is defined on both over the same classes.
 * Shapes: labels [N] in [0, C) → groupOf [N], counts [C].
 * Citation: Kang et al. 2020 (τ chosen on a held-out validation split); docs/methods.md §2.1, §3.1.
 */
export function heldOutSplit(labels: Int32Array, c: number, fraction: number, seed: number): HeldOutSplit {
  const n = labels.length;
  const rand = mulberry32(seed);
  const key = Float64Array.from({ length: n }, () => rand());
  const evalCount = new Int32Array(c);
  for (let i = 0; i < n; i++) evalCount[labels[i]]++;
  const start = new Int32Array(c + 1);
  for (let y = 0; y < c; y++) start[y + 1] = start[y] + evalCount[y];
  const byClass = new Int32Array(n);
  const fill = start.slice(0, c);
  for (let i = 0; i < n; i++) byClass[fill[labels[i]]++] = i;
  const groupOf = new Uint8Array(n).fill(testGroup);
  const valCount = new Int32Array(c);
  const testCount = new Int32Array(c);
  let valExamples = 0;
  for (let y = 0; y < c; y++) {
    const m = evalCount[y];
    const v = m >= 2 ? Math.min(m - 1, Math.max(1, Math.round(fraction * m))) : 0;
    const members = byClass.subarray(start[y], start[y + 1]).sort((a, b) => key[a] - key[b] || a - b);
    for (let q = 0; q < v; q++) groupOf[members[q]] = validationGroup;
    valCount[y] = v;
    testCount[y] = m - v;
    valExamples += v;
  }
  return { groupOf, valExamples, testExamples: n - valExamples, valCount, testCount };
}
