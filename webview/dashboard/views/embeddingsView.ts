/** Embedding tightness per class (resultant length, variance, spread/gap ratio) by frequency, and the projector (PCA | UMAP). */
import { bucketNames, type ClassReport } from '../../../src/protocol/report';
import { axis } from '../charts';
import { dataTable, h } from '../dom';
import { formatNumber } from '../model/format';
import { binValues, seriesByBucket } from '../model/series';
import { withAlpha } from '../theme';
import { chartFigure, note, type SectionView, type ViewContext } from './context';
import { projectorFigure } from './projectorView';

const metrics: { key: string; title: string; axisTitle: string; value: (c: ClassReport) => number | null; help: string }[] = [
  { key: 'r', title: 'Resultant length ‖mean z‖ (higher = tighter)', axisTitle: 'resultant length', value: (c) => c.tightness?.resultantLength ?? null, help: 'Length of the mean unit embedding; 1 means all examples point the same way.' },
  { key: 'var', title: 'Within-class variance (lower = tighter)', axisTitle: 'variance', value: (c) => c.tightness?.variance ?? null, help: 'Mean squared distance to the class centroid on the unit sphere.' },
  { key: 'ratio', title: 'Spread / nearest-centroid gap (> 1: overlaps a neighbour)', axisTitle: 'ratio', value: (c) => c.tightness?.ratio ?? null, help: 'Mean distance to the own centroid divided by the distance to the closest other centroid.' },
];

function render(root: HTMLElement, ctx: ViewContext): void {
  const { report, order, palette: p } = ctx;
  const withT = report.classes.filter((c) => c.tightness !== null);
  if (!withT.length && !report.projection) {
    root.appendChild(note('info', 'This report has no embeddings, so tightness and the projection are unavailable.'));
    return;
  }
  const C = report.classes.length;
  if (withT.length) {
    const rs = report.summary.resultantLengthSpearmanLogCount;
    if (rs !== undefined) {
      root.appendChild(
        note(
          'info',
          `Spearman ρ (resultant length R̄_y, log n_y) = ${formatNumber(rs, 3)} over the classes with tightness: ${rs === null ? 'undefined (too few classes or constant values)' : rs > 0 ? 'frequent classes have the tighter embeddings' : rs < 0 ? 'rare classes have the tighter embeddings' : 'no monotone relation'}. These tightness metrics are this product’s own diagnostics, not a metric from the ELM paper.`,
        ),
      );
    }
    const grid = h('div', { class: 'grid-3' });
    root.appendChild(grid);
    for (const m of metrics) {
      const series = seriesByBucket(report.classes, order, m.value, 700, 'stride');
      const sampled = C > 2100;
      const trend = binValues(order.map((cls) => m.value(report.classes[cls])), Math.min(60, C)).filter((b) => b.mean !== null).map((b) => ({ x: (b.start + b.end - 1) / 2, y: b.mean as number }));
      const fig = chartFigure(m.title, `${m.help} Plotted per class against frequency rank, coloured by bucket${sampled ? ' (an even sample of classes)' : ''}, with the running mean.`, 240);
      grid.appendChild(fig.figure);
      ctx.scope.chart(fig.canvas, {
        type: 'scatter',
        data: {
          datasets: [
            ...bucketNames.map((b) => ({ label: b, data: series[b], backgroundColor: withAlpha(p.bucket[b], p.highContrast ? 1 : 0.55), borderColor: withAlpha(p.bucket[b], p.highContrast ? 1 : 0.8), pointRadius: C > 1000 ? 1.5 : 2.5 })),
            { type: 'line' as const, label: 'mean', data: trend, borderColor: p.fg, backgroundColor: p.fg, borderWidth: 1.5, pointRadius: 0 },
          ],
        },
        options: {
          parsing: false,
          scales: { x: axis(p, 'frequency rank (0 = most frequent)', { type: 'linear', min: 0, max: Math.max(1, C - 1) }), y: axis(p, m.axisTitle) },
          plugins: {
            tooltip: {
              callbacks: {
                label: (item) => {
                  const raw = item.raw as { x: number; y: number };
                  if (!Number.isInteger(raw.x) || item.dataset.label === 'mean') return `mean: ${raw.y.toFixed(3)}`;
                  const cls = order[raw.x];
                  return `${cls === undefined ? '' : report.classes[cls].name}: ${raw.y.toFixed(3)}`;
                },
              },
            },
          },
        },
      });
    }
    const rows = bucketNames.map((b) => {
      const cs = withT.filter((c) => c.bucket === b);
      const mean = (f: (c: ClassReport) => number | null): string => {
        const v = cs.map(f).filter((x): x is number => x !== null && Number.isFinite(x));
        return v.length ? formatNumber(v.reduce((s, x) => s + x, 0) / v.length, 3) : '—';
      };
      return [b, cs.length, ...metrics.map((m) => mean(m.value)), mean((c) => c.tightness?.meanFeatureNorm ?? null)];
    });
    root.appendChild(dataTable('Mean tightness by bucket', ['Bucket', 'Classes', 'Resultant length', 'Variance', 'Spread/gap', 'Mean ‖φ‖'], rows, 'Per-class values: see the Classes table.'));
  }

  if (report.projection && report.projection.points.length) root.appendChild(projectorFigure(ctx));
}

/** The embedding-tightness section. */
export const embeddingsView: SectionView = { title: 'Embeddings', available: () => true, render };
