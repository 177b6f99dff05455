// Benchmark of the diagnostics engine (buildReport) against a numpy peer on the same data.
//
//   node --import tsx bench/diagnostics.bench.ts            all cases (a few minutes on 2 cores)
//   node --import tsx bench/diagnostics.bench.ts --quick    the small cases only
//   node --import tsx bench/diagnostics.bench.ts --only iNat   cases whose name contains the text
//   ... --data DIR      keep the generated files under DIR and reuse them;  --no-peer   skip numpy
//   ... --plain-env     also time the TS child without the engine process's allocator settings (as the CLI in a shell)
//
// Each case: synthetic long-tailed data is generated here (seeded) and written as raw little-endian
// files to a temp folder; a child `node` process loads them and times buildReport (its own peak RSS),
// then `python3 bench/peers/diagnostics_numpy.py` computes the same figures on the same files. Prints
// per-stage times, the time ratio TS/numpy, peak memory, and the growth exponent in N (C = 10).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildReport } from '../src/engine/analysis/buildReport';
import { mulberry32 } from '../src/engine/data/seededRandom';
import { loadBackend } from '../src/engine/compute/loadBackend';
import { tf } from '../src/engine/compute/tf';
import { productService } from '../src/engine/compute/productService';
import { serviceMultiplyABt } from '../src/engine/compute/serviceMultiplyABt';
import { tfMultiplyABt } from '../src/engine/compute/tfMultiplyABt';
import { withEngineAllocatorEnv } from '../src/protocol/nativeAllocator';

interface Case {
  readonly name: string;
  readonly n: number;
  readonly c: number;
  /** 0 = no embeddings / head. */
  readonly d: number;
}

const cases: Case[] = [
  { name: 'cifar10-like', n: 20_000, c: 10, d: 64 },
  { name: 'N=100k C=10', n: 100_000, c: 10, d: 64 },
  { name: 'N=1M C=10', n: 1_000_000, c: 10, d: 64 },
  { name: 'C=1000 D=512', n: 100_000, c: 1000, d: 512 },
  { name: 'iNat-like', n: 24_426, c: 8142, d: 2048 },
];

interface Timing {
  readonly totalMs: number;
  readonly stages: Record<string, number>;
  readonly peakRssMb: number;
  readonly heapUsedMb?: number;
  readonly balancedError: number;
  /** Which kernel served the products (TS child only). */
  readonly kernel?: string;
}

/** Writes a seeded problem: sparse embeddings (16 non-zeros) so that logits = φWᵀ + b are cheap to form. */
function generate(dir: string, { n, c, d }: Case): void {
  const rand = mulberry32(n * 31 + c * 7 + d);
  const counts = new Float64Array(c);
  for (let y = 0; y < c; y++) {
    counts[y] = Math.max(2, Math.floor(1000 * Math.pow(2 / 1000, y / Math.max(1, c - 1))));
  }
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = Math.floor(rand() * c);
  }
  const dd = Math.max(d, 16);
  const weight = new Float32Array(c * dd);
  const bias = new Float32Array(c);
  for (let y = 0; y < c; y++) {
    const s = 0.2 + 0.1 * Math.log(counts[y]);
    for (let j = 0; j < dd; j++) {
      weight[y * dd + j] = (rand() - 0.5) * s;
    }
    for (let k = 0; k < 8; k++) {
      weight[y * dd + ((y * 7919 + k * 104729) % dd)] += 0.5 * s;
    }
    bias[y] = 0.3 * Math.log(counts[y] / 1000);
  }
  // Column-major copy of W so that each non-zero of φ adds one contiguous row of length C.
  const weightT = new Float32Array(dd * c);
  for (let y = 0; y < c; y++) {
    for (let j = 0; j < dd; j++) {
      weightT[j * c + y] = weight[y * dd + j];
    }
  }
  const nnz = 16;
  const pos = new Int32Array(nnz);
  const embeddings = new Float32Array(n * dd);
  const logits = new Float32Array(n * c);
  const row = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    for (let k = 0; k < nnz; k++) {
      pos[k] = k < 8 ? (y * 7919 + k * 104729) % dd : Math.floor(rand() * dd);
      embeddings[i * dd + pos[k]] += (k < 8 ? 1 : 0) + (rand() - 0.5) * 2;
    }
    row.set(bias);
    for (let k = 0; k < nnz; k++) {
      const j = pos[k];
      let seen = false;
      for (let b = 0; b < k; b++) {
        seen ||= pos[b] === j;
      }
      if (seen) {
        continue;
      }
      const v = embeddings[i * dd + j];
      const wo = j * c;
      for (let cl = 0; cl < c; cl++) {
        row[cl] += weightT[wo + cl] * v;
      }
    }
    logits.set(row, i * c);
  }
  const w = (name: string, a: ArrayBufferView) => writeFileSync(join(dir, name), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  w('logits.f32', logits);
  w('labels.i32', labels);
  w('counts.f64', counts);
  if (d > 0) {
    w('embeddings.f32', embeddings);
    w('weight.f32', weight);
    w('bias.f32', bias);
  }
  writeFileSync(join(dir, 'meta.json'), JSON.stringify({ n, c, d }));
}

