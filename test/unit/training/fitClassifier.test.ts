import { strict as assert } from 'node:assert';
import { before, describe, it } from 'node:test';
import { tf } from '../../../src/engine/compute/tf';
import type { InMemoryExamples } from '../../../src/engine/data/readAllExamples';
import { fitClassifier } from '../../../src/engine/training/fitClassifier';
import { buildSmallCnn } from '../../../src/engine/training/smallCnn';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';

/** Two well-separated 2-D Gaussian blobs (deterministic). */
function blobs(n: number): InMemoryExamples {
  const x = new Float32Array(n * 2);
  const labels = new Int32Array(n);
  let s = 7;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
  for (let i = 0; i < n; i++) {
    const y = i % 2;
    labels[i] = y;
    x[2 * i] = (y ? 2 : -2) + rnd();
    x[2 * i + 1] = rnd();
  }
  return { x, exampleShape: [2], labels };
}

function linear(seed: number) {
  const m = tf.sequential();
  m.add(tf.layers.dense({ inputShape: [2], units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed }) }));
  return m;
}

describe('fitClassifier', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('learns a separable problem, keeps the tensor count flat, and is deterministic for a seed', async () => {
    const data = blobs(200);
    const a = linear(3);
    const b = linear(3);
    const before = tf.memory().numTensors;
    const histA = await fitClassifier(a, data, { numClasses: 2, epochs: 5, batchSize: 32, learningRate: 0.5, optimizer: 'sgd', seed: 11 });
    assert.equal(tf.memory().numTensors, before, 'no tensor leaks over 5 epochs');
    const histB = await fitClassifier(b, data, { numClasses: 2, epochs: 5, batchSize: 32, learningRate: 0.5, optimizer: 'sgd', seed: 11 });
    assert.deepEqual(histA.map((h) => h.loss), histB.map((h) => h.loss));
    assert.ok(histA[4].loss < histA[0].loss);
    assert.ok(histA[4].loss < 0.1, `final loss ${histA[4].loss}`);
    const wa = a.getWeights().map((w) => Array.from(w.dataSync()));
    const wb = b.getWeights().map((w) => Array.from(w.dataSync()));
    assert.deepEqual(wa, wb);
    const pred = tf.tidy(() => (a.predict(tf.tensor2d(data.x, [200, 2])) as import('@tensorflow/tfjs').Tensor).argMax(1).dataSync());
    let correct = 0;
    pred.forEach((p, i) => (correct += p === data.labels[i] ? 1 : 0));
    assert.equal(correct, 200);
  });

  it('reports progress snapshots and stops on cancellation', async () => {
    const signal = { isCancellationRequested: false };
    const seen: number[] = [];
    await assert.rejects(
      fitClassifier(linear(1), blobs(64), {
        numClasses: 2, epochs: 3, batchSize: 8, learningRate: 0.1, optimizer: 'adam', seed: 1, signal, progressToken: 'fit',
        onProgress: (s) => {
          seen.push(s.done);
          assert.equal(s.total, 24);
          if (s.done === 5) signal.isCancellationRequested = true;
        },
      }),
      (e: unknown) => e instanceof LongtailError && e.code === ErrorCode.Cancelled,
    );
    assert.deepEqual(seen, [1, 2, 3, 4, 5]);
  });

  it('the demo CNN is initialised identically for the same seed, seed 0 included (TF.js reads seed 0 as "unseeded")', () => {
    for (const seed of [0, 3]) {
      const a = buildSmallCnn({ inputShape: [28, 28, 1], numClasses: 10, seed });
      const b = buildSmallCnn({ inputShape: [28, 28, 1], numClasses: 10, seed });
      assert.deepEqual(
        a.getWeights().map((w) => Array.from(w.dataSync())),
        b.getWeights().map((w) => Array.from(w.dataSync())),
      );
      a.dispose();
      b.dispose();
    }
  });

  it('trains the demo CNN one step on the cpu backend with finite loss', async () => {
    const model = buildSmallCnn({ inputShape: [28, 28, 1], numClasses: 10, seed: 5 });
    assert.equal(model.layers[model.layers.length - 1].getClassName(), 'Dense');
    const x = new Float32Array(4 * 28 * 28).map((_, i) => (i % 29) / 29);
    const hist = await fitClassifier(model, { x, exampleShape: [28, 28, 1], labels: Int32Array.from([0, 1, 2, 3]) }, {
      numClasses: 10, epochs: 1, batchSize: 4, learningRate: 0.01, optimizer: 'adam', seed: 2,
    });
    assert.ok(Number.isFinite(hist[0].loss));
    model.dispose();
  });
});
