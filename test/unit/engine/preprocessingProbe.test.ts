// Preprocessing probe (issue #15 item 4): a CNN trained by PyTorch on (x/255 − mean)/std and exported to ONNX without
// that normalisation (test/fixtures/torch/makeUnnormalisedCnn.py), probed on the e2e workspace's grey IDX test set
// with no preprocessing configured: the probe measures each preset's accuracy (equal to torch's own on the same
// 300 images), points to the training set's statistics, and computes them as numpy does.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tf } from '../../../src/engine/compute/tf';
import { openDataset } from '../../../src/engine/data/openDataset';
import type { ClassifierModel } from '../../../src/engine/model/classifierModel';
import { loadClassifierModel } from '../../../src/engine/model/loadClassifierModel';
import { presetMeanStd, withPreset } from '../../../src/protocol/preprocessingPresets';
import { probePreprocessing, probeSuggestion } from '../../../src/engine/preprocessing/preprocessingProbe';
import { trainingStatistics } from '../../../src/engine/preprocessing/trainingStatistics';
import { trainingStatisticsRequest } from '../../../src/engine/preprocessing/trainingStatisticsRequest';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';
import type { PreprocessingOptions, PreprocessingProbeEntry } from '../../../src/protocol/preprocessing';

const torchDir = join(__dirname, '..', '..', 'fixtures', 'torch');
const data = join(__dirname, '..', '..', 'fixtures', 'e2e-workspace', 'data');
const expected = JSON.parse(readFileSync(join(torchDir, 'unnormalisedCnn.json'), 'utf8')) as { mean: number; std: number; testSize: number; accuracy: Record<string, number> };
const openEval = (p: PreprocessingOptions) => openDataset(data, { split: 'test', preprocessing: p });
const openTrain = (p: PreprocessingOptions) => openDataset(data, { split: 'train', preprocessing: p });

