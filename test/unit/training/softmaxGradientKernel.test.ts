import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { mulberry32 } from '../../../src/engine/data/seededRandom';
import { LongtailError } from '../../../src/protocol/errors';
import type { AdjustedSoftmax } from '../../../src/engine/losses/logitGradient';
import { softmaxGradientKernel } from '../../../src/engine/training/softmaxGradientKernel';

/** The loss and ∂L/∂F of the module comment in float64, straight from the formula (bias included). */
function reference(f: Float32Array, labels: Int32Array, rows: number, c: number, spec: AdjustedSoftmax, bias: Float32Array | null): { loss: number; grad: Float64Array; gradBias: Float64Array } {
  const grad = new Float64Array(rows * c);
  const gradBias = new Float64Array(c);
  let total = 0;
  let weightSum = 0;
  for (let i = 0; i < rows; i++) weightSum += spec.classWeights ? spec.classWeights[labels[i]] : 1;
  for (let i = 0; i < rows; i++) {
    const y = labels[i];
    const u = Array.from({ length: c }, (_, j) => {
      let v = f[i * c + j] + (bias ? bias[j] : 0) + (spec.offset ? spec.offset[j] : 0);
      if (j === y && spec.targetMargin) v -= spec.targetMargin[y];
      if (spec.dropped?.[i * c + j]) v -= 1e4;
      return spec.scale * v;
    });
    const max = Math.max(...u);
    const e = u.map((v) => Math.exp(v - max));
    const sum = e.reduce((a, v) => a + v, 0);
    const w = spec.classWeights ? spec.classWeights[y] : 1;
    total += w * (Math.log(sum) + max - u[y]);
    for (let j = 0; j < c; j++) {
      const g = (w / weightSum) * spec.scale * (e[j] / sum - (j === y ? 1 : 0));
      grad[i * c + j] = g;
      gradBias[j] += g;
    }
  }
  return { loss: total / weightSum, grad, gradBias };
}

const plain: AdjustedSoftmax = { scale: 1, offset: null, targetMargin: null, dropped: null, classWeights: null };

