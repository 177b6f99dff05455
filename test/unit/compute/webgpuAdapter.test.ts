import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { summariseAdapter, webgpuApiFor } from '../../../src/engine/compute/webgpuAdapter';
import { adapterName, deviceLabel } from '../../../src/protocol/engineInfo';

const limits = { maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 2 ** 27 };

describe('webgpuAdapter', () => {
  it('an NVIDIA adapter under Vulkan is hardware and labelled as a GPU', () => {
    const a = summariseAdapter({ vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H100 80GB HBM3', isFallbackAdapter: false }, limits, 'linux');
    assert.equal(a.software, false);
    assert.equal(a.softwareReason, undefined);
    assert.equal(a.api, 'Vulkan');
    assert.equal(a.maxStorageBufferBindingSize, 2 ** 27);
    assert.equal(deviceLabel({ name: 'webgpu', adapter: a }), 'GPU · NVIDIA H100 80GB HBM3 (WebGPU, Vulkan)');
  });

  it('SwiftShader is software (isFallbackAdapter) and never called a GPU', () => {
    const a = summariseAdapter({ vendor: 'google', architecture: 'swiftshader', device: 'swiftshader-device-subzero-', description: 'SwiftShader driver 5.0.0', isFallbackAdapter: true }, limits, 'linux');
    assert.equal(a.software, true);
    assert.equal(a.softwareReason, 'the adapter reports isFallbackAdapter');
    assert.equal(adapterName(a), 'SwiftShader');
    assert.equal(deviceLabel({ name: 'webgpu', adapter: a }), 'WebGPU · SwiftShader (software adapter)');
  });

  it('software implementations are recognised by name even when isFallbackAdapter is false or absent', () => {
    const cases: [Record<string, string>, string][] = [
      [{ vendor: 'mesa', architecture: '', device: '', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' }, 'its description names llvmpipe'],
      [{ vendor: 'mesa', architecture: 'lavapipe', device: '', description: '' }, 'its architecture names lavapipe'],
      [{ vendor: 'microsoft', architecture: '', device: 'Microsoft Basic Render Driver', description: '' }, 'its device names Microsoft Basic'],
    ];
    for (const [info, reason] of cases) {
      const a = summariseAdapter(info, limits, 'win32');
      assert.equal(a.software, true, JSON.stringify(info));
      assert.equal(a.softwareReason, `${reason}, a software implementation`);
    }
    // Dawn builds that put the flag on the adapter rather than its info.
    assert.equal(summariseAdapter({ vendor: 'x', description: 'Some GPU' }, limits, 'linux', true).software, true);
    assert.equal(summariseAdapter({ vendor: 'amd', description: 'AMD Radeon RX 7900 XTX (RADV NAVI31)' }, limits, 'linux').software, false);
  });

  it('names the native API per platform and falls back to vendor + architecture for the name', () => {
    assert.deepEqual(['linux', 'darwin', 'win32'].map(webgpuApiFor), ['Vulkan', 'Metal', 'D3D12']);
    const apple = summariseAdapter({ vendor: 'apple', architecture: 'metal-3', device: '', description: '' }, limits, 'darwin');
    assert.equal(deviceLabel({ name: 'webgpu', adapter: apple }), 'GPU · apple metal-3 (WebGPU, Metal)');
    assert.equal(deviceLabel({ name: 'wasm' }), 'WASM');
    assert.equal(deviceLabel({ name: 'gpu' }), 'GPU · CUDA (tfjs-node-gpu)');
  });
});
