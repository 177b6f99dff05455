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
  for (const kernels of ['auto', 'js'] as const) {
    for (const kind of ['sgd', 'adam'] as const) {
      for (const decay of [0.01, 0]) {
        it(`${kind} (${kernels === 'auto' ? 'WebAssembly SIMD' : 'typed-array'} loops), decay ${decay}: 6 steps with a changing rate give TF.js's weights within 2e-7·max(1, |w|)`, () => {
          const n = 51; // not a multiple of 4: the kernel's zero padding must not show
          const w0 = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 0.5);
          const lrs = [0.1, 0.08, 0.05, 0.05, 0.02, 0.01].map(Math.fround);
          const ref = tfjsSteps(kind, w0, lrs.length, lrs, decay);
          const opt = headOptimizer(kind, [w0, Float32Array.of(0.25, -0.5)], { kernels });
          assert.equal(opt.kind, kernels === 'auto' ? 'wasm' : 'js', 'Node runs the WebAssembly SIMD kernel');
          const w = opt.weights(0);
          assert.equal(w.length, n);
          assert.deepEqual(Array.from(w), Array.from(w0), 'starts from a copy of the given weights');
          let squares = 0;
          for (let s = 0; s < lrs.length; s++) {
            opt.beginStep();
            opt.gradient(0).set(gradients(n, 10 + s));
            squares = opt.update(0, lrs[s], decay);
          }
          let worst = 0;
          for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(w[i] - ref[i]) / Math.max(1, Math.abs(ref[i])));
          assert.ok(worst <= 2e-7, `max difference ${worst}`);
          const expected = decay === 0 ? 0 : w.reduce((a, v) => a + v * v, 0);
          assert.ok(Math.abs(squares - expected) < 1e-9, `returns Σw² of the new weights when λ > 0 (${squares} vs ${expected})`);
          assert.deepEqual(Array.from(opt.weights(1)), [0.25, -0.5], 'another slot is untouched by slot 0’s update');
          // With decay, Adam moves even the weights with gradients ~1e-9 by about lr per step (ε = 1e-7 is below |ĝ|/√v̂ ≈ 1).
          if (kind === 'adam' && decay > 0) assert.ok(Math.abs(w[9] - w0[9]) > 0.05, `tiny-gradient weight moved ${w[9] - w0[9]}`);
        });
      }
    }
  }
});
