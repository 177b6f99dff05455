/**
 * Entry of dist/webview/dashboard.js. In VS Code it sends `dashboard/ready` and renders what the host
 * answers; in the standalone HTML report it reads the report from the inlined
 * `<script type="application/json" id="longtail-report">` (and optional `id="longtail-compare"`).
 */
import { validateReport } from '../../src/protocol/validateReport';
import { isToDashboardMessage, type FromDashboardMessage } from '../../src/protocol/webviewProtocol';
import { Dashboard, systemThemeClass } from './app';
import { EmbeddedExampleSource, HostExampleSource, parseEmbeddedThumbnails } from './exampleSource';
import { StateStore } from './state';
import { acquireVsCodeApi } from '../vscodeApi';

function readInlined(id: string): unknown {
  const el = document.getElementById(id);
  return el?.textContent ? JSON.parse(el.textContent) : undefined;
}

/** The standalone report's embedded thumbnails (null when absent or unreadable: the drill-down then shows text). */
function embeddedThumbnails(): ReturnType<typeof parseEmbeddedThumbnails> {
  try {
    return parseEmbeddedThumbnails(readInlined('longtail-thumbnails'));
  } catch {
    return null;
  }
}

function start(): void {
  const api = acquireVsCodeApi<FromDashboardMessage>();
  const body = document.body;
  // VS Code sets the theme classes itself; the standalone page picks one from the OS preference.
  if (!api && !/\bvscode-(light|dark|high-contrast)/.test(body.className)) body.classList.add(systemThemeClass());
  const layout = body.dataset.layout === 'standalone' ? 'standalone' : 'tabs';
  let root = document.getElementById('app');
  if (!root) {
    root = document.createElement('main');
    root.id = 'app';
    body.appendChild(root);
  }
  const store = new StateStore(api);
  const host = api ? new HostExampleSource((message) => api.postMessage(message)) : null;
  const examples = host ?? new EmbeddedExampleSource(embeddedThumbnails());
  const dashboard = new Dashboard(root, layout, store, api, examples);

  if (document.getElementById('longtail-report')) {
    try {
      const report = validateReport(readInlined('longtail-report'), 'The embedded report');
      const compareRaw = readInlined('longtail-compare');
      const compare = compareRaw === undefined || compareRaw === null ? null : validateReport(compareRaw, 'The embedded comparison report');
      dashboard.show({ report, compare, title: body.dataset.title });
    } catch (error) {
      dashboard.showError(error instanceof Error ? error.message : String(error));
    }
    return;
  }
  if (!api) {
    dashboard.showError('No report to show: this page has no embedded report data.');
    return;
  }
  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    const msg = event.data;
    if (!isToDashboardMessage(msg)) return;
    switch (msg.type) {
      case 'dashboard/showReport':
        // Persist which files this panel shows: VS Code hands the state back to the host after a reload.
        if (msg.input) store.update({ input: msg.input });
        try {
          dashboard.show({ report: validateReport(msg.report, 'The report'), compare: msg.compare ? validateReport(msg.compare, 'The comparison report') : null, title: msg.title });
        } catch (error) {
          dashboard.showError(error instanceof Error ? error.message : String(error));
        }
        break;
      case 'dashboard/didExportCsv':
        dashboard.notify(msg.outcome === 'saved' ? `Saved ${msg.detail ?? 'CSV'}.` : msg.outcome === 'cancelled' ? 'Export cancelled.' : `Export failed: ${msg.detail ?? 'unknown error'}`);
        break;
      case 'dashboard/showError':
        dashboard.showError(msg.message);
        break;
      case 'dashboard/examples':
        host?.receive(msg);
        break;
    }
  });
  dashboard.showError('Loading report…');
  api.postMessage({ type: 'dashboard/ready' });
}

start();
