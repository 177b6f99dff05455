/**
 * Post-hoc corrections: balanced error vs τ for logit adjustment and τ-normalisation, with a τ slider.
 * The slider shows only what the report holds: the balanced error at every τ on the grid, and bucket
 * accuracies at τ = 1 and at the best τ (report v1 stores no per-τ bucket accuracies; nothing is interpolated).
 */
import { bucketNames, type BucketAccuracies, type PostHocSweep } from '../../../src/protocol/report';
import { axis } from '../charts';
import { dataTable, h, textAlternative, uid } from '../dom';
import { formatDeltaPp, formatNumber, formatPercent } from '../model/format';
import { chartFigure, note, type SectionView, type ViewContext } from './context';

/** Index of `tau` in a sweep's grid (exact up to 1e-9), or -1. */
export function tauIndexIn(sweep: PostHocSweep, tau: number): number {
  return sweep.taus.findIndex((t) => Math.abs(t - tau) < 1e-9);
}

function render(root: HTMLElement, ctx: ViewContext): void {
  const { report, palette: p } = ctx;
  const la = report.postHoc.logitAdjustment;
  const tn = report.postHoc.tauNormalisation;
  const grid = la.taus;
  if (!grid.length) {
    root.appendChild(note('info', 'The report has no post-hoc sweep.'));
    return;
  }
  const base = report.summary.balancedError;
  const stored = ctx.state.get().tauIndex;
  const one = tauIndexIn(la, 1);
  let index = stored !== null && stored < grid.length ? stored : one >= 0 ? one : 0;

  root.appendChild(
    h(
      'div',
      { class: 'cards' },
      h('div', { class: 'card card-primary' }, h('div', { class: 'card-title' }, 'Logit adjustment, best'), h('div', { class: 'card-value' }, formatPercent(la.bestBalancedError)), h('div', { class: 'card-sub' }, `τ = ${formatNumber(la.bestTau, 2)}; ${formatDeltaPp(la.bestBalancedError - base)} vs the model as is`)),
      h('div', { class: 'card' }, h('div', { class: 'card-title' }, 'τ-normalisation, best'), h('div', { class: 'card-value' }, tn ? formatPercent(tn.bestBalancedError) : '—'), h('div', { class: 'card-sub' }, tn ? `τ = ${formatNumber(tn.bestTau, 2)}; ${formatDeltaPp(tn.bestBalancedError - base)} vs the model as is` : 'needs a classifier head and embeddings')),
      h('div', { class: 'card' }, h('div', { class: 'card-title' }, 'Model as is'), h('div', { class: 'card-value' }, formatPercent(base)), h('div', { class: 'card-sub' }, 'balanced error (logit adjustment at τ = 0)')),
    ),
  );

  const fig = chartFigure('Balanced error vs τ', `Line chart of balanced error against τ from ${grid[0]} to ${grid[grid.length - 1]} for logit adjustment${tn ? ' and τ-normalisation' : ''}; best τ ${la.bestTau} for logit adjustment.`, 300);
  root.appendChild(fig.figure);

  const sliderId = uid('tau');
  const slider = h('input', { id: sliderId, type: 'range', min: 0, max: grid.length - 1, step: 1, value: index, 'aria-describedby': `${sliderId}-out` });
  const out = h('output', { id: `${sliderId}-out`, for: sliderId, class: 'tau-out', 'aria-live': 'polite' });
  const tableHost = h('div');
  root.appendChild(h('div', { class: 'slider-row' }, h('label', { for: sliderId }, 'τ'), slider, out));
  root.appendChild(tableHost);
  root.appendChild(note('info', 'Report v1 stores bucket accuracies only at τ = 1 and at each method’s best τ; at other τ the dashboard shows the balanced error alone rather than inventing numbers. Logit adjustment: argmax f_y − τ·log π_y (τ = 0 is the model as is). τ-normalisation: w_y / ‖w_y‖^τ without bias (τ = 0 already drops the bias).'));

  const tnAt = (i: number): number | null => {
    if (!tn) return null;
    const k = tauIndexIn(tn, grid[i]);
    return k >= 0 ? tn.balancedError[k] : null;
  };
  const marker = (i: number) => [
    { x: grid[i], y: 0 },
    { x: grid[i], y: 1 },
  ];
  const allValues = [...la.balancedError, ...(tn ? tn.balancedError : [])].filter((v) => Number.isFinite(v));
  const ymin = Math.max(0, Math.min(...allValues) - 0.02);
  const ymax = Math.min(1, Math.max(...allValues) + 0.02);
  const chart = ctx.scope.chart(fig.canvas, {
    type: 'line',
    data: {
      datasets: [
        { label: 'logit adjustment', data: grid.map((t, k) => ({ x: t, y: la.balancedError[k] })), borderColor: p.bucket.many, backgroundColor: p.bucket.many, borderWidth: 2, pointRadius: 2 },
        ...(tn ? [{ label: 'τ-normalisation', data: tn.taus.map((t, k) => ({ x: t, y: tn.balancedError[k] })), borderColor: p.bucket.few, backgroundColor: p.bucket.few, borderWidth: 2, pointRadius: 2, borderDash: [5, 3] }] : []),
        { label: 'best τ', data: [{ x: la.bestTau, y: la.bestBalancedError }, ...(tn ? [{ x: tn.bestTau, y: tn.bestBalancedError }] : [])], borderColor: p.good, backgroundColor: p.good, showLine: false, pointRadius: 6, pointStyle: 'star' as const, borderWidth: 2 },
        { label: 'slider τ', data: marker(index), borderColor: p.fg, borderWidth: 1, borderDash: [2, 3], pointRadius: 0 },
      ],
    },
    options: {
      parsing: false,
      scales: { x: axis(p, 'τ', { type: 'linear', min: grid[0], max: grid[grid.length - 1] }), y: axis(p, 'balanced error', { min: ymin, max: ymax, ticks: { color: p.muted, callback: (v: number | string) => `${(Number(v) * 100).toFixed(0)}%` } }) },
      plugins: { legend: { labels: { color: p.fg, boxWidth: 12, filter: (item: { text: string }) => item.text !== 'slider τ' } } },
    },
  });

  const update = (): void => {
    const tau = grid[index];
    const laV = la.balancedError[index];
    const tnV = tnAt(index);
    out.textContent = `τ = ${formatNumber(tau, 2)} · logit adjustment: ${formatPercent(laV)} (${formatDeltaPp(laV - base)})${tn ? ` · τ-normalisation: ${tnV === null ? 'not on its grid' : `${formatPercent(tnV)} (${formatDeltaPp(tnV - base)})`}` : ''}`;
    const ds = chart.data.datasets[chart.data.datasets.length - 1];
    ds.data = marker(index);
    chart.update('none');
    tableHost.replaceChildren(bucketTable(report.summary.buckets, la, tn, tau));
  };
  slider.addEventListener('input', () => {
    index = Number(slider.value);
    update();
    ctx.state.update({ tauIndex: index });
  });
  update();

  root.appendChild(
    textAlternative(
      'Data: balanced error at every τ',
      dataTable('Balanced error by τ', ['τ', 'Logit adjustment', ...(tn ? ['τ-normalisation'] : [])], grid.map((t, k) => [formatNumber(t, 2), formatPercent(la.balancedError[k]), ...(tn ? [formatPercent(tnAt(k))] : [])])),
    ),
  );
}

