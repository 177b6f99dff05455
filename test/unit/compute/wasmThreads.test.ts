import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import type { Tensor, Tensor4D } from '@tensorflow/tfjs';
import { loadBackend } from '../../../src/engine/compute/loadBackend';
import { tf } from '../../../src/engine/compute/tf';
import { wasmTempDirEnv } from '../../../src/engine/compute/wasmThreads';

const child = path.join(__dirname, 'fixtures', 'wasmThreadsChild.ts');

/** Runs the child fixture; returns its exit status, stdout and the RESULT it printed on stderr. */
function runChild(threads: number, env: Record<string, string>) {
  const started = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', child, String(threads)], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const line = r.stderr.split('\n').find((l) => l.startsWith('RESULT '));
  assert.ok(line, `no RESULT line; status ${r.status}, stderr: ${r.stderr.slice(-2000)}`);
  const result = JSON.parse(line.slice('RESULT '.length)) as { threads: number; notes: string[]; sum: number; conv: number };
  return { status: r.status, signal: r.signal, stdout: r.stdout, ms: Date.now() - started, result };
}

function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

describe('wasm threads under Node', () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'longtail-threads-test-'));
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('runs the threaded-SIMD build with 2 threads and matches the cpu backend (matMul, conv)', async () => {
    const loaded = await loadBackend(tf, { requested: 'wasm', threads: 2, wasmTempRoot: scratch });
    assert.equal(loaded.threads, 2, loaded.notes.join('; '));
    assert.ok(loaded.notes.some((n) => /wasm threads: 2/.test(n)), loaded.notes.join('; '));
    assert.equal(tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT'), true);

    const compute = (): Tensor[] => {
      const a = tf.tensor2d(values(300 * 257, 1), [300, 257]);
      const b = tf.tensor2d(values(257 * 190, 2), [257, 190]);
      const x = tf.tensor4d(values(4 * 20 * 20 * 8, 3), [4, 20, 20, 8]);
      const f = tf.tensor4d(values(3 * 3 * 8 * 16, 4), [3, 3, 8, 16]);
      return [tf.matMul(a, b), tf.conv2d(x, f as Tensor4D, 2, 'same'), tf.conv2d(x, f as Tensor4D, 1, 'valid')];
    };
    const got = tf.tidy(compute).map((t) => t.dataSync());
    assert.ok(await tf.setBackend('cpu'));
    const ref = tf.tidy(compute).map((t) => t.dataSync());
    assert.ok(await tf.setBackend('wasm'));
    ref.forEach((r, k) => {
      let err = 0;
      let scale = 1;
      for (let i = 0; i < r.length; i++) {
        err = Math.max(err, Math.abs(r[i] - got[k][i]));
        scale = Math.max(scale, Math.abs(r[i]));
      }
      assert.ok(err / scale <= 1e-5, `output ${k}: relative error ${err / scale}`);
    });
  });

  it('a second load in the same process reports the same threads and notes', async () => {
    const again = await loadBackend(tf, { requested: 'wasm', threads: 2 });
    assert.equal(again.threads, 2);
    assert.ok(again.notes.some((n) => /wasm threads: 2/.test(n)));
  });

  it('a threaded child process exits on its own, writes nothing to stdout and removes its temp files', () => {
    const root = fs.mkdtempSync(path.join(scratch, 'child-'));
    // A folder left by a process that died without cleaning up (its pid is free again).
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid;
    fs.mkdirSync(path.join(root, `longtail-wasm-${deadPid}-stale`));
    const r = runChild(2, { [wasmTempDirEnv]: root });
    assert.equal(r.status, 0);
    assert.equal(r.stdout, '');
    assert.equal(r.result.threads, 2, r.result.notes.join('; '));
    assert.equal(r.result.conv, 36);
    assert.deepEqual(fs.readdirSync(root), [], 'own temp folder removed, stale one too');
  });

  it('falls back to the single-threaded build, and says why, when the shim cannot start', () => {
    const r = runChild(2, { [wasmTempDirEnv]: path.join(scratch, 'does-not-exist') });
    assert.equal(r.status, 0);
    assert.equal(r.stdout, '');
    assert.equal(r.result.threads, 1);
    assert.ok(r.result.notes.some((n) => /single-threaded: the threaded build could not start under Node \(cannot create the worker temp folder/.test(n)), r.result.notes.join('; '));
    assert.equal(r.result.conv, 36);
  });

  it('one requested thread uses the single-threaded build', () => {
    const r = runChild(1, {});
    assert.equal(r.status, 0);
    assert.equal(r.result.threads, 1);
    assert.ok(r.result.notes.some((n) => /1 thread requested/.test(n)));
  });
});
