import { strict as assert } from 'node:assert';
import { before, describe, it } from 'node:test';
import type { Tensor, Variable } from '@tensorflow/tfjs';
import { tf } from '../../../src/engine/compute/tf';
import { mulberry32 } from '../../../src/engine/data/seededRandom';
import { headOptimizer } from '../../../src/engine/training/headOptimizer';

/** Gradients with magnitudes from 1e-9 to 1 (Adam's ε placement matters for the small ones). */
function gradients(n: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, (_, i) => (r() - 0.5) * Math.pow(10, -(i % 10)));
}

/** Steps of TF.js's optimizer (as trainClassifier.ts builds it) with decay λ·w added to the gradient. */
function tfjsSteps(kind: 'sgd' | 'adam', w0: Float32Array, steps: number, lrs: readonly number[], decay: number): Float32Array {
  const optimizer = kind === 'sgd' ? tf.train.momentum(lrs[0], 0.9) : tf.train.adam(lrs[0]);
  const v: Variable = tf.variable(tf.tensor1d(w0));
  for (let s = 0; s < steps; s++) {
    if (kind === 'sgd') (optimizer as ReturnType<typeof tf.train.momentum>).setLearningRate(lrs[s]);
    else (optimizer as unknown as { learningRate: number }).learningRate = lrs[s];
    tf.tidy(() => {
      const g: Tensor = tf.add(tf.tensor1d(gradients(w0.length, 10 + s)), tf.mul(v, decay));
      optimizer.applyGradients([{ name: v.name, tensor: g }]);
    });
  }
  const out = v.dataSync() as Float32Array;
  v.dispose();
  optimizer.dispose();
  return Float32Array.from(out);
}

describe('head optimizer (training/headOptimizer.ts) against TF.js optimizers', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });
  for (const kind of ['sgd', 'adam'] as const) {
    it(`${kind}: 6 steps with a changing rate and decay 0.01 give TF.js's weights within 2e-7·max(1, |w|)`, () => {
      const n = 50;
      const w0 = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 0.5);
      const lrs = [0.1, 0.08, 0.05, 0.05, 0.02, 0.01].map(Math.fround);
      const ref = tfjsSteps(kind, w0, lrs.length, lrs, 0.01);
      const w = Float32Array.from(w0);
      const opt = headOptimizer(kind, [n]);
      let squares = 0;
      for (let s = 0; s < lrs.length; s++) {
        opt.beginStep();
        squares = opt.update(0, w, gradients(n, 10 + s), lrs[s], 0.01);
      }
      let worst = 0;
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(w[i] - ref[i]) / Math.max(1, Math.abs(ref[i])));
      assert.ok(worst <= 2e-7, `max difference ${worst}`);
      assert.ok(Math.abs(squares - w.reduce((a, v) => a + v * v, 0)) < 1e-9, 'returns Σw² of the new weights');
      // Adam moves even the weights with gradients ~1e-9 by about lr per step (ε = 1e-7 is below |ĝ|/√v̂ ≈ 1).
      if (kind === 'adam') assert.ok(Math.abs(w[9] - w0[9]) > 0.05, `tiny-gradient weight moved ${w[9] - w0[9]}`);
    });
  }
});
