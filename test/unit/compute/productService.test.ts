import { strict as assert } from 'node:assert';
import { after, describe, it } from 'node:test';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';
import { createProductService, productService, type SyncProductService } from '../../../src/engine/compute/productService';

function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) out[i] = (s = (s * 16807) % 2147483647) / 2147483647 - 0.5;
  return out;
}

/** float64 reference of A·Bᵀ (A m×k, B n×k) with Σ|a||b| per cell for the error bound. */
function refABt(a: Float32Array, b: Float32Array, m: number, k: number, n: number): { c: Float64Array; abs: Float64Array } {
  const c = new Float64Array(m * n);
  const abs = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      let t = 0;
      for (let p = 0; p < k; p++) {
        s += a[i * k + p] * b[j * k + p];
        t += Math.abs(a[i * k + p] * b[j * k + p]);
      }
      c[i * n + j] = s;
      abs[i * n + j] = t;
    }
  return { c, abs };
}

/** Aᵀ (k×m → m×k) so Aᵀ·B = (Aᵀ)·(Bᵀ)ᵀ can reuse refABt. */
function transpose(x: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = x[r * cols + c];
  return t;
}

/**
 * Inputs are exact float32 values, so the only error is float32 accumulation: the standard bound
 * |ĉ − c| ≤ γ_k Σ|a||b| with γ_k ≈ k·2⁻²⁴ (Higham, Accuracy and Stability, §3.1), plus 1e-30 for k = 0.
 */
function assertClose(actual: Float32Array, ref: { c: Float64Array; abs: Float64Array }, k: number, label: string): void {
  assert.equal(actual.length, ref.c.length, `${label}: length`);
  const gamma = Math.max(1, k) * 2 ** -24;
  for (let i = 0; i < ref.c.length; i++) {
    const err = Math.abs(actual[i] - ref.c[i]);
    assert.ok(err <= gamma * ref.abs[i] + 1e-30, `${label} [${i}]: ${actual[i]} vs ${ref.c[i]} (err ${err}, bound ${gamma * ref.abs[i]})`);
  }
}

const shapes: [number, number, number][] = [
  [1, 1, 1],
  [37, 2048, 53],
  [13, 5, 1],
  [1, 2048, 300],
  [101, 3, 7],
];

async function checkProducts(service: SyncProductService, label: string): Promise<void> {
  for (const [m, k, n] of shapes) {
    const a = values(m * k, 7 + m);
    const b = values(n * k, 11 + n);
    const expected = refABt(a, b, m, k, n);
    assertClose(await service.multiplyABt(a, b, m, k, n), expected, k, `${label} A·Bᵀ ${m}×${k}×${n}`);
    assertClose(service.multiplyABtSync(a, b, m, k, n), expected, k, `${label} sync A·Bᵀ ${m}×${k}×${n}`);
    // Aᵀ·B with A = aᵀ (k×m) and B = bᵀ (k×n) is the same m×n product.
    const at = transpose(a, m, k);
    const bt = transpose(b, n, k);
    assertClose(await service.multiplyAtB(at, bt, k, m, n), expected, k, `${label} Aᵀ·B ${k}×${m}×${n}`);
    assertClose(service.multiplyAtBSync(at, bt, k, m, n), expected, k, `${label} sync Aᵀ·B ${k}×${m}×${n}`);
  }
}

describe('productService (onnxruntime)', () => {
  let service: SyncProductService;
  after(async () => service?.dispose());

  it('runs on onnxruntime with a positive thread count and a reason', async () => {
    service = await createProductService({ threads: 1 });
    assert.equal(service.kind, 'onnxruntime');
    assert.equal(service.threads, 1);
    assert.match(service.reason, /longtail\.threads/);
  });

  it('matches a float64 reference for both products on odd shapes (1×1×1, k = 2048, m prime)', async () => {
    await checkProducts(service, 'ort');
  });

  it('writes into a reused out buffer (longer than needed) and reads views at an offset', async () => {
    const [m, k, n] = [9, 33, 17];
    const backing = values(5 + m * k, 3);
    const a = backing.subarray(5); // byteOffset 20
    const b = values(n * k, 4);
    const out = new Float32Array(m * n + 10).fill(Number.NaN);
    const c1 = await service.multiplyABt(a, b, m, k, n, out);
    assert.equal(c1.buffer, out.buffer);
    assert.equal(c1.length, m * n);
    assert.ok(Number.isNaN(out[m * n]), 'values past m·n are left alone');
    assertClose(out.subarray(0, m * n), refABt(a, b, m, k, n), k, 'out A·Bᵀ');
    // Same buffer again, now for Aᵀ·B with different operands: fully overwritten.
    const a2 = values(k * m, 8);
    const b2 = values(k * n, 9);
    const c2 = await service.multiplyAtB(a2, b2, k, m, n, out);
    assert.equal(c2.buffer, out.buffer);
    assertClose(c2, refABt(transpose(a2, k, m), transpose(b2, k, n), m, k, n), k, 'out Aᵀ·B');
  });

  it('handles empty shapes and k = 0 (zeros) without calling a kernel', async () => {
    assert.equal((await service.multiplyABt(new Float32Array(0), new Float32Array(0), 0, 4, 0)).length, 0);
    const out = new Float32Array(6).fill(5);
    assert.deepEqual([...(await service.multiplyAtB(new Float32Array(0), new Float32Array(0), 0, 2, 3, out))], [0, 0, 0, 0, 0, 0]);
  });

  it('refuses operands smaller than their shape with a typed one-line error', async () => {
    await assert.rejects(service.multiplyABt(new Float32Array(5), new Float32Array(6), 2, 3, 2), (e: unknown) => e instanceof LongtailError && e.code === ErrorCode.ShapeMismatch && /A holds 5 values, the shape needs 6/.test(e.message));
    await assert.rejects(service.multiplyAtB(new Float32Array(6), new Float32Array(6), 3, 2, 2, new Float32Array(3)), (e: unknown) => e instanceof LongtailError && /output buffer holds 3/.test(e.message));
    await assert.rejects(service.multiplyABt(new Float32Array(6), new Float32Array(6), 2, 1.5, 2), (e: unknown) => e instanceof LongtailError && /non-negative integers/.test(e.message));
  });

  it('is shared per process and thread count', async () => {
    const s1 = await productService({ threads: 1 });
    const s2 = await productService({ threads: 1 });
    assert.equal(s1, s2);
    const chosen = await productService();
    assert.equal(chosen, await productService({ threads: 0 }));
    assert.ok(chosen.threads >= 1);
  });
});

describe('productService (TF.js fallback)', () => {
  it('falls back to TF.js when onnxruntime cannot load, says why, and gives the same products', async () => {
    const service = await createProductService({
      loadOrt: () => {
        throw new Error('libonnxruntime.so: cannot open shared object file');
      },
    });
    assert.equal(service.kind, 'tfjs');
    assert.match(service.reason, /onnxruntime unavailable \(libonnxruntime\.so: cannot open shared object file\)/);
    await checkProducts(service, 'tfjs');
    await service.dispose();
  });
});
