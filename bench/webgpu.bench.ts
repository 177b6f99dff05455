// WebGPU against wasm on the same machine, in one run: forward img/s (ResNet-32 and the demo's small CNN, the
// product's LayersModel path), head fine-tuning steps/s (a linear head on frozen embeddings, CE, Adam — the
// head-scope step of fineTune.ts), full training steps/s of the small CNN (the product's fitClassifier) and
// matrix-product GFLOP/s (measureThroughput, as `longtail info --bench`). Outputs are checked against wasm.
//
//   node --import tsx --expose-gc bench/webgpu.bench.ts            sizes by adapter: small on a software adapter
//   ... --full | --quick                                            force full / small sizes
//   ... --seconds S                                                 timed seconds per case (default 2)
//   ... --threads N                                                 wasm threads (default: one per logical core)
//
// Each backend runs in its own child process. Rows on a software adapter (SwiftShader, llvmpipe) are
// labelled "software adapter": they measure a CPU emulating a GPU and are never a GPU figure. Without any
// WebGPU adapter the webgpu rows say why (the reason loadBackend gives). On a GPU machine run
// bench/gpuDeviceCheck.sh, which probes the Vulkan setup first and then runs this.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import type { Scalar, Tensor2D, Variable } from '@tensorflow/tfjs';
import { deviceLabel } from '../src/protocol/engineInfo';
import { loadBackend } from '../src/engine/compute/loadBackend';
import { measureThroughput } from '../src/engine/compute/measureThroughput';
import { tf } from '../src/engine/compute/tf';
import { mulberry32 } from '../src/engine/data/seededRandom';
import { createLoss } from '../src/engine/losses/lossRegistry';
import { fitClassifier } from '../src/engine/training/fitClassifier';
import { loadClassifierModel } from '../src/engine/model/loadClassifierModel';
import { buildSmallCnn } from '../src/engine/training/smallCnn';
import { buildTinyOnnx } from '../test/fixtures/onnxTiny/buildTinyOnnx';

type Backend = 'webgpu' | 'wasm';
interface Sizes {
  readonly resnetBatch: number;
  readonly cnnBatch: number;
  readonly trainBatch: number;
  readonly heads: readonly (readonly [number, number])[];
  readonly matmul: number;
  /** ONNX MLP input → hidden → classes, and its batch. */
  readonly onnx: readonly [number, number, number, number];
}
const fullSizes: Sizes = { resnetBatch: 256, cnnBatch: 512, trainBatch: 128, heads: [[512, 100], [2048, 1000]], matmul: 2048, onnx: [2048, 512, 1000, 256] };
const quickSizes: Sizes = { resnetBatch: 8, cnnBatch: 32, trainBatch: 16, heads: [[512, 100]], matmul: 256, onnx: [256, 64, 100, 32] };

interface Row {
  readonly case: string;
  readonly unit: string;
  readonly value: number;
  /** Logits of a fixed check batch (forward cases), to compare backends. */
  readonly check?: number[];
  /** What ran (the ONNX execution provider and op placement). */
  readonly note?: string;
}
interface ChildResult {
  readonly backend: Backend;
  readonly label: string;
  readonly software: boolean;
  readonly threads: number;
  readonly rows: Row[];
  readonly error?: string;
}

function randomInput(n: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
}

/** CIFAR ResNet-32: stem conv3x3/16, 3 stages x 5 basic blocks (16/32/64, BN, ReLU, 1x1 projection on stride 2), GAP, dense 10. */
function buildResNet32(seed: number): tf.LayersModel {
  let s = seed;
  const conv = (x: tf.SymbolicTensor, f: number, k: number, stride: number) =>
    tf.layers.conv2d({ filters: f, kernelSize: k, strides: stride, padding: 'same', useBias: false, kernelInitializer: tf.initializers.heNormal({ seed: s++ }) }).apply(x) as tf.SymbolicTensor;
  const bn = (x: tf.SymbolicTensor) => tf.layers.batchNormalization({ axis: -1 }).apply(x) as tf.SymbolicTensor;
  const relu = (x: tf.SymbolicTensor) => tf.layers.activation({ activation: 'relu' }).apply(x) as tf.SymbolicTensor;
  const input = tf.input({ shape: [32, 32, 3] });
  let x = relu(bn(conv(input, 16, 3, 1)));
  [16, 32, 64].forEach((f, si) => {
    for (let b = 0; b < 5; b++) {
      const stride = si > 0 && b === 0 ? 2 : 1;
      const h = bn(conv(relu(bn(conv(x, f, 3, stride))), f, 3, 1));
      const shortcut = stride !== 1 ? bn(conv(x, f, 1, stride)) : x;
      x = relu(tf.layers.add().apply([h, shortcut]) as tf.SymbolicTensor);
    }
  });
  const gap = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: s++ }) }).apply(gap) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits });
}