describe('softmax gradient kernel (training/softmaxGradientKernel.ts)', () => {
  const cases: { name: string; rows: number; c: number; spec: (r: () => number, rows: number, c: number) => AdjustedSoftmax; bias: boolean; spread: number }[] = [
    { name: 'plain CE, C = 1000', rows: 7, c: 1000, spec: () => plain, bias: true, spread: 3 },
    { name: 'LA offset, C = 10', rows: 5, c: 10, spec: (r, _rows, c) => ({ ...plain, offset: Float64Array.from({ length: c }, () => Math.log(r() + 1e-3)) }), bias: true, spread: 2 },
    { name: 'cosine scale 30 with LDAM margins, C = 7 (no whole quad after the first)', rows: 6, c: 7, spec: (r, _rows, c) => ({ ...plain, scale: 30, targetMargin: Float64Array.from({ length: c }, () => 0.5 * r()) }), bias: false, spread: 1 },
    { name: 'class weights and EQL drops, C = 13', rows: 9, c: 13, spec: (r, rows, c) => ({ ...plain, classWeights: Float64Array.from({ length: c }, () => 0.1 + r()), dropped: Uint8Array.from({ length: rows * c }, () => (r() < 0.3 ? 1 : 0)) }), bias: true, spread: 5 },
    { name: 'logits spread over 200 (exp underflows to 0 in float32), C = 3', rows: 4, c: 3, spec: () => plain, bias: false, spread: 200 },
  ];
  for (const kernels of ['auto', 'js'] as const) {
    for (const t of cases) {
      it(`${kernels === 'auto' ? 'WebAssembly SIMD' : 'typed-array'}: ${t.name} matches the float64 formula`, () => {
        const r = mulberry32(t.rows * 1000 + t.c);
        const kernel = softmaxGradientKernel(t.rows + 3, t.c, { kernels });
        assert.equal(kernel.kind, kernels === 'auto' ? 'wasm' : 'js');
        const f = Float32Array.from({ length: t.rows * t.c }, () => (r() - 0.5) * t.spread);
        const labels = Int32Array.from({ length: t.rows }, () => Math.floor(r() * t.c));
        const spec = t.spec(r, t.rows, t.c);
        // EQL never drops a row's own class (losses/logitGradient.ts): clear the drawn drops there.
        for (let i = 0; i < t.rows; i++) if (spec.dropped) (spec.dropped as Uint8Array)[i * t.c + labels[i]] = 0;
        const bias = t.bias ? Float32Array.from({ length: t.c }, () => r() - 0.5) : null;
        const ref = reference(f, labels, t.rows, t.c, spec, bias);
        for (let round = 0; round < 2; round++) {
          // The same buffer, twice: nothing of the first call may leak into the second.
          kernel.logits.set(f);
          const loss = kernel.run(labels, t.rows, spec, bias);
          assert.ok(Math.abs(loss - ref.loss) <= 2e-6 * Math.max(1, Math.abs(ref.loss)), `loss ${loss} vs ${ref.loss}`);
          let worst = 0;
          for (let k = 0; k < t.rows * t.c; k++) worst = Math.max(worst, Math.abs(kernel.logits[k] - ref.grad[k]));
          assert.ok(worst <= 1e-6 * spec.scale, `∂L/∂F differs by ${worst}`);
          let worstB = 0;
          for (let j = 0; j < t.c; j++) worstB = Math.max(worstB, Math.abs(kernel.gradBias[j] - ref.gradBias[j]));
          assert.ok(worstB <= 2e-6 * spec.scale, `∂L/∂b differs by ${worstB}`);
        }
      });
    }
  }
  for (const kernels of ['auto', 'js'] as const) {
    it(`${kernels === 'auto' ? 'WebAssembly SIMD' : 'typed-array'}: a target logit 800 below the row's maximum gives the finite loss 800 (e^{u_y − max} underflows)`, () => {
      const kernel = softmaxGradientKernel(1, 5, { kernels });
      kernel.logits.set([0, 800, 0, 0, 0]);
      const loss = kernel.run(Int32Array.of(0), 1, plain, null);
      assert.ok(Math.abs(loss - 800) < 1e-9, `loss ${loss}`);
      assert.deepEqual(Array.from(kernel.logits), [-1, 1, 0, 0, 0]);
    });
    it(`${kernels === 'auto' ? 'WebAssembly SIMD' : 'typed-array'}: a label outside [0, C) is an error, not a read or write elsewhere`, () => {
      const kernel = softmaxGradientKernel(2, 5, { kernels });
      for (const bad of [5, -1, 2 ** 28]) {
        kernel.logits.fill(0.5);
        assert.throws(() => kernel.run(Int32Array.of(0, bad), 2, plain, null), (e: unknown) => e instanceof LongtailError && /label -?\d+ of batch row 1 is outside \[0, 5\)/.test(e.message));
        assert.ok(kernel.logits.every((v) => v === 0.5), 'nothing was written');
      }
    });
  }
  it('WebAssembly SIMD exp: softmax of one row over [−87, 0] within 1e-6 relative of float64 (Cephes expf, a float32 sum and division)', () => {
    const c = 4 * 1024;
    const kernel = softmaxGradientKernel(1, c);
    const f = Float32Array.from({ length: c }, (_, j) => (-87 * j) / (c - 1));
    f[0] = 0; // the maximum
    kernel.logits.set(f);
    // label 1: its row entry gets −q; all others are e^{f_j} / S.
    kernel.run(Int32Array.of(1), 1, plain, null);
    const sum = f.reduce((a, v) => a + Math.exp(v), 0);
    let worst = 0;
    for (let j = 2; j < c; j++) {
      const expected = Math.exp(f[j]) / sum;
      if (expected > 1e-36) worst = Math.max(worst, Math.abs(kernel.logits[j] - expected) / expected);
    }
    assert.ok(worst <= 1e-6, `largest relative error ${worst}`);
  });
});