function bucketTable(asIs: BucketAccuracies, la: PostHocSweep, tn: PostHocSweep | null, tau: number): HTMLElement {
  const cols: { label: string; acc: BucketAccuracies; tau: number | null }[] = [
    { label: 'Model as is', acc: asIs, tau: null },
    { label: 'Logit adj. τ = 1', acc: la.bucketsAtOne, tau: 1 },
    { label: `Logit adj. best τ = ${formatNumber(la.bestTau, 2)}`, acc: la.bucketsAtBest, tau: la.bestTau },
    ...(tn
      ? [
          { label: 'τ-norm τ = 1', acc: tn.bucketsAtOne, tau: 1 },
          { label: `τ-norm best τ = ${formatNumber(tn.bestTau, 2)}`, acc: tn.bucketsAtBest, tau: tn.bestTau },
        ]
      : []),
  ];
  const table = dataTable(
    'Bucket accuracy where the report has it (columns at the slider’s τ are highlighted)',
    ['Bucket', ...cols.map((c) => c.label)],
    bucketNames.map((b) => [b, ...cols.map((c) => formatPercent(c.acc[b].accuracy))]),
  );
  table.classList.add('bucket-at-tau');
  const headCells = table.querySelectorAll('thead th');
  cols.forEach((c, k) => {
    if (c.tau !== null && Math.abs(c.tau - tau) < 1e-9) {
      headCells[k + 1]?.classList.add('at-tau');
      table.querySelectorAll(`tbody tr`).forEach((tr) => tr.children[k + 1]?.classList.add('at-tau'));
    }
  });
  return table;
}

/** The post-hoc section. */
export const postHocView: SectionView = { title: 'Post-hoc', available: () => true, render };
