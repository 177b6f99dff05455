import { strict as assert } from 'node:assert';
import { before, describe, it } from 'node:test';
import { measureThroughput } from '../../../src/engine/compute/measureThroughput';
import { tf } from '../../../src/engine/compute/tf';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';
import type { ProgressSnapshot } from '../../../src/protocol/progress';

describe('measureThroughput', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('reports GFLOP/s = 2·n³·iterations / seconds and complete progress snapshots', async () => {
    const snapshots: ProgressSnapshot[] = [];
    const before = tf.memory().numTensors;
    const r = await measureThroughput(tf, 'cpu', { seconds: 0.05, size: 32, progressToken: 'p', onProgress: (s) => snapshots.push(s) });
    assert.ok(r.iterations >= 1);
    assert.ok(Math.abs(r.gflops - (2 * 32 ** 3 * r.iterations) / r.seconds / 1e9) < 1e-9 * r.gflops + 1e-12);
    assert.equal(snapshots.length, r.iterations);
    for (const s of snapshots) {
      assert.equal(s.token, 'p');
      assert.equal(s.total, 50);
      assert.ok(s.done <= 50);
    }
    assert.equal(tf.memory().numTensors, before, 'no tensors leak');
  });

  it('stops with CANCELLED when the signal is set, and frees its tensors', async () => {
    const before = tf.memory().numTensors;
    await assert.rejects(
      measureThroughput(tf, 'cpu', { seconds: 60, size: 16, signal: { isCancellationRequested: true } }),
      (e: unknown) => e instanceof LongtailError && e.code === ErrorCode.Cancelled,
    );
    assert.equal(tf.memory().numTensors, before);
  });

  it('rejects out-of-range options with INVALID_OPTION', async () => {
    await assert.rejects(measureThroughput(tf, 'cpu', { seconds: 1, size: 3 }), (e: unknown) => e instanceof LongtailError && e.code === ErrorCode.InvalidOption);
    await assert.rejects(measureThroughput(tf, 'cpu', { seconds: 0, size: 16 }), (e: unknown) => e instanceof LongtailError && e.code === ErrorCode.InvalidOption);
  });
});
