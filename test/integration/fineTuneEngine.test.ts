/**
 * Fine-tuning through the spawned engine (`dist/engine.js`), as the extension runs it: `training/run`
 * with live `training/didEpoch` notifications, the new checkpoint written next to nothing the user owns,
 * and cancellation leaving no output folder.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CancellationTokenSource } from 'vscode-jsonrpc/node';
import { EngineProcess } from '../../src/client/engineProcess';
import { FineTuneRequest, type EpochMessage } from '../../src/protocol/engineProtocol';
import { ErrorCode, LongtailError } from '../../src/protocol/errors';
import { npyBytes, npzBytes, tempDir, writeFile } from '../fixtures/writers';

const enginePath = join(__dirname, '..', '..', 'dist', 'engine.js');

function problem(dir: string): void {
  // 3 classes in 2-D, imbalanced 200/40/8; zero head as in the logit-adjustment paper's synthetic test.
  const counts = [200, 40, 8];
  const means = [[1.5, 0], [-1, 1.2], [-1, -1.2]];
  let s = 5;
  const rnd = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) - 0.5;
  const features: number[] = [];
  const labels: number[] = [];
  counts.forEach((n, y) => {
    for (let i = 0; i < n; i++) {
      labels.push(y);
      features.push(means[y][0] + 1.6 * rnd(), means[y][1] + 1.6 * rnd());
    }
  });
  writeFile(dir, 'train.npz', npzBytes({ features: npyBytes('f4', [labels.length, 2], features), labels: npyBytes('i8', [labels.length], labels) }));
  writeFile(dir, 'head.npz', npzBytes({ 'fc.weight': npyBytes('f4', [3, 2], [0, 0, 0, 0, 0, 0]), 'fc.bias': npyBytes('f4', [3], [0, 0, 0]) }));
}

describe('fine-tuning through the engine process', () => {
  const { dir, cleanup } = tempDir('longtail-ft-engine-');
  problem(dir);
  const epochs: EpochMessage[] = [];
  const engine = new EngineProcess({ enginePath, args: ['--backend', 'wasm'], onEpoch: (m) => epochs.push(m) });
  after(async () => {
    await engine.dispose();
    cleanup();
  });

  it('trains a head with the LA loss, streams every epoch, and writes checkpoint, training.json and report.json', async () => {
    const out = join(dir, 'out-la');
    const result = await engine.request(FineTuneRequest, {
      model: join(dir, 'head.npz'),
      train: join(dir, 'train.npz'),
      loss: 'la',
      lossOptions: { tau: 1 },
      epochs: 4,
      learningRate: 0.5,
      batchSize: 64,
      out,
      workspace: dir,
      progressToken: 'ft-1',
    });
    assert.deepEqual(epochs.map((e) => [e.token, e.epoch.epoch]), [['ft-1', 1], ['ft-1', 2], ['ft-1', 3], ['ft-1', 4]]);
    assert.deepEqual(result.history.map((h) => h.loss), epochs.map((e) => e.epoch.loss));
    assert.ok(result.history[3].loss < result.history[0].loss);
    assert.deepEqual(readdirSync(out).sort(), ['head.npz', 'report.json', 'training.json']);
    assert.equal(result.checkpointPath, join(out, 'head.npz'));
    assert.ok(result.balancedError < 0.5, `balanced error ${result.balancedError}`);
  });

  it('a cancelled run leaves no output folder', async () => {
    const out = join(dir, 'out-cancelled');
    const source = new CancellationTokenSource();
    const pending = engine.request(
      FineTuneRequest,
      { model: join(dir, 'head.npz'), train: join(dir, 'train.npz'), loss: 'ce', epochs: 200, batchSize: 4, out, workspace: dir, progressToken: 'ft-2' },
      source.token,
    );
    while (!epochs.some((e) => e.token === 'ft-2')) await new Promise((r) => setTimeout(r, 20));
    source.cancel();
    await assert.rejects(pending, (e: unknown) => e instanceof LongtailError && e.code === ErrorCode.Cancelled);
    assert.equal(existsSync(out), false);
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('.')), [], 'no temporary folders left');
  });
});
