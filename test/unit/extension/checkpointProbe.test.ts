import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { probeCheckpoint } from '../../../src/extension/watch/checkpointProbe';

const dir = (): string => mkdtempSync(join(tmpdir(), 'lt-probe-'));

/** A LayersModel-style model.json whose manifest lists two shards: a [3, 4] float32 kernel and a [4] bias = 64 bytes. */
function writeLayersModel(d: string, shardSizes: [number, number]): string {
  const model = join(d, 'model.json');
  writeFileSync(
    model,
    JSON.stringify({
      modelTopology: {},
      weightsManifest: [
        {
          paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'],
          weights: [
            { name: 'dense/kernel', shape: [3, 4], dtype: 'float32' },
            { name: 'dense/bias', shape: [4], dtype: 'float32' },
          ],
        },
      ],
    }),
  );
  writeFileSync(join(d, 'group1-shard1of2.bin'), Buffer.alloc(shardSizes[0]));
  writeFileSync(join(d, 'group1-shard2of2.bin'), Buffer.alloc(shardSizes[1]));
  return model;
}

function safetensors(entries: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>, dataBytes: number): Buffer {
  const header = Buffer.from(JSON.stringify({ __metadata__: { format: 'pt' }, ...entries }));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  return Buffer.concat([length, header, Buffer.alloc(dataBytes)]);
}

describe('watch mode: checkpoint probe', () => {
  it('a complete model.json with shards summing to the manifest (48 + 16 bytes) is ready, fingerprinting every file', async () => {
    const model = writeLayersModel(dir(), [40, 24]);
    const r = await probeCheckpoint(model);
    assert.equal(r.ready, true);
    assert.ok(r.ready && r.fingerprint.includes('group1-shard1of2.bin:40:') && r.fingerprint.includes('group1-shard2of2.bin:24:') && r.fingerprint.startsWith('model.json:'));
  });

  it('a half-written shard (sizes not matching the manifest) is not ready', async () => {
    const d = dir();
    const model = writeLayersModel(d, [40, 24]);
    truncateSync(join(d, 'group1-shard2of2.bin'), 10);
    const r = await probeCheckpoint(model);
    assert.deepEqual(r, { ready: false, reason: 'weight shards group1-shard1of2.bin, group1-shard2of2.bin hold 50 bytes; the manifest implies 64' });
  });

  it('a missing shard, a model.json that does not parse, and a missing file are not ready', async () => {
    const d = dir();
    const model = writeLayersModel(d, [40, 24]);
    writeFileSync(join(d, 'group1-shard2of2.bin'), '');
    assert.equal((await probeCheckpoint(model)).ready, false);
    const d2 = dir();
    const model2 = writeLayersModel(d2, [40, 24]);
    rmSync(join(d2, 'group1-shard1of2.bin'));
    assert.deepEqual(await probeCheckpoint(model2), { ready: false, reason: 'weight shard group1-shard1of2.bin is missing' });
    writeFileSync(model2, '{"modelTopology": {"class_name": "Seq');
    assert.deepEqual(await probeCheckpoint(model2), { ready: false, reason: 'model.json does not parse (still being written?)' });
    assert.deepEqual(await probeCheckpoint(join(d2, 'nope.onnx')), { ready: false, reason: 'nope.onnx does not exist (yet)' });
  });

  it('quantized weights count their quantization dtype (uint8: 1 byte per element)', async () => {
    const d = dir();
    const model = join(d, 'model.json');
    writeFileSync(model, JSON.stringify({ weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'k', shape: [10, 3], dtype: 'float32', quantization: { dtype: 'uint8', min: 0, scale: 1 } }] }] }));
    writeFileSync(join(d, 'w.bin'), Buffer.alloc(30));
    assert.equal((await probeCheckpoint(model)).ready, true);
    writeFileSync(join(d, 'w.bin'), Buffer.alloc(120));
    assert.equal((await probeCheckpoint(model)).ready, false);
  });

  it('the fingerprint changes when a shard is rewritten', async () => {
    const d = dir();
    const model = writeLayersModel(d, [40, 24]);
    const before = await probeCheckpoint(model);
    utimesSync(join(d, 'group1-shard1of2.bin'), new Date(2020, 0, 1), new Date(2020, 0, 1));
    const after = await probeCheckpoint(model);
    assert.ok(before.ready && after.ready);
    assert.notEqual(before.fingerprint, after.fingerprint);
  });

  it('safetensors: ready only at exactly 8 + header + the largest data offset', async () => {
    const d = dir();
    const file = join(d, 'head.safetensors');
    const full = safetensors({ 'fc.weight': { dtype: 'F32', shape: [3, 2], data_offsets: [0, 24] }, 'fc.bias': { dtype: 'F32', shape: [3], data_offsets: [24, 36] } }, 36);
    writeFileSync(file, full);
    assert.equal((await probeCheckpoint(file)).ready, true);
    writeFileSync(file, full.subarray(0, full.length - 5));
    const r = await probeCheckpoint(file);
    assert.equal(r.ready, false);
    assert.match(r.ready ? '' : r.reason, /holds \d+ bytes; its header implies \d+/);
    writeFileSync(file, full.subarray(0, 12));
    assert.equal((await probeCheckpoint(file)).ready, false);
  });

  it('npz: ready once the zip end-of-central-directory record is written', async () => {
    const d = dir();
    const file = join(d, 'head.npz');
    const body = Buffer.alloc(100, 1);
    writeFileSync(file, body);
    assert.equal((await probeCheckpoint(file)).ready, false);
    const eocd = Buffer.alloc(22);
    eocd.writeUInt32LE(0x06054b50, 0);
    writeFileSync(file, Buffer.concat([body, eocd]));
    assert.equal((await probeCheckpoint(file)).ready, true);
  });

  it('an empty ONNX file is not ready, a non-empty one is; a SavedModel folder needs saved_model.pb', async () => {
    const d = dir();
    const onnx = join(d, 'model.onnx');
    writeFileSync(onnx, '');
    assert.deepEqual(await probeCheckpoint(onnx), { ready: false, reason: 'model.onnx is empty' });
    writeFileSync(onnx, Buffer.alloc(10, 7));
    assert.equal((await probeCheckpoint(onnx)).ready, true);
    const saved = join(d, 'saved');
    mkdirSync(join(saved, 'variables'), { recursive: true });
    assert.equal((await probeCheckpoint(saved)).ready, false);
    writeFileSync(join(saved, 'saved_model.pb'), Buffer.alloc(5, 1));
    writeFileSync(join(saved, 'variables', 'variables.index'), Buffer.alloc(3, 1));
    const r = await probeCheckpoint(saved);
    assert.ok(r.ready && r.fingerprint.includes('variables/variables.index:3:'));
  });
});
