// Head fine-tuning throughput of the engine against PyTorch CPU on the same machine, in one run (issue #13).
//
//   node --import tsx --expose-gc bench/headTraining.bench.ts                  steps (3 alternating rounds) + whole process
//   ... --rounds N        step rounds (default 3; 0 skips the step cases)   ... --seconds S   timed seconds per step case (default 2)
//   ... --threads N       engine / torch threads besides 1 (default: logical cores)
//   ... --whole-rounds N  whole-process rounds (default 2; 0 skips it)
//   The whole-process part runs `node dist/cli.js finetune`: run `npm run bundle` first (the bench refuses a
//   dist/cli.js older than src/engine/training/headFastPath.ts).
//
// Step cases head-D{512,2048}-C{100,1000}-{ce,la}: a linear classifier on frozen embeddings, batch 256, Adam lr 1e-3,
//   the product's losses (createLoss 'ce' / 'la' τ = 1, long-tailed counts). Engine: the product's head step
//   (training/headFastPath.ts headStep: forward and backward products on the native product service, closed-form
//   ∂L/∂logits, fused Adam) with the service at N threads and at 1; each step gathers its batch from a shuffled
//   order and returns the loss, as trainHeadFast does. For reference, the TF.js wasm autograd step (the path head
//   scope took before, still used on GPUs and as the tests' reference) at D=2048, and the small CNN through
//   fitClassifier (all layers; not a head case). PyTorch 1.13 (bench/peers/head_torch.py, Debian's /usr/bin/python3,
//   OpenBLAS) at N and 1 threads. Processes alternate in every round; ratios are taken within a round, then the median.
//   The engine children get the engine process's glibc malloc settings and huge pages (protocol/nativeAllocator.ts),
//   as the extension's engine child process has them; without them a D=2048 C=1000 step can take 2-3x longer (page faults).
//
// Whole process: `longtail finetune --scope head --loss la --optimizer adam --epochs 3` (batch 128, its defaults)
//   on 32,768 × 2048 synthetic features → 1,000 classes (eval 10,000), against head_torch.py `whole` doing the same
//   training and per-epoch evaluation (load npz, train, evaluate, save), best of 1 and N threads; wall time of each
//   process from spawn to exit, alternating. longtail also writes report.json (the diagnostics), which the PyTorch
//   script does not; training.json's training seconds are shown beside it.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import type { Scalar, Tensor2D, Variable } from '@tensorflow/tfjs';
import { loadBackend } from '../src/engine/compute/loadBackend';
import { createProductService } from '../src/engine/compute/productService';
import { tf } from '../src/engine/compute/tf';
import { mulberry32, shuffleInPlace } from '../src/engine/data/seededRandom';
import { headLossPlan } from '../src/engine/losses/logitGradient';
import { createLoss } from '../src/engine/losses/lossRegistry';
import { fitClassifier } from '../src/engine/training/fitClassifier';
import { headStep } from '../src/engine/training/headFastPath';
import { buildSmallCnn } from '../src/engine/training/smallCnn';
import { withEngineAllocatorEnv } from '../src/protocol/nativeAllocator';
import { peerEnv, peerPython, reportPeerBlas } from './peerBlas';

const python = peerPython;
const peer = join(__dirname, 'peers', 'head_torch.py');
const repo = join(__dirname, '..');
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
  readonly kind?: string;
  readonly cases: Record<string, CaseTiming>;
}

const headCases = [
  ['head-D512-C100-ce', 512, 100, 'ce'],
  ['head-D512-C100-la', 512, 100, 'la'],
  ['head-D2048-C1000-ce', 2048, 1000, 'ce'],
  ['head-D2048-C1000-la', 2048, 1000, 'la'],
] as const;
const caseLabels: Record<string, string> = {
  'head-D512-C100-ce': 'head D=512 C=100, CE',
  'head-D512-C100-la': 'head D=512 C=100, LA (τ=1)',
  'head-D2048-C1000-ce': 'head D=2048 C=1000, CE',
  'head-D2048-C1000-la': 'head D=2048 C=1000, LA (τ=1)',
  'full-smallcnn-b128': 'small CNN, all layers, CE, batch 128 (TF.js wasm, fitClassifier)',
};

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

/** The TF.js autograd head step (trainClassifier.ts's head-scope step: minimize over [K, b] inside tf.tidy). */
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


