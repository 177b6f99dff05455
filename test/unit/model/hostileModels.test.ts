/**
 * Hostile checkpoints (issue #14): shards and ONNX external data that leave the model folder by symlink,
 * device files as models, header sizes that would allocate gigabytes (ONNX dims, external lengths, a
 * 1e8-unit Dense layer). Each fails fast with a one-line LongtailError naming the file; legitimate
 * variants (a shard named `..weights.bin`, in-folder external data) still load.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { detectModelFormat } from '../../../src/engine/model/detectModelFormat';
import { loadLayersClassifier } from '../../../src/engine/model/layersClassifier';
import { loadOnnxClassifier } from '../../../src/engine/model/onnxClassifier';
import { ProtoWriter } from '../../../src/engine/model/protobufWire';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';
import { makeTempDir, saveTinyLayersModel } from '../../fixtures/tinyModels';

const posix = process.platform !== 'win32';
let root = '';
before(async () => {
  root = await makeTempDir('longtail-hostile-model-');
});
after(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function fails(run: () => Promise<unknown>, code: ErrorCode, file: string, message?: RegExp): Promise<void> {
  const started = Date.now();
  const rss = process.memoryUsage().rss;
  await assert.rejects(run(), (e: unknown) => {
    assert.ok(e instanceof LongtailError, `expected a LongtailError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.ok(e.message.includes(file), `message should name ${file}: ${e.message}`);
    assert.ok(!e.message.includes('\n'), 'one line');
    if (message) {
      assert.match(e.message, message);
    }
    return true;
  });
  assert.ok(Date.now() - started < 10_000, 'fast');
  assert.ok(process.memoryUsage().rss - rss < 500 * 1024 * 1024, 'no large allocation');
}

/** A head-only ONNX model x[N, 3] → Gemm(W, B) → y[N, 2]; W as given (inline floats or external data). */
function headOnnx(w: { dims: number[]; values?: Float32Array; external?: Record<string, string> }): Uint8Array {
  const tensorW = new ProtoWriter().packedInts(1, w.dims).varint(2, 1).string(8, 'W');
  if (w.external) {
    for (const [k, v] of Object.entries(w.external)) {
      tensorW.bytes(13, new ProtoWriter().string(1, k).string(2, v).finish());
    }
    tensorW.varint(14, 1);
  } else if (w.values) {
    tensorW.packedFloats(4, w.values);
  }
  const b = new ProtoWriter().packedInts(1, [2]).varint(2, 1).string(8, 'B').packedFloats(4, [0.5, -0.5]).finish();
  const valueInfo = (name: string, d: number): Uint8Array => {
    const shape = new ProtoWriter().bytes(1, new ProtoWriter().string(2, 'N').finish()).bytes(1, new ProtoWriter().varint(1, d).finish()).finish();
    const tensorType = new ProtoWriter().varint(1, 1).bytes(2, shape).finish();
    return new ProtoWriter().string(1, name).bytes(2, new ProtoWriter().bytes(1, tensorType).finish()).finish();
  };
  const gemm = new ProtoWriter().string(1, 'x').string(1, 'W').string(1, 'B').string(2, 'y').string(3, 'gemm').string(4, 'Gemm').finish();
  const graph = new ProtoWriter().bytes(1, gemm).string(2, 'head').bytes(5, tensorW.finish()).bytes(5, b).bytes(11, valueInfo('x', 3)).bytes(12, valueInfo('y', 2)).finish();
  const opset = new ProtoWriter().string(1, '').varint(2, 13).finish();
  return new ProtoWriter().varint(1, 8).bytes(7, graph).bytes(8, opset).finish();
}

const weights = Float32Array.from([1, 2, 3, 4, 5, 6]);

async function onnxWithExternal(name: string, external: Record<string, string>, data: Uint8Array | null): Promise<string> {
  const d = path.join(root, name);
  await fs.mkdir(d, { recursive: true });
  if (data) {
    await fs.writeFile(path.join(d, 'w.bin'), data);
  }
  const file = path.join(d, 'model.onnx');
  await fs.writeFile(file, headOnnx({ dims: [3, 2], external: { location: 'w.bin', ...external } }));
  return file;
}

