/** Confusion by frequency: 3×3 bucket matrix, the full matrix (frequency order, log colour) and top confused pairs. */
import { bucketNames } from '../../../src/protocol/report';
import { dataTable, h, textAlternative } from '../dom';
import { pairDrillDown } from '../model/drillDown';
import { logIntensity, rowNormalise, shapeConfusion, type LabelledMatrix } from '../model/confusion';
import { formatCount, formatPercent } from '../model/format';
import { withAlpha, type Palette } from '../theme';
import { bucketLabel, className, note, type SectionView, type ViewContext } from './context';

/** Full matrices up to this size are drawn cell by cell; larger ones keep the top-N classes + "other". */
const fullLimit = 100;
const keepTopN = 40;

function render(root: HTMLElement, ctx: ViewContext): void {
  const { report } = ctx;
  const conf = report.confusion;

  // 3×3 bucket matrix as a table with heat backgrounds (row-normalised).
  const norm = rowNormalise(conf.buckets);
  const table = h('table', { class: 'bucket-matrix' }, h('caption', null, 'True bucket (rows) × predicted bucket (columns): share of the row, with counts'));
  table.appendChild(h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'true \\ predicted'), ...bucketNames.map((b) => h('th', { scope: 'col' }, bucketLabel(b))))));
  const tbody = h('tbody');
  bucketNames.forEach((b, i) => {
    const tr = h('tr', null, h('th', { scope: 'row' }, bucketLabel(b)));
    bucketNames.forEach((_, j) => {
      const share = norm[i]?.[j] ?? 0;
      const td = h('td', { class: i === j ? 'diag' : 'off' }, h('strong', null, formatPercent(share)), h('br'), h('span', { class: 'muted' }, formatCount(conf.buckets[i]?.[j] ?? 0)));
      td.style.backgroundColor = `color-mix(in srgb, var(--lt-heat) ${Math.round(share * 70)}%, transparent)`;
      tr.appendChild(td);
    });
    tbody.appendChild(tr);
  });
  table.appendChild(tbody);
  root.appendChild(h('div', { class: 'grid-2' }, h('div', null, table, note('info', `Errors flowing to many-shot classes: ${formatPercent(norm[2]?.[0] ?? 0)} of few-shot and ${formatPercent(norm[1]?.[0] ?? 0)} of medium-shot examples are predicted as a many-shot class.`)), topPairsTable(ctx)));

  if (conf.matrix) {
    const shaped = shapeConfusion(conf.matrix, conf.order, fullLimit, keepTopN);
    root.appendChild(heatmap(shaped, ctx, conf.order.length > fullLimit));
  } else {
    root.appendChild(note('info', `The full ${formatCount(report.classes.length)}×${formatCount(report.classes.length)} matrix is not stored in the report (it keeps matrices up to C = ${conf.matrixLimit}); the bucket matrix and top pairs summarise it.`));
  }
}

function topPairsTable(ctx: ViewContext): HTMLElement {
  const { report } = ctx;
  const pairs = report.confusion.topPairs;
  const t = dataTable(
    'Most frequent confusions',
    ['True class', 'Predicted as', 'Count', 'True → predicted bucket'],
    pairs.map((pr) => [className(report, pr.trueClass), className(report, pr.predictedClass), formatCount(pr.count), `${report.classes[pr.trueClass]?.bucket ?? '?'} → ${report.classes[pr.predictedClass]?.bucket ?? '?'}`]),
  );
  t.classList.add('pairs');
  // Each row opens the examples behind that confusion.
  t.querySelectorAll('tbody tr').forEach((tr, k) => {
    const pr = pairs[k];
    if (!pr) return;
    tr.classList.add('clickable');
    tr.setAttribute('tabindex', '0');
    tr.setAttribute('title', 'Show the examples of this confusion');
    const open = (): void => ctx.drillDown(pairDrillDown(report, pr.trueClass, pr.predictedClass));
    tr.addEventListener('click', open);
    tr.addEventListener('keydown', (e) => {
      if ((e as KeyboardEvent).key === 'Enter') open();
    });
  });
  return h('div', { class: 'scroll-y' }, t);
}

