/**
 * Measures the backend's matrix-product throughput: repeated `C = A·B` with `A, B ∈ ℝ^{n×n}`,
 * each product costing 2n³ floating-point operations. GFLOP/s = 2·n³·iterations / seconds / 1e9.
 * Used by `longtail info --bench` to tell users what their backend delivers.
 */
import type { ThroughputResult, BackendName } from '../../protocol/engineInfo';
import type { CancellationSignal, ProgressSink } from '../../protocol/progress';
import { makeSnapshot } from '../../protocol/progress';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import { yieldAndCheck } from '../cancellation';
import type { Tf } from './tf';

/** Options of {@link measureThroughput}. */
export interface MeasureThroughputOptions {
  readonly seconds: number;
  readonly size: number;
  readonly signal?: CancellationSignal;
  readonly progressToken?: string;
  readonly onProgress?: ProgressSink;
}

/** Runs products for `seconds` (at least one), yielding to the event loop between them. */
export async function measureThroughput(tf: Tf, backend: BackendName, options: MeasureThroughputOptions): Promise<ThroughputResult> {
  const { seconds, size } = options;
  if (!(seconds > 0 && seconds <= 3600)) {
    throw new LongtailError(ErrorCode.InvalidOption, `seconds must be in (0, 3600], got ${seconds}`);
  }
  if (!(Number.isInteger(size) && size >= 8 && size <= 8192)) {
    throw new LongtailError(ErrorCode.InvalidOption, `size must be an integer in [8, 8192], got ${size}`);
  }
  const a = tf.randomUniform([size, size], -1, 1, 'float32', 1);
  const b = tf.randomUniform([size, size], -1, 1, 'float32', 2);
  const budgetMs = seconds * 1000;
  const started = performance.now();
  let iterations = 0;
  let computeMs = 0;
  try {
    // One warm-up product (kernel set-up, first allocation) is not timed.
    tf.tidy(() => tf.matMul(a, b)).dispose();
    while (iterations === 0 || performance.now() - started < budgetMs) {
      await yieldAndCheck(options.signal);
      const t0 = performance.now();
      const c = tf.matMul(a, b);
      await c.data();
      c.dispose();
      computeMs += performance.now() - t0;
      iterations++;
      if (options.onProgress && options.progressToken) {
        const now = performance.now();
        options.onProgress(
          makeSnapshot(options.progressToken, 'matrix products', Math.min(now - started, budgetMs), budgetMs, started, now, `${iterations} products`),
        );
      }
    }
  } finally {
    a.dispose();
    b.dispose();
  }
  const secs = computeMs / 1000;
  return { backend, size, iterations, seconds: secs, gflops: (2 * size ** 3 * iterations) / secs / 1e9 };
}