function view<T>(dir: string, name: string, make: (b: ArrayBuffer, o: number, l: number) => T, bytes: number): T {
  const buf = readFileSync(join(dir, name));
  if (buf.byteOffset % 8 === 0) {
    return make(buf.buffer as ArrayBuffer, buf.byteOffset, buf.byteLength / bytes);
  }
  // Small files may sit unaligned in Node's buffer pool: copy those.
  const ab = new ArrayBuffer(buf.byteLength);
  new Uint8Array(ab).set(buf);
  return make(ab, 0, buf.byteLength / bytes);
}

/**
 * Child mode: load the files, time buildReport once (after a small warm-up), print JSON. The large
 * products run as in `longtail analyse` on the wasm backend: onnxruntime's native kernels through the
 * product service (threads as the engine chooses them, or LONGTAIL_BENCH_THREADS);
 * LONGTAIL_BENCH_KERNEL=tfjs times the TF.js (XNNPACK) kernel instead, =js the float64 JS kernel.
 */
async function runChild(dir: string): Promise<void> {
  const which = process.env.LONGTAIL_BENCH_KERNEL ?? (process.env.LONGTAIL_BENCH_JS_KERNEL === '1' ? 'js' : 'service');
  const backend = which === 'js' ? null : await loadBackend(tf, { requested: 'wasm', threads: 0 });
  const service = which === 'service' ? await productService({ threads: Number(process.env.LONGTAIL_BENCH_THREADS ?? 0) }) : null;
  const kernel = service ? serviceMultiplyABt(service) : backend ? tfMultiplyABt(tf) : null;
  const kernelName = service ? `${service.kind} (${service.threads} threads)` : backend ? `wasm (${backend.threads} threads)` : 'js';
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { n: number; c: number; d: number };
  const logits = view(dir, 'logits.f32', (b, o, l) => new Float32Array(b, o, l), 4);
  const labels = view(dir, 'labels.i32', (b, o, l) => new Int32Array(b, o, l), 4);
  const counts = view(dir, 'counts.f64', (b, o, l) => new Float64Array(b, o, l), 8);
  const withHead = meta.d > 0;
  const embeddings = withHead ? view(dir, 'embeddings.f32', (b, o, l) => new Float32Array(b, o, l), 4) : null;
  const weight = withHead ? view(dir, 'weight.f32', (b, o, l) => new Float32Array(b, o, l), 4) : null;
  const bias = withHead ? view(dir, 'bias.f32', (b, o, l) => new Float32Array(b, o, l), 4) : null;
  const provenance = {
    model: { path: 'bench', format: 'synthetic', embeddingDim: withHead ? meta.d : null },
    data: { eval: { path: dir, format: 'raw', examples: meta.n }, train: null, classCountsSource: 'synthetic' },
    preprocessing: {},
    engine: { version: 'bench', backend: kernelName },
  };
  // Warm-up on a slice so the timed run measures steady-state JIT code.
  const warmN = Math.min(meta.n, 200);
  buildReport(
    {
      numClasses: meta.c,
      logits: logits.subarray(0, warmN * meta.c),
      labels: labels.subarray(0, warmN),
      trainCounts: counts,
      embeddings: embeddings ? embeddings.subarray(0, warmN * meta.d) : null,
      head: weight ? { weight, bias } : null,
    },
    provenance,
    { projectionMaxPoints: 100 },
  );
  const stages: Record<string, number> = {};
  const t0 = performance.now();
  const report = buildReport(
    { numClasses: meta.c, logits, labels, trainCounts: counts, embeddings, head: weight ? { weight, bias } : null },
    provenance,
    { onStage: (s, ms) => (stages[s] = ms), multiplyABt: kernel?.multiply },
  );
  const totalMs = performance.now() - t0;
  kernel?.dispose();
  const out: Timing = {
    totalMs,
    stages,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    heapUsedMb: process.memoryUsage().heapUsed / 2 ** 20,
    balancedError: report.summary.balancedError,
    kernel: kernelName,
  };
  console.log(JSON.stringify(out));
}

