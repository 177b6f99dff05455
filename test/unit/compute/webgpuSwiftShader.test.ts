/**
 * The webgpu backend on a real WebGPU implementation: Dawn (the `webgpu` package) over SwiftShader, the
 * software Vulkan driver inside Debian's chromium package (CI installs chromium; so does this project's
 * machine). Not skipped when SwiftShader is missing: it fails and says what to install.
 *
 * Vulkan's loader reads VK_ICD_FILENAMES and the dynamic linker reads LD_LIBRARY_PATH when a process
 * starts, so the checks run in a child process (fixtures/webgpuChild.ts) started with:
 * - VK_ICD_FILENAMES = chromium's vk_swiftshader_icd.json (or $LONGTAIL_SWIFTSHADER_ICD);
 * - LD_LIBRARY_PATH += that folder, which also holds chromium's own libvulkan.so.1 (the Vulkan loader;
 *   Debian's libvulkan1 is not installed on every machine);
 * - XDG_RUNTIME_DIR = a fresh private temp folder (Dawn warns without one).
 *
 * Tolerances, each relative to max(1, max |cpu value|): forward passes of a LayersModel, a GraphModel and a
 * PyTorch-exported ONNX model (onnxruntime's WebGPU EP vs its CPU EP and vs torch) ≤ 1e-5; the gradient of
 * every loss w.r.t. logits and embeddings ≤ 1e-5; per-epoch losses of fine-tunes in each scope (head on
 * features; all layers and the last block of a LayersModel) ≤ 1e-5.
 * Measured: ≤ 1.1e-7 everywhere (float32 on both sides; SwiftShader differs from the cpu backend only in
 * summation order).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';

/** Where the SwiftShader ICD is, or why the test cannot run. */
function swiftShaderIcd(): string {
  const candidates = [process.env.LONGTAIL_SWIFTSHADER_ICD, '/usr/lib/chromium/vk_swiftshader_icd.json', '/usr/lib64/chromium/vk_swiftshader_icd.json'].filter((p): p is string => !!p);
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    assert.fail(`SwiftShader's Vulkan ICD not found (looked at ${candidates.join(', ')}): install Debian's chromium package, or set LONGTAIL_SWIFTSHADER_ICD`);
  }
  return found;
}

const tolerance = 1e-5;

