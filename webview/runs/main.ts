/**
 * Entry of dist/webview/runs.js: the runs table and the chart over time (host:
 * src/extension/runs/runsPanel.ts). Sends `runs/ready`, then renders every `runs/show` listing it
 * receives (whole, never a delta: watch mode's new runs arrive this way). The sort, the chart's metric and
 * its filters are kept with setState, so they survive hiding the panel and a window reload.
 */
import { isRunsShowMessage, type RunsShowMessage } from '../../src/protocol/runsTable';
import { h } from '../dashboard/dom';
import { observeTheme } from '../dashboard/theme';
import { sanitiseRunsState, type RunsUiState } from './model/runsState';
import { RunsChartView } from './runsChartView';
import { RunsTableView } from './runsTableView';
import { acquireVsCodeApi } from '../vscodeApi';

function start(): void {
  const api = acquireVsCodeApi();
  const root = document.getElementById('app') ?? document.body.appendChild(h('main', { id: 'app' }));
  let state: RunsUiState = sanitiseRunsState(api?.getState());
  const save = (next: Partial<RunsUiState>): void => {
    state = { ...state, ...next };
    api?.setState(state);
  };

  const status = h('p', { class: 'meta', id: 'runs-status', role: 'status' }, 'Loading runs…');
  const notice = h('p', { class: 'note', id: 'runs-notice', hidden: true });
  const notes = h('ul', { class: 'note', id: 'runs-notes', hidden: true });
  const tableBox = h('div', { class: 'table-viewport runs-viewport' });
  const chartBox = h('section', { class: 'runs-chart-section', 'aria-label': 'Metric over time' });
  root.replaceChildren(h('h1', null, 'Long-Tail runs'), status, notice, notes, tableBox, chartBox);

  const open = (id: string): void => api?.postMessage({ type: 'runs/open', id });
  const table = new RunsTableView(tableBox, state.sort, {
    open,
    setTags: (id, tags) => api?.postMessage({ type: 'runs/setTags', id, tags }),
    sortChanged: (sort) => save({ sort }),
  });
  const chart = new RunsChartView(chartBox, state.metric, { model: state.modelFilter, tag: state.tagFilter }, {
    open,
    choiceChanged: (metric, filter) => save({ metric, modelFilter: filter.model, tagFilter: filter.tag }),
  });

  const show = (m: RunsShowMessage): void => {
    notice.hidden = m.notice === null;
    notice.textContent = m.notice ?? '';
    // Restricted Mode or no folder: the notice alone, no empty table or chart.
    tableBox.hidden = m.notice !== null;
    chartBox.hidden = m.notice !== null;
    // What the listing left out (limits, links out of the workspace): untrusted text, as text nodes.
    notes.hidden = m.notes.length === 0;
    notes.replaceChildren(...m.notes.map((n) => h('li', null, n)));
    const invalid = m.rows.filter((r) => r.error !== null).length;
    status.textContent = m.notice !== null ? '' : m.rows.length === 0 ? 'No runs yet: analyse a checkpoint (Long-Tail: Analyse long-tail checkpoint).' : `${m.rows.length} run${m.rows.length === 1 ? '' : 's'}${invalid ? `, ${invalid} with a report that cannot be read` : ''}. Click a row to open its dashboard.`;
    table.update(m.rows);
    chart.update(m.rows);
  };

  observeTheme(() => chart.render());
  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    if (isRunsShowMessage(event.data)) show(event.data);
  });
  api?.postMessage({ type: 'runs/ready' });
}

start();
