import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { RunMetricId, RunRow } from '../../../src/protocol/runsTable';
import { isFromRunsMessage, runTimeMs } from '../../../src/protocol/runsTable';
import { filterChoices, metricSeries } from '../../../webview/runs/model/metricSeries';
import { defaultRunsUiState, sanitiseRunsState } from '../../../webview/runs/model/runsState';
import { nextSort, sortRuns } from '../../../webview/runs/model/sortRuns';

const none: Record<RunMetricId, number | null> = { balancedError: null, manyError: null, mediumError: null, fewError: null, top1Error: null, laBalancedError: null, laHeldOutBalancedError: null, ece: null, meanAveragePrecision: null };

function row(folder: string, createdAt: string | null, model: string | null, metrics: Partial<Record<RunMetricId, number | null>>, extra: Partial<RunRow> = {}): RunRow {
  return { id: `0/analysis/${folder}`, kind: 'analysis', folder, reportPath: `/ws/.longtail/runs/${folder}/report.json`, createdAt, model, loss: null, scope: null, metrics: { ...none, ...metrics }, tags: [], error: null, tagsError: null, ...extra };
}

const rows: RunRow[] = [
  row('a', '2026-11-01T10:00:00Z', '/ws/m1/model.json', { balancedError: 0.3, fewError: 0.6 }, { loss: 'ce', tags: ['baseline'] }),
  row('b', '2026-11-02T10:00:00Z', '/ws/m1/model.json', { balancedError: 0.2, fewError: null }, { loss: 'la (tau 1)', scope: 'head' }),
  row('c', '2026-11-03T10:00:00Z', '/ws/m2/head.npz', { balancedError: 0.25, fewError: 0.4 }, { tags: ['baseline', 'wd'] }),
  row('d', '2026-11-04T10:00:00Z', '/ws/m1/model.json', { balancedError: 0.2, fewError: 0.5 }),
  row('broken', null, null, {}, { error: '/ws/.longtail/runs/broken/report.json is not valid JSON' }),
];
const order = (sorted: RunRow[]): string[] => sorted.map((r) => r.folder);

describe('runs table sorting', () => {
  it('by balanced error: ascending and descending, ties newest first, missing values last both ways', () => {
    assert.deepEqual(order(sortRuns(rows, { key: 'balancedError', descending: false })), ['d', 'b', 'c', 'a', 'broken']);
    assert.deepEqual(order(sortRuns(rows, { key: 'balancedError', descending: true })), ['a', 'c', 'd', 'b', 'broken']);
  });

  it('by few-shot error, time, text columns and tags', () => {
    assert.deepEqual(order(sortRuns(rows, { key: 'fewError', descending: false })), ['c', 'd', 'a', 'b', 'broken']);
    assert.deepEqual(order(sortRuns(rows, { key: 'time', descending: true })), ['d', 'c', 'b', 'a', 'broken']);
    assert.deepEqual(order(sortRuns(rows, { key: 'time', descending: false })), ['a', 'b', 'c', 'd', 'broken']);
    assert.deepEqual(order(sortRuns(rows, { key: 'loss', descending: false })), ['a', 'b', 'd', 'c', 'broken']);
    assert.deepEqual(order(sortRuns(rows, { key: 'model', descending: false })), ['d', 'b', 'a', 'c', 'broken']);
    assert.deepEqual(order(sortRuns(rows, { key: 'tags', descending: false })), ['a', 'c', 'd', 'b', 'broken']);
  });

  it('does not change its input; a header click flips the same column, starts a new one at its useful end', () => {
    const copy = [...rows];
    sortRuns(rows, { key: 'balancedError', descending: false });
    assert.deepEqual(rows, copy);
    assert.deepEqual(nextSort({ key: 'time', descending: true }, 'balancedError'), { key: 'balancedError', descending: false });
    assert.deepEqual(nextSort({ key: 'balancedError', descending: false }, 'balancedError'), { key: 'balancedError', descending: true });
    assert.deepEqual(nextSort({ key: 'balancedError', descending: false }, 'time'), { key: 'time', descending: true });
    assert.deepEqual(nextSort({ key: 'time', descending: false }, 'meanAveragePrecision'), { key: 'meanAveragePrecision', descending: true });
  });

  it('the remembered state is sanitised field by field', () => {
    assert.deepEqual(sanitiseRunsState(undefined), defaultRunsUiState);
    assert.deepEqual(sanitiseRunsState({ sort: { key: 'fewError', descending: true }, metric: 'laBalancedError', modelFilter: '/ws/m1/model.json', tagFilter: 'baseline' }), {
      sort: { key: 'fewError', descending: true },
      metric: 'laBalancedError',
      modelFilter: '/ws/m1/model.json',
      tagFilter: 'baseline',
    });
    assert.deepEqual(sanitiseRunsState({ sort: { key: 'constructor', descending: 1 }, metric: '__proto__', modelFilter: 5, tagFilter: '' }), defaultRunsUiState);
  });
});

