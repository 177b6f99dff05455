// `longtail analyse` on stored logits (issue #12 item 3): without --model an eval file holding logits and labels
// is analysed as the model's outputs; with --model, stored logits must agree with the model's or the run is refused.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../../src/cli/cli';
import { tf } from '../../../src/engine/compute/tf';
import { fineTune } from '../../../src/engine/training/fineTune';
import { validateReport } from '../../../src/protocol/validateReport';
import type { Report } from '../../../src/protocol/report';
import { npyBytes, npzBytes, safetensorsBytes, encodeValues, tempDir, writeFile } from '../../fixtures/writers';

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, { isCancellationRequested: false });
  return { code, stdout, stderr };
}

/** Reads a report and validates it against report.schema.json (throws naming the first wrong field). */
function readReport(file: string): Report {
  return validateReport(JSON.parse(readFileSync(file, 'utf8')) as unknown, file);
}

describe('longtail analyse with stored logits', () => {
  const { dir, cleanup } = tempDir('longtail-logits-');
  const c = 4;
  const d = 3;
  const n = 80;
  const counts = [300, 90, 25, 6];
  const weight = [1, 0, 0, 0, 1, 0, 0, 0, 1, 0.5, 0.5, 0.5];
  const bias = [0.6, 0.2, -0.2, -0.8];
  const features: number[] = [];
  const labels: number[] = [];
  const logits: number[] = [];
  let s = 7;
  const rnd = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  before(async () => {
    await tf.setBackend('cpu');
    const means = [[2, 0, 0], [0, 2, 0], [0, 0, 2], [1, 1, 1]];
    for (let i = 0; i < n; i++) {
      const y = i % c;
      labels.push(y);
      for (let k = 0; k < d; k++) features.push(Math.fround(means[y][k] + (rnd() - 0.5) * 2.6));
    }
    for (let i = 0; i < n; i++) {
      for (let y = 0; y < c; y++) {
        let f = bias[y];
        for (let k = 0; k < d; k++) f += features[i * d + k] * weight[y * d + k];
        logits.push(f);
      }
    }
    writeFile(dir, 'head.npz', npzBytes({ 'fc.weight': npyBytes('f4', [c, d], weight), 'fc.bias': npyBytes('f4', [c], bias) }));
    writeFile(dir, 'counts.json', JSON.stringify(counts));
    writeFile(dir, 'features.npz', npzBytes({ features: npyBytes('f4', [n, d], features), labels: npyBytes('i8', [n], labels) }));
    writeFile(dir, 'logits.npz', npzBytes({ logits: npyBytes('f4', [n, c], logits), labels: npyBytes('i8', [n], labels) }));
    writeFile(
      dir,
      'logits.safetensors',
      safetensorsBytes({ logits: { dtype: 'F32', shape: [n, c], bytes: encodeValues('f4', logits) }, labels: { dtype: 'I64', shape: [n], bytes: encodeValues('i8', labels) } }),
    );
    writeFile(dir, 'both.npz', npzBytes({ features: npyBytes('f4', [n, d], features), logits: npyBytes('f4', [n, c], logits), labels: npyBytes('i8', [n], labels) }));
    writeFile(dir, 'zero-logits.npz', npzBytes({ features: npyBytes('f4', [n, d], features), logits: npyBytes('f4', [n, c], new Array(n * c).fill(0)), labels: npyBytes('i8', [n], labels) }));
    const nudged = logits.slice();
    nudged[5 * c + 2] += 0.01; // beyond 1e-3·max(1, |x|) for |x| < 10
    writeFile(dir, 'nudged-logits.npz', npzBytes({ features: npyBytes('f4', [n, d], features), logits: npyBytes('f4', [n, c], nudged), labels: npyBytes('i8', [n], labels) }));
    writeFile(dir, 'wide-logits.npz', npzBytes({ features: npyBytes('f4', [n, d], features), logits: npyBytes('f4', [n, c + 1], new Array(n * (c + 1)).fill(0)), labels: npyBytes('i8', [n], labels) }));
  });
  after(cleanup);

  const analyse = (name: string, evalFile: string, model?: string): Promise<{ code: number; stdout: string; stderr: string }> =>
    cli('analyse', '--backend', 'cpu', ...(model ? ['--model', join(dir, model)] : []), '--eval', join(dir, evalFile), '--class-counts', join(dir, 'counts.json'), '--report', join(dir, name), '--workspace', dir);

  it('without --model, an .npz or .safetensors of logits + labels gives the head run\'s numbers and leaves out what needs weights or embeddings', async () => {
    const withHead = await analyse('head.json', 'features.npz', 'head.npz');
    assert.equal(withHead.code, 0, withHead.stderr);
    const full = readReport(join(dir, 'head.json'));
    for (const file of ['logits.npz', 'logits.safetensors']) {
      const r = await analyse(`${file}.json`, file);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /model: logits stored in the eval file/);
      assert.match(r.stdout, /post-hoc logit adjustment: τ=1/);
      assert.doesNotMatch(r.stdout, /^  (τ-normalisation|weight norm)/m);
      const only = readReport(join(dir, `${file}.json`));
      assert.ok(Math.abs(only.summary.balancedError - full.summary.balancedError) < 1e-12, `${only.summary.balancedError} vs ${full.summary.balancedError}`);
      assert.deepEqual(only.classes.map((k) => k.accuracy), full.classes.map((k) => k.accuracy));
      assert.deepEqual(only.postHoc.logitAdjustment.balancedError, full.postHoc.logitAdjustment.balancedError);
      assert.deepEqual(only.confusion.matrix, full.confusion.matrix);
      assert.ok(Math.abs(only.calibration.ece - full.calibration.ece) < 1e-6);
      assert.equal(only.weightNorms, null);
      assert.equal(only.projection, null);
      assert.equal(only.postHoc.tauNormalisation, null);
      assert.ok(only.classes.every((k) => k.tightness === null && k.weightNorm === null));
      assert.equal(only.model.embeddingDim, null);
      assert.equal(only.model.path, join(dir, file));
      assert.ok(full.weightNorms !== null && full.projection !== null, 'the head run has them');
    }
  });

  it('with --model, stored logits that match are accepted; all-zero, nudged or wrong-width ones are refused naming the file', async () => {
    const ok = await analyse('both.json', 'both.npz', 'head.npz');
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok(Math.abs(readReport(join(dir, 'both.json')).summary.balancedError - readReport(join(dir, 'head.json')).summary.balancedError) < 1e-12);
    const zero = await analyse('zero.json', 'zero-logits.npz', 'head.npz');
    assert.equal(zero.code, 1);
    assert.match(zero.stderr, /^error\[INVALID_FILE\]: .*zero-logits\.npz: its stored 'logits' disagree with the model/);
    assert.equal(zero.stderr.trim().split('\n').length, 1);
    const nudged = await analyse('nudged.json', 'nudged-logits.npz', 'head.npz');
    assert.equal(nudged.code, 1);
    assert.match(nudged.stderr, /INVALID_FILE.*nudged-logits\.npz.*example 5, class 2/);
    const wide = await analyse('wide.json', 'wide-logits.npz', 'head.npz');
    assert.equal(wide.code, 1);
    assert.match(wide.stderr, /^error\[SHAPE_MISMATCH\]: .*wide-logits\.npz: its stored 'logits' have 5 classes but the model .* has 4/);
  });

  it("fine-tuning's report of the new head is not refused for the input model's stored logits", async () => {
    const { result } = await fineTune(
      { model: join(dir, 'head.npz'), train: join(dir, 'both.npz'), eval: join(dir, 'both.npz'), loss: 'la', epochs: 2, learningRate: 0.5, out: join(dir, 'ft'), workspace: dir },
      { backend: 'cpu' },
    );
    const report = readReport(result.reportPath);
    assert.equal(report.summary.balancedError, result.balancedError);
    const again = await cli('analyse', '--backend', 'cpu', '--model', result.checkpointPath, '--eval', join(dir, 'both.npz'), '--workspace', dir);
    assert.equal(again.code, 1, 'analysing the new head on the old logits by hand is refused');
    assert.match(again.stderr, /INVALID_FILE.*both\.npz: its stored 'logits' disagree/);
  });

  it('without --model, a file without logits is refused with one line naming it', async () => {
    const r = await analyse('none.json', 'features.npz');
    assert.equal(r.code, 2, 'an invalid option exits 2');
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /^error\[INVALID_OPTION\]: .*features\.npz holds no 'logits' array; give a model/);
    const usage = await cli('analyse', '--backend', 'cpu');
    assert.equal(usage.code, 2);
  });
});
