import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { wasmKernelModule, wasmKernels } from '../../../scripts/wasmKernelSource';

describe('WebAssembly kernels (scripts/wasmKernelSource.ts)', () => {
  for (const kernel of wasmKernels) {
    it(`${kernel.constant}: the committed module is ${kernel.wat} compiled now`, async () => {
      const fresh = await wasmKernelModule(kernel);
      assert.ok(readFileSync(kernel.module, 'utf8') === fresh, `${kernel.module} is stale: run npm run generate:kernels`);
    });
  }
  it('a change to the text changes the module; invalid text is an error', async () => {
    const kernel = wasmKernels[0];
    const text = readFileSync(kernel.wat, 'utf8');
    assert.notEqual(await wasmKernelModule(kernel, text.replace('(i32.const 16)', '(i32.const 32)')), await wasmKernelModule(kernel, text));
    await assert.rejects(() => wasmKernelModule(kernel, text.replace('f32x4.sqrt', 'f32x4.cbrt')));
  });
});
