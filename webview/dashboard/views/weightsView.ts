/** Weight norms vs P(y): ‖w_y‖ and b_y against log prior, OLS line, correlations and what they imply for τ-norm. */
import { bucketNames, type Bucket, type ClassReport } from '../../../src/protocol/report';
import { axis } from '../charts';
import { dataTable, h, textAlternative } from '../dom';
import { formatNumber } from '../model/format';
import { normVerdict, olsInLogPrior } from '../model/insights';
import { strideSample } from '../model/series';
import { withAlpha } from '../theme';
import { chartFigure, note, type SectionView, type ViewContext } from './context';

const maxScatter = 5000;

interface Pt {
  x: number;
  y: number;
  i: number;
}

function byBucket(classes: readonly ClassReport[], value: (c: ClassReport) => number | null): Record<Bucket, Pt[]> {
  const out: Record<Bucket, Pt[]> = { many: [], medium: [], few: [] };
  for (const c of classes) {
    const v = value(c);
    if (v !== null && Number.isFinite(v) && c.prior > 0) out[c.bucket].push({ x: Math.log(c.prior), y: v, i: c.index });
  }
  const total = out.many.length + out.medium.length + out.few.length;
  if (total > maxScatter) {
    for (const b of bucketNames) out[b] = strideSample(out[b], Math.ceil((out[b].length * maxScatter) / total));
  }
  return out;
}

function render(root: HTMLElement, ctx: ViewContext): void {
  const { report, palette: p } = ctx;
  const stats = report.weightNorms;
  if (!stats || report.classes.every((c) => c.weightNorm === null)) {
    root.appendChild(note('info', 'This report has no classifier head, so there are no weight norms or biases to show.'));
    return;
  }
  const verdict = normVerdict(stats);
  root.appendChild(
    h(
      'div',
      { class: 'cards' },
      h('div', { class: 'card' }, h('div', { class: 'card-title' }, 'Pearson r (‖w‖, log n)'), h('div', { class: 'card-value' }, formatNumber(stats.pearsonLogCount, 3))),
      h('div', { class: 'card' }, h('div', { class: 'card-title' }, 'Spearman ρ (‖w‖, log n)'), h('div', { class: 'card-value' }, formatNumber(stats.spearmanLogCount, 3))),
      h('div', { class: 'card' }, h('div', { class: 'card-title' }, 'OLS slope per log-count'), h('div', { class: 'card-value' }, formatNumber(stats.slope, 4))),
      h('div', { class: 'card' }, h('div', { class: 'card-title' }, 'Pearson r (bias, log π)'), h('div', { class: 'card-value' }, formatNumber(stats.biasPearsonLogPrior, 3))),
    ),
  );
  root.appendChild(note(verdict.kind === 'positive' ? 'good' : verdict.kind === 'unknown' ? 'info' : 'warn', verdict.text));

  const total = report.classes.filter((c) => c.weightNorm !== null).length;
  const norms = byBucket(report.classes, (c) => c.weightNorm);
  const shown = norms.many.length + norms.medium.length + norms.few.length;
  const sampledNote = shown < total ? ` (${shown.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} classes, evenly sampled)` : '';
  const line = olsInLogPrior(stats, report.classes);
  const xs = report.classes.filter((c) => c.prior > 0).map((c) => Math.log(c.prior));
  const xmin = Math.min(...xs);
  const xmax = Math.max(...xs);
  const fig = chartFigure(`Classifier weight norm ‖w_y‖ vs log P(y)${sampledNote}`, `Scatter of weight norm against log prior, coloured by bucket, Pearson ${formatNumber(stats.pearsonLogCount, 2)}, Spearman ${formatNumber(stats.spearmanLogCount, 2)}.`, 320);
  const biasFig = chartFigure(`Classifier bias b_y vs log P(y)${sampledNote}`, `Scatter of bias against log prior, Pearson ${formatNumber(stats.biasPearsonLogPrior, 2)}.`, 320);
  root.appendChild(h('div', { class: 'grid-2' }, fig.figure, biasFig.figure));
  const nameOf = (pt: Pt): string => report.classes[pt.i]?.name ?? '';
  const scatterSets = (pts: Record<Bucket, Pt[]>) =>
    bucketNames.map((b) => ({ label: b, data: pts[b], borderColor: p.bucket[b], backgroundColor: withAlpha(p.bucket[b], p.highContrast ? 1 : 0.6), pointRadius: total > 1000 ? 1.5 : 3, pointHoverRadius: 5 }));
  const tooltip = {
    callbacks: {
      label: (item: { raw: unknown; dataset: { label?: string } }) => {
        const pt = item.raw as Pt;
        return pt && typeof pt.i === 'number' ? `${nameOf(pt)}: log π = ${pt.x.toFixed(2)}, value ${pt.y.toFixed(3)}` : `${item.dataset.label ?? ''}`;
      },
    },
  };
  ctx.scope.chart(fig.canvas, {
    type: 'scatter',
    data: {
      datasets: [
        ...scatterSets(norms),
        ...(line ? [{ type: 'line' as const, label: `OLS: ${line.slope.toFixed(3)}·log π + ${line.intercept.toFixed(3)}`, data: [{ x: xmin, y: line.slope * xmin + line.intercept }, { x: xmax, y: line.slope * xmax + line.intercept }], borderColor: p.fg, borderDash: [6, 4], borderWidth: 2, pointRadius: 0 }] : []),
      ],
    },
    options: { parsing: false, scales: { x: axis(p, 'log P(y)', { type: 'linear' }), y: axis(p, '‖w_y‖') }, plugins: { tooltip } },
  });
  const biases = byBucket(report.classes, (c) => c.bias);
  if (biases.many.length + biases.medium.length + biases.few.length === 0) {
    biasFig.figure.appendChild(note('info', 'The classifier has no bias term.'));
  } else {
    ctx.scope.chart(biasFig.canvas, {
      type: 'scatter',
      data: { datasets: scatterSets(biases) },
      options: { parsing: false, scales: { x: axis(p, 'log P(y)', { type: 'linear' }), y: axis(p, 'b_y') }, plugins: { tooltip } },
    });
  }

  // Text alternative: mean norm and bias per bucket.
  const rows = bucketNames.map((b) => {
    const cs = report.classes.filter((c) => c.bucket === b);
    const mean = (f: (c: ClassReport) => number | null): string => {
      const v = cs.map(f).filter((x): x is number => x !== null);
      return v.length ? formatNumber(v.reduce((s, x) => s + x, 0) / v.length, 3) : '—';
    };
    return [b, cs.length, mean((c) => c.weightNorm), mean((c) => c.bias), mean((c) => (c.prior > 0 ? Math.log(c.prior) : null))];
  });
  root.appendChild(textAlternative('Data: weight norm and bias by bucket', dataTable('Mean weight norm and bias by bucket', ['Bucket', 'Classes', 'Mean ‖w‖', 'Mean bias', 'Mean log π'], rows, 'Per-class ‖w‖ and bias: see the Classes table.')));
}

/** The weight-norm section. */
export const weightsView: SectionView = { title: 'Weight norms', available: () => true, render };
