// Training-step throughput of the engine against PyTorch CPU on the same machine, same shapes, same loss and
// optimizer, in one run.
//
//   node --import tsx --expose-gc bench/headTraining.bench.ts              3 alternating rounds (~4-5 min on 2 cores)
//   node --import tsx --expose-gc bench/headTraining.bench.ts --rounds 1   one round
//   ... --threads N     engine / torch threads (default: one per logical core, as the engine does)
//   ... --seconds S     timed seconds per case (default 2)
//
// Cases:
//   head-D512-C100-ce, head-D2048-C1000-ce, head-D2048-C1000-la — head-scope fine-tuning: a linear classifier
//     K [D, C] + b [C] on frozen embeddings, batch 256, Adam lr 1e-3, the product's losses from
//     src/engine/losses (createLoss 'ce' / 'la' with τ = 1 and long-tailed class counts). The step is
//     fineTune.ts's head-scope step verbatim: gather the batch from a shuffled order, upload it, one-hot
//     the labels, optimizer.minimize(loss(φ·K + b)) over [K, b] inside tf.tidy, then read the loss back.
//     (fineTune() itself also reads datasets, evaluates every epoch and writes a checkpoint and report, so
//     its step is reproduced here rather than timed through the whole job.)
//   full-smallcnn-b128 — every layer of the demo's small CNN (src/engine/training/smallCnn.ts) through the
//     product's training loop fitClassifier (Adam lr 1e-3, softmax CE), batch 128, 28×28×1 inputs.
// Engine: wasm as loadBackend starts it (N threads) and 1 thread; PyTorch 1.13 (bench/peers/head_torch.py, Debian's
// /usr/bin/python3, OpenBLAS for that process only, torch.set_num_threads matching) at N and 1 threads; processes
// alternate in every round; ratios are computed within each round, then the median is taken. One tf.profile of
// the D=2048, C=1000 step shows where the engine's time goes.
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import { join } from 'node:path';
import type { DataId, KernelConfig, Scalar, Tensor2D, TensorInfo, Variable } from '@tensorflow/tfjs';
import { loadBackend } from '../src/engine/compute/loadBackend';
import { tf } from '../src/engine/compute/tf';
import { mulberry32, shuffleInPlace } from '../src/engine/data/seededRandom';
import { createLoss } from '../src/engine/losses/lossRegistry';
import { fitClassifier } from '../src/engine/training/fitClassifier';
import { buildSmallCnn } from '../src/engine/training/smallCnn';

const python = '/usr/bin/python3';
const peerEnv = { ...process.env, LD_LIBRARY_PATH: '/usr/lib/x86_64-linux-gnu/openblas-pthread' };
const peer = join(__dirname, 'peers', 'head_torch.py');
const headBatch = 256;
const cnnBatch = 128;
/** Batches of distinct data per case (the loop cycles through them in a shuffled order). */
const batches = 8;

interface CaseTiming {
  readonly steps: number;
  readonly seconds: number;
  readonly stepsPerS: number;
  readonly firstLoss: number;
}
interface EngineRun {
  readonly threads: number;
  readonly cases: Record<string, CaseTiming>;
  readonly profile?: ProfileSummary;
  readonly profileFixed?: ProfileSummary;
}
interface ProfileSummary {
  readonly wallMs: number;
  readonly kernels: { kernel: string; calls: number; ms: number; shapes: string }[];
  readonly numTensorsBefore: number;
  readonly numTensorsAfter: number;
}

