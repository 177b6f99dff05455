/**
 * The default demo (`npm run demo` → `longtail demo`): Fashion-MNIST-LT (ratio 100) from Debian's
 * dataset-fashion-mnist, a small ERM CNN trained by the engine (kept under .longtail/demo and reused
 * on later runs), then the full analysis: report.json and its summary. Falls back to generated
 * images, saying so, when the Debian data is absent.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { AnalyseResult } from '../../protocol/analysisParams';
import type { CancellationSignal, ProgressSink } from '../../protocol/progress';
import type { Report } from '../../protocol/report';
import { makeLongTailSubset } from '../data/makeLongTailSubset';
import { openDataset } from '../data/openDataset';
import { analyseCheckpoint } from '../pipeline/analyseCheckpoint';
import { trainBaseline } from '../training/trainBaseline';
import { writeSyntheticImageDataset } from './syntheticImages';

/** Where Debian's dataset-fashion-mnist package installs the IDX files. */
export const debianFashionMnistDir = '/usr/share/datasets/fashion-mnist';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Workspace folder: `.longtail/demo` (data index, model) and `.longtail/runs` go here. */
  readonly workspace: string;
  /** Dataset folder; default Debian's Fashion-MNIST, else generated data. */
  readonly dataDir?: string;
  readonly ratio: number;
  readonly seed: number;
  readonly epochs: number;
  readonly backend: string;
  readonly signal?: CancellationSignal;
  readonly onProgress?: ProgressSink;
  /** One line of narration per step. */
  readonly log: (line: string) => void;
}

/** What the demo produced. */
export interface DemoOutcome {
  readonly dataDir: string;
  readonly synthetic: boolean;
  readonly subsetPath: string;
  readonly modelPath: string;
  readonly trained: boolean;
  readonly report: Report;
  readonly result: AnalyseResult;
}

/** Runs the demo end to end. */
export async function runDemo(options: DemoOptions): Promise<DemoOutcome> {
  const demoDir = path.join(options.workspace, '.longtail', 'demo');
  let dataDir = options.dataDir ?? debianFashionMnistDir;
  let synthetic = false;
  if (!existsSync(path.join(dataDir, 'train-images-idx3-ubyte.gz')) && !existsSync(path.join(dataDir, 'train-images-idx3-ubyte'))) {
    if (options.dataDir) {
      options.log(`note: ${dataDir} holds no Fashion-MNIST IDX files`);
    }
    dataDir = path.join(demoDir, 'synthetic-fashion');
    synthetic = true;
    if (!existsSync(path.join(dataDir, 't10k-labels-idx1-ubyte.gz'))) {
      options.log(`note: Fashion-MNIST not found at ${debianFashionMnistDir} (apt-get install dataset-fashion-mnist); generating stand-in images in ${dataDir}`);
      await writeSyntheticImageDataset(dataDir, { perClassTrain: 2000, perClassTest: 300, seed: options.seed });
    } else {
      options.log(`note: using generated stand-in images in ${dataDir} (Fashion-MNIST not installed)`);
    }
  } else {
    options.log(`data: ${dataDir}`);
  }

  const tag = `${synthetic ? 'synthetic' : 'fashion-mnist'}-lt${options.ratio}-seed${options.seed}`;
  const subsetPath = path.join(demoDir, `${tag}.json`);
  if (!existsSync(subsetPath)) {
    const made = await makeLongTailSubset(dataDir, subsetPath, { ratio: options.ratio, profile: 'exp', seed: options.seed, split: 'train', signal: options.signal });
    options.log(`long-tailed subset: ${made.index.indices.length} of ${made.of} training images, counts [${made.index.counts.join(', ')}] → ${subsetPath}`);
  } else {
    options.log(`long-tailed subset: ${subsetPath} (reused)`);
  }

  const modelDir = path.join(demoDir, `${tag}-erm-small-cnn-e${options.epochs}`);
  const modelPath = path.join(modelDir, 'model.json');
  let trained = false;
  if (!existsSync(modelPath)) {
    const train = await openDataset(subsetPath, { split: 'train' });
    try {
      options.log(`training a small CNN with cross-entropy (ERM) on ${train.size} images for ${options.epochs} epochs on ${options.backend}…`);
      const numClasses = train.numClasses ?? 10;
      const { history } = await trainBaseline(train, numClasses, {
        out: modelDir,
        epochs: options.epochs,
        batchSize: 128,
        learningRate: 2e-3,
        seed: options.seed,
        backend: options.backend,
        signal: options.signal,
        progressToken: 'demo-train',
        onProgress: options.onProgress,
      });
      options.log(`trained: loss per epoch ${history.map((h) => h.loss.toFixed(3)).join(' → ')} (${history.reduce((a, h) => a + h.seconds, 0).toFixed(1)} s) → ${modelPath}`);
      trained = true;
    } finally {
      await train.close();
    }
  } else {
    options.log(`model: ${modelPath} (reused; delete the folder to retrain)`);
  }

  options.log('analysing the model on the balanced test split…');
  const { report, result } = await analyseCheckpoint(
    { model: modelPath, eval: dataDir, train: subsetPath, workspace: options.workspace, progressToken: 'demo-analyse' },
    { backend: options.backend, signal: options.signal, onProgress: options.onProgress },
  );
  return { dataDir, synthetic, subsetPath, modelPath, trained, report, result };
}
