/**
 * Overview: balanced vs top-1 error, bucket accuracy cards, the class-count profile (log) with per-class
 * accuracy over it, accuracy by frequency decile, and prediction share vs uniform.
 */
import { bucketNames } from '../../../src/protocol/report';
import { axis } from '../charts';
import { dataTable, h, textAlternative } from '../dom';
import { formatCount, formatDeltaPp, formatNumber, formatPercent } from '../model/format';
import { formatInterval } from '../model/postHoc';
import { binValues, bucketSpans, strideSample, type XY } from '../model/series';
import { withAlpha } from '../theme';
import { bucketTitle, chartFigure, note, type SectionView, type ViewContext } from './context';

/** Above this many classes, per-class series are binned (means over runs of consecutive ranks). */
const perClassLimit = 300;
const bins = 150;

function card(title: string, value: string, sub: string, extraClass = ''): HTMLElement {
  return h('div', { class: `card ${extraClass}` }, h('div', { class: 'card-title' }, title), h('div', { class: 'card-value' }, value), h('div', { class: 'card-sub' }, sub));
}

function render(root: HTMLElement, ctx: ViewContext): void {
  const { report, order, palette: p } = ctx;
  const s = report.summary;
  const C = report.classes.length;
  const gap = s.balancedError - s.top1Error;
  const iv = s.intervals ?? null;
  const la = report.postHoc.logitAdjustment;
  const sel = report.postHoc.selection ?? null;

  root.appendChild(
    h(
      'div',
      { class: 'cards' },
      card('Balanced error', formatPercent(s.balancedError), `mean over ${formatCount(s.classesInEval)} classes in eval${iv ? `; 95% CI ${formatInterval(iv.balancedError)}` : ''}`, 'card-primary'),
      card('Top-1 error', formatPercent(s.top1Error), `${formatCount(s.evalExamples)} eval examples`),
      ...(s.top5Accuracy !== undefined && s.top5Accuracy !== null ? [card('Top-5 accuracy', formatPercent(s.top5Accuracy), 'label among the 5 highest logits')] : []),
      card('Gap', formatDeltaPp(gap), gap > 0.02 ? 'tail classes are worse: head bias' : 'little head bias'),
      sel
        ? card('Logit adjustment, held-out τ', formatPercent(sel.logitAdjustment.testBalancedError), `τ = ${formatNumber(sel.logitAdjustment.tau, 2)} chosen on held-out eval examples; model as is on the same test part: ${formatPercent(sel.testBalancedError)}`)
        : card('Best logit adjustment (oracle)', formatPercent(la.bestBalancedError), `balanced error at τ = ${formatNumber(la.bestTau, 2)}, chosen on this eval set`),
      card(
        'Calibration',
        `ECE ${formatPercent(report.calibration.ece)}`,
        `MCE ${formatPercent(report.calibration.mce)}${report.calibration.adjusted ? `; after post-hoc logit adjustment (τ = ${formatNumber(report.calibration.adjusted.tau, 2)}) ECE ${formatPercent(report.calibration.adjusted.ece)}` : ''}`,
      ),
    ),
  );
  root.appendChild(
    h(
      'div',
      { class: 'cards' },
      ...bucketNames.map((b) =>
        h(
          'div',
          { class: `card card-bucket card-${b}` },
          h('div', { class: 'card-title' }, h('span', { class: `swatch swatch-${b}`, 'aria-hidden': 'true' }), ' ', bucketTitle(b, s.thresholds)),
          h('div', { class: 'card-value' }, formatPercent(s.buckets[b].accuracy)),
          h('div', { class: 'card-sub' }, `accuracy, ${formatCount(s.buckets[b].classes)} classes in eval${iv?.buckets[b] ? `; 95% CI ${formatInterval(iv.buckets[b])}` : ''}${report.calibration.perBucket?.[b] ? `; ECE ${formatPercent(report.calibration.perBucket[b]?.ece)}` : ''}`),
          meter(s.buckets[b].accuracy),
        ),
      ),
    ),
  );

  // Class-count profile with accuracy over it.
  const counts: XY[] = order.map((cls, rank) => ({ x: rank, y: report.classes[cls].trainCount }));
  const countLine = C > 2000 ? strideSample(counts, 1000).concat(counts[counts.length - 1]) : counts;
  const accs = order.map((cls) => report.classes[cls].accuracy);
  const binned = C > perClassLimit;
  const accBins = binned ? binValues(accs, bins) : [];
  const accPoints: XY[] = binned
    ? accBins.filter((b) => b.mean !== null).map((b) => ({ x: (b.start + b.end - 1) / 2, y: b.mean as number }))
    : accs.flatMap((a, rank) => (a === null ? [] : [{ x: rank, y: a }]));
  const spans = bucketSpans(report.classes, order);
  const profile = chartFigure(
    'Class-count profile and accuracy, classes sorted by training count',
    `Training count per class on a log scale, falling from ${formatCount(counts[0]?.y)} to ${formatCount(counts[counts.length - 1]?.y)}, with ${binned ? `mean accuracy per run of about ${Math.round(C / bins)} classes` : 'per-class accuracy'} over it.`,
    320,
  );
  root.appendChild(profile.figure);
  ctx.scope.chart(profile.canvas, {
    type: 'line',
    data: {
      datasets: [
        ...spans.map((sp) => ({
          label: `train count (${sp.bucket})`,
          data: countLine.filter((pt) => pt.x >= sp.start && pt.x < sp.end).concat(sp.end < C ? [counts[sp.end]] : []),
          borderColor: p.bucket[sp.bucket],
          backgroundColor: withAlpha(p.bucket[sp.bucket], p.highContrast ? 0 : 0.12),
          fill: p.highContrast ? false : ('start' as const),
          borderWidth: 2,
          pointRadius: 0,
          yAxisID: 'count',
        })),
        {
          label: binned ? `accuracy (mean of ~${Math.round(C / bins)} classes)` : 'accuracy',
          data: accPoints,
          borderColor: p.accent,
          backgroundColor: p.accent,
          borderWidth: binned ? 1.5 : 0,
          showLine: binned,
          pointRadius: binned ? 0 : 2.5,
          yAxisID: 'acc',
        },
      ],
    },
    options: {
      parsing: false,
      interaction: { mode: 'nearest', intersect: false },
      scales: {
        x: axis(p, 'classes by training count (rank, 0 = most frequent)', { type: 'linear', min: 0, max: Math.max(1, C - 1) }),
        count: axis(p, 'training examples (log)', { type: 'logarithmic', position: 'left' }),
        acc: axis(p, 'accuracy', { type: 'linear', position: 'right', min: 0, max: 1, grid: { drawOnChartArea: false }, ticks: { color: p.muted, callback: (v: number | string) => `${Math.round(Number(v) * 100)}%` } }),
      },
      plugins: {
        tooltip: {
          callbacks: {
            title: (items) => {
              const rank = Math.round(items[0]?.parsed.x ?? 0);
              const cls = order[rank];
              return cls === undefined ? '' : `#${rank}: ${report.classes[cls].name}`;
            },
          },
        },
      },
    },
  });

  // Accuracy by frequency decile (the report's 10 groups).
  const groups = s.groups;
  const groupFig = chartFigure('Accuracy by frequency group (10 groups, most frequent first)', `Bar chart of mean accuracy in each of ${groups.length} frequency groups.`, 220);
  root.appendChild(h('div', { class: 'grid-3' }, groupFig.figure, predictionShareFigure(ctx), calibrationFigure(ctx)));
  ctx.scope.chart(groupFig.canvas, {
    type: 'bar',
    data: {
      labels: groups.map((g) => (g.minTrainCount === g.maxTrainCount ? compact(g.minTrainCount) : `${compact(g.minTrainCount)}–${compact(g.maxTrainCount)}`)),
      datasets: [{ label: 'accuracy', data: groups.map((g) => g.accuracy ?? 0), backgroundColor: groups.map((g) => withAlpha(p.bucket[report.classes[g.classIndices[0]]?.bucket ?? 'medium'], 0.75)), borderColor: groups.map((g) => p.bucket[report.classes[g.classIndices[0]]?.bucket ?? 'medium']), borderWidth: 1 }],
    },
    options: {
      plugins: { legend: { display: false } },
      scales: { x: axis(p, 'training-count range of the group', { ticks: { color: p.muted, maxRotation: 0, autoSkip: false, font: { size: 10 } } }), y: axis(p, 'accuracy', { min: 0, max: 1 }) },
    },
  });

  root.appendChild(
    textAlternative(
      'Data: accuracy by frequency group and bucket',
      h(
        'div',
        null,
        dataTable(
          'Accuracy by frequency group',
          ['Group', 'Train count range', 'Classes', 'Accuracy'],
          groups.map((g) => [String(g.group + 1), `${g.minTrainCount}–${g.maxTrainCount}`, g.classIndices.length, formatPercent(g.accuracy)]),
        ),
        dataTable(
          'Accuracy by bucket',
          ['Bucket', 'Classes in eval', 'Accuracy'],
          bucketNames.map((b) => [bucketTitle(b, s.thresholds), s.buckets[b].classes, formatPercent(s.buckets[b].accuracy)]),
          'Per-class values: see the Classes table.',
        ),
      ),
    ),
  );
}

