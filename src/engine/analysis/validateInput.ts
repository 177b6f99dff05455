import { ErrorCode, LongtailError } from '../../protocol/errors';
import { firstNonFiniteBlock } from './logitRowKernel';
import type { DiagnosticsInput, FloatArray } from './types';

/** Shapes derived from a checked {@link DiagnosticsInput}. */
export interface CheckedInput {
  /** N, eval examples. */
  readonly n: number;
  /** C, classes. */
  readonly c: number;
  /** D, embedding / head width; null when neither embeddings nor a head is given. */
  readonly d: number | null;
  /** [N] labels as int32. */
  readonly labels: Int32Array;
  /** [C] training counts as float64 (integers). */
  readonly trainCounts: Float64Array;
}

/** Elements per block of {@link assertFinite}'s scan. */
const finiteBlock = 1 << 20;

/**
 * Throws {@link ErrorCode.NonFinite} naming `what` and the first offending flat index. The blocks are checked by the
 * logit-row kernel (logitRowKernel.ts: a NaN or ±Inf has every exponent bit set); only a block that holds one is
 * scanned again element by element for the first. Shapes: values [any] flat.
 * Citation: IEEE 754-2019 §3.4 (NaN and ±Inf have the largest biased exponent).
 */
export function assertFinite(values: FloatArray, what: string, kernels: 'auto' | 'js' = 'auto'): void {
  const start = firstNonFiniteBlock(values, finiteBlock, kernels);
  if (start < 0) return;
  const end = Math.min(values.length, start + finiteBlock);
  for (let j = start; j < end; j++) {
    const v = values[j];
    if (!Number.isFinite(v)) {
      throw new LongtailError(ErrorCode.NonFinite, `${what} contains ${String(v)} at flat index ${j}`);
    }
  }
}

/**
 * Checks shapes and values of the diagnostics input and returns the derived sizes.
 *
 * Checks: C ≥ 1 integer; logits.length = N·C with N = labels.length ≥ 1 (else EMPTY_DATASET);
 * labels integers in [0, C) (INVALID_LABELS); trainCounts.length = C, finite non-negative integers with
 * 0 < Σ ≤ 2^53 − 1 (INVALID_OPTION); embeddings.length = N·D and head weight = C·D with the same D, bias length C
 * (SHAPE_MISMATCH); no NaN/±Inf in logits, embeddings or head (NON_FINITE).
 * Shapes: logits [N, C], labels [N], trainCounts [C], embeddings [N, D], head.weight [C, D], head.bias [C].
 */
export function validateInput(input: DiagnosticsInput): CheckedInput {
  const c = input.numClasses;
  if (!Number.isInteger(c) || c < 1) {
    throw new LongtailError(ErrorCode.ShapeMismatch, `numClasses must be a positive integer, got ${String(c)}`);
  }
  const n = input.labels.length;
  if (n === 0) {
    throw new LongtailError(ErrorCode.EmptyDataset, 'the eval set has no examples');
  }
  if (input.logits.length !== n * c) {
    throw new LongtailError(
      ErrorCode.ShapeMismatch,
      `logits have ${input.logits.length} values, expected N·C = ${n}·${c} = ${n * c} (${n} labels, ${c} classes)`,
    );
  }
  if (input.trainCounts.length !== c) {
    throw new LongtailError(ErrorCode.ShapeMismatch, `trainCounts has ${input.trainCounts.length} entries, expected C = ${c}`);
  }
  if (input.classNames !== undefined && input.classNames.length !== c) {
    throw new LongtailError(ErrorCode.ShapeMismatch, `classNames has ${input.classNames.length} entries, expected C = ${c}`);
  }
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const l = input.labels[i];
    if (!Number.isInteger(l) || l < 0 || l >= c) {
      throw new LongtailError(ErrorCode.InvalidLabels, `label ${String(l)} at example ${i} is not an integer in [0, ${c})`);
    }
    labels[i] = l;
  }
  const trainCounts = new Float64Array(c);
  let total = 0;
  for (let y = 0; y < c; y++) {
    const v = input.trainCounts[y];
    if (!Number.isInteger(v) || v < 0) {
      throw new LongtailError(ErrorCode.InvalidOption, `train count of class ${y} is ${String(v)}, expected a non-negative integer`);
    }
    trainCounts[y] = v;
    total += v;
  }
  if (total <= 0) {
    throw new LongtailError(ErrorCode.InvalidOption, 'all train counts are 0: class priors are undefined');
  }
  if (total > Number.MAX_SAFE_INTEGER) {
    // Beyond 2^53 counts are no longer exact integers (and log π would leave the range docs/methods.md §15 relies on).
    throw new LongtailError(ErrorCode.InvalidOption, `train counts sum to ${total}, more than 2^53 − 1 = ${Number.MAX_SAFE_INTEGER} examples`);
  }
  let d: number | null = null;
  const emb = input.embeddings ?? null;
  if (emb !== null) {
    if (emb.length === 0 || emb.length % n !== 0) {
      throw new LongtailError(ErrorCode.ShapeMismatch, `embeddings have ${emb.length} values, not a multiple of N = ${n}`);
    }
    d = emb.length / n;
  }
  const head = input.head ?? null;
  if (head !== null) {
    if (head.weight.length === 0 || head.weight.length % c !== 0) {
      throw new LongtailError(ErrorCode.ShapeMismatch, `classifier weight has ${head.weight.length} values, not a multiple of C = ${c} (expected [C, D])`);
    }
    const dh = head.weight.length / c;
    if (d !== null && dh !== d) {
      throw new LongtailError(ErrorCode.ShapeMismatch, `embeddings have D = ${d} but the classifier weight is [${c}, ${dh}]`);
    }
    d = dh;
    const bias = head.bias ?? null;
    if (bias !== null && bias.length !== c) {
      throw new LongtailError(ErrorCode.ShapeMismatch, `classifier bias has ${bias.length} values, expected C = ${c}`);
    }
  }
  assertFinite(input.logits, 'logits');
  if (emb !== null) {
    assertFinite(emb, 'embeddings');
  }
  if (head !== null) {
    assertFinite(head.weight, 'classifier weight');
    if (head.bias) {
      assertFinite(head.bias, 'classifier bias');
    }
  }
  return { n, c, d, labels, trainCounts };
}
