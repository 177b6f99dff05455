/** Before/after: headline and bucket deltas, Δ accuracy per class by frequency, biggest gains and losses. */
import { bucketNames } from '../../../src/protocol/report';
import { axis } from '../charts';
import { dataTable, h, textAlternative } from '../dom';
import { compareReports, extremes } from '../model/compare';
import { formatCount, formatDeltaPp, formatPercent } from '../model/format';
import { binValues } from '../model/series';
import { withAlpha } from '../theme';
import { chartFigure, note, type SectionView, type ViewContext } from './context';

function render(root: HTMLElement, ctx: ViewContext): void {
  const { report, compare, order, palette: p } = ctx;
  if (!compare) return;
  const cmp = compareReports(report, compare, order);
  root.appendChild(
    h(
      'p',
      { class: 'muted' },
      'Before: ',
      h('code', null, report.model.path),
      ' · After: ',
      h('code', null, compare.model.path),
      ` · ${formatCount(cmp.classes.length)} classes matched by ${cmp.matchedBy}`,
      cmp.onlyBefore || cmp.onlyAfter ? ` (${cmp.onlyBefore} only before, ${cmp.onlyAfter} only after)` : '',
    ),
  );
  const better = (d: number | null, lowerIsBetter: boolean): string => (d === null || Math.abs(d) < 5e-4 ? '' : (d < 0) === lowerIsBetter ? 'delta-good' : 'delta-bad');
  const headline = h('table', { class: 'data-table compare-table' }, h('caption', null, 'Headline numbers'));
  headline.appendChild(h('thead', null, h('tr', null, ...['Metric', 'Before', 'After', 'Δ'].map((t) => h('th', { scope: 'col' }, t)))));
  const hb = h('tbody');
  for (const row of cmp.headline) {
    const d = row.before === null || row.after === null ? null : row.after - row.before;
    hb.appendChild(h('tr', null, h('th', { scope: 'row' }, row.label), h('td', null, formatPercent(row.before)), h('td', null, formatPercent(row.after)), h('td', { class: better(d, row.lowerIsBetter) }, formatDeltaPp(d))));
  }
  for (const b of cmp.buckets) {
    hb.appendChild(h('tr', null, h('th', { scope: 'row' }, `${b.bucket} accuracy`), h('td', null, formatPercent(b.before)), h('td', null, formatPercent(b.after)), h('td', { class: better(b.delta, false) }, formatDeltaPp(b.delta))));
  }
  headline.appendChild(hb);

  const bucketFig = chartFigure('Accuracy per bucket, before vs after', 'Grouped bar chart of bucket accuracy before and after.', 240);
  root.appendChild(h('div', { class: 'grid-2' }, headline, bucketFig.figure));
  ctx.scope.chart(bucketFig.canvas, {
    type: 'bar',
    data: {
      labels: [...bucketNames],
      datasets: [
        { label: 'before', data: cmp.buckets.map((b) => b.before ?? 0), backgroundColor: withAlpha(p.muted, 0.5), borderColor: p.muted, borderWidth: 1 },
        { label: 'after', data: cmp.buckets.map((b) => b.after ?? 0), backgroundColor: withAlpha(p.accent, 0.8), borderColor: p.accent, borderWidth: 1 },
      ],
    },
    options: { scales: { x: axis(p, 'bucket'), y: axis(p, 'accuracy', { min: 0, max: 1 }) } },
  });

  // Δ accuracy by frequency rank (binned for large C) and by decile.
  const deltas = cmp.classes.map((c) => c.delta);
  const C = deltas.length;
  const binned = C > 300;
  const series = binned ? binValues(deltas, 150).map((b) => ({ x: (b.start + b.end - 1) / 2, y: b.mean ?? 0 })) : deltas.flatMap((d, x) => (d === null ? [] : [{ x, y: d }]));
  const deciles = binValues(deltas, 10);
  const deltaFig = chartFigure(`Δ accuracy per class, classes by training count${binned ? ' (mean of ~' + Math.round(C / 150) + ' classes)' : ''}`, 'Change in per-class accuracy from before to after, along frequency rank.', 260);
  const decileFig = chartFigure('Mean Δ accuracy by frequency decile', 'Bar chart of mean change in accuracy in each tenth of classes by training count.', 260);
  root.appendChild(h('div', { class: 'grid-2' }, deltaFig.figure, decileFig.figure));
  ctx.scope.chart(deltaFig.canvas, {
    type: binned ? 'line' : 'bar',
    data: {
      datasets: [
        {
          label: 'Δ accuracy',
          data: series,
          borderColor: p.accent,
          backgroundColor: series.map((pt) => (pt.y >= 0 ? withAlpha(p.good, 0.7) : withAlpha(p.bad, 0.7))),
          borderWidth: binned ? 1.5 : 0,
          pointRadius: 0,
        },
      ],
    },
    options: { parsing: false, plugins: { legend: { display: false } }, scales: { x: axis(p, 'frequency rank (before)', { type: 'linear', min: 0, max: Math.max(1, C - 1) }), y: axis(p, 'Δ accuracy') } },
  });
  ctx.scope.chart(decileFig.canvas, {
    type: 'bar',
    data: {
      labels: deciles.map((_, k) => `${k * 10}–${k * 10 + 10}%`),
      datasets: [{ label: 'mean Δ accuracy', data: deciles.map((b) => b.mean ?? 0), backgroundColor: deciles.map((b) => ((b.mean ?? 0) >= 0 ? withAlpha(p.good, 0.75) : withAlpha(p.bad, 0.75))), borderColor: p.border, borderWidth: 1 }],
    },
    options: { plugins: { legend: { display: false } }, scales: { x: axis(p, 'classes by training count (most frequent first)'), y: axis(p, 'mean Δ accuracy') } },
  });

  const { gains, losses } = extremes(cmp.classes, 15);
  const rowsOf = (list: typeof gains) => list.map((c) => [c.name, c.bucket, formatCount(c.trainCount), formatPercent(c.accuracyBefore), formatPercent(c.accuracyAfter), formatDeltaPp(c.delta)]);
  const heads = ['Class', 'Bucket', 'Train n', 'Before', 'After', 'Δ'];
  root.appendChild(h('div', { class: 'grid-2' }, dataTable('Largest gains', heads, rowsOf(gains)), dataTable('Largest losses', heads, rowsOf(losses))));
  if (!gains.length && !losses.length) root.appendChild(note('info', 'No class changed accuracy.'));
  root.appendChild(textAlternative('Data: mean Δ accuracy by decile', dataTable('Mean Δ accuracy by frequency decile', ['Decile', 'Classes', 'Mean Δ'], deciles.map((b, k) => [`${k * 10}–${k * 10 + 10}%`, b.end - b.start, formatDeltaPp(b.mean)]))));
}

/** The compare section (only with a second report). */
export const compareView: SectionView = { title: 'Compare', available: (ctx) => ctx.compare !== null, render };