const caseNames = ['head-D512-C100-ce', 'head-D2048-C1000-ce', 'head-D2048-C1000-la', 'full-smallcnn-b128', 'head-D2048-C1000-ce+cmpfix'] as const;
/** The PyTorch case each engine case is compared with. */
const peerCase = (c: string): string => c.replace('+cmpfix', '');
const caseLabels: Record<string, string> = {
  'head-D512-C100-ce': 'head D=512 C=100, CE, Adam, batch 256',
  'head-D2048-C1000-ce': 'head D=2048 C=1000, CE, Adam, batch 256',
  'head-D2048-C1000-la': 'head D=2048 C=1000, LA (τ=1), Adam, batch 256',
  'full-smallcnn-b128': 'small CNN, all layers, CE, Adam, batch 128',
  'head-D2048-C1000-ce+cmpfix': 'head D=2048 C=1000, CE, with the proposed wasm comparison-kernel fix (bench-local prototype)',
};
/** Matrix-product FLOPs of one step: forward φ·K and the kernel gradient φᵀ·dZ (2·B·D·C each). */
const headFlops = (d: number, c: number) => 2 * 2 * headBatch * d * c;

/** Long-tailed labels: priors ∝ exp(−4y/C). */
function longTailLabels(n: number, c: number, random: () => number): { labels: Int32Array; counts: number[] } {
  const p = Array.from({ length: c }, (_, y) => Math.exp((-4 * y) / c));
  const cdf: number[] = [];
  p.reduce((a, v, i) => (cdf[i] = a + v), 0);
  const total = cdf[c - 1];
  const labels = new Int32Array(n);
  const counts = new Array<number>(c).fill(0);
  for (let i = 0; i < n; i++) {
    const u = random() * total;
    let lo = 0;
    let hi = c - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    labels[i] = lo;
    counts[lo]++;
  }
  return { labels, counts };
}

/** A head-scope fine-tuning job's state, stepped exactly as fineTune.ts does in head scope. */
function makeHeadStepper(d: number, c: number, lossName: 'ce' | 'la', seed: number) {
  const random = mulberry32(seed);
  const n = headBatch * batches;
  const x = Float32Array.from({ length: n * d }, () => Math.max(0, random() * 2 - 1) * 2); // ReLU-like embeddings
  const { labels, counts } = longTailLabels(n, c, random);
  const loss = createLoss(lossName, lossName === 'la' ? { tau: 1 } : {}, counts);
  const K = tf.variable(tf.randomNormal([d, c], 0, 1 / Math.sqrt(d), 'float32', seed), true, `bench_kernel_${seed}`);
  const B = tf.variable(tf.zeros([c]), true, `bench_bias_${seed}`);
  const trained: Variable[] = [K, B];
  const optimizer = tf.train.adam(1e-3);
  const order = new Int32Array(n).map((_, i) => i);
  const lossRandom = mulberry32(seed ^ 0x9e3779b9);
  const logitsOf = (emb: Tensor2D): Tensor2D => tf.add(tf.matMul(emb, K), B) as Tensor2D;
  /** The tidy body of one step (profiled separately). */
  const body = (bx: Float32Array, by: Int32Array): Scalar =>
    tf.tidy(() => {
      const xs = tf.tensor(bx, [by.length, d], 'float32') as Tensor2D;
      const oneHot = tf.oneHot(tf.tensor1d(by, 'int32'), c).toFloat() as Tensor2D;
      return optimizer.minimize(() => loss.compute({ logits: logitsOf(xs), oneHot, embeddings: xs }, { epoch: 0, epochs: 1, random: lossRandom }), true, trained) as Scalar;
    });
  const batchAt = (s: number): { bx: Float32Array; by: Int32Array } => {
    const b = s % batches;
    if (b === 0) shuffleInPlace(order, random);
    const bx = new Float32Array(headBatch * d);
    const by = new Int32Array(headBatch);
    for (let k = 0; k < headBatch; k++) {
      const src = order[b * headBatch + k];
      bx.set(x.subarray(src * d, (src + 1) * d), k * d);
      by[k] = labels[src];
    }
    return { bx, by };
  };
  return {
    async step(s: number): Promise<number> {
      const { bx, by } = batchAt(s);
      const cost = body(bx, by);
      const v = (await cost.data())[0];
      cost.dispose();
      return v;
    },
    batchAt,
    body,
    dispose(): void {
      optimizer.dispose();
      K.dispose();
      B.dispose();
    },
  };
}

