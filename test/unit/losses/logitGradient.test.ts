import { strict as assert } from 'node:assert';
import { before, describe, it } from 'node:test';
import type { Scalar, Tensor, Tensor2D } from '@tensorflow/tfjs';
import { tf } from '../../../src/engine/compute/tf';
import { mulberry32 } from '../../../src/engine/data/seededRandom';
import { adjustedSoftmaxGradient, headLossPlan } from '../../../src/engine/losses/logitGradient';
import { createLoss, lossNames } from '../../../src/engine/losses/lossRegistry';
import type { TrainingLoss } from '../../../src/engine/losses/trainingLoss';

const counts = [40, 20, 8, 2, 1];
const b = 7;
const c = counts.length;
const d = 3;
const labels = Int32Array.from([0, 1, 2, 3, 0, 2, 4]);

function values(n: number, seed: number, scale: number): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale);
}

/** Options that make every part of each loss matter (EQL: rare classes exist and some draws drop them). */
const options: Record<string, Record<string, number>> = {
  eql: { lambda: 0.2, gamma: 0.6 },
  elm: { lambda: 2, tau: 1.5, logitMargin: 0.7 },
  la: { tau: 1.3 },
};

/** TF.js autograd value and ∂L/∂logits of `loss` (fresh seeded stream per call, as a training step sees it). */
function reference(loss: TrainingLoss, logits: Float32Array, embeddings: Float32Array, epoch: number): { value: number; grad: Float32Array } {
  return tf.tidy(() => {
    const oneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), c).toFloat() as Tensor2D;
    const emb = tf.tensor2d(embeddings, [b, d]);
    const f = (l: Tensor): Scalar => loss.compute({ logits: l as Tensor2D, oneHot, embeddings: emb }, { epoch, epochs: 5, random: mulberry32(9) });
    const { value, grad } = tf.valueAndGrad(f)(tf.tensor2d(logits, [b, c]));
    return { value: value.dataSync()[0], grad: grad.dataSync() as Float32Array };
  });
}

