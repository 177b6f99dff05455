// The CLI summary of `longtail analyse`: what each post-hoc number is (oracle or held out, bias dropped or
// kept), intervals, and nothing invented for an older report without the new fields.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { runCli } from '../../../src/cli/cli';
import { formatSummary } from '../../../src/cli/commands/analyse';
import { buildReport } from '../../../src/engine/analysis/buildReport';
import type { Report } from '../../../src/protocol/report';
import { provenance, randomProblem } from '../analysis/helpers';

const result = { reportPath: '/tmp/r/report.json', balancedError: 0, top1Error: 0, buckets: { many: null, medium: null, few: null }, bestTau: 1, bestTauBalancedError: 0, fromCache: false, seconds: 1.5 };
const pct = (v: number) => `${(100 * v).toFixed(2)}%`;

describe('longtail analyse summary', () => {
  const p = randomProblem(41, 1500, 12, 6);
  const report = buildReport({ numClasses: p.c, logits: p.logits, labels: p.labels, trainCounts: p.trainCounts, embeddings: p.embeddings, head: { weight: p.weight, bias: p.bias } }, provenance);
  const text = formatSummary(report, result);

  it('labels the eval-set best τ as oracle and names both τ-normalisation variants', () => {
    const la = report.postHoc.logitAdjustment;
    assert.ok(text.includes(`oracle best τ=${la.bestTau.toFixed(1)}`), text);
    assert.match(text, /τ-normalisation, bias dropped \(Kang et al\.; τ=0 is not the model as is\)/);
    assert.match(text, /τ-normalisation, bias kept \(τ=0 is the model as is\)/);
  });

  it('prints the held-out τ with its test-part balanced error, and the intervals', () => {
    const sel = report.postHoc.selection;
    const iv = report.summary.intervals;
    assert.ok(sel && iv);
    assert.ok(text.includes(`τ chosen on ${sel.valExamples} held-out eval examples (20% of each class, seed 0), reported on the other ${sel.testExamples}`), text);
    assert.ok(text.includes(`logit adjustment τ=${sel.logitAdjustment.tau.toFixed(1)} → ${pct(sel.logitAdjustment.testBalancedError).padStart(7)}`), text);
    assert.ok(text.includes(`balanced error ${pct(report.summary.balancedError).padStart(7)} (95% CI ${(100 * iv.balancedError.lo).toFixed(2)} to ${(100 * iv.balancedError.hi).toFixed(2)})`), text);
    assert.ok(text.includes(`percentile bootstrap, ${iv.replicates} resamples`), text);
    assert.ok(text.includes(`after post-hoc logit adjustment τ=1`), text);
  });

  it('an older report without the new fields prints no interval, no held-out line and no bias-kept line', () => {
    const old = JSON.parse(JSON.stringify(report)) as Record<string, Record<string, unknown>>;
    delete old.summary.intervals;
    delete old.postHoc.selection;
    delete old.postHoc.tauNormalisationWithBias;
    const t = formatSummary(old as unknown as Report, result);
    assert.ok(!t.includes('95% CI') && !t.includes('held-out') && !t.includes('bias kept'), t);
    assert.match(t, /τ-normalisation, bias dropped \(Kang et al\.\)/);
  });

  it('always prints the preprocessing, and for image folders which folder became which class', () => {
    const withInputs = JSON.parse(JSON.stringify(report)) as { preprocessing: Record<string, unknown>; data: { eval: Record<string, unknown> } };
    withInputs.preprocessing = { scale: 'unit', mean: [0.286], std: [0.353] };
    withInputs.data.eval.classOrder = { convention: 'sorted', folders: ['Ankle boot', 'Bag', 'Coat'] };
    const sorted = formatSummary(withInputs as unknown as Report, result);
    assert.match(sorted, /preprocessing: scale unit, mean \[0\.286\], std \[0\.353\]/);
    assert.match(sorted, /classes: image folders in sorted order, torchvision ImageFolder's convention \(0=Ankle boot, 1=Bag, 2=Coat\); if the model was trained in another class order, give --class-names/);
    withInputs.data.eval.classOrder = { convention: 'by-name', folders: ['T-shirt_top', null, 'Ankle boot'] };
    assert.match(formatSummary(withInputs as unknown as Report, result), /classes: image folders matched to the class names by name \(0=T-shirt_top, 1=\(none\), 2=Ankle boot\)/);
    assert.match(text, /preprocessing: /);
    assert.ok(!text.includes('image folders'), 'no class-order line for a dataset that is not an image folder');
  });

  it('rejects --val-split outside [0, 1) as bad usage', async () => {
    let stderr = '';
    const code = await runCli(['analyse', '--model', 'm.onnx', '--eval', 'e', '--val-split', '1.5'], { stdout: () => undefined, stderr: (t) => (stderr += t) }, { isCancellationRequested: false });
    assert.equal(code, 2);
    assert.match(stderr, /--val-split must be a number in \[0, 1\)/);
  });
});