function compact(n: number): string {
  return n >= 10_000 ? `${Math.round(n / 1000)}k` : n >= 1000 ? `${(n / 1000).toFixed(1).replace(/\.0$/, '')}k` : String(n);
}

function meter(value: number | null): HTMLElement {
  const bar = h('div', { class: 'meter-fill' });
  bar.style.width = `${Math.round((value ?? 0) * 100)}%`;
  return h('div', { class: 'meter', 'aria-hidden': 'true' }, bar);
}

/** Prediction share per class vs the uniform 1/C, in frequency order, plus share by bucket. */
function predictionShareFigure(ctx: ViewContext): HTMLElement {
  const { report, order, palette: p } = ctx;
  const share = report.summary.predictionShare;
  const C = report.classes.length;
  const ratio = order.map((cls) => (share.uniform > 0 ? (share.perClass[cls] ?? 0) / share.uniform : 0));
  const binned = C > perClassLimit;
  const pts: XY[] = binned
    ? binValues(ratio, bins).map((b) => ({ x: (b.start + b.end - 1) / 2, y: b.mean ?? 0 }))
    : ratio.map((y, x) => ({ x, y }));
  const fig = chartFigure('Prediction share vs uniform (1 = predicted as often as 1/C)', 'Line chart of each class’s share of predictions divided by the uniform share, classes sorted by training count.', 220);
  ctx.scope.chart(fig.canvas, {
    type: 'line',
    data: {
      datasets: [
        { label: binned ? 'share ÷ uniform (binned)' : 'share ÷ uniform', data: pts, borderColor: p.bad, backgroundColor: p.bad, borderWidth: 1.5, pointRadius: binned || C > 60 ? 0 : 2 },
        { label: 'uniform', data: [{ x: 0, y: 1 }, { x: Math.max(1, C - 1), y: 1 }], borderColor: p.muted, borderDash: [6, 4], borderWidth: 1.5, pointRadius: 0 },
      ],
    },
    options: { parsing: false, scales: { x: axis(p, 'classes by training count (rank)', { type: 'linear', min: 0, max: Math.max(1, C - 1) }), y: axis(p, 'share ÷ uniform', { min: 0 }) } },
  });
  // Share of predictions per bucket vs share of classes per bucket.
  const rows = bucketNames.map((b) => {
    const members = report.classes.filter((c) => c.bucket === b);
    const predShare = members.reduce((acc, c) => acc + (share.perClass[c.index] ?? 0), 0);
    return [b, formatPercent(members.length / Math.max(1, C)), formatPercent(predShare)] as const;
  });
  const many = rows[0];
  const text = `Many-shot classes are ${many[1]} of classes and receive ${many[2]} of predictions.`;
  return h('div', null, fig.figure, note('info', text), textAlternative('Data: prediction share by bucket', dataTable('Prediction share by bucket', ['Bucket', 'Share of classes', 'Share of predictions'], rows)));
}

