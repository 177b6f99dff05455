import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { selectTargetBinaries, vsixTargets } from '../../../scripts/vsixTargets';

/** What webgpu 0.6.2 and onnxruntime-node 1.30.0 install (every platform's folder). */
const present = {
  dawn: ['darwin-universal', 'linux-arm64', 'linux-x64', 'win32-arm64', 'win32-x64'],
  onnxruntime: ['darwin/arm64', 'linux/arm64', 'linux/x64', 'win32/arm64', 'win32/x64'],
};

describe('per-target VSIX binaries', () => {
  it('linux-x64 keeps only its dawn.node and onnxruntime folders and excludes every other one', () => {
    const s = selectTargetBinaries('linux-x64', present);
    assert.deepEqual(s.keep, ['node_modules/webgpu/dist/linux-x64', 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64']);
    assert.deepEqual(s.exclude, [
      'node_modules/webgpu/dist/darwin-universal/**',
      'node_modules/webgpu/dist/linux-arm64/**',
      'node_modules/webgpu/dist/win32-arm64/**',
      'node_modules/webgpu/dist/win32-x64/**',
      'node_modules/onnxruntime-node/bin/napi-v6/darwin/arm64/**',
      'node_modules/onnxruntime-node/bin/napi-v6/linux/arm64/**',
      'node_modules/onnxruntime-node/bin/napi-v6/win32/arm64/**',
      'node_modules/onnxruntime-node/bin/napi-v6/win32/x64/**',
    ]);
    assert.deepEqual(s.missing, []);
  });

  it('every target keeps exactly one folder of each package and excludes all the others', () => {
    for (const target of vsixTargets) {
      const s = selectTargetBinaries(target, present);
      const kept = new Set(s.keep);
      const all = [...present.dawn.map((d) => `node_modules/webgpu/dist/${d}`), ...present.onnxruntime.map((d) => `node_modules/onnxruntime-node/bin/napi-v6/${d}`)];
      for (const folder of all) {
        assert.equal(kept.has(folder), !s.exclude.includes(`${folder}/**`), `${target}: ${folder} is either kept or excluded`);
      }
      assert.equal(s.keep.length + s.missing.length, 2, target);
    }
  });

  it('both Mac targets use the universal dawn.node; darwin-x64 says onnxruntime 1.30 has no binary for it', () => {
    assert.deepEqual(selectTargetBinaries('darwin-arm64', present).keep, ['node_modules/webgpu/dist/darwin-universal', 'node_modules/onnxruntime-node/bin/napi-v6/darwin/arm64']);
    const x64 = selectTargetBinaries('darwin-x64', present);
    assert.deepEqual(x64.keep, ['node_modules/webgpu/dist/darwin-universal']);
    assert.deepEqual(x64.missing, ['node_modules/onnxruntime-node/bin/napi-v6/darwin/x64 (onnxruntime-node\'s binding: ONNX checkpoints cannot load on darwin-x64)']);
    assert.ok(x64.exclude.includes('node_modules/onnxruntime-node/bin/napi-v6/darwin/arm64/**'));
    assert.ok(!x64.exclude.some((e) => e.includes('darwin-universal')));
  });

  it('win32-arm64 excludes win32-x64 (and the other way round)', () => {
    assert.ok(selectTargetBinaries('win32-arm64', present).exclude.includes('node_modules/webgpu/dist/win32-x64/**'));
    assert.ok(selectTargetBinaries('win32-x64', present).exclude.includes('node_modules/onnxruntime-node/bin/napi-v6/win32/arm64/**'));
  });
});
