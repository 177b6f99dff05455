/**
 * Trains a baseline (ERM, softmax cross-entropy) small CNN on an image dataset and saves it as a
 * LayersModel folder with `training.json`. The demo uses it to make a long-tail-biased checkpoint to
 * analyse. The training set is read into memory (the demo's Fashion-MNIST-LT: ~15k × 784 floats ≈
 * 47 MB); sets above `maxInMemoryBytes` are refused with a clear error.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ErrorCode, LongtailError } from '../../protocol/errors';
import type { CancellationSignal, ProgressSink } from '../../protocol/progress';
import type { DatasetSource } from '../data/datasetSource';
import { readAllExamples } from '../data/readAllExamples';
import { writeDirAtomic } from '../output/atomicOutput';
import { saveLayersModel } from '../output/saveLayersModel';
import { longtailVersion } from '../version';
import { fitClassifier, type EpochRecord } from './fitClassifier';
import { buildSmallCnn } from './smallCnn';

/** Options of {@link trainBaseline}. */
export interface TrainBaselineOptions {
  readonly out: string;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly seed: number;
  readonly backend: string;
  readonly maxInMemoryBytes?: number;
  readonly signal?: CancellationSignal;
  readonly progressToken?: string;
  readonly onProgress?: ProgressSink;
}

/** Trains and saves; returns the model.json path and the per-epoch history. */
export async function trainBaseline(source: DatasetSource, numClasses: number, options: TrainBaselineOptions): Promise<{ modelPath: string; history: EpochRecord[] }> {
  const shape = source.exampleShape;
  if (shape.length !== 3) {
    throw new LongtailError(ErrorCode.ShapeMismatch, `${source.path}: baseline training needs images [H, W, C], got examples of shape [${shape.join(', ')}]`, {
      file: source.path,
    });
  }
  const data = await readAllExamples(source, { maxBytes: options.maxInMemoryBytes, signal: options.signal });
  const model = buildSmallCnn({ inputShape: [shape[0], shape[1], shape[2]], numClasses, seed: options.seed });
  try {
    const started = Date.now();
    const history = await fitClassifier(model, data, {
      numClasses,
      epochs: options.epochs,
      batchSize: options.batchSize,
      learningRate: options.learningRate,
      optimizer: 'adam',
      seed: options.seed,
      signal: options.signal,
      progressToken: options.progressToken,
      onProgress: options.onProgress,
    });
    await writeDirAtomic(options.out, async (dir) => {
      await saveLayersModel(model, dir);
      const training = {
        generatedBy: `Long-Tail Lens ${longtailVersion}`,
        architecture: 'small-cnn',
        loss: 'ce',
        optimizer: 'adam',
        learningRate: options.learningRate,
        batchSize: options.batchSize,
        epochs: options.epochs,
        seed: options.seed,
        backend: options.backend,
        data: { path: source.path, format: source.format, examples: source.size, preprocessing: source.preprocessing },
        seconds: (Date.now() - started) / 1000,
        history,
      };
      await fs.writeFile(path.join(dir, 'training.json'), JSON.stringify(training, null, 2));
    });
    return { modelPath: path.join(options.out, 'model.json'), history };
  } finally {
    model.dispose();
  }
}
