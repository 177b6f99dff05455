// Drill-down: which examples a click opens, the standalone report's thumbnail selection and budget, the
// embedded-thumbnail parser and the webview messages' validation.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { Report } from '../../../src/protocol/report';
import { isFromDashboardMessage } from '../../../src/protocol/webviewProtocol';
import { collectThumbnails, reportEvalPath, thumbnailCandidates } from '../../../src/report/thumbnailSelection';
import { parseEmbeddedThumbnails } from '../../../webview/dashboard/exampleSource';
import { classDrillDown, pairDrillDown } from '../../../webview/dashboard/model/drillDown';
import { makeReport } from '../../fixtures/makeReport';

/** A 3-class report whose classes and top pairs carry drill-down examples. */
function reportWithExamples(): Report {
  const base = makeReport({ numClasses: 3 });
  const examples = [
    [{ index: 7, predicted: 1, confidence: 0.9 }, { index: 2, predicted: 2, confidence: 0.6 }],
    [{ index: 5, predicted: 0, confidence: 0.8 }],
    [],
  ];
  return {
    ...base,
    classes: base.classes.map((c, y) => ({ ...c, examples: examples[y] })),
    confusion: { ...base.confusion, order: [0, 1, 2], topPairs: [{ trueClass: 0, predictedClass: 1, count: 3, examples: [7, 9] }, { trueClass: 1, predictedClass: 0, count: 1, examples: [5] }] },
  };
}

describe('drill-down model', () => {
  it('opens a class on its most confident mistakes and a pair on its examples, with confidences where known', () => {
    const r = reportWithExamples();
    assert.deepEqual(classDrillDown(r, 0).items, [
      { index: 7, label: 0, predicted: 1, confidence: 0.9 },
      { index: 2, label: 0, predicted: 2, confidence: 0.6 },
    ]);
    assert.equal(classDrillDown(r, 2).items.length, 0);
    assert.match(classDrillDown(r, 2).note, /No misclassified/);
    assert.deepEqual(pairDrillDown(r, 0, 1).items, [
      { index: 7, label: 0, predicted: 1, confidence: 0.9 },
      { index: 9, label: 0, predicted: 1, confidence: null },
    ]);
    assert.equal(pairDrillDown(r, 2, 0).items.length, 0, 'not a top pair');
    assert.match(pairDrillDown(r, 2, 0).note, /2 most frequent confusions/);
  });
  it('says a report without examples predates drill-down', () => {
    const r = makeReport({ numClasses: 3 });
    assert.match(classDrillDown(r, 0).note, /analyse again/);
  });
});

describe('standalone thumbnails', () => {
  it('chooses top pairs first, then classes round-robin in frequency order, each index once', () => {
    assert.deepEqual(thumbnailCandidates(reportWithExamples()), [7, 9, 5, 2]);
  });
  it('stops at the size budget and reads in batches', async () => {
    const uri = (i: number) => `data:image/png;base64,${'A'.repeat(10 + i)}`;
    const asked: (readonly number[])[] = [];
    const got = await collectThumbnails(
      reportWithExamples(),
      (indices) => {
        asked.push(indices);
        return Promise.resolve({ isFeatures: false, examples: indices.map((index) => ({ index, thumbnail: uri(index) })) });
      },
      uri(7).length + uri(9).length + uri(5).length,
    );
    assert.deepEqual(asked, [[7, 9, 5, 2]]);
    assert.deepEqual(Object.keys(got?.thumbnails ?? {}).sort(), ['5', '7', '9']);
  });
  it('resolves a relative eval path from the workspace of the run folder', () => {
    const r = { ...makeReport({ numClasses: 2 }), data: { ...makeReport({ numClasses: 2 }).data, eval: { ...makeReport({ numClasses: 2 }).data.eval, path: 'data/test' } } };
    assert.equal(reportEvalPath(r, '/ws/.longtail/runs/20260101T000000Z/report.json'), '/ws/data/test');
  });
  it('keeps only PNG data URIs under integer keys', () => {
    const parsed = parseEmbeddedThumbnails({ isFeatures: false, maxSide: 48, thumbnails: { '3': 'data:image/png;base64,AAAA', x: 'data:image/png;base64,AAAA', '4': 'https://evil.example/a.png', '5': 'data:image/png;base64,AA"A' } });
    assert.deepEqual(parsed?.thumbnails, { '3': 'data:image/png;base64,AAAA' });
    assert.equal(parseEmbeddedThumbnails('nope'), null);
  });
});

describe('drill-down messages', () => {
  it('accepts well-formed requests and rejects bad indices, too many, or an unknown action', () => {
    assert.ok(isFromDashboardMessage({ type: 'dashboard/requestExamples', requestId: 1, indices: [0, 5] }));
    assert.ok(!isFromDashboardMessage({ type: 'dashboard/requestExamples', requestId: 1, indices: [-1] }));
    assert.ok(!isFromDashboardMessage({ type: 'dashboard/requestExamples', requestId: 1, indices: Array.from({ length: 65 }, () => 0) }));
    assert.ok(isFromDashboardMessage({ type: 'dashboard/openExample', file: '/ws/a.png', action: 'reveal' }));
    assert.ok(!isFromDashboardMessage({ type: 'dashboard/openExample', file: '/ws/a.png', action: 'delete' }));
  });
});