describe('the chart of a metric over time', () => {
  it('one series per checkpoint in time order; runs without the value are left out and counted', () => {
    const { series, missing } = metricSeries(rows, 'balancedError', { model: null, tag: null });
    assert.equal(missing, 1);
    assert.deepEqual(series.map((s) => s.model), ['/ws/m1/model.json', '/ws/m2/head.npz']);
    assert.deepEqual(series[0].points.map((p) => [p.folder, p.y]), [['a', 0.3], ['b', 0.2], ['d', 0.2]]);
    assert.deepEqual(series[0].points.map((p) => p.x), [Date.UTC(2026, 10, 1, 10), Date.UTC(2026, 10, 2, 10), Date.UTC(2026, 10, 4, 10)]);
    assert.equal(series[0].points[1].id, '0/analysis/b');
    const few = metricSeries(rows, 'fewError', { model: null, tag: null });
    assert.equal(few.missing, 2);
    assert.deepEqual(few.series[0].points.map((p) => p.folder), ['a', 'd']);
  });

  it('filters by checkpoint and by tag', () => {
    const m1 = metricSeries(rows, 'balancedError', { model: '/ws/m1/model.json', tag: null });
    assert.deepEqual(m1.series.map((s) => s.points.length), [3]);
    assert.equal(m1.missing, 0);
    const tagged = metricSeries(rows, 'balancedError', { model: null, tag: 'baseline' });
    assert.deepEqual(tagged.series.map((s) => s.points.map((p) => p.folder)), [['a'], ['c']]);
    assert.deepEqual(metricSeries(rows, 'balancedError', { model: '/ws/m2/head.npz', tag: 'wd' }).series.map((s) => s.points.map((p) => p.folder)), [['c']]);
    assert.deepEqual(filterChoices(rows), { models: ['/ws/m1/model.json', '/ws/m2/head.npz'], tags: ['baseline', 'wd'] });
  });

  it('the host acts only on well-formed messages from the webview', () => {
    assert.ok(isFromRunsMessage({ type: 'runs/ready' }));
    assert.ok(isFromRunsMessage({ type: 'runs/open', id: '0/analysis/a' }));
    assert.ok(isFromRunsMessage({ type: 'runs/setTags', id: '0/analysis/a', tags: ['x'] }));
    for (const bad of [null, 'runs/ready', { type: 'runs/open' }, { type: 'runs/open', id: '' }, { type: 'runs/open', id: 'x'.repeat(5000) }, { type: 'runs/setTags', id: 'a', tags: [1] }, { type: 'runs/setTags', id: 'a', tags: 'x' }, { type: 'other', id: 'a' }]) {
      assert.ok(!isFromRunsMessage(bad), JSON.stringify(bad)?.slice(0, 60));
    }
  });

  it('a message names a run by id only: paths, traversal and oversized tag lists are refused', () => {
    assert.ok(isFromRunsMessage({ type: 'runs/open', id: '1/finetune/20261102T100000Z-la-head' }));
    assert.ok(isFromRunsMessage({ type: 'runs/open', id: '0/analysis/<b>x<\\b> \u202e' }));
    for (const id of ['/etc/passwd', '0/analysis/../../etc', '0/analysis/a/b', '0/analysis/..', '0/analysis/.', '0/other/a', 'a', `0/analysis/${'x'.repeat(256)}`, 'file:///etc/passwd']) {
      assert.ok(!isFromRunsMessage({ type: 'runs/open', id }), id);
      assert.ok(!isFromRunsMessage({ type: 'runs/setTags', id, tags: [] }), id);
    }
    assert.ok(!isFromRunsMessage({ type: 'runs/setTags', id: '0/analysis/a', tags: Array.from({ length: 65 }, (_, i) => `t${i}`) }));
    assert.ok(!isFromRunsMessage({ type: 'runs/setTags', id: '0/analysis/a', tags: ['x'.repeat(257)] }));
  });

  it('time: a createdAt without a time zone is not a time (sorted last, off the chart), whatever the machine’s zone', () => {
    assert.equal(runTimeMs('2026-11-27T17:48:22.123Z'), Date.UTC(2026, 10, 27, 17, 48, 22, 123));
    assert.equal(runTimeMs('2026-11-27T18:48:22+01:00'), Date.UTC(2026, 10, 27, 17, 48, 22));
    for (const t of ['2026-11-27T17:48:22', '2026-11-27', 'yesterday', '', null]) assert.ok(Number.isNaN(runTimeMs(t)), String(t));
    const zoneless = row('z', '2026-12-01T10:00:00', '/ws/m1/model.json', { balancedError: 0.1 });
    assert.deepEqual(order(sortRuns([...rows, zoneless], { key: 'time', descending: true })), ['d', 'c', 'b', 'a', 'broken', 'z']);
    assert.equal(metricSeries([zoneless], 'balancedError', { model: null, tag: null }).missing, 1);
  });
});
