/**
 * The synthetic experiment of the logit-adjustment paper (Menon et al. 2021 §6.1; methods §2.5), run through
 * the CLI code path (runCli → finetune → analyse): binary y, P(y = minority) = 5%, x | y ~ N(±(1, 1), I₂),
 * an affine (linear + bias) head initialised at zero, 10,000 training samples, balanced error on a balanced
 * 10,000-sample test set. Expected (methods §13.10): ERM ≈ 0.18 (the standard Bayes rule, 0.1808), LA loss and
 * ERM + post-hoc τ = 1 ≈ 0.08 (Bayes 0.0786). Averaged over 3 trials; tolerances are wider than §13.10's
 * ±0.01 for ≥ 20 trials (per-trial sd: ERM 0.014, LA 0.007, methods §2.5).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../src/cli/cli';
import { mulberry32 } from '../../src/engine/data/seededRandom';
import { loadHeadCheckpoint } from '../../src/engine/io/headCheckpoint';
import { npyBytes, npzBytes, tempDir, writeFile } from '../fixtures/writers';

/** n samples of the mixture; class 1 (the minority, mean (1, 1)) with probability p1, or exactly half when p1 = 0.5. */
function mixture(n: number, p1: number, seed: number): { x: number[]; y: number[] } {
  const r = mulberry32(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = p1 === 0.5 ? i % 2 : r() < p1 ? 1 : 0;
    const mu = label === 1 ? 1 : -1;
    x.push(mu + gauss(), mu + gauss());
    y.push(label);
  }
  return { x, y };
}

function featuresFile(dir: string, name: string, data: { x: number[]; y: number[] }): string {
  return writeFile(dir, name, npzBytes({ features: npyBytes('f4', [data.y.length, 2], data.x), labels: npyBytes('i8', [data.y.length], data.y) }));
}

describe('logit-adjustment synthetic Gaussian experiment through `longtail finetune`', () => {
  let tmp: ReturnType<typeof tempDir>;
  before(() => {
    tmp = tempDir('longtail-gaussian-');
  });
  after(() => tmp.cleanup());

  it('CE ≈ 0.18 balanced error; LA loss and CE + post-hoc τ=1 reach the Bayes region ≈ 0.08', async (t) => {
    const head = writeFile(tmp.dir, 'zero.npz', npzBytes({ weight: npyBytes('f4', [2, 2], [0, 0, 0, 0]), bias: npyBytes('f4', [2], [0, 0]) }));
    const trials = 3;
    const ber = { ce: 0, la: 0, posthoc: 0 };
    let laBias = 0;
    for (let trial = 0; trial < trials; trial++) {
      const train = featuresFile(tmp.dir, `train${trial}.npz`, mixture(10_000, 0.05, 100 + trial));
      const test = featuresFile(tmp.dir, `test${trial}.npz`, mixture(10_000, 0.5, 200 + trial));
      for (const loss of ['ce', 'la'] as const) {
        const out = join(tmp.dir, `${loss}${trial}`);
        const err: string[] = [];
        const code = await runCli(
          ['finetune', '--model', head, '--train', train, '--eval', test, '--loss', loss, '--epochs', '40', '--lr', '0.1', '--batch-size', '500',
            '--optimizer', 'sgd', '--seed', String(trial), '--out', out, '--workspace', tmp.dir, '--backend', 'cpu', '--json'],
          { stdout: () => undefined, stderr: (s) => err.push(s) },
          { isCancellationRequested: false },
        );
        assert.equal(code, 0, err.join(''));
        assert.ok(err.some((l) => l.startsWith('epoch 40/40: loss')), 'epoch-level progress lines on stderr');
        const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
        ber[loss] += report.summary.balancedError / trials;
        if (loss === 'ce') {
          const la = report.postHoc.logitAdjustment;
          ber.posthoc += la.balancedError[la.taus.findIndex((x: number) => Math.abs(x - 1) < 1e-9)] / trials;
        } else {
          const h = await loadHeadCheckpoint(join(out, 'zero.npz'));
          laBias += (h.bias![1] - h.bias![0]) / trials;
        }
      }
    }
    t.diagnostic(`balanced error over ${trials} trials: ERM ${ber.ce.toFixed(4)}, LA loss ${ber.la.toFixed(4)}, ERM + post-hoc τ=1 ${ber.posthoc.toFixed(4)}; LA bias difference ${laBias.toFixed(3)}`);
    assert.ok(ber.ce > 0.155 && ber.ce < 0.205, `ERM balanced error ${ber.ce} (expected ≈ 0.1807)`);
    assert.ok(ber.la > 0.068 && ber.la < 0.092, `LA loss balanced error ${ber.la} (expected ≈ 0.0800)`);
    assert.ok(ber.posthoc > 0.068 && ber.posthoc < 0.092, `ERM + post-hoc τ=1 balanced error ${ber.posthoc} (expected ≈ 0.0800)`);
    assert.ok(Math.abs(ber.la - ber.posthoc) < 0.01, `LA loss ${ber.la} vs post-hoc ${ber.posthoc}`);
    assert.ok(Math.abs(laBias) < 0.3, `LA bias difference ${laBias} (Bayes: separator through the origin)`);
  });
});
