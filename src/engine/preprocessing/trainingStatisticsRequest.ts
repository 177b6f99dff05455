/**
 * `preprocessing/trainingStatistics`: opens the training set (image data, resize/channels from the given
 * preprocessing, scale unit, no mean/std) and returns its per-channel mean and std (trainingStatistics.ts) over a
 * uniform seeded sample of at most `maxExamples` (default 10,000) examples. Feature data is INVALID_OPTION (nothing to
 * normalise).
 */
import * as path from 'node:path';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { TrainingStatisticsParams, TrainingStatisticsResult } from '../../protocol/preprocessing';
import type { CancellationSignal } from '../../protocol/progress';
import { openDataset } from '../data/openDataset';
import { sampleIndices } from '../data/seededRandom';
import { openSubsetDataset } from '../data/subsetDataset';
import { withPreset } from '../../protocol/preprocessingPresets';
import { defaultMaxTrainingExamples } from './preprocessingProbe';
import { trainingStatistics } from './trainingStatistics';

/** Runs the request. */
export async function trainingStatisticsRequest(params: TrainingStatisticsParams, signal?: CancellationSignal): Promise<TrainingStatisticsResult> {
  const trainPath = path.resolve(params.train);
  const train = await openDataset(trainPath, {
    split: 'train',
    preprocessing: withPreset(params.preprocessing ?? {}, { mean: null, std: null }),
    root: params.root ? path.resolve(params.root) : undefined,
    signal,
  });
  try {
    if (train.isFeatures || train.exampleShape.length !== 3) {
      throw new LongtailError(ErrorCode.InvalidOption, `${trainPath}: holds features, not images; there are no pixel statistics to compute`, { file: trainPath });
    }
    const max = params.maxExamples ?? defaultMaxTrainingExamples;
    const sample = train.size > max ? await openSubsetDataset(train.path, train, Array.from(sampleIndices(train.size, max, params.seed ?? 0))) : train;
    const stats = await trainingStatistics(sample, { signal });
    return { mean: stats.mean, std: stats.std, examples: sample.size };
  } finally {
    await train.close();
  }
}