describe('webgpu backend on SwiftShader (software Vulkan)', () => {
  it('is software, refused by auto, and matches the cpu backend on forward passes, loss gradients and a fine-tune per scope', () => {
    const icd = swiftShaderIcd();
    const runtimeDir = mkdtempSync(path.join(os.tmpdir(), 'longtail-xdg-'));
    try {
      const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures', 'webgpuChild.ts')], {
        encoding: 'utf8',
        timeout: 240_000,
        env: {
          ...process.env,
          VK_ICD_FILENAMES: icd,
          LD_LIBRARY_PATH: [path.dirname(icd), process.env.LD_LIBRARY_PATH].filter((p) => p).join(':'),
          XDG_RUNTIME_DIR: runtimeDir,
        },
      });
      assert.equal(child.status, 0, `child failed (status ${child.status}, signal ${child.signal}):\n${child.stderr.slice(-3000)}`);
      const lines = child.stdout.trim().split('\n');
      const r = JSON.parse(lines[lines.length - 1]) as {
        auto: { name: string; webgpu: { status: string; reason: string } };
        adapter: { architecture: string; software: boolean; description: string; maxStorageBufferBindingSize: number };
        device: string;
        tfBackend: string;
        checks: {
          layersForward: { maxRel: number; n: number };
          graphForward: { maxRel: number; n: number };
          onnxForward: { maxRelCpuEp: number; maxRelTorch: number; notes: string[]; cpuNotes: string[] };
          lossGradients: Record<string, number>;
          headFineTune: { maxRel: number; cpu: { losses: number[] }; webgpu: { losses: number[] }; cpuEngine: Record<string, string>; engine: Record<string, string>; balancedErrors: number[] };
          memory: { numTensors: number[] };
          deviceLoss: { lostError: string; recovered: string; maxRel: number };
          modelFineTunes: { maxRel: number; n: number; tensorsBefore: number; tensorsAfter: number };
        };
      };
      // The adapter, and the rule that auto never takes it.
      assert.equal(r.adapter.architecture, 'swiftshader');
      assert.equal(r.adapter.software, true);
      assert.ok(r.adapter.maxStorageBufferBindingSize > 0);
      assert.equal(r.device, 'cpu', 'a software adapter is never reported as a GPU');
      assert.equal(r.tfBackend, 'webgpu');
      assert.notEqual(r.auto.name, 'webgpu');
      assert.equal(r.auto.webgpu.status, 'failed');
      assert.match(r.auto.webgpu.reason, /only a software WebGPU adapter is available \(SwiftShader/);

      const c = r.checks;
      assert.equal(c.layersForward.n, 30);
      assert.ok(c.layersForward.maxRel <= tolerance, `LayersModel forward: ${c.layersForward.maxRel}`);
      assert.equal(c.graphForward.n, 18);
      assert.ok(c.graphForward.maxRel <= tolerance, `GraphModel forward: ${c.graphForward.maxRel}`);
      assert.ok(c.onnxForward.maxRelCpuEp <= tolerance, `ONNX WebGPU EP vs CPU EP: ${c.onnxForward.maxRelCpuEp}`);
      assert.ok(c.onnxForward.maxRelTorch <= tolerance, `ONNX WebGPU EP vs torch: ${c.onnxForward.maxRelTorch}`);
      assert.deepEqual(c.onnxForward.cpuNotes, ['onnxruntime execution provider: cpu']);
      assert.equal(c.onnxForward.notes[0], 'onnxruntime execution provider: webgpu');
      assert.match(c.onnxForward.notes[1], /^onnxruntime placed (all \d+ ops on WebGpuExecutionProvider|\d+ of \d+ ops on the CPU)/);

      const losses = Object.keys(c.lossGradients);
      assert.ok(losses.length >= 8 && losses.includes('la') && losses.includes('elm'), losses.join());
      for (const [name, err] of Object.entries(c.lossGradients)) {
        assert.ok(err <= tolerance, `${name} gradient on webgpu vs cpu: ${err}`);
      }
      assert.equal(c.headFineTune.webgpu.losses.length, 3);
      assert.ok(c.headFineTune.webgpu.losses[2] < c.headFineTune.webgpu.losses[0], 'the head fine-tune lowers the loss');
      assert.ok(c.headFineTune.maxRel <= tolerance, `head fine-tune losses: ${c.headFineTune.maxRel}`);
      // Fine-tuning a LayersModel in the other two scopes (every layer; the last block), 2 epochs each.
      assert.equal(c.modelFineTunes.n, 4);
      assert.ok(c.modelFineTunes.maxRel <= tolerance, `all / last-block fine-tune losses: ${c.modelFineTunes.maxRel}`);
      assert.equal(c.modelFineTunes.tensorsAfter, c.modelFineTunes.tensorsBefore, 'two fine-tunes (4 epochs) leave no tensor behind');
      // report.json records the device that ran.
      assert.equal(c.headFineTune.engine.backend, 'webgpu');
      assert.equal(c.headFineTune.engine.device, 'WebGPU · SwiftShader (software adapter)');
      assert.equal(c.headFineTune.cpuEngine.backend, 'cpu');
      assert.equal(c.headFineTune.cpuEngine.device, 'CPU (JavaScript)');
      assert.equal(c.headFineTune.balancedErrors[1], c.headFineTune.balancedErrors[0]);
      // A lost device: named error, then the next request runs on a re-created device.
      assert.match(c.deviceLoss.lostError, /^GPU_DEVICE_LOST: the GPU device was lost at batch size 6 \(.+\); the next request starts it again/);
      assert.equal(c.deviceLoss.recovered, 'WebGPU device re-created after a loss (SwiftShader driver 5.0.0)');
      assert.ok(c.deviceLoss.maxRel <= tolerance, `forward after recovery: ${c.deviceLoss.maxRel}`);
      // Every batch frees what it allocated.
      assert.equal(new Set(c.memory.numTensors).size, 1, `tf.memory().numTensors across batches: ${c.memory.numTensors.join(', ')}`);
    } finally {
      rmSync(runtimeDir, { recursive: true, force: true });
    }
  });
});