function heatmap(m: LabelledMatrix, ctx: ViewContext, aggregated: boolean): HTMLElement {
  const { report, palette: p } = ctx;
  const n = m.labels.length;
  const label = (k: number): string => (m.labels[k] === -1 ? 'other' : className(report, m.labels[k]));
  const canvas = h('canvas', {
    class: 'heatmap',
    tabindex: 0,
    role: 'img',
    'aria-label': `Confusion matrix heatmap, ${n} by ${n}, classes in frequency order, log colour scale. Use arrow keys to read cells and Enter (or a click) to see their examples.`,
  });
  const readout = h('p', { class: 'readout', 'aria-live': 'polite' }, 'Hover or focus the matrix and use the arrow keys to read a cell.');
  const box = h('div', { class: 'heatmap-box' }, canvas);
  const title = aggregated
    ? `Confusion matrix: the ${n - 1} classes with most confusions (frequency order) + “other”; rows true, columns predicted, log colour`
    : `Confusion matrix, classes sorted by frequency (head top-left); rows true, columns predicted, log colour`;
  const figure = h('figure', { class: 'chart' }, h('figcaption', null, title), box, legend(p, m.max), readout);
  let cursor = { i: 0, j: 0 };
  let geom = { left: 0, top: 0, cell: 1 };

  const draw = (): void => {
    const width = Math.max(200, Math.min(box.clientWidth || 600, 720));
    const showLabels = n <= 30;
    const margin = showLabels ? 120 : 44;
    const cell = Math.max(1, (width - margin - 4) / n);
    const size = margin + cell * n + 4;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(size * dpr);
    canvas.height = Math.round(size * dpr);
    canvas.style.width = `${size}px`;
    canvas.style.height = `${size}px`;
    const g = canvas.getContext('2d');
    if (!g) return;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, size, size);
    geom = { left: margin, top: margin, cell };
    g.fillStyle = withAlpha(p.muted, 0.06);
    g.fillRect(margin, margin, cell * n, cell * n);
    g.fillStyle = p.heat;
    for (let i = 0; i < n; i++) {
      const row = m.cells[i];
      for (let j = 0; j < n; j++) {
        const a = logIntensity(row[j], m.max);
        if (a <= 0) continue;
        g.globalAlpha = 0.12 + 0.88 * a;
        g.fillRect(margin + j * cell, margin + i * cell, Math.max(cell - (cell > 4 ? 0.5 : 0), 1), Math.max(cell - (cell > 4 ? 0.5 : 0), 1));
      }
    }
    g.globalAlpha = 1;
    if (cell >= 30) {
      // Counts in the cells when they fit; text colour by intensity for contrast.
      g.font = `${Math.min(13, Math.floor(cell / 3))}px ${p.fontFamily}`;
      g.textAlign = 'center';
      g.textBaseline = 'middle';
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const v = m.cells[i][j];
          if (!v) continue;
          g.fillStyle = logIntensity(v, m.max) > 0.6 ? p.bg : p.fg;
          g.fillText(formatCount(v), margin + (j + 0.5) * cell, margin + (i + 0.5) * cell);
        }
      }
    }
    g.strokeStyle = p.border;
    g.lineWidth = 1;
    g.strokeRect(margin, margin, cell * n, cell * n);
    g.fillStyle = p.muted;
    g.font = `11px ${p.fontFamily}`;
    if (showLabels) {
      g.textAlign = 'right';
      g.textBaseline = 'middle';
      for (let k = 0; k < n; k++) {
        const text = fitText(g, label(k), margin - 8);
        g.fillText(text, margin - 4, margin + (k + 0.5) * cell);
        g.save();
        g.translate(margin + (k + 0.5) * cell, margin - 4);
        g.rotate(-Math.PI / 3);
        g.textAlign = 'left';
        g.fillText(fitText(g, label(k), (margin - 8) / Math.sin(Math.PI / 3)), 0, 0);
        g.restore();
      }
    } else {
      g.textAlign = 'left';
      g.textBaseline = 'bottom';
      g.fillText('predicted →', margin, margin - 6);
      g.textAlign = 'right';
      g.textBaseline = 'top';
      g.fillText('true ↓', margin - 6, margin);
    }
    if (document.activeElement === canvas) {
      g.strokeStyle = p.fg;
      g.lineWidth = 2;
      g.strokeRect(margin + cursor.j * cell, margin + cursor.i * cell, cell, cell);
    }
  };
  const describe = (i: number, j: number): string => {
    const rowTotal = m.cells[i].reduce((s, v) => s + v, 0);
    return `True “${label(i)}” predicted as “${label(j)}”: ${formatCount(m.cells[i][j])} (${formatPercent(rowTotal ? m.cells[i][j] / rowTotal : 0)} of the row).`;
  };
  canvas.addEventListener('mousemove', (e) => {
    const r = canvas.getBoundingClientRect();
    const j = Math.floor((e.clientX - r.left - geom.left) / geom.cell);
    const i = Math.floor((e.clientY - r.top - geom.top) / geom.cell);
    if (i >= 0 && j >= 0 && i < n && j < n) readout.textContent = describe(i, j);
  });
  const drill = (i: number, j: number): void => {
    const t = m.labels[i];
    const q = m.labels[j];
    if (t === undefined || q === undefined || t < 0 || q < 0) return; // “other” aggregates classes: nothing to open
    ctx.drillDown(pairDrillDown(report, t, q));
  };
  canvas.addEventListener('click', (e) => {
    const r = canvas.getBoundingClientRect();
    const j = Math.floor((e.clientX - r.left - geom.left) / geom.cell);
    const i = Math.floor((e.clientY - r.top - geom.top) / geom.cell);
    if (i >= 0 && j >= 0 && i < n && j < n) drill(i, j);
  });
  canvas.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      drill(cursor.i, cursor.j);
      return;
    }
    const d: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const step = d[e.key];
    if (!step) return;
    e.preventDefault();
    cursor = { i: Math.min(n - 1, Math.max(0, cursor.i + step[0])), j: Math.min(n - 1, Math.max(0, cursor.j + step[1])) };
    readout.textContent = describe(cursor.i, cursor.j);
    draw();
  });
  canvas.addEventListener('focus', () => {
    readout.textContent = describe(cursor.i, cursor.j);
    draw();
  });
  canvas.addEventListener('blur', draw);
  const ro = new ResizeObserver(() => draw());
  ro.observe(box);
  ctx.scope.onDispose(() => ro.disconnect());
  requestAnimationFrame(draw);
  draw();

  // Text alternative: the largest cells.
  const cells: [number, number, number][] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (m.cells[i][j] > 0) cells.push([i, j, m.cells[i][j]]);
  cells.sort((a, b) => b[2] - a[2]);
  const alt = textAlternative(
    'Data: largest cells of the matrix',
    dataTable('Largest confusion-matrix cells', ['True class', 'Predicted as', 'Count'], cells.slice(0, 50).map(([i, j, v]) => [label(i), label(j), formatCount(v)]), cells.length > 50 ? `50 of ${cells.length} non-empty cells.` : undefined),
  );
  return h('div', null, figure, alt);
}

function legend(p: Palette, max: number): HTMLElement {
  const ramp = h('span', { class: 'ramp' });
  ramp.style.backgroundImage = `linear-gradient(to right, ${withAlpha(p.heat, 0.12)}, ${p.heat})`;
  return h('p', { class: 'legend' }, h('span', null, '1'), ramp, h('span', null, `${formatCount(max)} (log scale; empty cells blank)`));
}

/** `text`, shortened with an ellipsis until it is at most `width` px wide in the context's font. */
function fitText(g: CanvasRenderingContext2D, text: string, width: number): string {
  if (g.measureText(text).width <= width) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (g.measureText(`${text.slice(0, mid)}…`).width <= width) lo = mid;
    else hi = mid - 1;
  }
  return `${text.slice(0, lo)}…`;
}

/** The confusion section. */
export const confusionView: SectionView = { title: 'Confusion', available: () => true, render };