describe('preprocessing probe', () => {
  let model: ClassifierModel;
  before(async () => {
    await tf.setBackend('cpu');
    model = await loadClassifierModel(join(torchDir, 'unnormalisedCnn.onnx'));
  });
  after(async () => model.dispose());

  it("computes the training set's per-channel mean and std as numpy does (streamed in batches)", async () => {
    const ds = await openTrain({});
    try {
      const stats = await trainingStatistics(ds, { batchSize: 77 });
      assert.equal(stats.count, 1000 * 28 * 28);
      assert.ok(Math.abs(stats.mean[0] - expected.mean) < 1e-7, `${stats.mean[0]} vs ${expected.mean}`);
      assert.ok(Math.abs(stats.std[0] - expected.std) < 1e-7, `${stats.std[0]} vs ${expected.std}`);
    } finally {
      await ds.close();
    }
  });

  it('with no preprocessing configured, points to the training-set statistics with torch-equal accuracies', async () => {
    const result = await probePreprocessing({ model, openEval, openTrain, configured: {}, sampleSize: 512, seed: 0 });
    assert.ok(result);
    assert.equal(result.sampleSize, expected.testSize, 'the whole 300-image test set fits the sample');
    const acc = Object.fromEntries(result.entries.map((e) => [e.preset, e.accuracy]));
    assert.deepEqual(Object.keys(acc), ['configured', 'unit', 'imagenet', 'cifar10', 'training-stats']);
    for (const preset of ['unit', 'imagenet', 'cifar10', 'training-stats']) {
      // onnxruntime vs torch float32 may flip an argmax on a near tie: at most one of 300 examples.
      assert.ok(Math.abs(acc[preset] - expected.accuracy[preset]) <= 1 / 300 + 1e-12, `${preset}: ${acc[preset]} vs torch ${expected.accuracy[preset]}`);
    }
    assert.equal(acc.configured, acc.unit, 'nothing configured is pixels in [0, 1]');
    assert.equal(result.suggestion, 'training-stats');
    const ts = result.entries.find((e) => e.preset === 'training-stats');
    assert.ok(ts && ts.mean && ts.std && Math.abs(ts.mean[0] - expected.mean) < 1e-7 && Math.abs(ts.std[0] - expected.std) < 1e-7);
    assert.ok(result.hint && !result.hint.includes('\n'));
    assert.match(result.hint, /^preprocessing: the training set's own mean\/std gives 100\.0% accuracy on a 300-example sample vs 19\.\d% with the configured preprocessing; the model probably expects it \(--mean 0\.3807 --std 0\.3469\)$/);
  });

  it('says nothing once the training statistics are configured', async () => {
    const configured = withPreset({}, { mean: [expected.mean], std: [expected.std] });
    const result = await probePreprocessing({ model, openEval, openTrain, configured, sampleSize: 100, seed: 3 });
    assert.ok(result);
    assert.equal(result.sampleSize, 100);
    assert.equal(result.suggestion, null);
    assert.equal(result.hint, null);
  });

  it('preprocessing/trainingStatistics: the same statistics over all 1,000 training images; one image gives the channel count; features are refused', async () => {
    const all = await trainingStatisticsRequest({ train: data });
    assert.equal(all.examples, 1000);
    assert.ok(Math.abs(all.mean[0] - expected.mean) < 1e-7 && Math.abs(all.std[0] - expected.std) < 1e-7);
    const sampled = await trainingStatisticsRequest({ train: data, maxExamples: 200, seed: 1 });
    assert.equal(sampled.examples, 200);
    assert.ok(Math.abs(sampled.mean[0] - expected.mean) < 0.02, `a 200-image sample: ${sampled.mean[0]}`);
    assert.equal((await trainingStatisticsRequest({ train: data, maxExamples: 1 })).mean.length, 1);
    const { tempDir, writeFile, npzBytes, npyBytes } = await import('../../fixtures/writers');
    const { dir, cleanup } = tempDir();
    try {
      const f = writeFile(dir, 'train.npz', npzBytes({ features: npyBytes('f4', [2, 3], [1, 2, 3, 4, 5, 6]), labels: npyBytes('i8', [2], [0, 1]) }));
      await assert.rejects(trainingStatisticsRequest({ train: f }), (e: unknown) => e instanceof LongtailError && e.code === ErrorCode.InvalidOption && e.message.startsWith(`${f}: holds features`));
    } finally {
      cleanup();
    }
  });

  it('training data it cannot use drops only the training-stats candidate, never the analysis', async () => {
    const { tempDir, writeFile, npzBytes, npyBytes } = await import('../../fixtures/writers');
    const { dir, cleanup } = tempDir();
    try {
      // A feature file as "training data" (e.g. --train features.npz beside an image eval set), and a file that is
      // not a dataset at all: the probe still compares the presets it can.
      const features = writeFile(dir, 'train.npz', npzBytes({ features: npyBytes('f4', [2, 3], [1, 2, 3, 4, 5, 6]), labels: npyBytes('i8', [2], [0, 1]) }));
      const broken = writeFile(dir, 'broken.npz', 'not a zip archive');
      for (const train of [features, broken]) {
        const result = await probePreprocessing({ model, openEval, openTrain: (p) => openDataset(train, { split: 'train', preprocessing: p }), configured: {}, sampleSize: 60, seed: 0 });
        assert.ok(result, train);
        assert.deepEqual(result.entries.map((e) => e.preset), ['configured', 'unit', 'imagenet', 'cifar10'], train);
        assert.equal(result.suggestion, 'imagenet', `${train}: ImageNet's mean/std (0.449/0.226) is the closest preset left`);
      }
    } finally {
      cleanup();
    }
  });

  it('returns null for feature inputs and float images', async () => {
    const { tempDir, writeFile, npzBytes, npyBytes } = await import('../../fixtures/writers');
    const { dir, cleanup } = tempDir();
    try {
      const f = writeFile(dir, 'f.npz', npzBytes({ features: npyBytes('f4', [2, 3], [1, 2, 3, 4, 5, 6]), labels: npyBytes('i8', [2], [0, 1]) }));
      assert.equal(await probePreprocessing({ model, openEval: () => openDataset(f), openTrain: null, configured: {} }), null);
      // float32 images are used as stored: preprocessing does not apply, nothing to probe (no error either).
      const fl = writeFile(dir, 'floatImages.npz', npzBytes({ x: npyBytes('f4', [2, 4, 4, 1], Array.from({ length: 32 }, (_, i) => i / 32)), y: npyBytes('i8', [2], [0, 1]) }));
      assert.equal(await probePreprocessing({ model, openEval: (p) => openDataset(fl, { preprocessing: p }), openTrain: null, configured: {} }), null);
    } finally {
      cleanup();
    }
  });

  it('suggests only ≥ 10 points better and beyond 2·sqrt((a(1−a) + b(1−b))/n)', () => {
    const e = (preset: PreprocessingProbeEntry['preset'], accuracy: number): PreprocessingProbeEntry => ({ preset, mean: null, std: null, accuracy });
    assert.equal(probeSuggestion([e('configured', 0.5), e('imagenet', 0.59)], 10000), null, '9 points');
    assert.equal(probeSuggestion([e('configured', 0.5), e('imagenet', 0.6)], 10000)?.preset, 'imagenet');
    // 20 points on 40 examples: margin 2·sqrt((0.25 + 0.21)/40) = 0.214 > 0.2.
    assert.equal(probeSuggestion([e('configured', 0.5), e('cifar10', 0.7)], 40), null);
    assert.equal(probeSuggestion([e('configured', 0.5), e('cifar10', 0.7)], 100)?.preset, 'cifar10');
    assert.equal(probeSuggestion([e('configured', 0.2), e('unit', 0.9), e('training-stats', 0.9)], 100)?.preset, 'unit', 'ties go to the earlier preset');
  });

  it('ImageNet and CIFAR-10 presets: published values, channel-averaged for 1-channel models', () => {
    assert.deepEqual(presetMeanStd('imagenet', 3), { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
    const one = presetMeanStd('imagenet', 1);
    assert.ok(Math.abs(one.mean![0] - 0.449) < 1e-12 && Math.abs(one.std![0] - 0.226) < 1e-12);
    assert.deepEqual(presetMeanStd('unit', 3), { mean: null, std: null });
    assert.deepEqual(withPreset({ resize: { height: 4, width: 4 }, mean: [1], std: [2], scale: 'none' }, { mean: null, std: null }), { resize: { height: 4, width: 4 }, scale: 'unit' });
  });
});
