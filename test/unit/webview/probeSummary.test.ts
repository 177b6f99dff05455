// The dashboard header's preprocessing-probe line: a warning naming the suggested preset with its figures, a plain
// note otherwise, every preset's accuracy in the hover, nothing for reports without a probe.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { PreprocessingProbeResult } from '../../../src/protocol/preprocessing';
import { probeSummary } from '../../../webview/dashboard/model/probeSummary';

const entries: PreprocessingProbeResult['entries'] = [
  { preset: 'configured', mean: null, std: null, accuracy: 0.193 },
  { preset: 'unit', mean: null, std: null, accuracy: 0.193 },
  { preset: 'imagenet', mean: [0.449], std: [0.226], accuracy: 0.983 },
  { preset: 'training-stats', mean: [0.3807], std: [0.3469], accuracy: 1 },
];

describe('probeSummary', () => {
  it('warns with the suggested preset and its figures against the configured preprocessing', () => {
    const s = probeSummary({ sampleSize: 300, seed: 0, entries, suggestion: 'training-stats', hint: 'x' });
    assert.ok(s);
    assert.equal(s.warning, true);
    assert.equal(s.text, "probe: the model probably expects the training set's own mean/std (100.0% vs 19.3% on 300 examples)");
    assert.equal(
      s.title,
      "Accuracy on a 300-example eval sample (seed 0): the configured preprocessing 19.3%; pixels in [0, 1] 19.3%; ImageNet mean/std 98.3%; the training set's own mean/std 100.0%",
    );
  });

  it('is a plain note when no preset is clearly better, and absent without a probe', () => {
    const s = probeSummary({ sampleSize: 512, seed: 3, entries: entries.slice(0, 2), suggestion: null, hint: null });
    assert.deepEqual(s && { text: s.text, warning: s.warning }, { text: 'probe: no preset is clearly better (configured 19.3% on 512 examples)', warning: false });
    assert.equal(probeSummary(undefined), null);
    assert.equal(probeSummary({ sampleSize: 0, seed: 0, entries: [], suggestion: null, hint: null }), null);
  });
});
