/**
 * The built CLI (`dist/cli.js`) on SwiftShader, the software Vulkan driver in Debian's chromium package:
 * `info --backend webgpu` names the adapter as software, `auto` does not pick it, and without any Vulkan
 * driver `auto` falls back quietly with the reason. Checks the bundle's path to the `webgpu` package
 * (an `import()` esbuild leaves to Node) and that Dawn's messages never reach stdout (the engine's JSON-RPC
 * channel when it runs as a child process).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';

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
});