/** Runs `step` until `seconds` have passed (at least `min` times, after one untimed warm-up); returns runs per second. */
async function timed(seconds: number, step: () => Promise<void>, min = 2): Promise<number> {
  await step();
  let n = 0;
  const t0 = performance.now();
  for (;;) {
    await step();
    n++;
    const el = (performance.now() - t0) / 1000;
    if (n >= min && el >= seconds) return n / el;
  }
}

async function forwardRow(name: string, model: tf.LayersModel, shape: number[], batch: number, seconds: number): Promise<Row> {
  const per = shape.reduce((a, b) => a * b, 1);
  const check = tf.tidy(() => model.predict(tf.tensor(randomInput(4 * per, 99), [4, ...shape])) as tf.Tensor);
  const checkValues = Array.from(await check.data());
  check.dispose();
  const x = tf.tensor(randomInput(batch * per, 5), [batch, ...shape]);
  const perSecond = await timed(seconds, async () => {
    const y = model.predict(x) as tf.Tensor;
    await y.data();
    y.dispose();
  });
  x.dispose();
  return { case: `forward ${name}, batch ${batch}`, unit: 'img/s', value: perSecond * batch, check: checkValues };
}

/**
 * onnxruntime through the product's ONNX loader: an MLP (MatMul, Add, Relu = embedding, Gemm = logits) written
 * by the test fixture builder. Under the webgpu backend the session uses the WebGPU EP, under wasm the CPU EP.
 */
async function onnxRow(inputDim: number, hidden: number, classes: number, batch: number, seconds: number): Promise<Row> {
  const dir = mkdtempSync(join(os.tmpdir(), 'longtail-bench-onnx-'));
  try {
    const file = join(dir, 'mlp.onnx');
    writeFileSync(file, buildTinyOnnx({ inputDim, hidden, numClasses: classes, transB: true }));
    const model = await loadClassifierModel(file);
    const check = Array.from((await model.forward(randomInput(4 * inputDim, 99), [4, inputDim])).logits);
    const ep = model.notes.filter((n) => n.startsWith('onnxruntime')).join('; ');
    const x = randomInput(batch * inputDim, 5);
    const perSecond = await timed(seconds, async () => {
      await model.forward(x, [batch, inputDim]);
    });
    await model.dispose();
    return { case: `ONNX MLP ${inputDim}→${hidden}→${classes} forward, batch ${batch} (onnxruntime: WebGPU EP vs CPU EP)`, unit: 'img/s', value: perSecond * batch, check, note: ep };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** fineTune.ts's head-scope step: logits = φ·K + b, CE on long-tailed counts, Adam 1e-3, loss read back. */
async function headRow(d: number, c: number, batch: number, seconds: number): Promise<Row> {
  const counts = Array.from({ length: c }, (_, i) => Math.max(1, Math.round(500 * Math.pow(0.01, i / (c - 1)))));
  const loss = createLoss('ce', {}, counts);
  const k = tf.variable(tf.randomNormal([d, c], 0, 0.02, 'float32', 1)) as Variable;
  const b = tf.variable(tf.zeros([c])) as Variable;
  const phi = tf.tensor2d(randomInput(batch * d, 3), [batch, d]);
  const labels = tf.tensor1d(Int32Array.from({ length: batch }, (_, i) => i % c), 'int32');
  const oneHot = tf.oneHot(labels, c).toFloat() as Tensor2D;
  const optimizer = tf.train.adam(1e-3);
  const random = mulberry32(1);
  const perSecond = await timed(seconds, async () => {
    const cost = optimizer.minimize(() => loss.compute({ logits: tf.add(tf.matMul(phi, k), b) as Tensor2D, oneHot, embeddings: phi }, { epoch: 0, epochs: 1, random }) as Scalar, true, [k, b]);
    await cost?.data();
    cost?.dispose();
  });
  tf.dispose([k, b, phi, labels, oneHot]);
  optimizer.dispose();
  return { case: `head fine-tune step D=${d} C=${c}, batch ${batch}`, unit: 'steps/s', value: perSecond };
}

/** One epoch of fitClassifier on the small CNN over `steps` batches; steps per second. */
async function fullTrainingRow(batch: number, seconds: number): Promise<Row> {
  const model = buildSmallCnn({ inputShape: [28, 28, 1], numClasses: 10, seed: 7 });
  const steps = 4;
  const n = steps * batch;
  const data = { x: randomInput(n * 784, 8), labels: Int32Array.from({ length: n }, (_, i) => i % 10), exampleShape: [28, 28, 1] };
  const epochsPerSecond = await timed(seconds, async () => {
    await fitClassifier(model, data, { numClasses: 10, epochs: 1, batchSize: batch, learningRate: 1e-3, optimizer: 'adam', seed: 1 });
  }, 1);
  model.dispose();
  return { case: `full training step, small CNN, batch ${batch}`, unit: 'steps/s', value: epochsPerSecond * steps };
}

async function child(backend: Backend, threads: number, seconds: number, sizesArg: string): Promise<void> {
  let loaded;
  try {
    loaded = await loadBackend(tf, { requested: backend, threads });
  } catch (error) {
    const result: ChildResult = { backend, label: backend, software: false, threads: 0, rows: [], error: error instanceof Error ? error.message : String(error) };
    console.log(JSON.stringify(result));
    return;
  }
  const software = loaded.adapter?.software === true;
  const sizes = sizesArg === 'full' ? fullSizes : sizesArg === 'quick' ? quickSizes : software ? quickSizes : fullSizes;
  const rows: Row[] = [];
  const resnet = buildResNet32(32);
  rows.push(await forwardRow('ResNet-32 (32x32x3)', resnet, [32, 32, 3], sizes.resnetBatch, seconds));
  resnet.dispose();
  const cnn = buildSmallCnn({ inputShape: [28, 28, 1], numClasses: 10, seed: 7 });
  rows.push(await forwardRow('small CNN (28x28x1)', cnn, [28, 28, 1], sizes.cnnBatch, seconds));
  cnn.dispose();
  for (const [d, c] of sizes.heads) rows.push(await headRow(d, c, 256, seconds));
  rows.push(await fullTrainingRow(sizes.trainBatch, seconds));
  const [oi, oh, oc, ob] = sizes.onnx;
  rows.push(await onnxRow(oi, oh, oc, ob, seconds));
  const mm = await measureThroughput(tf, loaded.name, { seconds, size: sizes.matmul });
  rows.push({ case: `matMul ${sizes.matmul}²`, unit: 'GFLOP/s', value: mm.gflops });
  const result: ChildResult = { backend, label: deviceLabel(loaded), software, threads: loaded.threads, rows };
  console.log(JSON.stringify(result));
}

function runChild(backend: Backend, threads: number, seconds: number, sizes: string): ChildResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', __filename, '--child', backend, String(threads), String(seconds), sizes], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (r.status !== 0 || !line) {
    return { backend, label: backend, software: false, threads: 0, rows: [], error: `child exited ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}` };
  }
  return JSON.parse(line) as ChildResult;
}

