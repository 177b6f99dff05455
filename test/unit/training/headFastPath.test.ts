import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { assignBuckets } from '../../../src/engine/analysis/buckets';
import { createProductService, type SyncProductService } from '../../../src/engine/compute/productService';
import { tf } from '../../../src/engine/compute/tf';
import { mulberry32 } from '../../../src/engine/data/seededRandom';
import { createLoss, lossNames } from '../../../src/engine/losses/lossRegistry';
import type { ExampleSet } from '../../../src/engine/training/exampleSet';
import type { FineTuneCheckpoint } from '../../../src/engine/training/fineTuneCheckpoint';
import { resolveFineTuneSettings } from '../../../src/engine/training/fineTuneSettings';
import { headFastPathChoice, trainHeadFast } from '../../../src/engine/training/headFastPath';
import { trainableClassifier } from '../../../src/engine/training/trainableClassifier';
import { trainClassifier } from '../../../src/engine/training/trainClassifier';
import type { FineTuneEpoch, FineTuneParams } from '../../../src/protocol/fineTuneParams';

const perClass = [60, 30, 14, 6, 3, 2];
const c = perClass.length;
const d = 12;

/** Long-tailed, overlapping Gaussian-ish blobs: features [N, D] and labels. */
function blobs(counts: readonly number[], seed: number): ExampleSet {
  const r = mulberry32(seed);
  const x: number[] = [];
  const y: number[] = [];
  counts.forEach((n, k) => {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) x.push((j % c === k ? 1.2 : 0) + (r() + r() + r() - 1.5));
      y.push(k);
    }
  });
  return { x: Float32Array.from(x), shape: [d], labels: Int32Array.from(y) };
}

const train = blobs(perClass, 1);
const evalSet = blobs([8, 8, 8, 8, 8, 8], 2);
const start = (() => {
  const r = mulberry32(3);
  return {
    kernel: Float32Array.from({ length: d * c }, () => (r() - 0.5) * 0.2),
    bias: Float32Array.from({ length: c }, () => (r() - 0.5) * 0.1),
    dim: d,
    numClasses: c,
  };
})();
const checkpoint = { kind: 'head' } as unknown as FineTuneCheckpoint;
const buckets = assignBuckets(perClass, 20, 5);
const lossOptions: Record<string, Record<string, number>> = { eql: { lambda: 0.1, gamma: 0.7 }, elm: { lambda: 1, logitMargin: 0.5 }, cb: { beta: 0.99 } };

interface Outcome {
  readonly kernel: Float32Array;
  readonly bias: Float32Array | null;
  readonly history: FineTuneEpoch[];
}

async function run(lossName: string, params: Partial<FineTuneParams>, service: SyncProductService | null): Promise<Outcome> {
  const settings = resolveFineTuneSettings({ model: 'm', train: 't', loss: lossName, epochs: 3, batchSize: 16, ...params } as FineTuneParams);
  const loss = createLoss(lossName, lossOptions[lossName] ?? {}, perClass);
  const classifier = trainableClassifier(checkpoint, start, 'head', loss.logitKind === 'cosine');
  try {
    const data = { train, evalSet, numClasses: c };
    const ctx = { progress: () => undefined };
    const choice = headFastPathChoice(settings, 'wasm', loss, perClass, service === null);
    const trained = service && choice.plan ? await trainHeadFast(classifier, data, choice.plan, buckets, settings, ctx, service) : await trainClassifier(classifier, data, loss, buckets, settings, ctx);
    const final = await classifier.finalWeights(train, loss.options.scale ?? 1);
    return { kernel: final.kernel, bias: final.bias, history: trained.history };
  } finally {
    classifier.dispose();
  }
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/**
 * Tolerance on the weights after 3 epochs × 15 steps: both paths are float32 with different summation orders
 * (MLAS vs the TF.js cpu kernels; float64 softmax sums here). Measured worst: 5.3e-6 for ldam-drw (its saved
 * weights are K̂·s/mean‖φ‖, of size ~10), ≤ 4e-7 for the linear losses.
 */
const weightTolerance = 2e-5;

describe('head fast path (training/headFastPath.ts) against the TF.js autograd reference', () => {
  let service: SyncProductService;
  before(async () => {
    await tf.setBackend('cpu');
    service = await createProductService({ threads: 1 });
  });
  after(async () => {
    await service.dispose();
  });

  it('serves the head scope on CPU backends only', () => {
    const settings = resolveFineTuneSettings({ model: 'm', train: 't', loss: 'la' } as FineTuneParams);
    const loss = createLoss('la', {}, perClass);
    assert.ok(headFastPathChoice(settings, 'wasm', loss, perClass).plan);
    assert.ok(headFastPathChoice(settings, 'cpu', loss, perClass).plan);
    assert.match(headFastPathChoice(settings, 'webgpu', loss, perClass).reason ?? '', /webgpu backend keeps head training on its GPU/);
    assert.match(headFastPathChoice(settings, 'gpu', loss, perClass).reason ?? '', /gpu backend/);
    const block = resolveFineTuneSettings({ model: 'm', train: 't', loss: 'la', scope: 'last-block' } as FineTuneParams);
    assert.match(headFastPathChoice(block, 'wasm', loss, perClass).reason ?? '', /scope last-block/);
  });

  const configs: { label: string; params: Partial<FineTuneParams> }[] = [
    { label: 'sgd, momentum 0.9, weight decay 1e-3', params: { optimizer: 'sgd', learningRate: 0.05, weightDecay: 1e-3 } },
    { label: 'adam, weight decay 1e-3, cosine schedule', params: { optimizer: 'adam', learningRate: 0.01, weightDecay: 1e-3, lrSchedule: 'cosine' } },
  ];
  for (const name of lossNames) {
    for (const { label, params } of configs) {
      it(`${name}, ${label}: same weights within ${weightTolerance}, same per-epoch losses and balanced errors`, async () => {
        const ref = await run(name, params, null);
        const fast = await run(name, params, service);
        const moved = maxDiff(ref.kernel, start.kernel);
        assert.ok(moved > 1e-2, `the run trained (moved ${moved})`);
        const dk = maxDiff(fast.kernel, ref.kernel);
        assert.ok(dk <= weightTolerance, `kernel differs by ${dk}`);
        assert.equal(fast.bias === null, ref.bias === null);
        if (fast.bias && ref.bias) assert.ok(maxDiff(fast.bias, ref.bias) <= weightTolerance, `bias differs by ${maxDiff(fast.bias, ref.bias)}`);
        assert.equal(fast.history.length, 3);
        fast.history.forEach((e, i) => {
          const r = ref.history[i];
          assert.ok(Math.abs(e.loss - r.loss) <= 1e-4 * Math.max(1, r.loss), `epoch ${i + 1} loss ${e.loss} vs ${r.loss}`);
          assert.equal(e.balancedError, r.balancedError, `epoch ${i + 1} balanced error`);
          assert.equal(e.learningRate, r.learningRate);
        });
      });
    }
  }

  it('class-balanced sampler and a partial last batch: same weights (la, sgd)', async () => {
    const params: Partial<FineTuneParams> = { optimizer: 'sgd', learningRate: 0.05, sampler: 'class-balanced', batchSize: 25 };
    const ref = await run('la', params, null);
    const fast = await run('la', params, service);
    assert.ok(maxDiff(fast.kernel, ref.kernel) <= weightTolerance, `${maxDiff(fast.kernel, ref.kernel)}`);
    assert.ok(maxDiff(fast.kernel, (await run('la', { ...params, sampler: 'instance' }, service)).kernel) > 1e-3, 'the sampler matters');
  });
});
