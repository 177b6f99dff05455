/**
 * Long-tailed subsets of a (usually balanced) training set, as in CIFAR-10-LT / CIFAR-100-LT
 * (Cao et al. 2019, LDAM-DRW `imbalance_cifar.py`; docs/methods.md §8.1).
 *
 * Profiles, for classes i = 0..C−1 and imbalance ratio R = n_max / n_min:
 * - `exp`:  n_i = ⌊n_max · (1/R)^(i/(C−1))⌋ (computed with `Math.pow`, which reproduces the reference
 *   totals 12406 for CIFAR-10 and 10847 for CIFAR-100 at R = 100; rounding or exp/log do not);
 * - `step`: n_i = n_max for the first ⌊C/2⌋ classes, ⌊n_max / R⌋ for the rest.
 * n_max defaults to ⌊N / C⌋ (5000 for CIFAR-10, 500 for CIFAR-100), as in the reference code.
 *
 * Selection is seeded and deterministic: for each class, its example indices (in dataset order) are
 * shuffled with mulberry32(seed) (one generator, classes in order) and the first n_i are kept; a class
 * with fewer than n_i examples keeps them all (the recorded counts are the actual ones). The output
 * indices are sorted ascending. The exact subset differs from numpy's RNG; ship the index file when
 * bit-exact subsets matter.
 */
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { mulberry32, shuffleInPlace } from './seededRandom';

/** `exp` (exponential decay) or `step` (two levels). */
export type LongTailProfile = 'exp' | 'step';

/** Options for {@link makeLongTailIndices}. */
export interface MakeLongTailOptions {
  /** R = n_max / n_min, ≥ 1. */
  readonly ratio: number;
  /** Count profile. */
  readonly profile: LongTailProfile;
  /** PRNG seed (integer). */
  readonly seed: number;
  /** Head-class count; default ⌊N / C⌋. */
  readonly nMax?: number;
}

/** A subset index file: `{source, split?, profile, ratio, seed, nMax, counts, indices}`. */
export interface SubsetIndex {
  /** Dataset path, relative to the index file's directory (or absolute). */
  readonly source: string;
  /** Split of `source` that was sampled, when it has splits. */
  readonly split?: 'train' | 'test';
  readonly profile: LongTailProfile;
  readonly ratio: number;
  readonly seed: number;
  readonly nMax?: number;
  /** Examples kept per class. */
  readonly counts: number[];
  /** Kept example indices into `source`, ascending. */
  readonly indices: number[];
}

function checkOptions(numClasses: number, ratio: number, profile: string, nMax: number): void {
  if (!Number.isSafeInteger(numClasses) || numClasses < 1) {
    throw new LongtailError(ErrorCode.InvalidOption, `number of classes must be a positive integer (got ${numClasses})`);
  }
  if (!Number.isFinite(ratio) || ratio < 1) {
    throw new LongtailError(ErrorCode.InvalidOption, `imbalance ratio must be a number ≥ 1 (got ${ratio})`);
  }
  if (profile !== 'exp' && profile !== 'step') {
    throw new LongtailError(ErrorCode.InvalidOption, `profile must be 'exp' or 'step' (got '${profile}')`);
  }
  if (!Number.isSafeInteger(nMax) || nMax < 1) {
    throw new LongtailError(ErrorCode.InvalidOption, `n_max must be a positive integer (got ${nMax})`);
  }
}

/** Target count per class (see the module comment for the formulas). */
export function longTailCounts(nMax: number, numClasses: number, ratio: number, profile: LongTailProfile): number[] {
  checkOptions(numClasses, ratio, profile, nMax);
  if (profile === 'step') {
    const half = Math.floor(numClasses / 2);
    return Array.from({ length: numClasses }, (_, i) => (i < half ? nMax : Math.floor(nMax / ratio)));
  }
  if (numClasses === 1) {
    return [nMax];
  }
  const base = 1 / ratio;
  return Array.from({ length: numClasses }, (_, i) => Math.floor(nMax * Math.pow(base, i / (numClasses - 1))));
}

/** Selects a long-tailed subset of `labels` (values in [0, numClasses)). */
export function makeLongTailIndices(labels: Int32Array, numClasses: number, options: MakeLongTailOptions): { counts: number[]; indices: number[]; nMax: number } {
  if (!Number.isSafeInteger(options.seed)) {
    throw new LongtailError(ErrorCode.InvalidOption, `seed must be an integer (got ${options.seed})`);
  }
  const nMax = options.nMax ?? Math.floor(labels.length / numClasses);
  const targets = longTailCounts(nMax, numClasses, options.ratio, options.profile);
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < labels.length; i++) {
    byClass[labels[i]].push(i);
  }
  const random = mulberry32(options.seed);
  const indices: number[] = [];
  const counts: number[] = [];
  for (let k = 0; k < numClasses; k++) {
    const pool = shuffleInPlace(byClass[k], random);
    const take = Math.min(targets[k], pool.length);
    counts.push(take);
    for (let j = 0; j < take; j++) {
      indices.push(pool[j]);
    }
  }
  indices.sort((a, b) => a - b);
  return { counts, indices, nMax };
}

/** True when a parsed JSON value looks like a {@link SubsetIndex}. */
export function isSubsetIndex(value: unknown): value is Pick<SubsetIndex, 'source' | 'indices'> & { split?: unknown; counts?: unknown } {
  const v = value as { source?: unknown; indices?: unknown } | null;
  return typeof v === 'object' && v !== null && typeof v.source === 'string' && Array.isArray(v.indices);
}