/**
 * PROTOTYPE of a fix proposed for src/engine/compute/wasmKernels.ts (not product code; registered only inside
 * this bench's child process, after the product-path cases have been timed). Stock tfjs-backend-wasm 4.22 runs
 * comparison kernels whose inputs need broadcasting ~20-40x slower than same-shape ones (e.g. Equal
 * [256,1000] vs [256,1]: 19-74 ms against 1-3 ms); the gradient of tf.max (inside tf.logSumExp, so inside
 * every CE-based loss) is such an Equal. The fix broadcasts the smaller float32 operand with the fast Add
 * (+ zeros from Fill) and calls the stock same-shape kernel; intermediates are freed with disposeData.
 */
function registerComparisonFix(): void {
  const kernel = (name: string): KernelConfig => {
    const k = tf.getKernel(name, 'wasm');
    if (!k) throw new Error(`wasm kernel ${name} missing`);
    return k;
  };
  const fill = kernel('Fill');
  const add = kernel('Add');
  const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
  for (const name of ['Equal', 'NotEqual', 'Greater', 'GreaterEqual', 'Less', 'LessEqual']) {
    const original = kernel(name);
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({
      ...original,
      kernelFunc: (args) => {
        const a = args.inputs.a as TensorInfo;
        const b = args.inputs.b as TensorInfo;
        if (sameShape(a.shape, b.shape) || a.dtype !== 'float32' || b.dtype !== 'float32') return original.kernelFunc(args);
        const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
        const backend = args.backend as unknown as { disposeData(id: DataId): boolean };
        const made: TensorInfo[] = [];
        const zeros = fill.kernelFunc({ inputs: {}, attrs: { shape, value: 0, dtype: 'float32' }, backend: args.backend }) as TensorInfo;
        made.push(zeros);
        const full = (x: TensorInfo): TensorInfo => {
          if (sameShape(x.shape, shape)) return x;
          const o = add.kernelFunc({ inputs: { a: x, b: zeros }, attrs: {}, backend: args.backend }) as TensorInfo;
          made.push(o);
          return o;
        };
        try {
          return original.kernelFunc({ ...args, inputs: { a: full(a), b: full(b) } });
        } finally {
          made.forEach((m) => backend.disposeData(m.dataId));
        }
      },
    });
  }
}

async function timeSteps(step: (i: number) => Promise<number>, seconds: number): Promise<CaseTiming> {
  await step(0);
  await step(1); // warm-up: Adam slots, WASM heap growth
  let n = 0;
  let first = NaN;
  const t0 = performance.now();
  for (;;) {
    const v = await step(n + 2);
    if (n === 0) first = v;
    n++;
    const el = (performance.now() - t0) / 1000;
    if (n >= 3 && el >= seconds) {
      return { steps: n, seconds: el, stepsPerS: n / el, firstLoss: first };
    }
  }
}

async function profileHead(): Promise<ProfileSummary> {
  const h = makeHeadStepper(2048, 1000, 'ce', 11);
  await h.step(0);
  await h.step(1);
  const { bx, by } = h.batchAt(2);
  const before = tf.memory().numTensors;
  const t0 = performance.now();
  const info = await tf.profile(() => {
    h.body(bx, by).dispose();
  });
  const wallMs = performance.now() - t0;
  const after = tf.memory().numTensors;
  h.dispose();
  const agg = new Map<string, { calls: number; ms: number; shapes: Set<string> }>();
  for (const k of info.kernels) {
    if (k.name.endsWith('__op')) continue; // an op's wrapper scope: its kernels are listed too
    const e = agg.get(k.name) ?? { calls: 0, ms: 0, shapes: new Set<string>() };
    e.calls++;
    e.ms += k.kernelTimeMs as number;
    e.shapes.add(k.inputShapes.map((s) => `[${(s ?? []).join(',')}]`).join('×'));
    agg.set(k.name, e);
  }
  const kernels = [...agg.entries()]
    .map(([kernel, e]) => ({ kernel, calls: e.calls, ms: e.ms, shapes: [...e.shapes].slice(0, 3).join(' ') }))
    .sort((a, b) => b.ms - a.ms);
  return { wallMs, kernels, numTensorsBefore: before, numTensorsAfter: after };
}

