import { strict as assert } from 'node:assert';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { detectModelFormat } from '../../../src/engine/model/detectModelFormat';
import { loadOnnxClassifier } from '../../../src/engine/model/onnxClassifier';
import { addGraphOutputs, parseOnnxModel } from '../../../src/engine/model/onnxModel';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';
import { buildTinyOnnx, tinyOnnxReference, tinyOnnxWeights, type TinyOnnxOptions } from '../../fixtures/onnxTiny/buildTinyOnnx';
import { makeTempDir, maxAbsDiff, seededFloats } from '../../fixtures/tinyModels';

const torchDir = path.join(__dirname, '../../fixtures/onnxTorch');
const isCode = (code: string) => (e: unknown) => e instanceof LongtailError && e.code === code;

interface Expected {
  inputShape: number[];
  input: number[];
  embeddings: number[];
  logits: number[];
  weight: number[];
  bias: number[];
}

describe('ONNX classifiers', () => {
  let root: string;
  before(async () => {
    root = await makeTempDir();
  });
  after(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  async function checkTiny(name: string, options: TinyOnnxOptions): Promise<void> {
    const file = path.join(root, `${name}.onnx`);
    await fs.writeFile(file, buildTinyOnnx(options));
    const detected = await detectModelFormat(file);
    assert.equal(detected.format, 'onnx');
    const model = await loadOnnxClassifier(file, detected.onnxBytes);
    try {
      const x = seededFloats(5 * 6, 21);
      const ref = tinyOnnxReference(options, x);
      const out = await model.forward(x, [5, 6]);
      assert.equal(model.embeddingName, 'embedding');
      assert.equal(model.embeddingDim, 8);
      assert.equal(model.numClasses, 4);
      assert.deepEqual(model.inputShape, [6]);
      assert.ok(maxAbsDiff(out.embeddings, ref.embeddings) < 1e-5, 'embeddings');
      assert.ok(maxAbsDiff(out.logits, ref.logits) < 1e-5, 'logits');
      // head: weight [C, H] = W2ᵀ, bias b2
      const w = tinyOnnxWeights(options);
      const wt = new Float32Array(4 * 8);
      for (let a = 0; a < 8; a++) {
        for (let b = 0; b < 4; b++) {
          wt[b * 8 + a] = w.w2[a * 4 + b];
        }
      }
      assert.ok(model.head);
      assert.ok(maxAbsDiff(model.head.weight, wt) < 1e-6);
      assert.deepEqual(model.head.bias, w.b2);
    } finally {
      await model.dispose();
    }
  }

  it('hand-written MatMul→Add→Relu→Gemm: embedding added as an output, matches a JS reference', () => checkTiny('plain', {}));
  it('Gemm with transB = 1 and alpha ≠ 1', () => checkTiny('transb', { transB: true, alpha: 2 }));
  it('a trailing Softmax: logits are its input', () => checkTiny('softmax', { softmax: true }));

  for (const name of ['mlpGemm', 'convMatMulSoftmax', 'mlpExternal']) {
    it(`PyTorch export ${name}: embeddings, logits and head match PyTorch`, async () => {
      const expected = (JSON.parse(await fs.readFile(path.join(torchDir, 'expected.json'), 'utf8')) as Record<string, Expected>)[name];
      const model = await loadOnnxClassifier(path.join(torchDir, `${name}.onnx`));
      try {
        const out = await model.forward(Float32Array.from(expected.input), expected.inputShape);
        assert.ok(maxAbsDiff(out.embeddings, expected.embeddings) < 1e-5, 'embeddings');
        assert.ok(maxAbsDiff(out.logits, expected.logits) < 1e-5, 'logits');
        assert.ok(model.head);
        assert.ok(maxAbsDiff(model.head.weight, expected.weight) < 1e-7);
        assert.ok(model.head.bias && maxAbsDiff(model.head.bias, expected.bias) < 1e-7);
        if (name === 'mlpExternal') {
          assert.deepEqual(model.files.map((f) => path.basename(f)), ['mlpExternal.onnx', 'mlpExternal.data']);
        }
      } finally {
        await model.dispose();
      }
    });
  }

  it('addGraphOutputs keeps every other field and appends the output', () => {
    const bytes = buildTinyOnnx({});
    const edited = addGraphOutputs(bytes, ['embedding', 'h1']);
    const before = parseOnnxModel(bytes);
    const afterEdit = parseOnnxModel(edited);
    assert.deepEqual(afterEdit.outputs.map((o) => o.name), ['y', 'embedding', 'h1']);
    assert.equal(afterEdit.nodes.length, before.nodes.length);
    assert.deepEqual([...afterEdit.initializers.keys()], [...before.initializers.keys()]);
    assert.deepEqual(afterEdit.inputs, before.inputs);
  });

  it('rejects truncated bytes as INVALID_FILE and a graph without a linear head as NO_CLASSIFIER', async () => {
    const bytes = buildTinyOnnx({});
    const bad = path.join(root, 'bad.onnx');
    await fs.writeFile(bad, bytes.subarray(0, bytes.length - 30));
    await assert.rejects(detectModelFormat(bad), isCode(ErrorCode.InvalidFile));
    await assert.rejects(loadOnnxClassifier(bad), isCode(ErrorCode.InvalidFile));
    const noHead = path.join(root, 'nohead.onnx');
    await fs.writeFile(noHead, bytes);
    await assert.rejects(loadOnnxClassifier(noHead, undefined, { logitsNode: 'embedding' }), isCode(ErrorCode.NoClassifier));
  });

  it('a head-only model: the embedding is the graph input', async () => {
    const file = path.join(root, 'head.onnx');
    await fs.writeFile(file, buildTinyOnnx({ headOnly: true }));
    const model = await loadOnnxClassifier(file);
    try {
      assert.equal(model.embeddingName, 'x');
      const e = seededFloats(3 * 8, 5);
      const out = await model.forward(e, [3, 8]);
      assert.deepEqual(out.embeddings, e);
      const w = tinyOnnxWeights({});
      for (let r = 0; r < 3; r++) {
        for (let c = 0; c < 4; c++) {
          let z = w.b2[c];
          for (let d = 0; d < 8; d++) z += e[r * 8 + d] * w.w2[d * 4 + c];
          assert.ok(Math.abs(out.logits[r * 4 + c] - z) < 1e-5);
        }
      }
    } finally {
      await model.dispose();
    }
  });

  it('honours embeddingNode / logitsNode overrides', async () => {
    const file = path.join(root, 'override.onnx');
    await fs.writeFile(file, buildTinyOnnx({}));
    const model = await loadOnnxClassifier(file, undefined, { embeddingNode: 'h1', logitsNode: 'y' });
    try {
      assert.equal(model.head, null);
      const out = await model.forward(seededFloats(12, 2), [2, 6]);
      assert.equal(model.embeddingDim, 8);
      assert.equal(out.embeddings.length, 16);
    } finally {
      await model.dispose();
    }
  });
});
