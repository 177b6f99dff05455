/**
 * Deterministic 32-bit PRNG (mulberry32): returns a function yielding floats in [0, 1). The same seed gives
 * the same sequence on every platform (integer arithmetic via Math.imul only). Not cryptographic.
 * Formula: state += 0x6D2B79F5; t = mix(state) with two xor-shift-multiply rounds; out = t / 2³².
 * Citation: mulberry32 (T. Ettinger, public-domain 32-bit generator), written here from its description.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A uniform sample of min(k, n) distinct indices of [0, n), sorted ascending; all indices when k ≥ n.
 * Partial Fisher–Yates driven by {@link seededRandom}: for i < k swap pool[i] with pool[i + ⌊u·(n − i)⌋];
 * O(n) memory, O(k) swaps, deterministic per seed. Shapes: → [min(k, n)].
 * Citation: Knuth, TAOCP vol. 2, §3.4.2, Algorithm P.
 */
export function sampleIndices(n: number, k: number, seed: number): Int32Array {
  if (k >= n) {
    return Int32Array.from({ length: n }, (_, i) => i);
  }
  const pool = Int32Array.from({ length: n }, (_, i) => i);
  const rand = seededRandom(seed);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (n - i));
    const t = pool[i];
    pool[i] = pool[j];
    pool[j] = t;
  }
  return pool.slice(0, k).sort();
}