async function child(threads: number, seconds: number, profile: boolean): Promise<void> {
  const backend = await loadBackend(tf, { requested: 'wasm', threads });
  const cases: Record<string, CaseTiming> = {};
  for (const [name, d, c, lossName] of [
    ['head-D512-C100-ce', 512, 100, 'ce'],
    ['head-D2048-C1000-ce', 2048, 1000, 'ce'],
    ['head-D2048-C1000-la', 2048, 1000, 'la'],
  ] as const) {
    const h = makeHeadStepper(d, c, lossName, d + c);
    cases[name] = await timeSteps((i) => h.step(i), seconds);
    h.dispose();
  }
  // Full model through fitClassifier: one epoch = `batches` steps; warm-up epoch, then timed epochs.
  {
    const random = mulberry32(3);
    const n = cnnBatch * batches;
    const x = Float32Array.from({ length: n * 784 }, () => random());
    const { labels } = longTailLabels(n, 10, random);
    const model = buildSmallCnn({ inputShape: [28, 28, 1], numClasses: 10, seed: 3 });
    const fit = (epochs: number) =>
      fitClassifier(model, { x, exampleShape: [28, 28, 1], labels }, { numClasses: 10, epochs, batchSize: cnnBatch, learningRate: 1e-3, optimizer: 'adam', seed: 3 });
    const warm = await fit(1);
    const t0 = performance.now();
    let steps = 0;
    let first = NaN;
    while (steps < 3 || performance.now() - t0 < seconds * 1000) {
      const h = await fit(1);
      if (Number.isNaN(first)) first = h[0].loss;
      steps += batches;
    }
    const el = (performance.now() - t0) / 1000;
    cases['full-smallcnn-b128'] = { steps, seconds: el, stepsPerS: steps / el, firstLoss: Number.isNaN(first) ? warm[0].loss : first };
    model.dispose();
  }
  const before = profile ? await profileHead() : undefined;
  // Last: the proposed comparison-kernel fix (changes this process's kernel registry).
  registerComparisonFix();
  {
    const h = makeHeadStepper(2048, 1000, 'ce', 3048);
    cases['head-D2048-C1000-ce+cmpfix'] = await timeSteps((i) => h.step(i), seconds);
    h.dispose();
  }
  const after = profile ? await profileHead() : undefined;
  const out: EngineRun = { threads: backend.threads, cases, ...(before && after ? { profile: before, profileFixed: after } : {}) };
  console.log(JSON.stringify(out));
}

// ---------------------------------------------------------------------------------------------- parent

function runJson<T>(cmd: string, args: string[], env?: NodeJS.ProcessEnv): T {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, env: env ?? process.env });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}):\n${r.stderr.slice(-4000)}`);
  }
  const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (!line) {
    throw new Error(`${cmd} ${args.join(' ')} printed no JSON:\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
  }
  return JSON.parse(line) as T;
}

