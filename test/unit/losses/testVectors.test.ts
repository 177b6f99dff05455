import { strict as assert } from 'node:assert';
import { before, describe, it } from 'node:test';
import type { Scalar, Tensor2D } from '@tensorflow/tfjs';
import { tf } from '../../../src/engine/compute/tf';
import { mulberry32 } from '../../../src/engine/data/seededRandom';
import { classBalancedWeights, effectiveNumber, ldamMargins, logPriors } from '../../../src/engine/losses/classConstants';
import { drwStartEpoch, drwWeights } from '../../../src/engine/losses/ldamDrw';
import { createLoss, lossNames } from '../../../src/engine/losses/lossRegistry';
import { supConMarginLoss } from '../../../src/engine/losses/supConMargin';
import type { LossStep, TrainingLoss } from '../../../src/engine/losses/trainingLoss';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';

const counts = [60, 30, 10];
const step: LossStep = { epoch: 0, epochs: 1, random: mulberry32(1) };

/** Float32 tolerance of methods §11.8: |Δ| ≤ 1e-5·max(1, |value|). */
function close(actual: number, expected: number, tol = 1e-5): void {
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${actual} vs ${expected}`);
}

function value(loss: TrainingLoss, logits: number[][], labels: number[], s: LossStep = step, embeddings?: number[][]): number {
  return tf.tidy(() => {
    const l = tf.tensor2d(logits) as Tensor2D;
    const oh = tf.oneHot(tf.tensor1d(labels, 'int32'), logits[0].length).toFloat() as Tensor2D;
    const e = embeddings ? (tf.tensor2d(embeddings) as Tensor2D) : undefined;
    return (loss.compute({ logits: l, oneHot: oh, embeddings: e }, s) as Scalar).dataSync()[0];
  });
}

describe('losses: methods §13 test vectors', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('13.1 LA loss for τ = 0, 1, 2 and labels 0, 2; balanced softmax = LA τ=1; batch means', () => {
    const f = [[2.0, 1.0, 0.5]];
    close(logPriors(counts)[2], -2.302585093, 1e-9);
    const table: [number, number, number][] = [
      [0, 0, 0.4643687841], [0, 2, 1.9643687841], [1, 0, 0.1997750878], [1, 2, 3.491534557], [2, 0, 0.0936432643], [2, 2, 5.1771622027],
    ];
    for (const [tau, label, expected] of table) {
      close(value(createLoss('la', { tau }, counts), f, [label]), expected);
    }
    close(value(createLoss('balanced-softmax', {}, counts), f, [2]), 3.491534557);
    close(value(createLoss('ce', {}, counts), f, [2]), 1.9643687841);
    const batch = [[2, 1, 0.5], [0.1, 0.2, 0.3], [-1, 0.5, 3]];
    close(value(createLoss('ce', {}, counts), batch, [0, 1, 2]), 0.5539953206);
    close(value(createLoss('la', {}, counts), batch, [0, 1, 2]), 0.553565531);
  });

  it('13.2 LDAM margins and losses for s = 30 and s = 1', () => {
    ldamMargins(counts, 0.5).forEach((m, i) => close(m, [0.3194715521, 0.3799178428, 0.5][i], 1e-9));
    const cifar = [5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50];
    ldamMargins(cifar, 0.5).forEach((m, i) => close(m, [0.15811388, 0.179697, 0.20423771, 0.23209115, 0.26382903, 0.29976765, 0.34067519, 0.38722091, 0.44049703, 0.5][i], 1e-7));
    const z = [[0.8, 0.3, -0.2]];
    const s30 = createLoss('ldam', {}, counts);
    const s1 = createLoss('ldam', { scale: 1 }, counts);
    assert.equal(s30.logitKind, 'cosine');
    close(value(s30, z, [0]), 0.0044356913);
    close(value(s1, z, [0]), 0.8506543384);
    close(value(s30, z, [2]), 45.0000003059);
    close(value(s1, z, [2]), 2.1041306053);
  });

  it('13.3 effective numbers, CB weights, the PyTorch weighted-mean reduction and the DRW schedule', () => {
    const table: [number, number[], number[]][] = [
      [0.9, [9.982029897, 9.5760884172, 6.513215599], [0.8391673954, 0.8747406732, 1.2860919314]],
      [0.99, [45.2843357609, 26.0299626612, 9.5617924991], [0.4013019527, 0.698145157, 1.9005528902]],
      [0.999, [58.2637377768, 29.5690327369, 9.9551197903], [0.3400176451, 0.6699812973, 1.9900010577]],
      [0.9999, [59.8233417129, 29.9565405726, 9.9955011998], [0.334000181, 0.666999813, 1.9990000061]],
    ];
    for (const [beta, e, alpha] of table) {
      counts.forEach((n, i) => close(effectiveNumber(n, beta), e[i], 1e-9));
      classBalancedWeights(counts, beta).forEach((a, i) => close(a, alpha[i], 1e-9));
    }
    const cifar = [5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50];
    const drw = [0.05061136, 0.07689979, 0.12113387, 0.19503667, 0.31880537, 0.52458985, 0.86834894, 1.44262727, 2.40922305, 3.99272382];
    classBalancedWeights(cifar, 0.9999).forEach((a, i) => close(a, drw[i], 1e-7));
    const batch = [[2, 1, 0.5], [0.1, 0.2, 0.3], [-1, 0.5, 3]];
    close(value(createLoss('cb', {}, counts), batch, [0, 0, 2]), 0.2803904269);
    // DRW: ones before ⌊0.8·E⌋, CB(β = 0.9999) from then on (160 of 200 in the reference code).
    assert.equal(drwStartEpoch(200, 0.8), 160);
    assert.deepEqual(drwWeights(counts, 159, 200, 0.9999, 0.8), [1, 1, 1]);
    drwWeights(counts, 160, 200, 0.9999, 0.8).forEach((a, i) => close(a, [0.334000181, 0.666999813, 1.9990000061][i], 1e-9));
    // ldam-drw in its second stage = weighted mean of LDAM losses.
    const z = [[0.8, 0.3, -0.2], [0.1, 0.2, 0.3], [-0.5, 0.5, 0.9]];
    const ldam = createLoss('ldam', { scale: 1 }, counts);
    const drwLoss = createLoss('ldam-drw', { scale: 1 }, counts);
    close(value(drwLoss, z, [0, 0, 2], { epoch: 0, epochs: 10, random: Math.random }), value(ldam, z, [0, 0, 2]));
    const per = [value(ldam, [z[0]], [0]), value(ldam, [z[1]], [0]), value(ldam, [z[2]], [2])];
    const a = classBalancedWeights(counts, 0.9999);
    const expected = (a[0] * per[0] + a[0] * per[1] + a[2] * per[2]) / (2 * a[0] + a[2]);
    close(value(drwLoss, z, [0, 0, 2], { epoch: 8, epochs: 10, random: Math.random }), expected);
  });

  it('13.4 softmax equalization loss, deterministic β = 1', () => {
    const eql = createLoss('eql', { gamma: 1, lambda: 0.15 }, counts);
    const f = [[2, 1, 0.5]];
    close(value(eql, f, [0]), 0.3132616875);
    close(value(eql, f, [2]), 1.9643687841);
    close(value(createLoss('eql', { gamma: 0, lambda: 0.15 }, counts), f, [0]), 0.4643687841);
  });

  it('13.7 SupCon (δ = 0) and its margin variant, directly and through the elm loss', () => {
    const z = [[1, 0], [0.8, 0.6], [0, 1], [-0.6, 0.8]];
    const labels = [0, 0, 1, 1];
    const sup = (delta: number[]): number =>
      tf.tidy(() =>
        supConMarginLoss(tf.tensor2d(z) as Tensor2D, tf.oneHot(tf.tensor1d(labels, 'int32'), 2).toFloat() as Tensor2D, tf.tensor1d(delta), 0.5).dataSync()[0],
      );
    close(sup([0, 0]), 0.4301902771);
    close(sup([0.1, 0.3]), 0.5865280464);
    // Embeddings need not be normalised; the scale is removed.
    const scaled = z.map((r, i) => r.map((v) => v * (i + 2)));
    const elm0 = createLoss('elm', { temperature: 0.5, deltaMax: 0, tau: 0 }, [50, 50]);
    const zeros = [[0, 0], [0, 0], [0, 0], [0, 0]];
    close(value(elm0, zeros, labels, step, scaled), Math.log(2) + 0.4301902771);
    // δ_y = δ_max (n_min/n_y)^q: counts [30, 10], δ_max 0.3, q = 1 → δ = [0.1, 0.3].
    const elm = createLoss('elm', { temperature: 0.5, deltaMax: 0.3, q: 1, tau: 0, lambda: 2 }, [30, 10]);
    close(value(elm, zeros, labels, step, scaled), Math.log(2) + 2 * 0.5865280464);
    // An anchor without positives is left out of the mean; a batch without any pair gives 0.
    close(
      tf.tidy(() => supConMarginLoss(tf.tensor2d([[1, 0], [0, 1]]) as Tensor2D, tf.eye(2) as Tensor2D, tf.tensor1d([0, 0]), 0.5).dataSync()[0]),
      0,
    );
  });

  it('createLoss rejects unknown names, unknown options and out-of-range values with INVALID_OPTION', () => {
    const code = (fn: () => unknown, re: RegExp): void => {
      assert.throws(fn, (e: unknown) => e instanceof LongtailError && e.code === ErrorCode.InvalidOption && re.test(e.message));
    };
    code(() => createLoss('focal', {}, counts), /unknown loss 'focal'; choose one of ce, la/);
    code(() => createLoss('la', { t: 1 }, counts), /loss 'la' has no option 't' \(its options: tau\)/);
    code(() => createLoss('ce', { tau: 1 }, counts), /its options: none/);
    code(() => createLoss('cb', { beta: 1 }, counts), /'beta' must be a number in \[0, 1\)/);
    code(() => createLoss('ldam', { scale: 0 }, counts), /'scale' must be a number in \(0, 1000\]/);
    code(() => createLoss('la', { tau: Number.NaN }, counts), /got NaN/);
    code(() => createLoss('la', {}, [5]), /at least 2 classes/);
    assert.equal(lossNames.length, 8);
    for (const name of lossNames) {
      assert.equal(createLoss(name, {}, counts).name, name);
    }
  });
});