function fmt(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

function main(): void {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    void runChild(args[1]).then(() => process.exit(0));
    return;
  }
  const quick = args.includes('--quick');
  const load = () => loadavg().map((v) => v.toFixed(1)).join(' ');
  console.log(`diagnostics bench — ${new Date().toISOString()}, ${cpus().length} logical cores, load average ${load()}`);
  const only = args.indexOf('--only') >= 0 ? args[args.indexOf('--only') + 1] : null;
  const peer = join(__dirname, 'peers', 'diagnostics_numpy.py');
  const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;
  if (!hasNumpy) {
    console.log('python3 with numpy not found: numpy peer skipped');
  } else {
    // Which BLAS numpy loaded: the reference BLAS (libblas3 without an optimised alternative) is ~30x slower in its
    // products, and ratios against it overstate the engine (docs/performance.md).
    const blas = spawnSync('python3', ['-c', "import numpy; print(' '.join(sorted({l.split()[-1] for l in open('/proc/self/maps') if 'blas' in l.lower()})))"], { encoding: 'utf8' });
    const libs = blas.stdout.trim();
    console.log(`numpy peer: ${spawnSync('python3', ['--version'], { encoding: 'utf8' }).stdout.trim()}, BLAS ${libs || '(none found)'}`);
    if (!/openblas|mkl|blis/i.test(libs)) console.log('WARNING: numpy is not on an optimised BLAS (OpenBLAS, MKL, BLIS): its times and these ratios are not a fair peer (Debian: apt-get install libopenblas0-pthread)');
  }
  // --data DIR: keep the generated files in DIR/<case> and reuse them on later runs; --no-peer: TS only.
  const dataRoot = args.indexOf('--data') >= 0 ? args[args.indexOf('--data') + 1] : null;
  const withPeer = hasNumpy && !args.includes('--no-peer');
  // The TS child runs in the environment of the extension's engine process (glibc malloc settings and huge pages,
  // protocol/nativeAllocator.ts); --plain-env also times it in a plain environment, as the CLI runs from a shell.
  const engineEnv = withEngineAllocatorEnv(process.env, process.platform);
  const withPlain = args.includes('--plain-env');
  const added = Object.keys(engineEnv).filter((k) => engineEnv[k] !== process.env[k]);
  console.log(`TS child: the engine process's environment${added.length ? ` (${added.map((k) => `${k}=${engineEnv[k]}`).join(' ')})` : ''}${withPlain ? ', and a plain one' : ''}`);
  const rows: { c: Case; ts: Timing; np: Timing | null }[] = [];
  const selected = (quick ? cases.slice(0, 2) : cases).filter((c) => only === null || c.name.includes(only));
  for (const c of selected) {
    const dir = dataRoot ? join(dataRoot, c.name.replace(/[^A-Za-z0-9=-]/g, '_')) : mkdtempSync(join(tmpdir(), 'longtail-bench-'));
    try {
      const g0 = performance.now();
      if (!dataRoot || !existsSync(join(dir, 'meta.json'))) {
        mkdirSync(dir, { recursive: true });
        generate(dir, c);
      }
      const genMs = performance.now() - g0;
      const runTs = (env: Record<string, string | undefined>): Timing => {
        const child = spawnSync(process.execPath, ['--import', 'tsx', '--max-old-space-size=8192', __filename, '--child', dir], { encoding: 'utf8', maxBuffer: 1 << 24, env });
        if (child.status !== 0) {
          throw new Error(`child failed for ${c.name}: ${child.stderr}`);
        }
        return JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as Timing;
      };
      const ts = runTs(engineEnv);
      const plain = withPlain ? runTs(process.env) : null;
      let np: Timing | null = null;
      if (withPeer) {
        const p = spawnSync('python3', [peer, dir], { encoding: 'utf8', maxBuffer: 1 << 24 });
        if (p.status !== 0) {
          throw new Error(`numpy peer failed for ${c.name}: ${p.stderr}`);
        }
        np = JSON.parse(p.stdout.trim().split('\n').pop() ?? '{}') as Timing;
      }
      rows.push({ c, ts, np });
      console.log(`\n${c.name}: N=${c.n} C=${c.c} D=${c.d} (data generated in ${fmt(genMs)}; load average after the case ${load()})`);
      console.log(`  TS    ${fmt(ts.totalMs).padStart(9)}  products ${ts.kernel ?? '?'}, peak RSS ${ts.peakRssMb.toFixed(0)} MB, heap ${ts.heapUsedMb?.toFixed(0)} MB, BER ${ts.balancedError.toFixed(6)}`);
      console.log(`        ${Object.entries(ts.stages).map(([k, v]) => `${k} ${fmt(v)}`).join(' | ')}`);
      if (plain) {
        console.log(`  TS in a plain environment (the CLI from a shell) ${fmt(plain.totalMs)}, peak RSS ${plain.peakRssMb.toFixed(0)} MB`);
        console.log(`        ${Object.entries(plain.stages).map(([k, v]) => `${k} ${fmt(v)}`).join(' | ')}`);
      }
      if (np) {
        console.log(`  numpy ${fmt(np.totalMs).padStart(9)}  peak RSS ${np.peakRssMb.toFixed(0)} MB, BER ${np.balancedError.toFixed(6)}  → TS/numpy ${(ts.totalMs / np.totalMs).toFixed(2)}×`);
        console.log(`        ${Object.entries(np.stages).map(([k, v]) => `${k} ${fmt(v)}`).join(' | ')}`);
        // Like for like: the TS stages the numpy peer also computes (it has no precision-recall curves, bootstrap
        // intervals or report assembly).
        const extra = Object.entries(ts.stages).filter(([k]) => k === 'precision-recall' || k === 'bootstrap' || k === 'assemble');
        const sameWork = ts.totalMs - extra.reduce((sum, [, v]) => sum + v, 0);
        console.log(`  like for like (TS without ${extra.map(([k]) => k).join(', ')}: ${fmt(sameWork)}) → TS/numpy ${(sameWork / np.totalMs).toFixed(2)}×`);
        if (Math.abs(np.balancedError - ts.balancedError) > 1e-9) {
          console.log(`  WARNING: balanced error differs (TS ${ts.balancedError}, numpy ${np.balancedError})`);
        }
      }
    } finally {
      if (!dataRoot) rmSync(dir, { recursive: true, force: true });
    }
  }
  const growth = rows.filter((r) => r.c.c === 10 && r.c.d === 64);
  if (growth.length >= 2) {
    const slope = (pick: (r: (typeof growth)[number]) => number | undefined) => {
      const pts = growth.map((r) => [Math.log(r.c.n), Math.log(pick(r) ?? NaN)]);
      const mx = pts.reduce((s, p) => s + p[0], 0) / pts.length;
      const my = pts.reduce((s, p) => s + p[1], 0) / pts.length;
      return pts.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0) / pts.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
    };
    console.log(`\ngrowth exponent in N (C = 10, D = 64, N = ${growth.map((r) => r.c.n).join(', ')}): TS ${slope((r) => r.ts.totalMs).toFixed(2)}` + (hasNumpy ? `, numpy ${slope((r) => r.np?.totalMs).toFixed(2)}` : ''));
  }
}

main();