function maxRel(a: readonly number[], b: readonly number[]): number {
  const scale = Math.max(1, ...b.map(Math.abs));
  return a.length === b.length ? Math.max(...a.map((v, i) => Math.abs(v - b[i]) / scale)) : Infinity;
}

function main(): void {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    void child(args[1] as Backend, Number(args[2]), Number(args[3]), args[4]);
    return;
  }
  const opt = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
  const seconds = opt('--seconds', 2);
  const threads = opt('--threads', 0) || os.cpus().length;
  const sizes = args.includes('--full') ? 'full' : args.includes('--quick') ? 'quick' : 'auto';
  console.log(`webgpu bench — ${new Date().toISOString()}, ${os.cpus().length} logical cores (${os.cpus()[0]?.model}), load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const gpu = runChild('webgpu', threads, seconds, sizes);
  // The wasm child uses the sizes the webgpu child used, so the rows pair up.
  const wasm = runChild('wasm', threads, seconds, sizes === 'auto' ? (gpu.software || gpu.error ? 'quick' : 'full') : sizes);
  if (gpu.error) console.log(`webgpu: not measured — ${gpu.error}`);
  if (wasm.error) console.log(`wasm: not measured — ${wasm.error}`);
  const gpuName = gpu.error ? 'webgpu' : `${gpu.label}${gpu.software ? ' — not a GPU figure' : ''}`;
  const num = (v: number): string => (v >= 100 ? v.toFixed(0) : v.toPrecision(3));
  console.log(`\n| case | ${gpuName} | wasm (${wasm.threads} threads) | webgpu / wasm | max rel. diff |`);
  console.log('|---|---|---|---|---|');
  for (const w of wasm.rows) {
    const g = gpu.rows.find((r) => r.case === w.case);
    const diff = g?.check && w.check ? maxRel(g.check, w.check).toExponential(1) : '';
    console.log(`| ${w.case} | ${g ? `${num(g.value)} ${g.unit}` : '—'} | ${num(w.value)} ${w.unit} | ${g ? num(g.value / w.value) + '×' : '—'} | ${diff} |`);
  }
  for (const r of [...gpu.rows, ...wasm.rows]) if (r.note) console.log(`${gpu.rows.includes(r) ? 'webgpu' : 'wasm'}: ${r.note}`);
  console.log(JSON.stringify({ webgpu: gpu, wasm }));
}

main();
