// `longtail analyse` runs the preprocessing probe (issue #15 item 4): the PyTorch CNN exported to ONNX without its
// normalisation (test/fixtures/torch/makeUnnormalisedCnn.py), analysed on its grey IDX data with no preprocessing,
// prints one line pointing to the training set's statistics with the figures, and records the probe in report.json;
// with that mean/std given, or with --no-probe, there is no line.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../../../src/cli/cli';
import type { Report } from '../../../src/protocol/report';
import { validateReport } from '../../../src/protocol/validateReport';
import { tempDir } from '../../fixtures/writers';

const torchDir = join(__dirname, '..', '..', 'fixtures', 'torch');
const data = join(__dirname, '..', '..', 'fixtures', 'e2e-workspace', 'data');
const expected = JSON.parse(readFileSync(join(torchDir, 'unnormalisedCnn.json'), 'utf8')) as { mean: number; std: number; accuracy: Record<string, number> };

async function analyse(dir: string, name: string, ...extra: string[]): Promise<{ code: number; stdout: string; stderr: string; report: Report }> {
  let stdout = '';
  let stderr = '';
  const reportPath = join(dir, name);
  const argv = ['analyse', '--backend', 'cpu', '--model', join(torchDir, 'unnormalisedCnn.onnx'), '--eval', data, '--report', reportPath, '--workspace', dir, '--umap-points', '0', ...extra];
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, { isCancellationRequested: false });
  assert.equal(code, 0, stderr);
  return { code, stdout, stderr, report: validateReport(JSON.parse(readFileSync(reportPath, 'utf8')) as unknown, reportPath) };
}

describe('analyse: preprocessing probe', () => {
  const { dir, cleanup } = tempDir('longtail-probe-cli-');
  after(cleanup);

  it('without preprocessing: one line pointing to the training statistics, the figures, and report.json preprocessingProbe', async () => {
    const r = await analyse(dir, 'raw.json');
    const probe = r.report.preprocessingProbe;
    assert.ok(probe);
    assert.equal(probe.suggestion, 'training-stats');
    assert.equal(probe.sampleSize, 300);
    const acc = Object.fromEntries(probe.entries.map((e) => [e.preset, e.accuracy]));
    // The analysis itself (no preprocessing) has the configured accuracy: 1 − top-1 error.
    assert.ok(Math.abs(acc.configured - (1 - r.report.summary.top1Error)) < 1e-12);
    for (const k of ['unit', 'imagenet', 'cifar10', 'training-stats']) assert.ok(Math.abs(acc[k] - expected.accuracy[k]) <= 1 / 300 + 1e-12, `${k}: ${acc[k]}`);
    const lines = r.stdout.split('\n');
    const hint = lines.find((l) => l.startsWith('  preprocessing: the training set'));
    assert.ok(hint, r.stdout);
    assert.match(hint, /gives 100\.0% accuracy on a 300-example sample vs 19\.\d% with the configured preprocessing; the model probably expects it \(--mean 0\.3807 --std 0\.3469\)$/);
    assert.match(r.stdout, /\n {4}probe accuracy on 300 eval examples: configured 19\.\d%, unit 19\.\d%, imagenet 98\.\d%, cifar10 9\d\.\d%, training-stats 100\.0%\n/);
  });

  it('with the training statistics given, the probe finds nothing better and prints nothing', async () => {
    const r = await analyse(dir, 'normalised.json', '--mean', String(expected.mean), '--std', String(expected.std));
    assert.ok(r.report.preprocessingProbe);
    assert.equal(r.report.preprocessingProbe.suggestion, null);
    assert.ok(1 - r.report.summary.top1Error > 0.99);
    assert.doesNotMatch(r.stdout, /probe accuracy|probably expects/);
  });

  it('--no-probe skips it', async () => {
    const r = await analyse(dir, 'noprobe.json', '--no-probe');
    assert.equal(r.report.preprocessingProbe, undefined);
    assert.doesNotMatch(r.stdout, /probe accuracy|probably expects/);
  });
});
