import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import '@tensorflow/tfjs-backend-wasm';
import type { NamedAttrMap, Rank, Tensor, Tensor4D } from '@tensorflow/tfjs';
import { addedWasmKernels, registerWasmTrainingKernels, replacedWasmKernels } from '../../../src/engine/compute/wasmKernels';
import { tf } from '../../../src/engine/compute/tf';

/** Deterministic values in [-1, 1) (LCG), identical on every backend. */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

function rand(shape: number[], seed: number): Tensor {
  return tf.tensor(values(shape.reduce((a, b) => a * b, 1), seed), shape);
}

/** Runs `fn` on `backend` and returns its outputs as flat arrays with shapes. */
async function on(backend: string, fn: () => Tensor[]): Promise<{ shape: number[]; data: Float32Array }[]> {
  assert.ok(await tf.setBackend(backend));
  return tf.tidy(fn).map((t) => {
    const r = { shape: t.shape, data: t.dataSync() as Float32Array };
    t.dispose();
    return r;
  });
}

/** max |wasm − cpu| / max(1, max |cpu|) over every output (`wasmFn` defaults to the same computation). */
async function relErr(fn: () => Tensor[], wasmFn: () => Tensor[] = fn): Promise<number> {
  const ref = await on('cpu', fn);
  const got = await on('wasm', wasmFn);
  assert.equal(got.length, ref.length);
  let worst = 0;
  ref.forEach((r, k) => {
    assert.deepEqual(got[k].shape, r.shape);
    let scale = 1;
    let err = 0;
    for (let i = 0; i < r.data.length; i++) {
      scale = Math.max(scale, Math.abs(r.data[i]));
      err = Math.max(err, Math.abs(r.data[i] - got[k].data[i]));
    }
    worst = Math.max(worst, err / scale);
  });
  return worst;
}

/** Runs one kernel directly (bypassing gradients) so every attr combination can be checked. */
function kernel(name: string, inputs: Record<string, Tensor>, attrs: object): Tensor {
  return tf.engine().runKernel(name, inputs, attrs as unknown as NamedAttrMap) as Tensor;
}

const tolerance = 1e-4;

