/**
 * A small deterministic PRNG (mulberry32: a 32-bit state advanced by the odd constant 0x6D2B79F5 and
 * mixed with two multiply-xorshift rounds) and a seeded Fisher–Yates shuffle. Same seed, same
 * sequence on every platform; not cryptographic.
 */

/** Returns a function yielding uniform floats in [0, 1) determined by `seed` (any integer; taken mod 2^32). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Shuffles `values` in place (Fisher–Yates, from the end) with `random`, and returns it. */
export function shuffleInPlace<T extends { length: number; [i: number]: number }>(values: T, random: () => number): T {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = values[i];
    values[i] = values[j];
    values[j] = t;
  }
  return values;
}

/**
 * A uniform sample of min(k, n) distinct indices of [0, n), sorted ascending; all indices when k ≥ n.
 * Partial Fisher–Yates driven by {@link mulberry32}: for i < k swap pool[i] with pool[i + ⌊u·(n − i)⌋];
 * O(n) memory, O(k) swaps, deterministic per seed. Shapes: → [min(k, n)].
 * Citation: Knuth, TAOCP vol. 2, §3.4.2, Algorithm P.
 */
export function sampleIndices(n: number, k: number, seed: number): Int32Array {
  if (k >= n) {
    return Int32Array.from({ length: n }, (_, i) => i);
  }
  const pool = Int32Array.from({ length: n }, (_, i) => i);
  const rand = mulberry32(seed);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (n - i));
    const t = pool[i];
    pool[i] = pool[j];
    pool[j] = t;
  }
  return pool.slice(0, k).sort();
}
