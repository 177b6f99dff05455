import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import '@tensorflow/tfjs-backend-wasm';
import type { Scalar, Tensor, Tensor2D } from '@tensorflow/tfjs';
import { tf } from '../../../src/engine/compute/tf';
import { mulberry32 } from '../../../src/engine/data/seededRandom';
import { createLoss, lossNames } from '../../../src/engine/losses/lossRegistry';
import type { TrainingLoss } from '../../../src/engine/losses/trainingLoss';

const counts = [40, 20, 8, 2];
const b = 6;
const c = counts.length;
const d = 3;
const labels = [0, 1, 2, 3, 0, 2];

function values(n: number, seed: number, scale: number): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale);
}

/** The loss as a function of (logits, embeddings), with the same random draws on every call (EQL). */
function evaluate(loss: TrainingLoss, logits: Tensor2D, embeddings: Tensor2D): Scalar {
  const oneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), c).toFloat() as Tensor2D;
  return loss.compute({ logits, oneHot, embeddings }, { epoch: 3, epochs: 4, random: mulberry32(9) });
}

/**
 * max |analytic − central difference| / max(1, |analytic|) over every input coordinate, float32 with
 * step h (error O(h²)·f‴ from truncation plus O(ε_f32·|f|/h) from rounding).
 */
function gradientError(loss: TrainingLoss, logitScale: number, h: number): number {
  const l0 = values(b * c, 3, logitScale);
  const e0 = values(b * d, 4, 1);
  const f = (l: Float32Array, e: Float32Array): number =>
    tf.tidy(() => evaluate(loss, tf.tensor2d(l, [b, c]), tf.tensor2d(e, [b, d])).dataSync()[0]);
  tf.engine().startScope();
  const [gl, ge] = ((): [Float32Array, Float32Array | null] => {
    const embeddings = tf.tensor2d(e0, [b, d]);
    if (!loss.usesEmbeddings) {
      const g = tf.grad((l: Tensor) => evaluate(loss, l as Tensor2D, embeddings));
      return [g(tf.tensor2d(l0, [b, c])).dataSync() as Float32Array, null];
    }
    const g = tf.grads((l: Tensor, e: Tensor) => evaluate(loss, l as Tensor2D, e as Tensor2D));
    const [x, y] = g([tf.tensor2d(l0, [b, c]), embeddings]);
    return [x.dataSync() as Float32Array, y.dataSync() as Float32Array];
  })();
  tf.engine().endScope();
  let worst = 0;
  const check = (x: Float32Array, grad: Float32Array, isLogits: boolean): void => {
    for (let i = 0; i < x.length; i++) {
      const plus = Float32Array.from(x);
      const minus = Float32Array.from(x);
      plus[i] += h;
      minus[i] -= h;
      const fd = isLogits ? (f(plus, e0) - f(minus, e0)) / (2 * h) : (f(l0, plus) - f(l0, minus)) / (2 * h);
      worst = Math.max(worst, Math.abs(grad[i] - fd) / Math.max(1, Math.abs(grad[i])));
    }
  };
  check(l0, gl, true);
  if (ge) check(e0, ge, false);
  return worst;
}

/** Options keeping curvature moderate so that float32 central differences are accurate. */
const checkOptions: Record<string, Record<string, number>> = {
  ldam: { scale: 4 },
  'ldam-drw': { scale: 4 },
  eql: { gamma: 0.5, lambda: 0.1 },
  elm: { temperature: 0.5, deltaMax: 0.3 },
};

describe('losses: finite-difference gradient checks', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });
  after(async () => {
    await tf.setBackend('cpu');
  });

  for (const name of lossNames) {
    it(`${name}: tf.grad matches central differences on cpu`, () => {
      const loss = createLoss(name, checkOptions[name] ?? {}, counts);
      const scale = loss.logitKind === 'cosine' ? 0.9 : 2;
      const err = gradientError(loss, scale, 1e-2);
      assert.ok(err < 2e-3, `${name}: relative gradient error ${err}`);
    });
  }

  it('elm: tf.grad matches central differences on wasm', async () => {
    assert.ok(await tf.setBackend('wasm'));
    const err = gradientError(createLoss('elm', checkOptions.elm, counts), 2, 1e-2);
    assert.ok(err < 2e-3, `wasm elm: relative gradient error ${err}`);
  });
});