/** Reliability diagram: accuracy vs mean confidence per confidence bin (15 equal-width bins). */
function calibrationFigure(ctx: ViewContext): HTMLElement {
  const { report, palette: p } = ctx;
  const cal = report.calibration;
  const bins = cal.bins.filter((b) => b.count > 0 && b.accuracy !== null && b.confidence !== null);
  const fig = chartFigure(
    `Calibration: accuracy vs confidence (ECE ${formatPercent(cal.ece)}, MCE ${formatPercent(cal.mce)})`,
    `Reliability diagram over ${cal.bins.length} confidence bins; points below the diagonal are over-confident.`,
    240,
  );
  ctx.scope.chart(fig.canvas, {
    type: 'scatter',
    data: {
      datasets: [
        { label: 'accuracy per bin', data: bins.map((b) => ({ x: b.confidence as number, y: b.accuracy as number })), borderColor: p.bad, backgroundColor: p.bad, showLine: true, borderWidth: 1.5, pointRadius: 3 },
        { label: 'perfect calibration', data: [{ x: 0, y: 0 }, { x: 1, y: 1 }], borderColor: p.muted, borderDash: [6, 4], showLine: true, borderWidth: 1, pointRadius: 0 },
      ],
    },
    options: { parsing: false, scales: { x: axis(p, 'mean confidence', { type: 'linear', min: 0, max: 1 }), y: axis(p, 'accuracy', { min: 0, max: 1 }) } },
  });
  const alt = textAlternative(
    'Data: calibration bins',
    dataTable('Calibration bins', ['Bin', 'Examples', 'Mean confidence', 'Accuracy'], cal.bins.map((b) => [`${formatNumber(b.lo, 2)}–${formatNumber(b.hi, 2)}`, formatCount(b.count), formatPercent(b.confidence), formatPercent(b.accuracy)])),
  );
  return h('div', null, fig.figure, alt);
}

/** The overview section. */
export const overviewView: SectionView = { title: 'Overview', available: () => true, render };
