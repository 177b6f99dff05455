import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ErrorCode, LongtailError } from '../../../src/protocol/errors';
import { longTailCounts, makeLongTailIndices } from '../../../src/engine/data/makeLongTail';
import { openDataset } from '../../../src/engine/data/openDataset';
import { mulberry32 } from '../../../src/engine/data/seededRandom';
import { runMakeLt } from '../../../src/cli/commands/makeLt';
import { cifarBytes, npyBytes, npzBytes, tempDir, writeFile } from '../../fixtures/writers';

const { dir, cleanup } = tempDir();
after(cleanup);

const sum = (a: number[]): number => a.reduce((s, v) => s + v, 0);

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  try {
    const code = await runMakeLt(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, { isCancellationRequested: false });
    return { code, stdout, stderr };
  } catch (error) {
    return { code: -1, stdout, stderr: `${(error as { code?: string }).code ?? ''} ${(error as Error).message}` };
  }
}

describe('long-tail counts (§8.1, §13.9)', () => {
  it('CIFAR-10-LT ρ=100: [5000, 2997, …, 50], total 12406', () => {
    const c = longTailCounts(5000, 10, 100, 'exp');
    assert.deepEqual(c, [5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50]);
    assert.equal(sum(c), 12406);
  });

  it('CIFAR-100-LT ρ=100: total 10847, head and tail as in the reference, 35/35/30 many/medium/few', () => {
    const c = longTailCounts(500, 100, 100, 'exp');
    assert.equal(sum(c), 10847);
    assert.deepEqual(c.slice(0, 10), [500, 477, 455, 434, 415, 396, 378, 361, 344, 328]);
    assert.deepEqual(c.slice(90), [7, 7, 6, 6, 6, 6, 5, 5, 5, 5]);
    assert.deepEqual([c.filter((n) => n > 100).length, c.filter((n) => n >= 20 && n <= 100).length, c.filter((n) => n < 20).length], [35, 35, 30]);
  });

  it('step profile and edge cases', () => {
    assert.deepEqual(longTailCounts(100, 5, 10, 'step'), [100, 100, 10, 10, 10]);
    assert.deepEqual(longTailCounts(7, 1, 10, 'exp'), [7]);
    assert.deepEqual(longTailCounts(10, 3, 1, 'exp'), [10, 10, 10]);
    assert.throws(() => longTailCounts(10, 3, 0.5, 'exp'), (e: LongtailError) => e.code === ErrorCode.InvalidOption);
  });

  it('seeded selection is deterministic, per-class exact, and differs across seeds', () => {
    const labels = Int32Array.from({ length: 1000 }, (_, i) => i % 10);
    const a = makeLongTailIndices(labels, 10, { ratio: 10, profile: 'exp', seed: 3 });
    const b = makeLongTailIndices(labels, 10, { ratio: 10, profile: 'exp', seed: 3 });
    const c = makeLongTailIndices(labels, 10, { ratio: 10, profile: 'exp', seed: 4 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.indices, c.indices);
    assert.deepEqual(a.counts, longTailCounts(100, 10, 10, 'exp'));
    assert.equal(a.indices.length, sum(a.counts));
    assert.deepEqual([...a.indices].sort((x, y) => x - y), a.indices);
    const perClass = new Array(10).fill(0);
    a.indices.forEach((i) => perClass[labels[i]]++);
    assert.deepEqual(perClass, a.counts);
    const r = mulberry32(1);
    const first = [r(), r(), r()];
    const r2 = mulberry32(1);
    assert.deepEqual([r2(), r2(), r2()], first);
    assert.ok(first.every((v) => v >= 0 && v < 1));
  });

  it('reproduces the CIFAR-10-LT and CIFAR-100-LT totals from full-size label sets', () => {
    const ten = Int32Array.from({ length: 50000 }, (_, i) => i % 10);
    assert.equal(makeLongTailIndices(ten, 10, { ratio: 100, profile: 'exp', seed: 0 }).indices.length, 12406);
    const hundred = Int32Array.from({ length: 50000 }, (_, i) => i % 100);
    assert.equal(makeLongTailIndices(hundred, 100, { ratio: 100, profile: 'exp', seed: 0 }).indices.length, 10847);
  });
});

describe('longtail make-lt', () => {
  it('writes a subset index of a CIFAR-10 directory (train split) that opens as a dataset: 12406 examples', async () => {
    const d = join(dir, 'cifar10');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(d);
    // 5 batches × 10000 records, balanced labels; pixels are zero (only counts matter here).
    for (let b = 1; b <= 5; b++) {
      writeFile(d, `data_batch_${b}.bin`, cifarBytes(Array.from({ length: 10000 }, (_, i) => (i + b) % 10), 'cifar10', () => 0));
    }
    writeFile(d, 'test_batch.bin', cifarBytes([0, 1], 'cifar10', () => 0));
    const out = join(dir, 'cifar10-lt.json');
    const r = await cli('--dataset', d, '--ratio', '100', '--profile', 'exp', '--seed', '0', '--out', out);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as { examples: number; counts: number[] };
    assert.equal(summary.examples, 12406);
    const index = JSON.parse(readFileSync(out, 'utf8')) as { source: string; split: string; counts: number[]; indices: number[]; ratio: number; profile: string; seed: number };
    assert.equal(index.source, 'cifar10');
    assert.equal(index.split, 'train');
    assert.deepEqual(index.counts, [5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50]);
    assert.equal(index.indices.length, 12406);
    assert.deepEqual([index.ratio, index.profile, index.seed], [100, 'exp', 0]);
    const subset = await openDataset(out, { split: 'test' }); // the index's own split wins
    try {
      assert.equal(subset.format, 'subset');
      assert.equal(subset.size, 12406);
      const labels = await subset.readLabels();
      const counts = new Array(10).fill(0);
      labels.forEach((l) => counts[l]++);
      assert.deepEqual(counts, index.counts);
      const batch = await subset.readBatch(100, 50);
      assert.deepEqual(batch.shape, [50, 32, 32, 3]);
      assert.deepEqual(Array.from(batch.labels), Array.from(labels.subarray(100, 150)));
    } finally {
      await subset.close();
    }
    // Refuses to overwrite; leaves no temp files.
    const again = await cli('--dataset', d, '--ratio', '100', '--out', out);
    assert.match(again.stderr, /OUTPUT_EXISTS/);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  });

  it('subset indices of a features file: step profile, relative source, nested subset', async () => {
    const labels = Array.from({ length: 200 }, (_, i) => i % 4);
    writeFile(dir, 'feats.npz', npzBytes({ features: npyBytes('f4', [200, 1], labels.map((_, i) => i)), labels: npyBytes('i8', [200], labels) }));
    const out = join(dir, 'step.json');
    const r = await cli('--dataset', join(dir, 'feats.npz'), '--ratio', '10', '--profile', 'step', '--seed', '7', '--out', out);
    assert.equal(r.code, 0, r.stderr);
    const ds = await openDataset(out);
    assert.equal(ds.size, 50 + 50 + 5 + 5);
    const b = await ds.readBatch(0, ds.size);
    const index = JSON.parse(readFileSync(out, 'utf8')) as { indices: number[] };
    assert.deepEqual(Array.from(b.x), index.indices);
    await ds.close();
    const nested = join(dir, 'nested.json');
    writeFileSync(nested, JSON.stringify({ source: 'step.json', indices: [0, 1, 2] }));
    const n = await openDataset(nested);
    assert.deepEqual(Array.from((await n.readBatch(0, 3)).x), index.indices.slice(0, 3));
    await n.close();
  });

  it('usage errors and bad indices', async () => {
    assert.match((await cli('--ratio', '10', '--out', 'x.json')).stderr, /--dataset/);
    assert.match((await cli('--dataset', dir, '--ratio', '0.5', '--out', 'x.json')).stderr, /--ratio/);
    assert.match((await cli('--dataset', dir, '--ratio', '5', '--profile', 'linear', '--out', 'x.json')).stderr, /--profile/);
    assert.match((await cli('--dataset', join(dir, 'nope'), '--ratio', '5', '--out', join(dir, 'y.json'))).stderr, /FILE_NOT_FOUND/);
    assert.equal((await cli('--help')).code, 0);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ source: 'feats.npz', indices: [0, 999] }));
    await assert.rejects(openDataset(bad), (e: LongtailError) => e.code === ErrorCode.InvalidFile && e.message.includes(bad) && /999/.test(e.message));
  });
});