describe('closed-form logit gradients (losses/logitGradient.ts) against TF.js autograd', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  for (const name of lossNames) {
    for (const epoch of name === 'ldam-drw' ? [0, 4] : [2]) {
      it(`${name}${name === 'ldam-drw' ? ` (epoch ${epoch}: ${epoch === 0 ? 'no weights' : 'DRW weights'})` : ''}: loss value and ∂L/∂f within 2e-6·max(1, |·|)`, () => {
        const loss = createLoss(name, options[name] ?? {}, counts);
        const plan = headLossPlan(loss, counts);
        assert.equal(plan.cosine, loss.logitKind === 'cosine');
        // Cosine losses see logits in [−1, 1]; the others ±3.
        const logits = values(b * c, 3, plan.cosine ? 1 : 3);
        const embeddings = values(b * d, 4, 1);
        const ref = reference(loss, logits, embeddings, epoch);
        const grad = new Float32Array(b * c);
        const spec = plan.adjustment(labels, b, { epoch, epochs: 5, random: mulberry32(9) });
        let value = adjustedSoftmaxGradient(logits, labels, b, c, spec, grad);
        if (plan.constantTerm) value += plan.constantTerm(embeddings, labels, b, d);
        const scale = Math.max(1, ...Array.from(ref.grad, Math.abs));
        let worst = 0;
        for (let i = 0; i < grad.length; i++) worst = Math.max(worst, Math.abs(grad[i] - ref.grad[i]));
        assert.ok(worst <= 2e-6 * scale, `${name}: max |Δ∂L/∂f| = ${worst}`);
        assert.ok(Math.abs(value - ref.value) <= 2e-6 * Math.max(1, Math.abs(ref.value)), `${name}: ${value} vs ${ref.value}`);
        // The gradient is not trivially zero, and the adjustment matters (LA/EQL/LDAM differ from CE).
        assert.ok(scale > 0 && Array.from(ref.grad).some((g) => Math.abs(g) > 1e-3));
      });
    }
  }

  it('eql: the masks drop only rare non-target classes, from the same draws as the TF.js loss', () => {
    const loss = createLoss('eql', options.eql, counts);
    const spec = headLossPlan(loss, counts).adjustment(labels, b, { epoch: 0, epochs: 1, random: mulberry32(9) });
    const draws = mulberry32(9);
    let dropped = 0;
    for (let k = 0; k < b * c; k++) {
      const j = k % c;
      const expected = draws() < 0.6 && counts[j] / 71 < 0.2 && labels[Math.floor(k / c)] !== j ? 1 : 0;
      assert.equal(spec.dropped?.[k], expected, `element ${k}`);
      dropped += expected;
    }
    assert.ok(dropped > 0, 'some classes are dropped');
  });

  it("elm: the embedding term's gradient w.r.t. the head weights is exactly zero (frozen features); the head gradient is Gᵀ·X of the logit term", () => {
    const loss = createLoss('elm', options.elm, counts);
    const la = createLoss('la', { tau: options.elm.tau }, counts);
    const x = values(b * d, 5, 1);
    const w0 = values(c * d, 6, 0.5);
    const b0 = values(c, 7, 0.2);
    const headGrads = (l: TrainingLoss): { w: Float32Array; b: Float32Array; value: number } =>
      tf.tidy(() => {
        const oneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), c).toFloat() as Tensor2D;
        const xs = tf.tensor2d(x, [b, d]);
        const f = (w: Tensor, bias: Tensor): Scalar =>
          l.compute({ logits: tf.add(tf.matMul(xs, w as Tensor2D, false, true), bias) as Tensor2D, oneHot, embeddings: xs }, { epoch: 0, epochs: 1, random: mulberry32(1) });
        const { value, grads } = tf.variableGrads(() => f(wv, bv), [wv, bv]);
        return { w: grads[wv.name].dataSync() as Float32Array, b: grads[bv.name].dataSync() as Float32Array, value: value.dataSync()[0] };
      });
    const wv = tf.variable(tf.tensor2d(w0, [c, d]));
    const bv = tf.variable(tf.tensor1d(b0));
    try {
      const full = headGrads(loss);
      // The logit term alone: la with the same τ plus the target margin; build it through the plan (margin 0 → la).
      const plan = headLossPlan(loss, counts);
      const logits = new Float32Array(b * c);
      for (let i = 0; i < b; i++) for (let j = 0; j < c; j++) {
        let s = b0[j];
        for (let k = 0; k < d; k++) s += x[i * d + k] * w0[j * d + k];
        logits[i * c + j] = s;
      }
      const g = new Float32Array(b * c);
      const logitValue = adjustedSoftmaxGradient(logits, labels, b, c, plan.adjustment(labels, b, { epoch: 0, epochs: 1, random: mulberry32(1) }), g);
      const constant = plan.constantTerm?.(x, labels, b, d) ?? 0;
      assert.ok(constant > 0.1, `the embedding term contributes to the value (${constant})`);
      assert.ok(Math.abs(full.value - (logitValue + constant)) < 1e-5 * Math.max(1, full.value));
      for (let j = 0; j < c; j++) {
        let db = 0;
        for (let i = 0; i < b; i++) db += g[i * c + j];
        assert.ok(Math.abs(full.b[j] - db) < 1e-6, `∂L/∂b_${j}: ${full.b[j]} vs ${db}`);
        for (let k = 0; k < d; k++) {
          let dw = 0;
          for (let i = 0; i < b; i++) dw += g[i * c + j] * x[i * d + k];
          assert.ok(Math.abs(full.w[j * d + k] - dw) < 1e-6, `∂L/∂W_${j}${k}: ${full.w[j * d + k]} vs ${dw}`);
        }
      }
      // With margin 0 the head gradient of elm equals la's bit for bit in TF.js too.
      const elm0 = headGrads(createLoss('elm', { ...options.elm, logitMargin: 0 }, counts));
      assert.deepEqual(Array.from(elm0.w), Array.from(headGrads(la).w));
    } finally {
      wv.dispose();
      bv.dispose();
    }
  });
});
