/**
 * Post-hoc corrections: balanced error vs τ for logit adjustment and τ-normalisation (bias dropped and bias
 * kept), with a τ slider over the union of their grids; the eval-set best τ labelled oracle, and the τ chosen
 * on a held-out part of the eval set with its balanced error on the rest.
 * The slider shows only what the report holds: the balanced error at every τ on the grid, and bucket
 * accuracies at τ = 1 and at the best τ (report v1 stores no per-τ bucket accuracies; nothing is interpolated).
 */
import { bucketNames, type BucketAccuracies, type PostHocSweep } from '../../../src/protocol/report';
import { axis } from '../charts';
import { dataTable, h, textAlternative, uid } from '../dom';
import { formatCount, formatDeltaPp, formatNumber, formatPercent } from '../model/format';
import { formatInterval, heldOutRows, namedSweeps, oracleTauText, unionGrid, valueAt, type NamedSweep } from '../model/postHoc';
import { chartFigure, note, type SectionView, type ViewContext } from './context';

/** Index of `tau` in a sweep's grid (exact up to 1e-9), or -1. */
export function tauIndexIn(sweep: PostHocSweep, tau: number): number {
  return sweep.taus.findIndex((t) => Math.abs(t - tau) < 1e-9);
}

function render(root: HTMLElement, ctx: ViewContext): void {
  const { report, palette: p } = ctx;
  const la = report.postHoc.logitAdjustment;
  const sweeps = namedSweeps(report);
  const tauNorms = sweeps.filter((s) => s.key !== 'logitAdjustment');
  const grid = unionGrid(sweeps.map((s) => s.sweep));
  if (!grid.length) {
    root.appendChild(note('info', 'The report has no post-hoc sweep.'));
    return;
  }
  const base = report.summary.balancedError;
  const iv = report.summary.intervals ?? null;
  const gain = iv && iv.logitAdjustmentGain.tau === 1 ? iv.logitAdjustmentGain.interval : null;
  const atOne = valueAt(la, 1);
  const sel = report.postHoc.selection ?? null;
  const stored = ctx.state.get().tauIndex;
  const one = grid.findIndex((t) => Math.abs(t - 1) < 1e-9);
  let index = stored !== null && stored < grid.length ? stored : one >= 0 ? one : 0;

  const card = (title: string, value: string, sub: string, primary = false): HTMLElement =>
    h('div', { class: `card${primary ? ' card-primary' : ''}` }, h('div', { class: 'card-title' }, title), h('div', { class: 'card-value' }, value), h('div', { class: 'card-sub' }, sub));
  root.appendChild(
    h(
      'div',
      { class: 'cards' },
      card('Model as is', formatPercent(base), `balanced error${iv ? `, 95% CI ${formatInterval(iv.balancedError)}` : ''}`),
      card('Logit adjustment, τ = 1', formatPercent(atOne), `${formatDeltaPp(atOne === null ? null : atOne - base)} vs the model as is${gain ? `; gain 95% CI ${formatDeltaPp(gain.lo)} to ${formatDeltaPp(gain.hi)}` : ''}`, true),
      ...(sel
        ? [
            card(
              'Logit adjustment, held-out τ',
              formatPercent(sel.logitAdjustment.testBalancedError),
              `τ = ${formatNumber(sel.logitAdjustment.tau, 2)} chosen on ${formatCount(sel.valExamples)} held-out examples, reported on the other ${formatCount(sel.testExamples)} (model as is there: ${formatPercent(sel.testBalancedError)})`,
            ),
          ]
        : []),
      card('Logit adjustment, best τ (oracle)', formatPercent(la.bestBalancedError), `${oracleTauText(la)}; ${formatDeltaPp(la.bestBalancedError - base)} vs the model as is`),
      ...(tauNorms.length
        ? tauNorms.map((s) => card(`${s.label}, best τ (oracle)`, formatPercent(s.sweep.bestBalancedError), `${oracleTauText(s.sweep)}; τ = 0 is ${s.atZero}`))
        : [card('τ-normalisation', '—', 'needs a classifier head and embeddings')]),
    ),
  );
  if (sweeps.some((s) => s.sweep.bestAtGridEdge)) {
    root.appendChild(note('warn', `The best τ of ${sweeps.filter((s) => s.sweep.bestAtGridEdge).map((s) => s.label).join(' and ')} is the largest τ tried (${formatNumber(grid[grid.length - 1], 2)}), after extending the grid: a larger τ might be better still.`));
  }

  const fig = chartFigure('Balanced error vs τ', `Line chart of balanced error against τ from ${grid[0]} to ${grid[grid.length - 1]} for ${sweeps.map((s) => s.label).join(', ')}; oracle best τ ${la.bestTau} for logit adjustment.`, 300);
  root.appendChild(fig.figure);

  const sliderId = uid('tau');
  const slider = h('input', { id: sliderId, type: 'range', min: 0, max: grid.length - 1, step: 1, value: index, 'aria-describedby': `${sliderId}-out` });
  const out = h('output', { id: `${sliderId}-out`, for: sliderId, class: 'tau-out', 'aria-live': 'polite' });
  const tableHost = h('div');
  root.appendChild(h('div', { class: 'slider-row' }, h('label', { for: sliderId }, 'τ'), slider, out));
  root.appendChild(tableHost);
  root.appendChild(
    note(
      'info',
      'Every curve and “best τ” here is measured on the whole eval set, so the best τ is an oracle (chosen on the data it is scored on)' +
        (sel ? `; the held-out table below chooses τ on ${Math.round(sel.valFraction * 100)}% of each class’s eval examples (seed ${sel.seed}) and reports it on the rest. ` : '. ') +
        'Report v1 stores bucket accuracies only at τ = 1 and at each method’s best τ; at other τ the dashboard shows the balanced error alone rather than inventing numbers. Logit adjustment: argmax f_y − τ·log π_y (τ = 0 is the model as is). τ-normalisation: w_y / ‖w_y‖^τ, with the bias dropped as in Kang et al.’s code (τ = 0 is then the model without its bias) or kept (τ = 0 is the model as is).',
    ),
  );

  const colours = [p.bucket.many, p.bucket.few, p.bucket.medium];
  const dashes = [[], [5, 3], [2, 2]];
  const marker = (i: number) => [
    { x: grid[i], y: 0 },
    { x: grid[i], y: 1 },
  ];
  const allValues = sweeps.flatMap((s) => s.sweep.balancedError).filter((v) => Number.isFinite(v));
  const ymin = Math.max(0, Math.min(...allValues) - 0.02);
  const ymax = Math.min(1, Math.max(...allValues) + 0.02);
  const chart = ctx.scope.chart(fig.canvas, {
    type: 'line',
    data: {
      datasets: [
        ...sweeps.map((s, k) => ({ label: s.label, data: s.sweep.taus.map((t, j) => ({ x: t, y: s.sweep.balancedError[j] })), borderColor: colours[k], backgroundColor: colours[k], borderWidth: 2, pointRadius: 2, borderDash: dashes[k] })),
        { label: 'oracle best τ', data: sweeps.map((s) => ({ x: s.sweep.bestTau, y: s.sweep.bestBalancedError })), borderColor: p.good, backgroundColor: p.good, showLine: false, pointRadius: 6, pointStyle: 'star' as const, borderWidth: 2 },
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
    out.textContent =
      `τ = ${formatNumber(tau, 2)} · ` +
      sweeps
        .map((s) => {
          const v = valueAt(s.sweep, tau);
          return `${s.label}: ${v === null ? 'not on its grid' : `${formatPercent(v)} (${formatDeltaPp(v - base)})`}`;
        })
        .join(' · ');
    const ds = chart.data.datasets[chart.data.datasets.length - 1];
    ds.data = marker(index);
    chart.update('none');
    tableHost.replaceChildren(bucketTable(report.summary.buckets, sweeps, tau));
  };
  slider.addEventListener('input', () => {
    index = Number(slider.value);
    update();
    ctx.state.update({ tauIndex: index });
  });
  update();

  const held = heldOutRows(report);
  if (held.length) {
    root.appendChild(dataTable('τ chosen on held-out eval examples, reported on the rest', ['Method', 'τ (validation)', 'Validation BER', 'Test BER', 'Test oracle'], held));
  } else {
    root.appendChild(note('info', 'No held-out τ: the eval set was too small to split, or the split was turned off (--val-split 0).'));
  }

  root.appendChild(
    textAlternative(
      'Data: balanced error at every τ',
      dataTable('Balanced error by τ', ['τ', ...sweeps.map((s) => s.label)], grid.map((t) => [formatNumber(t, 2), ...sweeps.map((s) => formatPercent(valueAt(s.sweep, t)))])),
    ),
  );
}

function bucketTable(asIs: BucketAccuracies, sweeps: readonly NamedSweep[], tau: number): HTMLElement {
  const cols: { label: string; acc: BucketAccuracies; tau: number | null }[] = [
    { label: 'Model as is', acc: asIs, tau: null },
    ...sweeps.flatMap((s) => [
      { label: `${s.label} τ = 1`, acc: s.sweep.bucketsAtOne, tau: 1 },
      { label: `${s.label} oracle τ = ${formatNumber(s.sweep.bestTau, 2)}`, acc: s.sweep.bucketsAtBest, tau: s.sweep.bestTau },
    ]),
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
