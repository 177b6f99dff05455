// `longtail finetune --scope head` on a CPU backend trains through the head fast path (training/headFastPath.ts);
// its balanced error and weights equal the TF.js autograd reference path's (fineTune with headPath 'tfjs').
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../../../src/cli/cli';
import { mulberry32 } from '../../../src/engine/data/seededRandom';
import { loadHeadCheckpoint } from '../../../src/engine/io/headCheckpoint';
import { fineTune } from '../../../src/engine/training/fineTune';
import { npyBytes, npzBytes, tempDir, writeFile } from '../../fixtures/writers';

const { dir, cleanup } = tempDir('longtail-head-fast-cli-');
after(cleanup);

const d = 16;
const perClass = [120, 60, 30, 15, 8, 4, 3, 2];
const c = perClass.length;

/** Overlapping long-tailed blobs as a features .npz. */
function features(name: string, counts: readonly number[], seed: number): string {
  const r = mulberry32(seed);
  const x: number[] = [];
  const y: number[] = [];
  counts.forEach((n, k) => {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) x.push((j % c === k ? 1 : 0) + 1.2 * (r() + r() + r() - 1.5));
      y.push(k);
    }
  });
  return writeFile(dir, name, npzBytes({ features: npyBytes('f4', [y.length, d], x), labels: npyBytes('i8', [y.length], y) }));
}

describe('longtail finetune --scope head (fast path) against the TF.js path', () => {
  const train = features('train.npz', perClass, 1);
  const evalPath = features('eval.npz', Array<number>(c).fill(40), 2);
  const r = mulberry32(3);
  const head = writeFile(
    dir,
    'head.npz',
    npzBytes({
      'fc.weight': npyBytes('f4', [c, d], Array.from({ length: c * d }, () => (r() - 0.5) * 0.1)),
      'fc.bias': npyBytes('f4', [c], Array.from({ length: c }, () => 0)),
    }),
  );

  for (const [loss, optimizer] of [
    ['la', 'adam'],
    ['ce', 'sgd'],
    ['ldam-drw', 'sgd'],
  ] as const) {
    it(`${loss} with ${optimizer}: same balanced error (to 1e-12) and weights within 2e-5 as the TF.js autograd path`, async () => {
      const out = join(dir, `cli-${loss}`);
      let stderr = '';
      const code = await runCli(
        ['finetune', '--model', head, '--train', train, '--eval', evalPath, '--scope', 'head', '--loss', loss, '--optimizer', optimizer, '--epochs', '3', '--batch-size', '32', '--out', out, '--workspace', dir, '--backend', 'cpu'],
        { stdout: () => undefined, stderr: (s) => (stderr += s) },
        { isCancellationRequested: false },
      );
      assert.equal(code, 0, stderr);
      const training = JSON.parse(readFileSync(join(out, 'training.json'), 'utf8')) as { notes: string[]; history: { balancedError: number; loss: number }[] };
      assert.ok(!training.notes.some((n) => n.startsWith('head steps on TF.js')), 'the CLI run took the fast path');
      const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { summary: { balancedError: number } };

      const ref = await fineTune(
        { model: head, train, eval: evalPath, scope: 'head', loss, optimizer, epochs: 3, batchSize: 32, out: join(dir, `ref-${loss}`), workspace: dir },
        { backend: 'cpu', headPath: 'tfjs' },
      );
      assert.ok(ref.result.notes.includes('head steps on TF.js autograd: the TF.js autograd path was asked for'));
      assert.ok(Math.abs(report.summary.balancedError - ref.result.balancedError) <= 1e-12, `${report.summary.balancedError} vs ${ref.result.balancedError}`);
      assert.ok(ref.result.balancedError > 0.05 && ref.result.balancedError < 0.8, `a non-trivial problem (${ref.result.balancedError})`);
      training.history.forEach((e, i) => {
        assert.equal(e.balancedError, ref.result.history[i].balancedError);
        assert.ok(Math.abs(e.loss - ref.result.history[i].loss) <= 1e-5 * Math.max(1, e.loss));
      });
      const fast = await loadHeadCheckpoint(join(out, 'head.npz'));
      const slow = await loadHeadCheckpoint(ref.result.checkpointPath);
      let worst = 0;
      fast.weight.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - slow.weight[i]))));
      fast.bias?.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - (slow.bias?.[i] ?? NaN)))));
      assert.ok(worst <= 2e-5, `weights differ by ${worst}`);
    });
  }
});