describe('wasm training kernels', () => {
  let patched: string[] = [];
  before(async () => {
    assert.ok(await tf.setBackend('wasm'));
    patched = registerWasmTrainingKernels(tf);
  });
  after(async () => {
    await tf.setBackend('cpu');
  });

  it('registers the missing kernels and the faster replacements, idempotently', () => {
    assert.deepEqual([...patched].sort(), [...addedWasmKernels, ...replacedWasmKernels].sort());
    assert.deepEqual(registerWasmTrainingKernels(tf), patched);
    for (const name of patched) {
      assert.ok(tf.getKernel(name, 'wasm'), name);
    }
  });

  const convCases: { x: number[]; f: number[]; s: number | [number, number]; pad: 'same' | 'valid' }[] = [
    { x: [2, 6, 6, 2], f: [3, 3, 2, 3], s: 1, pad: 'same' },
    { x: [2, 6, 6, 2], f: [3, 3, 2, 3], s: 2, pad: 'same' },
    { x: [2, 7, 7, 3], f: [3, 3, 3, 4], s: 2, pad: 'valid' },
    { x: [1, 8, 5, 2], f: [1, 1, 2, 5], s: 2, pad: 'valid' },
    { x: [3, 9, 8, 4], f: [5, 3, 4, 2], s: [2, 3], pad: 'same' },
    { x: [2, 5, 5, 1], f: [2, 2, 1, 2], s: 1, pad: 'valid' },
    { x: [4, 16, 16, 8], f: [3, 3, 8, 16], s: 2, pad: 'same' },
  ];
  for (const c of convCases) {
    it(`conv2d gradients match cpu: x ${c.x}, filter ${c.f}, strides ${c.s}, ${c.pad}`, async () => {
      const err = await relErr(() => {
        const g = tf.grads((x: Tensor, f: Tensor) =>
          tf.conv2d(x as Tensor4D, f as Tensor4D, c.s, c.pad).mul(rand(tf.conv2d(x as Tensor4D, f as Tensor4D, c.s, c.pad).shape, 9)).sum(),
        );
        return g([rand(c.x, 1), rand(c.f, 2)]);
      });
      assert.ok(err <= tolerance, `relative error ${err}`);
    });
  }

  const dwCases: { x: number[]; f: number[]; s: number; pad: 'same' | 'valid'; d?: number }[] = [
    { x: [2, 6, 6, 2], f: [3, 3, 2, 1], s: 1, pad: 'same' },
    { x: [2, 7, 7, 3], f: [3, 3, 3, 1], s: 2, pad: 'same' },
    { x: [2, 7, 6, 3], f: [3, 3, 3, 2], s: 2, pad: 'valid' },
    { x: [1, 8, 8, 2], f: [5, 5, 2, 3], s: 1, pad: 'same' },
  ];
  for (const c of dwCases) {
    it(`depthwise gradients match cpu: x ${c.x}, filter ${c.f}, stride ${c.s}, ${c.pad}`, async () => {
      const err = await relErr(() => {
        const g = tf.grads((x: Tensor, f: Tensor) => {
          const y = tf.depthwiseConv2d(x as Tensor4D, f as Tensor4D, c.s, c.pad);
          return y.mul(rand(y.shape, 9)).sum();
        });
        return g([rand(c.x, 3), rand(c.f, 4)]);
      });
      assert.ok(err <= tolerance, `relative error ${err}`);
    });
  }

  it('depthwise backprop kernels with dilation 2 match cpu (reference: zero-dilated filter, dilation 1)', async () => {
    // The cpu backend's depthwise backprop kernels ignore dilations, so the reference convolves with the
    // filter explicitly dilated: f [3,3,C,M] → [5,5,C,M] with zeros between taps.
    const dilate = (f: Tensor) =>
      f.reshape([3, 1, 3, 1, 3, 2]).pad([[0, 0], [0, 1], [0, 0], [0, 1], [0, 0], [0, 0]]).reshape([6, 6, 3, 2]).slice([0, 0, 0, 0], [5, 5, 3, 2]);
    const weight = () => rand([2, 7, 7, 6], 5);
    const err = await relErr(
      () =>
        tf.grads((x: Tensor, f: Tensor) => tf.depthwiseConv2d(x as Tensor4D, dilate(f) as Tensor4D, 1, 'same').mul(weight()).sum())([
          rand([2, 7, 7, 3], 7),
          rand([3, 3, 3, 2], 6),
        ]),
      () => {
        const attrs = { strides: [1, 1], dilations: [2, 2], pad: 'same', dimRoundingMode: undefined };
        return [
          kernel('DepthwiseConv2dNativeBackpropInput', { dy: weight(), filter: rand([3, 3, 3, 2], 6) }, { ...attrs, inputShape: [2, 7, 7, 3] }),
          kernel('DepthwiseConv2dNativeBackpropFilter', { x: rand([2, 7, 7, 3], 7), dy: weight() }, { ...attrs, filterShape: [3, 3, 3, 2] }),
        ];
      },
    );
    assert.ok(err <= tolerance, `relative error ${err}`);
  });

  it('gather gradient (UnsortedSegmentSum) matches cpu, including repeated and 2-D indices', async () => {
    const err = await relErr(() => {
      const x = rand([5, 4, 3], 11);
      const w = rand([5, 2, 3, 3], 12);
      const g1 = tf.grad((a: Tensor) => tf.gather(a, tf.tensor1d([0, 2, 2, 4, 0], 'int32')).mul(rand([5, 4, 3], 13)).sum())(x);
      const g2 = tf.grad((a: Tensor) => tf.gather(a, tf.tensor2d([[1, 3], [3, 3]], [2, 2], 'int32'), 1).mul(rand([5, 2, 2, 3], 14)).sum())(x);
      const seg = tf.unsortedSegmentSum(w, tf.tensor1d([1, -1, 1, 6, 0], 'int32'), 3);
      const segInt = tf.unsortedSegmentSum(tf.tensor2d([[1, 2], [3, 4], [5, 6]], [3, 2], 'int32'), tf.tensor1d([1, 1, 0], 'int32'), 2);
      return [g1, g2, seg, segInt.toFloat()];
    });
    assert.ok(err <= tolerance, `relative error ${err}`);
  });

  it('matMul with transposes (and fused bias/activation) matches cpu, forward and gradients', async () => {
    const err = await relErr(() => {
      const out: Tensor[] = [];
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        const a = rand(ta ? [7, 5] : [5, 7], 21);
        const b = rand(tb ? [3, 7] : [7, 3], 22);
        out.push(tf.matMul(a, b, ta, tb));
        out.push(tf.fused.matMul({ a, b, transposeA: ta, transposeB: tb, bias: rand([3], 23), activation: 'relu' }));
        out.push(...tf.grads((p: Tensor, q: Tensor) => tf.matMul(p as Tensor<Rank.R2>, q as Tensor<Rank.R2>, ta, tb).square().sum())([a, b]));
      }
      const ba = rand([2, 4, 6], 24);
      const bb = rand([2, 5, 6], 25);
      out.push(tf.matMul(ba, bb, false, true), tf.matMul(bb.transpose([0, 2, 1]), ba, true, true));
      return out;
    });
    assert.ok(err <= tolerance, `relative error ${err}`);
  });

  it('tile (and the batch-norm gradient that uses it) matches cpu', async () => {
    const err = await relErr(() => [
      tf.tile(rand([1, 1, 1, 5], 31), [2, 3, 4, 1]),
      tf.tile(rand([2, 3], 32), [2, 3]),
      tf.tile(rand([2, 1, 3], 33), [1, 4, 2]),
      tf.tile(tf.tensor1d([1, 2, 3], 'int32'), [2]).toFloat(),
      tf.tile(rand([2, 2, 2, 2], 34), [2, 2, 2, 2]),
      ...tf.grads((x: Tensor, s: Tensor) =>
        tf.batchNorm(x as Tensor4D, rand([4], 37), tf.fill([4], 1.5), rand([4], 38), s as Tensor<Rank.R1>).square().sum(),
      )([rand([2, 3, 3, 4], 35), rand([4], 36)]),
    ]);
    assert.ok(err <= tolerance, `relative error ${err}`);
  });

  it('broadcasting comparisons match cpu exactly (ties included), and the logSumExp gradient built on them', async () => {
    const a = () => tf.round(rand([6, 5], 31).mul(3));
    const b = () => tf.round(rand([6, 1], 32).mul(3));
    const c = () => tf.round(rand([5], 33).mul(3));
    for (const op of ['equal', 'notEqual', 'greater', 'greaterEqual', 'less', 'lessEqual'] as const) {
      const fn = () => [tf[op](a(), b()).toFloat(), tf[op](b(), a()).toFloat(), tf[op](a(), c()).toFloat(), tf[op](a(), a()).toFloat()];
      assert.equal(await relErr(fn), 0, op);
    }
    const lse = () => [tf.grad((x: Tensor) => tf.logSumExp(x, 1).sum())(rand([8, 7], 34))];
    assert.ok((await relErr(lse)) < 1e-6);
  });

  it('keeps tf.memory().numTensors constant over repeated conv-net gradient steps', async () => {
    assert.ok(await tf.setBackend('wasm'));
    const w1 = tf.variable(rand([3, 3, 3, 8], 41));
    const dw = tf.variable(rand([3, 3, 8, 1], 42));
    const w2 = tf.variable(rand([8, 4], 43));
    const w3 = tf.variable(rand([3, 3, 8, 8], 45));
    const gamma = tf.variable(tf.ones([8]));
    const x = rand([4, 8, 8, 3], 44);
    const picks = tf.tensor1d([0, 7, 9, 14], 'int32'); // row-major [row·4 + label]
    const opt = tf.train.sgd(0.01);
    const step = () =>
      tf.tidy(() => {
        opt.minimize(() => {
          const h = tf.relu(tf.conv2d(x as Tensor4D, w1 as unknown as Tensor4D, 2, 'same'));
          const h2 = tf.conv2d(h as Tensor4D, w3 as unknown as Tensor4D, 2, 'same');
          const moments = tf.moments(h2, [0, 1, 2]);
          const bn = tf.batchNorm(h2, moments.mean, moments.variance, tf.zeros([8]), gamma as unknown as Tensor<Rank.R1>);
          const d = tf.depthwiseConv2d(bn as Tensor4D, dw as unknown as Tensor4D, 1, 'same');
          const logits = tf.matMul(d.mean([1, 2]) as Tensor<Rank.R2>, w2 as unknown as Tensor<Rank.R2>);
          const picked = tf.gather(logits.reshape([-1]), picks);
          return tf.sub(tf.logSumExp(logits, 1).sum(), picked.sum()) as Tensor<Rank.R0>;
        });
      });
    const backend = tf.backend() as unknown as { numDataIds(): number };
    step();
    const before = tf.memory().numTensors;
    const bytes = tf.memory().numBytes;
    const dataIds = backend.numDataIds();
    for (let i = 0; i < 5; i++) {
      step();
    }
    assert.equal(tf.memory().numTensors, before);
    assert.equal(tf.memory().numBytes, bytes);
    assert.equal(backend.numDataIds(), dataIds, 'wasm heap buffers (intermediates freed with disposeData)');
    tf.dispose([w1, dw, w2, w3, gamma, x, picks]);
    opt.dispose();
  });

  it('a tf.layers model (conv, batch norm, depthwise, dense) trains on wasm like on cpu, without leaks', async () => {
    const build = () => {
      const model = tf.sequential({
        layers: [
          tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 8, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
          tf.layers.batchNormalization(),
          tf.layers.reLU(),
          tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthwiseInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
          tf.layers.conv2d({ filters: 6, kernelSize: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
          tf.layers.globalAveragePooling2d({}),
          tf.layers.dense({ units: 4, kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }),
        ],
      });
      model.compile({ optimizer: tf.train.sgd(0.1), loss: 'sparseCategoricalCrossentropy' });
      return model;
    };
    const losses = async (backend: string) => {
      assert.ok(await tf.setBackend(backend));
      const model = build();
      const x = tf.tensor4d(values(6 * 8 * 8 * 3, 51), [6, 8, 8, 3]);
      const y = tf.tensor2d([0, 1, 2, 3, 1, 2], [6, 1]);
      const out: number[] = [];
      out.push(Number(await model.trainOnBatch(x, y)));
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) {
        out.push(Number(await model.trainOnBatch(x, y)));
      }
      assert.equal(tf.memory().numTensors, before, `${backend}: tensors per step`);
      model.dispose();
      tf.dispose([x, y]);
      return out;
    };
    const ref = await losses('cpu');
    const got = await losses('wasm');
    ref.forEach((r, i) => assert.ok(Math.abs(r - got[i]) <= 1e-4 * Math.max(1, Math.abs(r)), `step ${i}: cpu ${r}, wasm ${got[i]}`));
  });
});
