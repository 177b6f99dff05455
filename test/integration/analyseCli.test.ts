/**
 * `longtail analyse` end to end on real files, through the CLI: a PyTorch-style head + features .npz,
 * a LayersModel on a long-tailed IDX image set (the make-lt subset as training data), and a 1000-class
 * case. Every report must validate against report.schema.json; the head case is checked against
 * numbers computed independently here.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Ajv from 'ajv';
import { runCli } from '../../src/cli/cli';
import { tf } from '../../src/engine/compute/tf';
import type { Report } from '../../src/protocol/report';
import { saveTinyLayersModel } from '../fixtures/tinyModels';
import { gzip, idxImagesBytes, idxLabelsBytes, npyBytes, npzBytes, tempDir, writeFile } from '../fixtures/writers';

const schema = JSON.parse(readFileSync(join(__dirname, '..', '..', 'src', 'protocol', 'report.schema.json'), 'utf8')) as object;
const validate = new Ajv({ strict: true, allowUnionTypes: true, allErrors: true }).compile(schema);
const cliPath = join(__dirname, '..', '..', 'dist', 'cli.js');

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, { isCancellationRequested: false });
  return { code, stdout, stderr };
}

function readReport(path: string): Report {
  const value = JSON.parse(readFileSync(path, 'utf8')) as Report;
  assert.ok(validate(value), JSON.stringify(validate.errors, null, 1));
  return value;
}

/** Deterministic pseudo-random numbers in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

describe('longtail analyse', () => {
  const { dir, cleanup } = tempDir('longtail-analyse-');
  before(async () => {
    await tf.setBackend('cpu');
  });
  after(cleanup);

  it('a PyTorch-style head on a features .npz: numbers match an independent computation', async () => {
    const c = 4;
    const d = 3;
    const counts = [400, 100, 30, 5];
    const rnd = lcg(3);
    // eval: 25 examples per class around class means; head weight [C, D] (fc.weight), bias fc.bias.
    const means = [[2, 0, 0], [0, 2, 0], [0, 0, 2], [1, 1, 1]];
    const features: number[] = [];
    const labels: number[] = [];
    for (let y = 0; y < c; y++) {
      for (let i = 0; i < 25; i++) {
        labels.push(y);
        for (let k = 0; k < d; k++) features.push(means[y][k] + (rnd() - 0.5) * 2.4);
      }
    }
    const weight = [1, 0, 0, 0, 1, 0, 0, 0, 1, 0.5, 0.5, 0.5];
    const bias = [0.6, 0.2, -0.2, -0.8];
    writeFile(dir, 'eval.npz', npzBytes({ features: npyBytes('f4', [100, d], features), labels: npyBytes('i8', [100], labels) }, { deflate: true }));
    writeFile(dir, 'head.npz', npzBytes({ 'fc.weight': npyBytes('f4', [c, d], weight), 'fc.bias': npyBytes('f4', [c], bias) }));
    writeFile(dir, 'counts.json', JSON.stringify(counts));
    const reportPath = join(dir, 'head-report.json');
    const r = await cli('analyse', '--backend', 'cpu', '--model', join(dir, 'head.npz'), '--eval', join(dir, 'eval.npz'), '--class-counts', join(dir, 'counts.json'), '--report', reportPath, '--workspace', dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /balanced error/);
    const report = readReport(reportPath);

    // Independent computation of raw and τ=1 logit-adjusted predictions.
    const total = counts.reduce((a, b) => a + b, 0);
    const perClass = (tau: number): number[] => {
      const correct = [0, 0, 0, 0];
      for (let i = 0; i < 100; i++) {
        let best = -Infinity;
        let arg = -1;
        for (let y = 0; y < c; y++) {
          let f = bias[y];
          for (let k = 0; k < d; k++) f += features[i * d + k] * weight[y * d + k];
          f -= tau * Math.log(counts[y] / total);
          if (f > best) {
            best = f;
            arg = y;
          }
        }
        if (arg === labels[i]) correct[labels[i]]++;
      }
      return correct.map((k) => k / 25);
    };
    const raw = perClass(0);
    const adjusted = perClass(1);
    const ber = (acc: number[]): number => 1 - acc.reduce((a, b) => a + b, 0) / c;
    assert.ok(Math.abs(report.summary.balancedError - ber(raw)) < 1e-12);
    assert.deepEqual(report.classes.map((k) => k.accuracy), raw);
    const la = report.postHoc.logitAdjustment;
    assert.ok(Math.abs(la.balancedError[la.taus.indexOf(1)] - ber(adjusted)) < 1e-12);
    assert.deepEqual(report.classes.map((k) => k.bucket), ['many', 'medium', 'medium', 'few']);
    assert.deepEqual(report.classes.map((k) => k.trainCount), counts);
    const norms = report.classes.map((k) => k.weightNorm as number);
    assert.ok(Math.abs(norms[3] - Math.sqrt(0.75)) < 1e-6);
    assert.equal(report.model.format.startsWith('head (npz: fc.weight, fc.bias)'), true);
    assert.ok(report.projection !== null && report.projection.points.length === 100);
  });

  it('a LayersModel on a long-tailed IDX image set, with make-lt, through the built CLI; the second run hits the cache', async () => {
    const ws = join(dir, 'ws');
    mkdirSync(join(ws, 'data'), { recursive: true });
    const n = 120;
    const labels = Array.from({ length: n }, (_, i) => i % 3);
    const img = (i: number, y: number, x: number): number => ((labels[i] * 70 + y * 9 + x * 5 + i) % 256);
    writeFile(join(ws, 'data'), 'train-images-idx3-ubyte.gz', gzip(idxImagesBytes(n, 8, 8, img)));
    writeFile(join(ws, 'data'), 'train-labels-idx1-ubyte.gz', gzip(idxLabelsBytes(labels)));
    writeFile(join(ws, 'data'), 't10k-images-idx3-ubyte', idxImagesBytes(n, 8, 8, img));
    writeFile(join(ws, 'data'), 't10k-labels-idx1-ubyte', idxLabelsBytes(labels));
    const modelJson = await saveTinyLayersModel(join(ws, 'model'), { numClasses: 3 });
    assert.ok(existsSync(cliPath), 'run npm run bundle first');
    const run = (...args: string[]) => spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', cwd: ws });
    const lt = run('make-lt', '--dataset', 'data', '--ratio', '10', '--seed', '1', '--out', 'train-lt.json');
    assert.equal(lt.status, 0, lt.stderr);
    assert.deepEqual(JSON.parse(lt.stdout).counts, [40, 12, 4]);
    const first = run('analyse', '--model', modelJson, '--eval', 'data', '--train', 'train-lt.json', '--json');
    assert.equal(first.status, 0, first.stderr);
    const result = JSON.parse(first.stdout) as { reportPath: string; fromCache: boolean };
    assert.equal(result.fromCache, false);
    assert.ok(result.reportPath.startsWith(join(ws, '.longtail', 'runs')));
    const report = readReport(result.reportPath);
    assert.deepEqual(report.classes.map((k) => k.trainCount), [40, 12, 4]);
    assert.deepEqual(report.classes.map((k) => k.bucket), ['medium', 'few', 'few']);
    assert.equal(report.summary.evalExamples, n);
    assert.equal(report.data.eval.format, 'idx');
    assert.equal(report.model.format, 'layers-model');
    assert.ok(report.weightNorms !== null && report.postHoc.tauNormalisation !== null);
    const second = run('analyse', '--model', modelJson, '--eval', 'data', '--train', 'train-lt.json', '--json');
    assert.equal(second.status, 0, second.stderr);
    assert.equal((JSON.parse(second.stdout) as { fromCache: boolean }).fromCache, true);
    // Different preprocessing (a CLI flag overriding longtail.json) is recorded and misses the cache.
    const normalised = run('analyse', '--model', modelJson, '--eval', 'data', '--train', 'train-lt.json', '--mean', '0.5', '--std', '0.25', '--json');
    assert.equal(normalised.status, 0, normalised.stderr);
    const third = JSON.parse(normalised.stdout) as { reportPath: string; fromCache: boolean };
    assert.equal(third.fromCache, false);
    assert.deepEqual(readReport(third.reportPath).preprocessing, { scale: 'unit', mean: [0.5], std: [0.25] });
    assert.equal(readdirSync(join(ws, '.longtail', 'runs')).length, 3, 'each analysis gets its own run folder');
    assert.deepEqual(readdirSync(join(ws, 'data')).sort(), ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte', 'train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'], 'nothing written next to the inputs');
  });

  it('1000 classes: the confusion matrix is omitted above the limit and the report validates', async () => {
    const c = 1000;
    const dim = 16;
    const n = 3000;
    const rnd = lcg(9);
    const feats: number[] = [];
    const labels: number[] = [];
    for (let i = 0; i < n; i++) {
      labels.push(i % c);
      for (let k = 0; k < dim; k++) feats.push(rnd() - 0.5);
    }
    const w: number[] = [];
    for (let i = 0; i < c * dim; i++) w.push(rnd() - 0.5);
    const trainCounts = Array.from({ length: c }, (_, y) => Math.floor(500 * Math.pow(0.01, y / (c - 1))));
    writeFile(dir, 'big-eval.npz', npzBytes({ embeddings: npyBytes('f4', [n, dim], feats), labels: npyBytes('i4', [n], labels) }));
    writeFile(dir, 'big-head.safetensors.npz', npzBytes({ 'head.weight': npyBytes('f4', [c, dim], w) }));
    writeFile(dir, 'big-counts.npy', npyBytes('i8', [c], trainCounts));
    const reportPath = join(dir, 'big-report.json');
    const r = await cli('analyse', '--backend', 'cpu', '--model', join(dir, 'big-head.safetensors.npz'), '--eval', join(dir, 'big-eval.npz'), '--class-counts', join(dir, 'big-counts.npy'), '--report', reportPath, '--workspace', dir);
    assert.equal(r.code, 0, r.stderr);
    const report = readReport(reportPath);
    assert.equal(report.classes.length, c);
    assert.equal(report.confusion.matrix, null);
    assert.equal(report.confusion.buckets.length, 3);
    assert.equal(report.summary.groups.length, 10);
    assert.equal(report.classes[0].bias, null);
  });

  it('bad input exits 1 with one error line naming the file; an existing --report is never overwritten', async () => {
    const missing = await cli('analyse', '--backend', 'cpu', '--model', join(dir, 'nope.npz'), '--eval', join(dir, 'eval.npz'), '--class-counts', join(dir, 'counts.json'), '--workspace', dir);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^error\[FILE_NOT_FOUND\]: .*nope\.npz/);
    assert.equal(missing.stderr.trim().split('\n').length, 1);
    const wrongCounts = await cli('analyse', '--backend', 'cpu', '--model', join(dir, 'head.npz'), '--eval', join(dir, 'eval.npz'), '--class-counts', join(dir, 'big-counts.npy'), '--workspace', dir);
    assert.equal(wrongCounts.code, 1);
    assert.match(wrongCounts.stderr, /^error\[SHAPE_MISMATCH\]: the model has 4 classes but the class counts/);
    const before = readFileSync(join(dir, 'head-report.json'), 'utf8');
    const again = await cli('analyse', '--backend', 'cpu', '--model', join(dir, 'head.npz'), '--eval', join(dir, 'eval.npz'), '--class-counts', join(dir, 'counts.json'), '--report', join(dir, 'head-report.json'), '--workspace', dir);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^error\[OUTPUT_EXISTS\]/);
    assert.equal(readFileSync(join(dir, 'head-report.json'), 'utf8'), before);
    const usage = await cli('analyse', '--model', join(dir, 'head.npz'));
    assert.equal(usage.code, 2);
  });
});
