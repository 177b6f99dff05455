// PCA through the TF.js A·Bᵀ kernel on the wasm backend against numpy (test/fixtures/reference/pca_reference.py).
// Regression test for issue #12: the kernel cached uploads by ArrayBuffer identity while the subspace
// iteration rewrites q and yt in place, so every iteration after the first multiplied by stale matrices.
// Skips when python3 with numpy is not available.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import '@tensorflow/tfjs-backend-wasm';
import { pcaProjection } from '../../../src/engine/analysis/projection';
import { tf } from '../../../src/engine/compute/tf';
import { tfMultiplyABt } from '../../../src/engine/compute/tfMultiplyABt';
import { assertAllClose, randomProblem } from './helpers';

const script = join(__dirname, '..', '..', 'fixtures', 'reference', 'pca_reference.py');

function numpyUnavailable(): string | null {
  const r = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
  if (r.error) return `python3 not found (${r.error.message})`;
  return r.status === 0 ? null : `python3 cannot import numpy: ${r.stderr.trim().split('\n').pop() ?? ''}`;
}

function numpyPca(embeddings: ArrayLike<number>, n: number, d: number): { explainedVariance: [number, number]; points: [number, number][] } {
  const dir = mkdtempSync(join(tmpdir(), 'longtail-pca-'));
  try {
    writeFileSync(join(dir, 'meta.json'), JSON.stringify({ n, d }));
    writeFileSync(join(dir, 'embeddings.bin'), Buffer.from(Float64Array.from(embeddings).buffer));
    const r = spawnSync('python3', [script, dir], { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 120_000 });
    assert.equal(r.status, 0, `reference script failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as { explainedVariance: [number, number]; points: [number, number][] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('PCA projection on the wasm backend vs numpy', () => {
  const why = numpyUnavailable();
  for (const [n, c, d] of [[1200, 10, 48], [800, 30, 130]] as const) {
    it(`N = ${n}, C = ${c}, D = ${d}, float32 embeddings as the pipeline passes them`, { skip: why ?? false }, async () => {
      assert.ok(await tf.setBackend('wasm'));
      const p = randomProblem(n + d, n, c, d);
      const embeddings = Float32Array.from(p.embeddings);
      const ref = numpyPca(embeddings, n, d);
      // The spectrum must have two distinct leading values, or the test could not tell the directions apart.
      assert.ok(ref.explainedVariance[0] > ref.explainedVariance[1] * 1.05, `reference spectrum ${ref.explainedVariance.join(', ')}`);
      const kernel = tfMultiplyABt(tf);
      try {
        const proj = pcaProjection(embeddings, p.labels, d, 5000, 7, kernel.multiply);
        assert.equal(proj.sampled, n);
        // float32 products: explained variance to 1e-5, points to 1e-4 of the largest coordinate.
        assertAllClose(proj.explainedVariance, ref.explainedVariance, 1e-5, 'explained variance');
        const scale = Math.max(...ref.points.map(([x]) => Math.abs(x)));
        proj.points.forEach(([x, y, label], i) => {
          assert.equal(label, p.labels[i]);
          assertAllClose([x, y], ref.points[i], 1e-4 * scale, `point ${i}`);
        });
      } finally {
        kernel.dispose();
      }
    });
  }
});

describe('tfMultiplyABt uploads', () => {
  it('reads an operand rewritten in place afresh, and keeps an unchanged one (bUnchanged) uploaded once', async () => {
    assert.ok(await tf.setBackend('wasm'));
    const kernel = tfMultiplyABt(tf);
    try {
      const a = new Float64Array([1, 2, 3, 4]); // [2, 2]
      const b = new Float64Array([1, 0, 0, 1]); // identity
      const out = new Float64Array(4);
      kernel.multiply(a, 0, 2, b, 2, 2, out);
      assert.deepEqual([...out], [1, 2, 3, 4]);
      b.set([2, 0, 0, 2]);
      a.set([5, 6, 7, 8]);
      kernel.multiply(a, 0, 2, b, 2, 2, out);
      assert.deepEqual([...out], [10, 12, 14, 16], 'current values of both operands');
      const w = new Float32Array([1, 1, 0, 1]);
      const before = tf.memory().numTensors;
      kernel.multiply(a, 0, 2, w, 2, 2, out, true);
      assert.deepEqual([...out], [11, 6, 15, 8]);
      assert.equal(tf.memory().numTensors, before + 1, 'one kept upload of the unchanged operand');
      kernel.multiply(a, 1, 1, w, 2, 2, out, true);
      assert.deepEqual([...out.subarray(0, 2)], [15, 8]);
      assert.equal(tf.memory().numTensors, before + 1, 'reused, not uploaded again');
      kernel.dispose();
      assert.equal(tf.memory().numTensors, before);
    } finally {
      kernel.dispose();
    }
  });
});
