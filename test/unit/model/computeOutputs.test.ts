import { strict as assert } from 'node:assert';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tf } from '../../../src/engine/compute/tf';
import { computeOutputs, computeOutputsToFiles } from '../../../src/engine/model/computeOutputs';
import { applyInputPlan, planInput } from '../../../src/engine/model/inputLayout';
import { loadClassifierModel } from '../../../src/engine/model/loadClassifierModel';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';
import type { ProgressSnapshot } from '../../../src/protocol/progress';
import { buildTinyOnnx, tinyOnnxReference } from '../../fixtures/onnxTiny/buildTinyOnnx';
import { inMemoryDataset, makeTempDir, maxAbsDiff, referenceOutputs, saveTinyLayersModel, seededFloats } from '../../fixtures/tinyModels';

const isCode = (code: string) => (e: unknown) => e instanceof LongtailError && e.code === code;
const n = 23;
const x = seededFloats(n * 64, 9);
const labels = Int32Array.from({ length: n }, (_, i) => i % 5);

describe('computeOutputs', () => {
  let root: string;
  let modelFile: string;
  before(async () => {
    await tf.setBackend('cpu');
    root = await makeTempDir();
    modelFile = await saveTinyLayersModel(path.join(root, 'm'));
  });
  after(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('streams uneven batches into [N, D] / [N, C], matches the reference, reports complete snapshots, leaks no tensors', async () => {
    const model = await loadClassifierModel(modelFile);
    try {
      const ds = inMemoryDataset(x, [8, 8, 1], labels);
      const snapshots: ProgressSnapshot[] = [];
      const before = tf.memory().numTensors;
      const out = await computeOutputs(model, ds, { batchSize: 5, progressToken: 't', onProgress: (s) => snapshots.push(s) });
      assert.equal(tf.memory().numTensors, before, 'no tensors leak');
      assert.equal(ds.reads, 5);
      const ref = referenceOutputs({}, x, [n, 8, 8, 1]);
      assert.equal(out.size, n);
      assert.equal(out.embeddings.length, n * 16);
      assert.equal(out.logits.length, n * 5);
      assert.ok(maxAbsDiff(out.embeddings, ref.embeddings) < 1e-5);
      assert.ok(maxAbsDiff(out.logits, ref.logits) < 1e-5);
      assert.deepEqual(snapshots.map((s) => s.done), [5, 10, 15, 20, 23]);
      assert.ok(snapshots.every((s) => s.total === n && s.token === 't' && s.phase === 'forward pass'));
    } finally {
      await model.dispose();
    }
  });

  it('writes the same values to files', async () => {
    const model = await loadClassifierModel(modelFile);
    try {
      const dir = await fs.mkdtemp(path.join(root, 'out-'));
      const files = await computeOutputsToFiles(model, inMemoryDataset(x, [8, 8, 1], labels), dir, { batchSize: 7 });
      const mem = await computeOutputs(model, inMemoryDataset(x, [8, 8, 1], labels), { batchSize: 100 });
      const e = await fs.readFile(files.embeddingsFile);
      assert.equal(e.length, n * 16 * 4);
      assert.ok(maxAbsDiff(new Float32Array(e.buffer, e.byteOffset, n * 16), mem.embeddings) < 1e-6);
      const l = await fs.readFile(files.logitsFile);
      assert.ok(maxAbsDiff(new Float32Array(l.buffer, l.byteOffset, n * 5), mem.logits) < 1e-6);
    } finally {
      await model.dispose();
    }
  });

  it('stops with CANCELLED between batches and leaks nothing', async () => {
    const model = await loadClassifierModel(modelFile);
    try {
      const signal = { isCancellationRequested: false };
      const before = tf.memory().numTensors;
      await assert.rejects(
        computeOutputs(model, inMemoryDataset(x, [8, 8, 1], labels), {
          batchSize: 4,
          signal,
          onProgress: (s) => {
            if (s.done >= 8) {
              signal.isCancellationRequested = true;
            }
          },
        }),
        isCode(ErrorCode.Cancelled),
      );
      assert.equal(tf.memory().numTensors, before);
    } finally {
      await model.dispose();
    }
  });

  it('rejects empty datasets, bad batch sizes, shape mismatches and oversized in-memory outputs', async () => {
    const model = await loadClassifierModel(modelFile);
    try {
      await assert.rejects(computeOutputs(model, inMemoryDataset(new Float32Array(0), [8, 8, 1], new Int32Array(0))), isCode(ErrorCode.EmptyDataset));
      await assert.rejects(computeOutputs(model, inMemoryDataset(x, [8, 8, 1], labels), { batchSize: 0 }), isCode(ErrorCode.InvalidOption));
      await assert.rejects(computeOutputs(model, inMemoryDataset(x, [4, 16, 1], labels)), isCode(ErrorCode.ShapeMismatch));
      await assert.rejects(computeOutputs(model, inMemoryDataset(x, [8, 8, 1], labels), { maxInMemoryBytes: 100 }), isCode(ErrorCode.InvalidOption));
    } finally {
      await model.dispose();
    }
  });

  it('runs an ONNX model on a flattened dataset', async () => {
    const file = path.join(root, 'mlp.onnx');
    await fs.writeFile(file, buildTinyOnnx({}));
    const model = await loadClassifierModel(file);
    try {
      const xs = seededFloats(9 * 6, 4);
      const out = await computeOutputs(model, inMemoryDataset(xs, [2, 3, 1], new Int32Array(9)), { batchSize: 4 });
      const ref = tinyOnnxReference({}, xs);
      assert.ok(maxAbsDiff(out.embeddings, ref.embeddings) < 1e-5);
      assert.ok(maxAbsDiff(out.logits, ref.logits) < 1e-5);
    } finally {
      await model.dispose();
    }
  });
});

describe('fixed batch dimension', () => {
  it('sends exactly the exported batch size, zero-pads the last batch and drops the padding', async () => {
    const root = await makeTempDir();
    try {
      const file = path.join(root, 'fixed.onnx');
      await fs.writeFile(file, buildTinyOnnx({ batch: 4 }));
      const model = await loadClassifierModel(file);
      const shapes: number[][] = [];
      const spy = Object.create(model) as typeof model;
      spy.forward = (xs, shape) => {
        shapes.push([...shape]);
        return model.forward(xs, shape);
      };
      try {
        assert.equal(model.fixedBatchSize, 4);
        const xs = seededFloats(10 * 6, 6);
        const out = await computeOutputs(spy, inMemoryDataset(xs, [6], new Int32Array(10)), { batchSize: 3 });
        assert.deepEqual(shapes, [[4, 6], [4, 6], [4, 6]]);
        const ref = tinyOnnxReference({}, xs);
        assert.equal(out.logits.length, 10 * 4);
        assert.ok(maxAbsDiff(out.embeddings, ref.embeddings) < 1e-5);
        assert.ok(maxAbsDiff(out.logits, ref.logits) < 1e-5);
      } finally {
        await model.dispose();
      }
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});

describe('input layout', () => {
  it('transposes NHWC to NCHW for a [C, H, W] model', () => {
    const plan = planInput([3, null, null], [2, 2, 3], 'm');
    assert.equal(plan.kind, 'nhwc-to-nchw');
    // one example, value = 100·y + 10·x + c
    const data = new Float32Array(12);
    for (let y = 0; y < 2; y++) for (let xx = 0; xx < 2; xx++) for (let c = 0; c < 3; c++) data[(y * 2 + xx) * 3 + c] = 100 * y + 10 * xx + c;
    const out = applyInputPlan(plan, data, 1);
    assert.deepEqual(out.shape, [1, 3, 2, 2]);
    assert.deepEqual([...out.data], [0, 10, 100, 110, 1, 11, 101, 111, 2, 12, 102, 112]);
  });

  it('prefers the shape as it is, flattens to rank 1, else SHAPE_MISMATCH', () => {
    assert.equal(planInput([null, null, 3], [4, 4, 3], 'm').kind, 'as-is');
    assert.equal(planInput([12], [2, 2, 3], 'm').kind, 'flatten');
    assert.throws(() => planInput([5], [2, 2, 3], 'm'), isCode(ErrorCode.ShapeMismatch));
  });
});
