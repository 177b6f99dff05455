// The Post-hoc section's view model: sweep names say what τ-normalisation does with the bias, the slider grid
// covers every sweep after extension, and the held-out table reports what the report holds.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { buildReport } from '../../../src/engine/analysis/buildReport';
import { logPriors } from '../../../src/engine/analysis/logitAdjustment';
import type { PostHocSweep, Report } from '../../../src/protocol/report';
import { formatInterval, heldOutRows, namedSweeps, oracleTauText, unionGrid, valueAt } from '../../../webview/dashboard/model/postHoc';
import { provenance, randomProblem } from '../analysis/helpers';

const sweep = (taus: number[], edge = false): PostHocSweep => {
  const acc = { classes: 1, accuracy: 0.5 };
  const b = { many: acc, medium: acc, few: acc };
  return { taus, balancedError: taus.map((t) => 0.3 + 0.01 * t), bestTau: taus[taus.length - 1], bestBalancedError: 0.1, bucketsAtOne: b, bucketsAtBest: b, bestAtGridEdge: edge };
};

describe('post-hoc view model', () => {
  const p = randomProblem(8, 900, 10, 5);
  const lp = logPriors(p.trainCounts);
  // Logits that over-weight the prior 5×: the LA optimum lies beyond τ = 2, so its grid is extended.
  const logits = Float64Array.from(p.logits, (v, j) => v + 5 * lp[j % 10]);
  const report = buildReport({ numClasses: 10, logits, labels: p.labels, trainCounts: p.trainCounts, embeddings: p.embeddings, head: { weight: p.weight, bias: p.bias } }, provenance);

  it('names the τ-normalisation variants by the bias, and says what τ = 0 is', () => {
    const named = namedSweeps(report);
    assert.deepEqual(named.map((s) => s.label), ['logit adjustment', 'τ-norm, bias dropped', 'τ-norm, bias kept']);
    assert.equal(named[1].atZero, 'the model without its bias (not the model as is)');
    assert.equal(named[2].atZero, 'the model as is');
    const noBias = { ...report, classes: report.classes.map((c) => ({ ...c, bias: null })), postHoc: { ...report.postHoc, tauNormalisationWithBias: null } } as Report;
    assert.deepEqual(namedSweeps(noBias).map((s) => s.label), ['logit adjustment', 'τ-normalisation']);
  });

  it('the slider grid is the union of the grids; values off a grid are null, not invented', () => {
    const la = report.postHoc.logitAdjustment;
    assert.ok(la.taus.length > 21, 'LA grid extended');
    const grid = unionGrid(namedSweeps(report).map((s) => s.sweep));
    assert.equal(grid.length, la.taus.length);
    assert.deepEqual(unionGrid([sweep([0, 0.1, 0.2]), sweep([0.1, 0.2, 0.3, 0.4])]), [0, 0.1, 0.2, 0.3, 0.4]);
    assert.equal(valueAt(sweep([0, 0.1]), 0.3), null);
    assert.equal(valueAt(la, la.bestTau), la.bestBalancedError);
  });

  it('labels the eval-set best τ oracle and warns at the grid edge', () => {
    assert.equal(oracleTauText(sweep([0, 1, 2])), 'τ = 2, chosen on this eval set (oracle)');
    assert.match(oracleTauText(sweep([0, 1, 2], true)), /grid’s edge: a larger τ may be better$/);
  });

  it('held-out rows: the model as is, then each method with its validation τ and test balanced error', () => {
    const sel = report.postHoc.selection;
    assert.ok(sel);
    const rows = heldOutRows(report);
    assert.equal(rows.length, 4);
    assert.deepEqual(rows[0], ['model as is', '—', '—', `${(sel.testBalancedError * 100).toFixed(1)}%`, '—']);
    assert.equal(rows[1][0], 'logit adjustment');
    assert.equal(rows[1][1], String(sel.logitAdjustment.tau));
    assert.equal(rows[1][3], `${(sel.logitAdjustment.testBalancedError * 100).toFixed(1)}%`);
    assert.equal(rows[3][0], 'τ-norm, bias kept');
    assert.deepEqual(heldOutRows({ ...report, postHoc: { ...report.postHoc, selection: null } }), []);
  });

  it('formats intervals as a percent range', () => {
    assert.equal(formatInterval({ lo: 0.181, hi: 0.1972 }), '18.1–19.7%');
    assert.equal(formatInterval(null), '—');
  });
});