describe('ONNX sizes are validated before onnxruntime allocates', () => {
  it('in-folder external data loads and gives the same logits as inline weights', async () => {
    const file = await onnxWithExternal('ext-ok', { offset: '0', length: '24' }, Buffer.from(weights.buffer));
    const model = await loadOnnxClassifier(file);
    try {
      const out = await model.forward(Float32Array.from([1, 0, 0]), [1, 3]);
      assert.deepEqual(Array.from(out.logits), [1.5, 1.5]);
    } finally {
      model.dispose();
    }
  });

  it('a 100-byte model declaring 1e9 weights with no data is INVALID_FILE', async () => {
    const file = path.join(root, 'dims.onnx');
    await fs.writeFile(file, headOnnx({ dims: [3, 333_333_333], values: Float32Array.from([1]) }));
    await fails(() => loadOnnxClassifier(file), ErrorCode.InvalidFile, file, /declares dims \[3, 333333333\]/);
  });

  for (const [label, external] of [
    ['a length of 3e9 (as digits)', { length: '3000000000' }],
    ['a length written as 3e9', { length: '3e9' }],
    ['a negative length', { length: '-4' }],
    ['an offset beyond the file', { offset: '1000', length: '24' }],
  ] as const) {
    it(`external data with ${label} is INVALID_FILE`, async () => {
      const file = await onnxWithExternal(`ext-${label.replace(/\W+/g, '-')}`, external, Buffer.from(weights.buffer));
      await fails(() => loadOnnxClassifier(file), ErrorCode.InvalidFile, file);
    });
  }

  it('external data that is a symlink out of the model folder is OUTSIDE_FOLDER', { skip: !posix }, async () => {
    const outside = path.join(root, 'outside-w.bin');
    await fs.writeFile(outside, Buffer.from(weights.buffer));
    const file = await onnxWithExternal('ext-link', { length: '24' }, null);
    await fs.symlink(outside, path.join(path.dirname(file), 'w.bin'));
    await fails(() => loadOnnxClassifier(file), ErrorCode.OutsideFolder, path.join(path.dirname(file), 'w.bin'));
  });
});

describe('TF.js checkpoints', () => {
  it('a weight shard symlinked out of the model folder is OUTSIDE_FOLDER; a shard named ..weights.bin loads', { skip: !posix }, async () => {
    const dir = path.join(root, 'dots');
    const file = await saveTinyLayersModel(dir);
    const json = JSON.parse(await fs.readFile(file, 'utf8')) as { weightsManifest: { paths: string[] }[] };
    json.weightsManifest[0].paths = ['..weights.bin'];
    await fs.rename(path.join(dir, 'weights.bin'), path.join(dir, '..weights.bin'));
    await fs.writeFile(file, JSON.stringify(json));
    const model = await loadLayersClassifier(file);
    model.dispose();

    const linked = path.join(root, 'linked');
    const linkedFile = await saveTinyLayersModel(linked);
    await fs.rename(path.join(linked, 'weights.bin'), path.join(root, 'elsewhere.bin'));
    await fs.symlink(path.join(root, 'elsewhere.bin'), path.join(linked, 'weights.bin'));
    await fails(() => loadLayersClassifier(linkedFile), ErrorCode.OutsideFolder, path.join(linked, 'weights.bin'), /outside the model's folder/);
  });

  it('a shard that is a symlink to /dev/zero is refused without reading it', { skip: !posix }, async () => {
    const dir = path.join(root, 'zero');
    const file = await saveTinyLayersModel(dir);
    await fs.rm(path.join(dir, 'weights.bin'));
    await fs.symlink('/dev/zero', path.join(dir, 'weights.bin'));
    await fails(() => loadLayersClassifier(file), ErrorCode.OutsideFolder, path.join(dir, 'weights.bin'));
  });

  it('a Dense layer declaring 1e8 units is compared with the manifest before TF.js allocates it', async () => {
    const dir = path.join(root, 'units');
    const file = await saveTinyLayersModel(dir);
    const text = await fs.readFile(file, 'utf8');
    const edited = text.replace(/"units":16/, '"units":100000000');
    assert.notEqual(edited, text, 'the fixture has a 16-unit Dense layer');
    await fs.writeFile(file, edited);
    await fails(() => loadLayersClassifier(file), ErrorCode.InvalidFile, file, /layer "embed" declares units = 100000000/);
  });

  it('an input shape of 1e9 is refused before TF.js sizes the first Dense kernel from it', async () => {
    const dir = path.join(root, 'inputshape');
    const file = await saveTinyLayersModel(dir);
    const text = await fs.readFile(file, 'utf8');
    const edited = text.replace(/"batch_input_shape":\[null,8,8,1\]/, '"batch_input_shape":[null,1000000000,8,1]');
    assert.notEqual(edited, text, 'the fixture declares its input shape');
    await fs.writeFile(file, edited);
    await fails(() => loadLayersClassifier(file), ErrorCode.InvalidFile, file, /batch_input_shape \[null,1000000000,8,1\]/);
  });

  it('--model /dev/null and /dev/zero are NOT_REGULAR_FILE', { skip: !posix }, async () => {
    await fails(() => detectModelFormat('/dev/null'), ErrorCode.NotRegularFile, '/dev/null');
    await fails(() => detectModelFormat('/dev/zero'), ErrorCode.NotRegularFile, '/dev/zero');
  });
});
