/**
 * The projector's UMAP through `longtail analyse` (in-process CLI, the same pipeline as the engine): stored by
 * default next to the PCA with eval indices that pair with the eval labels, identical on a second run (the same seed
 * and embeddings; a LayersModel's second run takes its embeddings from the output cache and gives the same layout),
 * sized by --umap-points (every class in a small sample), off with 0, and a bad value is a one-line
 * usage error before anything runs.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../src/cli/cli';
import { tf } from '../../src/engine/compute/tf';
import { readReport } from '../../src/engine/report/readReport';
import { saveTinyLayersModel } from '../fixtures/tinyModels';
import { idxImagesBytes, idxLabelsBytes, npyBytes, npzBytes, tempDir, writeFile } from '../fixtures/writers';

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, { isCancellationRequested: false });
  return { code, stdout, stderr };
}

describe('longtail analyse: UMAP of the embeddings', () => {
  const { dir, cleanup } = tempDir('longtail-umap-');
  const c = 6;
  const d = 5;
  // A long tail: 200, 120, 60, 20, 6, 2 eval examples around separated class means.
  const perClass = [200, 120, 60, 20, 6, 2];
  const labels: number[] = [];
  const features: number[] = [];
  let s = 11;
  const rnd = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  perClass.forEach((k, y) => {
    for (let i = 0; i < k; i++) {
      labels.push(y);
      for (let j = 0; j < d; j++) features.push((j === y % d ? 6 : 0) + (y >= d ? 6 : 0) * (j === 0 ? -1 : 0) + rnd() - 0.5);
    }
  });
  const n = labels.length;
  const args = (report: string, ...extra: string[]): string[] => [
    'analyse', '--backend', 'cpu', '--model', join(dir, 'head.npz'), '--eval', join(dir, 'eval.npz'), '--class-counts', join(dir, 'counts.json'), '--report', join(dir, report), '--workspace', dir, ...extra,
  ];

  before(async () => {
    await tf.setBackend('cpu');
    writeFile(dir, 'eval.npz', npzBytes({ features: npyBytes('f4', [n, d], features), labels: npyBytes('i8', [n], labels) }));
    const weight = Array.from({ length: c * d }, (_, k) => (Math.floor(k / d) % d === k % d ? 1 : 0));
    writeFile(dir, 'head.npz', npzBytes({ 'fc.weight': npyBytes('f4', [c, d], weight), 'fc.bias': npyBytes('f4', [c], new Array<number>(c).fill(0)) }));
    writeFile(dir, 'counts.json', JSON.stringify([1000, 500, 200, 50, 10, 3]));
  });
  after(cleanup);

  it('is stored by default with eval indices, and a second run gives the same layout', async () => {
    const first = await cli(...args('a.json'));
    assert.equal(first.code, 0, first.stderr);
    const a = await readReport(join(dir, 'a.json'));
    const umap = a.projection?.umap;
    assert.ok(umap, 'projection.umap');
    assert.equal(umap.points.length, n, 'all examples (fewer than 5000)');
    assert.deepEqual(umap.params, { maxPoints: 5000, nNeighbors: 15, minDist: 0.1, nEpochs: 100, seed: 20240601, metric: 'euclidean' });
    umap.points.forEach((q, k) => assert.equal(q[2], labels[umap.indices[k]], `point ${k} carries its example's label`));
    const second = await cli(...args('b.json'));
    assert.equal(second.code, 0, second.stderr);
    const b = await readReport(join(dir, 'b.json'));
    assert.deepEqual(b.projection?.umap, umap);
  });

  it('a LayersModel: the run whose embeddings come from the output cache gives the same layout as the forward pass', async () => {
    const ws = join(dir, 'ws');
    mkdirSync(join(ws, 'data'), { recursive: true });
    const m = 90;
    const y = Array.from({ length: m }, (_, i) => i % 3);
    const img = (i: number, r: number, q: number): number => (y[i] * 70 + r * 9 + q * 5 + i) % 256;
    writeFile(join(ws, 'data'), 't10k-images-idx3-ubyte', idxImagesBytes(m, 8, 8, img));
    writeFile(join(ws, 'data'), 't10k-labels-idx1-ubyte', idxLabelsBytes(y));
    writeFile(ws, 'counts.json', JSON.stringify([50, 20, 5]));
    const model = await saveTinyLayersModel(join(ws, 'model'), { numClasses: 3 });
    const run = async (name: string): Promise<{ fromCache: boolean; reportPath: string }> => {
      const r = await cli('analyse', '--backend', 'cpu', '--model', model, '--eval', join(ws, 'data'), '--class-counts', join(ws, 'counts.json'), '--workspace', ws, '--report', join(ws, name), '--json');
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as { fromCache: boolean; reportPath: string };
    };
    const first = await run('first.json');
    const second = await run('second.json');
    assert.equal(first.fromCache, false);
    assert.equal(second.fromCache, true);
    const a = (await readReport(first.reportPath)).projection?.umap;
    assert.ok(a);
    assert.equal(a.points.length, m);
    assert.deepEqual((await readReport(second.reportPath)).projection?.umap, a);
  });

  it('--umap-points sizes the stratified sample (every class present) and 0 turns it off', async () => {
    assert.equal((await cli(...args('small.json', '--umap-points', '40'))).code, 0);
    const small = (await readReport(join(dir, 'small.json'))).projection?.umap;
    assert.equal(small?.points.length, 40);
    assert.deepEqual([...new Set(small?.points.map((q) => q[2]))].sort(), [0, 1, 2, 3, 4, 5]);
    assert.equal((await cli(...args('off.json', '--umap-points', '0'))).code, 0);
    const off = await readReport(join(dir, 'off.json'));
    assert.ok(off.projection, 'the PCA stays');
    assert.equal(off.projection.umap, undefined);
  });

  it('a bad --umap-points is a one-line usage error (exit 2)', async () => {
    for (const bad of ['-1', '2.5', '20001', 'many']) {
      const r = await cli(...args('bad.json', `--umap-points=${bad}`));
      assert.equal(r.code, 2, `${bad}: ${r.stderr}`);
      // One error line, then the CLI's usage hint.
      const lines = r.stderr.trim().split('\n');
      assert.match(lines[0], /^error: --umap-points must be an integer from 0 to 20000 \(got '.*'\)$/);
      assert.deepEqual(lines.slice(1), ["Run 'longtail --help' for usage."]);
    }
  });
});
