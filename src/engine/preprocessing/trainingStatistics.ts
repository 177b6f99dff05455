/**
 * The training set's per-channel pixel statistics, streamed batch by batch (one batch in memory):
 * mean_c = (1/M) Σ x_c and std_c = sqrt((1/M) Σ (x_c − mean_c)²) over all M = N·H·W pixel values of channel c,
 * x = pixel / 255 (population std, as `data.float().div(255).std()` per channel up to the 1/M vs 1/(M−1) factor,
 * which is below 1e-6 relative at M ≥ 10⁶). Accumulated per batch as (count, mean, M2) and merged with Chan et al.'s
 * parallel update (Chan, Golub & LeVeque, "Algorithms for computing the sample variance", 1983) in float64.
 * Shapes: dataset examples [H, W, C] (HWC, channels last) → mean [C], std [C].
 */
import type { CancellationSignal } from '../../protocol/progress';
import { yieldAndCheck } from '../cancellation';
import type { DatasetSource } from '../data/datasetSource';

/** Per-channel statistics. */
export interface ChannelStatistics {
  readonly mean: number[];
  readonly std: number[];
  /** Pixel values per channel (N·H·W). */
  readonly count: number;
}

/**
 * Streams `dataset` (opened with scale `unit` and no mean/std) and returns its per-channel mean and std.
 * `maxExamples` caps the examples read (the first ones; default all).
 */
export async function trainingStatistics(dataset: DatasetSource, options: { batchSize?: number; maxExamples?: number; signal?: CancellationSignal } = {}): Promise<ChannelStatistics> {
  const shape = dataset.exampleShape;
  const channels = shape.length === 3 ? shape[2] : 1;
  const n = Math.min(dataset.size, options.maxExamples ?? dataset.size);
  const batchSize = options.batchSize ?? 256;
  const count = new Float64Array(channels);
  const mean = new Float64Array(channels);
  const m2 = new Float64Array(channels);
  for (let start = 0; start < n; start += batchSize) {
    await yieldAndCheck(options.signal);
    const batch = await dataset.readBatch(start, Math.min(batchSize, n - start));
    const x = batch.x;
    const per = x.length / channels;
    for (let c = 0; c < channels; c++) {
      let s = 0;
      for (let i = c; i < x.length; i += channels) s += x[i];
      const bm = s / per;
      let q = 0;
      for (let i = c; i < x.length; i += channels) q += (x[i] - bm) * (x[i] - bm);
      const total = count[c] + per;
      const delta = bm - mean[c];
      mean[c] += (delta * per) / total;
      m2[c] += q + (delta * delta * count[c] * per) / total;
      count[c] = total;
    }
  }
  return { mean: Array.from(mean), std: Array.from(m2, (v, c) => Math.sqrt(v / count[c])), count: count[0] };
}
