/** Embedding tightness per class (resultant length, variance, spread/gap ratio) by frequency, and the PCA projection. */
import { bucketNames, type Bucket, type ClassReport } from '../../../src/protocol/report';
import { axis } from '../charts';
import { dataTable, h, textAlternative } from '../dom';
import { pointDrillDown } from '../model/drillDown';
import { formatNumber, formatPercent } from '../model/format';
import { binValues, seriesByBucket, strideSample } from '../model/series';
import { withAlpha } from '../theme';
import { chartFigure, note, type SectionView, type ViewContext } from './context';

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

  const proj = report.projection;
  if (proj && proj.points.length) {
    const indexed = proj.points.map((q, k) => [q[0], q[1], q[2], proj.indices?.[k] ?? -1] as const);
    const pts = strideSample(indexed, 4000);
    const sets: Record<Bucket, { x: number; y: number; l: number; i: number }[]> = { many: [], medium: [], few: [] };
    for (const [x, y, l, i] of pts) {
      const c = report.classes[l];
      if (c && Number.isFinite(x) && Number.isFinite(y)) sets[c.bucket].push({ x, y, l, i });
    }
    const fig = chartFigure(
      `PCA projection of eval embeddings (${proj.sampled.toLocaleString('en-US')} of ${proj.total.toLocaleString('en-US')} examples${pts.length < proj.points.length ? `, ${pts.length.toLocaleString('en-US')} drawn` : ''})`,
      `Scatter of the first two principal components, coloured by the bucket of each example’s class. PC1 explains ${formatPercent(proj.explainedVariance[0])}, PC2 ${formatPercent(proj.explainedVariance[1])} of variance.`,
      380,
    );
    root.appendChild(fig.figure);
    // Draw few-shot last so the tail stays visible on top of the head.
    ctx.scope.chart(fig.canvas, {
      type: 'scatter',
      data: { datasets: (['many', 'medium', 'few'] as const).map((b) => ({ label: `${b} (${sets[b].length})`, data: sets[b], backgroundColor: withAlpha(p.bucket[b], p.highContrast ? 1 : 0.5), borderColor: p.bucket[b], pointRadius: 2, pointHitRadius: 6 })) },
      options: {
        parsing: false,
        scales: { x: axis(p, `PC1 (${formatPercent(proj.explainedVariance[0])})`, { type: 'linear' }), y: axis(p, `PC2 (${formatPercent(proj.explainedVariance[1])})`) },
        plugins: {
          tooltip: {
            callbacks: {
              label: (item) => {
                const raw = item.raw as { l: number; i: number };
                return `${report.classes[raw.l]?.name ?? ''}${raw.i >= 0 ? ` · eval example ${raw.i}` : ''}`;
              },
            },
          },
        },
        // A click on a point opens its example (reports written before drill-down have no indices).
        onClick: (_event, elements) => {
          const hit = elements[0];
          if (!hit) return;
          const raw = sets[(['many', 'medium', 'few'] as const)[hit.datasetIndex]]?.[hit.index];
          if (raw && raw.i >= 0) ctx.drillDown(pointDrillDown(report, raw.i, raw.l));
        },
      },
    });
    root.appendChild(
      textAlternative(
        'Data: projection points per bucket',
        dataTable('Projected points per bucket', ['Bucket', 'Points', 'Mean PC1', 'Mean PC2'], bucketNames.map((b) => {
          const s = sets[b];
          const m = (f: (q: { x: number; y: number }) => number): string => (s.length ? formatNumber(s.reduce((a, q) => a + f(q), 0) / s.length, 3) : '—');
          return [b, s.length, m((q) => q.x), m((q) => q.y)];
        })),
      ),
    );
  }
}

/** The embedding-tightness section. */
export const embeddingsView: SectionView = { title: 'Embeddings', available: () => true, render };
