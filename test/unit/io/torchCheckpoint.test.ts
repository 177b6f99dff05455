// PyTorch checkpoints (torch.save's zip format) read by the restricted unpickler, against fixtures written by a
// real torch (test/fixtures/torch/makeTorchFixtures.py, values in expected.json as torch reads them), and the
// .pth writer read back by our reader and, where Debian's python3-torch is installed, by torch.load itself.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';
import { loadHeadCheckpoint } from '../../../src/engine/io/headCheckpoint';
import { readPickle } from '../../../src/engine/io/restrictedUnpickler';
import { openTensorFile, readTensorFile } from '../../../src/engine/io/tensorFile';
import { encodeTorchCheckpoint } from '../../../src/engine/io/torchCheckpointWriter';
import { tempDir, writeFile } from '../../fixtures/writers';

const fixtures = join(__dirname, '..', '..', 'fixtures', 'torch');
const expected = JSON.parse(readFileSync(join(fixtures, 'expected.json'), 'utf8')) as {
  fixtures: Record<string, Record<string, { dtype: string; shape: number[]; values: number[] }>>;
};
const { dir, cleanup } = tempDir();
after(cleanup);

function numbers(data: ArrayLike<number | bigint>): number[] {
  return Array.from(data, (v) => Number(v));
}

