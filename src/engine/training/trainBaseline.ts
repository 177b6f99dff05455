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
import { yieldAndCheck } from '../cancellation';
import type { DatasetSource } from '../data/datasetSource';
import { writeDirAtomic } from '../output/atomicOutput';
import { saveLayersModel } from '../output/saveLayersModel';
import { longtailVersion } from '../version';
import { fitClassifier, type EpochRecord, type InMemoryExamples } from './fitClassifier';
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

/** Reads a whole dataset into memory. */
export async function readAllExamples(source: DatasetSource, maxBytes: number, signal?: CancellationSignal): Promise<InMemoryExamples> {
  const per = source.exampleShape.reduce((a, b) => a * b, 1);
  const bytes = source.size * per * 4;
  if (bytes > maxBytes) {
    throw new LongtailError(
      ErrorCode.InvalidOption,
      `${source.path}: ${source.size} examples need ${(bytes / 2 ** 30).toFixed(1)} GiB in memory, above the ${(maxBytes / 2 ** 30).toFixed(1)} GiB limit for baseline training`,
      { file: source.path },
    );
  }
  const x = new Float32Array(source.size * per);
  const labels = new Int32Array(source.size);
  const step = 4096;
  for (let start = 0; start < source.size; start += step) {
    await yieldAndCheck(signal);
    const batch = await source.readBatch(start, Math.min(step, source.size - start));
    x.set(batch.x, start * per);
    labels.set(batch.labels, start);
  }
  return { x, exampleShape: source.exampleShape, labels };
}

/** Trains and saves; returns the model.json path and the per-epoch history. */
export async function trainBaseline(source: DatasetSource, numClasses: number, options: TrainBaselineOptions): Promise<{ modelPath: string; history: EpochRecord[] }> {
  const shape = source.exampleShape;
  if (shape.length !== 3) {
    throw new LongtailError(ErrorCode.ShapeMismatch, `${source.path}: baseline training needs images [H, W, C], got examples of shape [${shape.join(', ')}]`, {
      file: source.path,
    });
  }
  const data = await readAllExamples(source, options.maxInMemoryBytes ?? 2 ** 31, options.signal);
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
