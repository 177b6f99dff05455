// Issue #15 "done when": `longtail analyse --model model.pth --head-key fc --eval features.npz` gives the same
// figures as the equivalent .npz head, for a full state dict (torch.save(model.state_dict())) and for a head-only
// one, both written by torch itself (test/fixtures/torch/makeTorchFixtures.py). The figures are also recomputed
// here from logits = x·Wᵀ + b with torch's own weight values (expected.json).
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../../src/cli/cli';
import type { Report } from '../../../src/protocol/report';
import { validateReport } from '../../../src/protocol/validateReport';
import { npyBytes, npzBytes, tempDir, writeFile } from '../../fixtures/writers';

const fixtures = join(__dirname, '..', '..', 'fixtures', 'torch');
type Tensor = { shape: number[]; values: number[] };
const expected = (JSON.parse(readFileSync(join(fixtures, 'expected.json'), 'utf8')) as { fixtures: Record<string, Record<string, Tensor>> }).fixtures;

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, { isCancellationRequested: false });
  return { code, stdout, stderr };
}

describe('analyse --model x.pth --head-key fc --eval features.npz', () => {
  const { dir, cleanup } = tempDir('longtail-pth-head-');
  after(cleanup);
  const c = 5;
  const d = 3;
  const n = 250;
  const counts = [400, 120, 40, 12, 4];
  const features: number[] = [];
  const labels: number[] = [];
  let s = 11;
  const rnd = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  before(() => {
    for (let i = 0; i < n; i++) {
      const y = i % c;
      labels.push(y);
      // Class-dependent features around a point on a circle in the first two dimensions.
      const a = (2 * Math.PI * y) / c;
      features.push(Math.fround(3 * Math.cos(a) + (rnd() - 0.5) * 4), Math.fround(3 * Math.sin(a) + (rnd() - 0.5) * 4), Math.fround((rnd() - 0.5) * 2));
    }
    writeFile(dir, 'features.npz', npzBytes({ features: npyBytes('f4', [n, d], features), labels: npyBytes('i8', [n], labels) }));
    writeFile(dir, 'counts.json', JSON.stringify(counts));
  });

  /** Balanced and top-1 error recomputed from logits = x·Wᵀ + b (float64; argmax, first maximum on ties). */
  function reference(weight: number[], bias: number[]): { balanced: number; top1: number } {
    const right = new Array<number>(c).fill(0);
    const total = new Array<number>(c).fill(0);
    let wrong = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestValue = -Infinity;
      for (let k = 0; k < c; k++) {
        let v = bias[k];
        for (let j = 0; j < d; j++) v += features[i * d + j] * weight[k * d + j];
        if (v > bestValue) [best, bestValue] = [k, v];
      }
      total[labels[i]]++;
      if (best === labels[i]) right[labels[i]]++;
      else wrong++;
    }
    return { balanced: 1 - right.reduce((a, r, k) => a + r / total[k], 0) / c, top1: wrong / n };
  }

  async function analyse(model: string, report: string, headKey?: string): Promise<Report> {
    const r = await cli('analyse', '--backend', 'cpu', '--model', model, ...(headKey ? ['--head-key', headKey] : []), '--eval', join(dir, 'features.npz'), '--class-counts', join(dir, 'counts.json'), '--report', join(dir, report), '--workspace', dir, '--umap-points', '0');
    assert.equal(r.code, 0, r.stderr);
    return validateReport(JSON.parse(readFileSync(join(dir, report), 'utf8')) as unknown, report);
  }

  for (const fixture of ['state_dict.pth', 'head_only.pth']) {
    it(`${fixture}: same figures as the .npz head with torch's weights`, async () => {
      const w = expected[fixture]['fc.weight'];
      const b = expected[fixture]['fc.bias'];
      assert.deepEqual(w.shape, [c, d]);
      const npz = writeFile(dir, `${fixture}.npz`, npzBytes({ 'fc.weight': npyBytes('f4', [c, d], w.values), 'fc.bias': npyBytes('f4', [c], b.values) }));
      const fromPth = await analyse(join(fixtures, fixture), `${fixture}.report.json`, 'fc');
      const fromNpz = await analyse(npz, `${fixture}.npz.report.json`);
      assert.equal(fromPth.summary.balancedError, fromNpz.summary.balancedError);
      assert.equal(fromPth.summary.top1Error, fromNpz.summary.top1Error);
      assert.deepEqual(fromPth.classes.map((k) => [k.accuracy, k.precision, k.weightNorm]), fromNpz.classes.map((k) => [k.accuracy, k.precision, k.weightNorm]));
      assert.deepEqual(fromPth.confusion.matrix, fromNpz.confusion.matrix);
      assert.deepEqual(fromPth.postHoc.logitAdjustment.balancedError, fromNpz.postHoc.logitAdjustment.balancedError);
      assert.equal(fromPth.calibration.ece, fromNpz.calibration.ece);
      const ref = reference(w.values, b.values);
      assert.ok(Math.abs(fromPth.summary.balancedError - ref.balanced) < 1e-12, `${fromPth.summary.balancedError} vs ${ref.balanced}`);
      assert.ok(Math.abs(fromPth.summary.top1Error - ref.top1) < 1e-12, `${fromPth.summary.top1Error} vs ${ref.top1}`);
      // state_dict.pth's fc is arange-filled (rows differ by a constant: only classes 0 and 4 are ever predicted);
      // head_only.pth's is a seeded nn.Linear, which separates several classes.
      if (fixture === 'head_only.pth') assert.ok(ref.balanced < 0.8, `a head that separates some classes (${ref.balanced})`);
    });
  }
});