async function rejects(p: Promise<unknown>, code: ErrorCode, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (error: unknown) => {
    assert.ok(error instanceof LongtailError, `expected a LongtailError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('PyTorch checkpoints (.pth / .pt / .ckpt)', () => {
  for (const name of ['state_dict.pth', 'training_checkpoint.ckpt', 'views.pt']) {
    it(`${name}: every tensor's key, dtype, shape and values equal torch's`, async () => {
      const want = expected.fixtures[name];
      const all = await readTensorFile(join(fixtures, name));
      assert.deepEqual(
        all.map((t) => t.name),
        Object.keys(want),
      );
      for (const t of all) {
        const w = want[t.name];
        assert.equal(t.dtype, w.dtype === 'bool' ? 'bool' : w.dtype, t.name);
        assert.deepEqual(t.shape, w.shape, t.name);
        assert.deepEqual(numbers(t.data), w.values, t.name);
      }
    });
  }

  it('reads rows of a contiguous tensor by positioned reads and of a strided view by gathering', async () => {
    const file = await openTensorFile(join(fixtures, 'views.pt'));
    try {
      assert.equal(file.format, 'pth');
      const transposed = await file.get('transposed')!.readRows(2, 2); // base.t() rows 2..3: columns 2, 3 of base
      assert.deepEqual(transposed.shape, [2, 4]);
      assert.deepEqual(numbers(transposed.data), [2, 8, 14, 20, 3, 9, 15, 21]);
      const sliced = await file.get('sliced')!.read();
      assert.deepEqual(numbers(sliced.data), [8, 9, 10, 14, 15, 16]);
    } finally {
      await file.close();
    }
  });

  it('finds the head of a state dict (fc.weight [5, 3]) and of a training checkpoint (state_dict.fc.weight)', async () => {
    const head = await loadHeadCheckpoint(join(fixtures, 'state_dict.pth'));
    assert.equal(head.weightKey, 'fc.weight');
    assert.equal(head.biasKey, 'fc.bias');
    assert.deepEqual([head.numClasses, head.dim], [5, 3]);
    assert.deepEqual(numbers(head.weight), expected.fixtures['state_dict.pth']['fc.weight'].values);
    const nested = await loadHeadCheckpoint(join(fixtures, 'training_checkpoint.ckpt'));
    assert.equal(nested.weightKey, 'state_dict.fc.weight');
    assert.deepEqual(numbers(nested.weight), numbers(head.weight));
  });

  it('refuses a pickled whole module and says how to save a state dict', async () => {
    await rejects(readTensorFile(join(fixtures, 'whole_module.pth')), ErrorCode.InvalidFile, /refused to load the Python global '__main__\.Net'.*state_dict\(\)/);
  });

  it('refuses a pickle that would call os.system, naming the global, and runs nothing', async () => {
    await rejects(readTensorFile(join(fixtures, 'malicious.pth')), ErrorCode.InvalidFile, /malicious\.pth.*(posix|os)\.system/);
  });

  it('explains the legacy (torch < 1.6) format', async () => {
    await rejects(readTensorFile(join(fixtures, 'legacy.pth')), ErrorCode.UnknownFormat, /legacy\.pth: a PyTorch checkpoint in the legacy format of torch < 1\.6/);
  });

  it('refuses truncated and hostile pickles with a named error, never anything else', () => {
    const where = { where: 'x.pth[archive/data.pkl]', file: 'x.pth' };
    const cases: [number[], RegExp][] = [
      [[0x80, 0x02, 0x58, 0xff, 0xff, 0xff, 0x7f], /truncated pickle/],
      [[0x80, 0x02, 0x68, 0x05, 0x2e], /memo entry 5 is missing/],
      [[0x80, 0x02, 0x52, 0x2e], /stack underflow/],
      [[0x80, 0x02, 0x69, 0x2e], /unsupported pickle opcode 0x69/],
      [[0x80, 0x02, 0x4e, 0x51, 0x2e], /persistent id/],
      [[0x80, 0x02, 0x4e, 0x4e, 0x2e], /unbalanced stack/],
    ];
    for (const [bytes, pattern] of cases) {
      assert.throws(
        () => readPickle(Uint8Array.from(bytes), where),
        (error: unknown) => error instanceof LongtailError && error.code === ErrorCode.InvalidFile && pattern.test(error.message) && error.message.startsWith('x.pth'),
      );
    }
  });

  it('writes a .pth that our reader reads back exactly, and torch.load(weights_only=True) too where torch is installed', async () => {
    const arrays = [
      { name: 'fc.weight', dtype: 'float32' as const, shape: [2, 3], data: Float32Array.from([0.5, -1, 2, 3.25, 4, -5]) },
      { name: 'fc.bias', dtype: 'float32' as const, shape: [2], data: Float32Array.from([0.125, -0.25]) },
      { name: 'counts', dtype: 'int64' as const, shape: [3], data: BigInt64Array.from([1n, -2n, 3n]) },
      { name: 'scalar', dtype: 'float64' as const, shape: [], data: Float64Array.from([Math.PI]) },
    ];
    const p = writeFile(dir, 'written.pth', encodeTorchCheckpoint(arrays));
    const back = await readTensorFile(p);
    assert.deepEqual(back.map((t) => [t.name, t.dtype, t.shape, numbers(t.data)]), arrays.map((t) => [t.name, t.dtype, t.shape, numbers(t.data)]));
    const torchPython = '/usr/bin/python3';
    if (!existsSync(torchPython) || spawnSync(torchPython, ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0) {
      // CI installs python3-torch (.ci/run): there the check below must run. Elsewhere our own reader's round trip stands.
      assert.ok(!process.env.CI, 'CI needs Debian python3-torch for the torch.load round trip (see .ci/run)');
      return;
    }
    const script = `import sys, json, torch\nsd = torch.load(sys.argv[1], weights_only=True)\nprint(json.dumps({k: [str(v.dtype), list(v.shape), v.reshape(-1).tolist()] for k, v in sd.items()}))`;
    const r = spawnSync(torchPython, ['-c', script, p], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const loaded = JSON.parse(r.stdout) as Record<string, [string, number[], number[]]>;
    assert.deepEqual(loaded, {
      'fc.weight': ['torch.float32', [2, 3], [0.5, -1, 2, 3.25, 4, -5]],
      'fc.bias': ['torch.float32', [2], [0.125, -0.25]],
      counts: ['torch.int64', [3], [1, -2, 3]],
      scalar: ['torch.float64', [], [Math.PI]],
    });
  });
});
