import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { nothingToRestoreDetail, parseDashboardInput, restoreTrainingRun, type TrainingShowRunMessage } from '../../../src/protocol/webviewProtocol';
import { sanitiseState } from '../../../webview/dashboard/state';

const run: TrainingShowRunMessage = {
  type: 'training/showRun',
  title: 'la (τ=1), head, 5 epochs',
  totalEpochs: 5,
  epochs: [
    { epoch: 1, loss: 0.9, balancedError: 0.3, buckets: { many: 0.8, medium: 0.6, few: null }, seconds: 1.5 },
    { epoch: 2, loss: 0.7, balancedError: 0.25, buckets: { many: 0.82, medium: 0.65, few: null }, seconds: 1.4 },
  ],
  baselineBalancedError: 0.31,
  status: 'running',
  detail: 'epoch 3/5: 10/40 batches',
};

describe('restoring dashboards after a reload', () => {
  it('each panel keeps its own report input in its webview state', () => {
    const a = sanitiseState({ tab: 'confusion', input: { reportPath: '/ws/.longtail/runs/A/report.json' } });
    const b = sanitiseState({ tab: 'compare', input: { reportPath: '/ws/.longtail/runs/B/report.json', comparePath: '/ws/.longtail/finetune/C/report.json' } });
    assert.deepEqual(a.input, { reportPath: '/ws/.longtail/runs/A/report.json' });
    assert.equal(a.tab, 'confusion');
    assert.deepEqual(b.input, { reportPath: '/ws/.longtail/runs/B/report.json', comparePath: '/ws/.longtail/finetune/C/report.json' });
    assert.equal(b.tab, 'compare');
  });

  it('a missing or invalid input is rejected, not guessed', () => {
    for (const bad of [undefined, null, 'x', {}, { reportPath: '' }, { reportPath: 42 }, { reportPath: '/ws/model.onnx' }, { reportPath: '/a/report.json', comparePath: 7 }, { reportPath: '/a/report.json\u0000.json' }]) {
      assert.equal(parseDashboardInput(bad), undefined, JSON.stringify(bad));
    }
    assert.equal(sanitiseState({ tab: 'overview' }).input, null);
    assert.deepEqual(parseDashboardInput({ reportPath: 'C:\\ws\\.longtail\\runs\\A\\report.json', comparePath: null }), { reportPath: 'C:\\ws\\.longtail\\runs\\A\\report.json' });
  });
});

describe('restoring the fine-tuning panel after a reload', () => {
  it('a run that was still training comes back as interrupted, restored, with its epochs', () => {
    const restored = restoreTrainingRun(JSON.parse(JSON.stringify(run)));
    assert.equal(restored.status, 'interrupted');
    assert.equal(restored.restored, true);
    assert.deepEqual(restored.epochs, run.epochs);
    assert.equal(restored.baselineBalancedError, 0.31);
    assert.equal(restored.title, run.title);
    assert.match(restored.detail ?? '', /window was reloaded while this run was training.*no longer live/);
  });

  it('a finished run keeps its status and detail, marked restored', () => {
    const restored = restoreTrainingRun({ ...run, status: 'done', detail: 'balanced error 22.00% after fine-tuning' });
    assert.equal(restored.status, 'done');
    assert.equal(restored.detail, 'balanced error 22.00% after fine-tuning');
    assert.equal(restored.restored, true);
  });

  it('missing or corrupt state gives an empty chart that says there is nothing to restore', () => {
    for (const bad of [undefined, null, { ...run, epochs: [{ epoch: 'one' }] }, { ...run, status: 'flying' }, { ...run, type: 'dashboard/ready' }, { ...run, baselineBalancedError: 'x' }]) {
      const restored = restoreTrainingRun(bad);
      assert.equal(restored.status, 'interrupted');
      assert.deepEqual(restored.epochs, []);
      assert.equal(restored.detail, nothingToRestoreDetail);
    }
  });
});