/** The product's fast head step (headFastPath.ts headStep) on the same kind of data as the TF.js stepper. */
function makeFastStepper(d: number, c: number, lossName: 'ce' | 'la', seed: number, service: Awaited<ReturnType<typeof createProductService>>) {
  const random = mulberry32(seed);
  const n = headBatch * batches;
  const x = Float32Array.from({ length: n * d }, () => Math.max(0, random() * 2 - 1) * 2);
  const { labels, counts } = longTailLabels(n, c, random);
  const plan = headLossPlan(createLoss(lossName, lossName === 'la' ? { tau: 1 } : {}, counts), counts);
  const w = Float32Array.from({ length: c * d }, () => ((random() * 2 - 1) * Math.sqrt(3)) / Math.sqrt(d));
  const step = headStep(w, new Float32Array(c), plan, 'adam', 0, headBatch, c, d, service);
  const order = new Int32Array(n).map((_, i) => i);
  const bx = new Float32Array(headBatch * d);
  const by = new Int32Array(headBatch);
  const lossRandom = mulberry32(seed ^ 0x9e3779b9);
  return async (s: number): Promise<number> => {
    const b = s % batches;
    if (b === 0) shuffleInPlace(order, random);
    for (let k = 0; k < headBatch; k++) {
      const src = order[b * headBatch + k];
      bx.set(x.subarray(src * d, (src + 1) * d), k * d);
      by[k] = labels[src];
    }
    return step.run(bx, by, headBatch, Math.fround(1e-3), { epoch: 0, epochs: 1, random: lossRandom });
  };
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


async function fastChild(threads: number, seconds: number): Promise<void> {
  const service = await createProductService({ threads });
  const cases: Record<string, CaseTiming> = {};
  for (const [name, d, c, lossName] of headCases) cases[name] = await timeSteps(makeFastStepper(d, c, lossName, d + c, service), seconds);
  const out: EngineRun = { threads: service.threads, kind: service.kind, cases };
  console.log(JSON.stringify(out));
  await service.dispose();
}

async function tfjsChild(threads: number, seconds: number): Promise<void> {
  const backend = await loadBackend(tf, { requested: 'wasm', threads });
  const cases: Record<string, CaseTiming> = {};
  for (const [name, d, c, lossName] of headCases.filter(([, dim]) => dim === 2048)) {
    const h = makeHeadStepper(d, c, lossName, d + c);
    cases[name] = await timeSteps((i) => h.step(i), seconds);
    h.dispose();
  }
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
  const out: EngineRun = { threads: backend.threads, kind: 'tfjs-wasm', cases };
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

/** The whole-process data: made once by head_torch.py `make` in the temp folder, reused by later runs. */
const wholeShape = { n: 32768, d: 2048, c: 1000, nEval: 10000 };

function wholeData(): string {
  const dir = join(os.tmpdir(), `longtail-head-bench-${wholeShape.n}x${wholeShape.d}x${wholeShape.c}`);
  if (!existsSync(join(dir, 'head.npz'))) {
    const r = spawnSync(python, [peer, 'make', dir, String(wholeShape.n), String(wholeShape.d), String(wholeShape.c), String(wholeShape.nEval)], { encoding: 'utf8', env: peerEnv });
    if (r.status !== 0) throw new Error(`making the synthetic features failed: ${r.stderr.slice(-2000)}`);
  }
  return dir;
}

interface WholeRun {
  readonly wallSeconds: number;
  readonly trainSeconds: number;
  readonly balancedError: number;
}

function wholeLongtail(dir: string, round: number): WholeRun {
  const out = join(dir, `longtail-out-${round}`);
  rmSync(out, { recursive: true, force: true });
  const args = [join(repo, 'dist', 'cli.js'), 'finetune', '--model', join(dir, 'head.npz'), '--train', join(dir, 'train.npz'), '--eval', join(dir, 'eval.npz')];
  args.push('--scope', 'head', '--loss', 'la', '--optimizer', 'adam', '--epochs', '3', '--out', out, '--workspace', dir);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  const wallSeconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`longtail finetune failed (exit ${r.status}): ${r.stderr.slice(-2000)}`);
  const training = JSON.parse(readFileSync(join(out, 'training.json'), 'utf8')) as { seconds: number; history: { balancedError: number }[]; notes: string[] };
  if (training.notes.some((n) => n.startsWith('head steps on TF.js'))) throw new Error(`longtail did not take the fast path: ${training.notes.join('; ')}`);
  rmSync(out, { recursive: true, force: true });
  return { wallSeconds, trainSeconds: training.seconds, balancedError: training.history[training.history.length - 1].balancedError };
}

function wholeTorch(dir: string, threads: number): WholeRun {
  const t0 = performance.now();
  const res = runJson<{ trainSeconds: number; balancedErrors: number[] }>(python, [peer, 'whole', String(threads), dir, '3', '128'], peerEnv);
  return { wallSeconds: (performance.now() - t0) / 1000, trainSeconds: res.trainSeconds, balancedError: res.balancedErrors[res.balancedErrors.length - 1] };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return args[1] === 'fast' ? fastChild(Number(args[2]), Number(args[3])) : tfjsChild(Number(args[2]), Number(args[3]));
  const opt = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
  const rounds = opt('--rounds', 3);
  const wholeRounds = opt('--whole-rounds', 2);
  const threads = opt('--threads', 0) || os.cpus().length;
  const seconds = opt('--seconds', 2);
  if (spawnSync(python, ['-c', 'import torch'], { env: peerEnv }).status !== 0) throw new Error(`${python} with torch is needed for the PyTorch peer`);
  const started = Date.now();
  const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');
  console.log(`head training bench — ${new Date().toISOString()}, ${os.cpus().length} logical cores (${os.cpus()[0]?.model}), load average ${load()}`);
  reportPeerBlas();
  // Engine children run with the engine process's environment (glibc malloc settings, protocol/nativeAllocator.ts),
  // as the extension's engine does; the whole-process CLI run below keeps the plain environment of a user's shell.
  const engineEnv = withEngineAllocatorEnv(process.env, process.platform);
  const node = (mode: string, t: number) => runJson<EngineRun>(process.execPath, ['--import', 'tsx', '--expose-gc', __filename, '--child', mode, String(t), String(seconds)], engineEnv);
  const torch = (t: number) => runJson<EngineRun>(python, [peer, String(t), String(seconds)], peerEnv);
  const engines = [
    { key: `fast-${threads}t`, run: () => node('fast', threads) },
    { key: `torch-${threads}t`, run: () => torch(threads) },
    ...(threads > 1 ? [{ key: 'fast-1t', run: () => node('fast', 1) }, { key: 'torch-1t', run: () => torch(1) }] : []),
    { key: `tfjs-${threads}t`, run: () => node('tfjs', threads) },
  ];
  const results: Record<string, EngineRun[]> = {};
  for (let r = 0; r < rounds; r++) {
    const order = engines.map((_, i) => engines[(i + r) % engines.length]);
    const line: string[] = [];
    for (const e of order) {
      const res = e.run();
      (results[e.key] ??= []).push(res);
      line.push(`${e.key} ${Object.entries(res.cases).map(([k, v]) => `${k.replace('head-', '')} ${fmt(v.stepsPerS, 1)}`).join(', ')}`);
    }
    console.log(`round ${r + 1}/${rounds} (steps/s): ${line.join(' | ')}   load ${load()}`);
  }
  if (rounds > 0) {
    const per = (key: string, c: string) => (results[key] ?? []).map((r) => r.cases[c]?.stepsPerS ?? NaN);
    const ratio = (a: number[], b: number[]) => median(a.map((v, i) => v / b[i]));
    const fastKey = `fast-${threads}t`;
    console.log(`\nHead training steps/s (median of ${rounds} alternating rounds; ratios within each round, then the median; best = the faster of 1t / ${threads}t in each round).`);
    console.log(`Engine: head fast path on the product service (${results[fastKey][0].kind}); PyTorch ${results[`torch-${threads}t`][0].threads} threads and 1, OpenBLAS; TF.js wasm autograd for reference. Engine children ran with ${Object.entries(engineEnv).filter(([k, v]) => v !== process.env[k]).map(([k, v]) => `${k}=${v}`).join(" ") || "the plain environment"} (the engine process's; the CLI below has the plain environment).`);
    console.log(`| case | fast ${threads}t | fast 1t | PyTorch ${threads}t | PyTorch 1t | TF.js wasm ${threads}t | fast ${threads}t / best PyTorch | fast 1t / PyTorch 1t | best fast / best PyTorch | fast ${threads}t / TF.js wasm |`);
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    const goals: string[] = [];
    for (const c of [...headCases.map(([name]) => name), 'full-smallcnn-b128']) {
      const fN = per(fastKey, c);
      const f1 = per('fast-1t', c);
      const tN = per(`torch-${threads}t`, c);
      const t1 = per('torch-1t', c);
      const best = tN.map((v, i) => Math.max(v, t1[i] ?? 0));
      const bestFast = fN.map((v, i) => Math.max(v, f1[i] ?? 0));
      const wasm = per(`tfjs-${threads}t`, c);
      const rBest = ratio(bestFast, best);
      console.log(
        `| ${caseLabels[c]} | ${fmt(median(fN), 1)} | ${fmt(median(f1), 1)} | ${fmt(median(tN), 1)} | ${fmt(median(t1), 1)} | ${fmt(median(wasm), 1)} | ${fmt(ratio(fN, best))} | ${fmt(ratio(f1, t1))} | ${fmt(rBest)} | ${fmt(ratio(fN, wasm))} |`,
      );
      if (c.startsWith('head')) goals.push(`  ${caseLabels[c]}: best fast / best PyTorch ${fmt(rBest)}× (goal ≥ 1.0×: ${rBest >= 1 ? 'MET' : 'NOT MET'})`);
    }
    console.log('\nGoal, head steps:');
    goals.forEach((g) => console.log(g));
  }
  if (wholeRounds > 0) {
    const cli = join(repo, 'dist', 'cli.js');
    const fastSource = join(repo, 'src', 'engine', 'training', 'headFastPath.ts');
    if (!existsSync(cli) || statSync(cli).mtimeMs < statSync(fastSource).mtimeMs) throw new Error('dist/cli.js is missing or older than the sources: run `npm run bundle` first');
    const dir = wholeData();
    const runs: Record<string, WholeRun[]> = {};
    const whole = [
      { key: 'longtail', run: (r: number) => wholeLongtail(dir, r) },
      { key: 'torch-1t', run: () => wholeTorch(dir, 1) },
      ...(threads > 1 ? [{ key: `torch-${threads}t`, run: () => wholeTorch(dir, threads) }] : []),
    ];
    for (let r = 0; r < wholeRounds; r++) {
      const line: string[] = [];
      for (const e of whole.map((_, i) => whole[(i + r) % whole.length])) {
        const res = e.run(r);
        (runs[e.key] ??= []).push(res);
        line.push(`${e.key} ${fmt(res.wallSeconds, 1)} s (training ${fmt(res.trainSeconds, 1)} s, balanced error ${fmt(100 * res.balancedError, 1)} %)`);
      }
      console.log(`whole round ${r + 1}/${wholeRounds}: ${line.join(' | ')}   load ${load()}`);
    }
    const wall = (k: string) => (runs[k] ?? []).map((x) => x.wallSeconds);
    const bestTorch = wall('torch-1t').map((v, i) => Math.min(v, wall(`torch-${threads}t`)[i] ?? Infinity));
    const ratio = median(wall('longtail').map((v, i) => v / bestTorch[i]));
    const trainSeconds = (k: string) => median((runs[k] ?? []).map((x) => x.trainSeconds));
    console.log(`\nWhole process, longtail finetune --scope head --loss la --optimizer adam, 3 epochs of ${wholeShape.n} × ${wholeShape.d} → ${wholeShape.c} (batch 128, eval ${wholeShape.nEval}), median of ${wholeRounds}:`);
    console.log('| process | wall s | training s | final balanced error |');
    console.log('|---|---|---|---|');
    for (const k of Object.keys(runs)) console.log(`| ${k} | ${fmt(median(wall(k)), 1)} | ${fmt(trainSeconds(k), 1)} | ${fmt(100 * median(runs[k].map((x) => x.balancedError)), 2)} % |`);
    console.log(`longtail / best PyTorch wall time: ${fmt(ratio)}× (goal ≤ 1.0×, i.e. speed ≥ 1.0×: ${ratio <= 1 ? 'MET' : 'NOT MET'})`);
  }
  console.log(`\nfinished in ${((Date.now() - started) / 1000).toFixed(0)} s; machine shared with other jobs (load average now ${load()})`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
