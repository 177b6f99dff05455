/** Shared helpers of the analysis unit tests: tolerance checks, seeded data and a report provenance stub. */
import { strict as assert } from 'node:assert';
import { mulberry32 } from '../../../src/engine/data/seededRandom';
import type { ReportProvenance } from '../../../src/protocol/report';

/** Asserts |actual − expected| ≤ tol (absolute), with a readable message. */
export function assertClose(actual: number | null | undefined, expected: number, tol = 1e-9, what = 'value'): void {
  assert.ok(typeof actual === 'number', `${what}: expected a number close to ${expected}, got ${String(actual)}`);
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} differs from ${expected} by more than ${tol}`);
}

/** Asserts element-wise closeness of two numeric vectors (null must match null). */
export function assertAllClose(actual: ArrayLike<number | null>, expected: ArrayLike<number | null>, tol = 1e-9, what = 'vector'): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    const e = expected[i];
    if (e === null) {
      assert.equal(actual[i], null, `${what}[${i}] should be null`);
    } else {
      assertClose(actual[i], e, tol, `${what}[${i}]`);
    }
  }
}

/** A minimal provenance block. */
export const provenance: ReportProvenance = {
  model: { path: 'model.onnx', format: 'onnx', embeddingDim: null },
  data: { eval: { path: 'eval/', format: 'image-folder', examples: 0 }, train: null, classCountsSource: 'test' },
  preprocessing: { scale: '1/255' },
  engine: { version: '0.0.0-test', backend: 'cpu' },
};

/** A random long-tailed problem with a linear head: embeddings, weights, bias and logits = φWᵀ + b. */
export interface RandomProblem {
  readonly n: number;
  readonly c: number;
  readonly d: number;
  readonly labels: Int32Array;
  readonly trainCounts: number[];
  readonly embeddings: Float64Array;
  readonly weight: Float64Array;
  readonly bias: Float64Array;
  readonly logits: Float64Array;
}

/** Standard normal from a uniform generator (Box–Muller). */
function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-300);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/**
 * Seeded random problem: exponential train counts (head 400 → tail 3, some classes absent from eval
 * when `absent`), class means on the first coordinates with decaying scale so PCA has a clear spectrum,
 * weight norms growing with the count (SGD-like).
 */
export function randomProblem(seed: number, n: number, c: number, d: number, absent = 0): RandomProblem {
  const rand = mulberry32(seed);
  const trainCounts = Array.from({ length: c }, (_, y) => Math.max(1, Math.floor(400 * Math.pow(3 / 400, y / Math.max(1, c - 1)))));
  const means = new Float64Array(c * d);
  for (let j = 0; j < c * d; j++) {
    means[j] = gaussian(rand) * (j % d < 4 ? 3 : 0.5);
  }
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = Math.floor(rand() * (c - absent));
  }
  const embeddings = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      embeddings[i * d + j] = means[labels[i] * d + j] + gaussian(rand) * (j < 3 ? 2 / (j + 1) : 0.7);
    }
  }
  const weight = new Float64Array(c * d);
  for (let y = 0; y < c; y++) {
    const s = 0.3 + 0.15 * Math.log(trainCounts[y]);
    for (let j = 0; j < d; j++) {
      weight[y * d + j] = means[y * d + j] * s * 0.3 + gaussian(rand) * 0.2;
    }
  }
  const bias = new Float64Array(c);
  for (let y = 0; y < c; y++) {
    bias[y] = 0.2 * Math.log(trainCounts[y]) + gaussian(rand) * 0.1;
  }
  const logits = new Float64Array(n * c);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < c; y++) {
      let s = bias[y];
      for (let j = 0; j < d; j++) {
        s += weight[y * d + j] * embeddings[i * d + j];
      }
      logits[i * c + y] = s;
    }
  }
  return { n, c, d, labels, trainCounts, embeddings, weight, bias, logits };
}
