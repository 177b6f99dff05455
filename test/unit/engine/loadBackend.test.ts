import { strict as assert } from 'node:assert';
import { after, describe, it } from 'node:test';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { loadBackend } from '../../../src/engine/compute/loadBackend';
import type { WebgpuPackage } from '../../../src/engine/compute/webgpuBackend';
import { tf } from '../../../src/engine/compute/tf';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';

/** What `require` throws when an optional dependency was dropped by npm. */
function moduleNotFound(id: string): Error {
  return Object.assign(new Error(`Cannot find module '${id}'\nRequire stack:\n- /x/dist/engine.js`), { code: 'MODULE_NOT_FOUND' });
}

/** What tfjs-node throws when installed with --ignore-scripts (no libtensorflow, no addon). */
function missingAddon(id: string): Error {
  return new Error(`The Node.js native addon module (tfjs_binding.node) can not be found at path: /x/node_modules/${id}/lib/napi-v8/tfjs_binding.node. Please run command ...`);
}

/** A `webgpu` package whose GPU has the given adapter (null: no driver, the GPU-less case). */
function fakeWebgpu(adapter: null | { info: Record<string, unknown>; limits: { maxBufferSize: number; maxStorageBufferBindingSize: number } }): () => Promise<WebgpuPackage> {
  return () =>
    Promise.resolve({
      create: () => ({ requestAdapter: () => Promise.resolve(adapter === null ? null : { ...adapter, requestDevice: () => Promise.reject(new Error('fake device: not used')) }) }),
      globals: {},
    });
}
const noAdapter = fakeWebgpu(null);
const swiftShader = fakeWebgpu({
  info: { vendor: 'google', architecture: 'swiftshader', device: 'swiftshader-device-subzero-', description: 'SwiftShader driver 5.0.0', isFallbackAdapter: true },
  limits: { maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 2 ** 30 },
});

