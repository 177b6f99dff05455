/**
 * The built CLI (`dist/cli.js`) on SwiftShader, the software Vulkan driver in Debian's chromium package:
 * `info --backend webgpu` names the adapter as software, `auto` does not pick it, and without any Vulkan
 * driver `auto` falls back quietly with the reason. Checks the bundle's path to the `webgpu` package
 * (an `import()` esbuild leaves to Node) and that Dawn's messages never reach stdout (the engine's JSON-RPC
 * channel when it runs as a child process).
 *
 * Then the "Done when" comparison: `analyse` and `finetune --backend webgpu` give the same numbers as wasm on
 * (a) a classifier head with features, (b) a LayersModel on Fashion-MNIST, (c) a PyTorch-exported ONNX model on
 * Fashion-MNIST. Both backends run in the same workspace (the output cache keeps each device's outputs apart, so
 * the webgpu run computes its own). Tolerances:
 * - the forward outputs (the cache entries' logits and embeddings): |webgpu − wasm| ≤ 1e-4·max(1, |wasm|);
 * - balanced error (analysis and every fine-tuning epoch): equal;
 * - every other number in report.json and training.json (losses, per-class errors, norms, PCA, calibration, the
 *   fine-tuned weights' statistics): ≤ 1e-4·max(1, |wasm|). Not the UMAP layout (`projection.umap`, which
 *   `finetune` always computes): its k-NN graph comes from float32 products on wasm and float64 ones on webgpu,
 *   and UMAP's optimisation amplifies the last-bit differences into a different layout (measured: a point moved
 *   by 7.9 on the head case whose inputs are identical).
 * Small samples (30 Fashion-MNIST test images, 3 per class) keep SwiftShader to about 30 s per command. The
 * webgpu runs get no Vulkan variables: the engine finds SwiftShader itself (vulkanSoftware.ts).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { gunzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { npyBytes, npzBytes } from '../fixtures/writers';

const cli = join(__dirname, '..', '..', 'dist', 'cli.js');
const icd = [process.env.LONGTAIL_SWIFTSHADER_ICD, '/usr/lib/chromium/vk_swiftshader_icd.json'].find((p): p is string => !!p && existsSync(p));

describe('dist/cli.js with WebGPU', () => {
  const runtimeDir = mkdtempSync(join(os.tmpdir(), 'longtail-xdg-'));
  after(() => rmSync(runtimeDir, { recursive: true, force: true }));
  const swiftShaderEnv = (): NodeJS.ProcessEnv => {
    assert.ok(icd, "SwiftShader's Vulkan ICD not found: install Debian's chromium package, or set LONGTAIL_SWIFTSHADER_ICD");
    return { ...process.env, VK_ICD_FILENAMES: icd, LD_LIBRARY_PATH: [dirname(icd), process.env.LD_LIBRARY_PATH].filter((p) => p).join(':'), XDG_RUNTIME_DIR: runtimeDir };
  };
  const info = (args: string[], env: NodeJS.ProcessEnv) => {
    const r = spawnSync(process.execPath, [cli, 'info', ...args], { encoding: 'utf8', env, timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { backend: { name: string; device: string; label: string; adapter?: Record<string, unknown>; attempts: { name: string; status: string; reason?: string }[]; capabilities: { training: boolean } } };
  };

  it('info --backend webgpu names the SwiftShader adapter as software, and auto does not pick it', () => {
    const env = swiftShaderEnv();
    const gpu = info(['--backend', 'webgpu'], env);
    assert.equal(gpu.backend.name, 'webgpu');
    assert.equal(gpu.backend.device, 'cpu');
    assert.equal(gpu.backend.label, 'WebGPU · SwiftShader (software adapter)');
    assert.equal(gpu.backend.adapter?.vendor, 'google');
    assert.equal(gpu.backend.adapter?.architecture, 'swiftshader');
    assert.equal(gpu.backend.adapter?.description, 'SwiftShader driver 5.0.0');
    assert.equal(gpu.backend.adapter?.software, true);
    assert.equal(gpu.backend.capabilities.training, true);
    const auto = info([], env);
    assert.notEqual(auto.backend.name, 'webgpu');
    const attempt = auto.backend.attempts.find((a) => a.name === 'webgpu');
    assert.equal(attempt?.status, 'failed');
    assert.match(attempt?.reason ?? '', /^only a software WebGPU adapter is available \(SwiftShader driver 5\.0\.0: the adapter reports isFallbackAdapter\)/);
  });

  it('with no Vulkan driver auto falls back quietly (empty stderr) and says why webgpu was skipped', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, VK_ICD_FILENAMES: join(runtimeDir, 'none.json'), XDG_RUNTIME_DIR: runtimeDir };
    const r0 = spawnSync(process.execPath, [cli, 'info'], { encoding: 'utf8', env, timeout: 120_000 });
    assert.equal(r0.status, 0, r0.stderr);
    assert.equal(r0.stderr, '', 'auto falls back quietly: nothing from Dawn or the Vulkan loader on stderr');
    const auto = JSON.parse(r0.stdout) as ReturnType<typeof info>;
    assert.ok(['gpu', 'native', 'wasm'].includes(auto.backend.name), auto.backend.name);
    const attempt = auto.backend.attempts.find((a) => a.name === 'webgpu');
    assert.equal(attempt?.status, 'failed');
    // Without a loader on the library path: 'no Vulkan loader (libvulkan.so.1) …'; with one: the named ICD is missing.
    assert.match(attempt?.reason ?? '', /^no WebGPU adapter: no Vulkan (loader \(libvulkan\.so\.1\) is installed|driver: the manifest files named by VK_DRIVER_FILES \/ VK_ICD_FILENAMES do not exist)/);
    const r = spawnSync(process.execPath, [cli, 'info', '--backend', 'webgpu'], { encoding: 'utf8', env, timeout: 120_000 });
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^error\[BACKEND_UNAVAILABLE\]: backend 'webgpu' is not available here: webgpu: no WebGPU adapter/m);
  });

  describe('analyse and finetune --backend webgpu give the same numbers as wasm', () => {
    const root = mkdtempSync(join(os.tmpdir(), 'longtail-webgpu-cli-'));
    after(() => rmSync(root, { recursive: true, force: true }));
    const fashionMnist = process.env.LONGTAIL_FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';
    const repo = join(__dirname, '..', '..');
    const tolerance = 1e-4;

    /** An environment without any Vulkan variables, like a user's shell or the extension host. */
    const plainEnv = (): NodeJS.ProcessEnv => {
      const env: NodeJS.ProcessEnv = { ...process.env, XDG_RUNTIME_DIR: runtimeDir };
      for (const k of ['VK_ICD_FILENAMES', 'VK_DRIVER_FILES']) delete env[k];
      return env;
    };
    const run = (args: string[]): Record<string, unknown> => {
      const r = spawnSync(process.execPath, [cli, ...args, '--json'], { encoding: 'utf8', env: plainEnv(), timeout: 300_000 });
      assert.equal(r.status, 0, `${args.join(' ')}\n${r.stderr}`);
      return JSON.parse(r.stdout) as Record<string, unknown>;
    };
    const readJson = (file: string): Record<string, unknown> => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;

    /** Where the largest difference of the last comparisons was (for messages). */
    let worst = { rel: 0, where: '' };
    /** Largest |b − a| / max(1, |a|) over every number of two JSON values of the same shape (skipping times and the engine). */
    const maxRelDiff = (a: unknown, b: unknown, where = '$'): number => {
      if (typeof a === 'number' && typeof b === 'number') {
        const rel = Math.abs(b - a) / Math.max(1, Math.abs(a));
        if (rel > worst.rel) worst = { rel, where: `${where}: wasm ${a}, webgpu ${b}` };
        return rel;
      }
      if (Array.isArray(a) && Array.isArray(b)) {
        assert.equal(b.length, a.length, `${where}: ${a.length} vs ${b.length} entries`);
        return a.reduce((m: number, v, i) => Math.max(m, maxRelDiff(v, b[i], `${where}[${i}]`)), 0);
      }
      if (a && b && typeof a === 'object' && typeof b === 'object') {
        let m = 0;
        for (const [k, v] of Object.entries(a)) {
          if (/^(seconds|createdAt|engine|backend|notes|generatedBy|outDir|reportPath|checkpointPath|trainingPath|fromCache|umap)$/.test(k)) continue;
          m = Math.max(m, maxRelDiff(v, (b as Record<string, unknown>)[k], `${where}.${k}`));
        }
        return m;
      }
      if (typeof a === 'number' || typeof b === 'number') assert.fail(`${where}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
      return 0;
    };

    /** Asserts that every number of `b` is within the tolerance of `a`'s; returns the largest difference. */
    const check = (what: string, a: unknown, b: unknown): number => {
      worst = { rel: 0, where: '' };
      const rel = maxRelDiff(a, b);
      assert.ok(rel <= tolerance, `${what} differ by ${rel} (${worst.where})`);
      return rel;
    };

    /** The forward outputs each device computed, read from the workspace's output cache. */
    const cachedOutputs = (workspace: string): Map<string, Float32Array[]> => {
      const dir = join(workspace, '.longtail', 'cache');
      const byBackend = new Map<string, Float32Array[]>();
      for (const key of readdirSync(dir).filter((k) => !k.startsWith('.'))) {
        const meta = readJson(join(dir, key, 'meta.json')) as { identity: { computedOn: { tfjsBackend: string } } };
        const f32 = (name: string): Float32Array => {
          const b = readFileSync(join(dir, key, name));
          return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
        };
        assert.ok(!byBackend.has(meta.identity.computedOn.tfjsBackend), 'one entry per device');
        byBackend.set(meta.identity.computedOn.tfjsBackend, [f32('logits.f32'), f32('embeddings.f32')]);
      }
      return byBackend;
    };

    /**
     * analyse on wasm, then on webgpu in the same workspace; then finetune on each. Returns the measured
     * differences (asserted here) for the test's diagnostics.
     */
    const compare = (name: string, model: string, evalArgs: string[], finetuneArgs: string[]): Record<string, number> => {
      const workspace = join(root, name);
      const reports: Record<string, Record<string, unknown>> = {};
      for (const backend of ['wasm', 'webgpu']) {
        const out = run(['analyse', '--backend', backend, '--model', model, ...evalArgs, '--umap-points', '0', '--report', join(workspace, `${backend}.json`), '--workspace', workspace]);
        assert.equal(out.fromCache, false, `${name}: the ${backend} run computed its own outputs`);
        reports[backend] = readJson(join(workspace, `${backend}.json`));
      }
      const engine = reports.webgpu.engine as Record<string, string>;
      assert.equal(engine.backend, 'webgpu');
      assert.equal(engine.device, 'WebGPU · SwiftShader (software adapter)');
      assert.equal((reports.wasm.engine as Record<string, string>).device, 'WASM');
      // The forward outputs (a head on features has no forward pass, hence no cache entry).
      const measured: Record<string, number> = {};
      if (existsSync(join(workspace, '.longtail', 'cache'))) {
        const outputs = cachedOutputs(workspace);
        const [wasmLogits, wasmEmb] = outputs.get('wasm') ?? [];
        const [gpuLogits, gpuEmb] = outputs.get('webgpu') ?? [];
        assert.ok(wasmLogits && gpuLogits, `${name}: both devices' outputs are in the cache`);
        measured.logits = check(`${name}: logits`, Array.from(wasmLogits), Array.from(gpuLogits));
        measured.embeddings = check(`${name}: embeddings`, Array.from(wasmEmb), Array.from(gpuEmb));
      }
      const summary = (r: Record<string, unknown>) => r.summary as { balancedError: number };
      assert.equal(summary(reports.webgpu).balancedError, summary(reports.wasm).balancedError, `${name}: balanced error`);
      measured.report = check(`${name}: report.json numbers`, reports.wasm, reports.webgpu);

      const tuned: Record<string, { training: Record<string, unknown>; report: Record<string, unknown> }> = {};
      for (const backend of ['wasm', 'webgpu']) {
        const out = join(workspace, `finetune-${backend}`);
        run(['finetune', '--backend', backend, '--model', model, ...finetuneArgs, '--loss', 'la', '--epochs', '2', '--batch-size', '16', '--out', out, '--workspace', workspace]);
        tuned[backend] = { training: readJson(join(out, 'training.json')), report: readJson(join(out, 'report.json')) };
      }
      assert.equal((tuned.webgpu.report.engine as Record<string, string>).device, 'WebGPU · SwiftShader (software adapter)');
      const history = (t: Record<string, unknown>) => t.history as { loss: number; balancedError: number }[];
      assert.deepEqual(history(tuned.webgpu.training).map((h) => h.balancedError), history(tuned.wasm.training).map((h) => h.balancedError), `${name}: per-epoch balanced error`);
      assert.equal(summary(tuned.webgpu.report).balancedError, summary(tuned.wasm.report).balancedError, `${name}: fine-tuned balanced error`);
      measured.training = check(`${name}: training.json numbers`, tuned.wasm.training, tuned.webgpu.training);
      measured.tunedReport = check(`${name}: fine-tuned report.json numbers`, tuned.wasm.report, tuned.webgpu.report);
      if (model.endsWith('.onnx')) {
        assert.equal(engine.onnxExecutionProvider, 'webgpu');
        assert.match(engine.onnxPlacement ?? '', /^onnxruntime placed /);
      }
      return measured;
    };

    it('(a) a classifier head on features (.npz)', (t) => {
      const c = 5;
      const d = 12;
      let s = 11;
      const rnd = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5;
      const features = (n: number) => {
        const x: number[] = [];
        const y: number[] = [];
        for (let i = 0; i < n; i++) {
          y.push(i % c);
          for (let k = 0; k < d; k++) x.push(rnd() * 2 + (k % c === i % c ? 1.5 : 0));
        }
        return npzBytes({ features: npyBytes('f4', [n, d], x), labels: npyBytes('i8', [n], y) });
      };
      const workspace = join(root, 'head');
      const files = { train: join(workspace, 'train.npz'), eval: join(workspace, 'eval.npz'), head: join(workspace, 'head.npz'), counts: join(workspace, 'counts.json') };
      mkdirSync(workspace, { recursive: true });
      writeFileSync(files.train, features(80));
      writeFileSync(files.eval, features(60));
      writeFileSync(files.head, npzBytes({ 'fc.weight': npyBytes('f4', [c, d], Array.from({ length: c * d }, () => rnd())), 'fc.bias': npyBytes('f4', [c], Array.from({ length: c }, () => rnd())) }));
      writeFileSync(files.counts, JSON.stringify([500, 200, 60, 20, 5]));
      const measured = compare('head', files.head, ['--eval', files.eval, '--class-counts', files.counts], ['--train', files.train, '--eval', files.eval]);
      t.diagnostic(JSON.stringify(measured));
    });

    const fashionSubset = (): string => {
      assert.ok(existsSync(join(fashionMnist, 't10k-labels-idx1-ubyte.gz')), `Fashion-MNIST not found in ${fashionMnist} (install Debian's dataset-fashion-mnist or set LONGTAIL_FASHION_MNIST_DIR)`);
      const file = join(root, 'fashion-test-30.json');
      if (!existsSync(file)) {
        // 3 test images per class: the first ones of each label (IDX labels: an 8-byte header, then one byte each).
        const labels = gunzipSync(readFileSync(join(fashionMnist, 't10k-labels-idx1-ubyte.gz'))).subarray(8);
        const seen = new Array<number>(10).fill(0);
        const indices: number[] = [];
        labels.forEach((l, i) => {
          if (seen[l] < 3) {
            seen[l]++;
            indices.push(i);
          }
        });
        writeFileSync(file, JSON.stringify({ source: fashionMnist, split: 'test', indices }));
        writeFileSync(join(root, 'fashion-counts.json'), JSON.stringify([6000, 3600, 2100, 1300, 770, 460, 280, 170, 100, 60]));
      }
      return file;
    };

    it('(b) a TF.js LayersModel (small CNN) on Fashion-MNIST', (t) => {
      const subset = fashionSubset();
      const model = join(repo, 'test', 'fixtures', 'e2e-workspace', 'model', 'model.json');
      const measured = compare('layers', model, ['--eval', subset, '--class-counts', join(root, 'fashion-counts.json')], ['--train', subset]);
      t.diagnostic(JSON.stringify(measured));
    });

    it('(c) a PyTorch-exported ONNX CNN on Fashion-MNIST', (t) => {
      const subset = fashionSubset();
      const fixture = join(repo, 'test', 'fixtures', 'torch');
      const stats = readJson(join(fixture, 'unnormalisedCnn.json')) as { mean: number; std: number };
      const norm = ['--mean', String(stats.mean), '--std', String(stats.std)];
      const measured = compare('onnx', join(fixture, 'unnormalisedCnn.onnx'), ['--eval', subset, '--class-counts', join(root, 'fashion-counts.json'), ...norm], ['--train', subset, ...norm]);
      t.diagnostic(JSON.stringify(measured));
    });
  });
});