const median = (v: number[]): number => {
  const s = v.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (v: number, d = 2): string => (Number.isFinite(v) ? (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(d)) : '—');

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    return child(Number(args[1]), Number(args[2]), args[3] === 'profile');
  }
  const opt = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
  const rounds = opt('--rounds', 3);
  const threads = opt('--threads', 0) || os.cpus().length;
  const seconds = opt('--seconds', 2);
  if (spawnSync(python, ['-c', 'import torch'], { env: peerEnv }).status !== 0) {
    throw new Error(`${python} with torch is needed for the PyTorch peer`);
  }
  const started = Date.now();
  console.log(`head/full training bench — ${new Date().toISOString()}, ${os.cpus().length} logical cores (${os.cpus()[0]?.model}), load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const node = (t: number, profile: boolean) => runJson<EngineRun>(process.execPath, ['--import', 'tsx', '--expose-gc', __filename, '--child', String(t), String(seconds), profile ? 'profile' : '']);
  const torch = (t: number) => runJson<EngineRun>(python, [peer, String(t), String(seconds)], peerEnv);
  const engines = [
    { key: `wasm-${threads}t`, run: (p: boolean) => node(threads, p) },
    { key: `torch-${threads}t`, run: () => torch(threads) },
    ...(threads > 1 ? [{ key: 'wasm-1t', run: () => node(1, false) }, { key: 'torch-1t', run: () => torch(1) }] : []),
  ];
  const results: Record<string, EngineRun[]> = {};
  let profile: ProfileSummary | undefined;
  let profileFixed: ProfileSummary | undefined;
  for (let r = 0; r < rounds; r++) {
    const order = engines.map((_, i) => engines[(i + r) % engines.length]);
    const line: string[] = [];
    for (const e of order) {
      const res = e.run(r === 0 && e.key === `wasm-${threads}t`);
      profile ??= res.profile;
      profileFixed ??= res.profileFixed;
      (results[e.key] ??= []).push(res);
      line.push(`${e.key} ${caseNames.map((c) => fmt(res.cases[c]?.stepsPerS ?? NaN, 1)).join('/')}`);
    }
    console.log(`round ${r + 1}/${rounds} (steps/s ${caseNames.join(' / ')}): ${line.join(' | ')}   load ${os.loadavg()[0].toFixed(1)}`);
  }
  const wasmKey = `wasm-${threads}t`;
  const torchKey = `torch-${threads}t`;
  const per = (key: string, c: string) => (results[key] ?? []).map((r) => r.cases[key.startsWith('torch') ? peerCase(c) : c]?.stepsPerS ?? NaN);
  const ratio = (a: string, b: number[], c: string) => median(per(a, c).map((v, i) => v / b[i]));
  console.log(`\nTraining steps/s (median of ${rounds} alternating rounds; ratios computed within each round, then the median; "best PyTorch" = the faster of 1t / ${threads}t in each round).`);
  console.log(`Engine: TF.js wasm, ${results[wasmKey][0].threads} threads (and 1); PyTorch ${results[torchKey][0].threads} threads (and 1), OpenBLAS.`);
  console.log(`| case | TF.js wasm ${threads}t | TF.js wasm 1t | PyTorch ${threads}t | PyTorch 1t | wasm ${threads}t / PyTorch ${threads}t | wasm ${threads}t / best PyTorch | wasm 1t / PyTorch 1t | wasm ${threads}t matmul GFLOP/s-equivalent |`);
  console.log('|---|---|---|---|---|---|---|---|---|');
  const goals: string[] = [];
  for (const c of caseNames) {
    const tN = per(torchKey, c);
    const t1 = per('torch-1t', c);
    const best = tN.map((v, i) => Math.max(v, t1[i] ?? 0));
    const rN = ratio(wasmKey, tN, c);
    const rB = ratio(wasmKey, best, c);
    const r1 = t1.length ? ratio('wasm-1t', t1, c) : NaN;
    const m = /head-D(\d+)-C(\d+)/.exec(c);
    const g = m ? (median(per(wasmKey, c)) * headFlops(Number(m[1]), Number(m[2]))) / 1e9 : NaN;
    console.log(
      `| ${caseLabels[c]} | ${fmt(median(per(wasmKey, c)), 1)} | ${fmt(median(per('wasm-1t', c)), 1)} | ${fmt(median(tN), 1)} | ${fmt(median(t1), 1)} | ${fmt(rN)} | ${fmt(rB)} | ${fmt(r1)} | ${m ? fmt(g, 1) : '—'} |`,
    );
    if (c.startsWith('head')) {
      goals.push(`  ${caseLabels[c]}: ${fmt(rN)}× PyTorch ${threads}t, ${fmt(rB)}× best PyTorch (goal ≥ 1.0×: ${rN >= 1 ? 'MET' : 'NOT MET'} / ${rB >= 1 ? 'MET' : 'NOT MET'})`);
    }
  }
  console.log('\nGoal, head scope:');
  goals.forEach((g) => console.log(g));
  const showProfile = (title: string, profile: ProfileSummary, rows: number) => {
    const total = profile.kernels.reduce((a, k) => a + k.ms, 0);
    console.log(`\ntf.profile of one head step, D=2048 C=1000 CE, wasm ${threads}t, ${title}: ${profile.wallMs.toFixed(1)} ms wall (profiling adds a read-back per kernel), ${total.toFixed(1)} ms inside kernels; tensors ${profile.numTensorsBefore} → ${profile.numTensorsAfter}:`);
    console.log('| kernel | calls | ms | share | input shapes |');
    console.log('|---|---|---|---|---|');
    for (const k of profile.kernels.slice(0, rows)) {
      console.log(`| ${k.kernel} | ${k.calls} | ${k.ms.toFixed(2)} | ${((100 * k.ms) / total).toFixed(1)} % | ${k.shapes} |`);
    }
    const mm = profile.kernels.filter((k) => /MatMul/.test(k.kernel)).reduce((a, k) => a + k.ms, 0);
    console.log(`matrix products: ${mm.toFixed(1)} ms = ${((100 * mm) / total).toFixed(0)} % of kernel time, ${(headFlops(2048, 1000) / 1e9 / (mm / 1000)).toFixed(1)} GFLOP/s on the 2·(2·256·2048·1000) FLOP of φ·K and φᵀ·dZ`);
  };
  if (profile) showProfile('product path', profile, 14);
  if (profileFixed) showProfile('with the proposed comparison-kernel fix', profileFixed, 6);
  if (profile) {
    const ms = (re: RegExp) => profile.kernels.filter((k) => re.test(k.kernel)).reduce((a, k) => a + k.ms, 0);
    const total = profile.kernels.reduce((a, k) => a + k.ms, 0);
    const pct = (v: number) => `${((100 * v) / total).toFixed(0)} %`;
    console.log('\nWhat limits the head step (from the profile above):');
    const torchStepMs = 1000 / median(per('torch-1t', 'head-D2048-C1000-ce'));
    console.log(`  - the two matrix products (${pct(ms(/MatMul/))}, ${ms(/MatMul/).toFixed(0)} ms): XNNPACK on WASM SIMD128 (4 lanes, no FMA) vs OpenBLAS with AVX-512 FMA`);
    console.log(`    in PyTorch, whose whole single-thread step took ${fmt(torchStepMs, 1)} ms here: ≥ 1.0× against PyTorch 1t needs faster products than wasm offers;`);
    console.log(`  - Equal/Greater… with broadcasting (${pct(ms(/^(Equal|NotEqual|Greater|GreaterEqual|Less|LessEqual)$/))}): the gradient of tf.max inside tf.logSumExp, a slow path in stock wasm (fix above);`);
    console.log(`  - Adam's update (${pct(ms(/^(Sqrt|Square|RealDiv|Identity)$/))} in Sqrt/Square/RealDiv/Identity alone, plus its Adds/Multiplies): ~12 single-threaded elementwise`);
    console.log('    kernels over D×C = 2M weights, each writing a new tensor; PyTorch updates in place.');
  }
  console.log(`\nfinished in ${((Date.now() - started) / 1000).toFixed(0)} s; machine shared with other jobs (load average now ${os.loadavg().map((l) => l.toFixed(1)).join(' ')})`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
