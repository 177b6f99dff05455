/**
 * Entry of dist/webview/training.js: the live fine-tuning chart (training loss and balanced error per
 * epoch, with the pre-fine-tuning balanced error as a reference line) and a table alternative. Sends
 * `training/ready`, then renders every `training/showRun` snapshot it receives. Each snapshot is saved
 * with setState; after a window reload the host's panel serializer restores the panel from it and
 * answers with the same run marked `restored` (and `interrupted` if it was still running).
 */
import { CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import { isToTrainingMessage, type TrainingShowRunMessage } from '../../src/protocol/webviewProtocol';
import { readPalette } from '../dashboard/theme';
import { acquireVsCodeApi } from '../vscodeApi';

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Legend, Tooltip);

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

const pct = (v: number | null): string => (v === null ? '—' : `${(100 * v).toFixed(2)}%`);

const statusLabels: Record<TrainingShowRunMessage['status'], string> = {
  running: 'Running',
  done: 'Done',
  cancelled: 'Cancelled',
  failed: 'Failed',
  interrupted: 'Ended by a window reload',
};

function start(): void {
  const api = acquireVsCodeApi();
  const root = document.getElementById('app') ?? document.body.appendChild(el('main'));
  const title = el('h1', 'Fine-tuning', 'lt-title');
  const status = el('p', 'Waiting for the first epoch…', 'lt-muted');
  status.setAttribute('role', 'status');
  status.id = 'training-status';
  const canvas = el('canvas');
  canvas.id = 'training-chart';
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', 'Training loss and balanced error per epoch');
  const chartBox = el('div', undefined, 'lt-chart');
  chartBox.style.position = 'relative';
  chartBox.style.height = '320px';
  chartBox.appendChild(canvas);
  const table = el('table', undefined, 'lt-table');
  table.id = 'training-table';
  // Shown only on a panel restored after a window reload: the chart is a record, not a live run.
  const restored = el('p', 'Restored after a window reload: this chart is a record of the run, no longer live.', 'note note-warn');
  restored.id = 'training-restored';
  restored.setAttribute('role', 'note');
  restored.hidden = true;
  root.append(title, restored, status, chartBox, table);

  let chart: Chart | undefined;
  let last: TrainingShowRunMessage | undefined;

  const render = (run: TrainingShowRunMessage): void => {
    last = run;
    api?.setState(run);
    title.textContent = `Fine-tuning: ${run.title}`;
    const done = run.epochs.length;
    const lastEpoch = run.epochs[done - 1];
    restored.hidden = run.restored !== true;
    const head = `${statusLabels[run.status]}: epoch ${done}/${run.totalEpochs}`;
    status.textContent = `${head}${run.detail ? ` — ${run.detail}` : lastEpoch ? ` — balanced error ${pct(lastEpoch.balancedError)}` : ''}`;
    const p = readPalette();
    const labels = run.epochs.map((e) => String(e.epoch));
    const datasets = [
      { label: 'training loss', data: run.epochs.map((e) => e.loss), borderColor: p.accent, backgroundColor: p.accent, yAxisID: 'loss' },
      { label: 'balanced error', data: run.epochs.map((e) => e.balancedError), borderColor: p.bad, backgroundColor: p.bad, yAxisID: 'ber' },
      ...(run.baselineBalancedError !== null
        ? [{ label: 'balanced error before', data: run.epochs.map(() => run.baselineBalancedError as number), borderColor: p.muted, backgroundColor: p.muted, borderDash: [6, 4], pointRadius: 0, yAxisID: 'ber' }]
        : []),
    ];
    if (!chart) {
      chart = new Chart(canvas, {
        type: 'line',
        data: { labels, datasets },
        options: {
          animation: false,
          maintainAspectRatio: false,
          color: p.fg,
          scales: {
            x: { title: { display: true, text: 'epoch', color: p.fg }, ticks: { color: p.fg }, grid: { color: p.grid } },
            loss: { position: 'left', title: { display: true, text: 'loss', color: p.fg }, ticks: { color: p.fg }, grid: { color: p.grid } },
            ber: { position: 'right', min: 0, title: { display: true, text: 'balanced error', color: p.fg }, ticks: { color: p.fg, callback: (v) => `${Math.round(100 * Number(v))}%` }, grid: { drawOnChartArea: false } },
          },
          plugins: { legend: { labels: { color: p.fg } } },
        },
      });
    } else {
      chart.data.labels = labels;
      chart.data.datasets = datasets;
      chart.update();
    }
    // Text alternative: every epoch as a row.
    table.replaceChildren();
    const header = el('tr');
    for (const h of ['epoch', 'loss', 'balanced error', 'many', 'medium', 'few', 'seconds']) header.appendChild(el('th', h));
    table.appendChild(header);
    for (const e of run.epochs) {
      const row = el('tr');
      for (const v of [String(e.epoch), e.loss.toFixed(4), pct(e.balancedError), pct(e.buckets.many), pct(e.buckets.medium), pct(e.buckets.few), e.seconds.toFixed(1)]) row.appendChild(el('td', v));
      table.appendChild(row);
    }
  };

  // Redraw in the new colours when VS Code switches theme.
  new MutationObserver(() => {
    if (last) {
      chart?.destroy();
      chart = undefined;
      render(last);
    }
  }).observe(document.body, { attributes: true, attributeFilter: ['class'] });

  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    if (isToTrainingMessage(event.data)) render(event.data);
  });
  const saved = api?.getState();
  if (isToTrainingMessage(saved)) render(saved);
  api?.postMessage({ type: 'training/ready' });
}

start();