describe('loadBackend', () => {
  after(async () => {
    if (tf.findBackend('tensorflow')) {
      tf.removeBackend('tensorflow');
    }
    await tf.setBackend('cpu');
  });

  it('auto falls back past absent native packages to wasm and says why', async () => {
    const loaded = await loadBackend(tf, { requested: 'auto', threads: 0, requireModule: (id) => { throw moduleNotFound(id); }, importWebgpu: noAdapter });
    assert.equal(loaded.name, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.deepEqual(loaded.attempts.map((a) => [a.name, a.status]), [['gpu', 'failed'], ['webgpu', 'failed'], ['native', 'failed'], ['wasm', 'chosen'], ['cpu', 'skipped']]);
    // requestAdapter() resolving null is the normal GPU-less case: a quiet fallback with the reason.
    assert.match(loaded.attempts[1].reason ?? '', /^no WebGPU adapter: Dawn found no (Vulkan|Metal|D3D12) device/);
    assert.match(loaded.attempts[0].reason ?? '', /@tensorflow\/tfjs-node-gpu is not installed/);
    assert.ok(!/Require stack/.test(loaded.attempts[0].reason ?? ''), 'reason is one line');
    assert.ok(loaded.threads >= 1);
    // wasmKernels.ts: the gradient kernels stock wasm lacks are registered and listed.
    assert.ok(loaded.patchedKernels.includes('Conv2DBackpropFilter'), loaded.patchedKernels.join());
    assert.ok(tf.getKernel('UnsortedSegmentSum', 'wasm'));
    // wasmThreads.ts: either threads > 1, or a note saying why the threaded build is not used.
    assert.ok(loaded.threads > 1 || loaded.notes.some((n) => /single-threaded/.test(n)), loaded.notes.join('; '));
  });

  it('reports a native package whose addon is missing with its own message', async () => {
    const loaded = await loadBackend(tf, { requested: 'auto', threads: 1, requireModule: (id) => { throw missingAddon(id); }, importWebgpu: noAdapter });
    assert.equal(loaded.name, 'wasm');
    assert.match(loaded.attempts[2].reason ?? '', /tfjs-node failed to load: The Node.js native addon module \(tfjs_binding.node\) can not be found/);
  });

  it('an explicit request for an unavailable backend is a typed error, not a silent fallback', async () => {
    await assert.rejects(
      loadBackend(tf, { requested: 'gpu', threads: 0, requireModule: (id) => { throw moduleNotFound(id); } }),
      (e: unknown) => e instanceof LongtailError && e.code === ErrorCode.BackendUnavailable && /tfjs-node-gpu is not installed/.test(e.message),
    );
  });

  it('uses a native backend when its package loads and registers "tensorflow" on this tfjs instance', async () => {
    const loaded = await loadBackend(tf, {
      requested: 'auto',
      threads: 0,
      requireModule: (id) => {
        assert.equal(id, '@tensorflow/tfjs-node-gpu');
        // Stand-in for tfjs-node-gpu's registration: a backend named 'tensorflow'.
        tf.registerBackend('tensorflow', () => new MathBackendCPU());
        return {};
      },
    });
    assert.equal(loaded.name, 'gpu');
    assert.equal(loaded.device, 'gpu');
    assert.equal(tf.getBackend(), 'tensorflow');
    assert.deepEqual(loaded.attempts.map((a) => a.status), ['chosen', 'skipped', 'skipped', 'skipped', 'skipped']);
  });

  it('a native package that loads but registers nothing is reported, then skipped', async () => {
    if (tf.findBackend('tensorflow')) {
      tf.removeBackend('tensorflow');
    }
    const loaded = await loadBackend(tf, { requested: 'auto', threads: 0, requireModule: () => ({}), importWebgpu: noAdapter });
    assert.equal(loaded.name, 'wasm');
    assert.match(loaded.attempts[0].reason ?? '', /registered no 'tensorflow' backend/);
  });

  it('honours an explicit cpu request', async () => {
    const loaded = await loadBackend(tf, { requested: 'cpu', threads: 0 });
    assert.equal(loaded.name, 'cpu');
    assert.equal(tf.getBackend(), 'cpu');
    assert.deepEqual(loaded.patchedKernels, []);
    assert.deepEqual(loaded.attempts.map((a) => [a.name, a.status]), [['cpu', 'chosen'], ['gpu', 'skipped'], ['webgpu', 'skipped'], ['native', 'skipped'], ['wasm', 'skipped']]);
  });

  it('auto never takes a software WebGPU adapter, and says which one it skipped', async () => {
    const loaded = await loadBackend(tf, { requested: 'auto', threads: 1, requireModule: (id) => { throw moduleNotFound(id); }, importWebgpu: swiftShader });
    assert.equal(loaded.name, 'wasm');
    assert.equal(loaded.adapter, undefined);
    assert.equal(loaded.attempts[1].status, 'failed');
    assert.equal(
      loaded.attempts[1].reason,
      'only a software WebGPU adapter is available (SwiftShader driver 5.0.0: the adapter reports isFallbackAdapter); auto never uses one, --backend webgpu does',
    );
  });

  it('an explicit webgpu request with no adapter is BACKEND_UNAVAILABLE naming the reason', async () => {
    await assert.rejects(
      loadBackend(tf, { requested: 'webgpu', threads: 0, importWebgpu: noAdapter }),
      (e: unknown) => e instanceof LongtailError && e.code === ErrorCode.BackendUnavailable && /backend 'webgpu' is not available here: webgpu: no WebGPU adapter/.test(e.message),
    );
  });

  it('a webgpu package that fails to load is a reason, not a crash', async () => {
    const loaded = await loadBackend(tf, { requested: 'auto', threads: 1, requireModule: (id) => { throw moduleNotFound(id); }, importWebgpu: () => Promise.reject(new Error('dawn.node: wrong ELF class\nmore')) });
    assert.equal(loaded.name, 'wasm');
    assert.equal(loaded.attempts[1].reason, "the webgpu package (Dawn's Node bindings) failed to load: dawn.node: wrong ELF class");
  });
});
